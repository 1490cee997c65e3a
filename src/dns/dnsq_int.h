/*
 * dnsq_int.h - the types the files of dnsquery share: the query context,
 * one server's reply, the NS cache and the resolver modes. Types only;
 * each dnsq_*.h declares what its own .c defines. Not an interface: no
 * file outside src/dns/ includes it.
 *
 * dnsquery.c (the driver) sits on top; under it one file per resolver
 * mode (dnsq_auth.c, dnsq_list.c, dnsq_system.c, dnsq_doh.c), and under
 * them dnsq_ask.c, which asks a set of servers at once.
 */
#ifndef DKIMKEYS_DNSQ_INT_H
#define DKIMKEYS_DNSQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsnet.h"
#include "dnsq_types.h"

struct dnsq;

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

/* In list mode, the servers to ask: indexes into q->list. */
struct dnsq_subset {
	size_t *v;
	size_t n;
};

/*
 * One resolver mode, as OpenSMTPD's table_backend: dnsquery.c keeps a
 * table of them and takes the first whose match accepts the setting.
 */
struct dnsq_backend {
	/* true when resolver (NULL: the default) names this mode */
	bool (*match)(const char *resolver);
	/* Reads the setting into q; -1 after logging (exit 78). */
	int (*open)(struct dnsq *q, const char *resolver, const char *ca_file);
	/*
	 * One round: qname TXT at every server of the mode, one ask per
	 * server into *out. sub, in a listed mode, limits the servers to
	 * those list entries; other modes ignore it.
	 */
	void (*ask)(struct dnsq *q, const char *qname,
	    const struct dnsq_subset *sub, struct dnsq_ask **out, size_t *n);
	/* Frees what open and ask left in q; q's fields may be empty. */
	void (*close)(struct dnsq *q);
	/* answers are keyed, and CNAME targets asked, by list entry */
	bool listed;
};

struct dnsq {
	const struct dnsq_backend *be; /* the resolver mode */
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
	/* servers (labels) whose exchange timed out on q, and why */
	char **dead, **dead_why;
	size_t ndead;
	bool skip_dead; /* dnsq_skip_unreachable: do not ask them again */
};

#endif
