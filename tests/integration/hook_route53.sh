#!/bin/sh
# hooks/route53 driving the real aws command (Debian's awscli) against
# tests/integration/standin_route53.py, a local HTTPS stand-in for Amazon
# Route 53: the real API is not reachable from here. The stand-in runs on
# free loopback ports with a certificate from a CA made here (the hook's
# hook.route53_ca_file), verifies each request's SigV4 signature with the
# test's credentials file, checks method, path and XML body as Route 53
# does (quoted TXT strings of at most 255 octets, DELETE with the current
# values, 1,000 records and 32,000 characters a request), and serves the
# TXT records it holds by DNS.
# Proven: per key, publish finds the zone with the longest name among
# 124 (two pages of the listing; not a private one) and UPSERTs the
# quoted strings, a string over 255 octets cut; publish and withdraw
# twice leave the same state; withdraw DELETEs with the held values and
# leaves a neighbour alone; a batch of 1,200 keys in two zones makes one
# zone listing and change requests within the limits, no two of which
# could have been one, withdrawn the same way; a key Route 53 refuses
# fails alone; unknown events exit 0 (a batch: ok for each key); 503,
# 400 Throttling and no server exit 75; refusals exit 1 with one line;
# the AWS secret never reaches aws's argv or environment; and dkimkeys
# rotate with verify_dns = yes against the stand-in's DNS makes keys of
# a per-key and a batch section active and, over six days of runs,
# retires, revokes and withdraws them, DNS serving what `dkimkeys txt`
# says, string by string.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/standin.inc
. "$(dirname "$0")/standin.inc"
need openssl curl /usr/bin/aws
HOOK=$ROOT/hooks/route53
S=$T/r53
mkdir -p "$S" "$T/tmp" "$T/home" "$T/bin"

AKID=AKIASTANDINROUTE5301
SECRET=standinRoute53Secret0123456789SECRETxyz
cat >"$T/credentials" <<EOF
[dkimkeys]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET
[wrong]
aws_access_key_id = $AKID
aws_secret_access_key = notTheSecretAtAll0123456789abcdefghijkl
EOF
chmod 600 "$T/credentials"
# The zones: 120 others listed first (Route 53 lists 100 a page), a
# private zone listed before the public zone of the same name.
"$PY" - "$S/config.json" "$AKID" "$SECRET" <<'PY'
import json, sys
zones = [{"id": "Z1ORG", "name": "example.org."},
         {"id": "Z2MG", "name": "mg.example.org."},
         {"id": "Z0PRIVATE", "name": "mg.example.org.", "private": True},
         {"id": "Z3CUST", "name": "customers.test."}]
zones += [{"id": "ZF%03d" % i, "name": "f%03d.example.net." % i}
          for i in range(120)]
json.dump({"access_key": sys.argv[2], "secret_key": sys.argv[3],
           "zones": zones}, open(sys.argv[1], "w"))
PY

test_ca "$T"
PORT=$(free_port)
DNSPORT=$(free_port)
DEAD_PORT=$(free_port)
"$PY" "$ROOT/tests/integration/standin_route53.py" "$S" "$PORT" "$DNSPORT" \
    "$T/srv.pem" "$T/srv.key" 2>"$T/standin.err" &
PIDS="$PIDS $!"
i=0
until curl -s --cacert "$T/ca.pem" -o /dev/null "https://127.0.0.1:$PORT/"; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "the stand-in did not start"
		cat "$T/standin.err"
		exit 1
	fi
	sleep 0.1
done
STANDIN_LOG=$S/requests.jsonl
: >"$STANDIN_LOG"

# requests (standin.inc's, for this stand-in's log): $got, the requests
# since the last call, a line each: METHOD PATH[?QUERY] AUTH STATUS and,
# for a change, its changes (ACTION NAME, or ACTION xCOUNT past two).
requests() {
	tail -n +$((seen + 1)) "$STANDIN_LOG" >"$T/last.jsonl"
	seen=$(wc -l <"$STANDIN_LOG")
	got=$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    q = "?" + r["query"] if r.get("query") else ""
    ch = (r.get("note") or {}).get("changes") or []
    acts = sorted({c[0] for c in ch})
    what = [" ".join(c[:2]) for c in ch] if len(ch) <= 2 else \
        ["%s x%d" % (a, sum(c[0] == a for c in ch)) for a in acts]
    print(" ".join([r["method"], r["path"] + q,
        str((r.get("note") or {}).get("auth")), str(r["status"])] + what))
' "$T/last.jsonl")
}

