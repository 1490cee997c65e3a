#!/bin/sh
# Pack files (keystore/FORMAT section 4.1): the keys rotate generates in
# bulk (a chunk of 32 or more) are sealed into keys/ID-EPOCH.pack, a pack
# per worker, not into a file each. An ESP section of 300 Ed25519 domains
# (and one of 40 RSA-1024 domains), verify_dns = no, proves:
#  - after the first rotate keys/ holds only .pack files, fewer than 20;
#  - every key exports, its public half is the p= of `txt KEY`, and one
#    signs a message that dkimpy verifies against the published record;
#  - passwd --rekey (which reads every key) renames every pack to -2, and
#    the keys still export (a sample), each the very key it was;
#  - a rotate killed (tests/dkimkeys-faults) right after the rename of the
#    first or the third pack, or after its first commit, is followed by a
#    rotate that ends 0 with one key per domain, every key in a pack that
#    is there; a rekey then reads every key and removes the packs no key
#    refers to (FORMAT: "removed by the next rekey");
#  - once the first generation is destroyed its packs are gone, and every
#    pack left holds a live key;
#  - a damaged slot is 65 naming the pack and the slot, and another key of
#    the same pack still exports;
#  - a rotate killed right after the erase of a pack's last key (the pack
#    gone with it, the key not yet marked destroyed) is followed by a
#    rekey that skips that key and a rotate, both ending 0.
. "$(dirname "$0")/lib.sh"
need openssl
cd "$T" || exit 1
FDK=$ROOT/tests/dkimkeys-faults
[ -x "$FDK" ] || { echo "build tests/dkimkeys-faults first"; exit 1; }
"$PY" -c 'import dkim' 2>/dev/null || {
	echo "python3-dkim not installed (make deps)"
	exit 1
}
DAY=86400
start=$(date -u -d 2026-01-01T00:00:00Z +%s)

# esp DIR N ALG: folder DIR with a section of N domains of ALG (a 30-day
# rotation, verify_dns = no) and its keystore, made at $start
esp() {
	mkdir "$1"
	mkpass "$1/pass" 'packs passphrase'
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "d%d.example\n", i }' >"$1/domains"
	writeconf "$1/dkimkeys.conf" <<CONF
[vendor:esp]
domains_file = domains
selector = k%Y%m%a
algorithms = $3
verify_dns = no
rotate_every = 30d
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
CONF
	DKIMKEYS_NOW=$start "$DK" -c "$1/dkimkeys.conf" -q init \
	    --kdf interactive --new-passphrase-file "$1/pass" >/dev/null 2>&1
}

# The state's view of the packs: every key line of store/state, then of
# store/state.log (the last line of a key wins).
cat >packs.py <<'PY'
"""packs.py check STORE EPOCH [exact]: every live key is in a pack that
is in keys/ (with exact: and every pack there holds a live key); nothing
else in keys/, every pack of EPOCH.
packs.py sample STORE: a live key of each pack (its first and last slot).
packs.py tamper STORE: flips the last octet of slot 1 of a pack; prints
that key, another key of the pack, the pack's name and the slot."""
import os
import re
import sys


def keys(store):
    k = {}
    for f in ("state", "state.log"):
        for line in open(os.path.join(store, f)):
            if line.startswith("key "):
                kv = dict(w.split("=", 1) for w in line.split()[1:]
                          if "=" in w)
                k[(kv["domain"], kv["selector"])] = kv
    return [kv for kv in k.values() if kv["state"] != "destroyed"]


def name(kv):
    return "%s._domainkey.%s" % (kv["selector"], kv["domain"])


def by_pack(store):
    packs = {}
    for kv in keys(store):
        assert kv.get("pack"), "%s has no pack" % name(kv)
        pid, slot = kv["pack"].split(".")
        packs.setdefault(pid, {})[int(slot)] = kv
    return packs


def check(store, epoch, exact):
    live = by_pack(store)
    files, other = {}, []
    for n in os.listdir(os.path.join(store, "keys")):
        m = re.fullmatch(r"([0-9a-f]{32})-([0-9]+)\.pack", n)
        if m:
            files.setdefault(m.group(1), []).append(int(m.group(2)))
        else:
            other.append(n)
    nkeys = sum(len(s) for s in live.values())
    print("  %d live keys in %d packs, %d pack files" %
          (nkeys, len(live), len(files)))
    assert not other, "not a pack: %s" % other
    missing = sorted(set(live) - set(files))
    assert not missing, "keys refer to missing packs %s" % missing
    bad = {p: e for p, e in files.items() if e != [epoch]}
    assert not bad, "packs of other epochs: %s" % bad
    extra = sorted(set(files) - set(live))
    assert not exact or not extra, "packs no live key refers to: %s" % extra


