#!/bin/sh
# A keystore with more key files than etcd takes operations in one
# transaction (--max-txn-ops, 128 by default): 300 domains rotated in a
# folder 25 at a time (fewer than 32 new keys a run: a file each), and 300
# more at once (sealed into pack files), then migrated into etcd: the key
# and pack files go in transactions of at most 100, ahead of the one that
# writes the header and the state; the etcd copy lists and decrypts the
# 600 keys, its audit chain verifies, it rotates on, and a packed key
# read from etcd exports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
cd "$T" || exit 1
etcd_cluster 1
mkdir -m 700 tmp
export TMPDIR=$T/tmp
: >domains.txt
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
# domains 1..N, the new ones rotated: a run's new keys, a file each or
# a pack
grow() {
	i=$(($(wc -l <domains.txt) + 1))
	while [ "$i" -le "$1" ]; do
		echo "d$i.test" >>domains.txt
		i=$((i + 1))
	done
	dk -q rotate 2>>grow.log
}
n=25
while [ "$n" -le 300 ]; do
	grow "$n" || break
	n=$((n + 25))
done
check "300 domains rotated 25 at a time: 300 key files" \
    sh -c '[ "$(ls store/keys | grep -c "\.key$")" -eq 300 ]'
check "300 more at once (a folder)" run 0 grow 600
check "  sealed into pack files, not a file each" \
    sh -c 'n=$(ls store/keys | grep -c "\.pack$"); [ "$n" -ge 1 ] &&
    [ "$n" -le 4 ] && [ "$(ls store/keys | wc -l)" -eq $((300 + n)) ]'
URL=etcd://$ETCD_ENDPOINTS/dk/many
check "migrate into etcd (300 key files and the packs)" run 0 \
    dk migrate "$URL"
check "  it decrypted all 600 there" grep -q ': 600 keys decrypt' "$T/out"
sed "s|^keystore = store\$|keystore = $URL|" "$CONF" >etcd.conf
check "etcd's copy lists 600 keys" sh -c "'$DK' -c etcd.conf list \
    2>/dev/null | grep -c '^many' | grep -qx 600"
check "  a key of a pack exports from etcd" sh -c "'$DK' -c etcd.conf -q \
    export m1._domainkey.d555.test -o packed.pem && \
    openssl pkey -in packed.pem -noout"
check "  its audit chain verifies" run 0 "$DK" -c etcd.conf log --verify
export DKIMKEYS_NOW=$((1790000000 + 2 * 3600))
check "  it rotates on" run 0 "$DK" -c etcd.conf -q rotate
finish
