#!/bin/sh
# make run: the main job on the embedded defaults (etc/dkimkeys.conf), in
# a temporary folder laid out like this checkout (etc/, hooks/,
# keystore/) and removed on exit. Half a year of cron runs, twice a day
# as etc/dkimkeys.cron has them, on a simulated clock (DKIMKEYS_NOW):
# keys are made, published into a local zone fragment (the zonefile
# hook), deployed to a local OpenDKIM key folder (the opendkim hook),
# retired, revoked, withdrawn and destroyed. No daemon is involved.
set -eu
cd "$(dirname "$0")/.."
DK=$(pwd)/dkimkeys
D=$(mktemp -d "${TMPDIR:-/tmp}/dkimkeys-demo-XXXXXX")
trap 'rm -rf -- "$D"' EXIT
trap 'exit 1' HUP INT TERM
chmod 700 "$D"
mkdir "$D/etc" "$D/hooks" "$D/keystore" "$D/keystore/opendkim"
cp etc/dkimkeys.conf "$D/etc/"
cp hooks/zonefile hooks/opendkim "$D/hooks/"
chmod 755 "$D/hooks/"*
(umask 077 && printf 'demo passphrase: not for production\n' \
    >"$D/keystore/demo.pass")
dk() { "$DK" -c "$D/etc/dkimkeys.conf" "$@"; }

start=$(date -u -d 2027-01-01T03:17:00Z +%s)
days=184
DKIMKEYS_NOW=$start
export DKIMKEYS_NOW
dk config-check 2>/dev/null
dk init --kdf interactive --new-passphrase-file "$D/keystore/demo.pass" \
    2>/dev/null
echo
echo "== dkimkeys rotate, twice a day for $days days (simulated clock);" \
    "what each run did:"
# every run's lines but the waiting and idle ones, dated
run=0
while [ "$run" -lt $((days * 2)) ]; do
	DKIMKEYS_NOW=$((start + run * 43200))
	day=$(date -u -d "@$DKIMKEYS_NOW" '+%Y-%m-%d %H:%M')
	dk rotate 2>&1 | grep -v -e ': waiting' -e 'simulated time' \
	    -e '^nothing due' | sed "s/^/$day  /" || true
	run=$((run + 1))
done
echo
echo "== dkimkeys status"
dk status 2>/dev/null
echo
echo "== dkimkeys txt (what DNS must hold; the zonefile hook wrote" \
    "keystore/demo.zone)"
dk txt 2>/dev/null
echo
echo "== keystore/demo.zone (the zonefile hook: the fragment a zone" \
    "would \$INCLUDE)"
cut -c 1-64 "$D/keystore/demo.zone" | sed 's/$/ .../'
echo
echo "== keystore/opendkim (the opendkim hook: what an RSA and an" \
    "Ed25519 OpenDKIM would read)"
(cd "$D/keystore/opendkim" && for f in KeyTable.* SigningTable.*; do
	sed "s|$D/||; s/^/$f: /" "$f"
done && stat -c '%A %U %n' keys/*)
cat <<'TEXT'

What happened: each key was made and put in the zone at least two days
before its signer switched to it, the MTA's into keystore/opendkim for
OpenDKIM. After 90 days Mailgun's first key was retired, kept in DNS a
week for mail in flight, then revoked, withdrawn and destroyed; at six
months all three signers moved to new keys, and their old ones now wait
for the same end. Hooks made every change outside the keystore. This
demo's folder is gone; see dkimkeys(8) and dkimkeys-hooks(7) to do it
for real.
TEXT
