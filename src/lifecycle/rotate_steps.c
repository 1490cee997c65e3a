/*
 * rotate_steps.c - one schedule advanced by every step due now, in the
 * event order of SPEC section 6: publish, deploy, retire, revoke,
 * withdraw, destroy, reveal. Each state change is committed, with its
 * audit entry, before the next side effect.
 */
#include <stdlib.h>
#include <string.h>

#include "event_hooks.h"
#include "rotate_batch.h"
#include "rotate_steps.h"
#include "schedule.h"
#include "dns/dnscheck.h"
#include "support/dkim.h"
#include "support/fault.h"
#include "support/log.h"

/* Looks k up in DNS (pub NULL: its revocation); reports an unreachable
 * DNS as waiting. Returns -1 when no check could be made. */
static int
check(struct run *run, const struct vendor *v, const struct ks_key *k,
    bool revoked, struct dnscheck *dc)
{
	struct dnsq *q = run_dns(run, v);
	char *name;
	int rc;

	memset(dc, 0, sizeof(*dc));
	if (q == NULL)
		return -1;
	name = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	rc = dnscheck_key_testing(q, name, k->alg, revoked ? NULL : k->pub,
	    revoked ? 0 : k->publen, v->testing, dc);
	free(name);
	if (rc == -1)
		return -1;
	if (dc->unreachable_all)
		run->unreached++;
	else
		run->reached++;
	return 0;
}

static void
fail(struct run *run, const struct vendor *v, struct ks_key *k,
    const char *what, const char *why)
{
	ks_set_error(run->lc->ks, k, why, run->lc->now);
	rotate_report_add(run->r, v->name, k, true, what, "%s", why);
}

/* Runs hooks; reports a retry as waiting and a failure as failed. */
static bool
hooks(struct run *run, const struct vendor *v, struct ks_key *k,
    enum ks_event ev, const char *prev, const struct keypair *kp)
{
	enum hook_status st;

	if (run->o->dry_run) {
		rotate_report_add(run->r, v->name, k, false, "would run",
		    "%s hooks", lc_event_name(ev));
		return false;
	}
	if (v->nbatch_hooks > 0)
		return run_batched(run, v, k, ev, prev);
	st = lc_hooks(run->lc, v, k, ev, prev, kp);
	run_mark(&run->fresh, &run->nfresh, &run->capfresh, k);
	if (st == HOOK_OK)
		return true;
	rotate_report_add(run->r, v->name, k, st == HOOK_FAILED,
	    st == HOOK_RETRY ? "waiting" : "failed", "%s",
	    k->error != NULL ? k->error : lc_event_name(ev));
	if (st == HOOK_RETRY) {
		/* "not yet" is a wait, not a failure: a stall once it lasts
		 * past stall_after */
		if (k->error != NULL)
			run_stall(run, v, "%s", k->error);
		else
			run_stall(run, v, "%s hook: not yet",
			    lc_event_name(ev));
		ks_set_error(run->lc->ks, k, NULL, 0);
	}
	/* a failure is kept for status; the next run retries */
	run_commit(run);
	return false;
}

/* Remembers the ttl and testing k's record was published with. */
static void
record_settings(const struct vendor *v, struct ks_key *k)
{
	k->record_ttl = v->ttl + 1;
	k->record_testing = v->testing;
}

/* Commits a transition of k with its audit entry (extra: more JSON
 * members, "" or starting with a comma). */
static void
commit_extra(struct run *run, const struct vendor *v, struct ks_key *k,
    const char *event, enum ks_event ev, const char *detail,
    const char *extra)
{
	ks_set_error(run->lc->ks, k, NULL, 0);
	ks_journal(run->lc->ks, run->lc->now, run->lc->simulated, event, k, ev,
	    extra);
	if (run_commit(run) == -1) {
		rotate_report_add(run->r, v->name, k, true, "failed",
		    "cannot commit the keystore");
		return;
	}
	run->r->transitions++;
	rotate_report_add(run->r, v->name, k, false, event,
	    detail != NULL ? "%s" : NULL, detail);
}

static void
commit(struct run *run, const struct vendor *v, struct ks_key *k,
    const char *event, enum ks_event ev, const char *detail)
{
	commit_extra(run, v, k, event, ev, detail, "");
}

/*
 * The lookup before a new selector is published fails closed: the name
 * must be free at every server of the resolver (NXDOMAIN or NODATA, no
 * CNAME), or serve this key already (a publish interrupted before its
 * commit). A CNAME at the name, or another record there, is a failure
 * (*taken); a server that failed (SERVFAIL, REFUSED, a CNAME loop or a
 * chain too long) or timed out leaves it unknown: a wait. Returns NULL
 * when free, else one line naming the servers (malloc'd).
 */
