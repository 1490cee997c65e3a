#!/bin/sh
# Bad input: each case gives one clear line on standard error, the exit
# status of SPEC section 3, and leaves the keystore unchanged byte for byte.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

setup 'the right passphrase' <<'CONF'
[vendor:esp]
domain = mg.example.com
selector = mg%n
algorithms = rsa-2048

[vendor:mta]
domain = example.com
selector = mta%n%a
algorithms = ed25519 rsa

[vendor:long]
domain = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com
selector = l%n
algorithms = ed25519
CONF
dkinit
check "keygen esp" run 0 dk keygen esp
check "keygen mta ed25519" run 0 dk keygen mta --alg ed25519

# configuration
cp dkimkeys.conf good.conf
printf '[vendor:x]\ndomain = x.example.com\nselector = x%%n\nrotate_every = soon\n' >>dkimkeys.conf
refuse 78 "dkimkeys.conf:23: rotate_every: .*soon" "malformed config: FILE:LINE, 78" dk list
cp good.conf dkimkeys.conf
d190=$(printf '%063d.%063d.%057d.test' 0 0 0 | tr 0 a)
printf '[vendor:far]\ndomain = %s\nselector = %s%%Y%%m%%a\n' "$d190" \
    "$(printf '%050d' 0 | tr 0 x)" >>dkimkeys.conf
refuse 78 "dkimkeys.conf:22: SELECTOR._domainkey.$d190 can reach 259 octets" \
    "config-check: a record name that can pass 253 octets: FILE:LINE, 78" \
    dk config-check
printf '%s\n' "$d190" >far.txt
cp good.conf dkimkeys.conf
printf '[vendor:farlist]\ndomains_file = far.txt\nselector = %s%%Y%%m%%a\n' \
    "$(printf '%050d' 0 | tr 0 x)" >>dkimkeys.conf
refuse 78 "far.txt:1: SELECTOR._domainkey.$d190 can reach 259 octets" \
    "config-check: the same from a domains_file line: its FILE:LINE, 78" \
    dk config-check
cp good.conf dkimkeys.conf

# vendors, selectors, sizes
refuse 64 "unknown vendor 'nope'" "unknown vendor: 64" dk keygen nope
refuse 64 "selector 'a_b'" "selector with an underscore: 64" \
    dk keygen mta --alg rsa --selector a_b
long=$(printf '%064d' 0 | tr 0 a)
refuse 64 "selector '$long'" "selector label over 63 octets: 64" \
    dk keygen mta --alg rsa --selector "$long"
openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null
sel=$(printf '%063d' 0 | tr 0 b)
sel=$sel.$sel.$sel
refuse 64 "over the 253 of a DNS name" \
    "keygen --selector: SELECTOR._domainkey.DOMAIN over 253 octets: 64" \
    dk keygen long --selector "$sel"
refuse 64 "over the 253 of a DNS name" \
    "import --selector: SELECTOR._domainkey.DOMAIN over 253 octets: 64" \
    dk import long ed.pem --selector "$sel"
mkpass wrong 'not the passphrase'
sed 's/^passphrase_file = pass$/passphrase_file = wrong/' good.conf >dkimkeys.conf
refuse 64 "selector 'a_b'" \
    "keygen --selector is checked before the passphrase and the key: 64" \
    dk keygen mta --alg rsa --selector a_b
cp good.conf dkimkeys.conf
refuse 64 "mta1e._domainkey.example.com was used before" \
    "reused selector (live key): 64" dk keygen mta --alg rsa --selector mta1e
refuse 64 "successor" "second successor: 64" dk keygen esp
refuse 64 "below 1024 bits" "rsa below 1024 bits: 64" \
    dk keygen mta --alg rsa --bits 512
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out rsa512.pem 2>/dev/null
refuse 65 "1024" "import of an rsa-512 key: 65" dk import mta rsa512.pem
refuse 64 "ambiguous|no key" "unknown KEY: 64" dk export nosuch

# import garbage
printf 'this is not a key\n' >garbage
refuse 65 "garbage: not a private key" "import of garbage: 65" \
    dk import mta garbage
