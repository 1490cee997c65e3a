#!/bin/sh
# tests/layers.sh can fail: a small tree that keeps the rule passes, and
# each breach put into a copy of it is named, with exit status 1.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d /tmp/dkimkeys-layers-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
npass=0
nfail=0

# A tree that keeps the rule: each layer includes its own folder by bare
# name and the folders below it by path.
good() {
	rm -rf "$T/src"
	mkdir -p "$T/src"
	for d in support secret config keystore hooks dns lifecycle cli; do
		mkdir "$T/src/$d"
		printf '#ifndef X_%s\n#define X_%s\n#endif\n' "$d" "$d" \
		    >"$T/src/$d/$d.h"
		printf '#include "%s.h"\n' "$d" >"$T/src/$d/$d.c"
	done
	printf '#include "lifecycle/lifecycle.h"\n' >>"$T/src/cli/cli.c"
	printf '#include "keystore/keystore.h"\n#include "dns/dns.h"\n' \
	    >>"$T/src/lifecycle/lifecycle.c"
	printf '#include "secret/secret.h"\n' >>"$T/src/keystore/keystore.c"
	printf '#include "support/support.h"\n' >>"$T/src/dns/dns.c"
	printf '#include "private_int.h"\n' >>"$T/src/dns/dns.c"
	: >"$T/src/dns/private_int.h"
	printf '#include "cli/cli.h"\nint main(void) { return 0; }\n' \
	    >"$T/src/main.c"
	printf 'void f(struct k *k) { k->state == 1; }\n' >>"$T/src/cli/cli.c"
}

# expect NAME FILE TEXT PATTERN: appends TEXT to FILE of a good tree; the
# check must exit 1 with a line matching PATTERN.
expect() {
	good
	mkdir -p "$T/src/${2%/*}"
	printf '%s\n' "$3" >>"$T/src/$2"
	out=$(sh tests/layers.sh "$T/src")
	rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q -- "$4"; then
		npass=$((npass + 1))
		echo "ok - $1"
	else
		nfail=$((nfail + 1))
		echo "not ok - $1 (exit $rc): $out"
	fi
}

good
if out=$(sh tests/layers.sh "$T/src"); then
	npass=$((npass + 1))
	echo "ok - a tree that keeps the rule passes"
else
	nfail=$((nfail + 1))
	echo "not ok - a tree that keeps the rule fails: $out"
fi

expect "dns including secret is refused" dns/dns.c \
    '#include "secret/secret.h"' '^src/dns/dns.c:4: dns/ may not include'
expect "support including a layer above is refused" support/support.c \
    '#include "config/config.h"' 'support/ may not include config/config.h'
expect "keystore including lifecycle is refused" keystore/keystore.c \
    '#include "lifecycle/lifecycle.h"' 'keystore/ may not include'
expect "another folder's private header is refused" lifecycle/lifecycle.c \
    '#include "dns/private_int.h"' "another folder's private"
expect "a bare name from another folder is refused" cli/cli.c \
    '#include "config.h"' 'not in cli/'
expect "a path that climbs is refused" cli/cli.c \
    '#include "../config/config.h"' 'is not "folder/name.h"'
expect "a folder that is no layer is refused" extra/x.c \
    '#include "support/support.h"' 'folder extra is not a layer'
expect "cli committing the keystore is refused" cli/cli.c \
    'void g(struct ks *ks) { ks_commit(ks, 0); }' 'changes keystore state'
expect "cli journalling is refused" cli/cli.c \
    'void g(struct ks *ks) { ks_journal (ks, 0); }' 'changes keystore state'
expect "cli setting a key's state is refused" cli/cli.c \
    'void g(struct k *k) { k->state = 2; }' 'changes keystore state'
expect "cli setting hook bits is refused" cli/cli.c \
    'void g(struct k *k) { k->hooks_done |= 1; }' 'changes keystore state'

# A header circle inside one folder.
good
printf '#include "b.h"\n' >"$T/src/dns/a.h"
printf '#include "a.h"\n' >"$T/src/dns/b.h"
out=$(sh tests/layers.sh "$T/src")
if [ $? -eq 1 ] && printf '%s\n' "$out" | grep -q 'src/dns/a.h: includes itself'; then
	npass=$((npass + 1))
	echo "ok - a header circle is refused"
else
	nfail=$((nfail + 1))
	echo "not ok - a header circle: $out"
fi

echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