recording_wrapper "$T/bin/aws-rec" /usr/bin/aws

# hook EVENT NAME [VAR=VALUE...]: runs the hook as dkimkeys runs a per-key
# hook for record NAME; status in $rc, output in $T/hook.out.
hook() {
	ev=$1 name=$2
	shift 2
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/home" LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" DKIMKEYS_EVENT_ID=test-1 DKIMKEYS_VENDOR=mg \
	    DKIMKEYS_RECORD_NAME="$name" DKIMKEYS_TTL=300 \
	    DKIMKEYS_TXT_STRINGS="\"v=DKIM1; k=ed25519; \" \"p=$ED\"" \
	    DKIMKEYS_HOOK_ROUTE53_PROFILE=dkimkeys \
	    DKIMKEYS_HOOK_ROUTE53_CREDENTIALS_FILE=credentials \
	    DKIMKEYS_HOOK_ROUTE53_ENDPOINT_URL="https://127.0.0.1:$PORT" \
	    DKIMKEYS_HOOK_ROUTE53_CA_FILE="$T/ca.pem" \
	    DKIMKEYS_HOOK_ROUTE53_AWS="$T/bin/aws-rec" \
	    "$@" "$HOOK" "$ev") </dev/null >"$T/hook.out" 2>&1
	rc=$?
}

# batch EVENT FILE [VAR=VALUE...]: the hook as a batch hook, FILE on its
# standard input; status in $rc, output in $T/hook.out.
batch() {
	ev=$1 in=$2
	shift 2
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/home" LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_HOOK_ROUTE53_PROFILE=dkimkeys \
	    DKIMKEYS_HOOK_ROUTE53_CREDENTIALS_FILE=credentials \
	    DKIMKEYS_HOOK_ROUTE53_ENDPOINT_URL="https://127.0.0.1:$PORT" \
	    DKIMKEYS_HOOK_ROUTE53_CA_FILE="$T/ca.pem" \
	    DKIMKEYS_HOOK_ROUTE53_AWS="$T/bin/aws-rec" \
	    "$@" "$HOOK" "$ev") <"$in" >"$T/hook.out" 2>&1
	rc=$?
}

# held PYTHON-EXPR: true when the expression holds for z, the stand-in's
# records by zone id ({name: {"ttl": N, "values": [...]}}).
held() {
	"$PY" -c '
import json, sys
z = json.load(open(sys.argv[1]))
ed = sys.argv[3]
sys.exit(0 if eval("(%s)" % sys.argv[2]) else 1)
' "$S/state.json" "$1" "$ED"
}

# served NAME: the TXT records the stand-in's DNS serves at NAME, one a
# line, each its strings quoted and space-separated.
served() {
	"$PY" -c '
import sys
import dns.message, dns.query, dns.rdatatype
q = dns.message.make_query(sys.argv[1], dns.rdatatype.TXT)
r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[2]), timeout=3)
for rrset in r.answer:
    for rd in rrset:
        print(" ".join("\"%s\"" % s.decode() for s in rd.strings))
' "$1" "$DNSPORT"
}

echo "# stand-in for Amazon Route 53, the real API is not reachable from here"
ED=$(head -c 32 /dev/urandom | base64)
A="sigv4:$AKID"
ZONES="GET /2013-04-01/hostedzonesbyname $A 200
GET /2013-04-01/hostedzonesbyname?dnsname=f100.example.net.&hostedzoneid=ZF100 $A 200"
N1=s1._domainkey.mg.example.org.
RR2=/2013-04-01/hostedzone/Z2MG/rrset

hook publish $N1
expect "publish: the zones listed, an UPSERT in the longest public zone" 0 \
    "$ZONES
POST $RR2/ $A 200 UPSERT $N1"
check "Route 53 holds the quoted strings with the TTL" \
    held "z['Z2MG'] == {'$N1': {'ttl': 300,
        'values': ['\"v=DKIM1; k=ed25519; \" \"p=' + ed + '\"']}}"
