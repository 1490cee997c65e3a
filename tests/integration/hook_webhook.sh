#!/bin/sh
# hooks/webhook against a local receiver (webhook_receiver.py: a stand-in
# for the operator's in-house system, which cannot be reached from here),
# over HTTPS with a test CA made by openssl and over http://127.0.0.1.
# dkimkeys drives the hook: four weeks of `rotate` runs every 12 hours on
# a simulated clock (hook.allow_simulated = yes), with Knot DNS on
# loopback taking the records through hooks/nsupdate, carry keys through
# publish, deploy, retire, revoke, withdraw, destroy and reveal. Every
# event reaches the receiver in order, as one JSON object whose fields
# are the key's, with a bearer token and an HMAC-SHA256 signature that
# the receiver verifies; the private key is in the body of deploy and
# reveal only, and is the key whose record `dkimkeys txt` prints; the
# process that posted (seen from the receiver through /proc while it
# waited) had neither secret nor key in its argv or environment. Answers
# 503 and 429 exit 75 and 400 exits 1, and the key does not advance. Run
# directly, the hook refuses http:// to another host, a token file of
# mode 0644 and an unknown CA (exit 1, no request), exits 75 when no one
# listens, and 0 for an unknown event or, without allow_simulated, on a
# simulated clock (no request). The receivers and knotd are stopped, by
# pid, and $T removed, on every exit path.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/knot.inc
. "$(dirname "$0")/knot.inc"
need openssl nsupdate kdig
cd "$T" || exit 1
HOOK=$ROOT/hooks/webhook
RECV=$ROOT/tests/integration/webhook_receiver.py

# The test CA and the receiver's certificate for 127.0.0.1; a second CA
# the hook must not trust.
test_ca "$T"
mkdir otherca
test_ca "$T/otherca"
cp otherca/ca.pem otherca.pem

# The secrets, 0600 (umask 077), and a loose copy of the token.
(umask 077 && openssl rand -hex 24 >token && openssl rand -hex 32 >hmac.key)
cp token loose.token && chmod 644 loose.token
TOKEN=$(cat token) HMAC=$(cat hmac.key)

# receiver NAME PORT [CERT KEY]: a receiver answering as NAME.answer says,
# logging to NAME.log; in $PIDS.
receiver() {
	"$PY" "$RECV" "$2" token hmac.key "$1.answer" "$1.log" ${3:+"$3"} \
	    ${4:+"$4"} >"$1.ready" 2>"$1.err" &
	PIDS="$PIDS $!"
	i=0
	until grep -q ready "$1.ready" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "receiver $1 did not start"; exit 1; }
		sleep 0.1
	done
}
HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) DEAD_PORT=$(free_port)
receiver tls "$HTTPS_PORT" srv.pem srv.key
receiver plain "$HTTP_PORT"
URL=https://127.0.0.1:$HTTPS_PORT/dkim
knot_primary example.test

mkdir -p hooks
cp "$ROOT/hooks/nsupdate" "$HOOK" hooks/
setup 'webhook passphrase' <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = 2s
hook_timeout = 30s
hook.nsupdate_server = 127.0.0.1
hook.nsupdate_port = $PORT
hook.nsupdate_key = $TSIG
hook.nsupdate_zone = example.test
hook.allow_simulated = yes
hook.webhook_url = $URL
hook.webhook_token_file = token
hook.webhook_hmac_key_file = hmac.key
hook.webhook_ca_file = ca.pem

[vendor:inhouse]
domain = wh.example.test
selector = w%n
algorithms = rsa-2048
rotate_every = 7d
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
ttl = 300
reveal = yes
hooks = hooks/nsupdate hooks/webhook
CONF
check "config" run 0 dk config-check

base=$(date -u -d 2026-03-02T00:00:00Z +%s)
# rot HOUR: one rotate at base + HOUR hours; its status in $rc, its
# output in rot.out, and what dk txt then prints in txt/HOUR.json.
mkdir txt
rot() {
	DKIMKEYS_NOW=$((base + $1 * 3600)) "$DK" -c "$CONF" -v rotate \
	    >rot.out 2>&1
	rc=$?
	cat rot.out >>rotate.out
	DKIMKEYS_NOW=$((base + $1 * 3600)) "$DK" -c "$CONF" txt \
	    --format json >"txt/$1.json" 2>/dev/null
}
state() {
	dk list --json 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(k["state"] for k in json.load(sys.stdin)["keys"]
    if k["selector"] == sys.argv[1]) or "none")' "$1"
}
# answered FILE: the statuses of FILE's requests, one line.
answered() {
	"$PY" -c '
import json, sys
print(" ".join(str(json.loads(l)["status"]) for l in open(sys.argv[1])))
' "$1"
}

