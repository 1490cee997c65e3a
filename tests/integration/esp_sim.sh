#!/bin/sh
# The ESP simulation of issue 9's acceptance, kept cheap: a domains_file
# section of 100 domains (Ed25519, rotate_spread, the zonefile batch hook
# and a gate batch hook) under `rotate -q` every 12 hours for 210 days,
# the spread putting each domain's due times between runs, the machine off
# for two days, and one injected problem: the gate (a vendor API) failing
# for a day. Proves:
#  - no `late` line in any run (issue 9, item 1: no false lateness);
#  - every run's exit status is explained: 1 exactly for the runs in which
#    the failing gate was called, 0 for every other;
#  - `plan --json` agrees with what the runs then did (plan_check.py):
#    a plan taken at the start, one after the failure and one after the
#    downtime, each up to the next disturbance, every planned event on its
#    date (at most one run interval later) and nothing unplanned;
#  - the zone fragment holds exactly what `txt` says DNS must hold, and
#    the audit chain verifies.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
DAY=86400
GRID=43200
mkdir -p hooks rec zone
cp "$ROOT/hooks/zonefile" hooks/
cat >hooks/gate <<'HOOK'
#!/bin/sh
# a vendor API: down while the fail file exists
if [ -e "$DKIMKEYS_HOOK_FAIL_FILE" ]; then
	echo "$DKIMKEYS_NOW" >>"$DKIMKEYS_HOOK_RECORD_DIR/gate.failed"
	echo "gate: vendor API unavailable" >&2
	exit 1
fi
while IFS= read -r line; do
	printf '%s\n' "$line" | sed -n 's/.*"record_name":"\([^"]*\)".*/ok \1/p'
done
HOOK
chmod 755 hooks/*
i=1
while [ $i -le 100 ]; do
	echo "d$i.esp.test"
	i=$((i + 1))
done >customers.txt
setup 'esp passphrase' <<CONF
hook.record_dir = $T/rec
hook.fail_file = $T/fail
hook.zonefile_path = $T/zone/dkim.zone
hook.allow_simulated = yes

[vendor:customers]
domains_file = customers.txt
selector = e%Y%m%d%a
algorithms = ed25519
rotate_every = 30d
rotate_spread = 20d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
ttl = 300
verify_dns = no
batch_hooks = hooks/zonefile hooks/gate
CONF
start=$(date -u -d 2026-01-01T00:00:00Z +%s)
days=210
fail_at=$((start + 100 * DAY)) fail_end=$((start + 101 * DAY))
off_at=$((start + 150 * DAY)) off_end=$((start + 152 * DAY))
end=$((start + days * DAY))
dkinit DKIMKEYS_NOW=$start

# plan_at T UNTIL NAME: plan --json at T up to UNTIL into NAME.json, and
# the audit log's last seq then into NAME.seq
plan_at() {
	DKIMKEYS_NOW=$1 dk plan --json --until \
	    "$(date -u -d "@$2" +%Y-%m-%dT%H:%M:%SZ)" >"$3.json" 2>/dev/null
	DKIMKEYS_NOW=$1 dk --json log 2>/dev/null | "$PY" -c '
import json, sys
log = json.load(sys.stdin)
print(log[-1]["seq"] if log else 0)' >"$3.seq"
}
plan_at "$start" $((fail_at - GRID)) plan1

k=0 runs=0
while :; do
	t=$((start + k * GRID))
	k=$((k + 1))
	[ $t -le $end ] || break
	[ $t -ge $off_at ] && [ $t -lt $off_end ] && continue # machine off
	if [ $t -ge $fail_at ] && [ $t -lt $fail_end ]; then
		: >fail
	else
		rm -f fail
	fi
	if [ $t -ge $((fail_end + DAY / 2)) ] && [ ! -e plan2.json ]; then
		plan_at "$t" $((off_at - GRID)) plan2
	fi
	if [ $t -ge $off_end ] && [ ! -e plan3.json ]; then
		plan_at "$t" $((end - GRID)) plan3
	fi
	DKIMKEYS_NOW=$t "$DK" -c "$CONF" -q rotate >>rotate.out 2>>rotate.err
	echo "$t $?" >>runs
	last=$t
	runs=$((runs + 1))
done
rm -f fail
DKIMKEYS_NOW=$end dk --json log >audit.json 2>/dev/null
DKIMKEYS_NOW=$end dk list --json >list.json 2>/dev/null

check "$runs runs, no late line" sh -c "! grep -E '(^|: )late' rotate.out"
check "every exit status is explained by the failing gate" \
    "$PY" - runs rec/gate.failed <<'PY'
import datetime, sys
failed = {int(datetime.datetime.strptime(x, "%Y-%m-%dT%H:%M:%SZ")
              .replace(tzinfo=datetime.timezone.utc).timestamp())
          for x in open(sys.argv[2]).read().split()}
bad = []
for line in open(sys.argv[1]):
    t, rc = map(int, line.split())
    if rc != (1 if t in failed else 0):
        bad.append((t, rc))
assert failed, "the gate never failed"
assert not bad, bad[:10]
print("  %d runs failed, each one that called the failing gate" %
      len(failed))
PY
check "the failing runs said the gate's words" \
    grep -q 'gate: vendor API unavailable' rotate.out
for p in plan1 plan2 plan3; do
	check "$p agrees with what the runs did" "$PY" \
	    "$ROOT/tests/integration/plan_check.py" $p.json "$(cat $p.seq)" \
	    audit.json list.json $GRID
done
check "every domain's keys went through their states" "$PY" - list.json <<'PY'
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
doms = {k["domain"] for k in keys}
assert len(doms) == 100, len(doms)
act = [k for k in keys if k["state"] == "active"]
assert len(act) == 100, len(act)
assert sum(k["state"] == "destroyed" for k in keys) >= 400
PY
DKIMKEYS_NOW=$last dk txt --format json >txt.json 2>/dev/null
check "the zone fragment holds what txt says DNS must hold" \
    "$PY" - txt.json zone/dkim.zone <<'PY'
import json, sys
want = sorted(r["name"].rstrip(".") for r in json.load(open(sys.argv[1])))
have = sorted(l.split()[0].rstrip(".") for l in open(sys.argv[2])
              if l.strip() and not l.startswith(";"))
assert want == have, (len(want), len(have))
PY
check "audit chain verifies" run 0 env DKIMKEYS_NOW=$end "$DK" -c "$CONF" \
    log --verify
finish
