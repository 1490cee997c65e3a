#!/bin/sh
# hooks/powerdns against a real PowerDNS Authoritative Server (Debian's
# pdns_server with the sqlite3 backend, on loopback: powerdns.inc).
#  - dkimkeys drives it as a per-key hook on a simulated clock, with
#    verify_dns = yes and the resolver pointed at PowerDNS's DNS port: a
#    key is published, seen served, deployed, revoked and withdrawn; after
#    each event the hook, run again by hand with the same environment,
#    changes nothing (exit 0, one rrset, the same strings); what PowerDNS
#    serves equals `dkimkeys txt` string by string and joined.
#  - Run by hand: a name out of the configured zone is refused with
#    PowerDNS's 422 "error" text (exit 1, one line); a wrong API key exits
#    1; a loose key file, http:// to another host and a bad record name
#    exit 1 before any request; no server exits 75, and so do 503, 429
#    and 500 from a local stand-in for an overloaded PowerDNS (the real one
#    cannot be made to answer so); unknown events exit 0 with no request,
#    as does a simulated clock without allow_simulated.
#  - Through a TLS front (standin_core.serve_https, a test CA) forwarding
#    to PowerDNS: https:// with hook.powerdns_ca_file works; without it
#    the certificate is refused (exit 1).
#  - strace shows the hook starts no process and the API key is in no
#    argv or environment it was given.
#  - Batch: 1,000 domains published in one PATCH (PowerDNS's own request
#    log and the zone's SOA serial, which PowerDNS raises once per PATCH,
#    both count one), served, then withdrawn in one PATCH; 2,000 (over
#    the hook's 1 MB a body) in two; a batch over two zones takes two
#    PATCHes and answers ok/fail per key; with a configured zone,
#    PowerDNS's 422 for one out-of-zone rrset fails that key only and the
#    three others go in with a second PATCH. dkimkeys drives it as the
#    batch hook of a domains_file section: 6 keys in two zones, two
#    PATCHes, served as `dkimkeys txt` says, and seen by verify_dns.
# pdns_server is stopped, by pid, and $T removed, on every exit path.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/powerdns.inc
. "$(dirname "$0")/powerdns.inc"
need kdig strace openssl
cd "$T" || exit 1

pdns_start example.test sub.example.test bulk.test
mkdir hooks env
cp "$ROOT/hooks/powerdns" hooks/
# save: a hook keeping each event's DKIMKEYS_* variables, to run
# hooks/powerdns again by hand with exactly what dkimkeys gave it
cat >hooks/save <<EOF
#!/bin/sh
[ -e "$T/env/\$1" ] ||
    env | grep '^DKIMKEYS_' | sed "s/=\\(.*\\)/='\\1'/; s/^/export /" \\
    >"$T/env/\$1"
