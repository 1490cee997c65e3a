#!/bin/sh
# hooks/nsupdate against a real Knot DNS server (knotd) on loopback, run
# the way dkimkeys runs a hook (env -i with the SPEC section 6 variables,
# folder /, umask 077): publish, revoke and withdraw change exactly the
# served TXT set, running twice changes nothing, other events change
# nothing, the zone is found or taken from hook.nsupdate_zone, and the
# exit status says 1 for a refusal and 75 for a server that cannot be
# reached. The records are those of tests/golden/dnsrec.
# knotd runs on a free loopback port in the private folder $T and is
# stopped, and $T removed, on every exit path.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/knot.inc
. "$(dirname "$0")/knot.inc"
GOLDEN=$ROOT/tests/golden/dnsrec
HOOK=$ROOT/hooks/nsupdate

mkdir -p "$T/knot/zones"
for z in example.com example.net; do
	{
		soa "$z."
		printf 'ns1.example.com. A 127.0.0.1\n'
	} >"$T/knot/zones/$z.zone"
done
# knotd with the TSIG key $T/tsig.key; $T/wrong.key has the same name
# and another secret.
knot_primary example.com example.net
tsig_key "$T/wrong.key"
DEAD_PORT=$(free_port)
if [ -z "$DEAD_PORT" ] || [ "$PORT" = "$DEAD_PORT" ]; then
	echo "no free port"
	exit 1
fi

# golden NAME: "RECORD_NAME TTL STRINGS" of tests/golden/dnsrec/NAME.json
golden() {
	"$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
print(r["name"], r["ttl"], " ".join("\"%s\"" % s for s in r["strings"]))
' "$GOLDEN/$1.json"
}
# RSA: a 2048-bit key of mg.example.com (inside zone example.com), its
# revocation, and an Ed25519 key of zone example.net.
read -r RSA_NAME RSA_TTL RSA_STR <<EOF
$(golden rsa2048)
EOF
read -r _ _ REV_STR <<EOF
$(golden revoked)
EOF
read -r NET_NAME NET_TTL NET_STR <<EOF
$(golden testing)
EOF

# served NAME: "TTL STRINGS" for each TXT record served at NAME.
served() {
	kdig @127.0.0.1 -p "$PORT" +noall +answer +time=2 +retry=1 "$1" TXT |
	    "$PY" -c '
import sys
for line in sys.stdin:
    f = line.split(None, 4)
    if len(f) == 5 and f[3] == "TXT":
        print(f[1], f[4].strip())
'
}

# hook EVENT NAME TTL STRINGS [VAR=VALUE...]: runs the hook as dkimkeys
# does; its status in $rc, its output in $T/hook.out.
hook() {
	ev=$1 name=$2 ttl=$3 str=$4
	shift 4
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME=/ LANG=C.UTF-8 DKIMKEYS_CONFIG=/etc/dkimkeys/dkimkeys.conf \
	    DKIMKEYS_HOOK_PROTOCOL=1 DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_EVENT_ID=test-1 DKIMKEYS_VENDOR=mailgun \
	    DKIMKEYS_RECORD_NAME="$name" DKIMKEYS_TTL="$ttl" \
	    DKIMKEYS_TXT_STRINGS="$str" \
	    DKIMKEYS_HOOK_NSUPDATE_SERVER=127.0.0.1 \
	    DKIMKEYS_HOOK_NSUPDATE_PORT="$PORT" \
	    DKIMKEYS_HOOK_NSUPDATE_KEY="$T/tsig.key" \
	    "$@" "$HOOK" "$ev") >"$T/hook.out" 2>&1
	rc=$?
}

# expect DESCRIPTION STATUS NAME WANT: the last hook exited STATUS and
# NAME is served as WANT ("TTL STRINGS" lines; empty: nothing). VERBOSE=1
# shows the hook's output every time.
expect() {
	got=$(served "$3")
	if [ "$rc" -eq "$2" ] && [ "$got" = "$4" ]; then
		ok "$1"
		if [ -n "${VERBOSE:-}" ]; then
			sed 's/^/  hook: /' "$T/hook.out"
		fi
	else
		not_ok "$1"
		echo "  exit $rc, want $2"
		echo "  served: $got"
		echo "  want:   $4"
		sed 's/^/  hook: /' "$T/hook.out"
	fi
}

hook publish "$RSA_NAME" 60 '"stale one"'
expect "publish adds the record in the zone nsupdate finds" 0 \
    "$RSA_NAME" '60 "stale one"'

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR"
expect "publish replaces the record set with the new value" 0 \
    "$RSA_NAME" "$RSA_TTL $RSA_STR"

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR"
expect "publish run twice leaves exactly one record" 0 \
    "$RSA_NAME" "$RSA_TTL $RSA_STR"

for ev in deploy retire destroy reveal unknown-event; do
	hook "$ev" "$RSA_NAME" 60 '"other"'
	expect "$ev exits 0 and changes nothing" 0 \
	    "$RSA_NAME" "$RSA_TTL $RSA_STR"
done

hook revoke "$RSA_NAME" "$RSA_TTL" "$REV_STR"
expect "revoke serves the revocation value" 0 \
    "$RSA_NAME" "$RSA_TTL $REV_STR"

hook withdraw "$RSA_NAME" "" ""
expect "withdraw deletes the record" 0 "$RSA_NAME" ""

hook withdraw "$RSA_NAME" "" ""
expect "withdraw of an absent record succeeds" 0 "$RSA_NAME" ""

hook publish "$NET_NAME" "$NET_TTL" "$NET_STR" \
    DKIMKEYS_HOOK_NSUPDATE_ZONE=example.net
expect "publish uses hook.nsupdate_zone when set" 0 \
    "$NET_NAME" "$NET_TTL $NET_STR"

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" \
    DKIMKEYS_HOOK_NSUPDATE_ZONE=example.org
expect "a zone the server does not serve exits 1" 1 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" \
    DKIMKEYS_HOOK_NSUPDATE_KEY="$T/wrong.key"
expect "a wrong TSIG key exits 1" 1 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" DKIMKEYS_HOOK_NSUPDATE_KEY=
expect "an update without a TSIG key is refused: exit 1" 1 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" \
    DKIMKEYS_HOOK_NSUPDATE_PORT="$DEAD_PORT"
expect "a server that cannot be reached exits 75" 75 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" \
    DKIMKEYS_HOOK_NSUPDATE_PORT="$DEAD_PORT" \
    DKIMKEYS_HOOK_NSUPDATE_ZONE=example.com
expect "the same with hook.nsupdate_zone set exits 75" 75 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" "$RSA_STR" \
    DKIMKEYS_HOOK_NSUPDATE_SERVER=
expect "no hook.nsupdate_server exits 1" 1 "$RSA_NAME" ""

hook publish "$RSA_NAME" "$RSA_TTL" '"x"
update delete example.net. NS'
expect "a value carrying a second command is refused: exit 1" 1 \
    "$RSA_NAME" ""
if kdig @127.0.0.1 -p "$PORT" +short NS example.net. | grep -q ns1; then
	ok "the zone was not touched by the refused value"
else
	not_ok "the zone was not touched by the refused value"
fi

finish
