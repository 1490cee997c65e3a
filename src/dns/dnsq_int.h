/*
 * dnsq_int.h - shared by dnsquery.c and dnsauth.c only; not an interface.
 */
#ifndef DKIMKEYS_DNSQ_INT_H
#define DKIMKEYS_DNSQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsnet.h"
#include "dnsquery.h"

enum dnsq_mode {
	DNSQ_MODE_AUTH = 0,
	DNSQ_MODE_LIST,
	DNSQ_MODE_SYSTEM,
	DNSQ_MODE_DOH,
};

/* One server's reply to one question, or why there is none. */
struct dnsq_ask {
	char *label;
	unsigned char *reply; /* validated reply, or NULL */
	size_t replylen;
	bool tcp;
	/* without a reply: UNREACHABLE or SERVFAIL_OR_REFUSED */
	enum dnsq_status fail;
	char *error;
};

/* A cached name: a zone cut with its servers, or known not to be one. */
struct dnsq_zone {
	char *name;
	bool cut;
	struct dnsnet_server *srv;
	size_t nsrv;
};

struct dnsq {
	enum dnsq_mode mode;
	int64_t timeout_ms;
	struct dnsnet_server *list; /* the resolver list */
	size_t nlist;
	struct dnsnet_server *sys; /* resolv.conf, read on first use */
	size_t nsys;
	bool sys_loaded;
	struct doh *doh;
	char *url;
	struct dnsq_zone **zones; /* the NS cache */
	size_t nzones;
	unsigned rounds; /* rounds of queries in this dnsq_txt */
};

/* Asks each server qname/qtype at once; one ask per server into *out. */
void dnsq_ask_servers(struct dnsq *q, const struct dnsnet_server *srv, size_t n,
    const char *qname, uint16_t qtype, bool rd, struct dnsq_ask **out);
void dnsq_asks_free(struct dnsq_ask *a, size_t n);
void dnsq_servers_free(struct dnsnet_server *s, size_t n);

/* Parses a resolver list into q->list; -1 (logged, exit 78) at the first
 * entry that is not IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT. */
int dnsauth_parse_list(struct dnsq *q, const char *resolver);

/* The resolv.conf nameservers, in order, until one gives a usable reply
 * (RD=1). Fills one ask labelled "system/ADDR". */
void dnsauth_ask_system(
    struct dnsq *q, const char *qname, uint16_t qtype, struct dnsq_ask *out);
/*
 * Authoritative mode: finds the servers of qname's zone (NS discovery,
 * then referrals) and asks every one qname TXT with RD=0.
 */
void dnsauth_ask(
    struct dnsq *q, const char *qname, struct dnsq_ask **out, size_t *n);
void dnsauth_free(struct dnsq *q);

#endif
