#!/bin/sh
# Changing ttl or testing (issue 9, item 10), without DNS: rotate says in
# one line per schedule, without failing, that `rotate --republish` is
# needed while a live record was published with other settings than the
# configuration's (the keystore remembers the ttl and testing each record
# was last published with); --republish runs the publish hooks again with
# the new ones, after which rotate says nothing of it.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p hooks rec
cp "$ROOT/tests/data/hooks/recorder" hooks/
chmod 700 hooks/recorder
conf() {
	setup 'republish passphrase' <<CONF
hook.record_dir = $T/rec

[vendor:mailgun]
domain = mg.test
selector = mg%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
hooks = hooks/recorder
$1
CONF
}
conf 'ttl = 300'
t0=$(date -u -d 2026-03-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((t0 + $1 * 3600)); export DKIMKEYS_NOW; }
at 0
dkinit
check "publish" run 0 dk rotate
at 2
check "deploy" run 0 dk rotate
check "  the state remembers the ttl published (+1)" \
    grep -q ' record_ttl=301' store/state
at 3
check "nothing changed: no republish line" run 0 dk rotate
check "  (none)" sh -c "! grep -q 'republish' '$T/out'"

conf 'ttl = 600'
at 4
check "ttl changed: rotate exits 0" run 0 dk rotate
check "  and says --republish is needed, in one line" test \
    "$(grep -c 'republish needed: published with ttl 300, the configuration says ttl 600: run `dkimkeys rotate --republish mailgun`' "$T/out")" -eq 1
check "  not under -q (not a failure)" sh -c \
    "'$DK' -c '$CONF' -q rotate 2>/dev/null | grep -q republish && exit 1 || exit 0"
at 5
check "rotate --republish" run 0 dk rotate --republish
check "  republished the live record" grep -q 'republished' "$T/out"
check "  the publish hook ran again" sh -c "tail -n 1 rec/events | grep -q ' publish '"
check "  the state remembers the new ttl" grep -q ' record_ttl=601' store/state
at 6
check "then no republish line" run 0 dk rotate
check "  (none)" sh -c "! grep -q 'republish' '$T/out'"

conf 'ttl = 600
testing = yes'
at 7
check "testing changed: rotate exits 0" run 0 dk rotate
check "  and says so" grep -q 'republish needed: published with ttl 600, the configuration says ttl 600 and testing' "$T/out"
check "rotate --republish" run 0 dk rotate --republish
check "  the state remembers testing" grep -q ' record_testing=yes' store/state
at 8
check "then no republish line" run 0 dk rotate
check "  (none)" sh -c "! grep -q 'republish' '$T/out'"
finish
