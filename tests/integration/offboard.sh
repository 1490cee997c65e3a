#!/bin/sh
# Offboarding (issue 9, item 8): `decommission` of a vendor whose section
# was removed (its keys are orphans), of NAME/DOMAIN for a domain removed
# from a domains_file, and of a section name; orphan messages of `rotate`
# and `status` say what became of the vendor and which command retires
# its keys; section names are accepted by list, txt, check, rotate and
# decommission; `decommission VENDOR --alg ALG` retires one algorithm on
# the normal timers, and takes a dropped algorithm's orphans.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p hooks rec
cp "$ROOT/tests/data/hooks/recorder" hooks/
chmod 700 hooks/recorder
printf 'one.example\ntwo.example\n' >customers.txt
dual() {
	printf '[vendor:%s]\ndomain = %s.example\nselector = %s%%n%%a\n' \
	    "$1" "$1" "$1"
	printf 'algorithms = %s\nrotate_every = 30d\npublish_ahead = 1d\n' "$2"
	printf 'overlap = 2d\nrevoke_for = 3d\nverify_dns = no\n'
	printf 'hooks = hooks/recorder\n\n'
}
conf() {
	setup 'offboard passphrase' <<CONF
resolver = 127.0.0.1:9
dns_timeout = 1s
hook.record_dir = $T/rec

$1
$(dual dual "$2")
$(dual tri "$2")
[vendor:customers]
domains_file = customers.txt
selector = c%n
algorithms = ed25519
ttl = 600
rotate_every = 30d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
verify_dns = no
hooks = hooks/recorder
CONF
}
OLD='[vendor:old]
domain = old.example
selector = o%n
algorithms = ed25519
rotate_every = 30d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
verify_dns = no
'
conf "$OLD" 'ed25519 rsa-1024'
start=$(date -u -d 2026-06-01T00:00:00Z +%s)
dkinit DKIMKEYS_NOW=$start
export DKIMKEYS_NOW=$start
check "first rotate" run 0 dk rotate
DKIMKEYS_NOW=$((start + 2 * 86400))
check "keys active" run 0 dk rotate

# section names: all of the section's domains
check "list customers" run 0 dk list customers
check "list customers shows both domains" \
    sh -c "grep -q one.example '$T/out' && grep -q two.example '$T/out' &&
        ! grep -q old.example '$T/out'"
check "txt customers" run 0 dk txt customers
check "txt customers prints both domains' records" \
    test "$(grep -c _domainkey "$T/out")" -eq 2
check "check customers is accepted (the server is unreachable: 69)" \
    run 69 dk check customers
check "rotate customers" run 0 dk rotate customers
check "status customers" run 0 dk status customers
check "status customers shows both domains, not the others" \
    sh -c "grep -q customers/one.example '$T/out' &&
        grep -q customers/two.example '$T/out' && ! grep -q '^old' '$T/out'"
run 0 dk status
check "status keeps its columns with NAME/DOMAIN vendors (issue 9, item 10)" \
    "$PY" - "$T/out" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
head = next(l for l in lines if l.startswith("VENDOR "))
cols = [head.index(c) for c in ("ALG", "ACTIVE KEY", "AGE", "NEXT")]
rows = [l for l in lines if l.split()[1:2] in (["rsa"], ["ed25519"])]
assert any(len(l.split()[0]) > 20 for l in rows), rows
for l in rows:
    assert l[cols[0]:].split()[0] in ("rsa", "ed25519"), (head, l)
    assert l[cols[0] - 1] == " " and l[cols[1] - 1] == " ", (head, l)
    assert l[cols[1]] != " ", (head, l)
PY

# one algorithm of a configured vendor
refuse 64 "dual: no rsa|not rsa or ed25519" "decommission --alg of a bad name" \
    dk decommission dual --alg dsa
refuse 64 "nosuch: no ed25519 in its algorithms" \
    "decommission --alg of an unknown vendor" dk decommission nosuch --alg ed25519
check "decommission dual --alg rsa" run 0 dk decommission dual --alg rsa
check "rotate retires its rsa key" run 0 dk rotate
run 0 dk list dual
check "dual's rsa key is retired, its ed25519 key still active" \
    sh -c "grep -q 'rsa .* retired' '$T/out' && grep -q 'ed25519 .* active' '$T/out'"

# the section and one domain go away
printf 'one.example\n' >customers.txt
conf '' ed25519
check "rotate with orphans exits 1" run 1 dk rotate
check "rotate says the section was removed and how to retire its keys" \
    grep -q 'section \[vendor:old\] was removed.*dkimkeys decommission old$' \
    "$T/out"
check "rotate says the domain was removed from the file" \
    grep -q 'two.example was removed from .*customers.txt of section \[vendor:customers\].*dkimkeys decommission customers/two.example$' \
    "$T/out"
check "rotate says tri's algorithm was dropped and names --alg" \
    grep -q 'algorithm rsa was dropped from vendor tri.*dkimkeys decommission tri --alg rsa$' \
    "$T/out"
check "dual's rsa key, decommissioned before, is no orphan line" \
    sh -c "! grep -q 'dual: .*orphan' '$T/out'"
run 1 dk status
check "status names what became of the vendor" \
    grep -q 'orphan: .*old.example.*section \[vendor:old\] was removed' \
    "$T/out"
