#!/bin/sh
# make analyze: clang's static analyzer (scan-build) over the whole build
# (the program, the fault build, the unit suites, the benchmark), in a copy
# of the tree under /tmp so that nothing here is rebuilt. Any report fails,
# listed with its file, line and kind; the HTML reports stay in the folder
# printed. Known false positives are listed in tests/analyze.known, each
# with the checker, the text of its line and why it is not a bug; the
# source is left as it is.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
command -v scan-build >/dev/null || { echo "no scan-build (make deps)"; exit 1; }
W=$(mktemp -d /tmp/dkimkeys-analyze-XXXXXX) || exit 1
git ls-files -z src tests bench Makefile | xargs -0 cp --parents -t "$W"
cd "$W" || exit 1
targets="dkimkeys tests/dkimkeys-faults bench/keygen_bench
    $(find tests -maxdepth 1 -name 'check_*.c' | sed 's/\.c$//' | sort)"
# shellcheck disable=SC2086 # one word per target
scan-build -o "$W/report" --keep-cc \
    -enable-checker unix.Malloc -enable-checker unix.cstring.NullArg \
    -enable-checker security.FloatLoopCounter \
    make -j2 CFLAGS="-O0 -g" $targets >"$W/build.log" 2>&1 || {
	tail -n 20 "$W/build.log"
	echo "analyze: the build failed; log in $W/build.log"
	exit 1
}
# FILE:LINE:COL: warning: TEXT [CHECKER], once each, less the known ones
grep -E '^[^ :]+:[0-9]+:[0-9]+: warning: .*\[[a-zA-Z.]+\]$' "$W/build.log" |
    sort -u >"$W/found"
bad=0 known=0
while IFS= read -r w; do
	f=${w%%:*}
	l=${w#*:}
	l=${l%%:*}
	c=${w##*[}
	c=${c%]}
	text=$(sed -n "${l}p" "$f")
	if grep -v '^#' "$ROOT/tests/analyze.known" | {
		while IFS='|' read -r kf kc kt _; do
			[ "$kf" = "$f" ] && [ "$kc" = "$c" ] || continue
			case $kt in
			'^'*) [ "${text#"${kt#^}"}" != "$text" ] && exit 0 ;;
			*) case $text in *"$kt"*) exit 0 ;; esac ;;
			esac
		done
		exit 1
	}; then
		known=$((known + 1))
	else
		echo "$w"
		bad=$((bad + 1))
	fi
done <"$W/found"
n=$(echo "$targets" | wc -w)
if [ $bad -eq 0 ]; then
	echo "analyze: scan-build found nothing in $n targets ($known known false positives, tests/analyze.known)"
	rm -rf "$W"
	exit 0
fi
echo "analyze: $bad reports; HTML in $W/report"
exit 1
