#!/bin/sh
# The operator's commands around rotate, against Knot DNS on loopback:
# revoke (compromise), hold and release, decommission, check, delegated
# vendors behind CNAMEs, status --prometheus, backup, the clock rule, and
# --json documents that parse.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
cd "$T" || exit 1

knot_primary c.test vendor.test
mkdir -p hooks rec
cp "$ROOT/hooks/nsupdate" "$ROOT/tests/data/hooks/recorder" hooks/
chmod 755 hooks/*
setup 'commands passphrase' <<CONF
$(hook_env)
hook.record_dir = $T/rec

[vendor:esp]
domain = esp.c.test
selector = e%n
algorithms = ed25519
rotate_every = 30d
publish_ahead = 2d
overlap = 2d
revoke_for = 2d
ttl = 300
hooks = hooks/nsupdate hooks/recorder

[vendor:crm]
domain = crm.c.test
selector = c%n
algorithms = rsa-2048
publish_ahead = 1d
overlap = 1d
revoke_for = 1d
ttl = 300
hooks = hooks/nsupdate hooks/recorder

[vendor:sg]
mode = delegated
domain = c.test
selectors = s1 s2
cname_targets = s1=s1.dk.vendor.test s2=s2.dk.vendor.test
standby_selectors = s2
CONF
base=$(date -u -d 2026-04-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((base + $1 * 3600)); export DKIMKEYS_NOW; }
# advance FROM TO [VENDOR...]: rotate every 12 hours from hour FROM to TO
advance() {
	h=$1 to=$2
	shift 2
	while [ $h -le $to ]; do
		DKIMKEYS_NOW=$((base + h * 3600)) "$DK" -c "$T/dkimkeys.conf" \
		    -q rotate "$@" >/dev/null 2>&1
		h=$((h + 12))
	done
}
upd() { printf 'server 127.0.0.1 %s\n%s\nsend\n' "$PORT" "$1" |
    nsupdate -k "$TSIG"; }
state() { dk list --json 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(k["state"] for k in json.load(sys.stdin)["keys"]
    if k["selector"] == sys.argv[1]))' "$1"; }
json() { "$PY" -c 'import json, sys; json.load(sys.stdin)'; }
ED=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=

# the delegated vendor's CNAMEs and the keys behind them
upd "zone vendor.test
update add key1.vendor.test 300 TXT \"v=DKIM1; k=ed25519; p=$ED\""
upd "zone c.test
update add s1._domainkey.c.test 300 CNAME s1.dk.vendor.test.
update add s2._domainkey.c.test 300 CNAME s2.dk.vendor.test."
upd "zone vendor.test
update add s1.dk.vendor.test 300 CNAME key1.vendor.test."

at 0
dkinit
check "first run" run 0 dk rotate
check "rotate --json parses" sh -c "'$DK' -c '$T/dkimkeys.conf' --json rotate 2>/dev/null | $PY -c 'import json,sys; json.load(sys.stdin)'"
at 24
dk -q rotate >/dev/null 2>&1
at 72
check "keys active after publish_ahead" run 0 dk rotate
check "  esp" test "$(state e1)" = active
check "the delegated key was observed" sh -c "'$DK' -c '$T/dkimkeys.conf' status 2>/dev/null | grep -q 's1 -> s1.dk.vendor.test'"
check "check: every record as the keystore says" run 0 dk check
check "check --json parses" sh -c "'$DK' -c '$T/dkimkeys.conf' check --json 2>/dev/null | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"ok\"] and len(d[\"records\"]) >= 3'"
# no zone here has a DMARC record: a warning for each vendor, exit 0
check "check judges every vendor's DMARC record: none, a warning each" \
    sh -c "'$DK' -c '$T/dkimkeys.conf' check --json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert [o[\"vendor\"] for o in d[\"dmarc\"]] == [\"esp\", \"crm\", \"sg\"], d
assert all(o[\"ok\"] and o[\"warnings\"] == 1 and o[\"record\"] is None
    for o in d[\"dmarc\"]), d
w = [r[\"what\"] for r in d[\"records\"] if \"DMARC\" in r[\"what\"]]
assert w == [\"warning: no DMARC record applies to \" + n + \": DMARC cannot pass (none at _dmarc.\" + n + m + \")\"
    for n, m in ((\"esp.c.test\", \" nor at its organizational domain _dmarc.c.test\"),
        (\"crm.c.test\", \" nor at its organizational domain _dmarc.c.test\"),
        (\"c.test\", \"\"))], w
'"

# the delegated vendor rotates its key: recorded; a wrong target: failure
upd "zone vendor.test
update delete key1.vendor.test TXT
update add key1.vendor.test 300 TXT \"v=DKIM1; k=rsa; p=$(openssl pkey -in "$VECTORS/rfc6376-brisbane.key" -pubout -outform DER 2>/dev/null | base64 -w0)\""
at 84
check "a delegated key that changes is a vendor rotation" sh -c "'$DK' -c '$T/dkimkeys.conf' rotate sg 2>/dev/null | grep -q 'vendor rotated'"
check "  in the audit log" sh -c "'$DK' -c '$T/dkimkeys.conf' log 2>/dev/null | grep -q vendor-rotation"
check "  under the vendor (log sg)" sh -c "'$DK' -c '$T/dkimkeys.conf' log sg 2>/dev/null | grep -q vendor-rotation"
upd "zone c.test
update delete s1._domainkey.c.test CNAME
update add s1._domainkey.c.test 300 CNAME evil.example."
at 96
check "a CNAME to another target fails rotate" run 1 dk rotate sg
check "  naming the takeover risk" grep -q takeover "$T/out"
check "  and check reports it" run 1 dk check sg
check "  status exits 1 for it" run 1 dk status sg
check "  and shows the error" grep -q "sg .*delegated: last error .*CNAME points to evil.example" "$T/out"
check "  in JSON too" sh -c "'$DK' -c '$T/dkimkeys.conf' status --json sg 2>/dev/null | $PY -c 'import json,sys; d=json.load(sys.stdin); assert \"evil.example\" in d[\"delegated_vendors\"][0][\"error\"]'"

# check sees DNS that differs from the keystore
upd "zone c.test
update delete e1._domainkey.esp.c.test TXT
update add e1._domainkey.esp.c.test 300 TXT \"v=DKIM1; k=ed25519; p=$ED\""
check "check exits 1 when DNS serves another p=" run 1 dk check esp
check "  and says so" grep -q "PROBLEM e1._domainkey.esp.c.test" "$T/out"
DKIMKEYS_NOW=$((base + 108 * 3600)) dk -q rotate --republish esp >/dev/null 2>&1
check "rotate --republish puts the record back" run 0 dk check esp

# compromise: revoked at once, replaced as soon as DNS serves the next key
at 120
check "revoke the active key" run 0 dk revoke e1 --reason "leaked in a ticket"
check "  it is compromised and retired" test "$(state e1)" = retired
check "  DNS serves the revocation at once" sh -c "'$DK' -c '$T/dkimkeys.conf' check esp 2>/dev/null | grep -q 'ok      e1._domainkey.esp.c.test: expected the revoked'"
check "  revoking it again is refused" run 64 dk revoke e1
check "  no retire event for it" sh -c "! grep -q ' retire e1._domainkey' rec/events"
check "the next run makes and publishes a replacement" run 0 dk rotate esp
at 132
check "the run after deploys it (publish_ahead waived)" run 0 dk rotate esp
check "  e2 is active" test "$(state e2)" = active
check "  with the compromised key as previous selector" grep -q 'deploy e2._domainkey.esp.c.test. [0-9a-f]* ed25519 sha256:[0-9a-f]* e1$' rec/events
check "  and the audit says publish_ahead was waived" sh -c "'$DK' -c '$T/dkimkeys.conf' log esp 2>/dev/null | grep -q publish_ahead_waived"

# hold and release
check "hold" run 0 dk hold crm
advance 144 $((24 * 40 - 12))
at $((24 * 40))
check "a held vendor gets no successor, even with --force" run 0 dk rotate --force crm
check "  none made" test -z "$(state c2)"
check "  status shows it held" sh -c "'$DK' -c '$T/dkimkeys.conf' status crm 2>/dev/null | grep -q held"
check "release" run 0 dk release crm
check "a released vendor rotates" run 0 dk rotate --force crm
check "  its successor is published" test "$(state c2)" = published

# status --prometheus
# exit 1: sg's CNAME still points at evil.example (set at hour 96), and
# a delegated vendor's failure is trouble for status as for check
check "status --prometheus" run 1 dk status --prometheus "$T/dkimkeys.prom"
check "  writes node_exporter textfile metrics" "$PY" - "$T/dkimkeys.prom" "$((base + 24 * 40 * 3600))" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
now = int(sys.argv[2])
# the text format: HELP, TYPE, then that metric's samples; label values
# escaped (backslash, double quote, line feed); values numeric
label = r'[a-z_]+="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'(dkimkeys_[a-z_]+)(\{' + label + '(?:,' + label +
                    r')*\})? (-?[0-9]+)$')
samples = {}
cur = None
i = 0
while i < len(lines):
    l = lines[i]
    m = re.match(r"# HELP (dkimkeys_[a-z_]+) \S", l)
    assert m, l
    cur = m.group(1)
    assert lines[i + 1] == "# TYPE %s gauge" % cur, lines[i + 1]
    assert cur not in samples, "twice: " + cur
    samples[cur] = {}
    i += 2
    while i < len(lines) and not lines[i].startswith("#"):
        m = sample.match(lines[i])
        assert m and m.group(1) == cur, lines[i]
        samples[cur][m.group(2) or ""] = int(m.group(3))
        i += 1
for name in ("dkimkeys_key_age_seconds", "dkimkeys_late",
             "dkimkeys_next_action_timestamp_seconds", "dkimkeys_error",
             "dkimkeys_stall_age_seconds", "dkimkeys_keys_with_error"):
    assert samples.get(name), name
def one(name, labels):
    got = [v for k, v in samples[name].items() if k.startswith(labels)]
    assert len(got) == 1, (name, labels, samples[name])
    return got[0]
# the last run: crm's, at day 40, without failure
assert samples["dkimkeys_last_run_timestamp_seconds"][""] == now
assert samples["dkimkeys_last_run_success"][""] == 1
assert one("dkimkeys_error", '{vendor="esp",algorithm="ed25519"') == 0
# the delegated vendor: its error with a reason, its observation
errs = samples["dkimkeys_delegated_error"]
assert len(errs) == 1, errs
(k, v), = errs.items()
assert v == 1 and 'vendor="sg",reason="s1._domainkey.c.test: CNAME points to evil.example' in k, k
s1 = '{vendor="sg",selector="s1"}'
assert samples["dkimkeys_delegated_target_ok"][s1] == 0
assert samples["dkimkeys_delegated_key_bits"][s1] == 1024
assert samples["dkimkeys_delegated_rotations"][s1] == 1
assert samples["dkimkeys_delegated_last_seen_timestamp_seconds"][s1] > 0
PY
check "status --json parses" sh -c "'$DK' -c '$T/dkimkeys.conf' status --json 2>/dev/null | $PY -c 'import json,sys; json.load(sys.stdin)'"

# decommission: everything retired, revoked, withdrawn, destroyed
check "decommission" run 0 dk decommission crm
advance $((24 * 40 + 12)) $((24 * 45)) crm
check "  every key of the vendor ends destroyed" test "$(state c1) $(state c2)" = "destroyed destroyed"
check "  and its records are gone" test "$(txt c1._domainkey.crm.c.test)" = NXDOMAIN

# backup and the clock
check "backup" run 0 dk backup "$T/store.tar"
check "  a tar of the keystore" sh -c "tar -tf '$T/store.tar' | grep -q store/state"
refuse 73 "exists" "backup will not overwrite" dk backup "$T/store.tar"
at 0
check "a run whose now is before the keystore's refuses" run 1 dk rotate
check "  saying why" grep -q "before the keystore" "$T/err"
at $((24 * 400))
check "a jump past max_clock_jump refuses" run 1 dk rotate
check "  unless --accept-time-jump (late after a year: exit 1)" \
    run 1 dk rotate --accept-time-jump esp
check "  and then it does the work" test "$(state e4)" = published
check "log --verify" run 0 dk log --verify

# hook_user: refused while that user could read the configuration folder
sed 's/^\[dkimkeys\]$/[dkimkeys]\nhook_user = nobody/' dkimkeys.conf >user.conf
chmod 755 "$T"
refuse 77 "hook_user nobody can read $T" \
    "hook_user that can read the config folder: 77" \
    "$DK" -c "$T/user.conf" rotate --accept-time-jump esp
chmod 700 "$T"
finish
