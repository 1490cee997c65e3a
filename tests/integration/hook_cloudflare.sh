#!/bin/sh
# hooks/cloudflare driving curl against tests/integration/
# standin_cloudflare.py, a local stand-in for the Cloudflare API v4: the
# real API is not reachable from here. The stand-in runs on a free
# loopback port with a certificate from a CA made here (the hook's
# hook.cloudflare_ca_file), checks the Bearer token, method, path, query
# and JSON body against Cloudflare's documented API, refuses a TXT string
# over 255 octets, and serves the records it holds on a second port as an
# authoritative DNS server.
# Proven: per key, publish finds the zone by name and creates the record,
# a repeat changes nothing, revoke replaces it (PUT), withdraw deletes it
# and a repeat deletes nothing; a configured zone id is used as it is;
# what DNS serves is the content given; 503, 429 and no server exit 75, a
# wrong token exits 1 with Cloudflare's message, bad values are refused
# before any request; events not handled exit 0 and call nothing; the
# token never reaches curl's argv or environment or a log, and the private
# folder is gone after each run, also after SIGTERM. As a batch hook: the
# zones listed once (two pages of 50), then one list and one batch
# request per zone per event (25 domains in 3 zones, 60 zones of one key);
# batches split at 200 changes; a repeat sends no batch; keys outside a
# configured zone or in a zone the token may not read fail, the others
# are done; a refused batch retried key by key fails only the bad key.
# Through dkimkeys, with verify_dns = yes and the resolver on the
# stand-in's DNS port, ten days of rotate runs (per key and batch) make
# keys active, retire and withdraw them, and DNS serves exactly what
# `dkimkeys txt` prints.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/standin.inc
. "$(dirname "$0")/standin.inc"
need openssl curl
HOOK=$ROOT/hooks/cloudflare
S=$T/cloudflare
mkdir -p "$S" "$T/tmp" "$T/wrap"

TOKEN=Cf_StandinToken-0123456789abcdefABCDEF
printf '%s\n' "$TOKEN" >"$T/cloudflare.token"
printf 'wrong-token\n' >"$T/wrong.token"
# 64 zones, so that listing them takes two pages of 50
printf '{"token": "%s", "zones": ["example.com", "example.net",
    "example.org", "shop.example"%s]}\n' "$TOKEN" \
    "$(seq 1 60 | sed 's/.*/, "z&.example"/' | tr -d '\n')" >"$S/config.json"

test_ca "$T"
PORT=$(free_port)
DNSPORT=$(free_port)
DEAD_PORT=$(free_port)
# start_standin: the stand-in, on $PORT and $DNSPORT, in $STANDIN_PID
# (stopped on exit, by pid). It starts with no records.
start_standin() {
	"$PY" "$ROOT/tests/integration/standin_cloudflare.py" "$S" "$PORT" \
	    "$DNSPORT" "$T/srv.pem" "$T/srv.key" 2>>"$T/standin.err" &
	STANDIN_PID=$!
	PIDS="$PIDS $!"
	i=0
	until curl -s --cacert "$T/ca.pem" -o /dev/null \
	    "https://127.0.0.1:$PORT/"; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			echo "the stand-in did not start"
			cat "$T/standin.err"
			exit 1
		fi
		sleep 0.1
	done
	: >"$S/requests.jsonl"
	seen=0
}
start_standin
STANDIN_LOG=$S/requests.jsonl
API=https://127.0.0.1:$PORT/client/v4

# zone ids as the stand-in makes them
zid() {
	printf '%s' "$1" | sha256sum | cut -c1-32
}
ZCOM=$(zid example.com)

# The curl the hook runs, first on its PATH: records its argv and
# environment, then runs Debian's.
recording_wrapper "$T/wrap/curl" /usr/bin/curl

