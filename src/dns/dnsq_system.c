/*
 * dnsq_system.c - the system resolver: the nameservers of resolv.conf
 * (at most three, as the C library reads), asked with RD=1 in order until
 * one answers.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsq_ask.h"
#include "dnsq_system.h"
#include "dnswire.h"
#include "support/util.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define MAX_SYSTEM 3 /* as glibc's MAXNS */

/* Adds a numeric address as a server labelled prefix + address. */
static int
add_numeric(
    struct dnsnet_server **v, size_t *n, const char *prefix, const char *addr)
{
	struct addrinfo hints = {0}, *res = NULL;
	struct dnsnet_server *s;
	char text[64];

	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(addr, "53", &hints, &res) != 0)
		return -1;
	if (res->ai_addrlen <= sizeof(s->addr)) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		s = &(*v)[(*n)++];
		memset(s, 0, sizeof(*s));
		memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
		s->addrlen = res->ai_addrlen;
		dnsnet_addr_text(&s->addr, false, text, sizeof(text));
		s->label = xasprintf("%s%s", prefix, text);
	}
	freeaddrinfo(res);
	return 0;
}

void
dnsq_system_load(struct dnsq *q)
{
	char line[512], *tok, *save;
	FILE *f;

	if (q->sys_loaded)
		return;
	q->sys_loaded = true;
	if ((f = fopen(RESOLV_CONF, "r")) != NULL) {
		while (q->nsys < MAX_SYSTEM && fgets(line, sizeof(line), f)) {
			tok = strtok_r(line, " \t\r\n", &save);
			if (tok == NULL || strcmp(tok, "nameserver") != 0)
				continue;
			if ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL)
				(void)add_numeric(
				    &q->sys, &q->nsys, "system/", tok);
		}
		fclose(f);
	}
	if (q->nsys == 0)
		(void)add_numeric(&q->sys, &q->nsys, "system/", "127.0.0.1");
}

void
dnsq_system_ask(
    struct dnsq *q, const char *qname, uint16_t qtype, struct dnsq_ask *out)
{
	struct dnsq_ask *a;
	unsigned rcode;
	size_t i;

	dnsq_system_load(q);
	memset(out, 0, sizeof(*out));
	out->label = xstrdup("system");
	out->fail = DNSQ_UNREACHABLE;
	out->error = xstrdup("no nameserver");
	for (i = 0; i < q->nsys; i++) {
		dnsq_ask_servers(q, &q->sys[i], 1, qname, qtype, true, &a);
		rcode = a->reply != NULL ? a->reply[3] & 0x0f : 0;
		/* Like the C library: on to the next server unless this one
		 * answered, or there is no next one. */
		if ((a->reply != NULL && rcode != DNSWIRE_SERVFAIL &&
			rcode != DNSWIRE_REFUSED) ||
		    i + 1 == q->nsys) {
			dnsq_ask_clear(out);
			dnsq_ask_move(out, a);
			dnsq_asks_free(a, 1);
			return;
		}
		dnsq_asks_free(a, 1);
	}
}

void
dnsq_system_free(struct dnsq *q)
{
	dnsq_servers_free(q->sys, q->nsys);
	q->sys = NULL;
	q->nsys = 0;
	q->sys_loaded = false;
}

static bool
system_match(const char *resolver)
{
	return resolver != NULL && strcmp(resolver, "system") == 0;
}

/* Nothing to read now: resolv.conf is read on first use. */
static int
system_open(struct dnsq *q, const char *resolver, const char *ca_file)
{
	(void)q;
	(void)resolver;
	(void)ca_file;
	return 0;
}

static void
system_ask(struct dnsq *q, const char *qname, const struct dnsq_subset *sub,
    struct dnsq_ask **out, size_t *n)
{
	(void)sub;
	*out = xcalloc(1, sizeof(**out));
	dnsq_system_ask(q, qname, DNSWIRE_TXT, *out);
	*n = 1;
}

const struct dnsq_backend dnsq_backend_system = {
	.match = system_match,
	.open = system_open,
	.ask = system_ask,
	.close = dnsq_system_free,
	.listed = false,
};
