"""opendkim_verify.py MESSAGE TXT - for hook_opendkim.sh: verifies every
DKIM-Signature of MESSAGE with dkimpy, the DNS being the records of TXT
(the output of `dkimkeys txt`). Prints one line per signature,
"SELECTOR ALGORITHM pass" or "SELECTOR ALGORITHM fail REASON", in the
order of the fields; nothing when the message is unsigned."""
import re
import sys

import dkim

msg = open(sys.argv[1], "rb").read()
records = {}
name = None
for line in open(sys.argv[2]):
    if line.strip() and not line[0].isspace():
        name = line.split()[0].rstrip(".").lower()
        records[name] = ""
    if name is not None:
        records[name] += "".join(re.findall(r'"([^"]*)"', line))


def dnsfunc(qname, timeout=5):
    if isinstance(qname, bytes):
        qname = qname.decode()
    return records.get(qname.rstrip(".").lower(), "").encode() or None


d = dkim.DKIM(msg)
fields = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
for i, v in enumerate(fields):
    tags = dict((x.strip() for x in t.split(b"=", 1))
                for t in v.split(b";") if b"=" in t)
    s = tags[b"s"].decode()
    a = tags[b"a"].decode()
    try:
        good = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
        print(s, a, "pass" if good else "fail verify returned false")
    except dkim.DKIMException as e:
        print(s, a, "fail", str(e).replace("\n", " "))
