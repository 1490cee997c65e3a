/*
 * dnsq_doh.c - the DNS over HTTPS resolver mode: one exchange through
 * doh.c per question, the reply checked as dnsnet.c checks its own.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsq_ask.h"
#include "dnsq_doh.h"
#include "dnswire.h"
#include "doh.h"
#include "support/log.h"
#include "support/util.h"

static bool
dohmode_match(const char *resolver)
{
	return resolver != NULL && strncmp(resolver, "https://", 8) == 0;
}

static int
dohmode_open(struct dnsq *q, const char *resolver, const char *ca_file)
{
	q->url = xstrdup(resolver);
	if (resolver[8] == '\0' || resolver[8] == '/' ||
	    strpbrk(resolver, " \t") != NULL) {
		log_fail(EX_CONFIG, "dnsq: resolver: bad URL %s", resolver);
		return -1;
	}
	return doh_new(resolver, ca_file, q->timeout_ms, &q->doh);
}

/* One DoH exchange; the reply is checked as dnsnet checks its own. */
static void
ask_doh(struct dnsq *q, const char *qname, struct dnsq_ask *a)
{
	unsigned char query[DNSWIRE_QUERY_MAX];
	char err[256];
	struct dnswire_msg m;
	const char *why;
	int n;

	a->label = xstrdup(q->url);
	a->fail = DNSQ_UNREACHABLE;
	if (dnsq_dead(q, q->url, &why)) {
		a->error = xasprintf("%s earlier in this run", why);
		return;
	}
	/* ID 0, as RFC 8484 section 4.1 recommends */
	n = dnswire_build_query(
	    qname, DNSWIRE_TXT, 0, true, true, query, sizeof(query));
	if (n == -1 ||
	    doh_exchange(q->doh, query, (size_t)n, &a->reply, &a->replylen, err,
		sizeof(err)) == -1) {
		a->error = xstrdup(n == -1 ? "invalid name" : err);
		if (n != -1)
			dnsq_note_timeout(q, q->url, err);
		return;
	}
	if (dnswire_parse(a->reply, a->replylen, &m, &why) == 0) {
		(void)dnswire_is_reply(&m, 0, qname, DNSWIRE_TXT, &why);
		dnswire_msg_clear(&m);
	}
	if (why != NULL) {
		a->fail = DNSQ_SERVFAIL_OR_REFUSED;
		a->error = xasprintf("bad DoH reply: %s", why);
		free(a->reply);
		a->reply = NULL;
	}
}

static void
dohmode_ask(struct dnsq *q, const char *qname, const struct dnsq_subset *sub,
    struct dnsq_ask **out, size_t *n)
{
	(void)sub;
	*out = xcalloc(1, sizeof(**out));
	ask_doh(q, qname, *out);
	*n = 1;
}

static void
dohmode_close(struct dnsq *q)
{
	doh_free(q->doh);
	q->doh = NULL;
	free(q->url);
	q->url = NULL;
}

const struct dnsq_backend dnsq_backend_doh = {
	.match = dohmode_match,
	.open = dohmode_open,
	.ask = dohmode_ask,
	.close = dohmode_close,
	.listed = false,
};
