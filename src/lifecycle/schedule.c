/*
 * schedule.c - a schedule as it stands, and what comes next and when:
 * the facts `status` shows and `rotate` acts on.
 */
#include <string.h>

#include "lifecycle.h"
#include "policy.h"
#include "schedule.h"
#include "support/dkim.h"

bool
lc_in_sched(const struct ks_key *k, const struct vendor *v, enum dk_alg alg)
{
	return k->alg == alg && strcmp(k->vendor, v->name) == 0 &&
	    strcmp(k->domain, v->domain) == 0;
}

void
lc_sched_keys(struct ks_key *const *keys, size_t n, const struct vendor *v,
    enum dk_alg alg, struct policy_sched *s)
{
	const struct ks_key *k;
	size_t i, activated = 0;

	memset(s, 0, sizeof(*s));
	s->v = v;
	s->alg = alg;
	for (i = 0; i < n; i++) {
		k = keys[i];
		if (!lc_in_sched(k, v, alg))
			continue;
		if (k->activated != 0)
			activated++;
		if (k->compromised)
			continue;
		if (k->state == KS_ACTIVE)
			s->active = k;
		else if (k->state == KS_PENDING || k->state == KS_PUBLISHED)
			s->successor = k;
	}
	/* a compromised key whose replacement is not deployed yet */
	for (i = 0; i < n; i++) {
		k = keys[i];
		if (lc_in_sched(k, v, alg) && k->compromised &&
		    (k->activated != 0 || k->state == KS_RETIRED) &&
		    (s->active == NULL || s->active->activated < k->retired) &&
		    k->state <= KS_REVOKED)
			s->compromised = k;
	}
	s->first = s->active != NULL && activated == 1;
}

void
lc_sched(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    struct policy_sched *s)
{
	struct ks_key *const *keys;
	const struct ks_vendor *rec;
	size_t n;

	keys = lc_keys_of(lc, v->name, &n);
	lc_sched_keys(keys, n, v, alg, s);
	if ((rec = ks_vendor(lc->ks, v->name, false)) != NULL) {
		s->held = rec->hold;
		s->leaving = rec->decommission ||
		    (rec->decommission_algs & 1U << alg) != 0;
	}
}

static void
consider(struct lc_next *n, const char *what, int64_t when,
    const struct ks_key *k)
{
	if (when == POLICY_NEVER || (n->what != NULL && when >= n->when))
		return;
	n->what = what;
	n->when = when;
	n->key = k;
}

/* The next step of a key past activation, and when. */
static void
next_after(struct lc *lc, const struct vendor *v, const struct ks_key *k,
    struct lc_next *n)
{
	unsigned done = k->hooks_done;

	switch (k->state) {
	case KS_RETIRED:
		if ((done & KS_EV_BIT(KS_EV_RETIRE)) == 0)
			consider(n, "retire", lc->now, k);
		else if ((done & KS_EV_BIT(KS_EV_REVOKE)) != 0)
			consider(n, "confirm revocation in DNS", lc->now, k);
		else
			consider(n, "revoke", policy_revoke_at(v, k), k);
		break;
	case KS_REVOKED:
		if ((done & KS_EV_BIT(KS_EV_WITHDRAW)) != 0)
			consider(n, "confirm withdrawal in DNS", lc->now, k);
		else
			consider(n, "withdraw", policy_withdraw_at(v, k), k);
		break;
	case KS_WITHDRAWN:
		consider(n, "destroy", lc->now, k);
		break;
	default:
		break;
	}
}

void
lc_next(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    struct lc_next *n)
{
	struct ks_key *const *keys;
	struct policy_sched s;
	size_t nk, i;

	memset(n, 0, sizeof(*n));
	n->when = POLICY_NEVER;
	lc_sched(lc, v, alg, &s);
	if (s.held) {
		n->what = "held";
		return;
	}
	if (s.successor == NULL)
		consider(n, "generate", policy_generate_at(&s), NULL);
	else if (s.successor->state == KS_PENDING)
		consider(n, "publish", lc->now, s.successor);
	else if (v->verify_dns && s.successor->visible == 0)
		consider(n, "wait until DNS serves it", lc->now, s.successor);
	else
		consider(n, "deploy", policy_deploy_at(&s, s.successor,
		    s.successor->neg_ttl), s.successor);
	keys = lc_keys_of(lc, v->name, &nk);
	for (i = 0; i < nk; i++)
		if (lc_in_sched(keys[i], v, alg))
			next_after(lc, v, keys[i], n);
}
