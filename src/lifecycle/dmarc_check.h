/*
 * dmarc_check.h - does a vendor pass DMARC: the DMARC record that applies
 * to the From domain (RFC 7489 section 6.6.3, the organizational domain
 * by the public suffix list), SPF at the vendor's domain (RFC 7208) and
 * DKIM alignment of the key's domain with the From domain. Asked for a
 * vendor with from_domain, spf_include or dmarc_none_max set. Judged
 * from DNS only; check.c and rotate.c call it and print nothing of it.
 */
#ifndef DKIMKEYS_DMARC_CHECK_H
#define DKIMKEYS_DMARC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "dns/dmarcrec.h"
#include "dns/dnsquery.h"
#include "dns/psl.h"

/* One finding: a name (no final dot), ok or not, what. */
struct dmarc_finding {
	char *name;
	bool ok;  /* false: an error; warnings are ok, "warning: ..." */
	char *what;
};

/* What one vendor's pass saw (also what status shows of it). */
struct dmarc_result {
	struct dmarc_finding *f;
	size_t n;
	bool errors;      /* some finding is not ok */
	unsigned warnings;
	bool unreachable; /* some lookup had no server answering */
	char *record;     /* "_dmarc.example.com" that applies, or NULL */
	bool inherited;   /* found at the organizational domain */
	bool has_policy;  /* record parsed: d holds it */
	struct dmarc d;
	enum dmarc_policy applies; /* p=, or sp= for an inherited record */
	int spf;          /* 1 passes, 0 fails, -1 not asked */
	int aligned;      /* 1, 0, -1 without from_domain */
	unsigned spf_lookups;
};

/* Whether v asks for the DMARC pass. */
bool dmarc_wanted(const struct vendor *v);

/*
 * Reads cfg's public suffix list; NULL after logging a warning when it
 * cannot be read (the pass then reports what needs it as an error).
 */
struct psl *dmarc_psl_load(const struct config *cfg);

/*
 * The organizational domain of name (a pointer into name), or name
 * itself when psl is NULL or name is a public suffix.
 */
const char *dmarc_org(const struct psl *psl, const char *name);

/*
 * Judges v with the resolver q (psl may be NULL: then the organizational
 * domain is unknown). none_since is when p=none was first seen to apply
 * (0: unknown, taken as now); with v->dmarc_none_max, a p=none older
 * than that is a warning. Free r with dmarc_result_clear.
 */
void dmarc_check_vendor(struct dnsq *q, const struct psl *psl,
    const struct vendor *v, int64_t now, int64_t none_since,
    struct dmarc_result *r);
void dmarc_result_clear(struct dmarc_result *r);

/*
 * What can be told without DNS: a from_domain that the key's domain
 * cannot align with under adkim=s (or under any adkim, when their
 * organizational domains differ). Returns a malloc'd warning or NULL.
 */
char *dmarc_config_warning(const struct psl *psl, const struct vendor *v);

/*
 * Logs dmarc_config_warning of each vendor named among vendors[0..n)
 * (its name or section; every vendor when n is 0), reading the public
 * suffix list only when a from_domain differs from its domain. No
 * network. Returns the number of warnings.
 */
size_t dmarc_warn_config(const struct config *cfg, char *const *vendors,
    size_t n);

#endif
