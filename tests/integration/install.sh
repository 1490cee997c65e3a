#!/bin/sh
# make install and make uninstall into a DESTDIR under $T, from the source
# tree, without rebuilding (make -o dkimkeys: the binary exists when the
# integration tests run). With PREFIX=/usr/local: the binary, the three
# man pages, every file of hooks/ (executable, unchanged) in
# libexec/dkimkeys/hooks, the systemd units where systemd looks
# (lib/systemd/system) and the cron file in /etc/cron.d, both naming the
# installed binary, the bash completion where bash-completion looks
# (share/bash-completion/completions), the sysusers.d file of the
# service's user (lib/sysusers.d), the drop-in examples
# (share/doc/dkimkeys), the sample configuration (0600);
# a second install
# keeps an edited configuration; make uninstall removes every file but
# the configuration. With PREFIX=/opt/dkimkeys the units and the cron file
# name /opt/dkimkeys/sbin/dkimkeys.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need make
[ -x "$DK" ] || { echo "no $DK: build it first (make dkimkeys)"; exit 1; }

# mk TARGET VAR=VALUE...: make in the source tree, quietly, as a fresh
# make (not as a sub-make of make check), never rebuilding dkimkeys
mk() {
	(cd "$ROOT" && exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -o dkimkeys "$@") >"$T/make.out" 2>&1
}

# mode FILE: its permission bits in octal, as stat prints them
mode() {
	stat -c %a "$1"
}

R=$T/root
check "make install DESTDIR PREFIX=/usr/local exits 0" \
    mk install DESTDIR="$R" PREFIX=/usr/local
[ -s "$T/make.out" ] && sed 's/^/  make: /' "$T/make.out"

check "the binary in usr/local/sbin, executable, the one built" \
    sh -c "[ -x '$R/usr/local/sbin/dkimkeys' ] &&
        cmp -s '$DK' '$R/usr/local/sbin/dkimkeys'"
check "  and it runs" sh -c "'$R/usr/local/sbin/dkimkeys' --help 2>&1 |
    grep -q '^usage: dkimkeys'"
for m in man8/dkimkeys.8 man5/dkimkeys.conf.5 man7/dkimkeys-hooks.7; do
	check "man page $m, mode 0644" \
	    sh -c "cmp -s '$ROOT/man/${m#*/}' '$R/usr/local/share/man/$m' &&
	        [ \$(stat -c %a '$R/usr/local/share/man/$m') = 644 ]"
done

B=$R/usr/local/share/bash-completion/completions/dkimkeys
check "the bash completion in share/bash-completion/completions, mode 0644" \
    sh -c "cmp -s '$ROOT/etc/dkimkeys.bash-completion' '$B' &&
        [ \$(stat -c %a '$B') = 644 ]"
check "  and it completes commands of the installed binary" sh -c "
    [ \"\$(bash -c '. \"\$1\"; COMP_WORDS=(\"\$2\" rot); COMP_CWORD=1;
        _dkimkeys; echo \"\${COMPREPLY[*]}\"' - '$B' \\
        '$R/usr/local/sbin/dkimkeys')\" = rotate ]"

H=$R/usr/local/libexec/dkimkeys/hooks
nhooks=0
for h in "$ROOT"/hooks/*; do
	n=${h##*/}
	case $n in *.md | *~) continue ;; esac
	nhooks=$((nhooks + 1))
	if [ -f "$H/$n" ] && [ "$(mode "$H/$n")" = 755 ] &&
	    cmp -s "$h" "$H/$n"; then
		ok "hook $n in libexec/dkimkeys/hooks, mode 0755, unchanged"
	else
		not_ok "hook $n in libexec/dkimkeys/hooks, mode 0755, unchanged"
		stat -c "%a %n" "$H/$n" 2>&1 | sed 's/^/  /'
	fi
done
check "hooks/ has the reveal-dir hook ($nhooks hooks)" test -f "$H/reveal-dir"
check "nothing else in the hooks folder" \
    test "$(find "$H" -type f | wc -l)" -eq "$nhooks"

U=$R/usr/local/lib/systemd/system
for u in dkimkeys.service dkimkeys.timer; do
	check "unit $u in lib/systemd/system, mode 0644" \
	    sh -c "[ -f '$U/$u' ] && [ \$(stat -c %a '$U/$u') = 644 ]"
