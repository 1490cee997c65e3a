/*
 * dmarc_check.h - does a vendor pass DMARC: the DMARC record that applies
 * to the From domain (RFC 7489 section 6.6.3, the organizational domain
 * by the public suffix list), SPF at the vendor's domain (RFC 7208) and
 * DKIM alignment of the key's domain with the From domain. check asks it
 * of every vendor (the DMARC record; SPF only with spf_include, alignment
 * only with from_domain); rotate only of a vendor with from_domain,
 * spf_include or dmarc_none_max set (dmarc_wanted). Judged from DNS
 * only; check.c and rotate_dmarc.c call it and print nothing of it.
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

/* Said wherever the organizational domain was guessed without a list. */
#define DMARC_NO_PSL "no public suffix list: the organizational domain " \
	"taken as the last two labels"

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
	bool org_guessed; /* no list: the last two labels were taken */
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
 * cannot be read (the organizational domain is then the last two labels,
 * DMARC_NO_PSL). dmarc_psl_open logs nothing: *why gets the malloc'd
 * reason instead (NULL when the list was read).
 */
struct psl *dmarc_psl_load(const struct config *cfg);
struct psl *dmarc_psl_open(const struct config *cfg, char **why);

/*
 * The organizational domain of name (a pointer into name): name itself
 * when it is a public suffix; the last two labels when psl is NULL.
 */
const char *dmarc_org(const struct psl *psl, const char *name);

/*
 * Judges v with the resolver q (psl may be NULL: then the organizational
 * domain is the last two labels, and the findings say so). none_since
 * is when p=none was first seen to apply (0: unknown, taken as now);
 * with v->dmarc_none_max, a p=none older than that is a warning. Free r
 * with dmarc_result_clear.
 */
void dmarc_check_vendor(struct dnsq *q, const struct psl *psl,
    const struct vendor *v, int64_t now, int64_t none_since,
    struct dmarc_result *r);
void dmarc_result_clear(struct dmarc_result *r);

/*
 * The _dmarc lookups of a run, each asked once for each resolver
 * setting however many vendors share a From or organizational domain.
 * dmarc_judge_vendor is dmarc_check_vendor over the cache (NULL: none).
 * During the pass q skips servers that timed out on it before
 * (dnsq_skip_unreachable): the DMARC lookups add no second wait.
 */
struct dmarc_cache;
struct dmarc_cache *dmarc_cache_new(void);
void dmarc_cache_free(struct dmarc_cache *c);
/* How many _dmarc names were asked of DNS. */
size_t dmarc_cache_lookups(const struct dmarc_cache *c);
/*
 * Whether f was said already in this run (the same name, ok and what:
 * a record shared by vendors); notes it when not. check prints a line
 * once.
 */
bool dmarc_cache_said(struct dmarc_cache *c, const struct dmarc_finding *f);
void dmarc_judge_vendor(struct dnsq *q, struct dmarc_cache *cache,
    const struct psl *psl, const struct vendor *v, int64_t now,
    int64_t none_since, struct dmarc_result *r);

/* The DMARC record that applies to one vendor, as check --json says. */
struct dmarc_summary {
	char *vendor;
	char *domain;   /* the From domain judged */
	char *record;   /* "_dmarc.example.com" that applies, or NULL */
	bool inherited; /* the organizational domain's: sp= applies */
	bool valid;     /* the record parsed: d and applies hold it */
	struct dmarc d;
	enum dmarc_policy applies;
	bool errors;
	unsigned warnings;
};
void dmarc_summary_fill(const struct vendor *v,
    const struct dmarc_result *r, struct dmarc_summary *s);
void dmarc_summary_clear(struct dmarc_summary *s);

/* What check's DMARC pass keeps for the run; obs is the caller's. */
struct lc;
struct dmarc_obs_set;
struct dmarc_pass {
	struct psl *psl;
	struct dmarc_cache *cache;
	struct dmarc_obs_set *obs;
};

/*
 * Reads the list, makes the cache and loads the observations into
 * p->obs. Returns the warning, malloc'd, when the list cannot be read
 * (one line of check), else NULL. dmarc_pass_end saves the observations
 * and frees what the pass holds.
 */
char *dmarc_pass_start(struct lc *lc, struct dmarc_pass *p);
void dmarc_pass_end(struct lc *lc, struct dmarc_pass *p);

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