static char *
name_not_free(const struct dnscheck *dc, bool *taken)
{
	const struct dnscheck_server *s;
	struct buf b = { 0 };
	size_t i;

	*taken = false;
	for (i = 0; i < dc->nservers; i++) {
		s = &dc->servers[i];
		if (s->verdict != DNSCHECK_FAILED &&
		    s->verdict != DNSCHECK_UNREACHABLE &&
		    (s->answer->nchain > 0 || (s->verdict != DNSCHECK_ABSENT &&
		    s->verdict != DNSCHECK_SERVES)))
			*taken = true;
	}
	for (i = 0; i < dc->nservers; i++) {
		s = &dc->servers[i];
		if (s->verdict == DNSCHECK_ABSENT ||
		    (s->verdict == DNSCHECK_SERVES && s->answer->nchain == 0))
			continue;
		/* a taken name: only the servers that say so */
		if (*taken && (s->verdict == DNSCHECK_FAILED ||
		    s->verdict == DNSCHECK_UNREACHABLE))
			continue;
		buf_printf(&b, "%s%s: ", b.len > 0 ? "; " : "",
		    s->answer->server);
		if (s->answer->nchain > 0 && s->verdict != DNSCHECK_FAILED)
			buf_printf(&b, "CNAME at the name (to %s), ",
			    s->answer->chain[0]);
		buf_puts(&b, s->detail != NULL ? s->detail : "?");
	}
	if (b.len == 0)
		return NULL;
	buf_add(&b, "", 1);
	return b.data;
}

static void
publish(struct run *run, const struct vendor *v, struct ks_key *k)
{
	struct dnscheck dc;
	char *why;
	bool taken;

	if (v->verify_dns && !run->o->dry_run) {
		if (check(run, v, k, false, &dc) == -1)
			return;
		if (dc.unreachable_all) {
			/* what is at the name must be known first */
			rotate_report_add(run->r, v->name, k, false,
			    "waiting", "publish: no DNS server reachable to "
			    "look the name up first");
			run_stall(run, v, "no DNS server reachable");
			dnscheck_clear(&dc);
			return;
		}
		if ((why = name_not_free(&dc, &taken)) != NULL) {
			if (taken) {
				fail(run, v, k, "failed", why);
			} else {
				rotate_report_add(run->r, v->name, k, false,
				    "waiting", "publish: the name is not known "
				    "to be free: %s", why);
				run_stall(run, v, "%s name not known to be "
				    "free: %s", k->selector, why);
			}
			free(why);
			dnscheck_clear(&dc);
			return;
		}
		/* resolvers may have cached this "no such name" */
		if (dc.neg_ttl > k->neg_ttl)
			k->neg_ttl = dc.neg_ttl;
		dnscheck_clear(&dc);
	}
	if (!hooks(run, v, k, KS_EV_PUBLISH, NULL, NULL))
		return;
	k->state = KS_PUBLISHED;
	k->published = run->lc->now;
	record_settings(v, k);
	k->hooks_done = 0;
	if (!v->verify_dns)
		k->visible = run->lc->now;
	commit(run, v, k, "publish", KS_EV_PUBLISH, NULL);
}

/* Whether every server serves k now; keeps visible_since and max_ttl. */
static void
visible(struct run *run, const struct vendor *v, struct ks_key *k)
{
	struct dnscheck dc;

	if (!v->verify_dns || run->o->dry_run ||
	    run_in(run->fresh, run->nfresh, k) ||
	    run_in(run->checked, run->nchecked, k))
		return;
	run_mark(&run->checked, &run->nchecked, &run->capchecked, k);
	if (check(run, v, k, false, &dc) == -1)
		return;
	if (dc.unreachable_all) {
		/* no answer is no news: visible_since stays as it was */
		rotate_report_add(run->r, v->name, k, false, "waiting",
		    "no DNS server reachable");
		run_stall(run, v, "no DNS server reachable");
		dnscheck_clear(&dc);
		return;
	}
	if (dc.max_ttl > k->max_ttl)
		k->max_ttl = dc.max_ttl;
	if (dc.served) {
		run_mark(&run->served, &run->nserved, &run->capserved, k);
		if (k->visible == 0) {
			k->visible = run->lc->now;
			commit(run, v, k, "visible", KS_EV_COUNT,
			    "served by every server");
		}
	} else {
		k->visible = 0;
		if (dc.other)
			fail(run, v, k, "failed", dc.why);
		else {
			/* a wait, not a failure: a stall once it lasts past
			 * stall_after */
			rotate_report_add(run->r, v->name, k, false,
			    "waiting", "not served yet: %s", dc.why != NULL ?
			    dc.why : "?");
			run_stall(run, v, "%s not served yet: %s", k->selector,
			    dc.why != NULL ? dc.why : "?");
			ks_set_error(run->lc->ks, k, NULL, 0);
		}
		run_commit(run);
	}
	dnscheck_clear(&dc);
}

