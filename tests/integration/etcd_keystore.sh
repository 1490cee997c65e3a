#!/bin/sh
# The keystore in etcd (SPEC section 7, Cluster; issue 12): a 3-member
# cluster on loopback and three "hosts" (three configs naming it): init
# once (a second init is refused), three rotate runs at once: exactly one
# works, the others exit 75; with --wait all three run, one after
# another; a run stopped (SIGSTOP) past its lease while another host
# rotates commits nothing once continued (75, "the lock was lost"), and
# the keystore stays whole (audit chain verified, every key listed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
need etcdctl
cd "$T" || exit 1
etcd_cluster 3
URL=etcd://$ETCD_ENDPOINTS/dk/shared

# slow: the hook of every host; marks that it ran, then takes 2 s
cat >slow <<HOOK
#!/bin/sh
: >"$T/hook.\$\$"
sleep 2
exit 0
HOOK
chmod 755 slow

etcd_hosts 3 "$URL" 'etcd passphrase' <<CONF
$(etcd_vendor mg)
CONF
T0=1790000000
export DKIMKEYS_NOW=$T0
# the runs' private copies of the keystore go here
mkdir -m 700 tmp
export TMPDIR=$T/tmp

check "init on host 1" run 0 host 1 init --kdf interactive \
    --new-passphrase-file "$T/h1/pass"
check "init on host 2: the prefix holds a keystore already" \
    run 73 host 2 init --kdf interactive --new-passphrase-file "$T/h2/pass"
check "  said so" grep -q 'already holds a keystore' "$T/err"

# three at once: one works, two exit 75 at once
rm -f hook.*
pids=
for h in 1 2 3; do
	(host "$h" rotate >"out.$h" 2>"err.$h"; echo $? >"rc.$h") &
	pids="$pids $!"
done
# while the one that won is in its hook: status on another process
i=0
until ls hook.* >/dev/null 2>&1 || [ "$i" -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$DK" -c "$T/h1/dk.conf" --json status >busy.json 2>/dev/null
wait $pids # not the etcd members
codes=$(cat rc.1 rc.2 rc.3 | sort | tr '\n' ' ')
check "three rotate runs at once: one 0, two 75 ($codes)" \
    test "$codes" = "0 75 75 "
check "  the hook ran (for the one)" sh -c 'ls hook.* >/dev/null 2>&1'
check "  the others said who holds the lock" \
    sh -c "cat err.1 err.2 err.3 | grep -c 'locked by .* pid' | grep -qx 2"
check "  status meanwhile named the holder (cluster.lock_holder)" \
    "$PY" -c 'import json,re,sys
c = json.load(open(sys.argv[1]))["cluster"]
assert re.fullmatch(sys.argv[2] + r" pid \d+", c["lock_holder"] or ""), c' \
    busy.json "$(hostname)"
check "  one key, published" sh -c "'$DK' -c '$T/h3/dk.conf' list 2>/dev/null |
    grep -c 'mg.*published' | grep -qx 1"

# with --wait all three run, one after another
export DKIMKEYS_NOW=$((T0 + 2 * 3600))
pids=
for h in 1 2 3; do
	(host "$h" --wait rotate >"out.$h" 2>"err.$h"; echo $? >"rc.$h") &
	pids="$pids $!"
done
wait $pids
codes=$(cat rc.1 rc.2 rc.3 | sort | tr '\n' ' ')
check "three rotate --wait at once: all three 0 ($codes)" \
    test "$codes" = "0 0 0 "
check "  the key is active now" sh -c "'$DK' -c '$T/h2/dk.conf' list \
    2>/dev/null | grep -q 'mg.*active'"
check "  the audit chain verifies (host 3)" run 0 host 3 log --verify

# a run stopped past its lease while another host rotates
export DKIMKEYS_NOW=$((T0 + 4 * 3600))
rm -f hook.*
DKIMKEYS_ETCD_TTL=2 "$DK" -c "$T/h1/dk.conf" rotate --force \
    >out.stale 2>err.stale &
stale=$!
i=0
until ls hook.* >/dev/null 2>&1 || [ "$i" -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -STOP "$stale"
check "the stale run got as far as its hook" sh -c 'ls hook.* >/dev/null 2>&1'
sleep 4
check "another host rotates once the lease lapsed" run 0 host 2 rotate
kill -CONT "$stale"
wait "$stale"
rc=$?
check "the stale run exits 75 ($rc)" test "$rc" -eq 75
check "  saying its lock was lost and nothing was committed" \
    grep -q 'the lock was lost.*nothing committed' err.stale
check "the audit chain verifies after it (host 3)" run 0 host 3 log --verify
# status says who holds the lock and who committed last
check "status: the lock free, the last commit's host and pid" \
    run 0 host 3 status
check "  in its text" grep -Eq "^etcd: lock free; last commit by $(hostname) pid [0-9]+ at " "$T/out"
check "list on host 3" run 0 host 3 list --json
check "  the keys as JSON" "$PY" -c 'import json,sys
json.load(open(sys.argv[1]))' "$T/out"
check "export is refused for now (its audit entry needs the lock)" \
    run 78 host 3 export mg1 -o "$T/k.pem"
check "  saying so, revealing nothing" sh -c "grep -q 'not yet with a keystore in etcd' '$T/err' && [ ! -e '$T/k.pem' ]"
check "no private copy left behind in \$TMPDIR" \
    test -z "$(ls -A "$TMPDIR")"
finish
