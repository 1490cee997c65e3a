#!/bin/sh
# hooks/rspamd with a real rspamd (Debian's 3.4) on loopback: dkimkeys
# rotate, on a simulated clock, deploys an RSA and an Ed25519 key of one
# vendor through the hook; rspamd, started with the stock rspamd.conf and
# the include the hook keeps, signs one message with both keys in one
# scan, dkimpy verifies both signatures against the records `dkimkeys
# txt` prints, and `rspamadm configtest` passes. The rotation's deploy and
# retire reach rspamd through the hook's reload command (SIGHUP): the new
# selectors sign, the old ones no longer do, and destroy removes the old
# key files. Run directly, the hook exits 0 on events it does not handle
# and under a simulated clock without hook.allow_simulated, gives the same
# files when run twice, leaves no key readable by others and no temporary
# copy, and refuses bad names with one line and exit 1.
# rspamd runs on a free loopback port with its folders in $T and is
# stopped, by pid, on every exit path.
# shellcheck disable=SC2016 # conditions in single quotes, for eval
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need rspamd rspamc rspamadm openssl
"$PY" -c 'import dkim' 2>/dev/null || {
	echo "python3-dkim not installed (make deps)"
	exit 1
}
cd "$T" || exit 1
PORT=$(free_port)
[ -n "$PORT" ] || {
	echo "no free port"
	exit 1
}

# As root, rspamd runs as _rspamd, which must reach its folders and the
# keys (given to it by hook.rspamd_user) through $T: search, not read.
RSPAMD_AS=
RUSER=
if [ "$(id -u)" -eq 0 ] && id -u _rspamd >/dev/null 2>&1; then
	chmod 711 "$T"
	RSPAMD_AS="-u _rspamd -g _rspamd"
	RUSER=_rspamd
fi
KEYS=$T/rspamd-keys
R=$T/rspamd
mkdir -p hooks "$KEYS" "$R/conf/local.d" "$R/conf/override.d" "$R/db" \
    "$R/run" "$R/log"
chmod 755 "$KEYS" "$R" "$R/conf" "$R/conf/local.d" "$R/conf/override.d"
[ -z "$RUSER" ] || chown "$RUSER:" "$R/db" "$R/run" "$R/log"
cp "$ROOT/hooks/rspamd" hooks/
chmod 755 hooks/rspamd

# The reload command the hook runs: SIGHUP to rspamd once it runs.
cat >reload.sh <<EOF
echo reload >>"$T/reloads"
[ ! -s "$T/rspamd.pid" ] || kill -HUP "\$(cat "$T/rspamd.pid")"
EOF