done
check "the service runs /usr/local/sbin/dkimkeys rotate" \
    grep -qx 'ExecStart=/usr/local/sbin/dkimkeys rotate' "$U/dkimkeys.service"
S=$R/usr/local/lib/sysusers.d/dkimkeys.conf
check "the dkimkeys user's sysusers.d file in lib/sysusers.d, mode 0644" \
    sh -c "cmp -s '$ROOT/etc/dkimkeys.sysusers' '$S' &&
        [ \$(stat -c %a '$S') = 644 ]"
check "  and the service runs as that user" \
    grep -qx 'User=dkimkeys' "$U/dkimkeys.service"
for x in hooks.conf.example hook-user.conf.example; do
	check "drop-in example $x in share/doc/dkimkeys/dkimkeys.service.d" \
	    cmp -s "$ROOT/etc/dkimkeys.service.d/$x" \
	    "$R/usr/local/share/doc/dkimkeys/dkimkeys.service.d/$x"
done
C=$R/etc/cron.d/dkimkeys
check "the cron file in etc/cron.d, mode 0644" \
    sh -c "[ -f '$C' ] && [ \$(stat -c %a '$C') = 644 ]"
check "  runs /usr/local/sbin/dkimkeys -q rotate as root" \
    grep -Eq '^[0-9]+ [0-9,]+ \* \* \*[[:space:]]+root[[:space:]]+/usr/local/sbin/dkimkeys -q rotate$' "$C"
E=$R/etc/dkimkeys/dkimkeys.conf
check "the sample configuration, mode 0600" \
    sh -c "cmp -s '$ROOT/etc/dkimkeys.conf.sample' '$E' &&
        [ \$(stat -c %a '$E') = 600 ]"
check "  passes config-check with the installed binary" \
    run 0 "$R/usr/local/sbin/dkimkeys" -c "$E" config-check
# one passphrase path (issue 9, item 10): the sample's passphrase_file is
# the unit's credential, and no page, example or README names another
check "the sample's passphrase_file is the unit's credential" sh -c "
    grep -q '^passphrase_file *= */etc/dkimkeys/passphrase ' '$E' &&
    grep -qx 'LoadCredential=dkimkeys-passphrase:/etc/dkimkeys/passphrase' \
        '$U/dkimkeys.service'"
check "  and no other passphrase path is documented" sh -c "
    cd '$ROOT' && ! grep -rEn '/etc/dkimkeys/[a-z.-]*pass' man etc README |
        grep -v '/etc/dkimkeys/passphrase\\b'"

printf '; edited\n' >>"$E"
sum=$(sha256sum <"$E")
check "a second make install exits 0" \
    mk install DESTDIR="$R" PREFIX=/usr/local
check "  and keeps the edited configuration" \
    test "$(sha256sum <"$E")" = "$sum"

check "make uninstall exits 0" mk uninstall DESTDIR="$R" PREFIX=/usr/local
left=$(cd "$R" && find . -type f | sort)
if [ "$left" = ./etc/dkimkeys/dkimkeys.conf ]; then
	ok "make uninstall removes every file but the configuration"
else
	not_ok "make uninstall removes every file but the configuration"
	printf '%s\n' "$left" | sed 's/^/  left: /'
fi
check "  and the hooks folder" test ! -e "$R/usr/local/libexec/dkimkeys"

O=$T/opt
check "make install PREFIX=/opt/dkimkeys exits 0" \
    mk install DESTDIR="$O" PREFIX=/opt/dkimkeys
check "  the units name /opt/dkimkeys/sbin/dkimkeys" grep -qx \
    'ExecStart=/opt/dkimkeys/sbin/dkimkeys rotate' \
    "$O/opt/dkimkeys/lib/systemd/system/dkimkeys.service"
check "  and so does the cron file" grep -q \
    'root[[:space:]]/opt/dkimkeys/sbin/dkimkeys -q rotate$' \
    "$O/etc/cron.d/dkimkeys"
check "  nothing names /usr/local/sbin any more" \
    test -z "$(grep -rl /usr/local/sbin "$O/etc/cron.d" \
        "$O/opt/dkimkeys/lib/systemd")"
check "  the hooks are in /opt/dkimkeys/libexec/dkimkeys/hooks" \
    test -x "$O/opt/dkimkeys/libexec/dkimkeys/hooks/reveal-dir"
check "  the bash completion in /opt/dkimkeys/share/bash-completion" \
    test -f "$O/opt/dkimkeys/share/bash-completion/completions/dkimkeys"
finish
