#!/bin/sh
# Runs every integration test (tests/integration/*.sh but this file and
# lib.sh) against the built ./dkimkeys and prints the totals.
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0 failed=
for t in tests/integration/*.sh; do
	case $t in */run.sh | */lib.sh) continue ;; esac
	echo "== $t"
	if sh "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
echo "integration: $pass passed, $fail failed"
[ -z "$failed" ] || echo "failed:$failed"
[ "$fail" -eq 0 ]
