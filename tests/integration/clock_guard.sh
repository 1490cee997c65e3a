#!/bin/sh
# The clock guard cannot be sidestepped (issue 10, item 2; SPEC 3 "Time",
# 7 "Binding"): every changing command applies rotate's guard, so `hold;
# release` under a clock years ahead records nothing and the next rotate
# is still refused; --accept-time-jump is accepted by each of them; and
# the recorded now only moves forward: a command under an earlier clock
# given --accept-time-jump does not lower it.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
setup 'clock passphrase' <<CONF
[vendor:esp]
domain = esp.example
selector = e%n
algorithms = ed25519
rotate_every = 30d
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = no
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((base + $1 * 3600)); export DKIMKEYS_NOW; }
at 0
dkinit
h=0
while [ $h -le 72 ]; do
	at $h
	dk -q rotate >/dev/null 2>&1
	h=$((h + 12))
done
at 72
check "an active key after three days" sh -c \
    "'$DK' -c '$CONF' list 2>/dev/null | grep -q active"

# 2.4 years ahead: every changing command is refused, nothing recorded
at $((72 + 21024))
for c in "hold esp" "release esp" "decommission esp" \
    "decommission esp --alg ed25519" "keygen esp" "revoke e1"; do
	# shellcheck disable=SC2086
	refuse 1 "more than max_clock_jump" "$c under a clock 2.4 years ahead" \
	    dk $c
done
refuse 1 "more than max_clock_jump" \
    "the issue's sidestep: rotate after hold; release is still refused" \
    dk rotate
at 84
check "a rotate at the right time goes on" run 0 dk rotate
check "  no key was destroyed or revoked on the bogus clock" sh -c \
    "'$DK' -c '$CONF' list 2>/dev/null | grep -Eq 'destroyed|revoked' &&
    exit 1 || exit 0"

# backwards: refused, and with --accept-time-jump the recorded now stays
DKIMKEYS_NOW=$(date -u -d 2020-01-01T00:00:00Z +%s)
export DKIMKEYS_NOW
refuse 1 "before the keystore's last change" "hold under a clock in 2020" \
    dk hold esp
check "hold --accept-time-jump under a clock in 2020" \
    run 0 dk hold esp --accept-time-jump
check "release --accept-time-jump too" run 0 dk release --accept-time-jump esp
at 96
check "the recorded now was not lowered: rotate 12 h on needs no flag" \
    run 0 dk rotate
check "--accept-time-jump is not an option of read-only commands" \
    run 64 dk list --accept-time-jump
check "log --verify" run 0 dk log --verify
finish
