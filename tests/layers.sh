#!/bin/sh
# The include rule of src/README, held against every file under src/:
#
#   main.c -> cli/ -> lifecycle/ -> config/ keystore/ hooks/ dns/ secret/
#                                   -> support/
#
# A file includes headers of its own folder by their bare name, and of a
# folder below it as "folder/name.h"; keystore/ and hooks/ may also use
# secret/; config/, dns/ and secret/ use nothing but support/. Another
# folder's *_int.h is never included. The files of cli/ change no state:
# no journal, no commit, no audit entry, no key field assigned.
#
# Usage: sh tests/layers.sh [SRCDIR]; prints one line per breach, exit 1.
src=${1:-"$(dirname "$0")/../src"}
cd "$src" || exit 2

below() {
	case $1 in
	main) echo "cli lifecycle config keystore hooks dns secret support" ;;
	cli) echo "lifecycle config keystore hooks dns secret support" ;;
	lifecycle) echo "config keystore hooks dns secret support" ;;
	keystore | hooks) echo "secret support" ;;
	config | dns | secret) echo "support" ;;
	support) echo "" ;;
	*) echo "?" ;;
	esac
}

bad=0
for f in main.c */*.c */*.h; do
	case $f in
	*/*) layer=${f%%/*} ;;
	*) layer=main ;;
	esac
	ok=$(below "$layer")
	if [ "$ok" = "?" ]; then
		echo "src/$f: folder $layer is not a layer of src/README"
		bad=1
		continue
	fi
	grep -n '^#[[:space:]]*include[[:space:]]*"' "$f" |
	    sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' > layers.tmp.$$
	while read -r line inc; do
		case $inc in
		*/*/* | ../* | ./*)
			why="include \"$inc\" is not \"folder/name.h\"" ;;
		*/*_int.h)
			why="includes another folder's private $inc" ;;
		*/*)
			dir=${inc%%/*}
			case " $ok " in
			*" $dir "*) why= ;;
			*) why="$layer/ may not include $inc (src/README)" ;;
			esac
			[ -z "$why" ] && [ ! -f "$inc" ] &&
			    why="includes $inc, which does not exist"
			;;
		*)
			d=$(dirname "$f")
			if [ ! -f "$d/$inc" ]; then
				why="includes \"$inc\", not in $d/ (write folder/$inc)"
			else
				why=
			fi ;;
		esac
		if [ -n "$why" ]; then
			echo "src/$f:$line: $why"
			bad=1
		fi
	done < layers.tmp.$$
	rm -f layers.tmp.$$
done

# cli/ parses, calls the lifecycle and prints: the calls that change the
# keystore's state, and assignments to a key's or vendor's fields, belong
# in lifecycle/.
grep -nE '\<ks_(journal|commit|add|erase_private|audit|set_[a-z_]+)[[:space:]]*\(|(->|\.)(state|hooks_done|flags|held|retired_at|revoked_at)[[:space:]]*([|&+-]?=[^=])' \
    cli/*.c main.c 2>/dev/null |
    sed 's/^\([^:]*:[0-9]*\):.*/src\/\1: changes keystore state; move it into lifecycle\//' |
    grep . && bad=1

# Header circles: a header that, through the headers it includes, includes
# itself.
for h in */*.h; do
	seen=" "
	todo=$h
	while [ -n "$todo" ]; do
		set -- $todo
		cur=$1
		shift
		todo=$*
		for inc in $(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$cur"); do
			case $inc in
			*/*) ;;
			*) inc=$(dirname "$cur")/$inc ;;
			esac
			if [ "$inc" = "$h" ]; then
				echo "src/$h: includes itself through src/$cur"
				bad=1
				todo=
				break
			fi
			case $seen in
			*" $inc "*) ;;
			*) seen="$seen$inc "; [ -f "$inc" ] && todo="$todo $inc" ;;
			esac
		done
	done
done

[ $bad -eq 0 ] && echo "layers: $(ls main.c */*.[ch] | wc -l) files keep the include rule"
exit $bad