check "the change batch went as Route 53's XML, the Value verbatim" \
    grep -qF "<Value>\\\"v=DKIM1; k=ed25519; \\\" \\\"p=$ED\\\"</Value>" \
    "$T/last.jsonl"
check "its DNS serves the strings" test "$(served $N1)" = \
    "\"v=DKIM1; k=ed25519; \" \"p=$ED\""
cp "$S/state.json" "$T/state.1"
hook publish $N1
expect "publish run twice makes the same calls" 0 "$ZONES
POST $RR2/ $A 200 UPSERT $N1"
check "publish run twice leaves the same state" cmp -s "$T/state.1" "$S/state.json"

LONG=$("$PY" -c 'print("p=" + "QUJD" * 100)')
N2=s2._domainkey.mg.example.org.
hook publish $N2 DKIMKEYS_TXT_STRINGS="\"v=DKIM1; k=rsa; \" \"$LONG\"" \
    DKIMKEYS_HOOK_ROUTE53_ZONE_ID=/hostedzone/Z2MG
expect "a configured zone id: no listing, one UPSERT" 0 \
    "POST $RR2/ $A 200 UPSERT $N2"
check "a string of 402 octets goes as strings of 255 and 147" held "
[len(s) for s in z['Z2MG']['$N2']['values'][0].split('\" \"')] == [17, 255, 148]
and z['Z2MG']['$N2']['values'][0].replace('\" \"', '') == '\"v=DKIM1; k=rsa; $LONG\"'"

N0=s0._domainkey.mg.example.org.
hook withdraw $N0
expect "withdraw of a name not held reads it and changes nothing" 0 \
    "$ZONES
GET $RR2?name=$N0&type=TXT&maxitems=1 $A 200"
check "  its neighbour stays" held "'$N1' in z['Z2MG']"
hook revoke $N1 DKIMKEYS_TXT_STRINGS='"v=DKIM1; k=ed25519; p="'
expect "revoke UPSERTs the revocation value" 0 "$ZONES
POST $RR2/ $A 200 UPSERT $N1"
check "  which DNS serves" test "$(served $N1)" = '"v=DKIM1; k=ed25519; p="'
hook withdraw $N1
expect "withdraw reads the set, then DELETEs it" 0 "$ZONES
GET $RR2?name=$N1&type=TXT&maxitems=1 $A 200
POST $RR2/ $A 200 DELETE $N1"
check "  with the TTL and value held" grep -qF \
    '<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>\"v=DKIM1; k=ed25519; p=\"</Value>' \
    "$T/last.jsonl"
check "  Route 53 no longer holds it, the other record stays" \
    held "list(z['Z2MG']) == ['$N2']"
check "  and DNS no longer serves it" test -z "$(served $N1)"
cp "$S/state.json" "$T/state.2"
hook withdraw $N1
expect "withdraw run twice: read, nothing to delete, exit 0" 0 "$ZONES
GET $RR2?name=$N1&type=TXT&maxitems=1 $A 200"
check "withdraw run twice leaves the same state" cmp -s "$T/state.2" "$S/state.json"

for ev in deploy retire destroy reveal no-such-event ''; do
	hook "$ev" $N1
	expect "event '$ev' exits 0 and calls nothing" 0 ""
done
hook publish $N1 DKIMKEYS_SIMULATED=1
expect "simulated time without hook.allow_simulated calls nothing" 0 ""

check "aws ran with the credentials file and the CA in its environment" \
    sh -c "grep -qx 'AWS_SHARED_CREDENTIALS_FILE=$T/credentials' '$T/children.log' &&
    grep -qx 'AWS_CA_BUNDLE=$T/ca.pem' '$T/children.log'"
check "the change batch reached aws as a file in the private folder" \
    grep -q "^file://$T/tmp/route53\.[A-Za-z0-9_]*/batch.json$" \
    "$T/children.log"

