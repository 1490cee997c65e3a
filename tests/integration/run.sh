#!/bin/sh
# Runs every integration test (tests/integration/*.sh but this file and
# lib.sh) against the built ./dkimkeys, JOBS at a time (default 2), and
# prints the totals. Each test's output is kept in a file and printed
# whole, in the order of the names, as soon as it and those before it are
# done. The long simulations start first so that they do not end last.
#
#   sh tests/integration/run.sh [TEST...]    (default: every test)
cd "$(dirname "$0")/../.." || exit 1
JOBS=${JOBS:-2}
LONG="crash_kill9.sh lifecycle_knot.sh lifecycle_powerdns.sh esp_sim.sh lifecycle_etcd.sh packs.sh"
out=$(mktemp -d /tmp/dkimkeys-run-XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
trap 'exit 1' INT TERM HUP

if [ $# -gt 0 ]; then
	tests=$*
else
	tests=
	for t in tests/integration/*.sh; do
		case $t in */run.sh | */lib.sh) continue ;; esac
		tests="$tests $t"
	done
fi

# the order they start in: the long ones first, then the others by name
order=
for l in $LONG; do
	for t in $tests; do
		[ "${t##*/}" = "$l" ] && order="$order $t"
	done
done
for t in $tests; do
	case " $LONG " in *" ${t##*/} "*) continue ;; esac
	order="$order $t"
done

# start TEST: runs it in the background, output in $out/NAME.log and its
# exit status, once it ends, in $out/NAME.rc
start() {
	n=${1##*/}
	(
		sh "$1" >"$out/$n.log" 2>&1
		echo $? >"$out/$n.rc.tmp"
		mv "$out/$n.rc.tmp" "$out/$n.rc"
	) &
}

# running: how many tests started and not yet ended
running() {
	r=0
	for t in $started; do
		[ -e "$out/${t##*/}.rc" ] || r=$((r + 1))
	done
	echo $r
}

pass=0 fail=0 failed= started= printed=0
set -- $order
total=$#
while [ "$printed" -lt "$total" ]; do
	while [ $# -gt 0 ] && [ "$(running)" -lt "$JOBS" ]; do
		start "$1"
		started="$started $1"
		shift
	done
	# print, in the order of the names, every test done so far
	i=0
	for t in $tests; do
		i=$((i + 1))
		[ $i -le "$printed" ] && continue
		n=${t##*/}
		[ -e "$out/$n.rc" ] || break
		echo "== $t"
		cat "$out/$n.log"
		if [ "$(cat "$out/$n.rc")" -eq 0 ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			failed="$failed $t"
		fi
		printed=$i
	done
	[ "$printed" -lt "$total" ] && sleep 0.2
done
wait
echo "integration: $pass passed, $fail failed"
[ -z "$failed" ] || echo "failed:$failed"
[ "$fail" -eq 0 ]
