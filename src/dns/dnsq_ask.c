/*
 * dnsq_ask.c - one question to a set of servers at once over dnsnet.c,
 * as one ask per server; shared by every resolver mode.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsq_ask.h"
#include "support/util.h"

void
dnsq_servers_free(struct dnsnet_server *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		free(s[i].label);
		free(s[i].error);
	}
	free(s);
}

void
dnsq_asks_free(struct dnsq_ask *a, size_t n)
{
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		free(a[i].label);
		free(a[i].reply);
		free(a[i].error);
	}
	free(a);
}

void
dnsq_ask_clear(struct dnsq_ask *a)
{
	free(a->label);
	free(a->reply);
	free(a->error);
	memset(a, 0, sizeof(*a));
}

void
dnsq_ask_move(struct dnsq_ask *dst, struct dnsq_ask *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void
dnsq_ask_servers(struct dnsq *q, const struct dnsnet_server *srv, size_t n,
    const char *qname, uint16_t qtype, bool rd, struct dnsq_ask **out)
{
	struct dnsnet_xfer *x = xcalloc(n == 0 ? 1 : n, sizeof(*x));
	struct dnsq_ask *a = xcalloc(n == 0 ? 1 : n, sizeof(*a));
	size_t i;

	for (i = 0; i < n; i++) {
		x[i].server = &srv[i];
		x[i].qname = qname;
		x[i].qtype = qtype;
		x[i].rd = rd;
	}
	dnsnet_run(x, n, q->timeout_ms);
	for (i = 0; i < n; i++) {
		a[i].label = xstrdup(srv[i].label);
		a[i].reply = x[i].reply;
		a[i].replylen = x[i].replylen;
		a[i].tcp = x[i].tcp;
		a[i].fail = DNSQ_UNREACHABLE;
		if (a[i].reply == NULL)
			a[i].error = xstrdup(x[i].err);
	}
	free(x);
	*out = a;
}