# requests: $got, the requests recorded since the last call, one a line:
# METHOD PATH[?QUERY] AUTH STATUS, with /client/v4 left out, zone ids
# written zone(NAME) and record ids ID; their JSON in $T/last.jsonl.
requests() {
	tail -n +$((seen + 1)) "$STANDIN_LOG" >"$T/last.jsonl"
	seen=$(wc -l <"$STANDIN_LOG")
	got=$("$PY" -c '
import hashlib, json, re, sys
zones = {hashlib.sha256(z.encode()).hexdigest()[:32]: z for z in
         json.load(open(sys.argv[2]))["zones"]}
for line in open(sys.argv[1]):
    r = json.loads(line)
    p = r["path"].replace("/client/v4", "", 1)
    p = re.sub(r"/zones/([0-9a-f]{32})",
               lambda m: "/zones/zone(%s)" % zones.get(m.group(1), "?"), p)
    p = re.sub(r"/dns_records/[0-9a-f]{32}", "/dns_records/ID", p)
    q = "?" + r["query"] if r.get("query") else ""
    print(r["method"], p + q, r["note"], r["status"])
' "$T/last.jsonl" "$S/config.json")
}

VALUE='"v=DKIM1; k=rsa; " "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"'
REVOKED='"v=DKIM1; k=rsa; " "p="'

# hookcmd EVENT NAME [VAR=VALUE...]: becomes the hook as dkimkeys runs a
# per-key hook for record NAME (the value $VALUE); run in a subshell.
hookcmd() {
	ev=$1 name=$2
	shift 2
	cd / && umask 077 && exec env -i \
	    PATH="$T/wrap:/usr/local/bin:/usr/bin:/bin" \
	    HOME=/ LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" DKIMKEYS_EVENT_ID=test-1 \
	    DKIMKEYS_VENDOR=dns DKIMKEYS_DOMAIN="${name#*._domainkey.}" \
	    DKIMKEYS_SELECTOR="${name%%.*}" DKIMKEYS_RECORD_NAME="$name" \
	    DKIMKEYS_ALGORITHM=rsa DKIMKEYS_BITS=2048 DKIMKEYS_TTL=300 \
	    DKIMKEYS_TXT_STRINGS="$VALUE" \
	    DKIMKEYS_HOOK_CLOUDFLARE_API_TOKEN_FILE=cloudflare.token \
	    DKIMKEYS_HOOK_CLOUDFLARE_API_BASE="$API" \
	    DKIMKEYS_HOOK_CLOUDFLARE_CA_FILE="$T/ca.pem" \
	    "$@" "$HOOK" "$ev"
}

# hook EVENT NAME [VAR=VALUE...]: hookcmd's hook; status in $rc, output
# in $T/hook.out.
hook() {
	(hookcmd "$@") </dev/null >"$T/hook.out" 2>&1
	rc=$?
}

# batch EVENT [VAR=VALUE...]: runs the hook as a batch hook, the JSON
# lines on standard input; status in $rc, output in $T/hook.out.
batch() {
	ev=$1
	shift
	(cd / && umask 077 && exec env -i \
	    PATH="$T/wrap:/usr/local/bin:/usr/bin:/bin" \
	    HOME=/ LANG=C.UTF-8 TMPDIR="$T/tmp" \
	    DKIMKEYS_CONFIG="$T/dkimkeys.conf" DKIMKEYS_HOOK_PROTOCOL=1 \
	    DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_HOOK_CLOUDFLARE_API_TOKEN_FILE=cloudflare.token \
	    DKIMKEYS_HOOK_CLOUDFLARE_API_BASE="$API" \
	    DKIMKEYS_HOOK_CLOUDFLARE_CA_FILE="$T/ca.pem" \
	    "$@" "$HOOK" "$ev") >"$T/hook.out" 2>"$T/hook.err"
	rc=$?
}

# served NAME WANT: the stand-in's DNS server answers the TXT question
# for NAME with WANT, the strings joined by "|", or NXDOMAIN.
served() {
	have=$("$PY" -c '
import sys, dns.message, dns.query, dns.rcode
q = dns.message.make_query(sys.argv[1], "TXT")
r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[2]), timeout=3)
if r.rcode() != dns.rcode.NOERROR:
    print(dns.rcode.to_text(r.rcode()))
for rrset in r.answer:
    for rd in rrset:
        print("|".join(s.decode() for s in rd.strings))
' "$1" "$DNSPORT")
	[ "$have" = "$2" ] || {
		echo "  served: $have"
		echo "  want:   $2"
		return 1
	}
}

echo "# stand-in for Cloudflare: the real API is not reachable from here"
N=s1._domainkey.mail.example.com.
R=/zones/zone\(example.com\)/dns_records
Q="type=TXT&name=s1._domainkey.mail.example.com&per_page=5000&page=1"
B=bearer:ok
hook publish $N
expect "publish: the zone found by name, the record created" 0 \
    "GET /zones?name=_domainkey.mail.example.com $B 200
GET /zones?name=mail.example.com $B 200
GET /zones?name=example.com $B 200
GET $R?$Q $B 200
POST $R $B 200"
check "the record is TXT, the name without the dot, content as quoted strings" \
    "$PY" -c '
import json, sys
body = json.loads(open(sys.argv[1]).readlines()[-1])["body"]
want = {"type": "TXT", "name": "s1._domainkey.mail.example.com",
        "content": sys.argv[2], "ttl": 300}
assert json.loads(body) == want, body
' "$T/last.jsonl" "$VALUE"
check "DNS serves the value" served $N \
    "v=DKIM1; k=rsa; |p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
cp "$S/state.json" "$T/state.1"
hook publish $N DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$ZCOM"
expect "publish again, the zone id configured: found as it is, nothing sent" \
    0 "GET $R?$Q $B 200"
check "  the same state" cmp -s "$S/state.json" "$T/state.1"
hook revoke $N DKIMKEYS_TXT_STRINGS="$REVOKED"
expect "revoke replaces the record (PUT)" 0 \
    "GET /zones?name=_domainkey.mail.example.com $B 200
GET /zones?name=mail.example.com $B 200
GET /zones?name=example.com $B 200
GET $R?$Q $B 200
PUT $R/ID $B 200"
check "DNS serves the revocation" served $N "v=DKIM1; k=rsa; |p="
hook withdraw $N DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$ZCOM"
expect "withdraw deletes the record" 0 "GET $R?$Q $B 200
DELETE $R/ID $B 200"
check "DNS no longer serves it" served $N NXDOMAIN
hook withdraw $N DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$ZCOM"
expect "withdraw again: nothing to delete, success" 0 "GET $R?$Q $B 200"
hook publish $N DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$ZCOM"
hook publish $N DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$ZCOM"
check "publish twice holds one record" "$PY" -c '
import json, sys
recs = json.load(open(sys.argv[1]))["example.com"].values()
assert len(recs) == 1, recs
' "$S/state.json"
requests

check "curl ran with its config file from the private folder" \
    grep -q "^$T/tmp/cloudflare\.[A-Za-z0-9_]*/curl.conf$" "$T/children.log"
check "the token is not in curl's argv or environment" \
    sh -c "! grep -qF -e '$TOKEN' -e Bearer '$T/children.log'"

for ev in deploy retire destroy reveal no-such-event; do
	hook "$ev" $N
	expect "$ev exits 0 and calls nothing" 0 ""
done

# refused DESCRIPTION VAR=VALUE...: a publish that exits 1 with one line
# and sends nothing.
refused() {
	d=$1
	shift
	hook publish s2._domainkey.example.com. "$@"
	expect "$d: exit 1, nothing sent" 1 ""
	check "$d: one line" test "$(wc -l <"$T/hook.out")" -eq 1
}
LONG=$(printf '%0256d' 0)
refused "a string over 255 octets" DKIMKEYS_TXT_STRINGS="\"p=$LONG\""
refused "content that is not quoted strings" DKIMKEYS_TXT_STRINGS='p=x'
refused "a record name with a quote" DKIMKEYS_RECORD_NAME='a"b._domainkey.x.'
refused "no token file" DKIMKEYS_HOOK_CLOUDFLARE_API_TOKEN_FILE=
refused "an http:// API base not on loopback" \
    DKIMKEYS_HOOK_CLOUDFLARE_API_BASE=http://api.cloudflare.com/client/v4
refused "a zone id that is not one" DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID='x&y'
check "the stand-in too refuses a string over 255 octets" sh -c "
curl -s --cacert '$T/ca.pem' -H 'Authorization: Bearer $TOKEN' \
    -H 'Content-Type: application/json' -o '$T/long.json' \
    --data-binary '{\"type\":\"TXT\",\"name\":\"x.example.com\",\"ttl\":300,\"content\":\"\\\"p=$LONG\\\"\"}' \
    '$API/zones/$ZCOM/dns_records' &&
grep -q 'longer than 255' '$T/long.json'"
requests

Z="DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID=$ZCOM"
echo 503 >"$S/fail"
hook publish $N "$Z"
rm -f "$S/fail"
expect "503 from Cloudflare exits 75" 75 "GET $R?$Q none 503"
echo 429 >"$S/fail"
hook withdraw $N "$Z"
rm -f "$S/fail"
expect "429 from Cloudflare exits 75" 75 "GET $R?$Q none 429"
hook publish $N "$Z" \
    DKIMKEYS_HOOK_CLOUDFLARE_API_BASE="https://127.0.0.1:$DEAD_PORT/client/v4"
expect "no server exits 75" 75 ""
hook publish $N "$Z" DKIMKEYS_HOOK_CLOUDFLARE_API_TOKEN_FILE=wrong.token
expect "a wrong token exits 1" 1 "GET $R?$Q bearer:bad 403"
check "  with Cloudflare's message, in one line" \
    sh -c "grep -q 'Invalid access token' '$T/hook.out' &&
        test \$(wc -l <'$T/hook.out') -eq 1"
hook publish $N "$Z" DKIMKEYS_HOOK_CLOUDFLARE_CA_FILE=
expect "a server the system CAs do not know exits 1, nothing served" 1 ""
# a server that takes the connection and never answers: SIGTERM, as
# dkimkeys sends at hook_timeout, still removes the private folder
HANG_PORT=$(free_port)
"$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(60)
' "$HANG_PORT" &
HANG_PID=$!
PIDS="$PIDS $HANG_PID"
sleep 0.3
(hookcmd publish $N "$Z" \
    DKIMKEYS_HOOK_CLOUDFLARE_API_BASE="https://127.0.0.1:$HANG_PORT/client/v4") \
    </dev/null >"$T/hook.out" 2>&1 &
hpid=$!
sleep 1
# the curl the hook started, by the hook's pid
cpid=$(cat "/proc/$hpid/task/$hpid/children" 2>/dev/null)
check "a hook waiting on Cloudflare holds its private folder, curl runs" \
    sh -c "test -n \"\$(ls -A '$T/tmp')\" && test -n '$cpid'"
kill -TERM "$hpid"
wait "$hpid"
rc=$?
kill "$HANG_PID"
check "SIGTERM: the hook exits 1, its private folder removed" \
    sh -c "test $rc -eq 1 && test -z \"\$(ls -A '$T/tmp')\""
check "  and its curl is gone" sh -c "! kill -0 ${cpid:-0} 2>/dev/null"
hook publish s3._domainkey.example.com. "$Z" DKIMKEYS_SIMULATED=1
expect "simulated time without hook.allow_simulated calls nothing" 0 ""

# Batch: 12 domains under example.net, 12 under example.org, shop.example.
lines() {
	for d in $(seq 1 12 | sed 's/^/d/;s/$/.example.net/') \
	    $(seq 1 12 | sed 's/^/d/;s/$/.example.org/') shop.example; do
		printf '{"event": "%s", "record_name": "b1._domainkey.%s.", ' \
		    "$1" "$d"
		printf '"domain": "%s", "selector": "b1", "ttl": 600, ' "$d"
		printf '"txt": "v=DKIM1; k=ed25519; p=%s", ' "$2"
		printf '"txt_strings": ["v=DKIM1; k=ed25519; ", "p=%s"]}\n' "$2"
	done
}
P=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
ZN=/zones/zone\(example.net\)/dns_records
ZO=/zones/zone\(example.org\)/dns_records
ZS=/zones/zone\(shop.example\)/dns_records
LQ="type=TXT&per_page=5000&page=1"
# answers N: the hook answered "ok" for exactly the N keys
answers() {
	test "$(grep -c '^ok b1\._domainkey\.' "$T/hook.out")" -eq "$1" &&
	    test "$(grep -vc '^ok ' "$T/hook.out")" -eq 0
}
ZL="GET /zones?per_page=50&page=1 $B 200
GET /zones?per_page=50&page=2 $B 200"
lines publish "$P" | batch publish
expect "batch publish: the zones, then one list and one batch per zone" 0 \
    "$ZL
GET $ZN?$LQ $B 200
POST $ZN/batch $B 200
GET $ZO?$LQ $B 200
POST $ZO/batch $B 200
GET $ZS?$LQ $B 200
POST $ZS/batch $B 200"
check "  ok for every key" answers 25
check "  DNS serves them" served b1._domainkey.d7.example.org. \
    "v=DKIM1; k=ed25519; |p=$P"
check "  the batch posts the records as documented" "$PY" -c '
import json, sys
b = json.loads([r for r in map(json.loads, open(sys.argv[1]))
                if r["method"] == "POST"][0]["body"])
assert set(b) == {"posts"} and len(b["posts"]) == 12, b
assert b["posts"][0] == {"type": "TXT", "ttl": 600,
    "name": "b1._domainkey.d1.example.net",
    "content": "\"v=DKIM1; k=ed25519; \" \"p=%s\"" % sys.argv[2]}, b
' "$T/last.jsonl" "$P"
lines publish "$P" | batch publish
expect "batch publish again: lists only, no batch" 0 \
    "$ZL
GET $ZN?$LQ $B 200
GET $ZO?$LQ $B 200
GET $ZS?$LQ $B 200"
check "  ok for every key" answers 25
lines revoke "" | batch revoke DKIMKEYS_HOOK_CLOUDFLARE_ZONE_ID="$(zid example.net)"
check "batch revoke in one configured zone: the others' keys fail" \
    test "$(grep -c '^fail .*example\.org\.\|^fail .*shop' "$T/hook.out")" -eq 13
requests
check "  the zone, one list, one batch of 12 puts" "$PY" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["method"] for x in r] == ["GET", "GET", "POST"], r
b = json.loads(r[2]["body"])
assert set(b) == {"puts"} and len(b["puts"]) == 12, b
' "$T/last.jsonl"
check "  DNS serves the revocation" served b1._domainkey.d3.example.net. \
    "v=DKIM1; k=ed25519; |p="
