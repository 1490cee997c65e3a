/*
 * dnsq_auth.c - resolver = authoritative: the name servers of a name's
 * zone, each asked with RD=0.
 *
 * The zone is found by asking the system resolver for the NS records of
 * the name's parents, nearest first, never for the name itself: a
 * recursive resolver would cache "no such name" for a selector about to
 * be published (RFC 2308). NS hosts are resolved with getaddrinfo(); the
 * zone's servers are then asked directly with RD=0, and a referral to a
 * zone below (glue taken only from within the zone that referred) moves
 * the question there. Every zone cut, and every name found not to be one,
 * is cached in the struct dnsq for the run.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dnsq_ask.h"
#include "dnsq_auth.h"
#include "dnsq_system.h"
#include "dnswire.h"
#include "support/util.h"

#define MAX_REFERRALS 8

static struct dnsq_zone *
cache_find(struct dnsq *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->nzones; i++)
		if (dnswire_name_eq(q->zones[i]->name, name))
			return q->zones[i];
	return NULL;
}

static struct dnsq_zone *
cache_add(struct dnsq *q, const char *name, bool cut)
{
	struct dnsq_zone *z = xcalloc(1, sizeof(*z));

	z->name = xstrdup(name);
	z->cut = cut;
	q->zones = xrealloc(q->zones, (q->nzones + 1) * sizeof(*q->zones));
	q->zones[q->nzones++] = z;
	return z;
}

static bool
have_addr(const struct dnsq_zone *z, const void *addr, socklen_t len)
{
	size_t i;

	for (i = 0; i < z->nsrv; i++)
		if (z->srv[i].addrlen == len &&
		    memcmp(&z->srv[i].addr, addr, len) == 0)
			return true;
	return false;
}

/* Adds host's address (sockaddr, port 53 set) as "host/ADDR". */
static void
add_addr(struct dnsq_zone *z, const char *host, const void *addr, socklen_t len)
{
	struct dnsnet_server *s;
	char text[64];

	if (len > sizeof(s->addr) || have_addr(z, addr, len))
		return;
	z->srv = xrealloc(z->srv, (z->nsrv + 1) * sizeof(*z->srv));
	s = &z->srv[z->nsrv++];
	memset(s, 0, sizeof(*s));
	memcpy(&s->addr, addr, len);
	s->addrlen = len;
	dnsnet_addr_text(&s->addr, false, text, sizeof(text));
	s->label = xasprintf("%s/%s", host, text);
}

/*
 * False when this host has no route to addr (an IPv6 address without
 * IPv6 connectivity): connecting a UDP socket sends nothing and fails at
 * once. Such addresses are skipped when the name server has others, so
 * that a missing address family does not make every check fail.
 */
static bool
routable(const void *addr, socklen_t len)
{
	const struct sockaddr *sa = addr;
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd != -1 && connect(fd, sa, len) == 0;

	if (fd != -1)
		close(fd);
	return ok;
}

/* Glue: routable A/AAAA records for host in the additional section. */
static size_t
add_glue(struct dnsq_zone *z, const char *host, const struct dnswire_msg *m)
{
	char owner[DNSWIRE_NAME_TEXT_MAX];
	struct sockaddr_in sin = {0};
	struct sockaddr_in6 sin6 = {0};
	size_t i, n = 0;

	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(53);
	for (i = 0; i < m->nrrs; i++) {
		const struct dnswire_rr *rr = &m->rrs[i];

		if (rr->section != DNSWIRE_ADDITIONAL ||
		    dnswire_rr_name(m, rr, owner) == -1 ||
		    !dnswire_name_eq(owner, host))
			continue;
		if (rr->type == DNSWIRE_A && rr->rdlen == 4) {
			memcpy(&sin.sin_addr, m->buf + rr->rdoff, 4);
			if (routable(&sin, sizeof(sin))) {
				add_addr(z, host, &sin, sizeof(sin));
				n++;
			}
		} else if (rr->type == DNSWIRE_AAAA && rr->rdlen == 16) {
			memcpy(&sin6.sin6_addr, m->buf + rr->rdoff, 16);
			if (routable(&sin6, sizeof(sin6))) {
				add_addr(z, host, &sin6, sizeof(sin6));
				n++;
			}
		}
	}
	return n;
}

static bool
inet_family(const struct addrinfo *ai)
{
	return ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
}

/*
 * host's addresses from the system (the routable ones, or all when none
 * is); a server that fails with the reason when it has none.
 */
