#!/bin/sh
# Crash safety: a run killed with SIGKILL at each side-effect point (the
# crash points of src/support/fault.h, compiled into tests/dkimkeys-faults only),
# then run again at the same time, ends in the state of an uninterrupted
# run: the same keys in the same states at the same times, every audited
# transition exactly once, every hook event of the uninterrupted run seen
# (hooks are at-least-once) and none it did not have.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1
FDK=$ROOT/tests/dkimkeys-faults
DAYS=${CRASH_DAYS:-75}
[ -x "$FDK" ] || { echo "build tests/dkimkeys-faults first"; exit 1; }

ZONES=$(i=0; while [ $i -le 14 ]; do printf 's%d.test ' $i; i=$((i + 1)); done)
knot_primary $ZONES
cp "$ROOT/hooks/nsupdate" "$ROOT/tests/data/hooks/recorder" .
chmod 755 nsupdate recorder
mkpass pass 'crash passphrase'
start=$(date -u -d 2026-01-01T00:00:00Z +%s)

# sim N [POINT:COUNT TIME]: a simulation in folder sN on zone sN.test
sim() {
	sd=$T/s$1 z=s$1.test fault=${2:-} at=${3:-0}
	mkdir -p "$sd/rec"
	cp pass "$sd/pass"
	writeconf "$sd/dkimkeys.conf" <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = 2s
hook.nsupdate_server = 127.0.0.1
hook.nsupdate_port = $PORT
hook.nsupdate_key = $TSIG
hook.nsupdate_zone = $z
hook.record_dir = $sd/rec

[vendor:esp]
domain = esp.$z
selector = e%Y%m%d%a
algorithms = rsa-2048
rotate_every = 20d
publish_ahead = 1d
generate_margin = 1d
overlap = 3d
revoke_for = 4d
ttl = 300
hooks = $T/nsupdate $T/recorder

[vendor:crm]
domain = crm.$z
selector = c%n%a
algorithms = ed25519 rsa-1024
rotate_every = 25d
publish_ahead = 2d
overlap = 2d
revoke_for = 3d
ttl = 300
reveal = yes
hooks = $T/nsupdate $T/recorder
CONF
	DKIMKEYS_NOW=$start "$FDK" -c "$sd/dkimkeys.conf" -q init \
	    --kdf interactive --new-passphrase-file "$sd/pass" 2>/dev/null
	t=$start end=$((start + DAYS * 86400)) bad=0
	while [ $t -le $end ]; do
		if [ "$t" -eq "$at" ]; then
			DKIMKEYS_NOW=$t DKIMKEYS_FAULT=$fault "$FDK" \
			    -c "$sd/dkimkeys.conf" -q rotate >/dev/null 2>&1
			rc=$?
			[ $rc -eq 137 ] || echo "$fault at $t: exit $rc, not killed" >>"$sd/bad"
		fi
		DKIMKEYS_NOW=$t "$FDK" -c "$sd/dkimkeys.conf" -q rotate \
		    >>"$sd/out" 2>&1 || { bad=$((bad + 1)); echo "$t" >>"$sd/bad"; }
		t=$((t + 43200))
	done
	DKIMKEYS_NOW=$end "$FDK" -c "$sd/dkimkeys.conf" list --json \
	    >"$sd/list.json" 2>/dev/null
	DKIMKEYS_NOW=$end "$FDK" -c "$sd/dkimkeys.conf" log --json \
	    >"$sd/audit.json" 2>/dev/null
	"$FDK" -c "$sd/dkimkeys.conf" log --verify >/dev/null 2>&1 ||
	    echo "log --verify fails" >>"$sd/bad"
	[ ! -s "$sd/bad" ]
}

check "an uninterrupted run" sim 0
# the times of the runs where each kind of side effect happens
times=$("$PY" - "$T/s0/audit.json" <<'PY'
import json, sys, datetime
seen = {}
for e in json.load(open(sys.argv[1])):
    seen.setdefault(e["event"], []).append(e["time"])
def ts(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())
pick = [("generated:1", "generate", 0), ("generated:2", "generate", 0),
        ("hooks:1", "publish", 0), ("hooks:1", "deploy", 1),
        ("hooks:2", "retire", 0), ("hooks:1", "revoke", 0),
        ("hooks:1", "withdraw", 0), ("hooks:1", "reveal", 0),
        ("erased:1", "destroyed", 0), ("commit-renamed:1", "visible", 0),
        ("commit-renamed:2", "deploy", 1), ("log-torn:1", "publish", 0),
        ("log-torn:2", "deploy", 1)]
for point, ev, i in pick:
    if len(seen.get(ev, [])) > i:
        print(point, ts(seen[ev][i]), ev)
# the run after the first: its locked open folds the state.log of the
# first run's commits into a new checkpoint
if seen.get("generate"):
    print("checkpoint-renamed:1", ts(seen["generate"][0]) + 43200,
          "generate (the run after it)")
PY
)
n=1
echo "$times" | while read -r point at ev; do
	[ -n "$point" ] || continue
	check "killed at $point in the run of the first $ev, then rerun" \
	    sim $n "$point" "$at"
	check "  ends as the uninterrupted run" "$PY" \
	    "$ROOT/tests/integration/crash_compare.py" "$T/s0" "$T/s$n"
	n=$((n + 1))
	[ $n -le 14 ] || break
	echo "$npass $nfail" >"$T/counts"
done
[ -f "$T/counts" ] && read -r npass nfail <"$T/counts"
finish
