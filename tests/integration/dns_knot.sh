#!/bin/sh
# dnsquery and dnscheck against Knot DNS on loopback (dnscheck_test.c):
#  - list mode: two knotd instances on free ports of 127.0.0.1, one with
#    the test zones of dns.inc, one serving another key at good.;
#  - authoritative and system mode: inside a private network namespace,
#    knotd on 127.0.0.1:53 and 127.0.0.3:53 (ns1, ns2 of example.com),
#    on 127.0.0.2:53 (deleg.example.com, reached by a referral) and a
#    relay on 127.0.0.53:53 as the namespace's resolv.conf resolver, which
#    logs every question so the test can show that the system resolver is
#    asked for NS records only, never for a selector name.
# Every daemon, the namespace and /etc/netns/NAME are removed on exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
. "$(dirname "$0")/dns.inc"
NS=

netns_del() {
	if [ -n "$NS" ]; then
		ip netns del "$NS" 2>/dev/null
		rm -rf "/etc/netns/$NS"
		rmdir /etc/netns 2>/dev/null
	fi
}
at_exit netns_del

need knotd kdig openssl base64 fold
cd "$ROOT" || exit 1

if [ -n "${DKIMKEYS_TEST_BIN:-}" ]; then
	TEST=$DKIMKEYS_TEST_BIN
else
	build_test || { echo "cannot build tests/dnscheck_test.c"; exit 1; }
	TEST=$T/dnscheck_test
fi

dns_zones "$T/zones"
P1=$(free_port)
P2=$(free_port)
[ -n "$P1" ] && [ -n "$P2" ] || { echo "no free port"; exit 1; }
knot_conf "$T/k1" "127.0.0.1@$P1" "$T/zones" "" example.com. vendor.test.
knot_conf "$T/k2" "127.0.0.1@$P2" "$T/zones/alt" "" example.com.
knot_start "$T/k1" 127.0.0.1 "$P1" example.com. || exit 1
knot_start "$T/k2" 127.0.0.1 "$P2" example.com. || exit 1

check "dnscheck against two Knot servers (list mode)" \
    env DKIMKEYS_TEST_DNS="127.0.0.1:$P1" \
    DKIMKEYS_TEST_DNS_ALT="127.0.0.1:$P2" "$TEST"
stop_daemons

# The namespace: ns1 and ns2 of example.com (127.0.0.1, 127.0.0.3), a
# delegated child zone at 127.0.0.2, and a relay as system resolver.
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
	not_ok "authoritative mode needs root and ip(8) for a namespace"
	finish
	exit 1
fi
NS=dkimkeys-$(basename "$T" | tr -cd 'a-zA-Z0-9')
if ! ip netns add "$NS" || ! ip netns exec "$NS" ip link set lo up; then
	not_ok "cannot make network namespace $NS"
	finish
	exit 1
fi
IN="ip netns exec $NS"
mkdir -p "/etc/netns/$NS"
printf 'nameserver 127.0.0.53\n' >"/etc/netns/$NS/resolv.conf"
ED=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
mkdir "$T/nszones" "$T/nszones/child"
cp "$T/zones/vendor.test.zone" "$T/nszones/"
{
	cat "$T/zones/example.com.zone"
	printf '@ NS ns2.example.com.\nns2 A 127.0.0.3\n'
	printf 'deleg NS ns.deleg.example.com.\nns.deleg A 127.0.0.2\n'
} >"$T/nszones/example.com.zone"
{
	printf '$ORIGIN deleg.example.com.\n$TTL 3600\n'
	printf '@ SOA ns.deleg.example.com. hostmaster.example.com. %s\n' \
	    '1 3600 600 86400 300'
	printf '@ NS ns.deleg.example.com.\nns A 127.0.0.2\n'
	printf 'sel._domainkey TXT "v=DKIM1; k=ed25519; p=%s"\n' "$ED"
} >"$T/nszones/child/deleg.example.com.zone"
knot_conf "$T/k3" "[ 127.0.0.1@53, 127.0.0.3@53 ]" "$T/nszones" "" \
    example.com. vendor.test.
knot_conf "$T/k4" "127.0.0.2@53" "$T/nszones/child" "" deleg.example.com.
KNOT_IN=$IN
knot_start "$T/k3" 127.0.0.3 53 example.com. || exit 1
knot_start "$T/k4" 127.0.0.2 53 deleg.example.com. || exit 1

# The relay: every question it is asked goes to $T/relay.log as
# "QTYPE NAME", then to Knot on 127.0.0.1:53; Knot's REFUSED for names
# outside its zones becomes NXDOMAIN, as a recursive resolver would say.
$IN "$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
log = open(sys.argv[1], "a", buffering=1)
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    i, labels = 12, []
    while i < len(data) and data[i]:
        labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
        i += 1 + data[i]
    qtype = struct.unpack(">H", data[i + 1:i + 3])[0]
    log.write("%d %s\n" % (qtype, ".".join(labels).lower()))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    u.sendto(data, ("127.0.0.1", 53))
    try:
        r = bytearray(u.recv(65535))
        if r[3] & 15 == 5:
            r[3] = (r[3] & 0xf0) | 3
        s.sendto(bytes(r), peer)
    except OSError:
        pass
    u.close()
' "$T/relay.log" >"$T/relay.out" 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q ready "$T/relay.out" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "relay did not start"; exit 1; }
	sleep 0.1
done

check "authoritative mode in a namespace: NS discovery, referral, CNAME" \
    $IN env DKIMKEYS_TEST_AUTH=1 "$TEST"
# 2 = NS, 16 = TXT: only NS (and A/AAAA of NS hosts) went to the system.
if grep -q '^2 example\.com$' "$T/relay.log" &&
    ! grep -q '_domainkey' "$T/relay.log" &&
    ! grep -q '^16 ' "$T/relay.log"; then
	ok "the system resolver was asked for NS records, never a selector"
else
	not_ok "the system resolver was asked for NS records, never a selector"
	sed 's/^/  relay: /' "$T/relay.log"
fi
check "system mode asks the resolv.conf server" \
    $IN env DKIMKEYS_TEST_SYSTEM=1 "$TEST"

finish
