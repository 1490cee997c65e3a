/*
 * ksrecords.c - the records an open keystore keeps in its state: keys,
 * %n counters, vendors and observations, found and changed in memory.
 * The next ks_commit (ksjournal.c) stores them.
 *
 * Keys, vendors and observations never move: pointers to them stay valid
 * for the life of the handle, whatever is added later.
 */
#include <string.h>

#include "kscore_int.h"
#include "ksrecords.h"
#include "support/log.h"

struct ks_key *const *
ks_keys(struct ks *ks, size_t *n)
{
	*n = ks->st.nkeys;
	return ks->st.keys;
}

struct ks_key *
ks_find(struct ks *ks, const char *domain, const char *selector)
{
	size_t i = ksstate_find(&ks->st, domain, selector);

	return i == KSSTATE_NONE ? NULL : ks->st.keys[i];
}

size_t
ks_find_index(const struct ks *ks, const char *domain, const char *selector)
{
	size_t i = ksstate_find(&ks->st, domain, selector);

	return i == KSSTATE_NONE ? KS_INDEX_NONE : i;
}

bool
ks_name_taken(const struct ks *ks, const char *domain, const char *selector)
{
	/* destroyed keys stay in the state: they are the tombstones */
	return ksstate_find(&ks->st, domain, selector) != KSSTATE_NONE;
}

unsigned
ks_counter_next(struct ks *ks, const char *vendor)
{
	return ++ksstate_counter(&ks->st, vendor)->value;
}

int64_t
ks_last_now(const struct ks *ks)
{
	return ks->st.now;
}

int64_t
ks_last_run(const struct ks *ks, bool *ok)
{
	*ok = ks->st.run_ok;
	return ks->st.run_at;
}

void
ks_set_last_run(struct ks *ks, int64_t at, bool ok)
{
	ks->st.run_at = at;
	ks->st.run_ok = ok;
}

int64_t
ks_simulated_since(const struct ks *ks)
{
	return ks->st.simulated_since;
}

void
ks_set_simulated(struct ks *ks, int64_t since)
{
	if (ks->st.simulated_since == 0)
		ks->st.simulated_since = since;
}

void
ks_set_error(struct ks *ks, struct ks_key *key, const char *text,
    int64_t now)
{
	(void)ks;
	ksstate_text_set(&key->error, text, KSSTATE_TEXT_MAX);
	key->error_at = key->error != NULL ? now : 0;
}

void
ks_set_vendor_error(struct ks *ks, struct ks_vendor *v, const char *text,
    int64_t now)
{
	(void)ks;
	ksstate_text_set(&v->error, text, KSSTATE_TEXT_MAX);
	v->error_at = v->error != NULL ? now : 0;
}

void
ks_set_vendor_stall(struct ks *ks, struct ks_vendor *v, const char *text,
    int64_t now)
{
	(void)ks;
	if (text == NULL) {
		ksstate_text_set(&v->stall, NULL, KSSTATE_TEXT_MAX);
		v->stall_since = 0;
		return;
	}
	ksstate_text_set(&v->stall, text, KSSTATE_TEXT_MAX);
	if (v->stall_since == 0)
		v->stall_since = now;
}

void
ks_set_reason(struct ks *ks, struct ks_key *key, const char *text)
{
	(void)ks;
	ksstate_text_set(&key->reason, text, KSSTATE_TEXT_MAX);
}

/* A name the state could not store is a caller's bug (70), refused here
 * rather than at the next commit. */
struct ks_vendor *
ks_vendor(struct ks *ks, const char *name, bool create)
{
	struct ks_vendor *v = ksstate_vendor(&ks->st, name, false);

	if (v != NULL || !create)
		return v;
	if (name == NULL || !ksstate_valid_vendor(name)) {
		log_fail(EX_SOFTWARE, "keystore: vendor \"%.80s\": invalid "
		    "name", name != NULL ? name : "");
		return NULL;
	}
	return ksstate_vendor(&ks->st, name, true);
}

struct ks_observation *
ks_observation(struct ks *ks, const char *vendor, const char *selector,
    bool create)
{
	struct ks_observation *o;

	o = ksstate_observation(&ks->st, vendor, selector, false);
	if (o != NULL || !create)
		return o;
	if (vendor == NULL || !ksstate_valid_vendor(vendor) ||
	    selector == NULL || !util_valid_selector(selector) ||
	    strlen(selector) > 255) {
		log_fail(EX_SOFTWARE, "keystore: observation \"%.80s\" "
		    "\"%.80s\": invalid name", vendor != NULL ? vendor : "",
		    selector != NULL ? selector : "");
		return NULL;
	}
	return ksstate_observation(&ks->st, vendor, selector, true);
}

struct ks_observation *const *
ks_observations(struct ks *ks, size_t *n)
{
	*n = ks->st.nobs;
	return ks->st.obs;
}

void
ks_set_target(struct ks *ks, struct ks_observation *o, const char *target)
{
	(void)ks;
	ksstate_text_set(&o->target, target, KSSTATE_TARGET_MAX);
}
