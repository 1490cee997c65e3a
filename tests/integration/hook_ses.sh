#!/bin/sh
# hooks/ses-byodkim driving the real aws command (Debian's awscli) against
# tests/integration/standin.py, a local HTTPS stand-in for Amazon SES v2:
# the real API is not reachable from here. The stand-in runs on a free
# loopback port with a certificate from a CA made here (the hook's
# hook.ses_ca_file), verifies each request's SigV4 signature with the
# test's credentials file, checks method, path and body against SES's
# documented API and records them.
# Proven: deploy sends origin EXTERNAL, the selector and the PEM body in
# one line, then turns signing on; twice gives the same state; revoke
# turns signing off only for the selector SES signs with; refusals
# (Ed25519, RSA over 2048 bits, a dotted selector) exit 1 with one line
# and send nothing; 503 and no server exit 75; a bad signature exits 1
# with SES's message; the private key and the AWS secret never reach
# aws's argv or environment (a wrapper as hook.ses_aws records both), the
# hook's temporary folder is gone after each run; and a simulated
# rotation through dkimkeys hands SES the key that DNS publishes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/standin.inc
. "$(dirname "$0")/standin.inc"
need openssl /usr/bin/aws
HOOK=$ROOT/hooks/ses-byodkim
S=$T/ses
mkdir -p "$S" "$T/tmp" "$T/home" "$T/bin"

openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/rsa.pem" 2>"$T/openssl.log" || {
	cat "$T/openssl.log"
	exit 1
}

AKID=AKIASTANDINTEST00001
SECRET=standinSecretKey0123456789abcdefSECRETx
cat >"$T/credentials" <<EOF
[dkimkeys]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET
[wrong]
aws_access_key_id = $AKID
aws_secret_access_key = notTheSecretAtAll0123456789abcdefghijkl
EOF
printf '{"access_key": "%s", "secret_key": "%s", "region": "eu-west-1",
 "identities": ["mg.example.com"]}\n' "$AKID" "$SECRET" >"$S/config.json"

standin_start ses "$S"

# The aws the hook runs: records its argv and environment, then runs
# Debian's aws.
recording_wrapper "$T/bin/aws-rec" /usr/bin/aws

# The PEM body SES must get: the base64 lines, joined.
BODY=$(sed '1d;$d' "$T/rsa.pem" | tr -d '\n')

# hook EVENT SELECTOR [VAR=VALUE...]: runs the hook as dkimkeys does, the
# RSA key on standard input; status in $rc, output in $T/hook.out.
hook() {
	ev=$1 sel=$2
	shift 2
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/home" LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" DKIMKEYS_EVENT_ID=test-1 \
	    DKIMKEYS_VENDOR=ses DKIMKEYS_DOMAIN=mg.example.com \
	    DKIMKEYS_SELECTOR="$sel" \
	    DKIMKEYS_RECORD_NAME="$sel._domainkey.mg.example.com." \
	    DKIMKEYS_ALGORITHM=rsa DKIMKEYS_BITS=2048 \
	    DKIMKEYS_KEY_FORMAT=pkcs8-pem \
	    DKIMKEYS_HOOK_SES_REGION=eu-west-1 \
	    DKIMKEYS_HOOK_SES_PROFILE=dkimkeys \
	    DKIMKEYS_HOOK_SES_CREDENTIALS_FILE=credentials \
	    DKIMKEYS_HOOK_SES_ENDPOINT_URL="https://127.0.0.1:$PORT" \
	    DKIMKEYS_HOOK_SES_CA_FILE="$T/ca.pem" \
	    DKIMKEYS_HOOK_SES_AWS="$T/bin/aws-rec" \
	    "$@" "$HOOK" "$ev") <"$T/rsa.pem" >"$T/hook.out" 2>&1
	rc=$?
}

# state PYTHON-EXPR: true when the expression holds for s, the stand-in's
# state of identity mg.example.com.
state() {
	"$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))["mg.example.com"]
body = sys.argv[3]
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$S/state.json" "$1" "$BODY"
}

