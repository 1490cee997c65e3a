#!/bin/sh
# rotate --wait on a keystore in etcd (issue 12): the waiter watches the
# lock key and tries again once it is deleted, not every half second. A
# run holds the lock for 4 s (its hook); a second, started meanwhile with
# --wait, runs after it (exit 0, the audit chain verifies) having tried
# the lock at most three times (counted in its debug log, "locked by ...
# waiting"; polling tried eight times); the same with a member that does
# not answer listed first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
cd "$T" || exit 1
etcd_cluster 3
URL=etcd://$ETCD_ENDPOINTS/dk/wait

cat >slow <<HOOK
#!/bin/sh
: >"$T/hook.\$\$"
sleep 4
exit 0
HOOK
chmod 755 slow
mkpass pass 'etcd passphrase'
cat >dk.conf <<CONF
[dkimkeys]
keystore = $URL
passphrase_file = pass
log = stderr

[vendor:mg]
domain = mg.test
selector = mg%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
hooks = $T/slow
CONF
mkdir -m 700 tmp
export TMPDIR=$T/tmp
export DKIMKEYS_NOW=1790000000
check "init" run 0 "$DK" -c dk.conf init --kdf interactive \
    --new-passphrase-file "$T/pass"

# hook_started: waits (at most 10 s) for a hook.* file
hook_started() {
	i=0
	until ls hook.* >/dev/null 2>&1 || [ "$i" -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

rm -f hook.*
"$DK" -c dk.conf rotate >out.1 2>err.1 &
first=$!
hook_started
check "the first run is in its hook" sh -c 'ls hook.* >/dev/null 2>&1'
"$DK" -c dk.conf -v --wait rotate --force >out.2 2>err.2
rc=$?
wait "$first"
rc1=$?
check "the first run ends 0 ($rc1)" test "$rc1" -eq 0
check "the waiting run ends 0 ($rc)" test "$rc" -eq 0
tries=$(grep -c 'locked by .*; waiting' err.2)
check "  it tried the lock at most three times while it waited ($tries)" \
    test "$tries" -ge 1 -a "$tries" -le 3
check "the audit chain verifies" run 0 "$DK" -c dk.conf log --verify

# a member that does not answer first in the waiter's list: the watch
# goes to the member that answered; still at most three tries
dead=$(free_port)
sed "s|^keystore = .*|keystore = etcd://127.0.0.1:$dead,$ETCD_ENDPOINTS/dk/wait|" \
    dk.conf >dk2.conf
rm -f hook.*
export DKIMKEYS_NOW=$((DKIMKEYS_NOW + 2 * 3600)) # the key's activation
"$DK" -c dk.conf rotate >out.1 2>err.1 &
first=$!
hook_started
check "the first run is in its hook (activating the key)" \
    sh -c 'ls hook.* >/dev/null 2>&1'
"$DK" -c dk2.conf -v --wait rotate --force >out.3 2>err.3
rc=$?
wait "$first"
check "with a dead member listed first: the waiting run ends 0 ($rc)" \
    test "$rc" -eq 0
tries=$(grep -c 'locked by .*; waiting' err.3)
check "  it tried the lock at most three times ($tries)" \
    test "$tries" -ge 1 -a "$tries" -le 3
finish
