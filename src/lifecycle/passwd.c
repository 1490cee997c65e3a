/*
 * passwd.c - the passphrase changed and audited.
 */
#include "lifecycle.h"
#include "passwd.h"

int
passwd_change(struct lc *lc, const struct secret *newpass, bool rekey)
{
	if (ks_passwd(lc->ks, newpass, rekey) == -1)
		return -1;
	return ks_audit(lc->ks, lc->now, lc->simulated,
	    rekey ? "rekey" : "passwd", NULL, "");
}