EOF
chmod 755 hooks/*

# served NAME: the TXT records PowerDNS serves at NAME as JSON (a list of
# records, each a list of strings), or NXDOMAIN / NODATA
served() {
	"$PY" - "$PDNS_PORT" "$1" <<'PY'
import json, sys
import dns.flags, dns.message, dns.query, dns.rcode, dns.rdatatype
q = dns.message.make_query(sys.argv[2], dns.rdatatype.TXT)
r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
if r.flags & dns.flags.TC:
    r = dns.query.tcp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
txts = [[s.decode() for s in rr.strings] for a in r.answer
        if a.rdtype == dns.rdatatype.TXT for rr in a]
if r.rcode() == dns.rcode.NXDOMAIN:
    print("NXDOMAIN")
else:
    print(json.dumps(txts) if txts else "NODATA")
PY
}

# as_txt NAME: what `dkimkeys txt --format json` says NAME must hold, in
# the form served prints (one record, its strings)
as_txt() {
	DKIMKEYS_NOW="$now" dk txt --format json 2>/dev/null | "$PY" -c '
import json, sys
doc = json.load(sys.stdin)
recs = doc if isinstance(doc, list) else doc.get("records", doc)
for r in recs:
    if r["name"].rstrip(".") == sys.argv[1].rstrip("."):
        print(json.dumps([r["strings"]]))
' "$1"
}

# same A B: true when A equals B, else shows both
same() {
	[ "$1" = "$2" ] && return 0
	printf '  got:  %s\n  want: %s\n' "$1" "$2" | cut -c1-300
	return 1
}

# rrsets ZONE: the number of TXT rrsets and records in ZONE, per the API
rrsets() {
	pdns_api GET "/zones/$1." | "$PY" -c '
import json, sys
z = json.load(sys.stdin)
t = [r for r in z["rrsets"] if r["type"] == "TXT"]
print(len(t), sum(len(r["records"]) for r in t))'
}

# patches_after N: the number of PATCH requests in PowerDNS's log, once
# it shows at least N (it is written just after each answer)
patches_after() {
	i=0
	while [ "$(pdns_requests PATCH)" -lt "$1" ] && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	pdns_requests PATCH
}

setup 'powerdns passphrase' <<CONF
resolver = 127.0.0.1:$PDNS_PORT
dns_timeout = 2s
hook_timeout = 30s
hook.powerdns_url = $PDNS_URL
hook.powerdns_api_key_file = pdns/api.key
hook.allow_simulated = yes

[vendor:mail]
domain = mail.sub.example.test
selector = s%Y%m%d%a
algorithms = rsa-2048
rotate_every = 30d
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
ttl = 300
verify_dns = yes
hooks = hooks/powerdns hooks/save
CONF
check "config" run 0 dk config-check
t0=$(date -u -d 2026-03-01T00:00:00Z +%s)
now=$t0
dkinit DKIMKEYS_NOW="$t0"

# per-key, driven by dkimkeys: publish
check "rotate publishes through PowerDNS" run 0 env DKIMKEYS_NOW="$now" \
    "$DK" -c "$CONF" rotate
KEY=$(grep '^export DKIMKEYS_RECORD_NAME=' env/publish | cut -d"'" -f2)
case $KEY in
*._domainkey.mail.sub.example.test.) ok "the key's name is $KEY" ;;
*) not_ok "no publish event reached the hook: '$KEY'"; finish; exit ;;
esac
expect=$(as_txt "$KEY")
check "dkimkeys txt gives a record of several strings" \
    "$PY" -c 'import json, sys
sys.exit(len(json.loads(sys.argv[1])[0]) < 3)' "$expect"
check "PowerDNS serves what dkimkeys txt says, string by string" \
    test "$(served "$KEY")" = "$expect"
check "... and joined" test "$(served "$KEY" | "$PY" -c '
import json, sys; print("".join(json.load(sys.stdin)[0]))')" = \
    "$(printf '%s' "$expect" | "$PY" -c '
import json, sys; print("".join(json.load(sys.stdin)[0]))')"
check "the rrset is in sub.example.test, the longest zone" \
    test "$(rrsets sub.example.test)" = "1 1"
check "... not in example.test" test "$(rrsets example.test)" = "0 0"
serial=$(pdns_serial sub.example.test)
check "publish again by hand: exit 0" \
    run 0 sh -c ". env/publish && exec hooks/powerdns publish"
check "... the same strings served" same "$(served "$KEY")" "$expect"
check "... still one rrset of one record" \
    test "$(rrsets sub.example.test)" = "1 1"
check "... through one more PATCH (serial $serial + 1)" \
    test "$(pdns_serial sub.example.test)" -eq $((serial + 1))

# verify_dns sees it at PowerDNS; deployed after publish_ahead
now=$((t0 + 43200))
check "rotate 12 h later exits 0" run 0 env DKIMKEYS_NOW="$now" \
    "$DK" -c "$CONF" rotate
DKIMKEYS_NOW="$now" dk log --json >audit.json 2>/dev/null
check "verify_dns saw the key served by PowerDNS" "$PY" -c '
import json, sys
key = sys.argv[1].rstrip(".")
sys.exit(not any(e.get("event") == "visible" and e["key"].rstrip(".") == key
                 for e in json.load(open("audit.json"))))' "$KEY"
now=$((t0 + 2 * 86400))
check "rotate after publish_ahead exits 0" run 0 env DKIMKEYS_NOW="$now" \
    "$DK" -c "$CONF" rotate
DKIMKEYS_NOW="$now" dk list --json >list.json 2>/dev/null
check "the key is active" "$PY" -c '
import json, sys
sys.exit(not any(k["key"].rstrip(".") == sys.argv[1].rstrip(".") and
                 k["state"] == "active"
                 for k in json.load(open("list.json"))["keys"]))' "$KEY"

# revoke: the empty p= served; twice
check "dkimkeys revoke runs the hook" run 0 env DKIMKEYS_NOW="$now" \
    "$DK" -c "$CONF" revoke "$KEY" --reason test
expect=$(as_txt "$KEY")
check "PowerDNS serves the revocation dkimkeys txt says" \
    test "$(served "$KEY")" = "$expect"
served "$KEY" >revoked.txt
check "... an empty p=" grep -q '"p="' revoked.txt
check "revoke again by hand: exit 0" \
    run 0 sh -c ". env/revoke && exec hooks/powerdns revoke"
check "... the same served" same "$(served "$KEY")" "$expect"

# withdraw: gone; twice
now=$((t0 + 3 * 86400))
check "rotate a day later sees the revocation served" run 0 \
    env DKIMKEYS_NOW="$now" "$DK" -c "$CONF" rotate
now=$((t0 + 4 * 86400 + 43200))
check "rotate after revoke_for withdraws" run 0 env DKIMKEYS_NOW="$now" \
    "$DK" -c "$CONF" rotate
check "withdraw reached the hook" test -s env/withdraw
check "PowerDNS answers NXDOMAIN for the withdrawn key" \
    test "$(served "$KEY")" = NXDOMAIN
check "withdraw again by hand: exit 0" \
    run 0 sh -c ". env/withdraw && exec hooks/powerdns withdraw"
check "... still NXDOMAIN" test "$(served "$KEY")" = NXDOMAIN

# By hand. base: the settings, with the key of a published record.
export DKIMKEYS_HOOK_POWERDNS_URL="$PDNS_URL"
export DKIMKEYS_HOOK_POWERDNS_API_KEY_FILE="$PDNS_KEY"
export DKIMKEYS_CONFIG="$CONF"
export DKIMKEYS_TTL=300
STRINGS=$(grep '^export DKIMKEYS_TXT_STRINGS=' env/publish | cut -d"'" -f2)
export DKIMKEYS_TXT_STRINGS="$STRINGS"
export DKIMKEYS_RECORD_NAME=x._domainkey.example.test.
patches=$(pdns_requests PATCH)
gets=$(pdns_requests GET)
OUT='422 RRset x\._domainkey\.elsewhere\.example\. IN TXT: Name is out of zone'
refuse 1 "^powerdns hook: .*$OUT\$" \
    "a name out of the configured zone: 422, PowerDNS's error, exit 1" \
    env DKIMKEYS_HOOK_POWERDNS_ZONE=example.test \
    DKIMKEYS_RECORD_NAME=x._domainkey.elsewhere.example. \
    hooks/powerdns publish
check "... that PATCH reached PowerDNS" \
    test "$(patches_after $((patches + 1)))" -eq $((patches + 1))
refuse 1 '^powerdns hook: .*no zone of server localhost holds it$' \
    "a name in none of the server's zones: exit 1" \
    env DKIMKEYS_RECORD_NAME=x._domainkey.elsewhere.example. \
    hooks/powerdns publish
(umask 077 && openssl rand -hex 20 >wrong.key)
refuse 1 '^powerdns hook: .*401' "a wrong API key: 401, exit 1" \
    env DKIMKEYS_HOOK_POWERDNS_API_KEY_FILE="$T/wrong.key" \
    hooks/powerdns publish
cp "$PDNS_KEY" loose.key && chmod 644 loose.key
gets=$(pdns_requests GET) patches=$(pdns_requests PATCH)
refuse 1 'mode 0644 is readable by others' "a key file of mode 0644: exit 1" \
    env DKIMKEYS_HOOK_POWERDNS_API_KEY_FILE="$T/loose.key" \
    hooks/powerdns publish
refuse 1 'http:// only to a loopback address' \
    "http:// to another host: exit 1" \
    env DKIMKEYS_HOOK_POWERDNS_URL=http://192.0.2.1:8081 \
    hooks/powerdns publish
refuse 1 'not a record name' "a record name with a space: exit 1" \
    env 'DKIMKEYS_RECORD_NAME=x y._domainkey.example.test.' \
    hooks/powerdns publish
refuse 1 'txt_strings are not' "strings with a backslash: exit 1" \
    env 'DKIMKEYS_TXT_STRINGS="v=DKIM1; k=rsa; " "p=a\"' \
    hooks/powerdns publish
check "deploy (not this hook's event): exit 0" run 0 hooks/powerdns deploy
check "a simulated clock without allow_simulated: exit 0" \
    run 0 env DKIMKEYS_SIMULATED=1 hooks/powerdns publish
sleep 0.3
check "... none of these 6 made a request" \
    test "$(pdns_requests GET) $(pdns_requests PATCH)" = "$gets $patches"
check "... nor published x._domainkey.example.test" \
    test "$(served x._domainkey.example.test)" = NXDOMAIN
dead=$(free_port)
refuse 75 'Connection refused; retrying at the next run' \
    "no server: exit 75" \
    env DKIMKEYS_HOOK_POWERDNS_URL="http://127.0.0.1:$dead" \
    hooks/powerdns publish

# A server answering 503, then 429, then 500 to everything: a stand-in
# for an overloaded PowerDNS (the real one cannot be made to answer so).
busy=$(free_port)
"$PY" - "$busy" >busy.ready 2>busy.err <<'PY' &
import http.server, sys
codes = [503, 429, 500]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = codes.pop(0) if len(codes) > 1 else codes[0]
        body = b'{"error": "busy"}'
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_PATCH = do_GET
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
PY
PIDS="$PIDS $!"
i=0
until grep -q ready busy.ready 2>/dev/null || [ $i -ge 50 ]; do
	i=$((i + 1))
	sleep 0.1
done
for code in 503 429 500; do
	refuse 75 "$code busy; retrying at the next run" \
	    "an answer $code: exit 75" \
	    env DKIMKEYS_HOOK_POWERDNS_URL="http://127.0.0.1:$busy" \
	    hooks/powerdns publish
done

# https://: PowerDNS's own webserver has no TLS, so operators put a TLS
# front before it; here standin_core.serve_https with a test CA forwards
# every request to the real PowerDNS and records it.
test_ca "$T"
tls=$(free_port)
"$PY" - "$tls" "$PDNS_URL" "$ROOT/tests/integration" >tls.ready \
    2>tls.err <<'PY' &
import sys, urllib.error, urllib.request
sys.path.insert(0, sys.argv[3])
import standin_core
def handle(req):
    fwd = urllib.request.Request(
        sys.argv[2] + req.path, data=req.body or None, method=req.method,
        headers={"X-API-Key": req.headers.get("x-api-key", ""),
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(fwd, timeout=10) as r:
            return r.status, {}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {}, e.read()
print("ready", flush=True)
standin_core.serve_https(int(sys.argv[1]), "srv.pem", "srv.key",
                         "tls.log", handle)
PY
PIDS="$PIDS $!"
i=0
until grep -q ready tls.ready 2>/dev/null || [ $i -ge 50 ]; do
	i=$((i + 1))
	sleep 0.1
done
check "https:// with hook.powerdns_ca_file: exit 0" \
    run 0 env DKIMKEYS_HOOK_POWERDNS_URL="https://127.0.0.1:$tls/" \
    DKIMKEYS_HOOK_POWERDNS_CA_FILE=ca.pem \
    DKIMKEYS_RECORD_NAME=tls._domainkey.example.test. \
    hooks/powerdns publish
check "... served by PowerDNS" \
    test "$(served tls._domainkey.example.test)" != NXDOMAIN
check "... the TLS front saw GET zones, then PATCH example.test." "$PY" -c '
import json, sys
reqs = [json.loads(l) for l in open("tls.log")]
want = [("GET", "/api/v1/servers/localhost/zones"),
        ("PATCH", "/api/v1/servers/localhost/zones/example.test.")]
got = [(r["method"], r["path"]) for r in reqs]
key = open(sys.argv[1]).read().strip()
sys.exit(got != want or any(r["headers"].get("x-api-key") != key
                            for r in reqs))' "$PDNS_KEY"
refuse 1 'does not verify \(unable to get local issuer certificate\)' \
    "https:// to a server the system does not trust: exit 1" \
    env DKIMKEYS_HOOK_POWERDNS_URL="https://127.0.0.1:$tls" \
    DKIMKEYS_RECORD_NAME=tls._domainkey.example.test. \
    hooks/powerdns withdraw
check "... no request reached the front" test "$(wc -l <tls.log)" -eq 2

# no process started, the key in no argv or environment
check "publish under strace: exit 0" run 0 strace -f -qq -v -s 100000 \
    -e trace=execve,execveat,fork,vfork -o strace.out \
    hooks/powerdns publish
check "... x._domainkey.example.test served" \
    test "$(served x._domainkey.example.test)" != NXDOMAIN
check "... one execve, the hook's own: it starts no process" \
    test "$(grep -c 'execve' strace.out) $(grep -c 'fork' strace.out)" = "1 0"
check "... the API key in no argv or environment" \
    sh -c "! grep -qF \"\$(cat '$PDNS_KEY')\" strace.out"
check "... (the trace does hold the hook's environment)" \
    grep -qF 'DKIMKEYS_HOOK_POWERDNS_API_KEY_FILE' strace.out
unset DKIMKEYS_RECORD_NAME DKIMKEYS_TTL DKIMKEYS_TXT_STRINGS

# batch: 1,000 domains, one PATCH
"$PY" - "$STRINGS" <<'PY'
import json, re, sys
strings = re.findall(r'"([^"]*)"', sys.argv[1])
names = ["b1._domainkey.d%04d.bulk.test." % i for i in range(1000)]
with open("bulk.in", "w") as f:
    for n in names:
        print(json.dumps({"protocol": 1, "event": "publish",
                          "record_name": n, "ttl": 300,
                          "txt_strings": strings}), file=f)
with open("bulk.want", "w") as f:
    f.writelines("ok %s\n" % n for n in sorted(names))
PY
serial=$(pdns_serial bulk.test)
patches=$(pdns_requests PATCH)
check "batch publish of 1,000 domains: exit 0" \
    run 0 hooks/powerdns publish <bulk.in
check "... ok for each of the 1,000, nothing else" \
    sh -c "sort '$T/out' | cmp -s - '$T/bulk.want'"
check "... in one PATCH (PowerDNS's log)" \
    test "$(patches_after $((patches + 1)))" -eq $((patches + 1))
check "... one PATCH (the SOA serial rose by one)" \
    test "$(pdns_serial bulk.test)" -eq $((serial + 1))
check "... 1,000 TXT rrsets in bulk.test" \
    test "$(rrsets bulk.test)" = "1000 1000"
expect=$(printf '%s' "$STRINGS" | "$PY" -c '
import json, re, sys
print(json.dumps([re.findall(r"\"([^\"]*)\"", sys.stdin.read())]))')
bad=0
for d in d0000 d0499 d0999; do
	[ "$(served "b1._domainkey.$d.bulk.test")" = "$expect" ] || bad=$((bad + 1))
done
check "... served as given (first, middle, last)" test $bad -eq 0
check "publish the same batch again: exit 0, all ok" \
    sh -c "hooks/powerdns publish <bulk.in | sort | cmp -s - bulk.want"
check "... still 1,000 rrsets of one record" \
    test "$(rrsets bulk.test)" = "1000 1000"
sed 's/"publish"/"withdraw"/' bulk.in >bulk.out
serial=$(pdns_serial bulk.test)
check "batch withdraw of 1,000: exit 0, all ok" \
    sh -c "hooks/powerdns withdraw <bulk.out | sort | cmp -s - bulk.want"
check "... in one PATCH (serial + 1)" \
    test "$(pdns_serial bulk.test)" -eq $((serial + 1))
check "... no TXT rrset left" test "$(rrsets bulk.test)" = "0 0"
check "... d0500 answers NXDOMAIN" \
    test "$(served b1._domainkey.d0500.bulk.test)" = NXDOMAIN
check "withdraw the same batch again: exit 0, all ok" \
    sh -c "hooks/powerdns withdraw <bulk.out | sort | cmp -s - bulk.want"

# 2,000 domains: over 1 MB, split in two PATCHes, and no more
"$PY" - "$STRINGS" <<'PY'
import json, re, sys
strings = re.findall(r'"([^"]*)"', sys.argv[1])
names = ["b2._domainkey.d%04d.bulk.test." % i for i in range(2000)]
with open("bulk2.in", "w") as f:
    for n in names:
        print(json.dumps({"record_name": n, "ttl": 300,
                          "txt_strings": strings}), file=f)
with open("bulk2.want", "w") as f:
    f.writelines("ok %s\n" % n for n in sorted(names))
PY
serial=$(pdns_serial bulk.test)
check "batch publish of 2,000 domains (1.1 MB): exit 0, all ok" \
    sh -c "hooks/powerdns publish <bulk2.in | sort | cmp -s - bulk2.want"
check "... in two PATCHes (serial + 2)" \
    test "$(pdns_serial bulk.test)" -eq $((serial + 2))
check "... 2,000 TXT rrsets in bulk.test" \
    test "$(rrsets bulk.test)" = "2000 2000"

# batch over two zones, one name in no zone, one bad line
line() {
	printf '{"record_name": "%s", "ttl": 300, ' "$1"
	printf '"txt_strings": ["v=DKIM1; k=ed25519; ", "p=%s"]}\n' "$2"
}
{
	line a._domainkey.example.test. AAAA
	line b._domainkey.example.test. BBBB
	line c._domainkey.mx.sub.example.test. CCCC
	line d._domainkey.nowhere.example. DDDD
	printf '{"record_name": "e._domainkey.example.test.", '
	printf '"ttl": "x", "txt_strings": []}\n'
} >mixed.in
patches=$(pdns_requests PATCH)
check "a batch over two zones with two bad keys: exit 1" \
    run 1 hooks/powerdns publish <mixed.in
check "... ok for the three good keys" test "$(grep -c '^ok ' out)" -eq 3
check "... fail for the name in no zone" \
    grep -q '^fail d._domainkey.nowhere.example. no zone' out
check "... fail for the bad ttl" \
    grep -q '^fail e._domainkey.example.test. ttl is not' out
check "... two PATCHes, one per zone" \
    test "$(patches_after $((patches + 2)))" -eq $((patches + 2))
check "... c served from sub.example.test" \
    test "$(served c._domainkey.mx.sub.example.test)" = \
    '[["v=DKIM1; k=ed25519; ", "p=CCCC"]]'
{
	line f._domainkey.example.test. FFFF
	line g._domainkey.example.test. GGGG
	line h._domainkey.out.example. HHHH
	line i._domainkey.example.test. IIII
} >refused.in
patches=$(pdns_requests PATCH)
check "with powerdns_zone, one out-of-zone name among four: exit 1" \
    run 1 env DKIMKEYS_HOOK_POWERDNS_ZONE=example.test \
    hooks/powerdns publish <refused.in
check "... two PATCHes: refused, then the three others" \
    test "$(patches_after $((patches + 2)))" -eq $((patches + 2))
check "... ok for the three others" test "$(grep -c '^ok ' out)" -eq 3
check "... fail for it with PowerDNS's 422 error" \
    grep -qx "fail h._domainkey.out.example. zone example.test.: 422 RRset \
h._domainkey.out.example. IN TXT: Name is out of zone" out
check "... the three others served" test \
    "$(served f._domainkey.example.test)$(served i._domainkey.example.test)" \
    = '[["v=DKIM1; k=ed25519; ", "p=FFFF"]][["v=DKIM1; k=ed25519; ", "p=IIII"]]'
check "a batch of an unknown event: exit 0, ok for each" \
    sh -c "hooks/powerdns destroy <refused.in | grep -c '^ok ' | grep -qx 4"
# batch, driven by dkimkeys: a domains_file section over two zones
mkdir esp
CONF=$T/esp/dkimkeys.conf
printf 'd1.bulk.test\nd2.bulk.test\nshop.example.test\n' >esp/customers.txt
setup 'batch passphrase' <<CONF
resolver = 127.0.0.1:$PDNS_PORT
dns_timeout = 2s
hook.powerdns_url = $PDNS_URL
hook.powerdns_api_key_file = ../pdns/api.key
hook.allow_simulated = yes

[vendor:customers]
domains_file = customers.txt
selector = k%Y%m%a
algorithms = rsa-2048 ed25519
publish_ahead = 1d
ttl = 300
verify_dns = yes
batch_hooks = ../hooks/powerdns
CONF
now=$t0
dkinit DKIMKEYS_NOW="$now"
patches=$(pdns_requests PATCH)
check "rotate publishes 6 keys through the batch hook" \
    run 0 env DKIMKEYS_NOW="$now" "$DK" -c "$CONF" rotate
check "... in two PATCHes, one per zone" \
    test "$(patches_after $((patches + 2)))" -eq $((patches + 2))
DKIMKEYS_NOW=$now dk txt --format json >esp/txt.json 2>/dev/null
bad=0 n=0
for name in $("$PY" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    print(r["name"])' esp/txt.json); do
	n=$((n + 1))
	expect=$("$PY" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["name"] == sys.argv[2]:
        print(json.dumps([r["strings"]]))' esp/txt.json "$name")
	same "$(served "$name")" "$expect" || bad=$((bad + 1))
done
check "... PowerDNS serves the $n records dkimkeys txt lists" \
    test "$n $bad" = "6 0"
now=$((t0 + 43200))
check "rotate 12 h later exits 0" \
    run 0 env DKIMKEYS_NOW="$now" "$DK" -c "$CONF" rotate
DKIMKEYS_NOW=$now dk log --json >esp/audit.json 2>/dev/null
check "... verify_dns saw all 6 served by PowerDNS" test "$("$PY" -c '
import json, sys
print(sum(e.get("event") == "visible"
          for e in json.load(open(sys.argv[1]))))' esp/audit.json)" -eq 6
finish
