#!/bin/sh
# The keystore in etcd under kill -9 (issue 12): a rotator on host 1
# killed at spread instants of its run ($ETCD_KILLS times, default 50), each time followed by a run on
# host 2 that waits for the dead run's lease to lapse and completes; then
# the etcd leader killed in the middle of a run. After each: the audit
# chain verifies and the keys list, on another host than the one killed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
cd "$T" || exit 1
etcd_cluster 3
mkdir -m 700 tmp
export TMPDIR=$T/tmp
cat >slow <<HOOK
#!/bin/sh
sleep 0.3
exit 0
HOOK
chmod 755 slow
etcd_hosts 2 "etcd://$ETCD_ENDPOINTS/dk/kill9" 'kill9 passphrase' <<CONF
$(etcd_vendor a "overlap = 1h" "revoke_for = 1h")

$(etcd_vendor b)
CONF
T0=1790000000
export DKIMKEYS_NOW=$T0 DKIMKEYS_ETCD_TTL=1
check "init" run 0 host 1 init --kdf interactive \
    --new-passphrase-file "$T/h1/pass"

bad=0
i=1
kills=${ETCD_KILLS:-50}
while [ "$i" -le "$kills" ]; do
	export DKIMKEYS_NOW=$((T0 + i * 3 * 3600))
	host 1 rotate --force >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(( (i * 137) % 9 ))$(( (i * 71) % 10 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! run 0 host 2 --wait=30s rotate; then
		bad=$((bad + 1))
	elif ! run 0 host 2 log --verify; then
		echo "  after kill $i: the audit chain does not verify"
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
check "$kills runs killed at spread instants: the next run on another host completes and the chain verifies ($bad bad)" \
    test "$bad" -eq 0
check "  the copies of the killed runs were swept" \
    sh -c "[ \$(ls tmp | wc -l) -eq 0 ]"
check "  the keys list" run 0 host 2 list --json
check "  as JSON, keys of both vendors" "$PY" -c 'import json,sys
k = json.load(open(sys.argv[1]))
k = k["keys"] if isinstance(k, dict) else k
v = {x["vendor"] for x in k}
assert {"a", "b"} <= v, v' "$T/out"

# the leader killed in the middle of a run
export DKIMKEYS_NOW=$((T0 + (kills + 1) * 3 * 3600))
host 1 rotate --force >out.lead 2>err.lead &
pid=$!
sleep 0.4
lead=$(etcd_leader)
lpid=$(echo "$ETCD_PIDS" | awk -v i="$lead" '{ print $i }')
kill -9 "$lpid"
wait "$lpid" 2>/dev/null
wait "$pid"
rc=$?
check "a run with its etcd leader killed midway ends (0 or 75: $rc)" \
    sh -c "[ $rc -eq 0 ] || [ $rc -eq 75 ]"
check "  the next run on another host completes" \
    run 0 host 2 --wait=30s rotate
check "  the audit chain verifies" run 0 host 2 log --verify
check "every key not destroyed decrypts (migrate checks them)" \
    run 0 host 2 migrate "$T/copy"
finish