static void
add_host(struct dnsq_zone *z, const char *host)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	struct dnsnet_server *s;
	char *abs = xasprintf("%s.", host);
	size_t nroute = 0;
	int e;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((e = getaddrinfo(abs, "53", &hints, &res)) == 0) {
		for (ai = res; ai != NULL; ai = ai->ai_next)
			nroute += inet_family(ai) &&
			    routable(ai->ai_addr, ai->ai_addrlen);
		for (ai = res; ai != NULL; ai = ai->ai_next)
			if (inet_family(ai) &&
			    (nroute == 0 ||
				routable(ai->ai_addr, ai->ai_addrlen)))
				add_addr(z, host, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(res);
	} else {
		z->srv = xrealloc(z->srv, (z->nsrv + 1) * sizeof(*z->srv));
		s = &z->srv[z->nsrv++];
		memset(s, 0, sizeof(*s));
		s->label = xstrdup(host);
		s->error = xasprintf("no address: %s", gai_strerror(e));
	}
	free(abs);
}

/*
 * The NS records of zone (owner zone, in section sec) as servers of z;
 * glue from m is used for hosts under bailiwick (NULL: never).
 */
static void
add_ns(struct dnsq_zone *z, const struct dnswire_msg *m,
    enum dnswire_section sec, const char *bailiwick)
{
	char owner[DNSWIRE_NAME_TEXT_MAX], host[DNSWIRE_NAME_TEXT_MAX];
	size_t i;

	for (i = 0; i < m->nrrs; i++) {
		const struct dnswire_rr *rr = &m->rrs[i];

		if (rr->section != sec || rr->type != DNSWIRE_NS ||
		    rr->class != DNSWIRE_CLASS_IN ||
		    dnswire_rr_name(m, rr, owner) == -1 ||
		    !dnswire_name_eq(owner, z->name) ||
		    dnswire_rr_target(m, rr, host) == -1)
			continue;
		if (bailiwick == NULL || !dnswire_name_under(host, bailiwick) ||
		    add_glue(z, host, m) == 0)
			add_host(z, host);
	}
}

/*
 * Asks the system resolver for the NS records of name. Returns the cache
 * entry (a cut or not), or NULL with the failure in *fail.
 */
static struct dnsq_zone *
ns_lookup(struct dnsq *q, const char *name, struct dnsq_ask *fail)
{
	struct dnsq_ask a;
	struct dnswire_msg m;
	struct dnsq_zone *z = NULL;
	const char *why;
	size_t before;

	dnsq_system_ask(q, name, DNSWIRE_NS, &a);
	if (a.reply == NULL ||
	    dnswire_parse(a.reply, a.replylen, &m, &why) == -1) {
		dnsq_ask_move(fail, &a);
		return NULL;
	}
	if (m.rcode != DNSWIRE_NOERROR && m.rcode != DNSWIRE_NXDOMAIN) {
		fail->label = xstrdup(a.label);
		fail->fail = DNSQ_SERVFAIL_OR_REFUSED;
		fail->error = xasprintf("%s for the NS records of %s",
		    dnswire_rcode_name(m.rcode), name);
	} else {
		z = cache_add(q, name, false);
		before = z->nsrv;
		add_ns(z, &m, DNSWIRE_ANSWER, NULL);
		z->cut = z->nsrv > before;
	}
	dnswire_msg_clear(&m);
	dnsq_ask_clear(&a);
	return z;
}

/* Where the NS walk starts: after a "_domainkey" label, else the
 * parent. */
static const char *
walk_start(const char *qname)
{
	const char *p;

	for (p = qname; p != NULL && strcmp(p, ".") != 0;
	     p = dnswire_name_parent(p))
		if (strncasecmp(p, "_domainkey.", 11) == 0)
			return dnswire_name_parent(p);
	return dnswire_name_parent(qname);
}

/* The zone holding qname (below the root), or NULL with *fail set. */
static struct dnsq_zone *
discover(struct dnsq *q, const char *qname, struct dnsq_ask *fail)
{
	struct dnsq_zone *z;
	const char *cand;

	for (cand = walk_start(qname); cand != NULL && strcmp(cand, ".") != 0;
	     cand = dnswire_name_parent(cand)) {
		if ((z = cache_find(q, cand)) == NULL &&
		    (z = ns_lookup(q, cand, fail)) == NULL)
			return NULL;
		if (z->cut)
			return z;
	}
	dnsq_system_load(q);
	fail->label = xstrdup(q->nsys > 0 ? q->sys[0].label : "system");
	fail->fail = DNSQ_SERVFAIL_OR_REFUSED;
	fail->error = xasprintf("no name servers found for %s", qname);
	return NULL;
}

