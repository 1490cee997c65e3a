#!/bin/sh
# A compromise that reaches the vendor (issue 9, item 6), against Knot DNS
# on loopback: `revoke` runs the vendor's revoke hooks itself, before any
# rotate, and exits 1 when they fail (0 for "not yet"); then one
# `rotate --settle` generates, publishes, sees served and deploys the
# replacement, polling DNS every 10 s, well within the settle time.
# --settle never waives publish_ahead: a normal successor is published
# and the run ends at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1

# a zone whose negative answers are cached for 2 s only, so that the
# deploy rule's published + negative TTL does not hold the test up
mkdir -p knot/zones
cat >knot/zones/s.test.zone <<'ZONE'
$ORIGIN s.test.
$TTL 2
@ SOA ns1 hostmaster 1 3600 600 86400 2
@ NS ns1
ns1 A 127.0.0.1
ZONE
knot_primary s.test
mkdir -p hooks
cp "$ROOT/hooks/nsupdate" hooks/
# rec: records every event; its revoke exits with the status in $T/rc
cat >hooks/rec <<REC
#!/bin/sh
echo "\$1 \$DKIMKEYS_SELECTOR" >>"$T/events"
[ "\$1" = revoke ] && [ -s "$T/rc" ] && exit "\$(cat "$T/rc")"
exit 0
REC
chmod 755 hooks/*
writeconf "$CONF" <<CONF
$(hook_env 1s)

$(vendor30d mg mg.s.test m%n 2 "hooks/nsupdate hooks/rec")

[vendor:nd]
domain = nd.s.test
selector = n%n
algorithms = ed25519
rotate_every = 30d
publish_ahead = 1d
verify_dns = no
hooks = hooks/rec
CONF
mkpass "$T/pass" 'settle passphrase'
base=$(date -u -d 2026-05-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((base + $1 * 3600)); export DKIMKEYS_NOW; }
# state SELECTOR: the key's state
state() {
	"$DK" -c "$CONF" list --json 2>/dev/null | "$PY" -c 'import json, sys
s = {k["selector"]: k["state"] for k in json.load(sys.stdin)["keys"]}
print(s.get(sys.argv[1]))' "$1"
}

at 0
dkinit
check "the first run publishes" run 0 dk rotate
at 1
check "the next sees the keys served" run 0 dk rotate
at 26
check "after publish_ahead they are deployed" run 0 dk rotate
check "  m1 active" test "$(state m1)" = active
check "  n1 active" test "$(state n1)" = active

# revoke runs the revoke hooks itself
at 48
: >"$T/events"
check "revoke of the active key exits 0" run 0 dk revoke m1 \
    --reason "leaked in vendor incident 4711"
check "  its revoke hooks ran in the command" grep -qx "revoke m1" \
    "$T/events"
check "  and nothing else" test "$(wc -l <"$T/events")" -eq 1
check "  the key is compromised, retired" test "$(state m1)" = retired
check "  no successor yet" test "$(state m2)" = None

# one rotate --settle takes the replacement to active
: >"$T/events"
t0=$(date +%s)
check "rotate --settle=60s exits 0" run 0 dk rotate --settle=60s
t1=$(date +%s)
check "  the successor is active at its end" test "$(state m2)" = active
check "  deployed as the compromised key's replacement" grep -q \
    "^mg: m2._domainkey.mg.s.test: deploy: replaces m1 (compromised; publish_ahead waived)" \
    "$T/out"
check "  after waiting for DNS (at least one 10 s poll)" \
    test $((t1 - t0)) -ge 10
check "  well within the settle time" test $((t1 - t0)) -lt 50
check "  its deploy hook ran, m1's revoke not again" sh -c \
    "grep -qx 'deploy m2' '$T/events' && ! grep -q 'revoke m1' '$T/events'"
check "  each wait said once" test \
    "$(grep -c 'm2._domainkey.mg.s.test: waiting' "$T/out")" -le 1
check "  m1's revocation seen served in the same run" test "$(state m1)" = revoked

# --settle never waives publish_ahead: a normal successor is not waited for
at 60
t0=$(date +%s)
check "rotate --force --settle=60s exits 0" run 0 dk rotate --force \
    --settle=60s mg
t1=$(date +%s)
check "  m3 published, not deployed" test "$(state m3)" = published
check "  without waiting" test $((t1 - t0)) -lt 10
check "  m2 still active" test "$(state m2)" = active
check "a bad --settle is a usage error" run 64 dk rotate --settle=soon
check "-n --settle waits for nothing" run 0 dk rotate -n --settle

# revoke's exit status: 1 when a revoke hook fails, 0 for "not yet"
at 72
echo 3 >"$T/rc"
check "revoke exits 1 when a revoke hook fails" run 1 dk revoke n1
check "  and says the hooks did not succeed" grep -q \
    "n1._domainkey.nd.s.test: revoke hooks did not succeed" "$T/out"
at 73
check "rotate retries them, failing again" run 1 dk rotate nd
echo 75 >"$T/rc"
at 74
check "rotate: not yet" run 0 dk rotate nd
check "  a successor of nd is published and deployed" test \
    "$(state n2)" = active
echo 75 >"$T/rc"
check "revoke exits 0 when a revoke hook says not yet" run 0 dk revoke n2
check "  and says the hooks did not succeed" grep -q \
    "n2._domainkey.nd.s.test: revoke hooks did not succeed" "$T/out"
finish
