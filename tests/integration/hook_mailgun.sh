#!/bin/sh
# hooks/mailgun driving curl against tests/integration/standin.py, a
# local HTTPS stand-in for the Mailgun Domain Keys API: the real API is
# not reachable from here. The stand-in runs on a free loopback port with
# a certificate from a CA made here (the hook's hook.mailgun_ca_file),
# checks basic auth api:KEY, method, path and body (multipart
# signing_domain, selector and a PKCS#1 pem) against Mailgun's documented
# API, and records each request.
# Proven: deploy imports the key as the PKCS#1 form of the PKCS#8 it was
# given, activates it and deactivates the previous selector; an import
# that already exists is success, so twice gives the same state; retire
# and revoke deactivate, destroy deletes, each twice over; refusals
# (Ed25519, RSA over 2048 bits) exit 1 with one line and send nothing; 503
# and no server exit 75, other 4xx exit 1 with Mailgun's message; the API
# key and the private key never reach curl's argv or environment (a
# recording curl first on PATH), the hook's temporary folder is gone after
# each run; and a simulated half-month of rotations through dkimkeys
# leaves Mailgun holding exactly the keys dkimkeys has not destroyed, the
# active one active.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/standin.inc
. "$(dirname "$0")/standin.inc"
need openssl curl
HOOK=$ROOT/hooks/mailgun
S=$T/mailgun
mkdir -p "$S" "$T/tmp" "$T/wrap"

# An RSA key and its PKCS#1 form, which Mailgun wants.
(
	cd "$T" || exit 1
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 \
	    -out rsa.pem &&
	openssl rsa -in rsa.pem -traditional -out rsa.pkcs1
) >"$T/openssl.log" 2>&1 || {
	cat "$T/openssl.log"
	exit 1
}

APIKEY=key-0123456789abcdefStandinApiKey
printf '%s\n' "$APIKEY" >"$T/mailgun.key"
printf 'wrong-key\n' >"$T/wrong.key"
printf '{"api_key": "%s"}\n' "$APIKEY" >"$S/config.json"

standin_start mailgun "$S"

# The curl and openssl the hook runs, first on its PATH: record their
# argv and environment, then run Debian's.
for tool in curl openssl; do
	recording_wrapper "$T/wrap/$tool" /usr/bin/$tool
done

# hook EVENT SELECTOR [VAR=VALUE...]: runs the hook as dkimkeys does, the
# RSA key on standard input; status in $rc, output in $T/hook.out.
hook() {
	ev=$1 sel=$2
	shift 2
	(cd / && umask 077 && exec env -i \
	    PATH="$T/wrap:/usr/local/bin:/usr/bin:/bin" \
	    HOME=/ LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" DKIMKEYS_EVENT_ID=test-1 \
	    DKIMKEYS_VENDOR=mailgun DKIMKEYS_DOMAIN=mg.example.com \
	    DKIMKEYS_SELECTOR="$sel" \
	    DKIMKEYS_RECORD_NAME="$sel._domainkey.mg.example.com." \
	    DKIMKEYS_ALGORITHM=rsa DKIMKEYS_BITS=2048 \
	    DKIMKEYS_KEY_FORMAT=pkcs8-pem \
	    DKIMKEYS_HOOK_MAILGUN_API_KEY_FILE=mailgun.key \
	    DKIMKEYS_HOOK_MAILGUN_API_BASE="https://127.0.0.1:$PORT" \
	    DKIMKEYS_HOOK_MAILGUN_CA_FILE="$T/ca.pem" \
	    "$@" "$HOOK" "$ev") <"$T/rsa.pem" >"$T/hook.out" 2>&1
	rc=$?
}

# keys WANT: the keys Mailgun holds are WANT, "SELECTOR:active" or
# "SELECTOR:inactive" separated by spaces, in selector order.
keys() {
	have=$("$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s:%s" % (k.split("/")[1], "active" if v["active"]
    else "inactive") for k, v in sorted(s.items())))
' "$S/state.json")
	[ "$have" = "$1" ] || {
		echo "  Mailgun holds: $have"
		echo "  want:          $1"
		return 1
	}
}

echo "# stand-in for Mailgun, the real API is not reachable from here"
K=/v4/domains/mg.example.com/keys
B=basic:ok
hook deploy mg1
expect "deploy: import, activate, with basic auth api:KEY" 0 \
    "POST /v1/dkim/keys $B 200
PUT $K/mg1/activate $B 200"
check "the import is multipart signing_domain, selector and the PKCS#1 pem" \
    "$PY" -c '
import json, sys
b = json.loads(open(sys.argv[1]).readline())["body"]
want = {"signing_domain": "mg.example.com", "selector": "mg1",
    "pem": open(sys.argv[2]).read()}
assert b == want, (sorted(b), b.get("pem", "")[:40])
' "$T/last.jsonl" "$T/rsa.pkcs1"
check "Mailgun signs with mg1" keys "mg1:active"
hook deploy mg1
expect "deploy run twice: the import already exists, activate again" 0 \
    "POST /v1/dkim/keys $B 409
PUT $K/mg1/activate $B 200"
check "and leaves the same state" keys "mg1:active"
hook deploy mg2 DKIMKEYS_PREVIOUS_SELECTOR=mg1
expect "the successor's deploy deactivates the previous selector" 0 \
    "POST /v1/dkim/keys $B 200
PUT $K/mg2/activate $B 200
PUT $K/mg1/deactivate $B 200"
check "Mailgun signs with mg2 only" keys "mg1:inactive mg2:active"