lines withdraw "" | batch withdraw
expect "batch withdraw: one list and one batch of deletes per zone" 0 \
    "$ZL
GET $ZN?$LQ $B 200
POST $ZN/batch $B 200
GET $ZO?$LQ $B 200
POST $ZO/batch $B 200
GET $ZS?$LQ $B 200
POST $ZS/batch $B 200"
check "  ok for every key" answers 25
check "  DNS serves none of them" served b1._domainkey.d3.example.net. NXDOMAIN
lines withdraw "" | batch withdraw
expect "batch withdraw again: lists only" 0 \
    "$ZL
GET $ZN?$LQ $B 200
GET $ZO?$LQ $B 200
GET $ZS?$LQ $B 200"
check "  ok for every key" answers 25
lines reveal "" | batch reveal
expect "batch reveal: not handled, ok for every key, nothing sent" 0 ""
check "  ok for every key" answers 25

# 60 zones of one key each: one batch request each
seq 1 60 | awk -v p="$P" '{ printf "{\"record_name\": \"k._domainkey.z%d.example.\", \"ttl\": 300, \"txt_strings\": [\"p=%s\"]}\n", $1, p }' |
    batch publish
requests
check "60 zones: two pages of zones, then one list and one batch per zone" \
    test "$(echo "$got" | cut -d' ' -f1,2 | sed 's/zone(z[0-9]*\.example)/Z/' |
        sort | uniq -c | awk '{ printf "%s %s %s;", $1, $2, $3 }')" = \
    "60 GET /zones/Z/dns_records?type=TXT&per_page=5000&page=1;1 GET /zones?per_page=50&page=1;1 GET /zones?per_page=50&page=2;60 POST /zones/Z/dns_records/batch;"
