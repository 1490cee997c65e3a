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
# shellcheck source=tests/integration/year.inc
. "$(dirname "$0")/year.inc"
cd "$T" || exit 1

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

$(year_vendors "hooks/powerdns hooks/recorder")
CONF
check "config" run 0 dk config-check
year_run
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
