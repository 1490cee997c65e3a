#!/bin/sh
# dnsquery and dnscheck over DNS over HTTPS (RFC 8484) against a real DoH
# server on loopback (dnscheck_test.c, tcase "doh"): unbound serves
# DoH on a free port of 127.0.0.1 with a certificate of a CA made here,
# and forwards every question to a Knot DNS instance holding the test
# zones of dns.inc. The test trusts that CA through resolver_ca, and is
# refused by TLS with another CA or with none. The daemons and $T are
# removed on every exit path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
. "$(dirname "$0")/dns.inc"

need knotd kdig unbound unbound-checkconf openssl base64 fold
cd "$ROOT" || exit 1

if [ -n "${DKIMKEYS_TEST_BIN:-}" ]; then
	TEST=$DKIMKEYS_TEST_BIN
else
	build_test || { echo "cannot build tests/dnscheck_test.c"; exit 1; }
	TEST=$T/dnscheck_test
fi

# ca NAME: a self-signed CA in $T/NAME.pem, key $T/NAME.key.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$T/$1.key" -out "$T/$1.pem" -days 2 \
	    -subj "/CN=dkimkeys test $1" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
}

ca ca && ca otherca || { echo "openssl cannot make the CAs"; exit 1; }
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n%s\n' \
    'extendedKeyUsage=serverAuth' >"$T/server.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/server.key" -out "$T/server.csr" \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
    openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" \
    -CAkey "$T/ca.key" -CAcreateserial -days 2 -extfile "$T/server.ext" \
    -out "$T/server.pem" >/dev/null 2>&1 ||
    { echo "openssl cannot make the server certificate"; exit 1; }

dns_zones "$T/zones"
KPORT=$(free_port)
DPORT=$(free_port)
[ -n "$KPORT" ] && [ -n "$DPORT" ] || { echo "no free port"; exit 1; }
knot_conf "$T/k1" "127.0.0.1@$KPORT" "$T/zones" "" example.com. vendor.test.
knot_start "$T/k1" 127.0.0.1 "$KPORT" example.com. || exit 1

# Every question goes to Knot: unbound never asks anything off this host.
cat >"$T/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$DPORT
    https-port: $DPORT
    http-endpoint: "/dns-query"
    tls-service-key: "$T/server.key"
    tls-service-pem: "$T/server.pem"
    do-ip6: no
    do-not-query-localhost: no
    module-config: "iterator"
    num-threads: 1
    username: ""
    chroot: ""
    directory: "$T"
    pidfile: "$T/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$KPORT
EOF
unbound-checkconf "$T/unbound.conf" >"$T/checkconf.out" 2>&1 || {
	sed 's/^/  unbound-checkconf: /' "$T/checkconf.out"
	exit 1
}
unbound -d -c "$T/unbound.conf" >"$T/unbound.out" 2>&1 &
PIDS="$PIDS $!"
UPID=$!

URL=https://127.0.0.1:$DPORT/dns-query
i=0
until kdig @127.0.0.1 -p "$DPORT" +https=/dns-query +tls-ca="$T/ca.pem" \
    +short +time=1 +retry=0 SOA example.com. 2>/dev/null |
    grep -q hostmaster; do
	i=$((i + 1))
	if [ "$i" -ge 50 ] || ! kill -0 "$UPID" 2>/dev/null; then
		echo "unbound did not start:"
		sed 's/^/  /' "$T/unbound.out"
		exit 1
	fi
	sleep 0.2
done

check "dnscheck over DoH (unbound, resolver_ca)" \
    env DKIMKEYS_TEST_DOH_URL="$URL" DKIMKEYS_TEST_DOH_CA="$T/ca.pem" \
    DKIMKEYS_TEST_DOH_BADCA="$T/otherca.pem" "$TEST"

# The program itself over DoH: import --state active asks DNS first.
CONF=$T/dk/dkimkeys.conf
setup 'doh passphrase' <<EOF
resolver = $URL
resolver_ca = $T/ca.pem

[vendor:esp]
domain = example.com
selector = x%n
algorithms = ed25519 rsa
EOF
check "dkimkeys init" run 0 dk init --kdf interactive \
    --new-passphrase-file "$T/dk/pass"
check "import --state active: DNS over HTTPS serves the key" \
    run 0 dk import esp "$ROOT/tests/data/vectors/rfc8463-ed25519.key" \
    --selector ed --state active --since 2026-01-01
refuse 65 "does not serve" "import --state active: DoH serves another p=" \
    dk import esp "$KEYS/rsa2048-pkcs8.pem" --selector other \
    --state active --since 2026-01-01
check "check over DoH" run 0 dk check
check "  found the key served" grep -q "ok      ed._domainkey.example.com" \
    "$T/out"
sed 's|^resolver_ca = .*|resolver_ca = '"$T/otherca.pem"'|' \
    "$T/dk/dkimkeys.conf" >"$T/dk/other.conf"
check "a DoH server whose certificate the CA did not sign: exit 69" \
    run 69 "$DK" -c "$T/dk/other.conf" check

finish
