/*
 * migrate.c - the keystore copied (keystore/ksmigrate.h) and the copy
 * checked.
 */
#include "migrate.h"
#include "keystore/ksmigrate.h"

int
migrate_copy(struct lc *lc, const char *to, const struct secret *pass,
    struct migrate_result *r)
{
	r->keys = r->entries = 0;
	if (ks_unlock(lc->ks, pass) == -1 || ks_copy(lc->ks, to) == -1)
		return -1;
	return ks_check_copy(to, pass, &r->keys, &r->entries);
}