check "curl ran with its config file from the private folder" \
    grep -q "^$T/tmp/mailgun\.[A-Za-z0-9]*/curl.conf$" "$T/children.log"
leak=no
for s in "$APIKEY" "$(sed -n 2p "$T/rsa.pem")" "$(sed -n 12p "$T/rsa.pem")" \
    "$(sed -n 2p "$T/rsa.pkcs1")" "$(sed -n 12p "$T/rsa.pkcs1")" PRIVATE; do
	if grep -qF -- "$s" "$T/children.log"; then
		leak="$leak $s"
	fi
done
check "neither key is in the argv or environment of curl or openssl" \
    test "$leak" = no

for ev in retire revoke; do
	hook "$ev" mg1
	expect "$ev of an inactive key deactivates it again" 0 \
	    "PUT $K/mg1/deactivate $B 200"
done
hook revoke mg2
expect "revoke of the active key deactivates it" 0 \
    "PUT $K/mg2/deactivate $B 200"
check "Mailgun signs with neither" keys "mg1:inactive mg2:inactive"
hook destroy mg1
expect "destroy deletes the key" 0 \
    "DELETE /v1/dkim/keys?signing_domain=mg.example.com&selector=mg1 $B 200"
check "Mailgun no longer holds mg1" keys "mg2:inactive"
hook destroy mg1
expect "destroy of a key Mailgun does not hold succeeds" 0 \
    "DELETE /v1/dkim/keys?signing_domain=mg.example.com&selector=mg1 $B 404"
hook retire mg1
expect "retire of a key Mailgun does not hold succeeds" 0 \
    "PUT $K/mg1/deactivate $B 404"

for ev in publish withdraw reveal no-such-event; do
	hook "$ev" mg2
	expect "$ev exits 0 and calls nothing" 0 ""
done

refused "an Ed25519 key is refused" mg3 DKIMKEYS_ALGORITHM=ed25519
check "  saying why" grep -q "does not take Ed25519" "$T/hook.out"
refused "an RSA key over 2048 bits is refused" mg3 DKIMKEYS_BITS=4096
check "  saying why" grep -q "at most 2048 bits" "$T/hook.out"
refused "no API key file is refused" mg3 DKIMKEYS_HOOK_MAILGUN_API_KEY_FILE=
refused "an http:// API base is refused" mg3 \
    DKIMKEYS_HOOK_MAILGUN_API_BASE="http://127.0.0.1:$PORT"
refused "a selector with a quote is refused" "mg3\"x"

echo 503 >"$S/fail"
hook deploy mg3
rm -f "$S/fail"
expect "503 from Mailgun exits 75" 75 "POST /v1/dkim/keys $B 503"
echo 429 >"$S/fail"
hook retire mg2
rm -f "$S/fail"
expect "429 from Mailgun exits 75" 75 "PUT $K/mg2/deactivate $B 429"
hook deploy mg3 DKIMKEYS_HOOK_MAILGUN_API_BASE="https://127.0.0.1:$DEAD_PORT"
expect "no server exits 75" 75 ""
hook deploy mg3 DKIMKEYS_HOOK_MAILGUN_API_KEY_FILE=wrong.key
expect "a wrong API key exits 1" 1 "POST /v1/dkim/keys None 401"
check "  with Mailgun's message" grep -q "Invalid private key" "$T/hook.out"
hook deploy mg3 DKIMKEYS_HOOK_MAILGUN_CA_FILE=
expect "a server the system CAs do not know exits 1, nothing sent" 1 ""
check "  in one line" test "$(wc -l <"$T/hook.out")" -eq 1
hook deploy mg3 DKIMKEYS_SIMULATED=1
expect "simulated time without hook.allow_simulated calls nothing" 0 ""
check "Mailgun's keys did not change" keys "mg2:inactive"

# Through dkimkeys: half a month of simulated runs every 6 hours.
mkdir -p "$T/hooks"
cp "$HOOK" "$T/hooks/"
chmod 755 "$T/hooks/mailgun"
setup 'mailgun passphrase' <<CONF
hook.allow_simulated = yes

[vendor:mailgun]
domain = dk.example.com
selector = mg%Y%m%d%a
algorithms = rsa-2048
rotate_every = 4d
publish_ahead = 6h
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = no
hooks = hooks/mailgun
hook.mailgun_api_key_file = mailgun.key
hook.mailgun_api_base = https://127.0.0.1:$PORT
hook.mailgun_ca_file = ca.pem
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$base"
bad=0 h=0
while [ $h -le 360 ]; do
	DKIMKEYS_NOW=$((base + h * 3600)) dk -q rotate >>"$T/rotate.out" 2>&1 ||
	    bad=$((bad + 1))
	h=$((h + 6))
done
check "the rotations exit 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -n 5 "$T/rotate.out"
DKIMKEYS_NOW=$((base + 360 * 3600)) dk list --json >"$T/list.json" 2>/dev/null
check "Mailgun holds exactly the keys not destroyed, the active one active" \
    "$PY" -c '
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
st = {k: v for k, v in json.load(open(sys.argv[2])).items()
      if k.startswith("dk.example.com/")}
states = {k["selector"]: k["state"] for k in keys}
assert "destroyed" in states.values() and "active" in states.values(), states
held = {k.split("/")[1]: v["active"] for k, v in st.items()}
deployed = {s for s, x in states.items()
            if x in ("active", "retired", "revoked", "withdrawn")}
assert set(held) == deployed, (held, states)
for s, active in held.items():
    assert active == (states[s] == "active"), (s, active, states)
' "$T/list.json" "$S/state.json"

finish
