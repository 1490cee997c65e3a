/*
 * dnsq_auth.h - resolver = authoritative (the default): the servers of a
 * name's zone, found by an NS walk through the system resolver and by
 * referrals, each asked with RD=0.
 */
#ifndef DKIMKEYS_DNSQ_AUTH_H
#define DKIMKEYS_DNSQ_AUTH_H

#include "dnsq_int.h"

extern const struct dnsq_backend dnsq_backend_auth;

#endif
