#!/bin/sh
# A rotate whose commit fails (the disk full, injected by the fault build
# tests/dkimkeys-faults with DKIMKEYS_FAULT=state-enospc:1) says
# "generated" for no key it did not commit (issue 10, item 9): it names
# the keys as failed, exits 74, and the keystore holds none of them; the
# next run, with space again, generates them.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
FDK=$ROOT/tests/dkimkeys-faults
[ -x "$FDK" ] || { echo "build tests/dkimkeys-faults first"; exit 1; }
setup 'enospc passphrase' <<CONF
[vendor:esp]
domain = esp.example
selector = e%n
algorithms = ed25519 rsa-1024
publish_ahead = 1d
verify_dns = no

[vendor:crm]
domain = crm.example
selector = c%n
algorithms = ed25519
publish_ahead = 1d
verify_dns = no
CONF
DKIMKEYS_NOW=$(date -u -d 2026-04-01T00:00:00Z +%s)
export DKIMKEYS_NOW
dkinit
check "a rotate whose commit meets a full disk exits 74" \
    run 74 env DKIMKEYS_FAULT=state-enospc:1 "$FDK" -c "$CONF" rotate
check "  it says generated for no key" sh -c "! grep -q generated '$T/out'"
check "  it names each key it could not store" \
    test "$(grep -c 'failed: a new .* key, not stored' "$T/out")" -eq 3
check "  saying why on standard error" grep -q "No space left" "$T/err"
check "  the keystore holds none of them" \
    test "$(dk list 2>/dev/null | grep -c '\._domainkey\.')" -eq 0
check "the next run generates them" run 0 dk rotate
check "  and says so" test "$(grep -c ': generated' "$T/out")" -eq 3
check "log --verify" run 0 dk log --verify
finish
