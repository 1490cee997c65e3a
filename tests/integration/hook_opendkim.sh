#!/bin/sh
# hooks/opendkim against two real OpenDKIM 2.11 instances (Debian's
# opendkim), one per SignatureAlgorithm, on loopback ports. dkimkeys
# rotate, on a simulated clock, runs the hook for a vendor signing with
# RSA and Ed25519 (verify_dns = no: no DNS server is needed to deploy);
# the instances read the files it wrote, sign a message each through
# their milters (Debian's miltertest, opendkim_sign.lua), and dkimpy
# verifies both signatures against the records `dkimkeys txt` prints
# (opendkim_verify.py). Time then runs until the successors are deployed
# and the old keys retired: the hook's reload (a script sending SIGUSR1
# to the instance) makes the same instances sign the next message with
# the new selectors and never the old ones. Also: revoke stops signing at
# once, destroy removes the key file, unknown events change nothing,
# deploy run twice gives the same files, no key file is readable by
# others, the key file goes to hook.opendkim_user, bad values are refused
# with one line. The instances are stopped by pid and $T removed on exit.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need miltertest
OPENDKIM=/usr/sbin/opendkim
HOOK=$ROOT/hooks/opendkim
[ -x "$OPENDKIM" ] || {
	echo "opendkim not installed (make deps)"
	exit 1
}
cd "$T" || exit 1
MTA=$T/mta
mkdir -m 700 "$MTA"
RSA_PORT=$(free_port)
ED_PORT=$(free_port)
if [ -z "$RSA_PORT" ] || [ -z "$ED_PORT" ] || [ "$RSA_PORT" = "$ED_PORT" ]
then
	echo "no free ports"
	exit 1
fi

# The reload commands: SIGUSR1 to the instance, counted in usr1.ALG;
# before the instance runs there is nothing to reload.
for alg in rsa ed25519; do
	cat >"reload-$alg" <<SH
#!/bin/sh
[ -f $T/opendkim-$alg.pid ] || exit 0
echo usr1 >>$T/usr1.$alg
exec kill -USR1 "\$(cat $T/opendkim-$alg.pid)"
SH
	chmod 700 "reload-$alg"
	: >"usr1.$alg"
done

setup 'opendkim hook passphrase' <<CONF
hook.allow_simulated = yes

[vendor:mta]
domain = example.com
selector = s%n%a
algorithms = rsa-2048 ed25519
rotate_every = 30d
publish_ahead = 2d
generate_margin = 1d
overlap = 2d
revoke_for = 2d
ttl = 300
verify_dns = no
hooks = $HOOK
hook.opendkim_dir = mta
hook.opendkim_reload = $T/reload-rsa
hook.opendkim_ed25519_reload = $T/reload-ed25519
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
# rotate_to HOUR: rotate every 12 hours up to HOUR after base, as cron
rotate_to() {
	while [ "$hour" -le "$1" ]; do
		DKIMKEYS_NOW=$((base + hour * 3600)) dk rotate \
		    >>rotate.out 2>&1
		hour=$((hour + 12))
	done
	DKIMKEYS_NOW=$((base + $1 * 3600))
	export DKIMKEYS_NOW
}
hour=0

# line FILE: the file's one line (empty when it has another count)
line() {
	[ "$(wc -l <"$1")" -eq 1 ] && cat "$1"
}
# private: every key file 0600, keys/ 0700, nothing in it for others,
# no temporary file left
private() {
	[ "$(stat -c %a "$MTA/keys")" = 700 ] &&
	    [ -z "$(find "$MTA/keys" -type f ! -perm 600)" ] &&
	    [ -n "$(find "$MTA/keys" -type f)" ] &&
	    [ -z "$(find "$MTA" -name '.key.*' -o -name '*Table.*.*')" ]
}

dkinit DKIMKEYS_NOW="$base"
rotate_to 60
check "the keys are deployed by hour 60" grep -q 's2e._domainkey.*: deploy' \
    rotate.out
K=$MTA/keys
KL=._domainkey.example.com
check "KeyTable.rsa holds the RSA key" test "$(line "$MTA/KeyTable.rsa")" = \
    "s1r$KL example.com:s1r:$K/s1r$KL.pem"
check "SigningTable.rsa signs example.com with it" \
    test "$(line "$MTA/SigningTable.rsa")" = \
    "*@example.com s1r._domainkey.example.com"
check "KeyTable.ed25519 holds the Ed25519 key" \
    test "$(line "$MTA/KeyTable.ed25519")" = \
    "s2e$KL example.com:s2e:$K/s2e$KL.pem"
