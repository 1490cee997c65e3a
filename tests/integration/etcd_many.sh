#!/bin/sh
# A keystore with more key files than etcd takes operations in one
# transaction (--max-txn-ops, 128 by default): 300 domains rotated in a
# folder, then migrated into etcd: the key files go in transactions of at
# most 100, ahead of the one that writes the header and the state; the
# etcd copy lists 300 keys, its audit chain verifies, and it rotates on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
cd "$T" || exit 1
etcd_cluster 1
mkdir -m 700 tmp
export TMPDIR=$T/tmp
i=1
while [ "$i" -le 300 ]; do
	echo "d$i.test"
	i=$((i + 1))
done >domains.txt
setup 'many passphrase' <<CONF
[vendor:many]
domains_file = domains.txt
selector = m%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
CONF
export DKIMKEYS_NOW=1790000000
dkinit DKIMKEYS_NOW=1790000000
check "the first rotate of 300 domains (a folder)" run 0 dk -q rotate
URL=etcd://$ETCD_ENDPOINTS/dk/many
check "migrate into etcd (300 key files)" run 0 dk migrate "$URL"
check "  it decrypted all 300 there" grep -q ': 300 keys decrypt' "$T/out"
sed "s|^keystore = store\$|keystore = $URL|" "$CONF" >etcd.conf
check "etcd's copy lists 300 keys" sh -c "'$DK' -c etcd.conf list \
    2>/dev/null | grep -c '^many' | grep -qx 300"
check "  its audit chain verifies" run 0 "$DK" -c etcd.conf log --verify
export DKIMKEYS_NOW=$((1790000000 + 2 * 3600))
check "  it rotates on" run 0 "$DK" -c etcd.conf -q rotate
finish
