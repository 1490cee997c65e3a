#!/bin/sh
# The parts of the project's style (STYLE.md, .clang-format) that a script
# can hold every file to: lines of at most 80 columns (tabs of 8), no
# trailing white space, no spaces before tabs, no struct typedefs, no
# system() or popen(). clang-format 14 cannot express KNF's continuation
# of split string literals, so .clang-format guides editors and this
# script is what make check enforces.
cd "$(dirname "$0")/.." || exit 1
files=$(find src tests bench fuzz -name "*.[ch]" | sort)
bad=0
for f in $files; do
	out=$(expand -t 8 "$f" | awk -v f="$f" '
	    length($0) > 80 { print f ":" NR ": longer than 80 columns" }
	    /[ \t]$/ { print f ":" NR ": trailing white space" }')
	out2=$(grep -nE '^ +	' "$f" |
	    sed "s|^|$f:|;s|:\([0-9]*\):.*|:\1: spaces before a tab|")
	out3=$(grep -nE 'typedef[[:space:]]+struct|[^_a-z](system|popen)\(' "$f" |
	    grep -vE '^[0-9]+:[[:space:]]*(/?\*|//)' |
	    sed "s|^|$f:|;s|:\([0-9]*\):.*|:\1: struct typedef, system() or popen()|")
	for o in "$out" "$out2" "$out3"; do
		[ -n "$o" ] && { echo "$o"; bad=1; }
	done
done
[ $bad -eq 0 ] && echo "style: $(echo "$files" | wc -w) files ok"
exit $bad