openssl pkey -in ed.pem -aes256 -passout pass:x -out enc.pem 2>/dev/null
refuse 65 "enc.pem: encrypted" "import of an encrypted PEM: 65" \
    dk import mta enc.pem
openssl pkey -in ed.pem -pubout -out pub.pem 2>/dev/null
refuse 65 "public key" "import of a public key: 65" dk import mta pub.pem
openssl genpkey -algorithm ed25519 -out ed2.pem 2>/dev/null
cat ed.pem ed2.pem >two.pem
refuse 65 "two.pem: holds more than one PEM block" \
    "import of a file with two keys: 65" dk import mta two.pem
{ cat ed.pem; echo 'trailing junk'; } >trail.pem
refuse 65 "trail.pem: data after the key" \
    "import of a key with data after it: 65" dk import mta trail.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem \
    2>/dev/null
check "import of an rsa-1024 key for an rsa-2048 vendor: 65" \
    run 65 dk import mta rsa1024.pem
check "  after the weak-key warning, the refusal names --force" grep -q \
    "1024-bit rsa key for vendor mta, which signs with rsa-2048; use --force" \
    "$T/err"

# passphrases
sed 's/^passphrase_file = pass$/passphrase_file = wrong/' good.conf >dkimkeys.conf
refuse 77 "wrong passphrase" "wrong passphrase: 77" \
    dk export mg1 --format pem -o out1.pem
sed 's/^passphrase_file = pass$/passphrase_file = missing/' good.conf >dkimkeys.conf
refuse 77 "missing" "missing passphrase file: 77" \
    dk export mg1 --format pem -o out2.pem
sed 's/^passphrase_file = pass$//' good.conf >dkimkeys.conf
refuse 77 "passphrase" "no passphrase source and no terminal: 77" \
    dk export mg1 --format pem -o out3.pem </dev/null
cp good.conf dkimkeys.conf
chmod 640 pass
refuse 77 "pass: mode 0640" "group-readable passphrase file: 77" \
    dk export mg1 --format pem -o out4.pem
chmod 600 pass
# a FIFO would block open() until a writer came, holding the lock
mkfifo fifo
sed 's/^passphrase_file = pass$/passphrase_file = fifo/' good.conf >dkimkeys.conf
refuse 77 "fifo: not a regular file" "a FIFO as passphrase file: 77 at once" \
    timeout 10 "$DK" -c "$CONF" export mg1 --format pem -o out5.pem
cp good.conf dkimkeys.conf
refuse 78 "fifo: not a regular file" "a FIFO as the config: 78 at once" \
    timeout 10 "$DK" -c fifo list
check "no half-written export left behind" \
    sh -c 'for f in out1.pem out2.pem out3.pem out4.pem out5.pem; do
        ! [ -e "$f" ] || exit 1; done'

# a tampered key file: refused naming it, the other key keeps working
f=$(ls store/keys | head -n 1)
cp "store/keys/$f" saved
size=$(stat -c %s "store/keys/$f")
printf '\377' | dd of="store/keys/$f" bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
"$DK" -c dkimkeys.conf export mg1 --format pem -o t1.pem 2>err1
r1=$?
"$DK" -c dkimkeys.conf export mta1e --format raw -o t2.pem 2>err2
r2=$?
check "tampered key file: refused with 65, the other key still exports" \
    test "$r1$r2" = 650 -o "$r1$r2" = 065
check "the refusal is one line naming the file" \
    sh -c "cat err1 err2 | wc -l | grep -qx 1 && grep -q '$f' err1 err2"
cp saved "store/keys/$f"
check "restored key file works again" run 0 dk export mg1 --format pem -o t3.pem

check "with --force the rsa-1024 key is taken" \
    run 0 dk import mta rsa1024.pem --force
check "  with a warning" grep -q "1024 bits: rsa keys below 2048 bits are weak" \
    "$T/err"

# usage
refuse 64 "usage" "unknown option: 64" dk list --frobnicate
refuse 64 "unknown command" "unknown command: 64" dk frobnicate
DKIMKEYS_NOW=yesterday refuse 64 "DKIMKEYS_NOW" "bad DKIMKEYS_NOW: 64" dk list

finish
