#!/bin/sh
# The lifecycle through PowerDNS: lifecycle_knot.sh's year of `rotate`
# runs every 12 hours (DKIMKEYS_NOW; LIFECYCLE_DAYS shortens it) with the
# records published by hooks/powerdns into a real pdns_server on loopback
# (powerdns.inc) and verify_dns = yes, the resolver being that PowerDNS.
# Three vendors (rsa, ed25519, both with reveal) in two zones, one inside
# the other (the hook finds the longest), go through every state;
# lifecycle_check.py then proves the invariants from the recorder hook's
# record, the audit log, the keystore and what PowerDNS serves, and dkimpy
# verifies a message signed with each deployed key against PowerDNS.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/powerdns.inc
. "$(dirname "$0")/powerdns.inc"
cd "$T" || exit 1
DAYS=${LIFECYCLE_DAYS:-365}

pdns_start example.test crm.example.test
mkdir -p hooks rec
cp "$ROOT/hooks/powerdns" "$ROOT/tests/data/hooks/recorder" hooks/
chmod 755 hooks/*
setup 'lifecycle passphrase' <<CONF
resolver = 127.0.0.1:$PDNS_PORT
dns_timeout = 2s
hook_timeout = 30s
hook.powerdns_url = $PDNS_URL
hook.powerdns_api_key_file = pdns/api.key
hook.record_dir = $T/rec
hook.allow_simulated = yes

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
verify_dns = yes
hooks = hooks/powerdns hooks/recorder

[vendor:crm]
domain = crm.example.test
selector = c%n
algorithms = ed25519
rotate_every = 45d
publish_ahead = 3d
overlap = 6d
revoke_for = 10d
ttl = 600
verify_dns = yes
hooks = hooks/powerdns hooks/recorder

[vendor:mta]
domain = example.test
selector = mta%Y%m%a
algorithms = rsa-2048 ed25519
rotate_every = 60d
publish_ahead = 2d
overlap = 7d
revoke_for = 14d
ttl = 300
reveal = yes
verify_dns = yes
hooks = hooks/powerdns hooks/recorder
CONF
check "config" run 0 dk config-check
start=$(date -u -d 2026-01-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$start"
t=$start
end=$((start + DAYS * 86400))
runs=0 bad=0
while [ "$t" -le "$end" ]; do
	DKIMKEYS_NOW=$t "$DK" -c "$T/dkimkeys.conf" -q rotate \
	    >>rotate.out 2>>rotate.err
	rc=$?
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		echo "run at $(date -u -d "@$t" +%FT%TZ): exit $rc" >>rotate.bad
	fi
	runs=$((runs + 1))
	t=$((t + 43200))
done
check "$runs runs every 12 hours, each exits 0" test $bad -eq 0
[ $bad -eq 0 ] || head -20 rotate.bad rotate.err
now=$((t - 43200))
DKIMKEYS_NOW=$now dk list --json >list.json 2>/dev/null
DKIMKEYS_NOW=$now dk log --json >audit.json 2>/dev/null
check "audit chain verifies" run 0 dk log --verify
# the TXT rrsets of both zones, per the API: NAME ZONE, one a line
for z in example.test crm.example.test; do
	pdns_api GET "/zones/$z." | "$PY" -c '
import json, sys
for r in json.load(sys.stdin)["rrsets"]:
    if r["type"] == "TXT":
        print(r["name"], sys.argv[1])' "$z."
done | sort >zones.txt
check "crm's records are in the zone crm.example.test, the longest" \
    sh -c "grep -q ' crm.example.test.\$' zones.txt &&
    ! grep -q '\.crm\.example\.test\. example\.test\.\$' zones.txt"
DKIMKEYS_NOW=$now dk txt --format json 2>/dev/null | "$PY" -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["name"])' | sort >txt.names
check "PowerDNS holds exactly the records dkimkeys txt lists, none left over" \
    sh -c "cut -d' ' -f1 zones.txt | cmp -s - txt.names"
check "invariants hold (lifecycle_check.py against PowerDNS)" \
    "$PY" "$ROOT/tests/integration/lifecycle_check.py" "$T" "$PDNS_PORT" \
    "$now"
finish
