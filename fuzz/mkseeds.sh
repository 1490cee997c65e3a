#!/bin/sh
# fuzz/mkseeds.sh - regenerates the seed corpora of fuzz/corpus/ from real
# outputs: the keystore files (header, key files, state after each step of
# a lifecycle) of ./dkimkeys runs, the key files and configs of the tests,
# the DNS record values of tests/golden/, DNS replies built by dnspython,
# and packs of sealed keys (fuzz_kspack). Needs make dkimkeys
# fuzz/bin/mkseeds. Inputs the fuzzers found (crash-*, named by what they
# hit) are kept; everything else is rewritten.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
C=$ROOT/fuzz/corpus
T=$(mktemp -d /tmp/dkimkeys-seeds-XXXXXX)
trap 'rm -rf "$T"' EXIT
for n in config dnsrec dnswire keyimport ksformat kspack ksstate; do
	mkdir -p "$C/$n"
	find "$C/$n" -type f ! -name 'crash-*' -delete
done

# a keystore through a lifecycle: its header, key files and states
cd "$T"
printf 'seeds passphrase\n' >pass
chmod 600 pass
cat >dkimkeys.conf <<CONF
[dkimkeys]
keystore = store
passphrase_file = pass
log = stderr
resolver = 127.0.0.1:9
max_clock_jump = 400d

[vendor:mailgun]
domain = mg.example.com
selector = mg%Y%m%a
algorithms = rsa-1024 ed25519
rotate_every = 30d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
verify_dns = no

[vendor:customers]
domains_file = customers.txt
selector = c%n
algorithms = ed25519
rotate_every = 30d
publish_ahead = 1d
overlap = 2d
revoke_for = 3d
verify_dns = no
CONF
chmod 600 dkimkeys.conf
printf 'one.example\ntwo.example\n' >customers.txt
DK="$ROOT/dkimkeys -c $T/dkimkeys.conf"
day=86400
now=$(date -u -d 2026-06-01T00:00:00Z +%s)
export DKIMKEYS_NOW="$now"
$DK init --kdf interactive --new-passphrase-file pass >/dev/null 2>&1
cp store/state "$C/ksstate/init.state"
# the version 2 state of the upgrade test: the old reader stays fuzzed
cp "$ROOT/tests/data/ks-v2/store/state" "$C/ksstate/v2-fixture"
cp store/header "$C/ksformat/real.header"
step=0
state() {
	step=$((step + 1))
	cp store/state "$C/ksstate/step$step-$1.state"
}
rot() {
	DKIMKEYS_NOW=$((now + $1 * day)) $DK rotate >/dev/null 2>&1 || true
	state "day$1"
}
rot 0
rot 2
sel=$($DK list 2>/dev/null | awk '$1 == "mailgun" { print $2; exit }')
DKIMKEYS_NOW=$((now + 3 * day)) $DK revoke "$sel" \
    --reason 'seed: leaked' >/dev/null 2>&1 || true
state revoked
DKIMKEYS_NOW=$((now + 3 * day)) $DK hold customers >/dev/null 2>&1 || true
state hold
DKIMKEYS_NOW=$((now + 4 * day)) $DK release customers >/dev/null 2>&1 ||
    true