/* The mutable key behind a schedule's const pointer. */
static struct ks_key *
mut(struct run *run, const struct ks_key *k)
{
	return k == NULL ? NULL : ks_find(run->lc->ks, k->domain, k->selector);
}

static void
deploy(struct run *run, const struct vendor *v, struct policy_sched *s)
{
	struct ks_key *k = mut(run, s->successor), *old = mut(run, s->active);
	const char *prev;
	char *detail;
	struct keypair kp;
	int64_t at;
	char when[UTIL_TIME_LEN];

	if (k == NULL || k->state != KS_PUBLISHED)
		return;
	if ((at = policy_deploy_at(s, k, k->neg_ttl)) > run->lc->now) {
		if (at != POLICY_NEVER && k->visible != 0)
			rotate_report_add(run->r, v->name, k, false, "waiting",
			    "deploy at %s", util_fmt_time(at, when));
		return;
	}
	if (v->verify_dns && !run_in(run->served, run->nserved, k))
		return;
	if (run->o->dry_run) {
		rotate_report_add(run->r, v->name, k, false, "would deploy",
		    NULL);
		return;
	}
	memset(&kp, 0, sizeof(kp));
	/* batch hooks decrypt each key as they write it */
	if (run->o->unlock(run->o->unlock_ctx) == -1 ||
	    (v->nbatch_hooks == 0 && lc_load(run->lc, k, &kp) == -1)) {
		fail(run, v, k, "failed", "cannot decrypt the key to deploy");
		return;
	}
	prev = s->compromised != NULL ? s->compromised->selector :
	    old != NULL ? old->selector : NULL;
	if (hooks(run, v, k, KS_EV_DEPLOY, prev, &kp)) {
		k->state = KS_ACTIVE;
		k->activated = run->lc->now;
		k->hooks_done = 0;
		if (old != NULL) {
			old->state = KS_RETIRED;
			old->retired = run->lc->now;
			old->hooks_done = 0;
			ks_journal(run->lc->ks, run->lc->now,
			    run->lc->simulated, "retired", old, KS_EV_COUNT,
			    "");
		}
		detail = prev != NULL ? xasprintf("replaces %s%s", prev,
		    s->compromised != NULL ? " (compromised; publish_ahead "
		    "waived)" : "") : NULL;
		commit_extra(run, v, k, "deploy", KS_EV_DEPLOY, detail,
		    s->compromised != NULL ? ",\"replaces_compromised\":true,"
		    "\"publish_ahead_waived\":true" : "");
		free(detail);
	}
	keypair_clear(&kp);
}

/* Runs the hooks of ev once per transition and records their success. */
static bool
once(struct run *run, const struct vendor *v, struct ks_key *k,
    enum ks_event ev)
{
	if ((k->hooks_done & KS_EV_BIT(ev)) != 0)
		return true;
	if (!hooks(run, v, k, ev, NULL, NULL))
		return false;
	k->hooks_done |= KS_EV_BIT(ev);
	commit(run, v, k, lc_event_name(ev), ev, NULL);
	return false; /* checked by DNS in a later run */
}

/* A retired key: retire hooks, then after overlap its revocation, served
 * (empty p=) by every server in a later run. */
static void
revoke(struct run *run, const struct vendor *v, struct ks_key *k)
{
	struct dnscheck dc;

	if ((k->hooks_done & KS_EV_BIT(KS_EV_RETIRE)) == 0) {
		once(run, v, k, KS_EV_RETIRE);
		if ((k->hooks_done & KS_EV_BIT(KS_EV_RETIRE)) == 0)
			return;
	}
	if (policy_revoke_at(v, k) > run->lc->now)
		return;
	if ((k->hooks_done & KS_EV_BIT(KS_EV_REVOKE)) == 0) {
		once(run, v, k, KS_EV_REVOKE);
		if (v->verify_dns ||
		    (k->hooks_done & KS_EV_BIT(KS_EV_REVOKE)) == 0)
			return;
	} else if (v->verify_dns) {
		if (run->o->dry_run || run_in(run->fresh, run->nfresh, k) ||
		    check(run, v, k, true, &dc) == -1)
			return;
		if (!dc.revoked_served) {
			rotate_report_add(run->r, v->name, k, dc.other,
			    dc.other ? "failed" : "waiting", "revocation not "
			    "served yet: %s", dc.why != NULL ? dc.why : "?");
			if (!dc.other)
				run_stall(run, v, "%s revocation not served "
				    "yet: %s", k->selector, dc.why != NULL ?
				    dc.why : "?");
			dnscheck_clear(&dc);
			return;
		}
		dnscheck_clear(&dc);
	}
	k->state = KS_REVOKED;
	k->revoked = run->lc->now;
	k->hooks_done = 0;
	commit(run, v, k, "revoked", KS_EV_COUNT, "p= empty");
}