def slot_range(path, s):
    b = open(path, "rb").read()
    n = int.from_bytes(b[14:16], "little")
    assert s < n, (path, s, n)
    off = [int.from_bytes(b[16 + 4 * i:20 + 4 * i], "little")
           for i in range(n + 1)]
    return off[s], off[s + 1]


def tamper(store):
    for pid, slots in sorted(by_pack(store).items()):
        if 1 in slots and len(slots) > 1:
            other = [s for s in slots if s != 1][0]
            (f,) = [n for n in os.listdir(os.path.join(store, "keys"))
                    if n.startswith(pid)]
            path = os.path.join(store, "keys", f)
            a, z = slot_range(path, 1)
            with open(path, "r+b") as fh:
                fh.seek(z - 1)
                c = fh.read(1)
                fh.seek(z - 1)
                fh.write(bytes([c[0] ^ 1]))
            print(name(slots[1]), name(slots[other]), f, 1)
            return
    sys.exit("no pack with a key in slot 1 and another")


if sys.argv[1] == "check":
    check(sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["exact"])
elif sys.argv[1] == "sample":
    for pid, slots in sorted(by_pack(sys.argv[2]).items()):
        print(name(slots[min(slots)]))
        if max(slots) != min(slots):
            print(name(slots[max(slots)]))
else:
    tamper(sys.argv[2])
PY

# verify_key.sh CONF DIR ALG KEY: KEY exported into DIR, its public half
# the p= of `txt KEY`; a line on standard output when not.
cat >verify_key.sh <<'SH'
k=$4 f=$2/$4.pem
if ! "$DK" -c "$1" export "$k" -o "$f" 2>/dev/null; then
	echo "$k: no export"
	exit 0
fi
p=$("$DK" -c "$1" txt "$k" --format value 2>/dev/null | sed -n 's/.*p=//p')
if [ "$3" = ed25519 ]; then
	pub=$(openssl pkey -in "$f" -pubout -outform DER | tail -c 32 | base64 -w0)
else
	pub=$(openssl pkey -in "$f" -pubout -outform DER | base64 -w0)
fi
[ -n "$p" ] && [ "$pub" = "$p" ] || echo "$k: public half is not p= ($pub, $p)"
SH
export DK

# every_key DIR ALG OUT [sample]: every live key of DIR exports into
# DIR/OUT and matches its p= (two at a time); with sample, only a tenth of
# them and the first and last slot of each pack (an export costs an
# Argon2id derivation: 300 of them take half of the time allowed)
every_key() {
	rm -rf "${1:?}/$3"
	mkdir "$1/$3"
	"$DK" -c "$1/dkimkeys.conf" list --json 2>/dev/null | "$PY" -c '
import json, sys
for k in json.load(sys.stdin)["keys"]:
    if k["state"] != "destroyed":
        print(k["key"].rstrip("."))' >"$1/live"
	if [ "${4:-}" = sample ]; then
		{ awk 'NR % 10 == 0' "$1/live"
		    "$PY" packs.py sample "$1/store"; } | sort -u >"$1/$3.keys"
	else
		cp "$1/live" "$1/$3.keys"
	fi
	xargs -P 2 -n 1 sh verify_key.sh "$1/dkimkeys.conf" "$1/$3" "$2" \
	    <"$1/$3.keys" >"$1/$3.fail"
	n=$(find "$1/$3" -name '*.pem' | wc -l)
	echo "  $n of $(wc -l <"$1/live") keys exported and checked"
	head -n 5 "$1/$3.fail"
	[ ! -s "$1/$3.fail" ] && [ "$n" -eq "$(wc -l <"$1/$3.keys")" ] &&
	    [ "$n" -gt 0 ]
}

# same_keys A B: each key exported into B is the one exported into A
same_keys() {
	for f in "$2"/*.pem; do
		cmp -s "$f" "$1/${f##*/}" || { echo "  ${f##*/} differs"; return 1; }
	done
}

# only_packs DIR MAX: keys/ of DIR holds only .pack files, 1 to MAX of them
only_packs() {
	n=$(find "$1/store/keys" -name '*.pack' | wc -l)
	all=$(find "$1/store/keys" -type f | wc -l)
	echo "  $n packs, $all files in keys/"
	[ "$n" -eq "$all" ] && [ "$n" -ge 1 ] && [ "$n" -lt "$2" ]
}