# refused DESCRIPTION NAME VAR=VALUE...: exit 1, one line, nothing sent.
refused() {
	d=$1
	shift
	hook publish "$@"
	expect "$d: exit 1, nothing sent" 1 ""
	check "$d: one line" test "$(wc -l <"$T/hook.out")" -eq 1
}
refused "a record name with a space" "s1 ._domainkey.mg.example.org."
refused "a record name without the final dot" s1._domainkey.mg.example.org
refused "an unquoted value" $N1 DKIMKEYS_TXT_STRINGS='v=DKIM1; p=AAAA'
refused "a quote inside a string" $N1 DKIMKEYS_TXT_STRINGS='"v=DKIM1; \" p=A"'
refused "a TTL that is not a number" $N1 DKIMKEYS_TTL=1h
refused "a zone id with odd characters" $N1 DKIMKEYS_HOOK_ROUTE53_ZONE_ID='Z1 --x'
refused "a profile with odd characters" $N1 DKIMKEYS_HOOK_ROUTE53_PROFILE='a b'
refused "http:// to another host" $N1 \
    DKIMKEYS_HOOK_ROUTE53_ENDPOINT_URL=http://route53.example.net
check "  saying why" grep -q "loopback" "$T/hook.out"
refused "a credentials file that cannot be read" $N1 \
    DKIMKEYS_HOOK_ROUTE53_CREDENTIALS_FILE=nonexistent
hook publish s1._domainkey.example.net.
expect "a name no hosted zone holds: exit 1 after the listing" 1 "$ZONES"
check "  in one line, saying so" sh -c "test \$(wc -l <'$T/hook.out') -eq 1 &&
    grep -q 'no public hosted zone' '$T/hook.out'"

# 503 (ServiceUnavailable) and 400 Throttling, Route 53's "rate
# exceeded": aws tries three times, then the hook exits 75.
for st in 503 400; do
	echo $st >"$S/fail"
	hook publish $N1
	rm -f "$S/fail"
	requests
	if [ "$rc" -eq 75 ] && [ "$got" = "$(for i in 1 2 3; do
	    echo "GET /2013-04-01/hostedzonesbyname $A $st"; done)" ]; then
		ok "$st from Route 53, three times, exits 75"
	else
		not_ok "$st from Route 53, three times, exits 75 (exit $rc; $got)"
		sed 's/^/  hook: /' "$T/hook.out"
	fi
done
hook publish $N1 DKIMKEYS_HOOK_ROUTE53_ENDPOINT_URL="https://127.0.0.1:$DEAD_PORT"
expect "no server exits 75" 75 ""
hook publish $N1 DKIMKEYS_HOOK_ROUTE53_PROFILE=wrong
expect "a wrong secret exits 1" 1 \
    "GET /2013-04-01/hostedzonesbyname None 403"
check "  in one line, with Route 53's message" sh -c "test \$(wc -l <'$T/hook.out') -eq 1 &&
    grep -q SignatureDoesNotMatch '$T/hook.out'"

# The stand-in refuses what Route 53 refuses (aws run directly).
r53() {
	(cd "$T" && env -i PATH=/usr/bin:/bin HOME="$T/home" \
	    AWS_SHARED_CREDENTIALS_FILE="$T/credentials" \
	    AWS_CA_BUNDLE="$T/ca.pem" AWS_PAGER= AWS_MAX_ATTEMPTS=1 \
	    /usr/bin/aws route53 --region us-east-1 --profile dkimkeys \
	    --endpoint-url "https://127.0.0.1:$PORT" "$@") >"$T/r53.out" 2>&1
}
# change ACTION VALUE: a change batch file for $N2, $T/change.json
change() {
	"$PY" -c '
import json, sys
print(json.dumps({"Changes": [{"Action": sys.argv[1], "ResourceRecordSet": {
    "Name": sys.argv[3], "Type": "TXT", "TTL": 300,
    "ResourceRecords": [{"Value": sys.argv[2]}]}}]}))
' "$1" "$2" "$N2" >"$T/change.json"
}
# refuses DESCRIPTION PATTERN ACTION VALUE: aws sends the change and the
# stand-in refuses it with a message matching PATTERN.
refuses() {
	change "$3" "$4"
	if ! r53 change-resource-record-sets --hosted-zone-id Z2MG \
	    --change-batch file://change.json && grep -q "$2" "$T/r53.out"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/  aws: /' "$T/r53.out"
	fi
}
refuses "the stand-in refuses a TXT string over 255 octets, as Route 53 does" \
    'InvalidChangeBatch.*TXTRDATATooLong' UPSERT "\"v=DKIM1; k=rsa; \" \"$LONG\""
