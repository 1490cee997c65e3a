/*
 * dnsquery.h - TXT lookups at every server a resolver setting implies
 * (SPEC section 4). Knows nothing of DKIM and never sees key material.
 *
 * Resolver settings:
 *  - "authoritative": the zone of a name is found by asking the system
 *    resolver (the nameservers of /etc/resolv.conf) for the NS records of
 *    the name's parents only, never for the name itself (a selector name
 *    starts the walk after its "_domainkey" label); NS hosts are resolved
 *    with getaddrinfo() (addresses this host has no route to are skipped
 *    when the host has others); every address is then asked directly
 *    with RD=0, and referrals to deeper zones are followed. NS sets are
 *    cached in the struct dnsq. Discovery itself is sequential.
 *  - a list of "IPv4", "IPv4:PORT", "IPv6", "[IPv6]:PORT": each server
 *    is asked with RD=0 (they are meant to be authoritative).
 *  - "system": the resolv.conf nameservers with RD=1, in order until one
 *    answers; one answer.
 *  - "https://HOST[:PORT]/PATH": DNS over HTTPS with RD=1; one answer.
 * CNAME chains are followed inside a reply and, when the chain leaves it,
 * by asking its end again: at the listed servers that led there, or at
 * the servers of the end's own zone (8 CNAMEs at most, loops detected). Up to
 * DNSNET_MAX_INFLIGHT queries are in flight at once. A struct dnsq belongs to
 * one thread at a time.
 */
#ifndef DKIMKEYS_DNSQUERY_H
#define DKIMKEYS_DNSQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsq_types.h"

struct dnsq;

/*
 * A query context for one run. resolver as above; ca_file (may be NULL)
 * adds trust anchors for DoH; timeout_secs > 0 applies to each query.
 * Returns -1 after logging: a bad resolver setting (exit 78), an
 * unreadable ca_file (78).
 */
int dnsq_new(const char *resolver, const char *ca_file, int64_t timeout_secs,
    struct dnsq **out);
void dnsq_free(struct dnsq *q);

/*
 * A server whose query timed out is remembered by q. With on, q asks it
 * no more: its answer is DNSQ_UNREACHABLE at once ("... earlier in this
 * run"), so lookups that matter less (DMARC beside the keys) add no
 * second wait. Off by default: each lookup asks every server.
 */
void dnsq_skip_unreachable(struct dnsq *q, bool on);

/*
 * Looks up the TXT records of name (final dot optional) at every server
 * the resolver implies; *out gets one answer per server (at least one).
 * Unreachable servers are answers, not errors. Returns -1 after logging
 * only for an invalid name (exit 65).
 */
int dnsq_txt(
    struct dnsq *q, const char *name, struct dnsq_answer **out, size_t *n);
void dnsq_answers_free(struct dnsq_answer *a, size_t n);

/* 1 when there is no answer or every answer is DNSQ_UNREACHABLE, else 0. */
int dnsq_all_unreachable(const struct dnsq_answer *a, size_t n);

/* "OK", "NODATA", "NXDOMAIN", "SERVFAIL/REFUSED", "unreachable". */
const char *dnsq_status_name(enum dnsq_status s);

#endif
