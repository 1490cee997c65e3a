/*
 * status.c - the schedules as `status` shows them.
 */
#include <string.h>

#include "delegated.h"
#include "lifecycle.h"
#include "policy.h"
#include "status.h"
#include "support/util.h"

static void
status_row_fill(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    struct status_row *r)
{
	const struct ks_vendor *rec = ks_vendor(lc->ks, v->name, false);
	struct ks_key *const *keys;
	size_t i, nk;

	memset(r, 0, sizeof(*r));
	r->v = v;
	r->alg = alg;
	lc_sched(lc, v, alg, &r->s);
	lc_next(lc, v, alg, &r->next);
	r->late = policy_late(&r->s, lc->now);
	if (rec != NULL && rec->error != NULL)
		r->error = rec->error;
	else if (r->next.key != NULL && r->next.key->error != NULL)
		r->error = r->next.key->error;
	else if (r->s.successor != NULL && r->s.successor->error != NULL)
		r->error = r->s.successor->error;
	keys = lc_keys_of(lc, v->name, &nk);
	for (i = 0; i < nk; i++)
		if (keys[i]->error != NULL && keys[i]->alg == alg &&
		    keys[i]->state != KS_DESTROYED &&
		    strcmp(keys[i]->vendor, v->name) == 0)
			r->key_errors++;
	if (rec != NULL && rec->stall != NULL)
		r->wait_since = rec->stall_since;
	if (rec != NULL && rec->stall != NULL &&
	    policy_stalled(v, rec->stall_since, lc->now)) {
		r->stalled = true;
		r->stall = rec->stall;
		r->stall_since = rec->stall_since;
	}
}

struct status_row *
status_rows(struct lc *lc, const char *only, size_t *n)
{
	const struct config *cfg = lc->cfg;
	struct status_row *rows;
	size_t i, a;

	*n = 0;
	rows = xcalloc(cfg->nvendors * CONFIG_MAX_ALGS, sizeof(*rows));
	for (i = 0; i < cfg->nvendors; i++) {
		if (cfg->vendors[i].mode != MODE_MANAGED || (only != NULL &&
		    !lc_vendor_named(only, cfg->vendors[i].name)))
			continue;
		for (a = 0; a < cfg->vendors[i].nalgs; a++)
			status_row_fill(lc, &cfg->vendors[i],
			    cfg->vendors[i].algs[a].alg, &rows[(*n)++]);
	}
	return rows;
}

struct status_deleg *
status_delegated(struct lc *lc, const char *only, size_t *n)
{
	const struct config *cfg = lc->cfg;
	const struct ks_vendor *rec;
	struct status_deleg *d;
	size_t i;

	*n = 0;
	d = xcalloc(cfg->nvendors + 1, sizeof(*d));
	for (i = 0; i < cfg->nvendors; i++) {
		if (cfg->vendors[i].mode != MODE_DELEGATED ||
		    (only != NULL && strcmp(only, cfg->vendors[i].name) != 0))
			continue;
		d[*n].v = &cfg->vendors[i];
		if ((rec = ks_vendor(lc->ks, cfg->vendors[i].name, false)) !=
		    NULL && rec->error != NULL) {
			d[*n].error = rec->error;
			d[*n].error_at = rec->error_at;
		}
		(*n)++;
	}
	return d;
}

bool
status_target_ok(struct lc *lc, const struct ks_observation *o)
{
	const struct config *cfg = lc->cfg;
	const char *want;
	size_t i;

	for (i = 0; i < cfg->nvendors; i++) {
		if (cfg->vendors[i].mode != MODE_DELEGATED ||
		    strcmp(cfg->vendors[i].name, o->vendor) != 0)
			continue;
		want = lc_cname_target(&cfg->vendors[i], o->selector);
		return want == NULL || (o->target != NULL &&
		    strcmp(o->target, want) == 0);
	}
	return false;
}

bool
status_trouble(struct lc *lc, const char *only, const struct status_row *rows,
    size_t n)
{
	const struct config *cfg = lc->cfg;
	const struct ks_vendor *rec;
	struct ks_key *const *keys;
	size_t i, nk;

	for (i = 0; i < n; i++)
		if (rows[i].late || rows[i].error != NULL || rows[i].stalled)
			return true;
	for (i = 0; i < cfg->nvendors; i++)
		if (cfg->vendors[i].mode == MODE_DELEGATED &&
		    (only == NULL ||
		    lc_vendor_named(only, cfg->vendors[i].name)) &&
		    (rec = ks_vendor(lc->ks, cfg->vendors[i].name, false)) !=
		    NULL && rec->error != NULL)
			return true;
	if (only != NULL)
		return false;
	keys = ks_keys(lc->ks, &nk);
	for (i = 0; i < nk; i++)
		if (keys[i]->state != KS_DESTROYED &&
		    lc_vendor(lc, keys[i]) == NULL && !lc_leaving(lc, keys[i]))
			return true;
	return false;
}
