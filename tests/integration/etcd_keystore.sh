#!/bin/sh
# The keystore in etcd (SPEC section 7, Cluster; issue 12): a 3-member
# cluster on loopback and three "hosts" (three configs naming it): init
# once (a second init is refused), three rotate runs at once: exactly one
# works, the others exit 75; with --wait all three run, one after
# another; a run stopped (SIGSTOP) past its lease while another host
# rotates commits nothing once continued (75, "the lock was lost"), and
# the keystore stays whole (audit chain verified, every key listed);
# export works from any host, also while another run holds the lock:
# its audit entry pending until the next changing run commits it.
# status --prometheus says it too: dkimkeys_lock_held{host=...} while a
# run holds the lock, 0 after; dkimkeys_last_commit_timestamp_seconds
# with the last commit's host.
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
"$DK" -c "$T/h1/dk.conf" --json status --prometheus "$T/busy.prom" \
    >busy.json 2>/dev/null
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
check "  and its metrics: dkimkeys_lock_held{host=...} 1" \
    grep -qx "dkimkeys_lock_held{host=\"$(hostname)\"} 1" busy.prom
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
before=$(date +%s)
check "status --prometheus" run 0 host 3 status --prometheus "$T/m.prom"
check "  the lock free, the last commit's host and (clock) time" \
    "$PY" -c 'import re,sys
text = open(sys.argv[1]).read()
assert "\ndkimkeys_lock_held 0\n" in text, text
m = re.search(r"^dkimkeys_last_commit_timestamp_seconds\{host=\"(.*)\"\} ([0-9]+)$",
              text, re.M)
assert m and m.group(1) == sys.argv[2], text
assert int(sys.argv[3]) - 120 <= int(m.group(2)) <= int(sys.argv[3]), m.group(2)
assert "# TYPE dkimkeys_lock_held gauge" in text' \
    "$T/m.prom" "$(hostname)" "$before"
check "list on host 3" run 0 host 3 list --json
check "  the keys as JSON" "$PY" -c 'import json,sys
json.load(open(sys.argv[1]))' "$T/out"
# export: the key decrypted without the lock, its audit entry pending in
# etcd until the next changing run commits it (seen from another host);
# it exports while another run holds the lock too
host 1 log >log.before 2>/dev/null
check "export on host 3" run 0 host 3 export mg1 -o "$T/k.pem"
check "  the private key, 0600" sh -c "grep -q 'BEGIN PRIVATE KEY' '$T/k.pem' &&
    [ \$(stat -c %a '$T/k.pem') = 600 ]"
check "  its audit entry pending: not in the log yet" \
    test "$(host 1 log 2>/dev/null | wc -l)" -eq "$(wc -l <log.before)"
check "a changing run on host 1 (hold)" run 0 host 1 hold mg
check "  committed the export's entry (log on host 1), once" sh -c "'$DK' \
    -c '$T/h1/dk.conf' log 2>/dev/null | grep -c '\"event\":\"export\"' |
    grep -qx 1"
check "  the audit chain verifies (host 2)" run 0 host 2 log --verify
lease=$(ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINTS" lease grant 60 |
    awk '{print $2}')
ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINTS" put --lease="$lease" \
    dk/shared/lock "elsewhere pid 1" >/dev/null
check "export while another run holds the lock: 0 (no lock taken)" \
    run 0 host 3 export mg1 -o "$T/k2.pem"
check "  the same key" cmp -s "$T/k.pem" "$T/k2.pem"
ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINTS" lease revoke \
    "$lease" >/dev/null
check "  its entry committed by the next changing run" \
    run 0 host 2 release mg
check "  two export entries in the log" sh -c "'$DK' -c '$T/h1/dk.conf' \
    log 2>/dev/null | grep -c '\"event\":\"export\"' | grep -qx 2"
check "  the audit chain verifies (host 1)" run 0 host 1 log --verify
check "no private copy left behind in \$TMPDIR" \
    test -z "$(ls -A "$TMPDIR")"
finish