check "  ok for every key" test "$(grep -c '^ok k._domainkey.z' "$T/hook.out")" -eq 60
check "  DNS serves the last zone's" served k._domainkey.z60.example. "p=$P"

# 450 keys in one zone: three batches (200, 200, 50).
seq 1 450 | awk -v p="$P" '{ printf "{\"record_name\": \"k%d._domainkey.example.com.\", \"ttl\": 300, \"txt_strings\": [\"v=DKIM1; k=ed25519; \", \"p=%s\"]}\n", $1, p }' |
    batch publish "$Z"
requests
check "450 keys in one zone: three batch requests of at most 200" \
    test "$(echo "$got" | grep -c "^POST $R/batch $B 200$")" -eq 3
check "  ok for every key" test "$(grep -c '^ok k' "$T/hook.out")" -eq 450
# one of 3 keys refused by Cloudflare (a TTL it does not take): the batch
# is refused whole, then each key alone; only that key fails
printf '%s\n' '{"record_name": "x1._domainkey.shop.example.", "ttl": 300, "txt_strings": ["p=a"]}' \
    '{"record_name": "x2._domainkey.shop.example.", "ttl": 5, "txt_strings": ["p=b"]}' \
    '{"record_name": "x3._domainkey.shop.example.", "ttl": 300, "txt_strings": ["p=c"]}' |
    batch publish
