#!/bin/sh
# The state as a checkpoint and state.log (keystore/FORMAT section 5.5):
# a version 2 keystore is read and upgraded; the state is bound to its
# keystore and to the audit log (SPEC section 7, Binding): an old copy put
# back, or another keystore's, is refused with 65 by every command, also
# by log --verify, while a crash between a commit and its audit append is
# completed; a torn last group is cut, an edited or reordered one refused.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
FDK=$ROOT/tests/dkimkeys-faults

# perms DIR: the modes a keystore must have (git keeps none)
perms() {
	find "$1" -type d -exec chmod 700 {} + &&
	    find "$1" -type f -exec chmod 600 {} +
}

# --- a keystore written by the version before state.log
cp -R "$ROOT/tests/data/ks-v2" v2
perms v2
v2() {
	"$DK" -c v2/dkimkeys.conf "$@"
}
check "version 2: list reads it" \
    run 0 env DKIMKEYS_NOW=1767312500 "$DK" -c v2/dkimkeys.conf list
check "  the key as stored" grep -q 'mg1e.*published' "$T/out"
check "  a read-only command upgrades nothing" \
    sh -c '[ ! -e v2/store/state.log ] &&
        [ "$(head -n 1 v2/store/state)" = "dkimkeys-state 2" ]'
check "version 2: rotate (--simulate: it predates the mark) upgrades it" \
    run 0 env DKIMKEYS_NOW=1767485200 "$DK" -c v2/dkimkeys.conf rotate --simulate
check "  state is version 3, bound to its keystore, beside state.log" \
    sh -c '[ "$(head -n 1 v2/store/state)" = "dkimkeys-state 3" ] &&
        grep -q "^keystore [0-9a-f]\{32\}$" v2/store/state &&
        head -n 1 v2/store/state.log | grep -q "^dkimkeys-log 3 "'
check "  the key deployed" \
    run 0 env DKIMKEYS_NOW=1767485300 "$DK" -c v2/dkimkeys.conf list
check "  as active" grep -q 'mg1e.*active' "$T/out"
check "  log --verify" run 0 v2 log --verify
cp v2/store/state v2.state
check "a version 2 state put back beside state.log: 65" sh -c '
    cp "$0/tests/data/ks-v2/store/state" v2/store/state &&
    chmod 600 v2/store/state &&
    DKIMKEYS_NOW=1767485300 "$1" -c v2/dkimkeys.conf list >/dev/null 2>err
    [ $? -eq 65 ] && grep -q "v2/store/state: version 2 beside" err' \
    "$ROOT" "$DK"
cp v2.state v2/store/state

# --- binding
setup 'binding passphrase' <<'CONF'
[vendor:esp]
domain = mg.example.com
selector = mg%n%a
algorithms = ed25519
verify_dns = no
CONF
dkinit
check "rotate" run 0 dk rotate
check "  generates and publishes in one run: several commit groups" \
    test "$(grep -c '^commit ' store/state.log)" -ge 2
mkdir old
cp -p store/state store/state.log old/
check "revoke the key" run 0 dk revoke mg1e --reason leaked
check "  listed compromised" sh -c '"$0" -c "$1" list | grep -q "mg1e.*revoked"' \
    "$DK" "$CONF"
cp -p store/state store/state.log .
cp -p old/state old/state.log store/
refuse 65 "store/state: behind the audit log .*line [0-9]+ was appended" \
    "old state and state.log put back: list refuses it (65)" dk list
refuse 65 "store/state: behind the audit log" \
    "  rotate refuses it" dk rotate
refuse 65 "store/state: behind the audit log" \
    "  log --verify reports it" dk log --verify
cp -p old/state store/
check "old state alone put back: refused or not believed" sh -c '
    "$0" -c "$1" list >out 2>err; rc=$?
    [ $rc -eq 65 ] || { [ $rc -eq 0 ] && grep -q "mg1e.*revoked" out; }' \
    "$DK" "$CONF"
cp -p state state.log store/
check "the real state back: list" run 0 dk list
check "  log --verify" run 0 dk log --verify

# another keystore's state
mkdir other
writeconf other/dkimkeys.conf <<'CONF'
[vendor:esp]
domain = other.example.com
selector = o%n%a
algorithms = ed25519
verify_dns = no
CONF
mkpass other/pass 'other passphrase'
check "another keystore" run 0 "$DK" -c other/dkimkeys.conf init \
    --kdf interactive --new-passphrase-file other/pass
check "  with a key" run 0 "$DK" -c other/dkimkeys.conf rotate
cp -p other/store/state other/store/state.log store/
refuse 65 "store/state: belongs to another keystore" \
    "another keystore's state and state.log: refused (65)" dk list
refuse 65 "store/state: belongs to another keystore" \
    "  rotate refuses it" dk rotate
cp -p other/store/state store/
refuse 65 "store/state: belongs to another keystore" \
    "another keystore's state alone: refused (65)" dk list
cp -p state state.log store/
check "the real state back: rotate" run 0 dk rotate

