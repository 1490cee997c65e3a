#!/bin/sh
# rotate when things go wrong, against Knot DNS on loopback: a hook that
# fails, exits 75, hangs past hook_timeout or leaves a background process
# holds back its own key only, leaves no process behind, and the next run
# finishes the job; DNS that does not serve a key, or serves another p=,
# stops activation and status says why; two concurrent runs: one works,
# the other exits 75 at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1

knot_primary f.test
mkdir -p hooks rec
cp "$ROOT/hooks/nsupdate" "$ROOT/tests/data/hooks/recorder" \
    "$ROOT/tests/data/hooks/control" hooks/
chmod 755 hooks/*
setup 'faults passphrase' <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = 2s
hook_timeout = 2s
hook.nsupdate_server = 127.0.0.1
hook.nsupdate_port = $PORT
hook.nsupdate_key = $TSIG
hook.nsupdate_zone = f.test
hook.record_dir = $T/rec
hook.control_file = $T/mode

[vendor:good]
domain = good.f.test
selector = g%n
algorithms = ed25519
publish_ahead = 1d
hooks = hooks/nsupdate hooks/recorder

[vendor:flaky]
domain = flaky.f.test
selector = f%n
algorithms = ed25519
publish_ahead = 1d
hooks = hooks/nsupdate hooks/control

[vendor:nodns]
domain = nodns.f.test
selector = n%n
algorithms = ed25519
publish_ahead = 1d
hooks = hooks/recorder

[vendor:wrongp]
domain = wrongp.f.test
selector = w%n
algorithms = ed25519
publish_ahead = 1d
hooks = hooks/nsupdate hooks/recorder
CONF
at() { DKIMKEYS_NOW=$(($(date -u -d 2026-03-01T00:00:00Z +%s) + $1 * 3600)); export DKIMKEYS_NOW; }
state() { dk list --json "$1" 2>/dev/null | "$PY" -c '
import json, sys
keys = json.load(sys.stdin)["keys"]
print(keys[-1]["state"] if keys else "none")'; }
leftovers() { pgrep -f dkimkeys-test-hook >/dev/null && echo yes || echo no; }

at 0
dkinit
# someone else's record sits where wrongp's first key will go
printf 'server 127.0.0.1 %s\nzone f.test\nupdate add w1._domainkey.wrongp.f.test 300 TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="\nsend\n' \
    "$PORT" | nsupdate -k "$TSIG"

echo fail >mode
check "a failing hook makes rotate exit 1" run 1 dk rotate
check "  its key does not advance" test "$(state flaky)" = pending
check "  another vendor does" test "$(state good)" = published
check "  status names the hook and its exit" \
    sh -c "'$DK' -c '$T/dkimkeys.conf' status flaky 2>/dev/null | grep -q 'control: exit 3'"
check "a record with another p= stops the publish" test "$(state wrongp)" = pending
check "  status says why" sh -c "'$DK' -c '$T/dkimkeys.conf' status wrongp 2>/dev/null | grep -q 'another p='"

at 12
echo retry >mode
check "a hook exiting 75 is waiting, not failing" run 0 dk rotate flaky
check "  its key does not advance" test "$(state flaky)" = pending

at 24
echo hang >mode
s=$(date +%s)
check "a hook past hook_timeout fails" run 1 dk rotate flaky
check "  and is killed in time" test $(($(date +%s) - s)) -lt 12
check "  its key does not advance" test "$(state flaky)" = pending
check "  no process of it is left" test "$(leftovers)" = no

at 36
echo bg >mode
check "a hook leaving a background process fails" run 1 dk rotate flaky
check "  its key does not advance" test "$(state flaky)" = pending
check "  no process of it is left" test "$(leftovers)" = no

at 48
echo ok >mode
check "the next run finishes the job" run 0 dk rotate flaky
check "  the key is published" test "$(state flaky)" = published

for h in 60 72 84 96; do
	at $h
	dk -q rotate good flaky nodns >/dev/null 2>&1
done
check "after publish_ahead the working vendors are active" \
    sh -c "test '$(state good)' = active && test '$(state flaky)' = active"
check "a key DNS does not serve is never activated" test "$(state nodns)" = published
check "  status says why" sh -c "'$DK' -c '$T/dkimkeys.conf' status nodns 2>/dev/null | grep -q NXDOMAIN"
check "  and rotate says it waits" sh -c "'$DK' -c '$T/dkimkeys.conf' rotate nodns 2>/dev/null | grep -q 'not served yet'"
check "a key served with another p= is never activated" test "$(state wrongp)" = pending

at 120
echo slow >mode
dk rotate --force flaky >first.out 2>&1 &
first=$!
sleep 0.7
s=$(date +%s)
check "a second concurrent rotate exits 75" run 75 dk rotate
check "  at once" test $(($(date +%s) - s)) -lt 2
check "  naming the lock" grep -q locked "$T/err"
wait $first
rc=$?
[ $rc -eq 0 ] || sed 's/^/  first: /' first.out
check "the first run works" test $rc -eq 0
check "  its successor is published" test "$(state flaky)" = published

# no DNS server answers at all: nothing is published blind, exit 69
cp dkimkeys.conf dark.conf
printf '\n[vendor:dark]\ndomain = dark.f.test\nselector = d%%n\n' >>dark.conf
printf 'algorithms = ed25519\nresolver = 127.0.0.1:9\n' >>dark.conf
printf 'hooks = hooks/nsupdate hooks/recorder\n' >>dark.conf
at 132
check "no DNS server reachable: rotate exits 69" \
    run 69 "$DK" -c "$T/dark.conf" rotate dark
check "  the new key waits unpublished" sh -c "'$DK' -c '$T/dark.conf' \
    list --json dark 2>/dev/null | grep -q '\"state\": \"pending\"'"
check "  and says why" grep -q "no DNS server reachable" "$T/out"
finish