refuses "and an unquoted value" InvalidTXTRDATA UPSERT "v=DKIM1; k=rsa; p=AAAA"
refuses "and a DELETE of a value not held" 'do not match' DELETE \
    '"v=DKIM1; k=rsa; p=AAAA"'
requests

# Batches: 1,200 keys in two zones, Ed25519 and RSA values.
"$PY" - "$T" <<'PY'
import base64, json, os, sys
t = sys.argv[1]
with open(os.path.join(t, "batch.in"), "w") as f:
    for i in range(1200):
        zone = "example.org" if i % 2 else "customers.test"
        name = "k%04d._domainkey.d%04d.%s." % (i, i, zone)
        if i % 6 == 0:
            p = "p=" + base64.b64encode(os.urandom(294)).decode()
            strings = ["v=DKIM1; k=rsa; ", p[:255], p[255:]]
        else:
            strings = ["v=DKIM1; k=ed25519; ",
                       "p=" + base64.b64encode(os.urandom(32)).decode()]
        f.write(json.dumps({"protocol": 1, "event": "publish",
            "record_name": name, "ttl": 300, "txt_strings": strings}) + "\n")
PY
# limits WHAT: the change requests in $T/last.jsonl each within Route 53's
# limits and no two in a row to one zone small enough to have been one; all the
# keys of batch.in answered ok and (publish) held or (withdraw) not.
limits() {
	"$PY" - "$T" "$S/state.json" "$1" <<'PY'
import json, os, re, sys
import xml.etree.ElementTree as ET
t, state, what = sys.argv[1:]
ns = "{https://route53.amazonaws.com/doc/2013-04-01/}"
posts = []
for line in open(os.path.join(t, "last.jsonl")):
    r = json.loads(line)
    if r["method"] != "POST":
        continue
    assert r["status"] == 200, r["status"]
    rec = chars = 0
    for c in ET.fromstring(r["body"]).iter(ns + "Change"):
        twice = 2 if c.findtext(ns + "Action") == "UPSERT" else 1
        vals = [v.text for v in c.iter(ns + "Value")]
        rec += twice * len(vals)
        chars += twice * sum(len(v) for v in vals)
    posts.append((r["path"], rec, chars))
assert posts, "no change request"
for p, rec, chars in posts:
    assert rec <= 1000 and chars <= 32000, (p, rec, chars)
for a, b in zip(posts, posts[1:]):
    if a[0] == b[0]:
        assert a[1] + b[1] > 1000 or a[2] + b[2] > 32000, (a, b)
keys = [json.loads(l) for l in open(os.path.join(t, "batch.in"))]
out = open(os.path.join(t, "hook.out")).read().split("\n")
assert sorted(l for l in out if l) == sorted("ok " + k["record_name"]
    for k in keys), "not every key ok"
z = json.load(open(state))
held = {n: rr for zone in ("Z1ORG", "Z3CUST") for n, rr in z[zone].items()
        if n.startswith("k")}
if what == "withdraw":
    assert held == {}, len(held)
else:
    want = {k["record_name"]: {"ttl": 300, "values": [" ".join(
        '"%s"' % s for s in k["txt_strings"])]} for k in keys}
    assert held == want, len(set(held) ^ set(want))
print("  %d change requests: %s" % (len(posts), " ".join(
    "%s/%d/%d" % (p.split("/")[3], rec, chars) for p, rec, chars in posts)))
PY
}
batch publish "$T/batch.in"
requests
check "a batch of 1,200 keys in two zones exits 0" test "$rc" -eq 0
# each distinct request, once (1) or more (n)
want="1 GET /2013-04-01/hostedzonesbyname
1 GET /2013-04-01/hostedzonesbyname?dnsname=f100.example.net.&hostedzoneid=ZF100
n POST /2013-04-01/hostedzone/Z1ORG/rrset/
n POST /2013-04-01/hostedzone/Z3CUST/rrset/"
check "  one zone listing (two pages), change requests only to the two zones" \
    test "$(printf '%s\n' "$got" | cut -d' ' -f1,2 | sort | uniq -c |
    awk '{ print ($1 > 1 ? "n" : 1), $2, $3 }')" = "$want"
