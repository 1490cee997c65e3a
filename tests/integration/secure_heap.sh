#!/bin/sh
# OpenSSL's secure heap failing to start (issue 10, item 9) is a warning on
# standard error, not a debug line: a shim preloaded before libcrypto
# makes CRYPTO_secure_malloc_init fail, and keygen still makes its RSA
# key, saying in one warning that private numbers use the ordinary heap.
. "$(dirname "$0")/lib.sh"
need cc
cd "$T" || exit 1
cat >shim.c <<'C'
#include <stddef.h>
int CRYPTO_secure_malloc_init(size_t size, size_t minsize);
int CRYPTO_secure_malloc_initialized(void);
int CRYPTO_secure_malloc_init(size_t size, size_t minsize)
{
	(void)size;
	(void)minsize;
	return 0;
}
int CRYPTO_secure_malloc_initialized(void)
{
	return 0;
}
C
cc -shared -fPIC -o shim.so shim.c || exit 1
setup 'secure heap passphrase' <<CONF
[vendor:mta]
domain = example.test
selector = s%n
algorithms = rsa-2048
verify_dns = no

[vendor:plain]
domain = plain.test
selector = p%n
algorithms = rsa-2048
verify_dns = no
CONF
dkinit
# the sanitizer build's runtime wants to come first: not with a shim
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
check "keygen with the secure heap failing still makes its key" \
    run 0 env LD_PRELOAD="$T/shim.so" "$DK" -c "$CONF" keygen mta
check "  and warns, once, that the ordinary heap is used" sh -c \
    "[ \"\$(grep -c '^dkimkeys: warning: keygen: openssl secure heap unavailable' '$T/err')\" = 1 ]"
check "without the shim, no such warning" \
    run 0 "$DK" -c "$CONF" keygen plain
check "  (none)" sh -c "! grep -q 'secure heap' '$T/err'"
finish
