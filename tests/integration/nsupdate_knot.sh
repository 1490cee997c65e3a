#!/bin/sh
# The zone and nsupdate text of tests/golden/dnsrec/ (which check_dnsrec
# compares byte for byte with dnsrec_write) against real servers and tools:
#  - Knot DNS (knotd) loads the zone-format records and serves exactly the
#    strings and TTL the JSON golden file lists;
#  - BIND's nsupdate accepts the nsupdate text as it is (with only a
#    "server" line and a TSIG key in front, the zones found by nsupdate
#    itself), replacing an older TXT set, across two zones;
#  - the same with a "zone" line given by the caller.
# knotd runs on a free loopback port in the private folder $T and is
# stopped, and $T removed, on every exit path.
. "$(dirname "$0")/lib.sh"
GOLDEN=$ROOT/tests/golden/dnsrec
KNOT_PID=

cleanup() {
	if [ -n "$KNOT_PID" ]; then
		kill "$KNOT_PID" 2>/dev/null
		wait "$KNOT_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for tool in knotd keymgr kdig nsupdate; do
	command -v "$tool" >/dev/null 2>&1 ||
	    [ -x "/usr/sbin/$tool" ] || {
		echo "$tool not installed (make deps)"
		exit 1
	}
done
PATH=$PATH:/usr/sbin

# A port free for both UDP and TCP on 127.0.0.1.
PORT=$("$PY" -c '
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        u.close(); t.close()
    print(p); break
')
[ -n "$PORT" ] || { echo "no free port"; exit 1; }

# The TSIG key, for knotd (YAML) and nsupdate (named.conf syntax).
SECRET=$(keymgr -t dkimkeys-test hmac-sha256 | sed -n 's/^ *secret: //p')
[ -n "$SECRET" ] || { echo "keymgr -t gave no secret"; exit 1; }
printf 'key "dkimkeys-test" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
    "$SECRET" >"$T/tsig.key"

mkdir "$T/zones" "$T/run" "$T/db"
zone_head() {
	printf '$ORIGIN %s\n$TTL 3600\n' "$1"
	printf '@ SOA ns1.example.com. hostmaster.example.com. %s\n' \
	    '1 3600 600 86400 300'
	printf '@ NS ns1.example.com.\n'
}
{
	zone_head example.com.
	printf 'ns1 A 127.0.0.1\n'
	cat "$GOLDEN/rsa1024.zone" "$GOLDEN/rsa2048.zone" \
	    "$GOLDEN/rsa4096.zone" "$GOLDEN/ed25519.zone" \
	    "$GOLDEN/revoked.zone"
} >"$T/zones/example.com.zone"
{
	zone_head example.net.
	cat "$GOLDEN/testing.zone"
} >"$T/zones/example.net.zone"

cat >"$T/knot.conf" <<EOF
server:
    rundir: "$T/run"
    listen: 127.0.0.1@$PORT
log:
  - target: stderr
    any: error
key:
  - id: dkimkeys-test
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: update
    address: 127.0.0.1
    key: dkimkeys-test
    action: update
template:
  - id: default
    storage: "$T/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
database:
    storage: "$T/db"
zone:
  - domain: example.com.
    acl: update
  - domain: example.net.
    acl: update
EOF

knotd -c "$T/knot.conf" -s "$T/run/knot.sock" 2>"$T/knotd.err" &
KNOT_PID=$!

# Wait (up to 10 s) until both zones are served.
i=0
until kdig @127.0.0.1 -p "$PORT" +short +time=1 +retry=0 SOA example.net. \
    2>/dev/null | grep -q hostmaster &&
    kdig @127.0.0.1 -p "$PORT" +short +time=1 +retry=0 SOA example.com. \
    2>/dev/null | grep -q hostmaster; do
	i=$((i + 1))
	if [ "$i" -ge 50 ] || ! kill -0 "$KNOT_PID" 2>/dev/null; then
		echo "knotd did not start:"
		sed 's/^/  /' "$T/knotd.err"
		exit 1
	fi
	sleep 0.2
done

# served JSON [NAME]: every record of the JSON golden file (or only NAME)
# is served as exactly one TXT record with that TTL and those strings.
served() {
	"$PY" - "$1" "$PORT" "${2:-}" <<'PY'
import json, re, subprocess, sys
recs = json.load(open(sys.argv[1]))
bad = 0
for r in recs:
    if sys.argv[3] and r["name"] != sys.argv[3]:
        continue
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", sys.argv[2],
        "+noall", "+answer", "+time=2", "+retry=1", r["name"], "TXT"],
        capture_output=True, text=True).stdout
    rrs = [l.split(None, 4) for l in out.splitlines() if l.strip()]
    want = [[r["name"], str(r["ttl"]), "IN", "TXT",
        " ".join('"%s"' % s for s in r["strings"])]]
    if rrs != want:
        bad += 1
        print("  %s: got %r, want %r" % (r["name"], rrs, want))
sys.exit(1 if bad else 0)
PY
}

# nsupd FILE...: feeds "server" and the files to nsupdate with the key.
nsupd() {
	{
		printf 'server 127.0.0.1 %s\n' "$PORT"
		cat "$@"
	} | nsupdate -k "$T/tsig.key" -t 5 >"$T/nsupdate.out" 2>&1 || {
		sed 's/^/  nsupdate: /' "$T/nsupdate.out"
		return 1
	}
}

check "knotd serves the zone-format records as the JSON lists them" \
    served "$GOLDEN/all.json"

# Replace every record with a set of two stale ones, so the golden text
# must delete a whole TXT set, not just add to it.
"$PY" - "$GOLDEN/all.json" >"$T/stale.nsupdate" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    print("update delete %s TXT" % r["name"])
    print('update add %s 60 TXT "stale one"' % r["name"])
    print('update add %s 60 TXT "stale" "two"' % r["name"])
    print("send")
PY
if nsupd "$T/stale.nsupdate" && ! served "$GOLDEN/all.json" >/dev/null; then
	ok "stale records replace the served ones"
else
	not_ok "stale records replace the served ones"
fi

check "nsupdate accepts the nsupdate text across two zones" \
    nsupd "$GOLDEN/all.nsupdate"
check "the updated records are served as the JSON lists them" \
    served "$GOLDEN/all.json"

NAME=t202611e._domainkey.example.net.
printf 'update delete %s TXT\nupdate add %s 60 TXT "stale"\nsend\n' \
    "$NAME" "$NAME" >"$T/stale1.nsupdate"
printf 'zone example.net.\n' >"$T/zone.line"
if nsupd "$T/stale1.nsupdate" && nsupd "$T/zone.line" \
    "$GOLDEN/testing.nsupdate" && served "$GOLDEN/testing.json" "$NAME"; then
	ok "nsupdate accepts the text after a zone line"
else
	not_ok "nsupdate accepts the text after a zone line"
fi

finish
