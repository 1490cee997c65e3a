/*
 * dnsq_types.h - what a TXT lookup answers (dnsquery.h's result types),
 * apart from the driver so that the files below it can use them.
 */
#ifndef DKIMKEYS_DNSQ_TYPES_H
#define DKIMKEYS_DNSQ_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSQ_MAX_CNAMES 8

enum dnsq_status {
	DNSQ_OK = 0, /* NOERROR with TXT records */
	DNSQ_NODATA, /* NOERROR, no TXT record */
	DNSQ_NXDOMAIN,
	/* any other rcode, a CNAME loop, a lame or unusable reply */
	DNSQ_SERVFAIL_OR_REFUSED,
	DNSQ_UNREACHABLE, /* timeout, refused connection, TLS/HTTP */
};

/* One TXT resource record. */
struct dnsq_txt {
	char *text; /* the character-strings concatenated, NUL-ended */
	size_t len; /* octets in text (the data may hold a NUL itself) */
	size_t nstrings; /* character-strings in the record */
	uint32_t ttl;
};

/* What one server said. */
struct dnsq_answer {
	/* "127.0.0.1:5300", "ns1.example.com/192.0.2.1",
	 * "system/127.0.0.53", "https://…" */
	char *server;
	enum dnsq_status status;
	/* the name status and records are for: the end of the CNAME
	 * chain, else the name asked */
	char *name;
	struct dnsq_txt *rrs;
	size_t nrrs;
	char **chain; /* CNAME targets followed, in order (no final dots) */
	size_t nchain;
	bool loop; /* the CNAME chain loops or is too long */
	bool tcp; /* the final reply came over TCP */
	uint32_t max_ttl; /* largest TTL of rrs, 0 without */
	uint32_t neg_ttl; /* NXDOMAIN or NODATA: how long a resolver may
			   * cache it, min(SOA TTL, SOA MINIMUM) of the
			   * authority section (RFC 2308); 0 without SOA */
	char *error; /* why, for SERVFAIL_OR_REFUSED and UNREACHABLE */
};

#endif
