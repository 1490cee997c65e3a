#!/bin/sh
# The service unit's sandbox (issue 10): systemd-analyze security
# --offline on etc/dkimkeys.service gives an overall exposure of 3.0 or
# less (it was 8.9 EXPOSED), alone and with each drop-in example of
# etc/dkimkeys.service.d/ in place; the unit runs as the dkimkeys user
# that etc/dkimkeys.sysusers creates, with only its StateDirectory
# writable, and the empty capability set.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need systemd-analyze
MAX=3.0

# exposure UNITFILE: the "Overall exposure level" number
exposure() {
	systemd-analyze security --offline=true --no-pager "$1" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}

# at_most A B: A <= B, as decimals
at_most() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'
}

U=$T/unit/dkimkeys.service
mkdir -p "$T/unit"
cp "$ROOT/etc/dkimkeys.service" "$U"
e=$(exposure "$U")
check "etc/dkimkeys.service: exposure ${e:-unknown} <= $MAX" at_most "$e" "$MAX"
for x in "$ROOT"/etc/dkimkeys.service.d/*.conf.example; do
	n=${x##*/}
	mkdir -p "$U.d"
	cp "$x" "$U.d/${n%.example}"
	e=$(exposure "$U")
	check "  with the drop-in $n: exposure ${e:-unknown} <= $MAX" \
	    at_most "$e" "$MAX"
	rm -rf "$U.d"
done

S=$ROOT/etc/dkimkeys.service
check "the service runs as User=dkimkeys" grep -qx 'User=dkimkeys' "$S"
check "  which etc/dkimkeys.sysusers creates" \
    grep -Eq '^u[[:space:]]+dkimkeys[[:space:]]' "$ROOT/etc/dkimkeys.sysusers"
check "ProtectSystem=strict, the keystore as its StateDirectory" sh -c "
    grep -qx 'ProtectSystem=strict' '$S' &&
    grep -qx 'StateDirectory=dkimkeys' '$S' &&
    grep -qx 'StateDirectoryMode=0700' '$S'"
check "  and no other path writable" \
    test -z "$(grep -E '^(ReadWritePaths|BindPaths)=' "$S")"
check "an empty capability bounding set" grep -qx 'CapabilityBoundingSet=' "$S"
check "the passphrase still a credential from /etc/dkimkeys/passphrase" \
    grep -qx 'LoadCredential=dkimkeys-passphrase:/etc/dkimkeys/passphrase' "$S"
finish