requests
check "a refused batch is retried key by key: only the bad key fails" \
    sh -c "grep -qx 'ok x1._domainkey.shop.example.' '$T/hook.out' &&
        grep -qx 'ok x3._domainkey.shop.example.' '$T/hook.out' &&
        grep -q '^fail x2._domainkey.shop.example. .*Invalid TTL' '$T/hook.out'"
check "  the batch was refused, then three POSTs" test "$(echo "$got" |
    grep -c "^POST $ZS")" -eq 4
# a zone the token may not touch: its keys fail, the others are done
cp "$S/config.json" "$T/config.saved"
"$PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["denied"] = ["example.org"]
json.dump(c, open(sys.argv[1], "w"))
' "$S/config.json"
kill "$STANDIN_PID"
wait "$STANDIN_PID" 2>/dev/null
start_standin
lines publish "$P" | batch publish
check "a zone the token may not read: its keys fail, the others' are ok" \
    sh -c "test \$(grep -c '^fail b1._domainkey.d[0-9]*.example.org. .*HTTP 403: Authentication error' '$T/hook.out') -eq 12 &&
        test \$(grep -c '^ok ' '$T/hook.out') -eq 13"
cp "$T/config.saved" "$S/config.json"
kill "$STANDIN_PID"
wait "$STANDIN_PID" 2>/dev/null
start_standin
check "the token is still in no child's argv or environment" \
    sh -c "! grep -qF -e '$TOKEN' -e Bearer '$T/children.log'"
