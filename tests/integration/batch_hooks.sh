#!/bin/sh
# Batch hooks at ESP scale in miniature: a domains_file section of five
# domains with both algorithms, handled by the zonefile batch hook and a
# recording batch hook over six weeks of runs. Each batch hook runs at
# most once per event per run, deploy and reveal lines carry the private
# key, every key goes through its states, and the zone fragment the hook
# keeps holds exactly the records `dkimkeys txt` says DNS must hold.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p hooks rec zone
cp "$ROOT/hooks/zonefile" "$ROOT/tests/data/hooks/batchrec" hooks/
chmod 755 hooks/*
printf '# customers\nshop.example\nblog.example.\nMail.Example.Org\n\nnews.example\nx.example\n' >customers.txt
setup 'batch passphrase' <<CONF
hook.record_dir = $T/rec
hook.zonefile_path = $T/zone/dkim.zone

[vendor:customers]
domains_file = customers.txt
selector = k%Y%m%d%a
algorithms = ed25519 rsa-1024
rotate_every = 20d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
ttl = 300
verify_dns = no
batch_hooks = hooks/zonefile hooks/batchrec
CONF
start=$(date -u -d 2026-06-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW=$start
t=$start end=$((start + 44 * 86400)) bad=0
while [ $t -le $end ]; do
	DKIMKEYS_NOW=$t "$DK" -c "$T/dkimkeys.conf" -q rotate >>out 2>>err ||
	    bad=$((bad + 1))
	t=$((t + 43200))
done
check "every run exits 0" test $bad -eq 0
[ $bad -eq 0 ] || tail -5 err
check "each batch hook runs at most once per event per run" \
    test -z "$(cut -d' ' -f1,2 rec/batches | sort | uniq -d)"
check "one batch carries every domain's keys" \
    sh -c "awk '\$2 == \"publish\" && \$3 == 10' rec/batches | grep -q ."
check "deploy lines carry the private key, no other event's do" \
    sh -c "awk '\$2 == \"deploy\" && \$4 != \$3 { bad = 1 }
        \$2 != \"deploy\" && \$2 != \"reveal\" && \$4 != 0 { bad = 1 }
        END { exit bad }' rec/batches"
DKIMKEYS_NOW=$end dk list --json >list.json 2>/dev/null
DKIMKEYS_NOW=$end dk txt --format json >txt.json 2>/dev/null
check "every domain and algorithm went through every state" "$PY" - <<'PY'
import json
keys = json.load(open("list.json"))["keys"]
doms = {"shop.example", "blog.example", "mail.example.org", "news.example",
        "x.example"}
for d in doms:
    for a in ("rsa", "ed25519"):
        st = {k["state"] for k in keys if k["domain"] == d and k["algorithm"] == a}
        assert {"active", "destroyed"} <= st, (d, a, st)
assert {k["vendor"] for k in keys} == {"customers/" + d for d in doms}
PY
check "the zone fragment holds exactly what txt says DNS must hold" "$PY" - <<'PY'
import json, re
want = {r["name"]: r["value"] for r in json.load(open("txt.json"))}
have = {}
for line in open("zone/dkim.zone"):
    name, ttl, _, _, rest = line.split(None, 4)
    have[name] = "".join(re.findall(r'"([^"]*)"', rest))
assert want == have, (sorted(set(want) ^ set(have)))
assert any(v.endswith("p=") for v in want.values()), "no revoked record"
PY
# The zonefile hook named in a vendor's hooks: one key per run, told by
# DKIMKEYS_RECORD_NAME; exit 0 once its record is in place.
zk() {
	(cd / && exec env -i PATH=/usr/bin:/bin DKIMKEYS_CONFIG="$T/dkimkeys.conf" \
	    DKIMKEYS_HOOK_ZONEFILE_PATH=zone/one.zone DKIMKEYS_TTL=300 \
	    DKIMKEYS_RECORD_NAME=s1._domainkey.one.example. "$@" \
	    "$T/hooks/zonefile" "$ev") >zk.out 2>&1
}
ev=publish
check "per key: publish exits 0" zk DKIMKEYS_TXT_STRINGS='"v=DKIM1; " "p=AAAA"'
check "  and writes the record" grep -qx \
    's1._domainkey.one.example. 300 IN TXT "v=DKIM1; " "p=AAAA"' zone/one.zone
check "  twice, the same file" sh -c 'cp zone/one.zone one.1 &&
    env -i PATH=/usr/bin:/bin DKIMKEYS_CONFIG="$0/dkimkeys.conf" \
    DKIMKEYS_HOOK_ZONEFILE_PATH=zone/one.zone DKIMKEYS_TTL=300 \
    DKIMKEYS_RECORD_NAME=s1._domainkey.one.example. \
    DKIMKEYS_TXT_STRINGS="\"v=DKIM1; \" \"p=AAAA\"" \
    "$0/hooks/zonefile" publish && cmp -s one.1 zone/one.zone' "$T"
ev=deploy
check "per key: deploy is not its business, exit 0" zk
ev=withdraw
check "per key: withdraw exits 0" zk
check "  and the record is gone" test ! -s zone/one.zone
ev=publish
zk DKIMKEYS_RECORD_NAME='bad name' DKIMKEYS_TXT_STRINGS='"x"'
check "per key: a bad record name exits 1" test $? -eq 1
finish
