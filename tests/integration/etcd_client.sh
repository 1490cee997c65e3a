#!/bin/sh
# The keystore's etcd client and lease lock against a real 3-member etcd
# cluster on loopback (etcd.inc): tests/check_ksetcd's "etcd" cases (put,
# range, transactions, a dead member skipped, the lock taken by one run and
# refused (75) or waited for by another, the lease renewed, a run stopped
# past its lease committing nothing), tests/check_ksstore's (the keystore's
# objects in etcd as in a folder, batches fenced), tests/check_keystore's
# (a pack slot zeroed in place reaches etcd), then check_ksetcd again with
# the leader killed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
SUITE=$ROOT/tests/check_ksetcd
STORE=$ROOT/tests/check_ksstore
KEYS=$ROOT/tests/check_keystore
for s in "$SUITE" "$STORE" "$KEYS"; do
	[ -x "$s" ] || { echo "build $s first"; exit 1; }
done

etcd_cluster 3
check "the cluster has a leader" test -n "$(etcd_leader)"
check "check_ksetcd against the cluster" \
    run 0 env ETCD_ENDPOINTS="$ETCD_ENDPOINTS" CK_DEFAULT_TIMEOUT=60 "$SUITE"
grep -q '100%' "$T/out" || sed 's/^/  /' "$T/out"
check "check_ksstore against the cluster (objects, batches, fencing)" \
    run 0 env ETCD_ENDPOINTS="$ETCD_ENDPOINTS" CK_DEFAULT_TIMEOUT=60 "$STORE"
check "check_keystore's etcd case (a slot zeroed in place reaches etcd)" \
    run 0 env ETCD_ENDPOINTS="$ETCD_ENDPOINTS" CK_RUN_CASE=etcd \
    CK_DEFAULT_TIMEOUT=60 "$KEYS"
grep -q '100%: Checks: 1,' "$T/out" || sed 's/^/  /' "$T/out"

# the leader killed: the client goes on with the members left
lead=$(etcd_leader)
pid=$(echo "$ETCD_PIDS" | awk -v i="$lead" '{ print $i }')
kill -9 "$pid"
wait "$pid" 2>/dev/null
i=0
until [ -n "$(etcd_leader)" ] || [ "$i" -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "a new leader after the old one was killed" test -n "$(etcd_leader)"
# the dead member first in the list: every request skips it
dead=$(echo "$ETCD_CLIENTS" | awk -v i="$lead" '{ print $i }')
list=127.0.0.1:$dead
for c in $ETCD_CLIENTS; do
	[ "$c" = "$dead" ] || list="$list,127.0.0.1:$c"
done
check "check_ksetcd with the leader dead (its endpoint listed first)" \
    run 0 env ETCD_ENDPOINTS="$list" CK_DEFAULT_TIMEOUT=60 \
    CK_RUN_CASE=etcd "$SUITE"
grep -q '100%' "$T/out" || sed 's/^/  /' "$T/out"
finish
