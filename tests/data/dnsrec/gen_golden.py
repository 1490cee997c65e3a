# Writes tests/golden/dnsrec/* independently of the C code (Python's base64
# and json), from the keys in tests/data. Run from the top of the tree:
#   python3 tests/data/dnsrec/gen_golden.py
import base64, json, os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
def pem_der(path):
    lines=[l for l in open(path) if not l.startswith('-----')]
    return base64.b64decode(''.join(lines))
recs = {
 'rsa1024': ('brisbane','example.com',86400,'rsa',pem_der('tests/data/vectors/rfc6376-brisbane.pub'),False),
 'rsa2048': ('mg202611r','mg.example.com',3600,'rsa',open('tests/data/dnsrec/rsa2048.pub.der','rb').read(),False),
 'rsa4096': ('k202611r','example.com',3600,'rsa',open('tests/data/dnsrec/rsa4096.pub.der','rb').read(),False),
 'ed25519': ('mg202611e','mg.example.com',3600,'ed25519',base64.b64decode('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='),False),
 'testing': ('t202611e','example.net',300,'ed25519',base64.b64decode('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='),True),
 'revoked': ('mg202605r','mg.example.com',3600,'rsa',b'',False),
}
order=['rsa1024','rsa2048','rsa4096','ed25519','testing','revoked']
def make(sel,dom,ttl,alg,pub,testing):
    name=f'{sel}._domainkey.{dom}.'
    if pub:
        v=f'v=DKIM1; k={alg}; '+('t=y; ' if testing else '')+'p='+base64.b64encode(pub).decode()
    else:
        v=f'v=DKIM1; k={alg}; p='
    i=v.index('p=')
    strs=[v[:i]]
    rest=v[i:]
    while True:
        strs.append(rest[:255]); rest=rest[255:]
        if not rest: break
    assert ''.join(strs)==v and all(len(s)<=255 for s in strs)
    return name,ttl,v,strs
def zone(rs): return ''.join(f'{n} {t} IN TXT ( '+'\n  '.join(f'"{s}"' for s in ss)+' )\n' for n,t,v,ss in rs)
def value(rs): return ''.join(v+'\n' for n,t,v,ss in rs)
def js(rs):
    return json.dumps([{'name':n,'ttl':t,'value':v,'strings':ss} for n,t,v,ss in rs],indent=2)+'\n'
def nsu(rs):
    return ''.join(f'update delete {n} TXT\nupdate add {n} {t} TXT '+' '.join(f'"{s}"' for s in ss)+'\nsend\n' for n,t,v,ss in rs)
for k in order+['all']:
    rs=[make(*recs[x]) for x in (order if k=='all' else [k])]
    for ext,f in (('zone',zone),('value',value),('json',js),('nsupdate',nsu)):
        open(f'tests/golden/dnsrec/{k}.{ext}','w').write(f(rs))