/* A revoked key: after revoke_for its record is withdrawn, gone from every
 * server in a later run. */
static void
withdraw(struct run *run, const struct vendor *v, struct ks_key *k)
{
	struct dnscheck dc;

	if (policy_withdraw_at(v, k) > run->lc->now)
		return;
	if ((k->hooks_done & KS_EV_BIT(KS_EV_WITHDRAW)) == 0) {
		once(run, v, k, KS_EV_WITHDRAW);
		if (v->verify_dns ||
		    (k->hooks_done & KS_EV_BIT(KS_EV_WITHDRAW)) == 0)
			return;
	} else if (v->verify_dns) {
		if (run->o->dry_run || run_in(run->fresh, run->nfresh, k) ||
		    check(run, v, k, true, &dc) == -1)
			return;
		if (!dc.absent) {
			rotate_report_add(run->r, v->name, k, false, "waiting",
			    "record still served: %s", dc.why != NULL ?
			    dc.why : "?");
			run_stall(run, v, "%s record still served: %s",
			    k->selector, dc.why != NULL ? dc.why : "?");
			dnscheck_clear(&dc);
			return;
		}
		dnscheck_clear(&dc);
	}
	k->state = KS_WITHDRAWN;
	k->withdrawn = run->lc->now;
	k->hooks_done = 0;
	commit(run, v, k, "withdrawn", KS_EV_COUNT, "record gone");
}

/* A withdrawn key: destroy hooks, reveal hooks when asked, then the
 * private key is erased. */
static void
destroy(struct run *run, const struct vendor *v, struct ks_key *k)
{
	struct keypair kp;
	bool ok;

	if ((k->hooks_done & KS_EV_BIT(KS_EV_DESTROY)) == 0) {
		if (!hooks(run, v, k, KS_EV_DESTROY, NULL, NULL))
			return;
		k->hooks_done |= KS_EV_BIT(KS_EV_DESTROY);
		ks_journal(run->lc->ks, run->lc->now, run->lc->simulated,
		    "destroy", k, KS_EV_DESTROY, "");
		if (run_commit(run) == -1)
			return;
	}
	if (v->reveal && (k->hooks_done & KS_EV_BIT(KS_EV_REVEAL)) == 0) {
		if (!policy_reveal_ok(v, k)) {
			rotate_report_add(run->r, v->name, k, false,
			    "not revealed", "revoke_for is below the largest "
			    "TTL seen, %us", (unsigned)k->max_ttl);
		} else {
			memset(&kp, 0, sizeof(kp));
			if (run->o->unlock(run->o->unlock_ctx) == -1 ||
			    (v->nbatch_hooks == 0 &&
			    lc_load(run->lc, k, &kp) == -1)) {
				fail(run, v, k, "failed", "cannot decrypt the "
				    "key to reveal");
				return;
			}
			ok = hooks(run, v, k, KS_EV_REVEAL, NULL, &kp);
			keypair_clear(&kp);
			if (!ok)
				return;
			k->hooks_done |= KS_EV_BIT(KS_EV_REVEAL);
			ks_journal(run->lc->ks, run->lc->now,
			    run->lc->simulated, "reveal", k, KS_EV_REVEAL, "");
			if (run_commit(run) == -1)
				return;
		}
	}
	if (ks_erase_private(run->lc->ks, k) == -1) {
		fail(run, v, k, "failed", "cannot erase the private key");
		return;
	}
	fault_point("erased");
	k->state = KS_DESTROYED;
	k->destroyed = run->lc->now;
	k->hooks_done = 0;
	commit(run, v, k, "destroyed", KS_EV_COUNT, "private key erased");
}

/* --republish: the publish hooks again for a record DNS still holds
 * (after testing or ttl changed); the key's state does not change. */
