#!/bin/sh
# migrate (issue 12): a keystore with history copied from a folder into
# etcd and from etcd into a new folder, as TO (from the configured
# keystore) and as FROM TO (either side named, in every direction); each
# copy is checked by migrate itself (audit chain, every key decrypts), and
# list --json, txt and log print the same from all; the folder that comes back is the first
# byte for byte. A target that holds a keystore already is refused (73), a
# FROM that holds none is 74 in one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
cd "$T" || exit 1
etcd_cluster 3
mkdir -m 700 tmp
export TMPDIR=$T/tmp
setup 'migrate passphrase' <<CONF
[vendor:a]
domain = a.test
selector = a%n
algorithms = ed25519 rsa-2048
rotate_every = 10d
publish_ahead = 1h
overlap = 1d
revoke_for = 1d
verify_dns = no
CONF
T0=1790000000
export DKIMKEYS_NOW=$T0
dkinit DKIMKEYS_NOW=$T0
bad=0
i=0
while [ "$i" -le 60 ]; do
	DKIMKEYS_NOW=$((T0 + i * 43200)) "$DK" -c "$CONF" -q rotate \
	    >/dev/null 2>&1 || bad=$((bad + 1))
	i=$((i + 1))
done
check "a month of rotate runs on the folder" test "$bad" -eq 0
export DKIMKEYS_NOW=$((T0 + 61 * 43200))

# show CONF NAME: what list --json, txt and log print, into NAME.*
show() {
	"$DK" -c "$1" --json list >"$2.list" 2>/dev/null &&
	    "$DK" -c "$1" txt >"$2.txt" 2>/dev/null &&
	    "$DK" -c "$1" log >"$2.log" 2>/dev/null
}
check "the folder's list, txt and log" show "$CONF" folder
check "  it has keys destroyed and keys in use" sh -c \
    "grep -q destroyed folder.list && grep -q active folder.list"

URL=etcd://$ETCD_ENDPOINTS/dk/migrated
check "migrate to etcd" run 0 dk migrate "$URL"
check "  it says the copy was checked" \
    grep -q 'keys decrypt, audit log intact' "$T/out"
check "migrate to the same prefix again: 73" run 73 dk migrate "$URL"
sed "s|^keystore = store\$|keystore = $URL|" "$CONF" >etcd.conf
check "etcd's list, txt and log" show etcd.conf etcd
for w in list txt log; do
	check "  $w: the same as the folder's" cmp -s folder.$w etcd.$w
done

check "backup from etcd" run 0 "$DK" -c etcd.conf backup "$T/etcd.tar"
mkdir -m 700 untar
check "  its files are the folder's byte for byte" sh -c "tar -xpf etcd.tar \
    -C untar && [ \"\$(cd store && find . -type f ! -name lock | sort |
    xargs sha256sum)\" = \"\$(cd untar/store && find . -type f ! -name lock |
    sort | xargs sha256sum)\" ]"
check "migrate back from etcd into a new folder" \
    run 0 "$DK" -c etcd.conf migrate "$T/back"
check "migrate into a folder that exists: 73" \
    run 73 "$DK" -c etcd.conf migrate "$T/back"
sed "s|^keystore = store\$|keystore = $T/back|" "$CONF" >back.conf
check "the folder's list, txt and log" show back.conf back
for w in list txt log; do
	check "  $w: the same as the first folder's" cmp -s folder.$w back.$w
done
check "the folder that came back is the first byte for byte" \
    test "$(snapshot "$T/store")" = "$(snapshot "$T/back")"
check "and it rotates on" run 0 "$DK" -c back.conf rotate

# migrate FROM TO: either side named, whatever the configuration says
E2=etcd://$ETCD_ENDPOINTS/dk/explicit
check "migrate FROM TO, folder to etcd" run 0 dk migrate "$T/store" "$E2"
check "  it names both" grep -q "keystore $T/store copied to $E2:" "$T/out"
check "migrate FROM TO, etcd to etcd" \
    run 0 dk migrate "$E2" "etcd://$ETCD_ENDPOINTS/dk/again"
check "migrate FROM TO, etcd to a folder, from a config naming the folder" \
    run 0 dk migrate "etcd://$ETCD_ENDPOINTS/dk/again" "$T/back2"
sed "s|^keystore = store\$|keystore = $T/back2|" "$CONF" >back2.conf
check "  its list, txt and log" show back2.conf back2
for w in list txt log; do
	check "  $w: the same as the first folder's" cmp -s folder.$w back2.$w
done
check "  and it is the first folder byte for byte" \
    test "$(snapshot "$T/store")" = "$(snapshot "$T/back2")"
