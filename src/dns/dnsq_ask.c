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

/* Whether label timed out on q; *why (may be NULL) gets the reason. */
static bool
known_dead(const struct dnsq *q, const char *label, const char **why)
{
	size_t i;

	for (i = 0; i < q->ndead; i++)
		if (strcmp(q->dead[i], label) == 0) {
			if (why != NULL)
				*why = q->dead_why[i];
			return true;
		}
	return false;
}

void
dnsq_note_timeout(struct dnsq *q, const char *label, const char *err)
{
	if (err == NULL || (strcasestr(err, "timeout") == NULL &&
	    strcasestr(err, "timed out") == NULL) ||
	    known_dead(q, label, NULL))
		return;
	q->dead = xrealloc(q->dead, (q->ndead + 1) * sizeof(*q->dead));
	q->dead_why = xrealloc(q->dead_why, (q->ndead + 1) *
	    sizeof(*q->dead_why));
	q->dead[q->ndead] = xstrdup(label);
	q->dead_why[q->ndead++] = xstrdup(err);
}

bool
dnsq_dead(const struct dnsq *q, const char *label, const char **why)
{
	return q->skip_dead && known_dead(q, label, why);
}

void
dnsq_dead_free(struct dnsq *q)
{
	size_t i;

	for (i = 0; i < q->ndead; i++) {
		free(q->dead[i]);
		free(q->dead_why[i]);
	}
	free(q->dead);
	free(q->dead_why);
	q->dead = q->dead_why = NULL;
	q->ndead = 0;
}

void
dnsq_ask_servers(struct dnsq *q, const struct dnsnet_server *srv, size_t n,
    const char *qname, uint16_t qtype, bool rd, struct dnsq_ask **out)
{
	struct dnsnet_xfer *x = xcalloc(n == 0 ? 1 : n, sizeof(*x));
	struct dnsq_ask *a = xcalloc(n == 0 ? 1 : n, sizeof(*a));
	size_t i, nx = 0, *at = xcalloc(n == 0 ? 1 : n, sizeof(*at));
	const char *why;

	for (i = 0; i < n; i++) {
		a[i].label = xstrdup(srv[i].label);
		a[i].fail = DNSQ_UNREACHABLE;
		/* a server that timed out already costs no second wait */
		if (dnsq_dead(q, srv[i].label, &why)) {
			a[i].error = xasprintf("%s earlier in this run", why);
			continue;
		}
		at[nx] = i;
		x[nx].server = &srv[i];
		x[nx].qname = qname;
		x[nx].qtype = qtype;
		x[nx++].rd = rd;
	}
	dnsnet_run(x, nx, q->timeout_ms);
	for (i = 0; i < nx; i++) {
		a[at[i]].reply = x[i].reply;
		a[at[i]].replylen = x[i].replylen;
		a[at[i]].tcp = x[i].tcp;
		if (x[i].reply == NULL) {
			a[at[i]].error = xstrdup(x[i].err);
			dnsq_note_timeout(q, srv[at[i]].label, x[i].err);
		}
	}
	free(at);
	free(x);
	*out = a;
}
