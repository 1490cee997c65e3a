/*
 * rotate_report.c - the lines of a rotate run's report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rotate_report.h"
#include "keystore/keystore.h"
#include "support/log.h"
#include "support/util.h"

void
rotate_report_add(struct rotate_report *r, const char *vendor,
    const struct ks_key *k, bool failed, const char *what, const char *fmt,
    ...)
{
	struct rotate_item *it;
	va_list ap;

	/* walking the schedules again after batches: said already */
	if (r->repeat && (strcmp(what, "waiting") == 0 ||
	    strcmp(what, "late") == 0 || strcmp(what, "held") == 0 ||
	    strcmp(what, "warning") == 0 || strcmp(what, "orphan") == 0))
		return;
	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? 2 * r->cap : 16;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->vendor = xstrdup(vendor);
	if (k != NULL)
		it->key = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	it->what = xstrdup(what);
	it->failed = failed;
	it->loud = failed || strcmp(what, "stalled") == 0;
	if (failed)
		r->failures++;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&it->detail, fmt, ap) < 0)
			it->detail = NULL;
		va_end(ap);
	}
}

void
rotate_report_free(struct rotate_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].vendor);
		free(r->items[i].key);
		free(r->items[i].what);
		free(r->items[i].detail);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}
