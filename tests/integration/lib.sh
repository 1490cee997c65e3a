# lib.sh - shared by the integration tests; sourced, never run.
#
# Every test gets a private folder $T (removed on exit), the binary $DK
# (absolute), helpers to write configs, run commands and compare keystore
# snapshots, and counters printed as "N passed, N failed" at the end.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DK=$ROOT/dkimkeys
PY=${PYTHON:-/usr/bin/python3}
VECTORS=$ROOT/tests/data/vectors
T=$(mktemp -d /tmp/dkimkeys-it-XXXXXX)
chmod 700 "$T"
npass=0
nfail=0
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM

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