/*
 * The zone a referral in m points to, when it is below zone and holds
 * qname: from the cache, or made from the referral's NS records and glue.
 */
static struct dnsq_zone *
referral_in(struct dnsq *q, const struct dnswire_msg *m,
    const struct dnsq_zone *zone, const char *qname)
{
	char owner[DNSWIRE_NAME_TEXT_MAX];
	struct dnsq_zone *z;
	size_t i;

	if (m->rcode != DNSWIRE_NOERROR || m->aa)
		return NULL;
	for (i = 0; i < m->nrrs; i++)
		if (m->rrs[i].section == DNSWIRE_ANSWER)
			return NULL;
	for (i = 0; i < m->nrrs; i++) {
		const struct dnswire_rr *rr = &m->rrs[i];

		if (rr->section != DNSWIRE_AUTHORITY ||
		    rr->type != DNSWIRE_NS ||
		    dnswire_rr_name(m, rr, owner) == -1 ||
		    dnswire_name_eq(owner, zone->name) ||
		    !dnswire_name_under(owner, zone->name) ||
		    !dnswire_name_under(qname, owner))
			continue;
		if ((z = cache_find(q, owner)) != NULL && z->cut)
			return z;
		if (z == NULL)
			z = cache_add(q, owner, true);
		z->cut = true;
		add_ns(z, m, DNSWIRE_AUTHORITY, zone->name);
		return z->nsrv > 0 ? z : NULL;
	}
	return NULL;
}

/* The first referral below zone among the replies, or NULL. */
static struct dnsq_zone *
referral(struct dnsq *q, const struct dnsq_ask *a, size_t n,
    const struct dnsq_zone *zone, const char *qname)
{
	struct dnsq_zone *z = NULL;
	struct dnswire_msg m;
	const char *why;
	size_t i;

	for (i = 0; i < n && z == NULL; i++) {
		if (a[i].reply == NULL ||
		    dnswire_parse(a[i].reply, a[i].replylen, &m, &why) == -1)
			continue;
		z = referral_in(q, &m, zone, qname);
		dnswire_msg_clear(&m);
	}
	return z;
}

static bool
auth_match(const char *resolver)
{
	return resolver == NULL || strcmp(resolver, "authoritative") == 0;
}

/* Nothing to read now: zones are found as names are asked. */
static int
auth_open(struct dnsq *q, const char *resolver, const char *ca_file)
{
	(void)q;
	(void)resolver;
	(void)ca_file;
	return 0;
}

/*
 * Finds the servers of qname's zone (NS discovery, then referrals) and
 * asks every one qname TXT with RD=0.
 */
static void
auth_ask(struct dnsq *q, const char *qname, const struct dnsq_subset *sub,
    struct dnsq_ask **out, size_t *n)
{
	struct dnsq_ask fail = {0};
	struct dnsq_zone *z, *child;
	unsigned hop;

	(void)sub;
	if ((z = discover(q, qname, &fail)) == NULL) {
		*out = xmalloc(sizeof(**out));
		dnsq_ask_move(*out, &fail);
		*n = 1;
		return;
	}
	/* Each referral goes at least one label down: bounded anyway. */
	for (hop = 0;; hop++) {
		dnsq_ask_servers(
		    q, z->srv, z->nsrv, qname, DNSWIRE_TXT, false, out);
		*n = z->nsrv;
		if (hop == MAX_REFERRALS ||
		    (child = referral(q, *out, *n, z, qname)) == NULL)
			break;
		dnsq_asks_free(*out, *n);
		z = child;
	}
}

/* The NS cache, and the system resolver it was found with. */
static void
auth_close(struct dnsq *q)
{
	size_t i;

	for (i = 0; i < q->nzones; i++) {
		free(q->zones[i]->name);
		dnsq_servers_free(q->zones[i]->srv, q->zones[i]->nsrv);
		free(q->zones[i]);
	}
	free(q->zones);
	q->zones = NULL;
	q->nzones = 0;
	dnsq_system_free(q);
}

const struct dnsq_backend dnsq_backend_auth = {
	.match = auth_match,
	.open = auth_open,
	.ask = auth_ask,
	.close = auth_close,
	.listed = false,
};
