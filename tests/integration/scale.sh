#!/bin/sh
# Scale (issue 11): the cost of a commit is proportional to the change,
# not to the keystore. The first rotate of 200 and of 2,000 Ed25519
# domains from a domains_file (verify_dns = no, no hooks) is traced with
# strace, and the bytes it writes per audited transition must not grow
# with the keystore (ratio under 1.5): work is counted, never time.
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
finish
