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
	char *detail = NULL, *p;
	size_t lv, lk, lw, ld;
	bool loud = failed || strcmp(what, "stalled") == 0;
	va_list ap;

	/* walking the schedules again after batches: said already */
	if (r->repeat && (strcmp(what, "waiting") == 0 ||
	    strcmp(what, "late") == 0 || strcmp(what, "held") == 0 ||
	    strcmp(what, "warning") == 0 || strcmp(what, "orphan") == 0))
		return;
	if (failed)
		r->failures++;
	if (r->loud_only && !loud)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? 2 * r->cap : 16;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&detail, fmt, ap) < 0)
			detail = NULL;
		va_end(ap);
	}
	/* one block a line: the vendor, then the key, what and detail
	 * (a rotate of 100,000 domains keeps some 200,000 lines) */
	lv = strlen(vendor) + 1;
	lk = k != NULL ? strlen(k->selector) + sizeof("._domainkey.") - 1 +
	    strlen(k->domain) + 1 : 0;
	lw = strlen(what) + 1;
	ld = detail != NULL ? strlen(detail) + 1 : 0;
	p = it->vendor = xmalloc(lv + lk + lw + ld);
	memcpy(p, vendor, lv);
	p += lv;
	if (k != NULL) {
		it->key = p;
		p += snprintf(p, lk, "%s._domainkey.%s", k->selector,
		    k->domain) + 1;
	}
	it->what = memcpy(p, what, lw);
	p += lw;
	if (detail != NULL)
		it->detail = memcpy(p, detail, ld);
	free(detail);
	it->failed = failed;
	it->loud = loud;
}

void
rotate_report_free(struct rotate_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->items[i].vendor); /* the line's block */
	free(r->items);
	memset(r, 0, sizeof(*r));
}
