#!/bin/sh
# What a script can rely on (issue 9, item 10): dkimkeys --version;
# COMMAND --help for every command of the usage, without a configuration
# or keystore; in every JSON document (list, status, keygen, check,
# rotate, log) a KEY ends with the final dot; txt --format name-value
# prints NAME<TAB>VALUE with the names of --format zone and the values of
# --format value. No DNS server answers: the resolver is a free port.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

# --version and COMMAND --help, with no configuration anywhere
check "--version prints 'dkimkeys VERSION' and exits 0" \
    run 0 env -u DKIMKEYS_CONFIG "$DK" --version
check "  one line, the version of src/support/version.h" \
    test "$(cat "$T/out")" = "dkimkeys $(sed -n \
        's/^#define DKIMKEYS_VERSION "\(.*\)"$/\1/p' \
        "$ROOT/src/support/version.h")"
cmds=$("$DK" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
check "the usage lists the commands" test "$(echo "$cmds" | wc -w)" -ge 15
for c in $cmds; do
	if run 0 env DKIMKEYS_CONFIG="$T/none.conf" "$DK" "$c" --help &&
	    head -n 1 "$T/out" | grep -q "^usage: dkimkeys $c\( \|$\)" &&
	    [ ! -s "$T/err" ]; then
		ok "$c --help: its usage, exit 0, no configuration read"
	else
		not_ok "$c --help: its usage, exit 0, no configuration read"
		sed 's/^/  /' "$T/out" "$T/err"
	fi
done
check "rotate -n --help: rotate's args, then its summary" \
    sh -c "'$DK' -c '$T/none.conf' rotate -n --help >help &&
        grep -q '^usage: dkimkeys rotate \[VENDOR\.\.\.\] \[-n\] ' help &&
        grep -qx 'advance every schedule .*(cron)' help"
check "an unknown command with --help is still 64" \
    run 64 "$DK" -c "$T/none.conf" frobnicate --help
check "without --help the missing configuration is 78" \
    run 78 "$DK" -c "$T/none.conf" list

# a keystore with keys, and a resolver no one answers
PORT=$(free_port)
mkdir -p rec hooks
cp "$ROOT/tests/data/hooks/recorder" hooks/
chmod 755 hooks/recorder
setup 'script output passphrase' <<CONF
resolver = 127.0.0.1:$PORT
dns_timeout = 1s
hook.record_dir = $T/rec

[vendor:esp]
domain = esp.example.test
selector = e%n
algorithms = ed25519
publish_ahead = 1d
hooks = hooks/recorder
CONF
export DKIMKEYS_NOW=2026-04-01T00:00:00Z
dkinit
# every "key" of a JSON document ends with a dot; prints the offenders
# and how many keys were seen
keys_dotted() {
	"$PY" -c '
import json, sys
doc = json.load(sys.stdin)
seen = bad = 0
def walk(x):
    global seen, bad
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "key" and v is not None:
                seen += 1
                # check says of DMARC too: the record of esp.example.test
                if not v.endswith("._domainkey.esp.example.test.") and \
                    v not in ("_dmarc.esp.example.test.",
                        "_dmarc.example.test."):
                    bad += 1
                    print("  no final dot: %s" % v)
            elif k == "orphans":
                for o in v:
                    seen += 1
                    bad += not o.endswith(".")
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(doc)
sys.exit(0 if seen >= int(sys.argv[1]) and bad == 0 else 1)' "$1"
}
# json_keys MIN DESCRIPTION COMMAND...: the JSON of the command (any exit
# status) holds at least MIN keys, each with the final dot
json_keys() {
	min=$1 d=$2
	shift 2
	"$@" >"$T/json" 2>/dev/null
	if keys_dotted "$min" <"$T/json"; then
		ok "$d"
	else
		not_ok "$d"
		head -n 20 "$T/json" | sed 's/^/  json: /'
	fi
}
check "import an active key (no DNS to check it)" \
    run 0 dk import esp "$VECTORS/rfc8463-ed25519.key" --selector old \
    --state active --since 2026-03-01T00:00:00Z --no-dns-check
json_keys 1 "keygen --json: the KEY ends with a dot" \
    dk --json keygen esp
json_keys 1 "rotate --json: every KEY ends with a dot" dk --json rotate
json_keys 1 "list --json: every KEY ends with a dot" dk --json list
json_keys 1 "status --json: every KEY ends with a dot" dk --json status
json_keys 1 "check --json: every KEY ends with a dot" dk check --json
json_keys 2 "log --json: every KEY ends with a dot" dk log --json
json_keys 2 "log esp --json: so does one vendor's" dk log esp --json
check "log without --json: the lines as stored, hash chain intact" \
    run 0 dk log --verify
check "  and they carry no final dot (what prev hashes)" \
    sh -c "'$DK' -c '$CONF' log 2>/dev/null |
        grep -q '\"key\":\"old._domainkey.esp.example.test\"'"

# txt --format name-value: the names of zone, the values of value
check "txt --format name-value exits 0" run 0 dk txt --format name-value
cp "$T/out" nv
dk txt --format value >v 2>/dev/null
dk txt --format zone 2>/dev/null | sed -n 's/^\([^ ][^ ]*\) .*/\1/p' >names
check "  one NAME<TAB>VALUE line per record, as zone names and value values" \
    sh -c "[ -s nv ] && cut -f 1 nv | cmp -s - names &&
        cut -f 2- nv | cmp -s - v &&
        [ \$(awk -F '\t' 'NF != 2' nv | wc -l) -eq 0 ]"
check "  the names with their final dot" \
    grep -q '^old\._domainkey\.esp\.example\.test\.	v=DKIM1; k=ed25519; p=' nv
check "  the pending key's too, once its publish is due" \
    grep -q '^e1\._domainkey\.esp\.example\.test\.	v=DKIM1; k=ed25519; p=' nv
check "--format value is unchanged: the value alone" \
    sh -c "[ \$(wc -l <v) -eq 2 ] &&
        [ \$(grep -cx 'v=DKIM1; k=ed25519; p=[A-Za-z0-9+/=]*' v) -eq 2 ]"
refuse 64 'not zone, value, name-value, json or nsupdate' \
    "--format names is refused" dk txt --format names
finish
