#!/bin/sh
# lifecycle_knot.sh with the keystore in etcd (issue 12: the year-long
# simulation passes unchanged against the etcd store): the same year, the
# same checks, the keystore = etcd://... of a 3-member cluster on
# loopback; lifecycle_check.py's look at store/keys is given the key
# objects etcd holds at the end.
#
# What lifecycle_knot.sh proves: Knot DNS on loopback takes the
# records through the nsupdate hook (RFC 2136 with TSIG), and a year of
# `rotate` runs every 12 hours (DKIMKEYS_NOW) carries three vendors (rsa,
# ed25519, both) through every state. lifecycle_check.py then proves the
# invariants from the hooks' record, the audit log, the keystore and what
# Knot serves, and dkimpy verifies a message signed with each deployed key
# against the record Knot serves. The MTA vendor also hands its keys to an
# MTA (hooks/opendkim, its reloads logging the tables they would load)
# and to an in-house system (hooks/webhook to webhook_receiver.py, which
# checks the token and the HMAC): lifecycle_handover.py proves that every
# deploy reached both before the key it replaced was retired.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
. "$(dirname "$0")/year.inc"
. "$(dirname "$0")/etcd.inc"
need etcdctl
cd "$T" || exit 1
etcd_cluster 3
mkdir -m 700 tmp
export TMPDIR=$T/tmp

year_knot
sed -i "s|^keystore = store\$|keystore = etcd://$ETCD_ENDPOINTS/dk/year|" \
    "$CONF"
check "config (the keystore in etcd)" sh -c "grep -q '^keystore = etcd://' \
    '$CONF' && '$DK' -c '$CONF' config-check >/dev/null 2>&1"
year_run
# the key objects in etcd, as the files lifecycle_check.py looks for
mkdir -p store/keys
etcdctl --endpoints="$ETCD_ENDPOINTS" get --prefix --keys-only dk/year/keys/ |
    sed -n 's|^dk/year/keys/\(.*\.key\)#00000000$|\1|p' |
    while read -r f; do : >"store/keys/$f"; done
check "etcd holds key objects" sh -c "ls store/keys | grep -q '\.key\$'"
check "invariants hold" "$PY" "$ROOT/tests/integration/lifecycle_check.py" \
    "$T" "$PORT" "$now"
check "every deploy reached the MTA and the webhook before the retire" \
    "$PY" "$ROOT/tests/integration/lifecycle_handover.py" "$T"
finish
