#!/bin/sh
# plan against what rotate then does (issue 9, item 7): `plan --json --for
# 200d` on a fresh keystore (vendors with one and two algorithms, a
# rotate_spread, a domains_file section with a batch hook), then `rotate`
# every 12 hours (DKIMKEYS_NOW) for 200 days; halfway, a key is revoked
# as compromised, a vendor is decommissioned and a second plan is taken
# for the 100 days left. plan_check.py proves from the audit log that
# every planned event happened on its date (or at the next run) and that
# nothing happened that was not planned. Also: plan changes nothing, runs
# no hook, asks no DNS server, takes no lock, and refuses what it cannot
# do.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
DAY=86400
GRID=43200
mkdir -p hooks rec
cp "$ROOT/tests/data/hooks/recorder" "$ROOT/tests/data/hooks/batchrec" hooks/
chmod 700 hooks/recorder hooks/batchrec
printf 'one.test\ntwo.test\n' >shops.txt
# nothing listens at 127.0.0.1:9: plan must not ask
setup 'plan passphrase' <<CONF
resolver = 127.0.0.1:9
dns_timeout = 1s
hook.record_dir = $T/rec

[vendor:esp]
domain = mg.example.test
selector = mg%Y%m%d%a
algorithms = rsa-2048
rotate_every = 30d
publish_ahead = 2d
generate_margin = 1d
overlap = 5d
revoke_for = 7d
ttl = 300
verify_dns = no
hooks = hooks/recorder

[vendor:crm]
domain = crm.example.test
selector = c%n
algorithms = ed25519
rotate_every = 45d
publish_ahead = 3d
overlap = 6d
revoke_for = 10d
ttl = 600
verify_dns = no
hooks = hooks/recorder

[vendor:mta]
domain = example.test
selector = mta%n%a
algorithms = rsa-2048 ed25519
rotate_every = 60d
publish_ahead = 2d
overlap = 7d
revoke_for = 14d
rotate_spread = 20d
ttl = 300
verify_dns = no
hooks = hooks/recorder

[vendor:leaver]
domain = old.example.test
selector = o%n
algorithms = ed25519
rotate_every = 20d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
ttl = 300
verify_dns = no
hooks = hooks/recorder

[vendor:shops]
domains_file = shops.txt
selector = s%n%a
algorithms = ed25519
rotate_every = 25d
publish_ahead = 1d
overlap = 3d
revoke_for = 4d
ttl = 300
verify_dns = no
batch_hooks = hooks/batchrec
CONF
start=$(date -u -d 2026-01-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW=$start
export DKIMKEYS_NOW=$start

# what plan refuses
refuse 64 'usage: dkimkeys plan' "--until and --for together are refused" \
    dk plan --until 2026-03-01 --for 10d
refuse 64 'usage: dkimkeys plan' "a bad duration is refused" \
    dk plan --for 10x
refuse 64 'before now' "--until before now is refused" \
    dk plan --until 2025-12-31
refuse 64 "unknown vendor 'nosuch'" "an unknown vendor is refused" \
    dk plan nosuch

# plan changes nothing and runs nothing
before=$(snapshot store)
check "plan, default horizon" run 0 dk plan
check "  says what happens now" grep -Eq \
    '^2026-01-01T00:00:00Z +esp +rsa +generate +\(new key 1\)$' out
check "  and a year ahead, not more" sh -c \
    "grep -q '^2026-12-' '$T/out' && ! grep -q '^2027-01-0[2-9]' '$T/out'"
check "plan of one vendor and one section" run 0 dk plan crm shops --for 10d
check "  lists only theirs" sh -c "! grep -Eq ' (esp|leaver|mta) ' '$T/out' &&
    grep -Eq ' crm +ed25519 ' '$T/out' &&
    grep -Eq ' shops/one.test +ed25519 ' '$T/out' &&
    grep -Eq ' shops/two.test +ed25519 ' '$T/out'"
check "plan --json --for 200d" run 0 dk plan --json --for 200d
cp out plan1.json
check "  is JSON until day 200" "$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["now"] == "2026-01-01T00:00:00Z", p["now"]
assert p["until"] == "2026-07-20T00:00:00Z", p["until"]
assert len(p["schedules"]) == 7
' plan1.json
check "plan runs while another run holds the lock" run 0 \
    flock store/lock "$DK" -c "$CONF" plan --for 1d
check "  (where rotate would wait)" run 75 \
    flock store/lock "$DK" -c "$CONF" rotate
after=$(snapshot store)
check "plan changed nothing in the keystore" test "$before" = "$after"
check "plan ran no hook" test ! -e rec/events

# 200 days of rotate every 12 hours; halfway, a compromise and a
# decommission, then the second plan
mid=$((start + 100 * DAY + GRID / 2))
end=$((start + 200 * DAY + GRID))
t=$start bad=0 runs=0 seq2=0
while [ $t -le $end ]; do
	if [ $t -gt $mid ] && [ ! -e plan2.json ]; then
		active=$(DKIMKEYS_NOW=$mid "$DK" -c "$CONF" list esp --json \
		    2>/dev/null | "$PY" -c '
import json, sys
print([k["key"] for k in json.load(sys.stdin)["keys"]
       if k["state"] == "active"][0])')
		DKIMKEYS_NOW=$mid dk revoke "$active" --reason test \
		    >>rotate.out 2>>rotate.err
		DKIMKEYS_NOW=$mid dk decommission leaver \
		    >>rotate.out 2>>rotate.err
		DKIMKEYS_NOW=$mid dk plan --json --for 100d >plan2.json \
		    2>>rotate.err
		seq2=$(DKIMKEYS_NOW=$mid dk log --json 2>/dev/null | "$PY" -c \
		    'import json, sys; print(json.load(sys.stdin)[-1]["seq"])')
	fi
	DKIMKEYS_NOW=$t "$DK" -c "$CONF" -q rotate >>rotate.out 2>>rotate.err
	rc=$?
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		echo "run at $(date -u -d @$t +%FT%TZ): exit $rc" >>rotate.bad
	fi
	runs=$((runs + 1))
	t=$((t + GRID))
done
check "$runs runs every 12 hours, each exits 0" test $bad -eq 0
[ $bad -eq 0 ] || head -20 rotate.bad rotate.err
DKIMKEYS_NOW=$end dk log --json >audit.json 2>/dev/null
DKIMKEYS_NOW=$end dk list --json >list.json 2>/dev/null
check "the compromised key was revoked" grep -q '"event":"compromised"' \
    audit.json
check "the first plan is what happened (leaver until decommissioned)" \
    "$PY" "$ROOT/tests/integration/plan_check.py" plan1.json 0 audit.json \
    list.json $GRID "leaver@$mid" "esp@$mid"
check "the second plan is what happened" \
    "$PY" "$ROOT/tests/integration/plan_check.py" plan2.json "$seq2" \
    audit.json \
    list.json $GRID
check "  with keys of the keystore by name" grep -q '"key": "[a-z]' \
    plan2.json
check "  and the leaving vendor taken to destroyed" "$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))
s = [s for s in p["schedules"] if s["vendor"] == "leaver"][0]
assert s["leaving"]
kinds = [e["event"] for e in s["events"]]
assert "generate" not in kinds and kinds[-1] == "destroy", kinds
' plan2.json
finish
