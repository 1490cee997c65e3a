#!/bin/sh
# A batch vendor's DNS pass costs one commit, not one a key (issue 11): a
# domains_file section of N domains published by the zonefile batch hook
# into a zone a Knot on loopback serves, verify_dns = yes. The run that
# sees every record served and deploys the keys makes a few fsyncs, the
# same at N and at 4 N: each key's "visible" joins one commit made before
# the batch hook runs. Work is counted (fsyncs under strace), not timed.
# And the first run of 5,000 domains, whose lookups before publishing
# change every key of the deferred walk, commits it in parts of at most
# 1,024 keys: its largest write to state.log holds no more than 1,024
# key lines and audit entries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
need strace
cd "$T" || exit 1
mkdir -p knot/zones zone
for n in 20 80 5000; do
	: >"zone/n$n.zone"
	{
		# shellcheck disable=SC2016 # zone file directives
		printf '$ORIGIN n%s.test.\n$TTL 300\n' "$n"
		printf '@ SOA ns1 hostmaster 1 3600 600 86400 300\n'
		printf '@ NS ns1\nns1 A 127.0.0.1\n'
		# shellcheck disable=SC2016 # zone file directives
		printf '$INCLUDE %s/zone/n%s.zone\n' "$T" "$n"
	} >"knot/zones/n$n.test.zone"
	printf '#!/bin/sh\nexec %s -s %s -b zone-reload n%s.test. >/dev/null\n' \
	    "$(command -v knotc)" "$T/knot/run/knot.sock" "$n" >"reload$n"
	chmod 700 "reload$n"
done
knot_primary n20.test n80.test n5000.test

# setup_keystore D N: folder D (also $d) with N domains of n$N.test and
# the configuration of one Ed25519 section published by the zonefile
# batch hook into the zone of n$N.test, verify_dns = yes
setup_keystore() {
	d=$1
	mkdir -p "$d"
	(umask 077 && echo 'batch dns passphrase' >"$d/pass")
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
	    printf "d%d.n%d.test\n", i, n }' >"$d/domains"
	cat >"$d/dkimkeys.conf" <<CONF
[dkimkeys]
keystore = store
passphrase_file = pass
log = $d/log
resolver = 127.0.0.1:$PORT
dns_timeout = 2s
hook.zonefile_path = $T/zone/n$2.zone
hook.zonefile_reload = $T/reload$2

[vendor:esp]
domains_file = domains
selector = k%Y%m%a
algorithms = ed25519
publish_ahead = 1d
verify_dns = yes
batch_hooks = $ROOT/hooks/zonefile
CONF
}

# run N: a keystore of N domains, its first run (generate, publish), the
# run two days later that sees every record served (under strace), the
# run that deploys; prints "N FSYNCS VISIBLE ACTIVE"
run() {
	setup_keystore "$T/n$1" "$1"
	t0=$(date -u -d 2026-03-01T00:00:00Z +%s)
	DKIMKEYS_NOW=$t0 "$DK" -c "$d/dkimkeys.conf" -q init \
	    --kdf interactive --new-passphrase-file "$d/pass" >/dev/null 2>&1 &&
	DKIMKEYS_NOW=$t0 "$DK" -c "$d/dkimkeys.conf" -q rotate \
	    >/dev/null 2>"$d/err1" || { cat "$d/err1"; return 1; }
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	DKIMKEYS_NOW=$((t0 + 2 * 86400)) \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -c -e trace=fsync,fdatasync -o "$d/trace" \
	    "$DK" -c "$d/dkimkeys.conf" -q rotate >/dev/null 2>"$d/err2" ||
	    { cat "$d/err2"; return 1; }
	# publish_ahead after visible: the run that deploys
	DKIMKEYS_NOW=$((t0 + 3 * 86400)) "$DK" -c "$d/dkimkeys.conf" -q rotate \
	    >/dev/null 2>"$d/err3" || { cat "$d/err3"; return 1; }
	echo "$1 $(awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 }
	    END { print n + 0 }' "$d/trace") $(grep -c '"event":"visible"' \
	    "$d/store/audit.log") $(DKIMKEYS_NOW=$((t0 + 3 * 86400)) \
	    "$DK" -c "$d/dkimkeys.conf" list 2>/dev/null | grep -c ' active ')"
}

# first N: "N PUBLISHED LARGEST KEYLINE ENTRY" of the first run of N
# domains under strace: keys published, the largest write to state.log,
# the mean octets of a key line (state) and of an audit entry
first() {
	setup_keystore "$T/f$1" "$1"
	t0=$(date -u -d 2026-03-01T00:00:00Z +%s)
	DKIMKEYS_NOW=$t0 "$DK" -c "$d/dkimkeys.conf" -q init \
	    --kdf interactive --new-passphrase-file "$d/pass" >/dev/null \
	    2>&1 || return 1
	DKIMKEYS_NOW=$t0 \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -y -e trace=write -e abbrev=all -s 0 \
	    -o "$d/trace" "$DK" -c "$d/dkimkeys.conf" -q rotate \
	    >/dev/null 2>"$d/err1" || { cat "$d/err1"; return 1; }
	echo "$1 $(DKIMKEYS_NOW=$t0 "$DK" -c "$d/dkimkeys.conf" list \
	    2>/dev/null | grep -c ' published ') $(awk '
	    /state\.log>/ && /= [0-9]+$/ && $NF > m { m = $NF }
	    END { print m + 0 }' "$d/trace") $(awk '/^key / { n++; c += length }
	    END { print int(c / n) + 1 }' "$d/store/state") $(awk '
	    { n++; c += length } END { print int(c / n) + 1 }' \
	    "$d/store/audit.log")"
}

small=$(run 20) && ok "20 domains: published, seen, deployed" ||
    not_ok "20 domains: published, seen, deployed"
large=$(run 80) && ok "80 domains: published, seen, deployed" ||
    not_ok "80 domains: published, seen, deployed"
echo "  domains, fsyncs of the run that sees them, visible, active:"
echo "  $small"
echo "  $large"
check "every key seen served, then deployed" sh -c \
    "[ '$(echo "$small" | cut -d' ' -f3,4)' = '20 20' ] &&
     [ '$(echo "$large" | cut -d' ' -f3,4)' = '80 80' ]"
check "the fsyncs of the run that sees them do not grow with the domains" \
    awk -v a="$(echo "$small" | cut -d' ' -f2)" \
    -v b="$(echo "$large" | cut -d' ' -f2)" \
    'BEGIN { exit !(a > 0 && b <= a + 4) }'
big=$(first 5000) && ok "5000 domains: first run" ||
    not_ok "5000 domains: first run"
echo "  domains, published, largest state.log write, key line, entry: $big"
check "  its deferred walk commits in parts of at most 1,024 keys" \
    awk -v b="$big" 'BEGIN { split(b, a, " ")
	printf "  largest write: %d octets, bound %d\n", a[3],
	    1024 * (a[4] + a[5])
	exit !(a[2] == 5000 && a[3] > 0 && a[3] <= 1024 * (a[4] + a[5]))
}'
finish
