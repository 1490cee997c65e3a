/*
 * dnsq_system.h - the system resolver: the nameservers of resolv.conf,
 * asked with RD=1 in order until one answers. Its own resolver mode
 * (resolver = system), and where the authoritative mode asks for NS
 * records.
 */
#ifndef DKIMKEYS_DNSQ_SYSTEM_H
#define DKIMKEYS_DNSQ_SYSTEM_H

#include <stdint.h>

#include "dnsq_int.h"

/* resolver = "system": one answer. */
extern const struct dnsq_backend dnsq_backend_system;

/* Reads resolv.conf into q->sys once; 127.0.0.1 when it names none. */
void dnsq_system_load(struct dnsq *q);

/* The resolv.conf nameservers, in order, until one gives a usable reply
 * (RD=1). Fills one ask labelled "system/ADDR". */
void dnsq_system_ask(
    struct dnsq *q, const char *qname, uint16_t qtype, struct dnsq_ask *out);

/* Frees q->sys. */
void dnsq_system_free(struct dnsq *q);

#endif
