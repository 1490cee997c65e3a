#!/bin/sh
# The hook's own words (issue 9, item 4): a failed hook's last line of
# standard error ends its line of the rotate report, so `-q rotate` (the
# cron mail) says it, and `revoke` prints it; a batch hook's too. A hook
# that prints the private key's PEM lines or its base64 DER gets
# "[redacted]" there, as in the log. Log file lines start with the run's
# now (RFC 3339) and name the vendor the message concerns.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p hooks
# a vendor API stand-in, told what to do by $T/mode: "EVENT:MODE" lines
cat >hooks/api <<'HOOK'
#!/bin/sh
mode=$(sed -n "s/^$1://p" "$DKIMKEYS_HOOK_MODE_FILE" 2>/dev/null)
case $mode in
fail) echo "posting $DKIMKEYS_SELECTOR"
	echo "HTTP 404" >&2
	echo "Mailgun: domain not found" >&2
	exit 1 ;;
pem) echo "cannot parse this key:" >&2; sed -n 3p >&2; exit 1 ;;
der) grep -v -- ----- | tr -d '\n' >&2; echo >&2; exit 1 ;;
retry) echo "Mailgun: 429 too many requests" >&2; exit 75 ;;
enc) # every encoding of the key a hook can trivially make
	cd "$(mktemp -d)" || exit 1
	cat >key.pem
	openssl rsa -traditional -in key.pem
	openssl rsa -traditional -in key.pem -outform DER | base64 -w0; echo
	openssl pkey -in key.pem -outform DER | base64 -w0; echo
	openssl pkey -in key.pem -outform DER | od -An -v -tx1 | tr -d ' \n'
	echo
	openssl rsa -traditional -in key.pem -outform DER |
	    od -An -v -tx1 | tr -d ' \n' | tr a-f A-F; echo
	openssl rsa -in key.pem -text -noout
	openssl rsa -traditional -in key.pem -outform DER; echo
	openssl pkey -in key.pem -outform DER; echo
	grep -v -- ----- key.pem | tail -n 1
	openssl rsa -traditional -in key.pem | grep -v -- ----- | tail -n 1
	openssl rsa -traditional -in key.pem | grep -v -- ----- | tail -n 1 >&2
	rm -f key.pem; rmdir "$PWD"
	exit 1 ;;
esac
exit 0
HOOK
# a batch hook: fails every key of the first line, or exits 1 unreported
cat >hooks/bulk <<'HOOK'
#!/bin/sh
mode=$(sed -n "s/^batch-$1://p" "$DKIMKEYS_HOOK_MODE_FILE" 2>/dev/null)
case $mode in
fail) sed 's/.*"record_name":"\([^"]*\)".*/fail \1 zone refused the update/'
	exit 0 ;;
die) cat >/dev/null; echo "powerdns: 401 Unauthorized" >&2; exit 1 ;;
esac
sed 's/.*"record_name":"\([^"]*\)".*/ok \1/'
HOOK
chmod 755 hooks/*
printf 'one.test\n' >shops.txt
setup 'words passphrase' <<CONF
hook.mode_file = $T/mode

[vendor:mailgun]
domain = mg.test
selector = mg%n
algorithms = rsa
publish_ahead = 1h
verify_dns = no
hooks = hooks/api

[vendor:shops]
domains_file = shops.txt
selector = s%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
batch_hooks = hooks/bulk
CONF
sed -i "s|^log = stderr|log = $T/dk.log|" "$CONF"
at() { DKIMKEYS_NOW=$(($(date -u -d 2026-03-01T00:00:00Z +%s) + $1 * 60)); export DKIMKEYS_NOW; }
mode() { printf '%s\n' "$@" >mode; }
# line PATTERN: the report (stdout of the last run) has a line matching it
line() { grep -q -- "$1" "$T/out" || { sed 's/^/  out: /' "$T/out"; false; }; }

at 0
dkinit
mode batch-publish:die
check "a batch hook that dies fails the run" run 1 dk -q rotate
check "  -q names its own words" \
    line '^shops/one.test: s1._domainkey.one.test: failed: .*bulk: exit 1, not reported: powerdns: 401 Unauthorized$'
mode batch-publish:fail
at 10
check "a batch hook's fail line fails the run" run 1 dk -q rotate
check "  -q says its reason" line 'failed: zone refused the update$'
mode
at 20
check "then both are published" run 0 dk -q rotate
at 90
mode deploy:fail
check "a failing deploy hook fails the run" run 1 dk -q rotate mailgun
check "  -q prints only its line" test "$(wc -l <"$T/out")" -eq 1
check "  ending with the hook's last line of standard error" \
    line '^mailgun: mg1._domainkey.mg.test: failed: deploy hook .*/hooks/api: exit 1: Mailgun: domain not found$'