dkinit DKIMKEYS_NOW="$base"
# The first run makes w1 and publishes it; the receiver says "later",
# then "too many requests", then refuses, then takes it.
echo "503 try again later" >tls.answer
rot 0
check "503: w1 is made but not published" test "$(state w1)" = pending
check "  the run says it waits on the hook's 75" \
    grep -q "waiting: publish hook.*webhook: exit 75" rot.out
echo "429 slow down" >tls.answer
rot 0
check "429: w1 still not published" test "$(state w1)" = pending
check "  the run says it waits on the hook's 75" \
    grep -q "waiting: publish hook.*webhook: exit 75" rot.out
echo "400 selector w1 not allowed" >tls.answer
rot 0
check "400: rotate fails, w1 still not published" \
    test "$rc" -eq 1 -a "$(state w1)" = pending
check "  the receiver's message is in the run's log" \
    grep -q "400 selector w1 not allowed" rot.out
rm tls.answer
rot 0
check "200: w1 published" test "$rc" -eq 0 -a "$(state w1)" = published
check "the receiver answered 503 429 400 200" \
    test "$(answered tls.log)" = "503 429 400 200"

h=12
while [ $h -le $((24 * 28)) ]; do
	rot $h
	[ "$rc" -eq 0 ] || echo "rotate at hour $h: exit $rc" >>rotate.bad
	h=$((h + 12))
done
check "four weeks of rotate runs exit 0" test ! -s rotate.bad
[ -s rotate.bad ] && head -n 20 rotate.bad rotate.out
for s in w1 w2 w3; do
	check "$s went all the way" test "$(state $s)" = destroyed
done

# The receiver's record against the keystore (dk list --json) and the
# records dk txt printed after each run.
dk list --json >list.json 2>/dev/null
check "every request: token, HMAC, JSON; fields match the keys; the key
      only for deploy and reveal, and it is the key of the record dk txt
      printed; events in order, each deploy before its predecessor's
      retire; no secret in the poster's argv or environment" \
    "$PY" - tls.log list.json "$TOKEN" "$HMAC" <<'EOF'
import base64, glob, hashlib, json, subprocess, sys
log, listing, token, hmac_key = sys.argv[1:5]
reqs = [json.loads(l) for l in open(log)]
keys = {k["selector"]: k for k in json.load(open(listing))["keys"]}
printed = {}
for f in glob.glob("txt/*.json"):
    for rec in json.load(open(f)):
        printed.setdefault(rec["name"], set()).add(rec["value"])
order = ["publish", "deploy", "retire", "revoke", "withdraw", "destroy",
         "reveal"]
bad = []
def fail(msg):
    bad.append(msg)
