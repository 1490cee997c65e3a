/*
 * dnsq_doh.h - resolver = "https://HOST[:PORT]/PATH": DNS over HTTPS
 * (doh.c) with RD=1; one answer.
 */
#ifndef DKIMKEYS_DNSQ_DOH_H
#define DKIMKEYS_DNSQ_DOH_H

#include "dnsq_int.h"

extern const struct dnsq_backend dnsq_backend_doh;

#endif