check "list of an orphan vendor" run 0 dk list old
check "txt of an orphan vendor" run 0 dk txt old
check "  says it is an orphan" grep -q 'vendor old is no longer configured' \
    "$T/err"
check "check of an orphan not decommissioned: a problem (1)" \
    run 1 dk check old
check "  named with what to do" grep -q \
    '^PROBLEM o1._domainkey.old.example: orphan: section \[vendor:old\] was removed; .*dkimkeys decommission old$' \
    "$T/out"

refuse 64 "unknown vendor 'nosuch'" "decommission of nothing" \
    dk decommission nosuch
check "decommission old (an orphan)" run 0 dk decommission old
check "decommission says what it did" grep -q 'old: 1 orphaned keys' \
    "$T/out"
check "decommission customers/two.example (a removed domain)" \
    run 0 dk decommission customers/two.example
check "txt of the removed domain: its section's ttl, no orphan warning" \
    run 0 dk txt customers/two.example
check "  (600, not 3600)" grep -q '^c1._domainkey.two.example.* 600 ' \
    "$T/out"
check "  (no warning)" test ! -s "$T/err"
check "check of the removed domain asks DNS (69: nothing listens)" \
    run 69 dk check customers/two.example
check "check of the removed section's decommissioned orphan: not checked" \
    run 0 dk check old
check "  says why" grep -q \
    '^ok      o1._domainkey.old.example: orphan: .*remove its record from DNS yourself; not checked$' \
    "$T/out"
run 0 dk log
check "the audit log names the orphan vendor decommissioned" \
    grep -q '"event":"decommission","vendor":"customers/two.example"' "$T/out"
check "decommission tri --alg rsa (a dropped algorithm)" \
    run 0 dk decommission tri --alg rsa
check "rotate with decommissioned orphans exits 0" run 0 dk rotate
check "rotate still says what is left to do by hand" \
    grep -q 'decommissioned: no hook runs for an orphan' "$T/out"
check "status exits 0 once every orphan is decommissioned" run 0 dk status
check "status still lists them, with what is left to do" \
    grep -q 'orphan: .*old.example.*decommissioned: no hook runs.*remove its record from DNS yourself' \
    "$T/out"
check "status says rotate takes the removed domain's key with its section" \
    grep -q 'orphan: .*two.example.*decommissioned: rotate retires, revokes, withdraws and destroys it with the settings and hooks of customers/one.example' \
    "$T/out"

# a section name: all of its vendors
check "decommission customers (a section)" run 0 dk decommission customers
check "decommission of the section marks its vendor" \
    grep -q 'customers: 1 vendors decommissioned' "$T/out"
run 0 dk log customers/one.example
check "its audit entry carries the vendor" \
    grep -q '"event":"decommission","vendor":"customers/one.example"' "$T/out"
check "rotate after decommission of the section" run 0 dk rotate

# plan lists the decommissioned orphans' events too (issue 9, item 7)
check "plan of the removed domain (an orphan's name)" \
    run 0 dk plan customers/two.example
check "  lists its withdraw and destroy" sh -c \
    "grep -Eq ' customers/two.example +ed25519 +withdraw ' '$T/out' &&
        grep -Eq ' customers/two.example +ed25519 +destroy ' '$T/out'"
check "plan --json --for 13d" run 0 dk plan --json --for 13d
cp "$T/out" plan.json
check "  has the heirs' schedules, not the removed section's" \
    "$PY" - plan.json <<'PY'
import json, sys
s = {(x["vendor"], x["algorithm"]) for x in json.load(open(sys.argv[1]))["schedules"]}
assert ("customers/two.example", "ed25519") in s, s
assert ("tri", "rsa") in s, s
assert not any(v == "old" for v, a in s), s
PY
plan_seq=$(dk --json log 2>/dev/null | "$PY" -c \
    'import json, sys; print(json.load(sys.stdin)[-1]["seq"])')

# the normal timers: the orphans whose section remains go to destroyed
# with its hooks; a removed section's keys stay, reported
for d in 3 6 9 12 15; do
	DKIMKEYS_NOW=$((start + (2 + d) * 86400))
	run 0 dk rotate || not_ok "rotate, day $d"
done
run 0 dk list --json
check "the heirs' keys are destroyed, the removed section's is not" \
    "$PY" - "$T/out" <<'PY'
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
st = {(k["vendor"], k["algorithm"]): k["state"] for k in keys}
assert st[("customers/two.example", "ed25519")] == "destroyed", st
assert st[("tri", "rsa")] == "destroyed", st
assert st[("dual", "rsa")] == "destroyed", st
assert st[("dual", "ed25519")] == "active", st
assert st[("old", "ed25519")] == "active", st
PY
run 0 dk --json log
cp "$T/out" audit.json
run 0 dk list --json
cp "$T/out" list.json
check "plan agreed with what rotate then did (every 3 days)" \
    "$PY" "$ROOT/tests/integration/plan_check.py" plan.json "$plan_seq" \
    audit.json list.json $((3 * 86400))
for ev in retire revoke withdraw destroy; do
	check "the $ev hook ran for the removed domain's key" \
	    grep -q " $ev c1._domainkey.two.example" rec/events
	check "the $ev hook ran for the dropped algorithm's key" \
	    grep -q " $ev tri2r._domainkey.tri.example" rec/events
done
check "no hook ran for the removed section's key" \
    sh -c "! grep -q old.example rec/events"
finish
