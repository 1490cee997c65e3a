#!/bin/sh
# Interoperability with code no one here wrote (Debian's dkimpy):
#  - keys dkimkeys generates (rsa-2048, rsa-4096, ed25519) and exports sign
#    a message that dkimpy verifies against the record `dkimkeys txt` prints;
#  - the RFC 8463 Appendix A keys, imported, give exactly the RFC's p=
#    values, and the RFC's signed message verifies against our records;
#  - the RFC 6376 Appendix C key verifies RFC 4871's signed example.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

setup 'interop passphrase' <<'CONF'
[vendor:esp]
domain = mg.example.com
selector = mg%Y%m%a
algorithms = rsa-2048

[vendor:big]
domain = big.example.com
selector = big%n
algorithms = rsa-4096

[vendor:mta]
domain = example.net
selector = mta%Y%m%d%a
algorithms = rsa-2048 ed25519

[vendor:football]
domain = football.example.com
selector = f%n%a
algorithms = rsa-1024 ed25519

[vendor:brisbane]
domain = example.com
selector = b%n
algorithms = rsa-1024
CONF
export DKIMKEYS_NOW=2026-11-29T12:00:00Z

dkinit
check "keygen rsa-2048" run 0 dk keygen esp
check "keygen rsa-4096" run 0 dk keygen big
check "keygen rsa-2048 of a two-algorithm vendor" run 0 dk keygen mta --alg rsa
check "keygen ed25519" run 0 dk keygen mta --alg ed25519
check "selector template expanded" grep -q 'mta20261129e._domainkey.example.net' "$T/out"
check "import RFC 8463 rsa key" run 0 dk import football "$VECTORS/rfc8463-rsa.key" --selector test
check "import RFC 8463 ed25519 seed" run 0 dk import football "$VECTORS/rfc8463-ed25519.key" --selector brisbane
check "import RFC 6376 key" run 0 dk import brisbane "$VECTORS/rfc6376-brisbane.key" --selector brisbane
check "txt --format json" run 0 dk txt --format json
cp "$T/out" records.json

check "export rsa-2048 as PKCS#8" run 0 dk export mg202611r._domainkey.mg.example.com --format pem -o esp.pem
check "export rsa-4096 as PKCS#1" run 0 dk export big1 --format pkcs1 -o big.pem
check "export rsa of the pair" run 0 dk export mta20261129r --format pem -o mtar.pem
check "export ed25519 raw seed" run 0 dk export mta20261129e._domainkey.example.net. --format raw -o mtae.key
check "export ed25519 as PKCS#8" run 0 dk export mta20261129e --format pem -o mtae.pem
check "exported file is 0600" test "$(stat -c %a esp.pem)" = 600
check "PKCS#8 export is a private key openssl reads" \
    sh -c 'openssl pkey -in esp.pem -noout && grep -q "BEGIN PRIVATE KEY" esp.pem'
check "PKCS#1 export says RSA PRIVATE KEY" grep -q 'BEGIN RSA PRIVATE KEY' big.pem
check "ed25519 PKCS#8 export matches the raw seed" sh -c \
    'openssl pkey -in mtae.pem -outform DER | tail -c 32 | base64 | cmp -s - mtae.key'

check "dkimpy verifies rsa-2048" $PY "$ROOT/tests/integration/dkim_interop.py" records.json sign esp.pem mg202611r mg.example.com rsa
check "dkimpy verifies rsa-4096 (PKCS#1 export)" $PY "$ROOT/tests/integration/dkim_interop.py" records.json sign big.pem big1 big.example.com rsa
check "dkimpy verifies rsa of a pair" $PY "$ROOT/tests/integration/dkim_interop.py" records.json sign mtar.pem mta20261129r example.net rsa
check "dkimpy verifies ed25519" $PY "$ROOT/tests/integration/dkim_interop.py" records.json sign mtae.key mta20261129e example.net ed25519

check "RFC 8463 ed25519 p= equals the RFC's" $PY "$ROOT/tests/integration/dkim_interop.py" records.json pvalue brisbane._domainkey.football.example.com "$VECTORS/rfc8463-dns.txt" brisbane
check "RFC 8463 rsa p= equals the RFC's" $PY "$ROOT/tests/integration/dkim_interop.py" records.json pvalue test._domainkey.football.example.com "$VECTORS/rfc8463-dns.txt" test
check "RFC 8463 A.3 message: both signatures verify against our records" \
    $PY "$ROOT/tests/integration/dkim_interop.py" records.json verify "$VECTORS/rfc8463-message.eml" 2
check "RFC 4871 A.2 message verifies against our brisbane record" \
    $PY "$ROOT/tests/integration/dkim_interop.py" records.json verify "$VECTORS/rfc4871-signed.eml" 1

# Exporting an imported key gives back that very key.
check "export of an imported key" run 0 dk export test._domainkey.football.example.com --format pkcs1 -o rfc.pem
openssl pkey -in rfc.pem -pubout -out rfc.pub 2>/dev/null
openssl pkey -in "$VECTORS/rfc8463-rsa.key" -pubout -out vec.pub 2>/dev/null
check "exported imported key is the RFC's key" cmp -s rfc.pub vec.pub

finish
