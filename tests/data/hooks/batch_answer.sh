#!/bin/sh
# Each input line is "KEY WHAT [REASON]": WHAT ok or fail is answered as
# such, anything else is not answered. Exits T_CODE.
while read -r key what reason; do
	case $what in
	ok) echo "ok $key" ;;
	fail) echo "fail $key $reason" ;;
	*) echo "skipping $key" ;;
	esac
done
echo "a line on stderr" >&2
exit "${T_CODE:-0}"
