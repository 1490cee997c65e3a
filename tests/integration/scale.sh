#!/bin/sh
# Scale (issue 11): the cost of a commit is proportional to the change,
# not to the keystore. The first rotate of 200 and of 2,000 Ed25519
# domains from a domains_file (verify_dns = no, no hooks) is traced with
# strace, and the bytes it writes per audited transition must not grow
# with the keystore (ratio under 1.5): work is counted, never time.
# And a batch vendor's first walk, whose transitions share deferred
# commits, commits them in parts of at most 1,024 (so that no commit
# buffers an ESP's whole audit journal): the largest write to state.log
# of a first rotate of 2,500 domains through the zonefile batch hook
# holds at most 1,024 audit entries' worth.
. "$(dirname "$0")/lib.sh"
need strace
cd "$T" || exit 1
SMALL=${SCALE_SMALL:-200}
LARGE=${SCALE_LARGE:-2000}

# first N: "N ENTRIES BYTES" of the first rotate of N domains
first() {
	d=$T/n$1
	mkdir "$d"
	mkpass "$d/pass" 'scale passphrase'
	i=1
	while [ $i -le "$1" ]; do
		echo "d$i.example"
		i=$((i + 1))
	done >"$d/domains"
	writeconf "$d/dkimkeys.conf" <<'CONF'
[vendor:esp]
domains_file = domains
selector = k%Y%m%a
algorithms = ed25519
verify_dns = no
CONF
	"$DK" -c "$d/dkimkeys.conf" -q init --kdf interactive \
	    --new-passphrase-file "$d/pass" >/dev/null || return 1
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -e trace=write,pwrite64,writev -o "$d/trace" \
	    "$DK" -c "$d/dkimkeys.conf" -q rotate >/dev/null 2>"$d/err" ||
	    { cat "$d/err"; return 1; }
	echo "$1 $(wc -l <"$d/store/audit.log") $(awk '
	    /= [0-9]+$/ { s += $NF } END { print s + 0 }' "$d/trace")"
}

small=$(first "$SMALL") && ok "first rotate of $SMALL domains" ||
    not_ok "first rotate of $SMALL domains"
large=$(first "$LARGE") && ok "first rotate of $LARGE domains" ||
    not_ok "first rotate of $LARGE domains"
echo "  domains, transitions (audit entries), bytes written:"
echo "  $small"
echo "  $large"
check "every domain's key generated and published" awk -v s="$small" \
    -v l="$large" 'BEGIN {
	split(s, a, " "); split(l, b, " ")
	exit !(a[2] >= 2 * a[1] && b[2] >= 2 * b[1])
}'
check "bytes written per transition do not grow with the keystore" \
    awk -v s="$small" -v l="$large" 'BEGIN {
	split(s, a, " "); split(l, b, " ")
	ps = a[3] / a[2]; pl = b[3] / b[2]
	printf "  per transition: %.0f bytes at %d domains, %.0f at %d: " \
	    "ratio %.2f\n", ps, a[1], pl, b[1], pl / ps
	exit !(pl / ps < 1.5)
}'

# batch N: "N ENTRIES LARGEST" of a first rotate of N domains through the
# zonefile batch hook: audit entries, the largest write to state.log
batch() {
	d=$T/b$1
	mkdir "$d"
	mkpass "$d/pass" 'scale passphrase'
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "b%d.example\n", i }' >"$d/domains"
	writeconf "$d/dkimkeys.conf" <<CONF
hook.zonefile_path = $d/dkim.zone

[vendor:esp]
domains_file = domains
selector = k%Y%m%a
algorithms = ed25519
verify_dns = no
batch_hooks = $ROOT/hooks/zonefile
CONF
	: >"$d/dkim.zone"
	chmod 600 "$d/dkim.zone"
	"$DK" -c "$d/dkimkeys.conf" -q init --kdf interactive \
	    --new-passphrase-file "$d/pass" >/dev/null || return 1
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -y -e trace=write -e abbrev=all -s 0 \
	    -o "$d/trace" "$DK" -c "$d/dkimkeys.conf" -q rotate \
	    >/dev/null 2>"$d/err" || { cat "$d/err"; return 1; }
	echo "$1 $(wc -l <"$d/store/audit.log") $(awk '
	    /state\.log>/ && /= [0-9]+$/ && $NF > m { m = $NF }
	    END { print m + 0 }' "$d/trace") $(wc -c <"$d/store/audit.log")"
}
BATCH=${SCALE_BATCH:-2500}
b=$(batch "$BATCH") && ok "first rotate of $BATCH domains, batch hook" ||
    not_ok "first rotate of $BATCH domains, batch hook"
echo "  domains, audit entries, largest state.log write, audit bytes: $b"
check "  a batch vendor's deferred transitions commit in parts of <= 1,024" \
    awk -v b="$b" 'BEGIN {
	split(b, a, " ")
	# the bytes of an audit entry (the journal line is about as long)
	per = a[4] / a[2]
	printf "  largest group: %d bytes, ~%.0f entries\n", a[3], a[3] / per
	exit !(a[2] >= 2 * a[1] && a[3] > 0 && a[3] / per <= 1024 * 1.5)
}'
finish