rot 33
rot 40
for k in store/keys/*.key; do
	cp "$k" "$C/ksformat/real-$(basename "$k" | cut -c1-12).key"
	break
done
cp dkimkeys.conf "$C/config/lifecycle.conf"
cd "$ROOT"

# key files sealed as fuzz_ksformat's fixed key, and packs of them
fuzz/bin/mkseeds -p "$C/kspack" "$C/ksformat" \
    tests/data/keys/ed25519-pkcs8.pem \
    tests/data/keys/rsa2048-pkcs8.pem tests/data/vectors/rfc8463-ed25519.key

# import: every key file of the tests
for f in tests/data/keys/* tests/data/vectors/*.key; do
	case $f in *.md) continue ;; esac
	cp "$f" "$C/keyimport/"
done

# configs: the samples, the SPEC example, one per resolver mode
cp etc/dkimkeys.conf.sample "$C/config/sample.conf"
cp tests/data/config/spec-example.conf "$C/config/spec-example.conf"
for r in authoritative system 192.0.2.1:53 '[2001:db8::1]:53' \
    https://dns.example/dns-query; do
	printf '[dkimkeys]\nkeystore = store\npassphrase_env = PASS\nresolver = %s\n\n[vendor:mg]\ndomain = mg.example.com\nselector = mg%%Y%%m%%a\nhooks = hook hook2\nhook.x = y\n\n[vendor:c]\ndomains_file = domains.txt\nselector = c%%n\nmode = delegated\n' \
	    "$r" >"$C/config/resolver-$(echo "$r" | tr -c 'a-z0-9\n' _).conf"
done

# record values: the golden outputs, the RFC examples
for f in tests/golden/dnsrec/*.value; do
	i=0
	# shellcheck disable=SC2094 # reads tests/, writes fuzz/corpus/
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" >"$C/dnsrec/$(basename "$f" .value)-$i"
	done <"$f"
done
printf 'v=DKIM1; k=ed25519; s=email; h=sha256; t=y:s; n=notes; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' \
    >"$C/dnsrec/all-tags"
printf 'v=DKIM1; p=' >"$C/dnsrec/revoked-rsa"

# DNS replies, built by dnspython as a server would send them
${PYTHON:-/usr/bin/python3} - "$C/dnswire" "$C/dnsrec" <<'PY'
import sys
import dns.flags, dns.message, dns.rcode, dns.rrset, dns.edns
out = sys.argv[1]
values = [open(sys.argv[2] + "/" + n).read() for n in
          ("ed25519-1", "rsa2048-1", "revoked-1", "all-tags")]
name = "mg202606a._domainkey.mg.example.com."

def txt(v):
    parts = [v[i:i + 255] for i in range(0, len(v), 255)]
    return " ".join('"%s"' % p for p in parts)

def save(tag, m, edns=True):
    with open("%s/%s" % (out, tag), "wb") as f:
        f.write(m.to_wire())

for i, v in enumerate(values):
    q = dns.message.make_query(name, "TXT", use_edns=0)
    save("query-%d" % i, q)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    r.answer.append(dns.rrset.from_text(name, 3600, "IN", "TXT", txt(v)))
    save("txt-%d" % i, r)
q = dns.message.make_query(name, "TXT")
r = dns.message.make_response(q)
r.set_rcode(dns.rcode.NXDOMAIN)
r.authority.append(dns.rrset.from_text("mg.example.com.", 300, "IN", "SOA",
    "ns1.mg.example.com. host.mg.example.com. 1 7200 900 1209600 300"))
save("nxdomain-soa", r)
r = dns.message.make_response(q)
r.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME",
    "mg202606a.dkim.vendor.example."))
r.answer.append(dns.rrset.from_text("mg202606a.dkim.vendor.example.", 300,
    "IN", "TXT", txt(values[0])))
save("cname-txt", r)
for rc in (dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.FORMERR):
    r = dns.message.make_response(q)
    r.set_rcode(rc)
    save("rcode-%d" % rc, r)
q = dns.message.make_query("mg.example.com.", "NS")
r = dns.message.make_response(q)
r.authority.append(dns.rrset.from_text("mg.example.com.", 300, "IN", "NS",
    "ns1.mg.example.com.", "ns2.mg.example.com."))
r.additional.append(dns.rrset.from_text("ns1.mg.example.com.", 300, "IN",
    "A", "192.0.2.1"))
r.additional.append(dns.rrset.from_text("ns2.mg.example.com.", 300, "IN",
    "AAAA", "2001:db8::2"))
save("referral-glue", r)
r = dns.message.make_response(dns.message.make_query(name, "TXT",
                                                     use_edns=0))
r.use_edns(0, 0, 1232, options=[dns.edns.GenericOption(10, b"12345678")])
r.flags |= dns.flags.TC
save("truncated-edns", r)
PY
for n in config dnsrec dnswire keyimport ksformat kspack ksstate; do
	echo "fuzz/corpus/$n: $(find "$C/$n" -type f | wc -l) files"
done
