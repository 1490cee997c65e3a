# lib.sh - shared by the integration tests; sourced, never run.
#
# Every test gets a private folder $T (removed on exit), the binary $DK
# (absolute), helpers to write configs, run commands and compare keystore
# snapshots, and counters printed as "N passed, N failed" at the end.
# Daemons a test starts are listed in $PIDS and stopped, by pid, on exit;
# at_exit adds a test's own cleanup.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DK=$ROOT/dkimkeys
PY=${PYTHON:-/usr/bin/python3}
VECTORS=$ROOT/tests/data/vectors
T=$(mktemp -d /tmp/dkimkeys-it-XXXXXX)
chmod 700 "$T"
CONF=$T/dkimkeys.conf
PIDS=
AT_EXIT=
npass=0
nfail=0

# stop_daemons: stops every process listed in $PIDS and waits for it.
stop_daemons() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	PIDS=
}

# at_exit FUNCTION: runs FUNCTION on exit, after the daemons are stopped
# and before $T is removed.
at_exit() {
	AT_EXIT="$AT_EXIT $1"
}

lib_exit() {
	stop_daemons
	for f in $AT_EXIT; do
		"$f"
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap lib_exit EXIT
trap 'exit 1' INT TERM HUP PIPE

# need TOOL...: exits when a tool is not installed.
need() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "$tool not installed (make deps)"
			exit 1
		}
	done
}

# free_port: a port free for both UDP and TCP on 127.0.0.1.
free_port() {
	"$PY" -c '
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
'
}

ok() {
	npass=$((npass + 1))
	echo "ok - $*"
}

not_ok() {
	nfail=$((nfail + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

# A passphrase file with safe modes.
mkpass() {
	(umask 077 && printf '%s\n' "$2" >"$1")
}

# writeconf FILE: the [dkimkeys] section for keystore $T/store and
# passphrase $T/pass, then standard input appended.
writeconf() {
	{
		printf '[dkimkeys]\nkeystore = store\n'
		printf 'passphrase_file = pass\nlog = stderr\n\n'
		cat
	} >"$1"
}

# hook_env [DNS_TIMEOUT]: the [dkimkeys] lines of a test whose DNS is the
# Knot of knot_primary ($PORT, $TSIG): its resolver, dns_timeout (default
# 2s) and the nsupdate hook's server, port and key.
hook_env() {
	cat <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = ${1:-2s}
hook.nsupdate_server = 127.0.0.1
hook.nsupdate_port = $PORT
hook.nsupdate_key = $TSIG
CONF
}

# vendor30d NAME DOMAIN SELECTOR TTL HOOKS: the section of a vendor with
# one ed25519 key rotated every 30 days, published a day ahead, a day of
# overlap and of revoke_for.
vendor30d() {
	cat <<CONF
[vendor:$1]
domain = $2
selector = $3
algorithms = ed25519
rotate_every = 30d
publish_ahead = 1d
ttl = $4
overlap = 1d
revoke_for = 1d
hooks = $5
CONF
}

# setup PASSPHRASE: the passphrase file pass beside $CONF, and $CONF
# itself: writeconf with the sections read from standard input.
setup() {
	mkdir -p "${CONF%/*}"
	mkpass "${CONF%/*}/pass" "$1"
	writeconf "$CONF"
}

# dk ARG...: the binary on $CONF.
dk() {
	"$DK" -c "$CONF" "$@"
}

# dkinit [VAR=VALUE...]: checks "init" of the keystore of $CONF (a fast
# KDF, the passphrase file of setup), run with those variables set.
dkinit() {
	check "init" run 0 env "$@" "$DK" -c "$CONF" init --kdf interactive \
	    --new-passphrase-file "${CONF%/*}/pass"
}

# snapshot DIR: one line per file: mode, path, sha256 (byte for byte).
snapshot() {
	(cd "$1" && find . -printf '%m %y %p\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort -k2)
}

# run CODE COMMAND...: runs the command, stores stdout in $T/out and stderr
# (less the simulated-time notice) in $T/err; true when it exits CODE.
run() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err.all"
	got=$?
	grep -v 'simulated time' "$T/err.all" >"$T/err"
	[ "$got" -eq "$want" ] || {
		echo "  exit $got, want $want: $*" >&2
		sed 's/^/  stderr: /' "$T/err.all" >&2
		head -n 20 "$T/out" | sed 's/^/  stdout: /' >&2
		return 1
	}
}

# refuse CODE PATTERN DESCRIPTION COMMAND...: the command exits CODE with
# exactly one line on standard error matching PATTERN (grep -E), and the
# keystore $T/store is unchanged byte for byte.
refuse() {
	code=$1 pat=$2 d=$3
	shift 3
	before=$(snapshot "$T/store" 2>/dev/null)
	if ! run "$code" "$@"; then
		not_ok "$d"
		return
	fi
	lines=$(wc -l <"$T/err")
	after=$(snapshot "$T/store" 2>/dev/null)
	if [ "$lines" -ne 1 ]; then
		not_ok "$d: $lines lines on stderr"
		sed 's/^/  stderr: /' "$T/err"
	elif ! grep -Eq -- "$pat" "$T/err"; then
		not_ok "$d: stderr does not match $pat"
		sed 's/^/  stderr: /' "$T/err"
	elif [ "$before" != "$after" ]; then
		not_ok "$d: keystore changed"
	else
		ok "$d"
	fi
}

# test_ca DIR: a test CA (DIR/ca.pem, ca.key) and a certificate for
# 127.0.0.1 signed by it (DIR/srv.pem, srv.key), for local HTTPS servers.
test_ca() {
	(
		cd "$1" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj /CN=test-ca -keyout ca.key -out ca.pem &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		    -keyout srv.key -out srv.csr &&
		printf 'subjectAltName = IP:127.0.0.1\n' >srv.ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days 2 -extfile srv.ext -out srv.pem
	) >"$1/test_ca.log" 2>&1 || {
		cat "$1/test_ca.log"
		echo "openssl cannot make the test CA"
		exit 1
	}
}
