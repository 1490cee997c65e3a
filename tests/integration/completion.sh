#!/bin/sh
# The bash completion (etc/dkimkeys.bash-completion, issue 9 item 11),
# sourced in bash and asked as bash asks it (COMP_WORDS, COMP_CWORD):
# command names, global options, a command's options and their values
# (from COMMAND --help), vendor names from the [vendor:NAME] sections of
# the configuration named by -c, --config= or DKIMKEYS_CONFIG, KEYs with
# the final dot from list --json, file names where a FILE goes, and
# nothing where nothing can be offered.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need bash
cd "$T" || exit 1
COMP=$ROOT/etc/dkimkeys.bash-completion

# comp WORD...: what _dkimkeys offers for the last word, sorted, on one
# line (the first word is the program)
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@")
	    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _dkimkeys
	    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " |
	    sed "s/ $//"' - "$COMP" "$@"
}
# offers DESCRIPTION WANT WORD...: comp WORD... gives exactly WANT
offers() {
	d=$1 want=$2
	shift 2
	got=$(comp "$@")
	if [ "$got" = "$want" ]; then
		ok "$d"
	else
		not_ok "$d"
		echo "  got:  '$got'"
		echo "  want: '$want'"
	fi
}

offers "a command from its first letters" "rotate" "$DK" ro
offers "  every command of the usage when nothing is typed" \
    "$("$DK" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' |
        sort | tr '\n' ' ' | sed 's/ $//')" "$DK" ""
offers "global options" "--verbose --version" "$DK" --v
offers "rotate's options, from rotate --help" \
    "$("$DK" rotate --help | head -n 1 | grep -o -- '--[a-z-]*' |
        { cat; echo --help; echo --json; } | sort | tr '\n' ' ' |
        sed 's/ $//')" "$DK" rotate --
offers "  they include --force and --republish" "--force" \
    "$DK" rotate --f
offers "txt --format: its formats" "name-value nsupdate" \
    "$DK" txt --format n
offers "keygen --alg: rsa and ed25519" "ed25519 rsa" "$DK" keygen --alg ""
offers "keygen --bits: no guess at a number" "" "$DK" keygen --bits ""

# a configuration with two vendors (and a commented one), and a keystore
# with a key of each
setup 'completion passphrase' <<'CONF'
; [vendor:commented] is not a vendor
[vendor:esp]
domain = esp.example.test
selector = e%n
algorithms = ed25519

[vendor:crm] ; with a comment
domain = crm.example.test
selector = c%n
algorithms = ed25519
CONF
export DKIMKEYS_NOW=2026-04-01T00:00:00Z
dkinit
check "keygen esp" run 0 dk keygen esp
check "keygen crm" run 0 dk keygen crm
unset DKIMKEYS_NOW

offers "rotate: the vendors of the configuration of -c" "crm esp" \
    "$DK" -c "$CONF" rotate ""
offers "  after a vendor, more vendors (VENDOR...)" "crm esp" \
    "$DK" -c "$CONF" rotate esp ""
offers "  from --config=FILE too" "esp" "$DK" --config="$CONF" rotate e
export DKIMKEYS_CONFIG="$CONF"
offers "  and from DKIMKEYS_CONFIG" "crm esp" "$DK" hold ""
unset DKIMKEYS_CONFIG
offers "  no vendor when the configuration does not exist" "" \
    "$DK" -c "$T/none.conf" hold ""
offers "hold takes one vendor: nothing after it" "" \
    "$DK" -c "$CONF" hold esp ""
offers "revoke: the KEYs of list --json, with the final dot" \
    "c1._domainkey.crm.example.test. e1._domainkey.esp.example.test." \
    "$DK" -c "$CONF" revoke ""
offers "  from their first letters" "e1._domainkey.esp.example.test." \
    "$DK" -c "$CONF" export e
offers "txt: vendors and KEYs" \
    "c1._domainkey.crm.example.test. crm e1._domainkey.esp.example.test. esp" \
    "$DK" -c "$CONF" txt ""
offers "  and after --format VALUE still" \
    "c1._domainkey.crm.example.test. crm e1._domainkey.esp.example.test. esp" \
    "$DK" -c "$CONF" txt --format zone ""
touch backup.tar
offers "backup: a file name" "backup.tar" "$DK" -c "$CONF" backup back
offers "import VENDOR FILE: the vendor, then a file" "esp" \
    "$DK" -c "$CONF" import e
offers "  then a file" "backup.tar" "$DK" -c "$CONF" import esp back
offers "-c: a file name" "backup.tar" "$DK" -c back
finish