seen = {}
last_now = ""
for n, r in enumerate(reqs):
    if r["status"] != 200:
        continue
    if not (r["auth_ok"] and r["sig_ok"] and r["json_ok"]):
        fail("request %d: auth %s sig %s json %s" % (n, r["auth_ok"],
             r["sig_ok"], r["json_ok"]))
        continue
    d = json.loads(r["body"])
    k = keys.get(d["selector"])
    if k is None:
        fail("request %d: unknown selector %s" % (n, d["selector"]))
        continue
    want = {"domain": "wh.example.test", "vendor": "inhouse",
            "record_name": d["selector"] + "._domainkey.wh.example.test.",
            "algorithm": "rsa", "bits": 2048, "ttl": 300, "protocol": 1}
    for f, v in want.items():
        if d.get(f) != v:
            fail("request %d: %s is %r, not %r" % (n, f, d.get(f), v))
    if d.get("fingerprint") != k["fingerprint"]:
        fail("request %d: fingerprint %s, keystore %s" % (n,
             d.get("fingerprint"), k["fingerprint"]))
    if d["event"] in ("publish", "revoke"):
        if "".join(d["txt_strings"]) != d["txt"] or not d["txt"]:
            fail("request %d: txt_strings do not make txt" % n)
    if d["event"] == "publish":
        if d["txt"] not in printed.get(d["record_name"], ()):
            fail("request %d: txt is not what dk txt printed" % n)
    has_key = "private_key" in d
    if has_key != (d["event"] in ("deploy", "reveal")):
        fail("request %d: %s with private_key %s" % (n, d["event"],
             has_key))
    if has_key:
        der = subprocess.run(["openssl", "pkey", "-pubout", "-outform",
                              "DER"], input=d["private_key"].encode(),
                             capture_output=True).stdout
        fpr = "sha256:" + hashlib.sha256(der).hexdigest()
        if fpr != d["fingerprint"]:
            fail("request %d: the private key is not the key %s" % (n,
                 d["selector"]))
        p = "p=" + base64.b64encode(der).decode()
        if not any(v.endswith(p) for v in printed[d["record_name"]]):
            fail("request %d: the key's p= is not in what dk txt printed"
                 % n)
    if r["peer_cmdline"] is None or r["peer_environ"] is None:
        fail("request %d: the posting process was not found" % n)
    else:
        if not r["peer_cmdline"][-1] == d["event"] or \
                not r["peer_cmdline"][-2].endswith("hooks/webhook"):
            fail("request %d: poster %r is not the hook" % (n,
                 r["peer_cmdline"]))
        proc = "\0".join(r["peer_cmdline"] + r["peer_environ"])
        secrets = [token, hmac_key]
        if has_key:
            secrets += [l for l in d["private_key"].splitlines()
                        if len(l) > 16 and not l.startswith("-")]
        if any(s in proc for s in secrets):
            fail("request %d: a secret in the poster's argv or environ" % n)
    if d["event"] == "retire" and (d["selector"], "deployed") not in seen:
        fail("request %d: %s retired before a successor was deployed" %
             (n, d["selector"]))
    if d["event"] == "deploy" and d["previous_selector"]:
        seen[(d["previous_selector"], "deployed")] = True
    if d["now"] < last_now:
        fail("request %d: now %s went back" % (n, d["now"]))
    last_now = d["now"]
    events = seen.setdefault(d["selector"], [])
    if d["event"] not in events:
        events.append(d["event"])
ids = {json.loads(r["body"])["event_id"] for r in reqs[:4]}
if len(ids) != 1:
    fail("the retried publish of w1 changed event_id: %s" % ids)
for sel, events in seen.items():
    if isinstance(sel, str) and events != sorted(events, key=order.index):
        fail("%s: events out of order: %s" % (sel, events))
if seen.get("w1") != order or seen.get("w2") != order:
    fail("w1, w2 did not get every event: %r" % seen)
if len([s for s in seen if isinstance(s, str)]) != 5:
    fail("not 5 keys reached the receiver: %r" % [s for s in seen
         if isinstance(s, str)])
for b in bad[:10]:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF

