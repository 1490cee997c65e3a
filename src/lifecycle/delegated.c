/*
 * delegated.c - a delegated vendor's selectors as configured: CNAME
 * targets and standby selectors.
 */
#include <string.h>

#include "delegated.h"

const char *
lc_cname_target(const struct vendor *v, const char *sel)
{
	size_t i;

	for (i = 0; i < v->ncname_targets; i++)
		if (strcmp(v->cname_targets[i].selector, sel) == 0)
			return v->cname_targets[i].target;
	return NULL;
}

bool
lc_standby(const struct vendor *v, const char *sel)
{
	size_t i;

	for (i = 0; i < v->nstandby; i++)
		if (strcmp(v->standby_selectors[i], sel) == 0)
			return true;
	return false;
}