check "  status keeps it" sh -c "dk() { '$DK' -c '$CONF' \"\$@\"; }; dk status mailgun 2>/dev/null | grep -q 'domain not found'"
at 100
mode deploy:retry
check "a hook exiting 75 waits" run 0 dk rotate mailgun
check "  in its own words" line 'waiting: deploy hook .*: exit 75: Mailgun: 429 too many requests$'
at 110
mode deploy:pem
check "a hook printing a line of the key's PEM fails" run 1 dk -q rotate mailgun
check "  the report says [redacted]" line 'exit 1: \[redacted\]$'
cp "$T/out" pem.out
at 120
mode deploy:der
check "a hook printing the key's base64 DER fails" run 1 dk -q rotate mailgun
check "  the report says [redacted]" line 'exit 1: \[redacted\]$'
cp "$T/out" der.out
check "  no piece of the key reached the reports or the log" \
    env DK="$DK" CONF="$CONF" "$PY" - <<'PY'
import subprocess
pem = subprocess.run(["sh", "-c", '"$DK" -c "$CONF" export mg1._domainkey.mg.test'],
                     capture_output=True, text=True, check=True).stdout
der = "".join(l for l in pem.splitlines() if not l.startswith("-----"))
assert len(der) > 1000, "no key exported"
seen = open("pem.out").read() + open("der.out").read() + open("dk.log").read()
assert "[redacted]" in seen
assert not any(der[i:i + 16] in seen for i in range(len(der) - 15)), "leaked"
PY
at 125
mode deploy:enc
check "a hook printing every encoding of the key fails" run 1 dk -q rotate mailgun
check "  the report says [redacted]" line 'exit 1: \[redacted\]$'
cp "$T/out" enc.out
check "  no encoding of the key reached the report or the log" \
    env DK="$DK" CONF="$CONF" "$PY" - <<'PY'
import base64, re, subprocess
def sh(cmd, data=None):
    return subprocess.run(["sh", "-c", cmd], input=data, capture_output=True,
                          check=True).stdout
pem = sh('"$DK" -c "$CONF" export mg1._domainkey.mg.test')
p8 = sh("openssl pkey -outform DER", pem)
p1 = sh("openssl rsa -traditional -outform DER", pem)
p1pem = sh("openssl rsa -traditional", pem).decode()
text = sh("openssl rsa -text -noout", pem).decode()
seen = open("enc.out", "rb").read() + open("dk.log", "rb").read()
assert b"[redacted]" in seen
def clean(b):  # as the log has it: control characters become "?"
    return bytes(c if c >= 0x20 and c != 0x7f or c == 9 else 0x3f for c in b)
forms = []
for der in (p8, p1):
    forms += [base64.b64encode(der), der.hex().encode(),
              der.hex().upper().encode(), clean(der)]
for f in forms:
    assert not any(f[i:i + 16] in seen for i in range(len(f) - 15)), "leaked"
lines = [l for l in p1pem.splitlines() + pem.decode().splitlines()
         if not l.startswith("-----")]
assert len(lines) > 40
log = seen.decode("utf-8", "replace").splitlines()
leaked = [l for l in lines if any(l in x for x in log)]
assert not leaked, "%d PEM lines leaked" % len(leaked)
pairs = [l.strip() for l in text.splitlines() if re.match(r"\s+[0-9a-f]{2}:", l)]
assert not [l for l in pairs if any(l in x for x in log)], "text leaked"
PY
at 130
mode
check "the next run deploys" run 0 dk -q rotate mailgun
check "  and prints nothing" test ! -s "$T/out"
mode revoke:fail
check "revoke with a failing revoke hook" run 1 dk revoke mg1._domainkey.mg.test
check "  prints the hook's own words" \
    line 'revoke hooks did not succeed (revoke hook .*: exit 1: Mailgun: domain not found)'
check "log file lines start with the run's now (RFC 3339)" sh -c "test -s '$T/dk.log' &&
    ! grep -Eqv '^2026-03-01T0[0-2]:[0-5][0-9]:[0-5][0-9]Z (error|warning|info) ' '$T/dk.log'"
check "  a deploy hook's output names its vendor" \
    grep -q '^2026-03-01T01:30:0[0-9]Z info vendor=mailgun: hook api deploy: posting mg1$' "$T/dk.log"
check "  its failure too" \
    grep -q '^2026-03-01T01:30:0[0-9]Z warning vendor=mailgun: hook api deploy: exit 1$' "$T/dk.log"
check "  a batch hook's names its section" \
    grep -q '^2026-03-01T00:00:0[0-9]Z info vendor=shops: hook bulk publish: powerdns: 401 Unauthorized$' "$T/dk.log"
check "  the revoke's too" \
    grep -q 'Z warning vendor=mailgun: hook api revoke: exit 1$' "$T/dk.log"
finish
