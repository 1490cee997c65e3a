#!/bin/sh
# fuzz/run.sh MODE NAME... - runs the harnesses fuzz/bin/fuzz_NAME (make
# builds them; fuzz/README).
#
#   regress  each input of fuzz/corpus/NAME/ once (make check): a crash,
#            a sanitizer report or a failed assertion fails
#   fuzz     each harness FUZZ_SECONDS (default 60), two at a time, with
#            its dictionary, or until FUZZ_RUNS executions when that is
#            set (then FUZZ_SECONDS is only the limit); new inputs go to a
#            scratch folder, a finding to fuzz/artifacts/NAME-*; the
#            figures (executions per harness) go to fuzz/last-run.txt,
#            which tests/reliability.sh reads. Allocation stacks are off
#            (ASAN_OPTIONS=malloc_context_size=0, twice the speed with
#            OpenSSL's decoders); re-run a finding with
#            fuzz/bin/fuzz_NAME FILE for the whole report
cd "$(dirname "$0")/.." || exit 1
mode=$1
shift
# the program's own messages (every rejected input logs one) are noise
# here; libFuzzer keeps its own output and the sanitizers' reports
quiet=-close_fd_mask=3
out=$(mktemp -d /tmp/dkimkeys-fuzz-run-XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
trap 'exit 1' INT TERM HUP

dict() {
	[ -e "fuzz/dict/$1.dict" ] && echo "-dict=fuzz/dict/$1.dict"
}

case $mode in
regress)
	fail=0
	for n; do
		files=$(find "fuzz/corpus/$n" -type f | sort)
		count=$(echo "$files" | wc -l)
		# shellcheck disable=SC2086 # one argument per file
		if "fuzz/bin/fuzz_$n" $quiet -runs=1 $files \
		    >"$out/$n.log" 2>&1; then
			echo "fuzz corpus $n: $count inputs ok"
		else
			cat "$out/$n.log"
			echo "fuzz corpus $n: FAILED"
			fail=1
		fi
	done
	exit $fail
	;;
fuzz)
	secs=${FUZZ_SECONDS:-60}
	runs=${FUZZ_RUNS:--1}
	ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
	export ASAN_OPTIONS
	mkdir -p fuzz/artifacts
	one() {
		mkdir -p "$out/corpus-$1"
		# shellcheck disable=SC2046 # dict: no word or one
		"fuzz/bin/fuzz_$1" $quiet -max_total_time="$secs" -runs="$runs" \
		    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$1-" \
		    $(dict "$1") "$out/corpus-$1" "fuzz/corpus/$1" \
		    >"$out/$1.log" 2>&1
		echo $? >"$out/$1.rc"
	}
	set -- "$@"
	while [ $# -gt 0 ]; do
		one "$1" &
		if [ $# -gt 1 ]; then
			one "$2" &
			shift
		fi
		shift
		wait
	done
	{
		echo "# make fuzz, last $(date -u '+%Y-%m-%d %H:%M UTC'), FUZZ_SECONDS=$secs FUZZ_RUNS=$runs, $(nproc) CPUs shared, $(clang --version | head -n 1)"
		echo "# harness executions seconds execs/s new-inputs result run"
		for log in "$out"/*.log; do
			n=${log##*/}
			n=${n%.log}
			execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
			persec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
			units=$(sed -n 's/^stat::new_units_added: *//p' "$log")
			if [ "$(cat "$out/$n.rc")" -eq 0 ]; then
				res="no-finding"
			else
				res="FINDING"
				tail -n 40 "$log" >&2
			fi
			took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
			echo "$n ${execs:-0} ${took:-$secs} ${persec:-0} +${units:-0} $res $(date -u +%Y-%m-%d)"
		done
		# the harnesses not run this time keep their last figures
		[ -f fuzz/last-run.txt ] && grep -v '^#' fuzz/last-run.txt |
		    while read -r n rest; do
			[ -e "$out/$n.log" ] || echo "$n $rest"
		done
	} >"$out/summary"
	cat "$out/summary"
	cp "$out/summary" fuzz/last-run.txt
	! grep -q FINDING "$out/summary"
	;;
*)
	echo "usage: fuzz/run.sh regress|fuzz NAME..." >&2
	exit 64
	;;
esac