echo "# stand-in for Amazon SES v2, the real API is not reachable from here"
ID=/v2/email/identities/mg.example.com
SIGN=/v1/email/identities/mg.example.com/dkim/signing
A="sigv4:$AKID"
hook deploy ses2026a
expect "deploy: signing attributes, then signing enabled, SigV4-signed" 0 \
    "PUT $SIGN $A 200
PUT $ID/dkim $A 200"
check "deploy sends origin EXTERNAL, the selector, the PEM body in one line" \
    "$PY" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
b = r[0]["body"]
assert b["SigningAttributesOrigin"] == "EXTERNAL", b
assert b["SigningAttributes"] == {"DomainSigningSelector": "ses2026a",
    "DomainSigningPrivateKey": sys.argv[2]}, b["SigningAttributes"]
assert r[1]["body"] == {"SigningEnabled": True}, r[1]["body"]
' "$T/last.jsonl" "$BODY"
check "SES signs with ses2026a and holds the key" \
    state 's["Tokens"] == ["ses2026a"] and s["SigningEnabled"] and s["PrivateKey"] == body'
cp "$S/state.json" "$T/state.1"
hook deploy ses2026a
expect "deploy run twice makes the same calls" 0 \
    "PUT $SIGN $A 200
PUT $ID/dkim $A 200"
check "deploy run twice leaves the same state" cmp -s "$T/state.1" "$S/state.json"

check "aws ran, with the credentials file and the CA in its environment" \
    sh -c "grep -qx 'AWS_SHARED_CREDENTIALS_FILE=$T/credentials' '$T/children.log' &&
    grep -qx 'AWS_CA_BUNDLE=$T/ca.pem' '$T/children.log'"
check "the key reached aws as a file in the private folder" \
    grep -q "^file://$T/tmp/ses-byodkim\.[A-Za-z0-9]*/attrs.json$" \
    "$T/children.log"
leak=no
for s in "$SECRET" "$(sed -n 2p "$T/rsa.pem")" "$(sed -n 12p "$T/rsa.pem")" \
    PRIVATE; do
	if grep -qF -- "$s" "$T/children.log"; then
		leak="$leak $s"
	fi
done
check "neither the private key nor the AWS secret is in aws's argv or environment" \
    test "$leak" = no

hook revoke ses2025a
expect "revoke of a key SES does not sign with only asks" 0 \
    "GET $ID $A 200"
check "and leaves signing on" state 's["SigningEnabled"]'
hook revoke ses2026a
expect "revoke of the key SES signs with turns signing off" 0 \
    "GET $ID $A 200
PUT $ID/dkim $A 200"
check "SES no longer signs" state 'not s["SigningEnabled"]'
hook revoke ses2026a
expect "revoke run twice: the same calls" 0 \
    "GET $ID $A 200
PUT $ID/dkim $A 200"
hook deploy ses2026b
expect "the successor's deploy" 0 "PUT $SIGN $A 200
PUT $ID/dkim $A 200"
check "turns signing on again with the new selector" \
    state 's["Tokens"] == ["ses2026b"] and s["SigningEnabled"]'

for ev in publish retire withdraw destroy reveal no-such-event; do
	hook "$ev" ses2026b
	expect "$ev exits 0 and calls nothing" 0 ""
done

refused "an Ed25519 key is refused" ses2026e DKIMKEYS_ALGORITHM=ed25519
check "  saying why" grep -q "does not take Ed25519" "$T/hook.out"
refused "an RSA key over 2048 bits is refused" ses2026c DKIMKEYS_BITS=4096
check "  saying why" grep -q "at most 2048 bits" "$T/hook.out"
refused "a selector with a dot is refused" ses.2026
check "  saying why" grep -q "one label" "$T/hook.out"
refused "a region with odd characters is refused" ses2026d \
    DKIMKEYS_HOOK_SES_REGION='eu west'
refused "no region is refused" ses2026d DKIMKEYS_HOOK_SES_REGION=

