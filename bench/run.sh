#!/bin/sh
# make bench: key generation measured against the libraries' own rates in
# the same run, at 1 thread and at every CPU (SPEC section 9), then a
# whole `dkimkeys rotate` that makes RSA_KEYS keys for a domains_file
# section, against the library's rate at the same --jobs. Ratios and
# spreads are printed; nothing is asserted (tests never time anything).
set -eu
cd "$(dirname "$0")/.."
RSA_KEYS=${RSA_KEYS:-200}
ED_KEYS=${ED_KEYS:-10000}
REPEATS=${REPEATS:-3}
cpus=$(nproc)
for t in 1 $cpus; do
	./bench/keygen_bench "$t" "$RSA_KEYS" "$ED_KEYS" "$REPEATS"
	[ "$cpus" -gt 1 ] || break
done

T=$(mktemp -d /tmp/dkimkeys-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
(umask 077 && echo 'bench passphrase' >"$T/pass")
i=0
while [ $i -lt "$RSA_KEYS" ]; do
	echo "d$i.example"
	i=$((i + 1))
done >"$T/domains"
cat >"$T/dkimkeys.conf" <<CONF
[dkimkeys]
keystore = store
passphrase_file = pass
log = stderr

[vendor:esp]
domains_file = domains
selector = k%Y%m%a
algorithms = rsa-2048
verify_dns = no
CONF
./dkimkeys -c "$T/dkimkeys.conf" -q init --kdf interactive \
    --new-passphrase-file "$T/pass" >/dev/null
s=$(date +%s.%N)
./dkimkeys -c "$T/dkimkeys.conf" -q --jobs "$cpus" rotate >/dev/null
e=$(date +%s.%N)
lib=$(./bench/keygen_bench "$cpus" "$RSA_KEYS" 0 1 |
    awk '/EVP_PKEY_keygen/ { print $3 }')
awk -v s="$s" -v e="$e" -v n="$RSA_KEYS" -v lib="$lib" -v j="$cpus" 'BEGIN {
	r = n / (e - s)
	printf "rotate --jobs %d, %d rsa-2048 keys generated, published, " \
	    "committed\n  %.1f keys/s, library %.1f keys/s: ratio %.3f\n",
	    j, n, r, lib, r / lib
}'
