#!/bin/sh
# make run: the main job on the embedded defaults (etc/dkimkeys.conf, the
# keystore in keystore/store with the demo passphrase keystore/demo.pass).
set -eu
cd "$(dirname "$0")/.."
dk() { ./dkimkeys -c etc/dkimkeys.conf "$@"; }

if [ ! -f keystore/demo.pass ]; then
	(umask 077 && printf 'demo passphrase: not for production\n' \
	    >keystore/demo.pass)
fi
dk config-check
if [ ! -d keystore/store ]; then
	dk init --kdf interactive --new-passphrase-file keystore/demo.pass
fi
# Until `rotate` arrives: give each managed vendor a key of each of its
# algorithms if it has none yet.
for va in mailgun:rsa mta:rsa mta:ed25519; do
	v=${va%%:*} a=${va#*:}
	if ! dk list --json "$v" | grep -q "\"algorithm\": \"$a\""; then
		dk keygen "$v" --alg "$a"
	fi
done
echo
dk list
echo
dk txt
