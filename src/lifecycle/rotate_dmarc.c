/*
 * rotate_dmarc.c - rotate's DMARC pass (rotate_dmarc.h).
 */
#include <string.h>

#include "dmarc_check.h"
#include "dmarc_obs.h"
#include "rotate_dmarc.h"

static bool
asked(const struct rotate_opts *o, const struct vendor *v)
{
	size_t i;

	for (i = 0; i < o->nvendors; i++)
		if (strcmp(o->vendors[i], v->name) == 0 ||
		    strcmp(o->vendors[i], v->section) == 0)
			return true;
	return o->nvendors == 0;
}

static void
judge(struct run *run, const struct psl *psl, struct dmarc_cache *cache,
    struct dmarc_obs_set *obs, const struct vendor *v)
{
	struct dmarc_result d;
	struct dnsq *q = run_dns(run, v);
	size_t i;

	if (q == NULL)
		return;
	dmarc_judge_vendor(q, cache, psl, v, run->lc->now,
	    dmarc_obs_none_since(obs, v), &d);
	for (i = 0; i < d.n; i++)
		if (!d.f[i].ok || strncmp(d.f[i].what, "warning: ", 9) == 0)
			rotate_report_add(run->r, v->name, NULL, false,
			    d.f[i].ok ? "dmarc warning" : "dmarc problem",
			    "%s: %s", d.f[i].name, d.f[i].ok ?
			    d.f[i].what + 9 : d.f[i].what);
	dmarc_obs_note(obs, v, run->lc->now, &d);
	dmarc_result_clear(&d);
}

void
rotate_dmarc(struct run *run)
{
	const struct config *cfg = run->lc->cfg;
	struct dmarc_obs_set obs = { 0 };
	struct dmarc_cache *cache = NULL;
	struct psl *psl = NULL;
	bool loaded = false;
	size_t i;

	if (run->o->dry_run)
		return;
	for (i = 0; i < cfg->nvendors; i++) {
		if (!asked(run->o, &cfg->vendors[i]) ||
		    !dmarc_wanted(&cfg->vendors[i]))
			continue;
		if (!loaded) {
			psl = dmarc_psl_load(cfg);
			dmarc_obs_load(run->lc, &obs);
			cache = dmarc_cache_new();
			loaded = true;
		}
		judge(run, psl, cache, &obs, &cfg->vendors[i]);
	}
	dmarc_cache_free(cache);
	psl_free(psl);
	dmarc_obs_save(run->lc, &obs);
	dmarc_obs_free(&obs);
}