# bad FROM: one line naming it, 74 (no keystore there), nothing made
check "FROM missing: 74" run 74 dk migrate "$T/nothing" "$T/made1"
check "  one line naming it" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q '$T/nothing: not found' '$T/err'"
mkdir -m 700 "$T/empty"
check "FROM not a keystore: 74" run 74 dk migrate "$T/empty" "$T/made2"
check "  one line saying so" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q '$T/empty: not a keystore' '$T/err'"
check "FROM an etcd prefix holding no keystore: 74" \
    run 74 dk migrate "etcd://$ETCD_ENDPOINTS/dk/none" "$T/made3"
check "  one line naming it" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q 'dk/none: not found' '$T/err'"
check "  and no TO was made" sh -c "! ls -d '$T'/made* 2>/dev/null"
check "FROM the same as TO: 64" run 64 dk migrate "$T/store" "$T/store"
check "three arguments: 64" run 64 dk migrate "$T/store" "$T/a" "$T/b"

# an audit log rolled to segments (keystore/FORMAT 6): the sealed
# segments go to etcd as they are, and come back byte for byte
sed "s|^keystore = store\$|keystore = $T/back|" "$CONF" |
    sed '/^\[dkimkeys\]/a audit_segment_size = 1k' >seg.conf
i=62
while [ "$(ls "$T/back" | grep -c '^audit-')" -lt 2 ] && [ "$i" -le 200 ]; do
	DKIMKEYS_NOW=$((T0 + i * 43200)) "$DK" -c seg.conf -q rotate \
	    >/dev/null 2>&1
	i=$((i + 1))
done
check "a folder whose audit log rolled twice" \
    test "$(ls "$T/back" | grep -c '^audit-')" -ge 2
export DKIMKEYS_NOW=$((T0 + i * 43200))
check "  its log --verify" run 0 "$DK" -c seg.conf log --verify
cp "$T/out" seg.verify
SEG=etcd://$ETCD_ENDPOINTS/dk/rolled
check "  is migrated to etcd" run 0 "$DK" -c seg.conf migrate "$SEG"
sed "s|^keystore = store\$|keystore = $SEG|" "$CONF" >seg-etcd.conf
check "  etcd's log --verify walks the same entries" \
    run 0 "$DK" -c seg-etcd.conf log --verify
check "  (the same count)" cmp -s seg.verify "$T/out"
check "  and back into a folder" \
    run 0 "$DK" -c seg.conf migrate "$SEG" "$T/segback"
check "  which is the rolled folder byte for byte" \
    test "$(snapshot "$T/back")" = "$(snapshot "$T/segback")"
check "  the etcd keystore rotates on" run 0 "$DK" -c seg-etcd.conf rotate
check "  and its chain still verifies across the segments" \
    run 0 "$DK" -c seg-etcd.conf log --verify

# FROM is copied under its lock: a folder's flock, an etcd prefix's lease
need flock
flock "$T/store/lock" sleep 2 &
holder=$!
sleep 0.5
check "migrate FROM a folder another run has locked: 75" \
    run 75 dk migrate "$T/store" "$T/made5"
wait "$holder"
check "  nothing made" test ! -e "$T/made5"
# and an etcd prefix: 75 while another run has its lease lock
set -- $ETCD_CLIENTS
b64() { printf %s "$1" | base64 -w0; }
lease=$(curl -fsS -X POST -d '{"TTL": 60}' \
    "http://127.0.0.1:$1/v3/lease/grant" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
curl -fsS -X POST -d "{\"key\": \"$(b64 dk/explicit/lock)\", \"value\": \
    \"$(b64 'elsewhere pid 1')\", \"lease\": \"$lease\"}" \
    "http://127.0.0.1:$1/v3/kv/put" >/dev/null
check "migrate FROM an etcd prefix another run has locked: 75" \
    run 75 dk migrate "$E2" "$T/made4"
check "  naming the holder, nothing made" sh -c "grep -q \
    'locked by elsewhere pid 1' '$T/err' && [ ! -e '$T/made4' ]"
curl -fsS -X POST -d "{\"ID\": \"$lease\"}" \
    "http://127.0.0.1:$1/v3/lease/revoke" >/dev/null
check "  and once it is free, 0" run 0 dk migrate "$E2" "$T/made4"

# messages name the keystore in etcd, not the run's private copy of it
AGAIN=etcd://$ETCD_ENDPOINTS/dk/again
sed "s|^keystore = store\$|keystore = $AGAIN|" "$CONF" >again.conf
check "a keystore in etcd copied there from etcd" run 0 "$DK" -c again.conf list
check "its state damaged in etcd" sh -c "curl -fsS -X POST -d \
    '{\"key\": \"$(b64 'dk/again/state#00000000')\", \"value\": \"$(b64 'not a state')\"}' \
    http://127.0.0.1:$1/v3/kv/put >/dev/null"
check "  list: 65" run 65 "$DK" -c again.conf list
check "  naming the state in etcd" \
    grep -q "keystore: $AGAIN/state: " "$T/err"
check "  not the private copy" sh -c "! grep -q '$TMPDIR' '$T/err'"
finish
