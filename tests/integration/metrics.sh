#!/bin/sh
# status --prometheus (issue 9, item 5), without DNS: before any rotate run
# no last-run series; a run whose hook fails leaves its time and result,
# the schedule's error with the hook's words as a label value escaped as
# the text format wants (backslash, double quote), and the key counted
# among the keys with an error; every line of the file is valid text
# format. The lock (issue 12): free, no series of a last commit (a
# folder's runs are all this host's); held (flock(1) on the lock file, as a
# rotate run takes it), held by this host.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p hooks
cat >hooks/api <<'HOOK'
#!/bin/sh
[ -e "$DKIMKEYS_HOOK_FAIL_FILE" ] || exit 0
printf '%s\n' 'vendor said "no" \ try later' >&2
exit 1
HOOK
chmod 755 hooks/api
setup 'metrics passphrase' <<CONF
hook.fail_file = $T/fail

[vendor:mailgun]
domain = mg.test
selector = mg%n
algorithms = ed25519
publish_ahead = 1h
verify_dns = no
hooks = hooks/api
CONF
t0=$(date -u -d 2026-03-01T00:00:00Z +%s)
at() { DKIMKEYS_NOW=$((t0 + $1 * 60)); export DKIMKEYS_NOW; }

# prom NOW ASSERTIONS: the file parsed strictly into samples
# {name: {labels: value}}, then the assertions (Python) run on it
prom() {
	"$PY" - "$T/m.prom" "$@" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
now = int(sys.argv[2])
label = r'[a-z_]+="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'(dkimkeys_[a-z_]+)(\{' + label + '(?:,' + label +
                    r')*\})? (-?[0-9]+)$')
samples = {}
i = 0
while i < len(lines):
    m = re.match(r"# HELP (dkimkeys_[a-z_]+) \S", lines[i])
    assert m, lines[i]
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
exec(sys.argv[3])
PY
}

at 0
dkinit
check "status --prometheus on a new keystore" run 0 dk status --prometheus "$T/m.prom"
check "  no last run yet" prom "$((t0))" '
assert "dkimkeys_last_run_timestamp_seconds" not in samples, samples
assert samples["dkimkeys_error"] == {"{vendor=\"mailgun\",algorithm=\"ed25519\"}": 0}
assert samples["dkimkeys_delegated_error"] == {}'
check "  the lock free; no last commit series (a folder)" prom "$t0" '
assert samples["dkimkeys_lock_held"] == {"": 0}, samples["dkimkeys_lock_held"]
assert "dkimkeys_last_commit_timestamp_seconds" not in samples'
# flock(1) (util-linux, essential in Debian) takes the lock as rotate does
check "status while another process holds the lock" \
    run 0 flock -x "${CONF%/*}/store/lock" "$DK" -c "$CONF" status \
    --prometheus "$T/m.prom"
check "  the lock held, by this host" prom "$t0" "
assert samples['dkimkeys_lock_held'] == {'{host=\"$(hostname)\"}': 1}, samples"
touch fail
check "a rotate run whose publish hook fails" run 1 dk -q rotate
check "  status exits 1" run 1 dk status --prometheus "$T/m.prom"
check "  the run, its time, its failure; the error escaped as a label" prom "$t0" '
assert samples["dkimkeys_last_run_timestamp_seconds"][""] == now
assert samples["dkimkeys_last_run_success"][""] == 0
errs = samples["dkimkeys_error"]
assert len(errs) == 1, errs
(k, v), = errs.items()
assert v == 1, errs
assert k.startswith("{vendor=\"mailgun\",algorithm=\"ed25519\",reason=\""), k
assert "vendor said \\\"no\\\" \\\\ try later" in k, k
assert samples["dkimkeys_keys_with_error"] == {"{vendor=\"mailgun\",algorithm=\"ed25519\"}": 1}
assert samples["dkimkeys_stall_age_seconds"]["{vendor=\"mailgun\",algorithm=\"ed25519\"}"] == 0'
rm fail
at 10
check "the next run succeeds" run 0 dk -q rotate
check "  status exits 0" run 0 dk status --prometheus "$T/m.prom"
check "  the run is recorded ok, no error left" prom "$((t0 + 600))" '
assert samples["dkimkeys_last_run_timestamp_seconds"][""] == now
assert samples["dkimkeys_last_run_success"][""] == 1
assert samples["dkimkeys_error"] == {"{vendor=\"mailgun\",algorithm=\"ed25519\"}": 0}
assert samples["dkimkeys_keys_with_error"] == {"{vendor=\"mailgun\",algorithm=\"ed25519\"}": 0}'
at 20
check "a dry run" run 0 dk rotate -n
check "  is not recorded as the last run" sh -c "'$DK' -c '$CONF' status --prometheus '$T/m.prom' >/dev/null 2>&1; grep -q '^dkimkeys_last_run_timestamp_seconds $((t0 + 600))\$' '$T/m.prom'"
finish