# Direct runs, as dkimkeys runs a hook (env -i, folder /, umask 077).
openssl genpkey -algorithm ed25519 -out direct.pem 2>/dev/null
# hook EVENT [VAR=VALUE...]: the hook's status in $rc, stderr in hook.err.
hook() {
	ev=$1
	shift
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME=/ LANG=C.UTF-8 DKIMKEYS_CONFIG="$CONF" \
	    DKIMKEYS_HOOK_PROTOCOL=1 DKIMKEYS_EVENT="$ev" \
	    DKIMKEYS_EVENT_ID=direct-1 DKIMKEYS_VENDOR=inhouse \
	    DKIMKEYS_DOMAIN=wh.example.test DKIMKEYS_SELECTOR=d1 \
	    DKIMKEYS_RECORD_NAME=d1._domainkey.wh.example.test. \
	    DKIMKEYS_ALGORITHM=ed25519 DKIMKEYS_BITS=256 DKIMKEYS_TTL=300 \
	    DKIMKEYS_TXT='v=DKIM1; k=ed25519; p=' \
	    DKIMKEYS_TXT_STRINGS='"v=DKIM1; k=ed25519; p="' \
	    DKIMKEYS_HOOK_WEBHOOK_URL="$URL" \
	    DKIMKEYS_HOOK_WEBHOOK_TOKEN_FILE=token \
	    DKIMKEYS_HOOK_WEBHOOK_HMAC_KEY_FILE=hmac.key \
	    DKIMKEYS_HOOK_WEBHOOK_CA_FILE=ca.pem \
	    "$@" "$HOOK" "$ev") <direct.pem >hook.out 2>hook.err
	rc=$?
}
# expect DESCRIPTION STATUS NREQUESTS [LOG]: the last hook exited STATUS
# with at most one line on stderr, and LOG (tls.log) holds NREQUESTS.
expect() {
	got=$(wc -l <"${4:-tls.log}")
	if [ "$rc" -eq "$2" ] && [ "$got" -eq "$3" ] &&
	    [ "$(wc -l <hook.err)" -le 1 ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "  exit $rc (want $2), $got requests (want $3)"
		sed 's/^/  hook: /' hook.err hook.out
	fi
}
n=$(wc -l <tls.log)
hook revoke
n=$((n + 1))
expect "direct revoke: posted, exit 0" 0 $n
hook revoke
n=$((n + 1))
expect "  run twice: posted again, exit 0" 0 $n
check "  the same document both times (same event_id: the receiver can
      drop the repeat)" test "$(tail -n 2 tls.log | "$PY" -c '
import json, sys
print(len({json.loads(l)["body"] for l in sys.stdin}))')" = 1
hook unknown-event
expect "an unknown event exits 0 and posts nothing" 0 $n
for a in "408 timeout" "500 boom" "503 later" "429 slow"; do
	echo "$a" >tls.answer
	hook deploy
	n=$((n + 1))
	expect "answer ${a%% *}: exit 75" 75 $n
done
echo "400 no such vendor here" >tls.answer
hook deploy
n=$((n + 1))
expect "answer 400: exit 1" 1 $n
check "  with the receiver's message on one line" \
    grep -q "400 no such vendor here" hook.err
echo "404 gone" >tls.answer
hook retire
n=$((n + 1))
expect "answer 404: exit 1" 1 $n
rm tls.answer
hook retire DKIMKEYS_HOOK_WEBHOOK_TOKEN_FILE=loose.token
expect "a token file of mode 0644 is refused: exit 1, no request" 1 $n
check "  saying so" grep -q "mode 0644 is readable by others" hook.err
chmod 600 loose.token
echo wrong >>loose.token
hook retire DKIMKEYS_HOOK_WEBHOOK_TOKEN_FILE=loose.token
expect "a token file with two lines is refused" 1 $n
(umask 077 && echo not-the-token >wrong.token)
hook retire DKIMKEYS_HOOK_WEBHOOK_TOKEN_FILE=wrong.token
n=$((n + 1))
expect "a wrong token: the receiver answers 401, exit 1" 1 $n
(umask 077 && echo not-the-key >wrong.key)
hook retire DKIMKEYS_HOOK_WEBHOOK_HMAC_KEY_FILE=wrong.key
n=$((n + 1))
expect "a wrong HMAC key: the receiver answers 403, exit 1" 1 $n
hook retire DKIMKEYS_HOOK_WEBHOOK_CA_FILE=otherca.pem
expect "a server certificate from another CA: exit 1, no request" 1 $n
check "  saying so" grep -q "certificate" hook.err
hook retire DKIMKEYS_HOOK_WEBHOOK_URL=http://192.0.2.1/dkim
expect "http:// to a non-loopback host is refused: exit 1" 1 $n
hook retire DKIMKEYS_HOOK_WEBHOOK_URL=ftp://127.0.0.1/dkim
expect "a scheme other than https and http is refused" 1 $n
hook retire DKIMKEYS_HOOK_WEBHOOK_URL="https://user:pw@127.0.0.1:$HTTPS_PORT/dkim"
expect "credentials in the URL are refused" 1 $n
hook retire DKIMKEYS_HOOK_WEBHOOK_URL=
expect "no hook.webhook_url: exit 1" 1 $n
hook retire DKIMKEYS_HOOK_WEBHOOK_URL="https://127.0.0.1:$DEAD_PORT/dkim"
expect "no one listening: exit 75" 75 $n
hook retire DKIMKEYS_SIMULATED=1
expect "a simulated clock without allow_simulated posts nothing, exit 0" 0 $n
hook deploy DKIMKEYS_HOOK_WEBHOOK_URL="http://127.0.0.1:$HTTP_PORT/dkim" \
    DKIMKEYS_HOOK_WEBHOOK_CA_FILE=
expect "http://127.0.0.1 is allowed: posted, exit 0" 0 1 plain.log
check "  signed, with the key" "$PY" -c '
import json, sys
r = json.loads(open("plain.log").readline())
d = json.loads(r["body"])
pem = open("direct.pem").read()
sys.exit(not (r["auth_ok"] and r["sig_ok"] and d["private_key"] == pem
    and d["event"] == "deploy" and d["txt_strings"] == [d["txt"]]))'
check "the hook starts no process (secrets stay in it)" \
    sh -c "! grep -nE 'subprocess|os\.(system|popen|exec|spawn|fork)' '$HOOK'"

finish
