/*
 * dnsquery.c - TXT lookups at every server of a resolver setting: the
 * setting, the rounds of queries, and what a reply means (CNAME chains,
 * status, records). The driver of the family: each resolver mode is a
 * backend in its own file (dnsq_auth.c, dnsq_list.c, dnsq_system.c,
 * dnsq_doh.c) over dnsq_ask.c; the transports are in dnsnet.c and doh.c,
 * the wire format in dnswire.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsq_ask.h"
#include "dnsq_auth.h"
#include "dnsq_doh.h"
#include "dnsq_list.h"
#include "dnsq_system.h"
#include "dnsquery.h"
#include "dnswire.h"
#include "support/log.h"
#include "support/util.h"

#define MAX_ROUNDS 32 /* rounds of queries for one dnsq_txt */

/* Answers, each with the list index of its server (0 in other modes). */
struct alist {
	struct dnsq_answer *v;
	size_t *key;
	size_t n;
};

/* The names of a CNAME chain, without the name first asked. */
struct chain {
	char **v;
	size_t n;
};

/* The resolver modes, the first that matches a setting taken; the list
 * matches anything and comes last. */
static const struct dnsq_backend *const backends[] = {
	&dnsq_backend_auth,
	&dnsq_backend_system,
	&dnsq_backend_doh,
	&dnsq_backend_list,
};

int
dnsq_new(const char *resolver, const char *ca_file, int64_t timeout_secs,
    struct dnsq **out)
{
	struct dnsq *q = xcalloc(1, sizeof(*q));
	size_t i;
	int rc = -1;

	*out = NULL;
	if (timeout_secs <= 0 || timeout_secs > 3600) {
		log_fail(EX_CONFIG, "dnsq: dns_timeout must be within 1s..1h");
		goto done;
	}
	q->timeout_ms = timeout_secs * 1000;
	/* the list, last, matches anything: the walk ends there at most */
	for (i = 0; q->be == NULL; i++)
		if (backends[i]->match(resolver))
			q->be = backends[i];
	if (q->be->open(q, resolver, ca_file) == -1)
		goto done;
	*out = q;
	q = NULL;
	rc = 0;
done:
	dnsq_free(q);
	return rc;
}

void
dnsq_free(struct dnsq *q)
{
	if (q == NULL)
		return;
	if (q->be != NULL)
		q->be->close(q);
	dnsq_dead_free(q);
	free(q);
}

void
dnsq_skip_unreachable(struct dnsq *q, bool on)
{
	q->skip_dead = on;
}

/*
 * One round: qname TXT at every server of the setting. A CNAME target is
 * asked again only at the listed servers (sub) that led there; in
 * authoritative mode at the servers of the target's own zone.
 */
static void
ask_round(struct dnsq *q, const char *qname, const struct dnsq_subset *sub,
    struct dnsq_ask **out, size_t *n)
{
	q->rounds++;
	q->be->ask(q, qname, sub, out, n);
}

static void
chain_add(struct chain *c, const char *name)
{
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = xstrdup(name);
}

static void
chain_copy(struct chain *dst, char *const *v, size_t n)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < n; i++)
		chain_add(dst, v[i]);
}

static bool
chain_has(const struct chain *c, const char *orig, const char *name)
{
	size_t i;

	if (dnswire_name_eq(orig, name))
		return true;
	for (i = 0; i < c->n; i++)
		if (dnswire_name_eq(c->v[i], name))
			return true;
	return false;
}

/* Index of the next answer-section record of type at owner, from *i. */
static bool
next_rr(
    const struct dnswire_msg *m, const char *owner, uint16_t type, size_t *i)
{
	char name[DNSWIRE_NAME_TEXT_MAX];

	for (; *i < m->nrrs; (*i)++) {
		const struct dnswire_rr *rr = &m->rrs[*i];

		if (rr->section == DNSWIRE_ANSWER && rr->type == type &&
		    rr->class == DNSWIRE_CLASS_IN &&
		    dnswire_rr_name(m, rr, name) == 0 &&
		    dnswire_name_eq(name, owner))
			return true;
	}
	return false;
}

