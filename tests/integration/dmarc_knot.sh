#!/bin/sh
# check's DMARC, SPF and alignment pass (issue 13) against crafted zones
# served by Knot on loopback: an organizational-domain DMARC record
# inherited by a vendor's subdomain (sp= applies), a subdomain with its
# own record, two v=DMARC1 records, a multi-label public suffix
# (example.co.uk, with a decoy record at co.uk), SPF with and without the
# vendor's include, with 11 lookups through an include, with two
# records and with none, a from_domain that aligns only under relaxed
# adkim, p=none older than dmarc_none_max (remembered in dmarc.obs), and
# status, --json and --prometheus showing the last observations. One
# line per finding; check exits 1 on errors. Vendors without any DMARC
# setting (managed, delegated, a domains_file's) get the record that
# applies judged too: found, none (a warning; an error with
# from_domain), invalid (an error); a line shared by vendors is said
# once; without the public suffix list (one warning) the organizational
# domain is the last two labels. rotate judges only the opted-in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
need knotd kdig
cd "$T" || exit 1
DAY=86400
NOW=1800000000
Z=$T/knot/zones
mkdir -p "$Z"

# zone NAME: a zone file for NAME with the records on standard input
zone() {
	{
		# shellcheck disable=SC2016 # zone file directives
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ SOA ns1 hostmaster 1 3600 600 86400 300\n'
		printf '@ NS ns1\nns1 A 127.0.0.1\n'
		cat
	} >"$Z/$1.zone"
}

zone example.com <<'ZONE'
_dmarc TXT "v=DMARC1; p=reject; sp=quarantine; adkim=r; " "rua=mailto:d@example.com"
mg TXT "v=spf1 include:mailgun.test -all"
_dmarc.own TXT "v=DMARC1; p=none"
own TXT "v=spf1 include:mailgun.test ~all"
_dmarc.broken TXT "v=DMARC1; p=reject"
_dmarc.broken TXT "v=DMARC1; p=none"
bad TXT "v=DMARC1; p=reject; pct=200"
_dmarc.bad TXT "v=DMARC1; p=reject; pct=200"
nosub TXT "v=spf1 ip4:192.0.2.1 -all"
many TXT "v=spf1 include:big.mailgun.test -all"
two TXT "v=spf1 include:mailgun.test -all"
two TXT "v=spf1 ip4:192.0.2.1 -all"
none TXT "some other record"
badinc TXT "v=spf1 include:a..b include:mailgun.test -all"
_dmarc.junk TXT "v=DMARC1; p=maybe"
ZONE
zone nodmarc.test <<'ZONE'
mg TXT "v=spf1 -all"
ZONE
zone strict.test <<'ZONE'
_dmarc TXT "v=DMARC1; p=reject; adkim=s"
ZONE
zone mailgun.test <<'ZONE'
@ TXT "v=spf1 ip4:198.51.100.0/24 ~all"
big TXT "v=spf1 a mx a:x.mailgun.test mx:x.mailgun.test ptr exists:x.mailgun.test a mx a mx -all"
ZONE
zone co.uk <<'ZONE'
_dmarc TXT "v=DMARC1; p=none"
ZONE
zone example.co.uk <<'ZONE'
_dmarc TXT "v=DMARC1; p=reject; sp=reject"
ZONE
knot_primary example.com strict.test mailgun.test co.uk example.co.uk \
    nodmarc.test
printf 'shop1.example.com\nshop2.example.com\n' >shops.txt