# signs DIR ALG: the first key exports (raw for ed25519) and signs a
# message dkimpy verifies against the records of `txt --format json`
signs() {
	k=$(head -n 1 "$1/live")
	"$DK" -c "$1/dkimkeys.conf" txt --format json >"$1/records.json" \
	    2>/dev/null || return 1
	if [ "$2" = ed25519 ]; then
		"$DK" -c "$1/dkimkeys.conf" export "$k" --format raw \
		    -o "$1/sign.key" 2>/dev/null || return 1
	else
		cp "$1/ex1/$k.pem" "$1/sign.key"
	fi
	"$PY" "$ROOT/tests/integration/dkim_interop.py" "$1/records.json" \
	    sign "$1/sign.key" "${k%%._domainkey.*}" "${k#*._domainkey.}" "$2"
}

# --- 300 Ed25519 domains: the first rotate, rekey
E=$T/ed
export DKIMKEYS_NOW="$start"
check "init of 300 ed25519 domains" esp "$E" 300 ed25519
check "first rotate of 300 domains" run 0 "$DK" -c "$E/dkimkeys.conf" -q \
    --jobs 2 rotate
check "  keys/ holds only pack files, fewer than 20" only_packs "$E" 20
check "  every live key is in a pack that is there, of epoch 1" \
    "$PY" packs.py check "$E/store" 1 exact
check "  every key exports and its public half is its p=" every_key "$E" \
    ed25519 ex1
check "  an exported key signs what dkimpy verifies" signs "$E" ed25519
ls "$E/store/keys" | sed 's/-1\.pack$//' | sort >"$E/ids1"
export DKIMKEYS_NOW=$((start + 600))
check "passwd --rekey" run 0 "$DK" -c "$E/dkimkeys.conf" passwd --rekey \
    --new-passphrase-file "$E/pass"
check "  every pack renamed to -2, none left at -1" sh -c "
	ls '$E/store/keys' | sed -n 's/-2\.pack\$//p' | sort | cmp -s - '$E/ids1' &&
	! ls '$E/store/keys' | grep -q -- '-1\.pack'"
# the rekey opened every key (it ends 1 on any it cannot read); exporting
# them all again would cost as much as the whole rest of the test
check "  keys still export (a tenth, each pack's first and last slot)" \
    every_key "$E" ed25519 ex2 sample
check "  each the very key exported before" same_keys "$E/ex1" "$E/ex2"

# --- the cycle: daily runs until the first generation is destroyed
k=1 gone=no
while [ $k -le 40 ]; do
	export DKIMKEYS_NOW=$((start + k * DAY))
	"$DK" -c "$E/dkimkeys.conf" -q --jobs 2 rotate >>"$E/cycle.out" 2>&1 ||
	    echo "day $k: exit $?" >>"$E/cycle.bad"
	k=$((k + 1))
	"$DK" -c "$E/dkimkeys.conf" list --json 2>/dev/null | "$PY" -c '
import json, sys
ks = json.load(sys.stdin)["keys"]
sys.exit(sum(k["state"] == "destroyed" for k in ks) < 300)' &&
	    { gone=yes; break; }
done
check "$((k - 1)) daily rotates, each ending 0, destroy the first generation" \
    sh -c "[ $gone = yes ] && [ ! -e '$E/cycle.bad' ]"
check "  the first generation's packs are gone" sh -c "
	! ls '$E/store/keys' | sed 's/-2\.pack\$//' | grep -qxFf '$E/ids1'"
check "  every pack left holds a live key, every live key's pack is there" \
    "$PY" packs.py check "$E/store" 2 exact
check "  the second generation exports (a sample)" every_key "$E" ed25519 \
    ex3 sample

# --- a damaged slot
"$PY" packs.py tamper "$E/store" >"$E/tampered" 2>&1
read -r bad good pack slot <"$E/tampered"
check "a flipped octet in slot $slot of $pack: export is 65" run 65 \
    "$DK" -c "$E/dkimkeys.conf" export "$bad" -o "$E/bad.pem"
check "  the message names the pack and the slot" \
    grep -qF "keys/$pack slot $slot ($bad)" "$T/err"
check "  another key of the same pack still exports" run 0 \
    "$DK" -c "$E/dkimkeys.conf" export "$good" -o "$E/good.pem"

