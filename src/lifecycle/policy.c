/*
 * policy.c - the schedule rules of SPEC section 2, as times.
 */
#include <string.h>

#include <sodium.h>

#include "policy.h"

/* a + b, saturating at POLICY_NEVER */
static int64_t
add(int64_t a, int64_t b)
{
	if (a == POLICY_NEVER || b == POLICY_NEVER || a > POLICY_NEVER - b)
		return POLICY_NEVER;
	return a + b;
}

static int64_t
max2(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
policy_period(const struct policy_sched *s)
{
	unsigned char h[8];
	uint64_t x = 0;
	size_t i;

	if (!s->first || s->v->rotate_spread <= 0)
		return s->v->rotate_every;
	crypto_generichash(h, sizeof(h), (const unsigned char *)s->v->domain,
	    strlen(s->v->domain), NULL, 0);
	for (i = 0; i < sizeof(h); i++)
		x = x << 8 | h[i];
	return s->v->rotate_every -
	    (int64_t)(x % (uint64_t)s->v->rotate_spread);
}

int64_t
policy_generate_at(const struct policy_sched *s)
{
	const struct vendor *v = s->v;

	if (s->held || s->leaving || s->successor != NULL)
		return POLICY_NEVER;
	if (s->active == NULL || s->compromised != NULL)
		return 0;
	return add(s->active->activated, policy_period(s) - v->publish_ahead -
	    v->generate_margin);
}

int64_t
policy_deploy_at(const struct policy_sched *s, const struct ks_key *k,
    uint32_t neg_ttl)
{
	int64_t at;

	if (s->held || s->leaving || k->state != KS_PUBLISHED ||
	    k->visible == 0)
		return POLICY_NEVER;
	at = add(k->published, (int64_t)neg_ttl);
	if (s->compromised != NULL)
		return max2(at, k->visible);
	at = max2(at, add(k->visible, s->v->publish_ahead));
	if (s->active != NULL)
		at = max2(at, add(s->active->activated, policy_period(s)));
	return at;
}

int64_t
policy_revoke_at(const struct vendor *v, const struct ks_key *k)
{
	if (k->state != KS_RETIRED ||
	    (k->hooks_done & KS_EV_BIT(KS_EV_RETIRE)) == 0)
		return POLICY_NEVER;
	if (k->compromised)
		return k->retired;
	return add(k->retired, v->overlap);
}

int64_t
policy_withdraw_at(const struct vendor *v, const struct ks_key *k)
{
	if (k->state != KS_REVOKED)
		return POLICY_NEVER;
	return add(k->revoked, v->revoke_for);
}

bool
policy_reveal_ok(const struct vendor *v, const struct ks_key *k)
{
	return v->reveal &&
	    v->revoke_for >= (int64_t)k->max_ttl;
}

bool
policy_late(const struct policy_sched *s, int64_t now)
{
	if (s->active == NULL || s->held || s->leaving)
		return false;
	return now > add(add(s->active->activated, policy_period(s)),
	    s->v->late_after);
}

bool
policy_stalled(const struct vendor *v, int64_t since, int64_t now)
{
	return since != 0 && now - since > v->stall_after;
}
