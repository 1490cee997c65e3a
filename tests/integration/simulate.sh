#!/bin/sh
# Simulated keystores (SPEC section 3, Time; issue 9, item 7), without
# DNS: a keystore with real-clock history refuses rotate and every other
# changing command under DKIMKEYS_NOW (64, one line naming --simulate,
# nothing changed), while rotate -n and the reading commands may rehearse;
# rotate --simulate marks it simulated for good (an audit entry), after
# which DKIMKEYS_NOW runs need no flag; a keystore init under DKIMKEYS_NOW
# is simulated from the start; status shows the mark in its table, in
# JSON and as dkimkeys_simulated in --prometheus.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
setup 'simulate passphrase' <<CONF
[vendor:mailgun]
domain = mg.test
selector = mg%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
CONF
now=$(date -u +%s)
unset DKIMKEYS_NOW

# A real-clock keystore: init and a first run on the clock.
dkinit
check "a real-clock rotate" run 0 dk -q rotate
check "  status shows no simulated line" \
    sh -c "'$DK' -c '$CONF' status 2>/dev/null | grep -q simulated && exit 1 || exit 0"
check "  status --json: simulated is null" sh -c "'$DK' -c '$CONF' --json status 2>/dev/null | $PY -c 'import json,sys; assert json.load(sys.stdin)[\"simulated\"] is None'"
check "  --prometheus: dkimkeys_simulated 0" sh -c "'$DK' -c '$CONF' status --prometheus '$T/m.prom' >/dev/null 2>&1; grep -qx 'dkimkeys_simulated 0' '$T/m.prom'"

# Under DKIMKEYS_NOW: refused, one line, the keystore unchanged.
export DKIMKEYS_NOW=$((now + 3600))
msg='real-clock history.*rotate --simulate'
refuse 64 "$msg" "rotate under DKIMKEYS_NOW: 64" dk rotate
refuse 64 "$msg" "  -q rotate too" dk -q rotate
refuse 64 "$msg" "  rotate --force too" dk rotate --force
refuse 64 "$msg" "  hold too" dk hold mailgun
refuse 64 "$msg" "  keygen too" dk keygen mailgun
refuse 64 "$msg" "  decommission too" dk decommission mailgun
refuse 64 "$msg" "  revoke too" dk revoke mg1
refuse 64 "$msg" "  export too (an audit entry)" dk export mg1 -o "$T/k.pem"
check "  rotate -n may rehearse" run 0 dk rotate -n
check "  list may read" run 0 dk list
check "  status too" run 0 dk status
unset DKIMKEYS_NOW
refuse 64 "--simulate is for a run under DKIMKEYS_NOW" \
    "rotate --simulate on the clock: 64" dk rotate --simulate

# rotate --simulate: marked for good, with an audit entry.
export DKIMKEYS_NOW=$((now + 3600))
check "rotate --simulate runs" run 0 dk -q rotate --simulate
check "  the state holds the mark" grep -q '^simulated since=' store/state
check "  an audit entry says so" sh -c "'$DK' -c '$CONF' --json log 2>/dev/null | $PY -c '
import json, sys
e = [x for x in json.load(sys.stdin) if x[\"event\"] == \"simulate\"]
assert len(e) == 1 and e[0][\"simulated\"] is True, e
'"
check "  the log verifies" run 0 dk log --verify
export DKIMKEYS_NOW=$((now + 13 * 3600))
check "  then rotate needs no --simulate" run 0 dk -q rotate
check "  nor hold" run 0 dk hold mailgun
check "  status says simulated since the marking run" sh -c "'$DK' -c '$CONF' status 2>/dev/null | grep -q '^simulated keystore since $(date -u -d @$((now + 3600)) +%Y-%m-%dT%H:%M:%SZ)'"
check "  status --json too" sh -c "'$DK' -c '$CONF' --json status 2>/dev/null | $PY -c 'import json,sys; assert json.load(sys.stdin)[\"simulated\"][\"since\"] == \"$(date -u -d @$((now + 3600)) +%Y-%m-%dT%H:%M:%SZ)\"'"
check "  --prometheus: dkimkeys_simulated 1" sh -c "'$DK' -c '$CONF' status --prometheus '$T/m.prom' >/dev/null 2>&1; grep -qx 'dkimkeys_simulated 1' '$T/m.prom'"
unset DKIMKEYS_NOW
check "  for good: a clock run keeps the mark" sh -c "'$DK' -c '$CONF' -q rotate --accept-time-jump >/dev/null 2>&1; grep -q '^simulated since=' store/state"

# init under DKIMKEYS_NOW: simulated from the start.
rm -rf store
dkinit DKIMKEYS_NOW=2026-01-01T00:00:00Z
check "init under DKIMKEYS_NOW marks the keystore" \
    grep -qx 'simulated since=2026-01-01T00:00:00Z' store/state
export DKIMKEYS_NOW=2026-01-01T12:00:00Z
check "  rotate needs no --simulate" run 0 dk -q rotate
check "  status shows it" sh -c "'$DK' -c '$CONF' status 2>/dev/null | grep -q '^simulated keystore since 2026-01-01T00:00:00Z'"

finish