/* The TXT records at owner into a; -1 when one is malformed. */
static int
take_txt(const struct dnswire_msg *m, const char *owner, struct dnsq_answer *a)
{
	struct dnsq_txt *t;
	size_t i;

	for (i = 0; next_rr(m, owner, DNSWIRE_TXT, &i); i++) {
		a->rrs = xrealloc(a->rrs, (a->nrrs + 1) * sizeof(*a->rrs));
		t = &a->rrs[a->nrrs];
		t->text = xmalloc(m->rrs[i].rdlen + 1);
		if (dnswire_rr_txt(m, &m->rrs[i], t->text, m->rrs[i].rdlen + 1,
			&t->len, &t->nstrings) == -1) {
			free(t->text);
			return -1;
		}
		t->ttl = m->rrs[i].ttl;
		if (t->ttl > a->max_ttl)
			a->max_ttl = t->ttl;
		a->nrrs++;
	}
	return 0;
}

static void set_error(struct dnsq_answer *a, enum dnsq_status s, bool loop,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_error(
    struct dnsq_answer *a, enum dnsq_status s, bool loop, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	free(a->error);
	a->error = msg != NULL ? msg : xstrdup("out of memory");
	a->status = s;
	a->loop = loop;
}

/* Owner of the NS records of a referral (not authoritative, NS in the
 * authority section, no SOA), or NULL. */
static bool
is_referral(const struct dnswire_msg *m, char *zone)
{
	bool ns = false;
	size_t i;

	if (m->aa)
		return false;
	for (i = 0; i < m->nrrs; i++) {
		if (m->rrs[i].section != DNSWIRE_AUTHORITY)
			continue;
		if (m->rrs[i].type == DNSWIRE_SOA)
			return false;
		if (m->rrs[i].type == DNSWIRE_NS && !ns)
			ns = dnswire_rr_name(m, &m->rrs[i], zone) == 0;
	}
	return ns;
}

/* min(TTL, MINIMUM) of the authority section's SOA (RFC 2308), or 0. The
 * MINIMUM is the last of the five numbers that end the SOA's data. */
static uint32_t
negative_ttl(const struct dnswire_msg *m)
{
	const unsigned char *p;
	uint32_t min;
	size_t i;

	for (i = 0; i < m->nrrs; i++) {
		if (m->rrs[i].section != DNSWIRE_AUTHORITY ||
		    m->rrs[i].type != DNSWIRE_SOA || m->rrs[i].rdlen < 22 ||
		    m->rrs[i].rdoff + m->rrs[i].rdlen > m->len)
			continue;
		p = m->buf + m->rrs[i].rdoff + m->rrs[i].rdlen - 4;
		min = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		return min < m->rrs[i].ttl ? min : m->rrs[i].ttl;
	}
	return 0;
}

/*
 * Follows the CNAME chain from qname through the answer section (cur
 * moves along it) and takes the TXT records at its end. *leave gets the
 * end when the chain goes on outside this reply.
 */
static void
read_answer(const struct dnswire_msg *m, const char *orig, const char *qname,
    char *cur, struct chain *c, struct dnsq_answer *a, char **leave)
{
	char target[DNSWIRE_NAME_TEXT_MAX];
	size_t i;

	for (;;) {
		if (m->rcode == DNSWIRE_NOERROR) {
			if (take_txt(m, cur, a) == -1) {
				set_error(a, DNSQ_SERVFAIL_OR_REFUSED, false,
				    "malformed TXT record at %s", cur);
				return;
			}
			if (a->nrrs > 0) {
				a->status = DNSQ_OK;
				return;
			}
		}
		i = 0;
		if (!next_rr(m, cur, DNSWIRE_CNAME, &i))
			break;
		if (dnswire_rr_target(m, &m->rrs[i], target) == -1) {
			set_error(a, DNSQ_SERVFAIL_OR_REFUSED, false,
			    "malformed CNAME record at %s", cur);
			return;
		}
		if (chain_has(c, orig, target)) {
			set_error(a, DNSQ_SERVFAIL_OR_REFUSED, true,
			    "CNAME loop at %s", target);
			return;
		}
		if (c->n == DNSQ_MAX_CNAMES) {
			set_error(a, DNSQ_SERVFAIL_OR_REFUSED, true,
			    "more than %d CNAMEs at %s", DNSQ_MAX_CNAMES,
			    target);
			return;
		}
		chain_add(c, target);
		memcpy(cur, target, strlen(target) + 1);
	}
	a->neg_ttl = negative_ttl(m);
	if (m->rcode == DNSWIRE_NXDOMAIN)
		a->status = DNSQ_NXDOMAIN;
	else if (!dnswire_name_eq(cur, qname))
		*leave = xstrdup(cur);
	else if (is_referral(m, target))
		set_error(a, DNSQ_SERVFAIL_OR_REFUSED, false,
		    "referral to %s: not authoritative", target);
	else
		a->status = DNSQ_NODATA;
}

/* What one server's reply says about qname, as an answer. */
static void
interpret(const struct dnsq_ask *ask, const char *orig, const char *qname,
    const struct chain *prefix, struct dnsq_answer *a, char **leave)
{
	char cur[DNSWIRE_NAME_TEXT_MAX];
	struct dnswire_msg m;
	struct chain c;
	const char *why;

	memset(a, 0, sizeof(*a));
	*leave = NULL;
	a->server = xstrdup(ask->label);
	a->tcp = ask->tcp;
	chain_copy(&c, prefix->v, prefix->n);
	snprintf(cur, sizeof(cur), "%s", qname);
	if (ask->reply == NULL)
		set_error(a, ask->fail, false, "%s", ask->error);
	else if (dnswire_parse(ask->reply, ask->replylen, &m, &why) == -1)
		set_error(a, DNSQ_SERVFAIL_OR_REFUSED, false,
		    "malformed reply: %s", why);
	else {
		if (m.rcode != DNSWIRE_NOERROR && m.rcode != DNSWIRE_NXDOMAIN)
			set_error(a, DNSQ_SERVFAIL_OR_REFUSED, false, "%s",
			    dnswire_rcode_name(m.rcode));
		else
			read_answer(&m, orig, qname, cur, &c, a, leave);
		dnswire_msg_clear(&m);
	}
	a->name = xstrdup(cur);
	a->chain = c.v;
	a->nchain = c.n;
}

static void
answer_clear(struct dnsq_answer *a)
{
	size_t i;

	free(a->server);
	free(a->name);
	for (i = 0; i < a->nrrs; i++)
		free(a->rrs[i].text);
	free(a->rrs);
	for (i = 0; i < a->nchain; i++)
		free(a->chain[i]);
	free(a->chain);
	free(a->error);
	memset(a, 0, sizeof(*a));
}

static void
push(struct alist *out, struct dnsq_answer *a, size_t key)
{
	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->key = xrealloc(out->key, (out->n + 1) * sizeof(*out->key));
	out->key[out->n] = key;
	out->v[out->n++] = *a;
}

/* Stable sort by key: answers in the order of the resolver list. */
static void
sort_answers(struct alist *l)
{
	struct dnsq_answer a;
	size_t i, j, k;

	for (i = 1; i < l->n; i++) {
		a = l->v[i];
		k = l->key[i];
		for (j = i; j > 0 && l->key[j - 1] > k; j--) {
			l->v[j] = l->v[j - 1];
			l->key[j] = l->key[j - 1];
		}
		l->v[j] = a;
		l->key[j] = k;
	}
}

/* Servers whose chains leave their replies, grouped by where to. */
struct group {
	char *target;
	char *label; /* the first server that led there */
	struct chain chain;
	struct dnsq_subset sub; /* list mode: the servers that led there */
};

/* Files answer a (consumed) of list server idx under target (consumed). */
static void
add_group(struct group **g, size_t *ng, char *target, struct dnsq_answer *a,
    size_t idx)
{
	struct group *x;
	size_t i;

	for (i = 0; i < *ng; i++)
		if (dnswire_name_eq((*g)[i].target, target))
			break;
	if (i == *ng) {
		*g = xrealloc(*g, (*ng + 1) * sizeof(**g));
		x = &(*g)[(*ng)++];
		memset(x, 0, sizeof(*x));
		x->target = target;
		x->label = a->server;
		x->chain.v = a->chain;
		x->chain.n = a->nchain;
		a->server = NULL;
		a->chain = NULL;
		a->nchain = 0;
	} else {
		x = &(*g)[i];
		free(target);
	}
	x->sub.v = xrealloc(x->sub.v, (x->sub.n + 1) * sizeof(*x->sub.v));
	x->sub.v[x->sub.n++] = idx;
	answer_clear(a);
}

static void
group_clear(struct group *g)
{
	size_t i;

	free(g->target);
	free(g->label);
	for (i = 0; i < g->chain.n; i++)
		free(g->chain.v[i]);
	free(g->chain.v);
	free(g->sub.v);
}

/* The answer for a group given up on: too many rounds of queries. */
static void
give_up(struct group *g, struct alist *out)
{
	struct dnsq_answer a = {0};

	a.server = g->label;
	a.name = g->target;
	a.chain = g->chain.v;
	a.nchain = g->chain.n;
	set_error(&a, DNSQ_SERVFAIL_OR_REFUSED, true,
	    "too many lookups following CNAMEs at %s", g->target);
	push(out, &a, g->sub.n > 0 ? g->sub.v[0] : 0);
	free(g->sub.v);
}

/*
 * Asks qname at the servers (sub: a subset of the list) and files one
 * answer per server into out; chains that leave a reply are followed by
 * asking their end again, once per distinct end. Each level adds a CNAME,
 * so the depth is bounded by DNSQ_MAX_CNAMES.
 */
static void
resolve(struct dnsq *q, const char *orig, const char *qname,
    const struct chain *prefix, const struct dnsq_subset *sub,
    struct alist *out)
{
	struct dnsq_ask *asks = NULL;
	struct group *g = NULL;
	struct dnsq_answer a;
	size_t nasks = 0, ng = 0, i, key;
	char *leave;

	ask_round(q, qname, sub, &asks, &nasks);
	for (i = 0; i < nasks; i++) {
		key = !q->be->listed ? 0 : sub ? sub->v[i] : i;
		interpret(&asks[i], orig, qname, prefix, &a, &leave);
		if (leave == NULL)
			push(out, &a, key);
		else
			add_group(&g, &ng, leave, &a, key);
	}
	dnsq_asks_free(asks, nasks);
	for (i = 0; i < ng; i++) {
		if (q->rounds >= MAX_ROUNDS) {
			give_up(&g[i], out);
			continue;
		}
		resolve(q, orig, g[i].target, &g[i].chain, &g[i].sub, out);
		group_clear(&g[i]);
	}
	free(g);
}

int
dnsq_txt(struct dnsq *q, const char *name, struct dnsq_answer **out, size_t *n)
{
	char canon[DNSWIRE_NAME_TEXT_MAX];
	struct alist list = {0};
	struct chain none = {0};

	*out = NULL;
	*n = 0;
	if (dnswire_name_canon(name, canon) == -1 || strcmp(canon, ".") == 0) {
		log_fail(EX_DATAERR, "dnsq: %s: not a valid DNS name", name);
		return -1;
	}
	q->rounds = 0;
	resolve(q, canon, canon, &none, NULL, &list);
	sort_answers(&list);
	free(list.key);
	*out = list.v;
	*n = list.n;
	return 0;
}

void
dnsq_answers_free(struct dnsq_answer *a, size_t n)
{
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		answer_clear(&a[i]);
	free(a);
}

int
dnsq_all_unreachable(const struct dnsq_answer *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].status != DNSQ_UNREACHABLE)
			return 0;
	return 1;
}

const char *
dnsq_status_name(enum dnsq_status s)
{
	switch (s) {
	case DNSQ_OK:
		return "OK";
	case DNSQ_NODATA:
		return "NODATA";
	case DNSQ_NXDOMAIN:
		return "NXDOMAIN";
	case DNSQ_SERVFAIL_OR_REFUSED:
		return "SERVFAIL/REFUSED";
	case DNSQ_UNREACHABLE:
		return "unreachable";
	}
	return "?";
}