check "the temporary folders are gone" test -z "$(ls -A "$T/tmp")"

# Through dkimkeys: verify_dns = yes against what the stand-in serves.
mkdir -p "$T/hooks"
cp "$HOOK" "$T/hooks/"
chmod 755 "$T/hooks/cloudflare"
cp "$T/ca.pem" "$T/cfca.pem"
printf 'shop.example\nd1.example.org\nd2.example.org\n' >"$T/customers.txt"
setup 'cloudflare passphrase' <<CONF
hook.allow_simulated = yes
hook.cloudflare_api_token_file = cloudflare.token
hook.cloudflare_api_base = $API
hook.cloudflare_ca_file = cfca.pem
resolver = 127.0.0.1:$DNSPORT

[vendor:mail]
domain = mail.example.com
selector = m%Y%m%d%a
algorithms = rsa-2048 ed25519
rotate_every = 4d
publish_ahead = 12h
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = yes
hooks = hooks/cloudflare

[vendor:customers]
domains_file = customers.txt
selector = c%Y%m%d%a
algorithms = ed25519
rotate_every = 4d
publish_ahead = 12h
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = yes
batch_hooks = hooks/cloudflare
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$base"
bad=0 h=0
while [ $h -le 240 ]; do
	DKIMKEYS_NOW=$((base + h * 3600)) dk -q rotate >>"$T/rotate.out" 2>&1 ||
	    bad=$((bad + 1))
	h=$((h + 12))
done
check "ten days of rotate runs every 12 h exit 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -n 5 "$T/rotate.out"
now=$((base + 240 * 3600))
DKIMKEYS_NOW=$now dk list --json >"$T/list.json" 2>/dev/null
DKIMKEYS_NOW=$now dk txt --format json >"$T/txt.json" 2>/dev/null
check "keys became active through verify_dns, were retired and withdrawn" \
    "$PY" -c '
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
for v in ("mail", "customers/shop.example", "customers/d1.example.org"):
    st = {k["state"] for k in keys if k["vendor"] == v}
    assert "active" in st and st & {"withdrawn", "destroyed"}, (v, st)
' "$T/list.json"
check "the token is in no log" sh -c "! grep -rqF '$TOKEN' '$T/rotate.out' \
    '$T/hook.out' '$T/hook.err'"
check "DNS serves exactly what dkimkeys txt prints, string by string" \
    "$PY" -c '
import json, sys, dns.message, dns.query, dns.rcode
want = {r["name"]: r["strings"] for r in json.load(open(sys.argv[1]))}
held = json.load(open(sys.argv[2]))
# the records of the keys of this run: selectors m2026... and c2026...
names = {r["name"] + "." for z in held.values() for r in z.values()
         if r["name"].startswith(("m2026", "c2026"))}
assert names == set(want), sorted(names ^ set(want))
for n, strings in want.items():
    q = dns.message.make_query(n, "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[3]), timeout=3)
    got = [[s.decode() for s in rd.strings] for rrs in r.answer for rd in rrs]
    assert got == [strings], (n, got, strings)
' "$T/txt.json" "$S/state.json" "$DNSPORT"

finish
