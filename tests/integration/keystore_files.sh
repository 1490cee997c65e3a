#!/bin/sh
# The keystore on disk: modes, no plaintext key material, passphrase changes,
# the lock, the audit log.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

setup 'first passphrase' <<'CONF'
[vendor:esp]
domain = mg.example.com
selector = mg%n%a
algorithms = rsa-2048 ed25519
CONF
mkpass pass2 'second passphrase'

dkinit
refuse 73 "exists" "init refuses an existing keystore" \
    dk init --kdf interactive --new-passphrase-file pass
check "keygen rsa" run 0 dk keygen esp --alg rsa
check "keygen ed25519" run 0 dk keygen esp --alg ed25519
check "export rsa" run 0 dk export mg1r --format pem -o rsa.pem
check "export ed25519" run 0 dk export mg2e --format raw -o ed.key

check "keystore folders are 0700" \
    test -z "$(find store -type d ! -perm 700)"
check "keystore files are 0600" \
    test -z "$(find store -type f ! -perm 600)"
openssl pkey -in rsa.pem -outform DER -out rsa.der 2>/dev/null
base64 -d ed.key >ed.seed
check "no private key material in plaintext anywhere in the keystore" \
    $PY - rsa.der ed.seed store <<'PY'
import os, sys
secrets = [open(p, "rb").read() for p in sys.argv[1:3]]
windows = set()
for s in secrets:
    assert len(s) >= 32
    for i in range(len(s) - 15):
        windows.add(s[i:i + 16])
for top, _, files in os.walk(sys.argv[3]):
    for f in files:
        data = open(os.path.join(top, f), "rb").read()
        for i in range(max(0, len(data) - 15)):
            if data[i:i + 16] in windows:
                print("plaintext in", f, "at", i)
                sys.exit(1)
PY

check "passwd" run 0 dk passwd --new-passphrase-file pass2
refuse 77 "wrong passphrase" "old passphrase refused after passwd" \
    dk export mg1r -o no1.pem
cp pass2 pass
check "new passphrase works" run 0 dk export mg1r --format pem -o after.pem
check "same key after passwd" cmp -s rsa.pem after.pem
mkpass pass3 'third passphrase'
before=$(ls store/keys)
check "passwd --rekey" run 0 dk passwd --rekey --new-passphrase-file pass3
cp pass3 pass
check "rekey replaced every key file" \
    test -z "$(ls store/keys | grep -Fx "$before")"
check "keys decrypt after rekey" run 0 dk export mg2e --format raw -o ed2.key
check "same key after rekey" cmp -s ed.key ed2.key

# a second name for a key file would outlive its erasure
n=0
for f in store/keys/*; do n=$((n + 1)); ln "$f" "linked$n"; done
refuse 77 "keys/.*: has 2 hard links" "a hard-linked key file: 77 naming it" \
    dk export mg2e --format raw -o ed3.key
rm linked*
check "  without the link it works again" run 0 dk export mg2e --format raw -o ed3.key

# the lock: a second changing run exits 75 at once, --wait waits
flock store/lock sleep 4 &
sleep 0.5
refuse 75 "locked" "locked keystore: 75" dk keygen esp --alg rsa
s=$(date +%s)
refuse 75 "gave up waiting" "--wait=1s gives up with 75" \
    dk --wait=1s keygen esp --alg rsa
check "  after about a second" test $(($(date +%s) - s)) -le 2
check "read-only commands do not take the lock" run 0 dk list
check "--wait waits for the lock" run 64 dk --wait keygen esp --alg rsa
wait

check "export is audited" run 0 dk log
check "audit has export entries" grep -q '"event":"export"' "$T/out"
check "log --verify" run 0 dk log --verify
sed -i '1s/keygen/keyg3n/' store/audit.log
refuse 65 "" "an edited audit log fails --verify" dk log --verify

finish