check "  every key ok and held; requests within the limits, none mergeable" \
    limits publish
cp "$S/state.json" "$T/state.3"
batch publish "$T/batch.in"
requests
check "the same batch again: the same state" cmp -s "$T/state.3" "$S/state.json"
batch withdraw "$T/batch.in"
requests
check "the batch withdrawn exits 0" test "$rc" -eq 0
check "  one listing of each zone's TXT sets, in pages of 300" test \
    "$(printf '%s\n' "$got" | grep -c "^GET /2013-04-01/hostedzone/")" -eq 6
check "  every key ok and gone; DELETE requests within the limits, none mergeable" \
    limits withdraw
check "  the records outside the batch stay" held "list(z['Z2MG']) == ['$N2']"
batch withdraw "$T/batch.in"
requests
check "the batch withdrawn twice: every key ok, nothing changed" sh -c \
    "test $rc -eq 0 && test \$(grep -c '^ok ' '$T/hook.out') -eq 1200 &&
    ! printf '%s\n' '$got' | grep -q '^POST'"

PEM='-----BEGIN PRIVATE KEY-----\\nMC4=\\n-----END PRIVATE KEY-----\\n'
head -n 3 "$T/batch.in" |
    sed "s/\"event\": \"publish\"/\"event\": \"deploy\", \"private_key\": \"$PEM\"/" \
    >"$T/deploy.in"
batch deploy "$T/deploy.in"
expect "a batch of an event not handled: exit 0, no call" 0 ""
check "  ok for each key" test "$(grep -c '^ok k000[012]\._domainkey' "$T/hook.out")" -eq 3

head -n 8 "$T/batch.in" >"$T/mixed.in"
batch publish "$T/mixed.in" DKIMKEYS_HOOK_ROUTE53_ZONE_ID=Z1ORG
requests
check "a batch with keys a zone cannot hold: exit 1" test "$rc" -eq 1
check "  those fail alone, with Route 53's message; the others ok" sh -c "
    test \$(grep -c '^ok k[0-9]*[13579]\._domainkey\.d[0-9]*\.example\.org\.\$' '$T/hook.out') -eq 4 &&
    test \$(grep -c '^fail k[0-9]*[02468]\._domainkey.*not permitted in zone' '$T/hook.out') -eq 4 &&
    test \$(wc -l <'$T/hook.out') -eq 8"
check "  found by halving the refused request" test \
    "$(printf '%s\n' "$got" | grep -c '^POST')" -le 15
printf '{"record_name": "-bad.", "ttl": 300, "txt_strings": ["a"]}\n' |
    cat - "$T/mixed.in" >"$T/bad.in"
echo 503 >"$S/fail"
batch publish "$T/bad.in"
rm -f "$S/fail"
requests
check "a batch meeting 503 exits 75 and answers ok for none" sh -c "
    test $rc -eq 75 && ! grep -q '^ok' '$T/hook.out'"
check "  a line with a bad name fails before any call" \
    grep -qx 'fail -bad. record_name is not a domain name with the final dot' \
    "$T/hook.out"

leak=no
for s in "$SECRET" notTheSecretAtAll; do
	if grep -qF -- "$s" "$T/children.log"; then
		leak="$leak $s"
	fi
done
check "the AWS secret is never in aws's argv or environment" test "$leak" = no
check "nor in the requests the stand-in recorded" sh -c "! grep -qF '$SECRET' '$STANDIN_LOG'"

# Through dkimkeys: per-key and batch sections publishing through the
# hook, verify_dns = yes against the stand-in's DNS.
mkdir -p "$T/hooks"
cp "$HOOK" "$T/hooks/"
chmod 755 "$T/hooks/route53"
printf 'shop.customers.test\nblog.customers.test\nnews.example.org\n' \
    >"$T/customers.txt"