# vendor NAME DOMAIN [KEY = VALUE...]: a managed vendor section
vendor() {
	printf '\n[vendor:%s]\ndomain = %s\nselector = %s%%Y%%m\n' "$1" "$2" \
	    "$1"
	shift 2
	for kv in "$@"; do
		printf '%s\n' "$kv"
	done
}
{
	printf 'resolver = 127.0.0.1:%s\ndns_timeout = 2s\n' "$PORT"
	vendor inherit mg.example.com "from_domain = mg.example.com" \
	    "spf_include = include:mailgun.test"
	vendor own own.example.com "from_domain = own.example.com" \
	    "dmarc_none_max = 1d" "spf_include = include:mailgun.test"
	vendor broken broken.example.com "from_domain = broken.example.com"
	vendor invalid bad.example.com "from_domain = bad.example.com"
	vendor uk mg.example.co.uk "from_domain = mg.example.co.uk"
	vendor nospf nosub.example.com "spf_include = include:mailgun.test"
	vendor many many.example.com "spf_include = include:big.mailgun.test"
	vendor two two.example.com "spf_include = include:mailgun.test"
	vendor norec none.example.com "spf_include = include:mailgun.test"
	vendor badinc badinc.example.com "spf_include = include:mailgun.test"
	vendor relaxed mg.example.com "from_domain = example.com"
	vendor strict mg.strict.test "from_domain = strict.test"
	vendor foreign mg.example.com "from_domain = strict.test"
	vendor plain plain.example.com
	vendor plainbad junk.example.com
	vendor plainnone mg.nodmarc.test
	vendor fromnone nodmarc.test "from_domain = nodmarc.test"
	vendor twin junk.example.com
	printf '\n[vendor:deleg]\nmode = delegated\ndomain = dg.strict.test\n'
	printf 'selectors = s1\nstandby_selectors = s1\n'
	printf '\n[vendor:shops]\ndomains_file = %s/shops.txt\n' "$T"
	printf 'selector = s%%n\n'
} | setup 'dmarc passphrase'
dkinit DKIMKEYS_NOW=$NOW

# judged VENDOR CODE N LINE...: check VENDOR at $NOW exits CODE with N
# lines of output (0: any number), among them each LINE; a LINE starting
# with ! must appear in none.
judged() {
	v=$1 code=$2 n=$3
	shift 3
	run "$code" env DKIMKEYS_NOW=$NOW "$DK" -c "$CONF" check "$v" ||
	    return 1
	[ "$n" -eq 0 ] || [ "$(grep -c . "$T/out")" -eq "$n" ] || {
		echo "  want $n lines:" >&2
		sed 's/^/  /' "$T/out" >&2
		return 1
	}
	for l in "$@"; do
		case $l in
		!*) ! grep -qF -- "${l#!}" "$T/out" && continue ;;
		*) grep -qF -- "$l" "$T/out" && continue ;;
		esac
		echo "  unexpected: '$l' in:" >&2
		sed 's/^/  /' "$T/out" >&2
		return 1
	done
}

check "org-domain DMARC inherited by a vendor subdomain, sp= applies" \
    judged inherit 0 3 \
    "ok      _dmarc.example.com: DMARC for mg.example.com (vendor inherit, inherited from the organizational domain, sp= applies): p=reject sp=quarantine adkim=r aspf=r pct=100 rua=mailto:d@example.com" \
    "ok      mg.example.com: SPF holds include:mailgun.test, 1 DNS lookup" \
    "ok      mg.example.com: DKIM d=mg.example.com aligns with From mg.example.com (adkim=r)"
check "a subdomain with its own record: that one applies" \
    judged own 0 3 \
    "ok      _dmarc.own.example.com: DMARC for own.example.com (vendor own): p=none adkim=r"
check "two v=DMARC1 records are an error, no fallback to the org domain" \
    judged broken 1 0 \
    "PROBLEM _dmarc.broken.example.com: 2 v=DMARC1 records: receivers apply no DMARC policy" \
    "!_dmarc.example.com"
check "an invalid record is an error" judged invalid 1 0 \
    "PROBLEM _dmarc.bad.example.com: invalid DMARC record: pct= is not a number from 0 to 100"
check "the public suffix list: mg.example.co.uk inherits from example.co.uk" \
    judged uk 0 0 \
    "ok      _dmarc.example.co.uk: DMARC for mg.example.co.uk (vendor uk, inherited" \
    "!_dmarc.co.uk"
check "SPF without the vendor's include is an error" judged nospf 1 0 \
    "PROBLEM nosub.example.com: SPF lacks include:mailgun.test; add it before the all"
check "SPF with 11 lookups through an include is an error" \
    judged many 1 0 \
    "PROBLEM many.example.com: SPF needs more than 10 DNS lookups (11 counted"
check "two v=spf1 records are an error" judged two 1 0 \
    "PROBLEM two.example.com: 2 v=spf1 records: a permerror"
