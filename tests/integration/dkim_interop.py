#!/usr/bin/python3
"""Signs and verifies with dkimpy (Debian's python3-dkim) against the records
`dkimkeys txt --format json` printed, served to dkimpy by a dnsfunc instead
of a network. Code no one here wrote decides whether dkimkeys' keys and
records are right.

  dkim_interop.py RECORDS.json sign KEYFILE SELECTOR DOMAIN rsa|ed25519
  dkim_interop.py RECORDS.json verify MESSAGE.eml [COUNT]
  dkim_interop.py RECORDS.json pvalue NAME DNSFILE RFCNAME

Exit 0 when every signature verifies, 1 otherwise.
"""
import json
import re
import sys

import dkim

MESSAGE = (b"From: Joe <joe@%s>\r\nTo: Suzie <suzie@example.net>\r\n"
           b"Subject: dkimkeys interop\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
           b"Message-ID: <interop@%s>\r\n\r\nHi.\r\n\r\nWe lost the game.\r\n")


def load_records(path):
    with open(path) as f:
        recs = json.load(f)
    table = {}
    for r in recs:
        # the strings must rebuild the value, each at most 255 octets
        assert "".join(r["strings"]) == r["value"], r
        assert all(len(s.encode()) <= 255 for s in r["strings"]), r
        table[r["name"].rstrip(".").lower()] = r["value"].encode()
    return table


def dnsfunc_for(table):
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return table.get(name.rstrip(".").lower())
    return dnsfunc


def sign(table, keyfile, selector, domain, alg):
    with open(keyfile, "rb") as f:
        key = f.read().strip()
    sigalg = b"ed25519-sha256" if alg == "ed25519" else b"rsa-sha256"
    msg = MESSAGE % (domain.encode(), domain.encode())
    sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                    signature_algorithm=sigalg,
                    include_headers=[b"from", b"to", b"subject", b"date"])
    signed = sig + msg
    ok = dkim.verify(signed, dnsfunc=dnsfunc_for(table))
    print("dkimpy %s %s._domainkey.%s: %s" % (alg, selector, domain,
                                            "pass" if ok else "FAIL"))
    # a record for another key must not verify it
    bad = dict(table)
    name = "%s._domainkey.%s" % (selector, domain)
    others = [v for k, v in table.items() if k != name and b"k=" + alg.encode() in v
              and not v.endswith(b"p=")]
    if others:
        bad[name] = others[0]
        if dkim.verify(signed, dnsfunc=dnsfunc_for(bad)):
            print("dkimpy verified against the wrong record")
            return 1
    return 0 if ok else 1


def verify(table, path, count):
    with open(path, "rb") as f:
        msg = f.read()
    d = dkim.DKIM(msg, minkey=1024)
    nsig = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    good = 0
    for i in range(nsig):
        if d.verify(idx=i, dnsfunc=dnsfunc_for(table)):
            good += 1
    print("dkimpy %s: %d of %d signatures verify" % (path, good, nsig))
    return 0 if good == nsig == count else 1


def pvalue(table, name, dnsfile, rfcname):
    """The p= dkimkeys printed for name equals the p= of rfcname's record
    in an RFC zone fragment (strings concatenated)."""
    text = open(dnsfile).read()
    m = re.search(r"^%s\._domainkey\.\S*\s+IN\s+TXT\s+\((.*?)\)" % re.escape(rfcname),
                  text, re.S | re.M)
    rfc = "".join(re.findall(r'"([^"]*)"', m.group(1)))
    rfc_p = re.search(r"p=([A-Za-z0-9+/=\s]*)", rfc).group(1).replace(" ", "")
    ours = table[name].decode()
    our_p = re.search(r"p=(\S*)$", ours).group(1)
    print("p= of %s: %s" % (name, "equal" if our_p == rfc_p else "DIFFERENT"))
    return 0 if our_p == rfc_p else 1


def main():
    table = load_records(sys.argv[1])
    cmd = sys.argv[2]
    if cmd == "sign":
        return sign(table, *sys.argv[3:7])
    if cmd == "verify":
        return verify(table, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    if cmd == "pvalue":
        return pvalue(table, *sys.argv[3:6])
    return 2


if __name__ == "__main__":
    sys.exit(main())
