/*
 * dnsq_list.h - resolver = a list of servers, each asked with RD=0.
 */
#ifndef DKIMKEYS_DNSQ_LIST_H
#define DKIMKEYS_DNSQ_LIST_H

#include "dnsq_int.h"

/* Matches any setting: the last entry of the table. */
extern const struct dnsq_backend dnsq_backend_list;

#endif
