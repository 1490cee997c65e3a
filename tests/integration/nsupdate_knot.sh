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
. "$(dirname "$0")/knot.inc"
GOLDEN=$ROOT/tests/golden/dnsrec

mkdir -p "$T/knot/zones"
{
	soa example.com.
	printf 'ns1 A 127.0.0.1\n'
	cat "$GOLDEN/rsa1024.zone" "$GOLDEN/rsa2048.zone" \
	    "$GOLDEN/rsa4096.zone" "$GOLDEN/ed25519.zone" \
	    "$GOLDEN/revoked.zone"
} >"$T/knot/zones/example.com.zone"
{
	soa example.net.
	cat "$GOLDEN/testing.zone"
} >"$T/knot/zones/example.net.zone"
# knotd with the TSIG key $T/tsig.key, for nsupdate (named.conf syntax)
knot_primary example.com example.net

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
	} | nsupdate -k "$TSIG" -t 5 >"$T/nsupdate.out" 2>&1 || {
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