# --- a crash between a commit and its audit append is no replay
# kill_in FAULT: hold and release esp in turn with the crash point FAULT
# armed, until one is killed there (8 runs at most); $killed: the command
# killed, empty when none was
kill_in() {
	i=0 killed=
	while [ $i -lt 8 ] && [ -z "$killed" ]; do
		cmd=hold
		[ $((i % 2)) -eq 1 ] && cmd=release
		DKIMKEYS_FAULT=$1:1 "$FDK" -c "$CONF" $cmd esp >/dev/null 2>&1
		[ $? -eq 137 ] && killed=$cmd
		i=$((i + 1))
	done
}
if [ -x "$FDK" ]; then
	check "killed right after a commit (hold)" run 137 \
	    env DKIMKEYS_FAULT=commit-renamed:1 "$FDK" -c "$CONF" hold esp
	check "  list reads it (the entry still to append)" run 0 dk list
	check "  log --verify" run 0 dk log --verify
	check "  the next changing run completes it" run 0 dk release esp
	check "  appending the entry" grep -q "appended 1 entry of a commit" \
	    "$T/err"
	check "  once" test "$(grep -c '"event":"hold"' store/audit.log)" -eq 1
	# the first commit of a run whose state.log has grown is a checkpoint
	# (no group written): a few runs get to one that appends a group
	kill_in log-torn
	check "killed in the middle of a commit group ($killed)" \
	    test -n "$killed"
	check "  list reads the rest" run 0 dk list
	n=$(grep -c '"event":"'"$killed"'"' store/audit.log)
	check "  $killed again" run 0 dk "$killed" esp
	check "  has cut the torn group" sh -c \
	    'tail -n 1 store/state.log | grep -q "^commit \|^dkimkeys-log "'
	check "  which was not committed: $killed audited once" \
	    test "$(grep -c '"event":"'"$killed"'"' store/audit.log)" -eq \
	    $((n + 1))
	check "  log --verify" run 0 dk log --verify
	# a locked open folds state.log into a new checkpoint once it has
	# grown past a quarter of it: a few runs get there
	kill_in checkpoint-renamed
	check "killed after a checkpoint, before its new state.log" \
	    test -n "$killed"
	check "  list reads it" run 0 dk list
	check "  release" run 0 dk release esp
	check "  log --verify" run 0 dk log --verify
else
	not_ok "tests/dkimkeys-faults not built"
fi

# --- state.log tampered with: a new keystore in $T/store
mv store store.binding
CONF=$T/t3.conf
writeconf "$CONF" <<'CONF'
[vendor:esp]
domain = t3.example.com
selector = t%n%a
algorithms = ed25519
verify_dns = no
CONF
dkinit
check "a run with several commits" run 0 dk rotate
check "  leaves several groups" \
    test "$(grep -c '^commit ' store/state.log)" -ge 2
cp -p store/state.log good.log
# tamper HOW: a copy of good.log changed by python, then put in place
tamper() {
	"$PY" - "$1" good.log store/state.log <<'PY'
import sys
how, src, dst = sys.argv[1:]
lines = open(src).read().split("\n")[:-1]
commits = [i for i, l in enumerate(lines) if l.startswith("commit ")]
if how == "edit":      # a record of the first group changed
    i = next(i for i in range(1, commits[0]) if lines[i].startswith(("key ", "audit ")))
    lines[i] = lines[i].replace("=", "=x", 1) if lines[i].startswith("key ") else lines[i][:-1] + ("0" if lines[i][-1] != "0" else "1")
elif how == "swap":    # the first two groups swapped
    g1 = lines[1:commits[0] + 1]
    g2 = lines[commits[0] + 1:commits[1] + 1]
    lines = lines[:1] + g2 + g1 + lines[commits[1] + 1:]
elif how == "records": # two lines of the first group swapped
    lines[1], lines[2] = lines[2], lines[1]
elif how == "drop":    # the first commit line removed
    del lines[commits[0]]
open(dst, "w").write("\n".join(lines) + "\n")
PY
}
# tampered HOW WHY DESCRIPTION COMMAND...: after tamper HOW, the command
# refuses the keystore (65) with state.log damaged at a line for WHY
tampered() {
	tamper "$1"
	why=$2
	shift 2
	refuse 65 "state.log: damaged: line [0-9]+: $why" "$@"
}
tampered edit "checksum mismatch" "a record edited in the middle: 65" dk list
tampered swap "commit line out of order" "two groups reordered: 65" dk list
tampered records "checksum mismatch" \
    "two records of a group reordered: 65" dk list
tampered drop "commit line out of order" "a commit line removed: 65" \
    dk rotate
cp -p good.log store/state.log
check "state.log restored: rotate" run 0 dk rotate
check "  log --verify" run 0 dk log --verify
printf 'key vendor=esp domain=mg.exa' >>store/state.log
check "a torn last group: list reads the rest" run 0 dk list
check "  a changing run" run 0 dk hold esp
check "  cuts it, or starts a new state.log" sh -c \
    'tail -n 1 store/state.log | grep -q "^commit \|^dkimkeys-log "'
check "  log --verify" run 0 dk log --verify
finish
