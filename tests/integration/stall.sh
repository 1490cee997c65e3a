#!/bin/sh
# Stalls and status' exit status (issue 9, items 3 and 5), against Knot
# DNS on loopback: a vendor whose resolver lists a second server that
# never answers cannot see its key served by every server. `-q rotate`
# stays silent for stall_after (1d), then every run says so in one line
# ("mg: stalled: since DATE: REASON");
# status shows the stall with its reason and since when, and exits 1 for
# it, as for a late schedule, a failing vendor and orphaned keys, 0 when
# all is well.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1

knot_primary c.test
DEAD=$(free_port) # nothing listens there
mkdir -p hooks
cp "$ROOT/hooks/nsupdate" hooks/
printf '#!/bin/sh\necho "the vendor said no" >&2\nexit 3\n' >hooks/fail
chmod 755 hooks/*
# conf [RESOLVER [EXTRA]]: the configuration, mg asking RESOLVER
conf() {
	writeconf "$CONF" <<CONF
$(hook_env 1s)

$(vendor30d mg mg.c.test m%n 300 hooks/nsupdate)
resolver = $1

$(vendor30d ok ok.c.test o%n 300 hooks/nsupdate)
${2:-}
CONF
}
mkpass "$T/pass" 'stall passphrase'
# the publish needs every server to say the name is free (issue 10, item
# 3): it is made with the live server alone, the dead one added after
conf "127.0.0.1:$PORT"
base=$(date -u -d 2026-05-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((base + $1 * 3600)); export DKIMKEYS_NOW; }

at 0
dkinit
check "the first run publishes, silently under -q" run 0 dk -q rotate
check "  nothing said" test ! -s "$T/out"
conf "127.0.0.1:$PORT 127.0.0.1:$DEAD"
quiet=0
for h in 6 12 18 24 30; do
	at $h
	run 0 dk -q rotate && [ ! -s "$T/out" ] || quiet=1
done
check "-q rotate says nothing while the wait is younger than stall_after" \
    test $quiet -eq 0
at 30
check "status exits 0 before stall_after" run 0 dk status
at 36
check "past stall_after, -q rotate exits 0" run 0 dk -q rotate
check "  and says it in one line" test "$(wc -l <"$T/out")" -eq 1
check "  naming the vendor, since when and why" grep -q \
    "^mg: stalled: since 2026-05-01T06:00:00Z: m1 not served yet: .*127.0.0.1:$DEAD: unreachable" \
    "$T/out"
check "status exits 1" run 1 dk status
check "  showing the stall, its reason and since when" grep -q \
    "stalled since 2026-05-01T06:00:00Z: m1 not served yet: .*127.0.0.1:$DEAD" \
    "$T/out"
check "  marked in its row" grep -q "^mg .* STALLED" "$T/out"
check "status --json has it" sh -c "'$DK' -c '$CONF' --json status 2>/dev/null |
    '$PY' -c 'import json, sys
d = {s[\"vendor\"]: s for s in json.load(sys.stdin)[\"schedules\"]}
assert d[\"mg\"][\"stalled\"][\"since\"] == \"2026-05-01T06:00:00Z\", d
assert \"$DEAD\" in d[\"mg\"][\"stalled\"][\"reason\"], d
assert d[\"ok\"][\"stalled\"] is None, d'"
check "status of another vendor exits 0" run 0 dk status ok
said=0 runs=0
for h in 42 48 60 72 96 120; do
	at $h
	runs=$((runs + 1))
	run 0 dk -q rotate &&
	    [ "$(grep -c '^mg: stalled: since 2026-05-01T06:00:00Z' "$T/out")" -eq 1 ] &&
	    said=$((said + 1))
done
check "every later run says it again, days on" test $said -eq $runs
check "  while the other vendor went on" sh -c "'$DK' -c '$CONF' list --json 2>/dev/null |
    '$PY' -c 'import json, sys
s = {k[\"selector\"]: k[\"state\"] for k in json.load(sys.stdin)[\"keys\"]}
assert s[\"o1\"] == \"active\" and s[\"m1\"] == \"published\", s'"

# the second server is dropped: the vendor moves, the stall is gone
conf "127.0.0.1:$PORT"
at 132
check "once DNS serves the key, the stall is gone" run 0 dk rotate mg
check "  not said" sh -c "! grep -q stalled '$T/out'"
check "  status exits 0" run 0 dk status
check "  and shows no stall" sh -c "! grep -q -i stalled '$T/out'"

# late, failing, orphaned: status exits 1 too
at $((24 * 400))
check "a late schedule: status exits 1" run 1 dk status ok
check "  marked LATE" grep -q "^ok .* LATE" "$T/out"
conf "127.0.0.1:$PORT" "[vendor:bad]
domain = bad.c.test
selector = b%n
algorithms = ed25519
hooks = hooks/fail"
at 144
check "a failing hook fails rotate" run 1 dk rotate bad
check "status of the failing vendor exits 1" run 1 dk status bad
check "  with its last error" grep -q "last error: .*exit 3" "$T/out"
check "  the others are fine" run 0 dk status mg
conf "127.0.0.1:$PORT"
check "orphaned keys: status exits 1" run 1 dk status
check "  listing them" grep -q "^orphan: b1._domainkey.bad.c.test" "$T/out"
check "  status of a configured vendor exits 0" run 0 dk status ok
finish