setup 'route53 passphrase' <<CONF
resolver = 127.0.0.1:$DNSPORT
hook.allow_simulated = yes
hook.route53_profile = dkimkeys
hook.route53_credentials_file = credentials
hook.route53_endpoint_url = https://127.0.0.1:$PORT
hook.route53_ca_file = ca.pem
hook.route53_aws = bin/aws-rec

[vendor:mg]
domain = mg.example.org
selector = mg%Y%m%d%a
algorithms = rsa-2048 ed25519
rotate_every = 2d
publish_ahead = 2h
overlap = 12h
revoke_for = 12h
ttl = 300
verify_dns = yes
hooks = hooks/route53

[vendor:customers]
domains_file = customers.txt
selector = c%Y%m%d%a
algorithms = rsa-1024 ed25519
rotate_every = 2d
publish_ahead = 2h
overlap = 12h
revoke_for = 12h
ttl = 300
verify_dns = yes
batch_hooks = hooks/route53
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$base"
: >"$T/children.log"
bad=0
for h in 0 1 3 4; do
	HOME=$T/home DKIMKEYS_NOW=$((base + h * 3600)) dk -q rotate \
	    >>"$T/rotate.out" 2>&1 || bad=$((bad + 1))
done
check "four rotations in four hours exit 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -n 5 "$T/rotate.out"
# same DESCRIPTION NOW: the stand-in's DNS serves, at every name dkimkeys
# txt lists, its strings one for one, and Route 53 holds no other DKIM
# name; every key in state WANT.
same() {
	DKIMKEYS_NOW=$2 dk txt --format json >"$T/txt.json" 2>/dev/null
	DKIMKEYS_NOW=$2 dk list --json >"$T/list.json" 2>/dev/null
	check "$1" "$PY" - "$T/txt.json" "$S/state.json" "$DNSPORT" <<'PY'
import json, sys
import dns.message, dns.query, dns.rdatatype
txt = json.load(open(sys.argv[1]))
assert len(txt) >= 8, len(txt)
for r in txt:
    q = dns.message.make_query(r["name"], dns.rdatatype.TXT)
    a = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[3]), timeout=3)
    got = [[s.decode() for s in rd.strings] for rs in a.answer for rd in rs]
    assert got == [r["strings"]], (r["name"], got, r["strings"])
z = json.load(open(sys.argv[2]))
held = {n for zone in z.values() for n in zone
        if "._domainkey." in n and n[0] in "mc"}
assert held == {r["name"] for r in txt}, held ^ {r["name"] for r in txt}
PY
}
same "what the stand-in's DNS serves is what dkimkeys txt says, string by string" \
    $((base + 4 * 3600))
check "  and every key of both sections is active" "$PY" -c '
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
act = [k for k in keys if k["state"] == "active"]
assert len(act) == 8 and len(keys) == 8, [(k["vendor"], k["state"]) for k in keys]
' "$T/list.json"
# Every run succeeds and says nothing under -q: a batch section whose
# successors are deployed in the run is not "late" (lateness is judged
# after the run's transitions).
t=$((base + 12 * 3600)) end=$((base + 6 * 86400)) bad=''
while [ $t -le $end ]; do
	HOME=$T/home DKIMKEYS_NOW=$t dk -q rotate >"$T/run.out" 2>&1 ||
	    bad="$bad $t"
	grep -v 'simulated time' "$T/run.out" | grep -q . && bad="$bad $t"
	cat "$T/run.out" >>"$T/rotate.out"
	t=$((t + 43200))
done
check "six days of runs every 12 h succeed, silent under -q" test -z "$bad"
if [ -n "$bad" ]; then
	echo "  failed runs:$bad"
	grep -v 'simulated time' "$T/rotate.out" | tail -n 8
fi
same "after rotations, revocations and withdrawals DNS still serves exactly txt" \
    "$end"
check "  keys went through to destroyed, their records withdrawn" "$PY" -c '
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
st = {k["state"] for k in keys}
assert "destroyed" in st and "active" in st, st
' "$T/list.json"
check "  and the secret never reached aws's argv or environment there either" \
    sh -c "grep -q change-resource-record-sets '$T/children.log' &&
    ! grep -qF '$SECRET' '$T/children.log'"

finish
