#!/bin/sh
# fuzz/mkseeds-ksjson.sh - regenerates fuzz/corpus/ksjson/ from real
# answers of etcd's v3 JSON gateway (range, put, txn with and without a
# range, lease grant, keepalive, revoke, errors, a watch's stream) and a
# few texts written by hand (escapes, surrogates, numbers, nesting). Starts
# a one-member etcd on a free loopback port (stopped by its pid at exit);
# needs etcd and curl. Each seed's first octet picks fuzz_ksjson's parser:
# 0 the reader, 1 a range answer, 2 a transaction's, 3 a watch stream.
# Inputs the fuzzer found (crash-*) are kept; everything else is
# rewritten.
set -eu
cd "$(dirname "$0")/.."
C=$(pwd)/fuzz/corpus/ksjson
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dkimkeys-seeds-XXXXXX)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; wait; rm -rf "$T"' EXIT
mkdir -p "$C"
find "$C" -type f ! -name 'crash-*' -delete

ports=$("$PY" -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
# shellcheck disable=SC2086 # two port numbers
set -- $ports
E=http://127.0.0.1:$1
etcd --name seed --data-dir "$T/etcd" --listen-client-urls "$E" \
    --advertise-client-urls "$E" --listen-peer-urls "http://127.0.0.1:$2" \
    --initial-advertise-peer-urls "http://127.0.0.1:$2" \
    --initial-cluster "seed=http://127.0.0.1:$2" >"$T/etcd.log" 2>&1 &
pid=$!
i=0
until curl -fsS "$E/health" 2>/dev/null | grep -q '"health":"true"'; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { tail -n 5 "$T/etcd.log"; exit 1; }
	sleep 0.1
done

# seed PICK NAME: stdin as corpus/ksjson/NAME with the octet PICK first
seed() {
	# shellcheck disable=SC2059 # the octet, as an octal escape
	{ printf "\\$(printf '%03o' "$1")"; cat; } >"$C/$2"
}
# post PATH BODY: the gateway's answer (errors too)
post() {
	curl -sS -X POST -d "$2" "$E$1"
}
b64() {
	printf '%s' "$1" | base64 -w0
}
K=$(b64 dk/shared/lock)
S=$(b64 dk/shared/state#00000000)
END=$(b64 dk/shared0)

post /v3/lease/grant '{"TTL": 15}' >"$T/grant"
seed 0 lease-grant <"$T/grant"
lease=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["ID"])' \
    <"$T/grant")
post /v3/kv/txn "{\"compare\": [{\"key\": \"$K\", \"target\": \"CREATE\",
    \"result\": \"EQUAL\", \"create_revision\": \"0\"}], \"success\":
    [{\"request_put\": {\"key\": \"$K\", \"value\": \"$(b64 "host pid 1")\",
    \"lease\": \"$lease\"}}], \"failure\": [{\"request_range\":
    {\"key\": \"$K\"}}]}" | seed 2 txn-lock-taken
post /v3/kv/txn "{\"compare\": [{\"key\": \"$K\", \"target\": \"CREATE\",
    \"result\": \"EQUAL\", \"create_revision\": \"0\"}], \"success\":
    [{\"request_put\": {\"key\": \"$K\", \"value\": \"$(b64 x)\"}}],
    \"failure\": [{\"request_range\": {\"key\": \"$K\"}}]}" |
    seed 2 txn-lock-busy
post /v3/kv/put "{\"key\": \"$S\", \"value\": \"$(head -c 300 \
    /dev/urandom | base64 -w0)\"}" | seed 0 put
post /v3/kv/put "{\"key\": \"$(b64 dk/shared/lastrun#00000000)\",
    \"value\": \"$(b64 "host pid 1 at 2026-12-06T20:00:00Z")\"}" >/dev/null
post /v3/kv/range "{\"key\": \"$(b64 dk/shared/)\", \"range_end\":
    \"$END\"}" | seed 1 range-prefix
post /v3/kv/range "{\"key\": \"$K\"}" | seed 1 range-lock
post /v3/kv/range "{\"key\": \"$(b64 nothing)\"}" | seed 1 range-empty
post /v3/kv/range "{\"key\": \"$(b64 dk/shared/)\", \"range_end\":
    \"$END\", \"limit\": 1}" | seed 1 range-more
post /v3/kv/range "{\"key\": \"$(b64 dk/shared/)\", \"range_end\":
    \"$END\", \"keys_only\": true}" | seed 0 range-keys-only
post /v3/kv/txn "{\"compare\": [{\"key\": \"$K\", \"target\": \"CREATE\",
    \"result\": \"EQUAL\", \"create_revision\": \"1\"}], \"success\":
    [{\"request_put\": {\"key\": \"$S\", \"value\": \"$(b64 s)\"}}]}" |
    seed 2 txn-fenced-refused
post /v3/kv/txn "{\"success\": [{\"request_put\": {\"key\": \"$S\",
    \"value\": \"$(b64 s)\"}}, {\"request_delete_range\": {\"key\":
    \"$(b64 dk/shared/gone)\"}}, {\"request_range\": {\"key\": \"$S\"}}]}" |
    seed 2 txn-put-delete-range
post /v3/lease/keepalive "{\"ID\": \"$lease\"}" | seed 0 lease-keepalive
post /v3/lease/revoke "{\"ID\": \"$lease\"}" | seed 0 lease-revoke
post /v3/lease/keepalive "{\"ID\": \"$lease\"}" | seed 0 lease-keepalive-gone
post /v3/kv/range '{"key": "not base64!"}' | seed 0 error-bad-request
post /v3/kv/range '{' | seed 1 error-truncated-request
post /v3/auth/authenticate '{"name": "u", "password": "p"}' |
    seed 0 error-auth
# a watch's stream: its first answers (created, then an event), then cut
curl -sS -N -m 2 -X POST -d "{\"create_request\": {\"key\": \"$K\"}}" \
    "$E/v3/watch" >"$T/watch" 2>/dev/null &
w=$!
sleep 0.5
post /v3/kv/put "{\"key\": \"$K\", \"value\": \"$(b64 "other pid 2")\"}" \
    >/dev/null
post /v3/kv/deleterange "{\"key\": \"$K\"}" >/dev/null
wait "$w" || true
head -n 1 "$T/watch" | seed 0 watch-created
sed -n 2p "$T/watch" | seed 0 watch-put
sed -n 3p "$T/watch" | seed 0 watch-delete
seed 3 watch-stream <"$T/watch"
curl -sS -N -m 1 -X POST -d "{\"create_request\": {\"key\": \"$K\",
    \"start_revision\": \"1\"}}" "$E/v3/watch" 2>/dev/null |
    seed 3 watch-history || true

# by hand: what the gateway may send and what it must not
printf '%s' '"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"' | seed 0 hand-escapes
printf '%s' '[0, -0, 1.5e10, -2E-3, 9223372036854775807, "-9223372036854775808", true, false, null, {}, []]' |
    seed 0 hand-numbers
printf '%s' '{"a": 1, "a": 2, "": {"b\u0000c": [[[[[[[[]]]]]]]]}}' |
    seed 0 hand-nesting
printf '%s' '"\ud800"' | seed 0 hand-lone-surrogate
printf '%s' '{"header": {"revision": "7"}, "kvs": [{"key": "YQ==", "value": "", "create_revision": "3", "version": "1"}], "more": true}' |
    seed 1 hand-range-empty-value
printf '%s' '{"header": {"revision": "x"}}' | seed 2 hand-txn-bad-revision
echo "fuzz/corpus/ksjson: $(find "$C" -type f | wc -l) files"
