/*
 * export.c - a private key decrypted, rendered and audited.
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "lifecycle.h"
#include "support/log.h"
#include "support/util.h"

struct ks_key *
export_find(struct lc *lc, const char *arg)
{
	struct ks_key *key;

	if ((key = lc_find(lc, arg)) == NULL)
		return NULL;
	if (key->state == KS_DESTROYED) {
		log_fail(EX_USAGE, "export: %s._domainkey.%s was destroyed",
		    key->selector, key->domain);
		return NULL;
	}
	return key;
}

int
export_key(struct lc *lc, const struct ks_key *key, enum keygen_format fmt,
    bool to_file, struct secret **text)
{
	static const char *const names[] = { "pem", "pkcs1", "raw" };
	struct keypair kp;
	char *extra;
	int rc = -1;

	memset(&kp, 0, sizeof(kp));
	*text = NULL;
	extra = xasprintf(",\"format\":\"%s\",\"to\":\"%s\"", names[fmt],
	    to_file ? "file" : "stdout");
	if (lc_load(lc, key, &kp) == -1 || keygen_export(&kp, fmt, text) == -1)
		goto out;
	if (ks_audit(lc->ks, lc->now, lc->simulated, "export", key,
	    extra) == -1) {
		secret_free(*text);
		*text = NULL;
		goto out;
	}
	rc = 0;
out:
	free(extra);
	keypair_clear(&kp);
	return rc;
}
