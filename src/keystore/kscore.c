/*
 * kscore.c - what the keystore's files share below its driver: names for
 * messages, the write guard, sealing the header, key file names and
 * identities, opening a key file's octets.
 *
 * keystore.c (open, create, unlock), ksrecords.c, kskeys.c, ksjournal.c
 * and ksbackup.c call these; nothing here calls them back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscore_int.h"
#include "support/log.h"

const char *
ks_at(struct ks *ks, const char *name)
{
	snprintf(ks->shown, sizeof(ks->shown), "%s/%s", ks->dir, name);
	return ks->shown;
}

int
ks_need_write(struct ks *ks, bool need_mk)
{
	if (ks->lockfd == -1) {
		log_fail(EX_SOFTWARE, "keystore: %s: changed without the lock",
		    ks->dir);
		return -1;
	}
	if (need_mk && ks->mk == NULL) {
		log_fail(EX_SOFTWARE, "keystore: %s: used before ks_unlock",
		    ks->dir);
		return -1;
	}
	return 0;
}

void
ks_crypto_failed(struct ks *ks, enum ksf_err err)
{
	if (err == KSF_AUTH)
		log_fail(EX_NOPERM, "keystore: %s: wrong passphrase", ks->dir);
	else if (err == KSF_BADKDF)
		log_fail(EX_DATAERR, "keystore: %s: bad kdf parameters",
		    ks_at(ks, "header"));
	else if (err == KSF_KDFFAIL)
		log_fail(EX_IOERR, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
	else if (err != KSF_NOMEM)
		log_fail(EX_SOFTWARE, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
}

int
ks_seal_header(struct ks *ks, struct ksf_header *h, const struct secret *pass,
    const struct secret *mk, unsigned char out[KSF_HEADER_LEN])
{
	struct secret *kek = NULL;
	enum ksf_err err;

	if ((err = ksf_derive(h, pass, &kek)) == KSF_OK)
		err = ksf_mk_seal(h, kek, mk);
	secret_free(kek);
	if (err != KSF_OK) {
		ks_crypto_failed(ks, err);
		return -1;
	}
	ksf_header_encode(h, out);
	return 0;
}

/* "HEX-EPOCH" + ext, HEX of hexlen digits: its epoch. */
static bool
file_epoch(const char *name, size_t hexlen, const char *ext,
    unsigned long *epoch)
{
	char *end;

	if (strspn(name, "0123456789abcdef") != hexlen ||
	    name[hexlen] != '-' || name[hexlen + 1] < '0' ||
	    name[hexlen + 1] > '9')
		return false;
	*epoch = strtoul(name + hexlen + 1, &end, 10);
	return strcmp(end, ext) == 0;
}

bool
ks_key_file_epoch(const char *name, unsigned long *epoch)
{
	return file_epoch(name, 2 * KS_FPR_LEN, ".key", epoch) ||
	    file_epoch(name, 2 * KS_PACK_ID_LEN, ".pack", epoch);
}

void
ks_pack_name(const unsigned char id[KS_PACK_ID_LEN], uint32_t epoch,
    char out[KS_KEYNAME_LEN])
{
	char hex[2 * KS_PACK_ID_LEN + 1];

	util_hex(id, KS_PACK_ID_LEN, hex);
	snprintf(out, KS_KEYNAME_LEN, "%s-%lu.pack", hex,
	    (unsigned long)epoch);
}

void
ks_key_identity(const struct ks_key *key, uint32_t epoch, struct ksf_key *k)
{
	k->alg = key->alg;
	k->bits = key->bits;
	k->epoch = epoch;
	k->domain = key->domain;
	k->selector = key->selector;
	memcpy(k->fpr, key->fpr, KS_FPR_LEN);
}

int
ks_key_opened(struct ks *ks, const unsigned char *buf, size_t len,
    const struct ksf_key *k, const struct secret *mk, const char *shown,
    struct secret **out)
{
	enum ksf_err err = ksf_key_open(buf, len, k, ks->hdr.id, mk, out);

	if (err != KSF_OK && err != KSF_NOMEM)
		log_fail(EX_DATAERR, "keystore: %s: %s", shown,
		    ksf_strerror(err));
	return err == KSF_OK ? 0 : -1;
}
