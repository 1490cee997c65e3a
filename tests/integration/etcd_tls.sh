#!/bin/sh
# The keystore in etcd over client TLS and etcd authentication (etcd_ca,
# etcd_cert, etcd_key, etcd_user, etcd_password_file): a member that takes
# https only and wants a client certificate of the test CA, with auth on;
# init, rotate and log --verify work with the right settings; without a
# client certificate, or with a wrong password, the keystore is not
# reached and the run fails (69 or 77) without touching it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.inc"
need etcdctl openssl
cd "$T" || exit 1
mkdir -m 700 tls tmp
test_ca "$T/tls"
# a client certificate without a CommonName: etcd's gateway refuses one
# with a CN when client certificates are checked
(
	cd tls &&
	    openssl req -newkey rsa:2048 -nodes -subj /O=dkimkeys-test \
	    -keyout cli.key -out cli.csr &&
	    openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -out cli.pem
) >tls/cli.log 2>&1 || { cat tls/cli.log; exit 1; }
ETCD_TLS=$T/tls
etcd_cluster 1
export TMPDIR=$T/tmp
ctl() {
	etcdctl --endpoints="https://$ETCD_ENDPOINTS" --cacert tls/ca.pem \
	    --cert tls/cli.pem --key tls/cli.key "$@" >/dev/null
}
check "etcd: the root user" ctl user add root --new-user-password=s3cret
check "etcd: its role" ctl user grant-role root root
check "etcd: auth on" ctl auth enable
mkpass pass 'tls passphrase'
mkpass etcd.pass 's3cret'
mkpass wrong.pass 'nope'

# conf FILE [KEY = VALUE...]: a config of the keystore in etcd with the
# etcd lines given
conf() {
	f=$1
	shift
	{
		printf '[dkimkeys]\nkeystore = etcd://%s/dk/tls\n' \
		    "$ETCD_ENDPOINTS"
		printf 'passphrase_file = pass\nlog = stderr\n'
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '[vendor:mg]\ndomain = mg.test\nselector = mg%%n\n'
		printf 'algorithms = ed25519\nverify_dns = no\n'
	} >"$f"
}
conf good.conf "etcd_ca = tls/ca.pem" "etcd_cert = tls/cli.pem" \
    "etcd_key = tls/cli.key" "etcd_user = root" \
    "etcd_password_file = etcd.pass"
conf nocert.conf "etcd_ca = tls/ca.pem" "etcd_user = root" \
    "etcd_password_file = etcd.pass"
conf wrongpw.conf "etcd_ca = tls/ca.pem" "etcd_cert = tls/cli.pem" \
    "etcd_key = tls/cli.key" "etcd_user = root" \
    "etcd_password_file = wrong.pass"
export DKIMKEYS_NOW=1790000000

check "init over TLS with a password" run 0 "$DK" -c good.conf init \
    --kdf interactive --new-passphrase-file pass
check "rotate" run 0 "$DK" -c good.conf rotate
check "log --verify" run 0 "$DK" -c good.conf log --verify
check "without a client certificate: no member answers (69)" \
    run 69 "$DK" -c nocert.conf list
check "with a wrong password: refused (77)" \
    run 77 "$DK" -c wrongpw.conf list
check "  saying so" grep -q 'authentication failed' "$T/err"
etcdctl --endpoints="https://$ETCD_ENDPOINTS" --cacert tls/ca.pem \
    --cert tls/cli.pem --key tls/cli.key --user root:s3cret get \
    --prefix dk/tls/keys/ >keys.dump 2>&1
check "etcd holds a key file" grep -q '^dk/tls/keys/.*\.key#00000000$' keys.dump
check "  sealed: no PEM, no plaintext key" sh -c '! grep -q "PRIVATE KEY" keys.dump'
check "  and an etcd client without the password is refused" \
    sh -c "! etcdctl --endpoints=https://$ETCD_ENDPOINTS --cacert tls/ca.pem \
    --cert tls/cli.pem --key tls/cli.key get --prefix dk/ >/dev/null 2>&1"
finish
