#!/bin/sh
# export on a keystore in etcd takes no lock (SPEC section 3; keystore/
# FORMAT section 12): while another host's rotate holds the lock (its hook
# waits), export on host 2 writes the key (0600) and its audit entry as a
# pending key PREFIX pending/...; the next run with the lock folds it into
# the audit chain with its first commit and deletes the key: log on
# another host shows it once, log --verify passes, and a second changing
# run adds no copy. A changing run killed (kill -9, tests/dkimkeys-faults)
# after its local commit but before its etcd transaction leaves the entry
# pending for the next run: in the end it is in the chain exactly once.
# backup and migrate commit the pending entries before they copy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
need etcdctl
FDK=$ROOT/tests/dkimkeys-faults
[ -x "$FDK" ] || { echo "build tests/dkimkeys-faults first"; exit 1; }
cd "$T" || exit 1
etcd_cluster 1
URL=etcd://$ETCD_ENDPOINTS/dk/exp
mkdir -m 700 tmp
export TMPDIR=$T/tmp

# the hook: marks that it runs, then waits (at most 30 s) for $T/go
cat >slow <<HOOK
#!/bin/sh
: >"$T/hook.\$\$"
i=0
while [ ! -e "$T/go" ] && [ \$i -lt 300 ]; do
	sleep 0.1
	i=\$((i + 1))
done
exit 0
HOOK
chmod 755 slow
etcd_hosts 2 "$URL" 'export passphrase' <<CONF
$(etcd_vendor mg)
CONF

# pending: the pending entries in etcd now
pending() {
	ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINTS" get --prefix \
	    --keys-only dk/exp/pending/ | grep -c .
}
# exports: the export entries in the audit log, seen from host 1
exports() {
	host 1 log 2>/dev/null | grep -c '"event":"export"'
}
# once: every export entry's id once in the log
once() {
	host 1 log 2>/dev/null | grep '"event":"export"' |
	    sed 's/.*"id":"\([0-9a-f]*\)".*/\1/' | sort | uniq -d | grep -q . &&
	    return 1
	return 0
}

T0=1790000000
export DKIMKEYS_NOW=$T0
check "init on host 1" run 0 host 1 init --kdf interactive \
    --new-passphrase-file "$T/h1/pass"
: >go
check "rotate: the first key" run 0 host 1 rotate
rm -f go hook.*