check "no SPF record where spf_include asks for one is an error" \
    judged norec 1 0 "PROBLEM none.example.com: no SPF record"
check "an include of a bad name is an error of the check, not of the run" \
    judged badinc 1 0 "PROBLEM a..b: not a valid DNS name"
check "from_domain on the org domain aligns under relaxed adkim" \
    judged relaxed 0 0 \
    "ok      mg.example.com: DKIM d=mg.example.com aligns with From example.com (adkim=r)"
check "and not under strict adkim" judged strict 1 0 \
    "PROBLEM mg.strict.test: DKIM d=mg.strict.test does not align with From strict.test under adkim=s; it would under adkim=r"
check "another organizational domain never aligns" judged foreign 1 0 \
    "PROBLEM mg.example.com: DKIM d=mg.example.com does not align with From strict.test: sign with a domain under strict.test"
# vendors without any DMARC setting: the record that applies, judged
check "a vendor without DMARC settings: the record found (was: nothing)" \
    judged plain 0 1 \
    "ok      _dmarc.example.com: DMARC for plain.example.com (vendor plain, inherited from the organizational domain, sp= applies): p=reject sp=quarantine adkim=r aspf=r pct=100 rua=mailto:d@example.com"
check "  in --json: p=, sp=, adkim, aspf, pct, rua" sh -c "DKIMKEYS_NOW=$NOW \
    '$DK' -c '$CONF' --json check plain 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"ok\"] and len(d[\"dmarc\"]) == 1, d