static void
republish(struct run *run, const struct vendor *v, struct ks_key *k)
{
	bool revoked;

	if (!lc_served(run->lc, k, &revoked) || k->state == KS_PENDING ||
	    revoked || run_in(run->fresh, run->nfresh, k))
		return;
	if (!hooks(run, v, k, KS_EV_PUBLISH, NULL, NULL))
		return;
	record_settings(v, k);
	ks_journal(run->lc->ks, run->lc->now, run->lc->simulated,
	    "republish", k, KS_EV_COUNT, "");
	if (run_commit(run) == 0)
		rotate_report_add(run->r, v->name, k, false, "republished",
		    NULL);
}

/*
 * One line (not a failure) when a live record of the schedule was
 * published with another ttl or testing than the vendor has now: only
 * --republish brings DNS in line. Keys published before the keystore
 * kept these (record_ttl 0) are not judged.
 */
static void
republish_needed(struct run *run, const struct vendor *v, enum dk_alg alg)
{
	struct ks_key *const *keys;
	const struct ks_key *k;
	size_t n, i;
	bool revoked;

	keys = lc_keys_of(run->lc, v->name, &n);
	for (i = 0; i < n; i++) {
		k = keys[i];
		if (!lc_in_sched(k, v, alg) || k->state < KS_PUBLISHED ||
		    k->state > KS_RETIRED || k->record_ttl == 0 ||
		    !lc_served(run->lc, k, &revoked) || revoked ||
		    (k->record_ttl == v->ttl + 1 &&
		    k->record_testing == v->testing))
			continue;
		rotate_report_add(run->r, v->name, k, false,
		    "republish needed", "published with ttl %u%s, the "
		    "configuration says ttl %u%s: run `dkimkeys rotate "
		    "--republish %s` to update the live records",
		    k->record_ttl - 1, k->record_testing ? " and testing" :
		    "", (unsigned)v->ttl, v->testing ? " and testing" : "",
		    v->name);
		return;
	}
}

/* decommission: every live key of the schedule is retired at once. */
static void
leave(struct run *run, const struct vendor *v, enum dk_alg alg)
{
	struct ks_key *const *keys;
	size_t n, i;

	keys = lc_keys_of(run->lc, v->name, &n);
	for (i = 0; i < n; i++) {
		if (!lc_in_sched(keys[i], v, alg) || keys[i]->state > KS_ACTIVE)
			continue;
		if (run->o->dry_run) {
			rotate_report_add(run->r, v->name, keys[i], false,
			    "would retire", "decommission");
			continue;
		}
		keys[i]->state = KS_RETIRED;
		keys[i]->retired = run->lc->now;
		keys[i]->hooks_done = 0;
		commit(run, v, keys[i], "retired", KS_EV_COUNT,
		    "decommission");
	}
}

/* Every key of the schedule in state st, with fn applied (the array of
 * pointers is stable; fn may commit). */
static void
each(struct run *run, const struct vendor *v, enum dk_alg alg,
    enum ks_state st, void (*fn)(struct run *, const struct vendor *,
    struct ks_key *))
{
	struct ks_key *const *keys;
	size_t n, i;

	keys = lc_keys_of(run->lc, v->name, &n);
	for (i = 0; i < n; i++)
		if (lc_in_sched(keys[i], v, alg) && keys[i]->state == st)
			fn(run, v, keys[i]);
}

void
run_steps(struct run *run, const struct vendor *v, enum dk_alg alg)
{
	struct policy_sched s;
	const char *was = log_set_vendor(v->name); /* in log lines */

	run_sched(run, v, alg, &s);
	if (s.held) {
		rotate_report_add(run->r, v->name, NULL, false, "held",
		    "no automatic transition (release %s)", v->name);
		log_set_vendor(was);
		return;
	}
	if (s.leaving)
		leave(run, v, alg);
	each(run, v, alg, KS_PENDING, publish);
	if (run->o->republish) {
		each(run, v, alg, KS_PUBLISHED, republish);
		each(run, v, alg, KS_ACTIVE, republish);
		each(run, v, alg, KS_RETIRED, republish);
	}
	each(run, v, alg, KS_PUBLISHED, visible);
	run_sched(run, v, alg, &s);
	deploy(run, v, &s);
	each(run, v, alg, KS_RETIRED, revoke);
	each(run, v, alg, KS_REVOKED, withdraw);
	each(run, v, alg, KS_WITHDRAWN, destroy);
	if (!run->o->republish)
		republish_needed(run, v, alg);
	/* late and stalled are judged by the driver once every walk and
	 * batch of the run is done */
	log_set_vendor(was);
}