# --- crashes: killed right after a pack's rename or a commit's, rerun
# crash POINT: a keystore of 300 domains whose first rotate (one worker:
# two packs of 256 and 44 keys, one commit) is killed at POINT, then rerun
crash() {
	cd_=$T/c${1%%:*}${1##*:}
	esp "$cd_" 300 ed25519 || return 1
	DKIMKEYS_NOW=$start DKIMKEYS_FAULT=$1 "$FDK" -c "$cd_/dkimkeys.conf" \
	    -q --jobs 1 rotate >/dev/null 2>&1
	rc=$?
	[ $rc -eq 137 ] || { echo "  exit $rc, not killed"; return 1; }
	echo "  killed: $(ls "$cd_/store/keys" | wc -l) files in keys/"
	run 0 env DKIMKEYS_NOW="$start" "$FDK" -c "$cd_/dkimkeys.conf" -q \
	    --jobs 1 rotate
}

# one_each DIR: list shows 300 domains with exactly one key each
one_each() {
	DKIMKEYS_NOW=$start "$DK" -c "$1/dkimkeys.conf" list --json \
	    2>/dev/null | "$PY" -c '
import collections, json, sys
ks = json.load(sys.stdin)["keys"]
n = collections.Counter(k["domain"] for k in ks)
assert len(n) == 300 and set(n.values()) == {1}, (len(n), set(n.values()))'
}

# sample DIR: a key of each pack (first and last slot) exports
sample() {
	"$PY" packs.py sample "$1/store" >"$1/sample" || return 1
	while read -r k; do
		DKIMKEYS_NOW=$((start + 600)) "$DK" -c "$1/dkimkeys.conf" \
		    export "$k" -o "$1/s-$k.pem" 2>"$1/sample.err" ||
		    { cat "$1/sample.err"; return 1; }
	done <"$1/sample"
	echo "  $(wc -l <"$1/sample") keys exported"
}

for point in pack-written:1 pack-written:2 commit-renamed:1; do
	dir=$T/c${point%%:*}${point##*:}
	check "a rotate killed at $point, then rerun: exit 0" crash "$point"
	check "  one key for each of the 300 domains" one_each "$dir"
	check "  every live key is in a pack that is there" \
	    "$PY" packs.py check "$dir/store" 1
	check "  rekey reads every key" run 0 env \
	    DKIMKEYS_NOW=$((start + 600)) "$DK" -c "$dir/dkimkeys.conf" \
	    passwd --rekey --new-passphrase-file "$dir/pass"
	check "  and leaves only the packs of live keys" \
	    "$PY" packs.py check "$dir/store" 2 exact
	check "  a key of each pack exports" sample "$dir"
done

# --- killed right after erasing the last key of a pack (the pack goes
# with it), before the commit marking that key destroyed: daily runs of 40
# domains (one pack) with the crash point armed at the 40th erase
X=$T/erase
esp "$X" 40 ed25519
k=0 rc=0
while [ $k -le 40 ] && [ $rc -ne 137 ]; do
	DKIMKEYS_NOW=$((start + k * DAY)) DKIMKEYS_FAULT=erased:40 "$FDK" \
	    -c "$X/dkimkeys.conf" -q --jobs 1 rotate >/dev/null 2>&1
	rc=$?
	k=$((k + 1))
done
export DKIMKEYS_NOW=$((start + (k - 1) * DAY + 600))
check "a rotate killed after erasing the last key of a pack" \
    test "$rc" -eq 137
check "  then passwd --rekey ends 0" \
    run 0 "$DK" -c "$X/dkimkeys.conf" passwd --rekey \
    --new-passphrase-file "$X/pass"
check "  saying that key was already erased and skipped" \
    grep -q 'already erased; skipped' "$T/err"
check "  and a rotate ends 0" run 0 "$DK" -c "$X/dkimkeys.conf" -q rotate
check "  every pack left holds a live key, every live key's pack is there" \
    "$PY" packs.py check "$X/store" 2 exact

# --- 40 RSA-1024 domains
R=$T/rsa
export DKIMKEYS_NOW="$start"
check "init of 40 rsa-1024 domains" esp "$R" 40 rsa-1024
check "first rotate of 40 rsa-1024 domains" run 0 \
    "$DK" -c "$R/dkimkeys.conf" -q --jobs 2 rotate
check "  keys/ holds only pack files" only_packs "$R" 3
check "  every key exports and its public half is its p=" every_key "$R" \
    rsa ex1
check "  an exported key signs what dkimpy verifies" signs "$R" rsa
finish