check "SigningTable.ed25519 signs example.com with it" \
    test "$(line "$MTA/SigningTable.ed25519")" = \
    "*@example.com s2e._domainkey.example.com"
check "no key file is readable by others" private

# start ALG PORT SIGNATUREALGORITHM: an OpenDKIM instance signing with
# ALG's tables. RequireSafeKeys no: OpenDKIM calls any key below the
# world-writable /tmp unsafe and tempfails; the modes are checked above.
start() {
	cat >"opendkim-$1.conf" <<CONF
Mode			s
Background		no
Syslog			no
Socket			inet:$2@127.0.0.1
PidFile			$T/opendkim-$1.pid
InternalHosts		127.0.0.1
Canonicalization	relaxed/relaxed
SignatureAlgorithm	$3
KeyTable		$MTA/KeyTable.$1
SigningTable		refile:$MTA/SigningTable.$1
RequireSafeKeys		no
CONF
	"$OPENDKIM" -n -x "opendkim-$1.conf" || {
		not_ok "opendkim -n accepts the $1 configuration"
		return
	}
	"$OPENDKIM" -f -x "opendkim-$1.conf" >"opendkim-$1.log" 2>&1 &
	PIDS="$PIDS $!"
	"$PY" -c '
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.025)
sys.exit(1)' "$2" && [ -f "$T/opendkim-$1.pid" ]
	check "the $1 instance listens on 127.0.0.1:$2" test $? -eq 0
}
start rsa "$RSA_PORT" rsa-sha256
start ed25519 "$ED_PORT" ed25519-sha256

# sign ALG PORT: a message through that instance; verdicts in $T/v.ALG
sign() {
	rm -f "msg.$1"
	if ! miltertest -D port="$2" -D out="$T/msg.$1" \
	    -s "$ROOT/tests/integration/opendkim_sign.lua" >"mt.$1" 2>&1; then
		sed 's/^/  miltertest: /' "mt.$1"
	fi
	dk txt >records 2>/dev/null
	"$PY" "$ROOT/tests/integration/opendkim_verify.py" "msg.$1" records \
	    >"v.$1" 2>&1
}
# verdict ALG: the verdicts of the last message of ALG, on one line
verdict() {
	tr '\n' ' ' <"v.$1" | sed 's/ $//'
}
sign rsa "$RSA_PORT"
check "the RSA instance signs with s1r; dkimpy verifies it" \
    test "$(verdict rsa)" = "s1r rsa-sha256 pass"
sign ed25519 "$ED_PORT"
check "the Ed25519 instance signs with s2e; dkimpy verifies it" \
    test "$(verdict ed25519)" = "s2e ed25519-sha256 pass"

# hook EVENT [VAR=VALUE...] < INPUT: the hook run as dkimkeys runs it,
# for the key of $SEL (rsa), status in $rc, output in $T/hook.out
hook() {
	ev=$1
	shift
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME=/ LANG=C.UTF-8 DKIMKEYS_CONFIG="$CONF" \
	    DKIMKEYS_HOOK_PROTOCOL=1 DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_VENDOR=mta DKIMKEYS_DOMAIN=example.com \
	    DKIMKEYS_SELECTOR="$SEL" DKIMKEYS_ALGORITHM=rsa \
	    DKIMKEYS_RECORD_NAME="$SEL._domainkey.example.com." \
	    DKIMKEYS_KEY_FORMAT=pkcs8-pem \
	    DKIMKEYS_HOOK_OPENDKIM_DIR=mta \
	    DKIMKEYS_HOOK_OPENDKIM_RELOAD="$T/reload-rsa" \
	    "$@" "$HOOK" "$ev") >"$T/hook.out" 2>&1
	rc=$?
}
SEL=s1r
snapshot "$MTA" >snap.before
n=$(wc -l <usr1.rsa)
hook deploy <"$K/s1r._domainkey.example.com.pem"
snapshot "$MTA" >snap.after
check "deploy run again exits 0" test "$rc" -eq 0
check "  and leaves the same files, byte for byte" cmp -s snap.before \
    snap.after
check "  and reloads the RSA instance (SIGUSR1)" \
    test "$(wc -l <usr1.rsa)" -gt "$n"
for ev in frobnicate publish withdraw reveal; do
	hook "$ev" </dev/null
	snapshot "$MTA" >snap.after
	check "$ev exits 0 and changes nothing" sh -c \
	    "[ $rc -eq 0 ] && cmp -s snap.before snap.after"
done