# a rotate on host 1 holds the lock while its hook waits
export DKIMKEYS_NOW=$((T0 + 2 * 3600))
host 1 rotate >out.rot 2>err.rot &
rot=$!
i=0
until ls hook.* >/dev/null 2>&1 || [ "$i" -ge 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the rotate on host 1 is in its hook (holding the lock)" \
    sh -c 'ls hook.* >/dev/null 2>&1'
check "  the lock is held" sh -c "ETCDCTL_API=3 etcdctl \
    --endpoints='$ETCD_ENDPOINTS' get dk/exp/lock --print-value-only |
    grep -q pid"
check "export on host 2 meanwhile: 0" run 0 host 2 export mg1 -o "$T/k.pem"
check "  the private key, 0600" sh -c "grep -q 'BEGIN PRIVATE KEY' \
    '$T/k.pem' && [ \$(stat -c %a '$T/k.pem') = 600 ]"
check "  its entry pending in etcd (one key)" test "$(pending)" -eq 1
check "  not in the log yet" test "$(exports)" -eq 0
: >go
wait "$rot"
rc=$?
check "the rotate ends: 0 ($rc)" test "$rc" -eq 0

# the next changing run folds it, once
check "hold on host 2 (a changing run)" run 0 host 2 hold mg
check "  the export entry is in the log (host 1), once" \
    test "$(exports)" -eq 1
check "  its pending key deleted" test "$(pending)" -eq 0
check "  the audit chain verifies (host 1)" run 0 host 1 log --verify
check "release on host 1 (a second changing run)" run 0 host 1 release mg
check "  still once" test "$(exports)" -eq 1
check "  the audit chain verifies" run 0 host 2 log --verify

# a changing run killed between its local commit and its etcd one
check "a second export (host 1)" run 0 host 1 export mg1 -o "$T/k2.pem"
check "  pending" test "$(pending)" -eq 1
DKIMKEYS_ETCD_TTL=1 DKIMKEYS_FAULT=commit-renamed:1 "$FDK" \
    -c "$T/h1/dk.conf" hold mg >out.kill 2>err.kill
rc=$?
check "hold killed at its first commit (kill -9: $rc)" test "$rc" -eq 137
check "  the entry still pending" test "$(pending)" -eq 1
check "  and not in the log" test "$(exports)" -eq 1
check "the next changing run (host 2, once the lease lapsed)" \
    run 0 host 2 --wait=30s hold mg
check "  folds it: two export entries, each once" \
    sh -c "[ $(exports) -eq 2 ] && [ $(pending) -eq 0 ]"
check "  each id once" once
check "  the audit chain verifies" run 0 host 1 log --verify
check "one more changing run" run 0 host 1 release mg
check "  still two" test "$(exports)" -eq 2
check "  each id once" once
check "  the audit chain verifies" run 0 host 2 log --verify

# a run that copies the keystore whole commits the pending entries first
check "a third export (host 2)" run 0 host 2 export mg1 -o "$T/k3.pem"
check "backup (host 1)" run 0 host 1 backup "$T/b.tar"
check "  took the pending entry into the chain" \
    sh -c "[ $(exports) -eq 3 ] && [ $(pending) -eq 0 ]"
check "  and into the backup" sh -c "tar -xOf '$T/b.tar' --wildcards \
    '*audit.log' | grep -c '\"event\":\"export\"' | grep -qx 3"
check "a fourth export (host 2)" run 0 host 2 export mg1 -o "$T/k4.pem"
check "migrate to a folder (host 1)" run 0 host 1 migrate "$T/copy"
check "  took it into the chain and the copy" sh -c "[ $(exports) -eq 4 ] &&
    [ $(pending) -eq 0 ] &&
    [ \$(grep -c '\"event\":\"export\"' '$T/copy/audit.log') -eq 4 ]"
check "  each id once" once
check "  the audit chain verifies" run 0 host 2 log --verify

# many pending: a run takes the first 64 (its deletes within one etcd
# transaction), the next run the rest
check "a fifth export (host 2)" run 0 host 2 export mg1 -o "$T/k5.pem"
# 69 more pending entries: copies of that one, each with its own id
"$PY" - "${ETCD_CLIENTS# }" <<'PYEOF'
import base64, json, sys, urllib.request
url = "http://127.0.0.1:%s/v3/kv/" % sys.argv[1]
def call(op, body):
    req = urllib.request.urlopen(url + op, json.dumps(body).encode())
    return json.load(req)
def b64(s):
    return base64.b64encode(s.encode()).decode()
pre = "dk/exp/pending/"
kv = call("range", {"key": b64(pre), "range_end": b64(pre[:-1] + "0")})
kv = kv["kvs"][0]
k = base64.b64decode(kv["key"]).decode()
v = base64.b64decode(kv["value"]).decode()
old = v.split(" id=")[1].split(" ")[0]
for i in range(1, 70):
    new = "%032x" % i
    call("put", {"key": b64(k.replace(old, new)),
                 "value": b64(v.replace(old, new))})
PYEOF
check "  70 pending" test "$(pending)" -eq 70
check "a changing run takes 64 (hold)" run 0 host 1 hold mg
check "  64 more export entries, 6 pending" \
    sh -c "[ $(exports) -eq 68 ] && [ $(pending) -eq 6 ]"
check "the next takes the rest (release)" run 0 host 2 release mg
check "  74 export entries, none pending" \
    sh -c "[ $(exports) -eq 74 ] && [ $(pending) -eq 0 ]"
check "  each id once" once
check "  the audit chain verifies" run 0 host 1 log --verify
check "no private copy left behind in \$TMPDIR" \
    test -z "$(ls -A "$TMPDIR")"
finish
