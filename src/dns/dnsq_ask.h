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

#endif
