/*
 * dnsq_list.c - resolver = "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT"
 * entries: each listed server is asked with RD=0 (they are meant to be
 * authoritative), and a CNAME target only at the servers that led there.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsq_ask.h"
#include "dnsq_list.h"
#include "dnswire.h"
#include "support/log.h"
#include "support/util.h"

/* Parses "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT". */
static int
parse_server(const char *s, struct dnsnet_server *out)
{
	char label[64];
	unsigned len;

	memset(out, 0, sizeof(*out));
	if (util_parse_server(s, 53, &out->addr, &len) == -1)
		return -1;
	out->addrlen = (socklen_t)len;
	dnsnet_addr_text(&out->addr, true, label, sizeof(label));
	out->label = xstrdup(label);
	return 0;
}

static bool
list_match(const char *resolver)
{
	(void)resolver;
	return true;
}

/* Parses the list into q->list; -1 (logged, exit 78) at the first entry
 * that is not IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT. */
static int
list_open(struct dnsq *q, const char *resolver, const char *ca_file)
{
	char *copy = xstrdup(resolver), *tok, *save = NULL;
	int rc = -1;

	(void)ca_file;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		q->list = xrealloc(q->list, (q->nlist + 1) * sizeof(*q->list));
		if (parse_server(tok, &q->list[q->nlist]) == -1) {
			log_fail(EX_CONFIG,
			    "dnsq: resolver: '%s' is not "
			    "authoritative, system, https://HOST/PATH or an "
			    "IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT address",
			    tok);
			goto done;
		}
		q->nlist++;
	}
	if (q->nlist == 0) {
		log_fail(EX_CONFIG, "dnsq: resolver: empty setting");
		goto done;
	}
	rc = 0;
done:
	free(copy);
	return rc;
}

/* qname TXT at the listed servers, or those of sub only. */
static void
list_ask(struct dnsq *q, const char *qname, const struct dnsq_subset *sub,
    struct dnsq_ask **out, size_t *n)
{
	struct dnsnet_server *s;
	size_t i;

	if (sub == NULL) {
		dnsq_ask_servers(
		    q, q->list, q->nlist, qname, DNSWIRE_TXT, false, out);
		*n = q->nlist;
		return;
	}
	s = xcalloc(sub->n, sizeof(*s));
	for (i = 0; i < sub->n; i++)
		s[i] = q->list[sub->v[i]]; /* shallow: labels are copied */
	dnsq_ask_servers(q, s, sub->n, qname, DNSWIRE_TXT, false, out);
	*n = sub->n;
	free(s);
}

static void
list_close(struct dnsq *q)
{
	dnsq_servers_free(q->list, q->nlist);
	q->list = NULL;
	q->nlist = 0;
}

const struct dnsq_backend dnsq_backend_list = {
	.match = list_match,
	.open = list_open,
	.ask = list_ask,
	.close = list_close,
	.listed = true,
};
