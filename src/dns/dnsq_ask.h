/*
 * dnsq_ask.h - asking a set of servers one question at once, and the
 * asks and server lists the resolver modes hand around.
 */
#ifndef DKIMKEYS_DNSQ_ASK_H
#define DKIMKEYS_DNSQ_ASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsq_int.h"

/* Asks each server qname/qtype at once; one ask per server into *out. */
void dnsq_ask_servers(struct dnsq *q, const struct dnsnet_server *srv, size_t n,
    const char *qname, uint16_t qtype, bool rd, struct dnsq_ask **out);
void dnsq_asks_free(struct dnsq_ask *a, size_t n);
/* Frees what one ask holds and zeroes it. */
void dnsq_ask_clear(struct dnsq_ask *a);
/* Moves src into dst; src is left zeroed. */
void dnsq_ask_move(struct dnsq_ask *dst, struct dnsq_ask *src);
void dnsq_servers_free(struct dnsnet_server *s, size_t n);
/*
 * Remembers label as timed out on q when err says so. dnsq_dead:
 * whether a server is not to be asked again (it timed out on q, and q
 * skips such servers: dnsq_skip_unreachable); *why (may be NULL) gets
 * the reason of its timeout.
 */
void dnsq_note_timeout(struct dnsq *q, const char *label, const char *err);
bool dnsq_dead(const struct dnsq *q, const char *label, const char **why);
void dnsq_dead_free(struct dnsq *q);

#endif