# refused ERROR VAR=VALUE... < INPUT: exit 1, one line matching ERROR,
# nothing changed
refused() {
	d=$1
	shift
	hook deploy "$@"
	snapshot "$MTA" >snap.after
	if [ "$rc" -eq 1 ] && [ "$(wc -l <hook.out)" -eq 1 ] &&
	    cmp -s snap.before snap.after; then
		ok "$d: $(cat hook.out)"
	else
		not_ok "$d (exit $rc)"
		sed 's/^/  hook: /' hook.out
	fi
}
K1=$K/s1r._domainkey.example.com.pem
refused "a selector that is not a DNS name is refused" \
    DKIMKEYS_SELECTOR='a b' <"$K1"
refused "a domain that could end a table line is refused" \
    DKIMKEYS_DOMAIN='example.com:x' <"$K1"
refused "a key that is not a PKCS#8 PEM is refused" </dev/null
refused "a reload with a shell word in it is refused" \
    DKIMKEYS_HOOK_OPENDKIM_RELOAD="$T/reload-rsa;id" <"$K1"
refused "a user that does not exist is refused" \
    DKIMKEYS_HOOK_OPENDKIM_USER=no-such-user-here <"$K1"
SEL=s9r
hook deploy DKIMKEYS_HOOK_OPENDKIM_RELOAD=/bin/false <"$K1"
check "a failed reload exits 75 (retry at the next run)" test "$rc" -eq 75
hook destroy DKIMKEYS_HOOK_OPENDKIM_RELOAD=
check "  and destroy undoes that deploy" sh -c "[ $rc -eq 0 ] &&
    ! [ -e '$K/s9r._domainkey.example.com.pem' ] &&
    ! grep -q s9r '$MTA/KeyTable.rsa' '$MTA/SigningTable.rsa'"
SEL=s1r
hook deploy <"$K1"
snapshot "$MTA" >snap.after
check "  a deploy of s1r again gives the files as before" cmp -s snap.before \
    snap.after
if [ "$(id -u)" -eq 0 ] && id -u opendkim >/dev/null 2>&1; then
	mkdir -m 700 own
	SEL=s1r
	hook deploy DKIMKEYS_HOOK_OPENDKIM_DIR="$T/own" \
	    DKIMKEYS_HOOK_OPENDKIM_USER=opendkim <"$K1"
	check "hook.opendkim_user owns the key file and keys/" test \
	    "$(stat -c '%U %a' own/keys own/keys/s1r._domainkey.example.com.pem |
	    tr '\n' ' ')" = "opendkim 700 opendkim 600 "
else
	echo "skip - hook.opendkim_user: not root or no user opendkim"
fi

# a month on: the successors are deployed, the old keys retired
rotate_to $((24 * 33))
check "the RSA successor is deployed and s1r retired" sh -c \
    "grep -q 's3r._domainkey.*: deploy' rotate.out &&
    grep -q 's1r._domainkey.*: retire' rotate.out"
check "the hook reloaded both instances (SIGUSR1)" sh -c \
    "[ \$(wc -l <usr1.rsa) -ge 3 ] && [ \$(wc -l <usr1.ed25519) -ge 2 ]"
check "s1r left the RSA tables" test "$(cat "$MTA/KeyTable.rsa" \
    "$MTA/SigningTable.rsa" | grep -c s1r)" -eq 0
sign rsa "$RSA_PORT"
check "the same RSA instance now signs with s3r alone; verified" \
    test "$(verdict rsa)" = "s3r rsa-sha256 pass"
sign ed25519 "$ED_PORT"
check "the same Ed25519 instance now signs with s4e alone; verified" \
    test "$(verdict ed25519)" = "s4e ed25519-sha256 pass"
check "no key file is readable by others" private

# overlap and revoke_for pass: the old keys are revoked, withdrawn,
# destroyed, and their files go
rotate_to $((24 * 40))
check "destroy removed the old key files" sh -c \
    "grep -q 's1r._domainkey.*: destroy' rotate.out &&
    ! [ -e '$K1' ] && ! [ -e '$K/s2e._domainkey.example.com.pem' ]"
check "  and kept the active ones" test -f "$K/s3r._domainkey.example.com.pem"

# compromise: revoke takes the active key out of the SigningTable at once
check "revoke s3r" run 0 dk revoke s3r --reason "test: compromised"
sign rsa "$RSA_PORT"
check "the RSA instance no longer signs with the revoked key" sh -c \
    "[ -f msg.rsa ] && [ ! -s v.rsa ] && ! grep -q s3r '$MTA/SigningTable.rsa'"
sign ed25519 "$ED_PORT"
check "  the Ed25519 instance still signs with s4e" \
    test "$(verdict ed25519)" = "s4e ed25519-sha256 pass"

finish
