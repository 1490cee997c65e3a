#!/bin/sh
# The audit log in segments (keystore/FORMAT section 6): with a tiny
# audit_segment_size the log rolls to audit-SEQ.log files, the chain runs
# across them, log --verify checks them all and names a tampered one,
# archiving the oldest ones is accepted (from the first kept segment on),
# and backup carries every segment.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
printf 'a.example\nb.example\nc.example\n' >domains
setup 'segment passphrase' <<'CONF'
audit_segment_size = 1k

[vendor:esp]
domains_file = domains
selector = s%Y%m%d%a
algorithms = ed25519
rotate_every = 4d
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
verify_dns = no
CONF
start=$(date -u -d 2026-06-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW=$start
t=$start bad=0
while [ $t -le $((start + 12 * 86400)) ]; do
	DKIMKEYS_NOW=$t dk -q rotate >/dev/null 2>>rot.err || bad=$((bad + 1))
	t=$((t + 43200))
done
check "every rotate exits 0" test $bad -eq 0
nseg=$(ls store | grep -c '^audit-[0-9]\{12\}\.log$')
check "the log rolled into several segments ($nseg)" test "$nseg" -ge 3
check "each sealed segment is about the segment size" sh -c \
    'for f in store/audit-*.log; do
	[ "$(stat -c %s "$f")" -lt 4096 ] || exit 1; done'
check "audit.head records where audit.log starts" \
    awk 'NF == 3 && $3 > 0 { ok = 1 } END { exit !ok }' store/audit.head
check "segments are named by their last seq, and the next starts after" \
    $PY - store <<'PY'
import json, os, re, sys
d = sys.argv[1]
segs = sorted(f for f in os.listdir(d) if re.fullmatch(r"audit-\d{12}\.log", f))
nxt = 1
for f in segs + ["audit.log"]:
    lines = open(os.path.join(d, f)).read().splitlines()
    seqs = [json.loads(x)["seq"] for x in lines]
    assert seqs[0] == nxt, (f, seqs[0], nxt)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f
    if f != "audit.log":
        assert int(f[6:18]) == seqs[-1], f
    nxt = seqs[-1] + 1
PY
check "log --verify checks every segment" run 0 dk log --verify
total=$(cat store/audit-*.log store/audit.log | wc -l)
check "  and counts every entry ($total)" grep -q "$total" out

# backup: every segment, and the restored copy verifies
check "backup" run 0 dk backup b.tar
check "the archive lists every segment" sh -c \
    'for f in store/audit-*.log; do tar -tf b.tar | grep -qx "$f" ||
	exit 1; done'
mkdir r && (cd r && tar -xpf ../b.tar)
sed "s|^keystore = store|keystore = r/store|" dkimkeys.conf >r.conf
check "the restored keystore verifies across its segments" \
    run 0 "$DK" -c r.conf log --verify

# tampering with a middle segment is found and named
mid=$(ls store | grep '^audit-' | sed -n 2p)
cp "store/$mid" mid.orig
sed -i '2s/"simulated":true/"simulated":false/' "store/$mid"
check "an edit in a middle segment fails verify (65)" \
    run 65 dk log --verify
check "  naming that segment" grep -q "$mid" err
cp mid.orig "store/$mid"
check "restored, it verifies again" run 0 dk log --verify

# a middle segment missing is a gap
mv "store/$mid" mid.away
check "a missing middle segment fails verify (65)" run 65 dk log --verify
mv mid.away "store/$mid"

# archiving the oldest segments: verify from the first kept one
first=$(ls store | grep '^audit-' | sed -n 1p)
mkdir archive
mv "store/$first" archive/
from=$(($(echo "$first" | sed 's/^audit-0*//; s/\.log$//') + 1))
check "with the oldest segment archived, verify passes" \
    run 0 dk log --verify
check "  and says from which seq it checked" \
    grep -q "checked from seq $from on" err
check "rotate goes on after archiving" \
    run 0 env DKIMKEYS_NOW=$((start + 20 * 86400)) "$DK" -c "$CONF" -q rotate
check "  and the log still verifies" run 0 dk log --verify
# the state's binding (SPEC 7) across rolls: a state whose audit head
# went to a sealed segment is read; a replayed one is still refused
n0=$(ls store | grep -c '^audit-')
cp store/state old.state
cp store/state.log old.state.log
t=$((start + 21 * 86400))
while [ "$(ls store | grep -c '^audit-')" -le $((n0 + 1)) ] &&
    [ $t -le $((start + 60 * 86400)) ]; do
	DKIMKEYS_NOW=$t "$DK" -c "$CONF" -q rotate >/dev/null 2>&1
	t=$((t + 43200))
done
check "more rotates roll the log again" \
    test "$(ls store | grep -c '^audit-')" -gt $((n0 + 1))
check "  and list reads the state bound across the rolls" \
    run 0 env DKIMKEYS_NOW=$t "$DK" -c "$CONF" list
# export appends outside commits: once it rolls the log, the line the
# state names is in a sealed segment, and the state is still read
key=$(env DKIMKEYS_NOW=$t "$DK" -c "$CONF" list --json |
    sed -n 's/.*"key": *"\([^"]*\)".*"state": *"active".*/\1/p' | sed -n 1p)
n1=$(ls store | grep -c '^audit-') i=0
while [ "$(ls store | grep -c '^audit-')" -eq "$n1" ] && [ $i -lt 20 ]; do
	DKIMKEYS_NOW=$t "$DK" -c "$CONF" -q export "$key" -o "k$i.pem" \
	    >/dev/null 2>&1
	i=$((i + 1))
done
check "exports roll the log" test "$(ls store | grep -c '^audit-')" -gt "$n1"
check "  and the state, its audit line now sealed, is read" \
    run 0 env DKIMKEYS_NOW=$t "$DK" -c "$CONF" list
check "  and log --verify passes" \
    run 0 env DKIMKEYS_NOW=$t "$DK" -c "$CONF" log --verify
cp old.state store/state
cp old.state.log store/state.log
check "an old state put back after rolls is refused (65)" \
    run 65 env DKIMKEYS_NOW=$t "$DK" -c "$CONF" list
check "the config refuses a segment size below 1k (78)" sh -c \
    'sed "s/^audit_segment_size = 1k/audit_segment_size = 100/" \
	dkimkeys.conf >bad.conf && "$0" -c bad.conf config-check 2>/dev/null
	[ $? -eq 78 ]' "$DK"
finish