o = d[\"dmarc\"][0]
assert o[\"vendor\"] == \"plain\" and o[\"domain\"] == \"plain.example.com\", o
assert o[\"record\"] == \"_dmarc.example.com.\" and o[\"inherited\"], o
assert o[\"valid\"] and o[\"applies\"] == \"quarantine\", o
assert (o[\"p\"], o[\"sp\"], o[\"adkim\"], o[\"aspf\"], o[\"pct\"]) == \\
    (\"reject\", \"quarantine\", \"r\", \"r\", 100), o
assert o[\"rua\"] == \"mailto:d@example.com\" and o[\"ok\"], o
'"
check "  none applying is a warning, check exits 0" judged plainnone 0 1 \
    "ok      mg.nodmarc.test: warning: no DMARC record applies to mg.nodmarc.test: DMARC cannot pass (none at _dmarc.mg.nodmarc.test nor at its organizational domain _dmarc.nodmarc.test)"
check "  and an error with from_domain" judged fromnone 1 0 \
    "PROBLEM nodmarc.test: no DMARC record applies to nodmarc.test: DMARC cannot pass (none at _dmarc.nodmarc.test)"
check "  an invalid record is an error" judged plainbad 1 1 \
    "PROBLEM _dmarc.junk.example.com: invalid DMARC record: p= is not none, quarantine or reject"
check "  --json says the record is not valid" sh -c "DKIMKEYS_NOW=$NOW \
    '$DK' -c '$CONF' --json check plainbad 2>/dev/null | $PY -c '
import json, sys
o = json.load(sys.stdin)[\"dmarc\"][0]
assert o[\"record\"] == \"_dmarc.junk.example.com.\" and not o[\"valid\"], o
assert not o[\"ok\"] and \"p\" not in o, o
'"
check "  two vendors on one record: the problem said once, both fail" \
    run 1 env DKIMKEYS_NOW=$NOW "$DK" -c "$CONF" --json check plainbad twin
check "  (one line, two vendors not ok)" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["records"]) == 1, d
assert [o["vendor"] for o in d["dmarc"] if not o["ok"]] == ["plainbad", "twin"], d
' "$T/out"
check "  a delegated vendor" judged deleg 0 2 \
    "ok      s1._domainkey.dg.strict.test: standby selector, no key served" \
    "ok      _dmarc.strict.test: DMARC for dg.strict.test (vendor deleg, inherited from the organizational domain, sp= applies): p=reject adkim=s"
check "  a domains_file's vendors, each" judged shops 0 2 \
    "ok      _dmarc.example.com: DMARC for shop1.example.com (vendor shops/shop1.example.com, inherited" \
    "ok      _dmarc.example.com: DMARC for shop2.example.com (vendor shops/shop2.example.com, inherited"
sed 's|^resolver = |public_suffix_list = /nonexistent/psl.dat\nresolver = |' \
    "$CONF" >"${CONF%/*}/nopsl.conf"
chmod 600 "${CONF%/*}/nopsl.conf"
check "without the public suffix list: one warning, the last two labels" \
    run 0 env DKIMKEYS_NOW=$NOW "$DK" -c "${CONF%/*}/nopsl.conf" check uk \
    plain
check "  the warning, once" test "$(grep -c 'public suffix list' \
    "$T/out")" -eq 3 -a "$(grep -c '^ok      /nonexistent/psl.dat: warning: public suffix list /nonexistent/psl.dat: No such file or directory; install publicsuffix or set public_suffix_list; no public suffix list: the organizational domain taken as the last two labels' "$T/out")" -eq 1
check "  mg.example.co.uk falls back to co.uk, and says so" grep -qF \
    "ok      _dmarc.co.uk: DMARC for mg.example.co.uk (vendor uk, inherited from the organizational domain, sp= applies; no public suffix list: the organizational domain taken as the last two labels): p=none" \
    "$T/out"
check "check of them all exits 1" run 1 env DKIMKEYS_NOW=$NOW "$DK" \
    -c "$CONF" check
check "  one line per finding, none twice, 11 problems" \
    test "$(sort "$T/out" | uniq -d | wc -l)" -eq 0 -a \
    "$(grep -c '^PROBLEM' "$T/out")" -eq 11
check "  every vendor's record judged (managed, delegated, domains_file)" \
    test "$(grep -c ': DMARC for ' "$T/out")" -eq 15

# a server that never answers: the selector's lookup waits dns_timeout,
# the DMARC lookup does not wait again (it did: twice the time)
DARK=$(free_port)
"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)' "$DARK" &
PIDS="$PIDS $!"
writeconf "${CONF%/*}/dark.conf" <<DARKCONF
resolver = 127.0.0.1:$DARK
dns_timeout = 2s

[vendor:dark]
mode = delegated
domain = dg.dark.test
selectors = s1
DARKCONF
sleep 0.3
t0=$(date +%s%N)
check "a dark server: check exits 69" run 69 "$DK" -c "${CONF%/*}/dark.conf" \
    check
t1=$(date +%s%N)
check "  the DMARC lookup fails at once, as unreachable" grep -qF \
    "PROBLEM _dmarc.dg.dark.test: lookup failed: unreachable: timeout after 2s earlier in this run" \
    "$T/out"
check "  one wait of dns_timeout, not two" \
    test $(((t1 - t0) / 1000000)) -lt 3500

NOW=$((NOW + 2 * DAY))
check "p=none longer than dmarc_none_max is a warning" judged own 0 4 \
    "ok      _dmarc.own.example.com: warning: the policy has been none since 2027-01-15T08:00:00Z, longer than dmarc_none_max (1d)"
check "  p=none kept since the first check in dmarc.obs, mode 0600" \
    sh -c "grep -q '^own	$NOW	$((NOW - 2 * DAY))	0	1	' store/dmarc.obs &&
    test \"\$(stat -c %a store/dmarc.obs)\" = 600"


# rotate's DNS pass judges the same, fails nothing for it, and notes it
NOW=$((NOW + DAY))
check "rotate reports a DMARC problem as a line of its own" \
    sh -c "DKIMKEYS_NOW=$NOW '$DK' -c '$CONF' rotate strict >'$T/rot' 2>&1;
    grep -qF 'strict: dmarc problem: mg.strict.test: DKIM d=mg.strict.test does not align with From strict.test under adkim=s' '$T/rot' &&
    ! grep -q 'dmarc' '$T/rot.err' 2>/dev/null"
check "  and a warning as one" sh -c "DKIMKEYS_NOW=$NOW '$DK' -c '$CONF' \
    rotate own 2>&1 | grep -qF 'own: dmarc warning: _dmarc.own.example.com: the policy has been none since 2027-01-15T08:00:00Z'"
check "  and keeps what it saw for status" \
    grep -q "^strict	$NOW	0	1	0	_dmarc.strict.test	reject	-	no	" \
    store/dmarc.obs
check "rotate judges only vendors with DMARC settings (issue 11's scale)" \
    sh -c "DKIMKEYS_NOW=$NOW '$DK' -c '$CONF' rotate plainbad 2>&1 |
    grep -c dmarc | grep -qx 0"
check "  status notes only them: check did not note plainbad either" \
    sh -c "! grep -q '^plainbad	' store/dmarc.obs"
check "rotate -n asks nothing of DMARC" sh -c "DKIMKEYS_NOW=$NOW \
    '$DK' -c '$CONF' rotate -n strict 2>&1 | grep -c dmarc | grep -qx 0"
NOW=$((NOW - DAY))

# status asks no DNS: the server goes, the observations stay
stop_daemons
check "status shows the last observation and exits 1 on its errors" \
    run 1 env DKIMKEYS_NOW=$NOW "$DK" -c "$CONF" status
check "  one line for a clean vendor" grep -qF \
    "own                  dmarc: p=none (_dmarc.own.example.com) spf ok, aligned ok, 0 errors, 1 warning, checked 2027-01-18T08:00:00Z" \
    "$T/out"
check "  and one with the first problem" grep -qF \
    "strict               dmarc: p=reject (_dmarc.strict.test) spf -, aligned FAILS, 1 error, 0 warnings, checked 2027-01-18T08:00:00Z; mg.strict.test: DKIM d=mg.strict.test does not align" \
    "$T/out"
check "status of a clean vendor exits 0" \
    run 0 env DKIMKEYS_NOW=$NOW "$DK" -c "$CONF" status inherit
check "status --json carries them" sh -c "'$DK' -c '$CONF' --json status \
    2>/dev/null | $PY -c '
import json, sys
d = {o[\"vendor\"]: o for o in json.load(sys.stdin)[\"dmarc\"]}
assert len(d) == 14, d  # with DMARC settings: 13 + fromnone
o = d[\"own\"]
assert o[\"record\"] == \"_dmarc.own.example.com.\" and o[\"policy\"] == \"none\"
assert o[\"none_since\"] == \"2027-01-15T08:00:00Z\" and o[\"warnings\"] == 1
assert o[\"spf\"] is True and o[\"aligned\"] is True and o[\"errors\"] == 0
assert d[\"inherit\"][\"policy\"] == \"quarantine\"
assert d[\"many\"][\"spf\"] is False and d[\"many\"][\"aligned\"] is None
assert d[\"broken\"][\"policy\"] is None and d[\"broken\"][\"errors\"] == 1
'"
check "status --prometheus carries them" sh -c "'$DK' -c '$CONF' status \
    --prometheus '$T/m.prom' >/dev/null 2>&1; grep -qx \
    'dkimkeys_dmarc_policy{vendor=\"inherit\"} 1' '$T/m.prom' &&
    grep -qx 'dkimkeys_dmarc_errors{vendor=\"two\"} 1' '$T/m.prom' &&
    grep -qx 'dkimkeys_spf_ok{vendor=\"two\"} 0' '$T/m.prom' &&
    grep -qx 'dkimkeys_dkim_aligned{vendor=\"foreign\"} 0' '$T/m.prom'"

# config-check and plan: what cannot pass DMARC, told without DNS.
# warned N LINE COMMAND...: exits 0 with N warnings, LINE among them.
warned() {
	n=$1 l=$2
	shift 2
	run 0 "$DK" -c "$CONF" "$@" &&
	    [ "$(grep -c warning "$T/err")" -eq "$n" ] &&
	    grep -qF -- "$l" "$T/err"
}
check "config-check warns of from_domain aligning only under relaxed" \
    warned 3 "warning: relaxed: domain mg.example.com aligns with from_domain example.com only under adkim=r" \
    config-check
check "  and of one that never aligns" grep -qF \
    "warning: foreign: domain mg.example.com never aligns with from_domain strict.test" \
    "$T/err"
check "plan warns of the vendors it plans" \
    warned 1 "warning: strict: domain mg.strict.test aligns with from_domain strict.test only under adkim=r" \
    plan strict

finish