echo 503 >"$S/fail"
hook deploy ses2026b
rm -f "$S/fail"
requests
got=$(printf '%s\n' "$got" | sort -u)
if [ "$rc" -eq 75 ] && [ "$got" = "PUT $SIGN $A 503" ]; then
	ok "503 from SES exits 75"
else
	not_ok "503 from SES exits 75 (exit $rc; $got)"
	sed 's/^/  hook: /' "$T/hook.out"
fi
hook deploy ses2026b DKIMKEYS_HOOK_SES_ENDPOINT_URL="https://127.0.0.1:$DEAD_PORT"
expect "no server exits 75" 75 ""
hook deploy ses2026b DKIMKEYS_HOOK_SES_PROFILE=wrong
expect "a wrong secret exits 1" 1 \
    "PUT $SIGN None 403"
check "  with SES's message" grep -q "SignatureDoesNotMatch" "$T/hook.out"
hook deploy ses2026b DKIMKEYS_DOMAIN=other.example.com
expect "an identity SES does not know exits 1" 1 \
    "PUT /v1/email/identities/other.example.com/dkim/signing $A 404"
check "  in one line, with SES's message" sh -c "test \$(wc -l <'$T/hook.out') -eq 1 &&
    grep -q 'does not exist' '$T/hook.out'"
hook revoke ses2026b DKIMKEYS_DOMAIN=other.example.com
expect "revoke for an identity SES does not know exits 0" 0 \
    "GET /v2/email/identities/other.example.com $A 404"
hook deploy ses2026b DKIMKEYS_SIMULATED=1
expect "simulated time without hook.allow_simulated calls nothing" 0 ""

# Through dkimkeys: a simulated rotation hands SES the key whose public
# half DNS gets.
mkdir -p "$T/hooks"
cp "$HOOK" "$T/hooks/"
chmod 755 "$T/hooks/ses-byodkim"
setup 'ses passphrase' <<CONF
hook.allow_simulated = yes

[vendor:ses]
domain = mg.example.com
selector = ses%Y%m%a
algorithms = rsa-2048
publish_ahead = 2h
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = no
hooks = hooks/ses-byodkim
hook.ses_region = eu-west-1
hook.ses_profile = dkimkeys
hook.ses_credentials_file = credentials
hook.ses_endpoint_url = https://127.0.0.1:$PORT
hook.ses_ca_file = ca.pem
hook.ses_aws = bin/aws-rec
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$base"
: >"$T/children.log"
bad=0
for h in 0 1 3 4; do
	HOME=$T/home DKIMKEYS_NOW=$((base + h * 3600)) dk -q rotate \
	    >>"$T/rotate.out" 2>&1 || bad=$((bad + 1))
done
check "the rotations exit 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -n 5 "$T/rotate.out"
requests
check "dkimkeys' deploy made the two calls" test "$got" = \
    "PUT $SIGN $A 200
PUT $ID/dkim $A 200"
DKIMKEYS_NOW=$((base + 4 * 3600)) dk txt --format json >"$T/txt.json" 2>/dev/null
check "SES signs with the selector and key whose public half DNS holds" \
    "$PY" -c '
import base64, json, subprocess, sys
st = json.load(open(sys.argv[1]))["mg.example.com"]
recs = json.load(open(sys.argv[2]))
name = st["Tokens"][0] + "._domainkey.mg.example.com."
rec = [r for r in recs if r["name"] == name]
assert rec and st["SigningEnabled"], (name, recs)
der = base64.b64decode(st["PrivateKey"])
pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-pubout",
    "-outform", "DER"], input=der, capture_output=True, check=True).stdout
assert rec[0]["value"].endswith("p=" + base64.b64encode(pub).decode()), rec
' "$S/state.json" "$T/txt.json"
check "and the key was not in aws's argv or environment there either" \
    "$PY" -c '
import json, sys
pk = json.load(open(sys.argv[1]))["mg.example.com"]["PrivateKey"]
log = open(sys.argv[2]).read()
assert "sesv2" in log and "PRIVATE" not in log
assert not any(pk[i:i + 40] in log for i in range(0, len(pk) - 40, 40))
' "$S/state.json" "$T/children.log"

finish