# rspamd's configuration: the stock rspamd.conf with its local folder,
# database, run and log folders here; only the normal worker, on
# loopback; no fuzzy_check (it needs a server); dkim_signing set up to
# sign a local message, with the domains of the hook's include.
cat >"$R/conf/override.d/worker-normal.inc" <<EOF
bind_socket = "127.0.0.1:$PORT";
count = 1;
EOF
echo 'enabled = false;' >"$R/conf/override.d/worker-controller.inc"
echo 'enabled = false;' >"$R/conf/override.d/worker-proxy.inc"
cat >"$R/conf/override.d/logging.inc" <<'EOF'
type = "file";
filename = "$LOGDIR/rspamd.log";
level = "info";
EOF
echo 'enabled = false;' >"$R/conf/local.d/fuzzy_check.conf"
cat >"$R/conf/local.d/dkim_signing.conf" <<EOF
sign_local = true;
allow_hdrfrom_mismatch = true;
allow_username_mismatch = true;
allow_envfrom_empty = true;
use_domain = "header";
use_esld = false;
use_redis = false;
try_fallback = false;
.include(try=true) "$KEYS/dkim_domains.inc"
EOF
chmod 644 "$R"/conf/*/*
RVARS="--var=LOCAL_CONFDIR=$R/conf --var=DBDIR=$R/db --var=RUNDIR=$R/run"
RVARS="$RVARS --var=LOGDIR=$R/log"

# start_rspamd: starts rspamd in the foreground (its pid in $PIDS and
# rspamd.pid) and waits up to 40 s for its port (the first start, with an
# empty database folder, takes some 8 s).
start_rspamd() {
	# shellcheck disable=SC2086 # RSPAMD_AS and RVARS are option lists
	rspamd -f $RSPAMD_AS -c /etc/rspamd/rspamd.conf $RVARS \
	    >"$R/stdout" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	echo "$RPID" >rspamd.pid
	"$PY" - "$PORT" "$RPID" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
end = time.time() + 40
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
sys.exit(1)
PY
}

# sign OUT: the message signed by rspamd, with CRLF, in OUT.
printf '%s\r\n' 'From: Alice <alice@mta.test>' 'To: bob@example.org' \
    'Subject: rotation' 'Date: Sun, 06 Dec 2026 12:00:00 +0000' \
    'Message-ID: <rspamd-hook-1@mta.test>' '' 'Signed by rspamd.' >msg
sign() {
	rspamc -h "127.0.0.1:$PORT" -t 10 --mime --ip 127.0.0.1 \
	    --from alice@mta.test --rcpt bob@example.org msg >"$1" 2>sign.err
}
# selectors FILE: the s= of each DKIM-Signature of FILE, sorted, one line
selectors() {
	"$PY" - "$1" <<'PY'
import re, sys
msg = open(sys.argv[1], "rb").read().decode()
head = msg.split("\r\n\r\n", 1)[0]
sigs = re.findall(r"^DKIM-Signature:((?:.*\r\n[ \t].*)*.*)", head,
                  re.M | re.I)
sels = sorted(re.search(r"\bs=\s*([^;\s]+)", s).group(1) for s in sigs)
print(" ".join(sels))
PY
}
# verified FILE: true when dkimpy verifies every DKIM-Signature of FILE,
# at least one, against the records of `dkimkeys txt` (txt.json).
verified() {
	"$PY" - "$1" txt.json <<'PY'
import dkim, json, sys
recs = {r["name"].rstrip(".").lower(): r["value"].encode()
        for r in json.load(open(sys.argv[2]))}
msg = open(sys.argv[1], "rb").read()
def dns(name, timeout=5):
    return recs.get(name.decode().rstrip(".").lower())
d = dkim.DKIM(msg)
n = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
ok = n > 0
for i in range(n):
    if not d.verify(idx=i, dnsfunc=dns):
        print("  signature %d does not verify" % i)
        ok = False
sys.exit(0 if ok else 1)
PY
}
# sel STATE ALG: the selector of the key of vendor mta in STATE
sel() {
	DKIMKEYS_NOW=$now dk list --json 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(k["selector"] for k in json.load(sys.stdin)["keys"]
    if k["state"] == sys.argv[1] and k["algorithm"] == sys.argv[2]))' "$1" "$2"
}

{
	echo 'hook.allow_simulated = yes'
	echo 'hook.rspamd_dir = rspamd-keys'
	[ -z "$RUSER" ] || echo "hook.rspamd_user = $RUSER"
	echo "hook.rspamd_reload = /bin/sh $T/reload.sh"
	cat <<'CONF'

[vendor:mta]
domain = mta.test
selector = s%n%a
algorithms = rsa-2048 ed25519
rotate_every = 10d
publish_ahead = 1d
generate_margin = 1d
overlap = 2d
revoke_for = 2d
ttl = 300
verify_dns = no
hooks = hooks/rspamd
CONF
} | setup 'rspamd hook passphrase'
base=$(date -u -d 2026-06-01T00:00:00Z +%s)
now=$base
dkinit DKIMKEYS_NOW="$base"
# advance HOURS: rotate every 12 hours until HOURS after base; counts the
# runs that fail in $bad
bad=0
advance() {
	while [ "$now" -lt $((base + $1 * 3600)) ]; do
		now=$((now + 43200))
		DKIMKEYS_NOW=$now dk -q rotate >>rotate.out 2>>rotate.err ||
		    bad=$((bad + 1))
	done
}
snap() {
	snapshot "$KEYS"
	stat -c '%U %a %n' "$KEYS"/*
}

advance 48
R1=$(sel active rsa) E1=$(sel active ed25519)
check "rotate deploys an RSA and an Ed25519 key through the hook" \
    test -n "$R1" -a -n "$E1" -a $bad -eq 0
[ $bad -eq 0 ] || tail -n 5 rotate.err
check "the hook wrote both key files and ran the reload command" \
    test -s "$KEYS/$R1._domainkey.mta.test.key" \
    -a -s "$KEYS/$E1._domainkey.mta.test.key" -a -s reloads
check "the Ed25519 key file is the base64 of a 32-byte seed" \
    test "$(base64 -d "$KEYS/$E1._domainkey.mta.test.key" | wc -c)" -eq 32
check "the RSA key file is a PEM private key" \
    openssl pkey -noout -in "$KEYS/$R1._domainkey.mta.test.key"
if [ -n "$RUSER" ]; then
	check "the key files belong to hook.rspamd_user" test -z \
	    "$(find "$KEYS" -name '*.key' ! -user "$RUSER")"
fi
check "no key file is readable by others" \
    test -z "$(find "$KEYS" -name '*.key' -perm /077)"
# shellcheck disable=SC2086 # RVARS is an option list
check "rspamadm configtest passes with the hook's include" \
    rspamadm $RVARS configtest -q -s -c /etc/rspamd/rspamd.conf

if ! start_rspamd; then
	not_ok "rspamd starts on 127.0.0.1:$PORT"
	tail -n 20 "$R/stdout" "$R/log/rspamd.log" 2>/dev/null
	finish
	exit 1
fi
ok "rspamd starts on 127.0.0.1:$PORT"
DKIMKEYS_NOW=$now dk txt --format json >txt.json 2>/dev/null
check "rspamc --mime gets the message signed" sign signed1.eml
got=$(selectors signed1.eml)
want=$(printf '%s\n' "$R1" "$E1" | sort | tr '\n' ' ')
if [ "$got" = "${want% }" ]; then
	ok "one scan signs with the RSA and the Ed25519 key"
else
	not_ok "one scan signs with the RSA and the Ed25519 key"
	echo "  signed by: $got; want: $want"
	grep -i dkim "$R/log/rspamd.log" | tail -n 5
fi
check "dkimpy verifies both signatures against dkimkeys txt" \
    verified signed1.eml

# The rotation: the run that deploys the successors retires the keys
# above; the hook's reload makes the running rspamd reread its include.
# advance_until CONDITION: advances 12 hours at a time while the shell
# text CONDITION is false, up to 30 days after base
advance_until() {
	while ! eval "$1" && [ "$now" -lt $((base + 720 * 3600)) ]; do
		advance $(((now - base) / 3600 + 12))
	done
}
advance_until '[ "$(sel retired rsa)" = "$R1" ]'
R2=$(sel active rsa) E2=$(sel active ed25519)
check "the rotation deploys new keys and retires the old ones" \
    test -n "$R2" -a -n "$E2" -a "$R2" != "$R1" -a "$E2" != "$E1" \
    -a "$(sel retired ed25519)" = "$E1" -a $bad -eq 0
want=$(printf '%s\n' "$R2" "$E2" | sort | tr '\n' ' ')
want=${want% }
# a SIGHUP reload takes rspamd about a second: wait for the new keys
i=0
while [ $i -lt 50 ]; do
	sign signed2.eml && [ "$(selectors signed2.eml)" = "$want" ] && break
	sleep 0.2
	i=$((i + 1))
done
got=$(selectors signed2.eml)
if [ "$got" = "$want" ]; then
	ok "after retire and the reload, only the new selectors sign"
else
	not_ok "after retire and the reload, only the new selectors sign"
	echo "  signed by: $got; want: $want"
fi
DKIMKEYS_NOW=$now dk txt --format json >txt.json 2>/dev/null
check "dkimpy verifies the new signatures against dkimkeys txt" \
    verified signed2.eml
check "the retired keys' files stay until destroy" \
    test -f "$KEYS/$R1._domainkey.mta.test.key"

advance_until '[ "$(sel destroyed rsa)" = "$R1" ] &&
    [ "$(sel destroyed ed25519)" = "$E1" ]'
check "destroy removes the old key files, the new ones stay" \
    test ! -e "$KEYS/$R1._domainkey.mta.test.key" \
    -a ! -e "$KEYS/$E1._domainkey.mta.test.key" \
    -a -s "$KEYS/$R2._domainkey.mta.test.key" -a $bad -eq 0
check "the Ed25519 seed appears in no output of dkimkeys or the hook" \
    test -z "$(grep -lF -f "$KEYS/$E2._domainkey.mta.test.key" rotate.out \
    rotate.err "$R/log/rspamd.log" "$R/stdout")"
check "the include lists exactly the keys rspamd signs with" test \
    "$(grep -o 'selector = "[^"]*"' "$KEYS/dkim_domains.inc" |
    cut -d'"' -f2 | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$(sel active rsa)" "$(sel active ed25519)" | sort |
    tr '\n' ' ')"

# The hook run directly, as dkimkeys runs it, on a folder of its own;
# TMPDIR shows that its temporary copy of an Ed25519 key is removed.
D=$T/direct
mkdir -p "$D/keys" "$D/tmp"
openssl genpkey -algorithm ed25519 -out "$D/ed.pem" 2>/dev/null
# hook EVENT SELECTOR ALG [VAR=VALUE...]: status in $rc, output in hook.out
hook() {
	ev=$1 s=$2 a=$3
	shift 3
	(cd / && umask 077 && exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME=/ LANG=C.UTF-8 DKIMKEYS_CONFIG="$T/dkimkeys.conf" \
	    DKIMKEYS_HOOK_PROTOCOL=1 DKIMKEYS_EVENT="$ev" TMPDIR="$D/tmp" \
	    DKIMKEYS_DOMAIN=direct.test DKIMKEYS_SELECTOR="$s" \
	    DKIMKEYS_ALGORITHM="$a" DKIMKEYS_HOOK_RSPAMD_DIR="$D/keys" \
	    DKIMKEYS_SIMULATED=1 DKIMKEYS_HOOK_ALLOW_SIMULATED=yes \
	    "$@" "$T/hooks/rspamd" "$ev") <"$D/ed.pem" >hook.out 2>&1
	rc=$?
}
hook deploy d1 ed25519
first=$(snap)
hook deploy d1 ed25519
check "deploy run twice gives the same files" test $rc -eq 0 \
    -a "$(snap)" = "$first"
check "no temporary copy of the key is left" \
    test -z "$(ls -A "$D/tmp")"
for ev in publish withdraw reveal no-such-event; do
	hook "$ev" d1 ed25519
	check "$ev exits 0 and changes nothing" \
	    test $rc -eq 0 -a "$(snap)" = "$first"
done
hook retire d1 ed25519 DKIMKEYS_HOOK_ALLOW_SIMULATED=
check "a simulated clock without hook.allow_simulated changes nothing" \
    test $rc -eq 0 -a "$(snap)" = "$first"
# refused HOW DESCRIPTION: the last hook exited 1 with one line and
# changed nothing
refused() {
	if [ $rc -eq 1 ] && [ "$(wc -l <hook.out)" -eq 1 ] &&
	    [ "$(snap)" = "$first" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "  exit $rc"
		sed 's/^/  hook: /' hook.out
	fi
}
hook deploy 'x"; path = "/etc/shadow' ed25519
refused "a selector that would end the UCL string is refused"
hook deploy ../d1 ed25519
refused "a selector with a path is refused"
hook deploy d2 ed25519 DKIMKEYS_DOMAIN='direct.test/..'
refused "a domain with a path is refused"
hook deploy d2 rsa
refused "an Ed25519 key given as RSA is refused"
hook deploy d2 ed25519 DKIMKEYS_HOOK_RSPAMD_DIR="$D/none"
refused "a folder that does not exist is refused"
hook deploy d2 ed25519 DKIMKEYS_HOOK_RSPAMD_RELOAD='kill -HUP $(x)'
refused "a reload command with shell syntax is refused"
hook retire d1 ed25519 DKIMKEYS_HOOK_RSPAMD_RELOAD=/bin/false
check "a failed reload exits 75" test $rc -eq 75
hook destroy d1 ed25519
check "destroy removes the key file" \
    test $rc -eq 0 -a ! -e "$D/keys/d1._domainkey.direct.test.key"
check "rspamd still runs" kill -0 "$RPID"
finish
