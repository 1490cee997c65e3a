#!/bin/sh
# hooks/reveal-dir driven by dkimkeys itself: a vendor with reveal = yes
# and both algorithms, its records kept in Knot DNS on loopback by
# hooks/nsupdate (reveal needs verify_dns = yes), rotated every 12 hours
# of a simulated fortnight (hook.allow_simulated = yes). Each key that is
# destroyed appears in hook.reveal_dir as a 0644 PEM whose public half is
# the p= of the record `dkimkeys txt` printed for it while it was live,
# listed in index.txt with its fingerprint and URL; nothing is written
# before the first reveal nor for live keys. Then the hook run directly,
# as dkimkeys runs it: reveal again (same files), every other event and
# an unknown one (exit 0, nothing written), and refusals (exit 1, one
# line, nothing written).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/knot.inc
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1
need openssl

knot_primary example.test
mkdir -p hooks rec www
cp "$ROOT/hooks/nsupdate" "$ROOT/hooks/reveal-dir" \
    "$ROOT/tests/data/hooks/recorder" hooks/
chmod 755 hooks/*
URL=https://keys.example.test/dkim
setup 'reveal passphrase' <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = 2s
hook_timeout = 30s
hook.nsupdate_server = 127.0.0.1
hook.nsupdate_port = $PORT
hook.nsupdate_key = $TSIG
hook.nsupdate_zone = example.test
hook.record_dir = $T/rec
hook.allow_simulated = yes
hook.reveal_dir = www
hook.reveal_url = $URL/

[vendor:mta]
domain = mail.example.test
selector = r%n%a
algorithms = rsa-2048 ed25519
rotate_every = 4d
publish_ahead = 1d
generate_margin = 12h
overlap = 1d
revoke_for = 1d
ttl = 300
reveal = yes
hooks = hooks/nsupdate hooks/recorder hooks/reveal-dir
CONF
check "config" run 0 dk config-check
start=$(date -u -d 2026-02-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW="$start"
t=$start end=$((start + 14 * 86400)) bad=0 early=0
: >txt.all
while [ "$t" -le "$end" ]; do
	DKIMKEYS_NOW=$t "$DK" -c "$T/dkimkeys.conf" -q rotate >>out 2>>err ||
	    bad=$((bad + 1))
	# every record dkimkeys says DNS must hold, as it said it then
	DKIMKEYS_NOW=$t dk txt --format json >>txt.all 2>/dev/null
	echo >>txt.all
	if ! grep -q ' reveal ' rec/events 2>/dev/null &&
	    [ -n "$(ls -A www)" ]; then
		early=$((early + 1))
	fi
	t=$((t + 43200))
done
check "every run exits 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -5 err
check "nothing in reveal_dir before the first reveal" test $early -eq 0
DKIMKEYS_NOW=$end dk list --json >list.json 2>/dev/null

# The revealed files against the keystore, the records and the index.
check "each destroyed key revealed, nothing else; p= as dkimkeys txt printed" \
    "$PY" - "$URL" <<'PY'
import base64, json, os, stat, subprocess, sys
url = sys.argv[1]
keys = json.load(open("list.json"))["keys"]
gone = {k["selector"]: k for k in keys if k["state"] == "destroyed"}
live = {k["selector"] for k in keys if k["state"] != "destroyed"}
assert {k["algorithm"] for k in gone.values()} == {"rsa", "ed25519"}, gone
assert live, keys
# p= of every record txt printed, by record name (values never change)
printed = {}
for doc in open("txt.all").read().split("\n\n"):
    if doc.strip():
        for r in json.loads(doc):
            v = "".join(r["strings"])
            if v.endswith("p="):
                continue
            printed[r["name"].rstrip(".")] = v.split("p=", 1)[1]
pems = sorted(f for f in os.listdir("www") if f.endswith(".pem"))
want = sorted(s + "._domainkey.mail.example.test.pem" for s in gone)
assert pems == want, (pems, want)
assert set(os.listdir("www")) == set(pems) | {"index.txt"}, os.listdir("www")
for f in pems + ["index.txt"]:
    m = stat.S_IMODE(os.stat("www/" + f).st_mode)
    assert m == 0o644, (f, oct(m))
index = [l.split() for l in open("www/index.txt") if not l.startswith("#")]
assert len(index) == len(gone), index
for f in pems:
    sel = f.split(".")[0]
    k = gone[sel]
    der = subprocess.run(["openssl", "pkey", "-in", "www/" + f, "-pubout",
                          "-outform", "DER"], capture_output=True,
                         check=True).stdout
    if k["algorithm"] == "ed25519":
        der = der[-32:]
    name = f[:-len(".pem")]
    assert base64.b64encode(der).decode() == printed[name], f
    line = [l for l in index if l[2] == sel]
    assert len(line) == 1, (sel, index)
    d, dom, s, fp, u = line[0]
    assert dom == "mail.example.test" and fp == k["fingerprint"], line
    assert u == url + "/" + f, (u, url)
    assert d.startswith("2026-02-") and d.endswith("Z"), d
PY
grep ' reveal ' rec/events | head -n 1 >first.reveal
read -r RNOW _ RNAME _ RALG RFP _ <first.reveal
RSEL=${RNAME%%.*}
PEM=www/${RNAME%.}.pem
check "a reveal was recorded and its file is there" test -f "$PEM"

# hook EVENT [VAR=VALUE...] <STDIN: the reveal-dir hook run as dkimkeys
# runs it, for the first revealed key; status in $rc, output in hook.out.
hook() {
	ev=$1
	shift
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME=/ LANG=C.UTF-8 DKIMKEYS_CONFIG="$CONF" \
	    DKIMKEYS_HOOK_PROTOCOL=1 DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_EVENT_ID=test-1 DKIMKEYS_VENDOR=mta \
	    DKIMKEYS_DOMAIN=mail.example.test DKIMKEYS_SELECTOR="$RSEL" \
	    DKIMKEYS_RECORD_NAME="$RNAME" DKIMKEYS_ALGORITHM="$RALG" \
	    DKIMKEYS_FINGERPRINT="$RFP" DKIMKEYS_NOW="$RNOW" \
	    DKIMKEYS_TTL=300 DKIMKEYS_KEY_FORMAT=pkcs8-pem \
	    DKIMKEYS_SIMULATED=1 DKIMKEYS_HOOK_ALLOW_SIMULATED=yes \
	    DKIMKEYS_HOOK_REVEAL_DIR=www DKIMKEYS_HOOK_REVEAL_URL="$URL" \
	    "$@" "$T/hooks/reveal-dir" "$ev") >hook.out 2>&1
	rc=$?
}
# same DESCRIPTION STATUS [LINES]: the last hook exited STATUS, www is as
# it was before it (snapshot in www.before) and, with LINES, its output
# was that many lines.
same() {
	snapshot www >www.after
	if [ "$rc" -eq "$2" ] && cmp -s www.before www.after &&
	    { [ -z "${3:-}" ] || [ "$(wc -l <hook.out)" -eq "$3" ]; }; then
		ok "$1"
	else
		not_ok "$1"
		echo "  exit $rc, want $2"
		diff www.before www.after | sed 's/^/  /'
		sed 's/^/  hook: /' hook.out
	fi
}
snapshot www >www.before

hook reveal <"$PEM"
same "reveal again: exit 0, the same files byte for byte" 0
hook reveal DKIMKEYS_NOW=2027-01-01T00:00:00Z <"$PEM"
same "reveal again a year later: the index keeps the first date" 0
for ev in publish deploy retire revoke withdraw destroy no-such-event; do
	hook "$ev" <"$PEM"
	same "$ev exits 0 and writes nothing" 0 0
done
hook reveal DKIMKEYS_HOOK_ALLOW_SIMULATED= <"$PEM"
same "simulated time without hook.allow_simulated: exit 0, nothing written" 0

openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
hook reveal <other.pem
same "another key than DKIMKEYS_FINGERPRINT is refused in one line" 1 1
hook reveal DKIMKEYS_SELECTOR=x <other.pem
same "  also under a new name" 1 1
OFP=sha256:$(openssl pkey -in other.pem -pubout -outform DER |
    tail -c 32 | sha256sum | cut -c 1-64)
hook reveal DKIMKEYS_ALGORITHM=ed25519 DKIMKEYS_FINGERPRINT="$OFP" <other.pem
same "another key under a name already published is refused in one line" 1 1
check "  saying so" grep -q "holds another key" hook.out
hook reveal DKIMKEYS_SELECTOR=../x <"$PEM"
same "a selector that is not a DNS label is refused in one line" 1 1
hook reveal DKIMKEYS_DOMAIN='mail.example.test
x' <"$PEM"
same "a domain with a line break is refused in one line" 1 1
hook reveal DKIMKEYS_HOOK_REVEAL_URL='https://x/a b' <"$PEM"
same "a reveal_url with a space is refused in one line" 1 1
hook reveal DKIMKEYS_HOOK_REVEAL_DIR="$T/nowhere" <"$PEM"
same "a missing reveal_dir is refused in one line" 1 1
hook reveal DKIMKEYS_HOOK_REVEAL_DIR= <"$PEM"
same "no reveal_dir is refused in one line" 1 1
printf 'not a key\n' >junk
hook reveal <junk
same "standard input that is not a PKCS#8 PEM is refused in one line" 1 1

# the same key under a new selector: a new file and index line, the old
# ones kept; no temporary file left behind
before=$(grep -c '^2026-' www/index.txt)
hook reveal DKIMKEYS_SELECTOR=zz DKIMKEYS_NOW=2027-01-01T00:00:00Z <"$PEM"
check "reveal of a new name exits 0" test "$rc" -eq 0
check "  writes its file, the same key" \
    cmp -s "$PEM" www/zz._domainkey.mail.example.test.pem
check "  and adds its index line, sorted last" test "$(tail -n 1 www/index.txt)" \
    = "2027-01-01T00:00:00Z mail.example.test zz $RFP $URL/zz._domainkey.mail.example.test.pem"
check "  keeping the others" test "$(grep -c '^2026-' www/index.txt)" -eq "$before"
check "  and leaves no temporary file" \
    test -z "$(find www -name '.*' ! -name . | head -n 1)"
finish
