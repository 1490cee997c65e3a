/*
 * ksstate.c - the keystore's state in memory: records, indexes, limits.
 *
 * Each key, vendor and observation is allocated on its own and the arrays
 * hold pointers, so that what ks_keys() and friends hand out never moves.
 * Lookups go through open-addressing indexes by name: a keystore serving
 * thousands of domains must not be quadratic. The text codec is
 * ksstate_text.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ksnames.h"
#include "ksstate.h"
#include "support/dkim.h"

struct ksstate_shadow;
static void shadow_free(struct ksstate_shadow *sh);

enum ix_kind {
	IX_KEYS,     /* (domain, selector) */
	IX_VENDORS,  /* (name) */
	IX_OBS,      /* (vendor, selector) */
	IX_COUNTERS, /* (vendor) */
};

bool
ksstate_valid_vendor(const char *s)
{
	const char *slash = strchr(s, '/');
	char name[64];
	size_t n;

	if (slash == NULL)
		return util_valid_vendor(s);
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	return util_valid_vendor(name) && util_valid_domain(slash + 1);
}

void
ksstate_text_set(char **dst, const char *src, size_t max)
{
	size_t len;

	free(*dst);
	*dst = NULL;
	if (src == NULL || *src == '\0')
		return;
	len = strlen(src);
	if (len > max) {
		/* back off to the start of a UTF-8 sequence */
		len = max;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	*dst = len == 0 ? NULL : xstrndup(src, len);
}

static bool
safe_octet(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '=';
}

void
ksstate_escape(struct buf *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (safe_octet(*p))
			buf_add(out, p, 1);
		else
			buf_printf(out, "%%%02X", *p);
}

/* An uppercase hex digit's value, or -1. */
static int
uhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ksstate_unescape(const char *s, size_t max, char **out)
{
	char *o = xmalloc(strlen(s) + 1);
	size_t n = 0;
	int c, hi, lo;

	*out = NULL;
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '%') {
			if ((hi = uhex(s[1])) == -1 || (lo = uhex(s[2])) == -1)
				goto bad;
			c = hi << 4 | lo;
			/* one spelling only: what ksstate_escape writes */
			if (c == 0 || safe_octet((unsigned char)c))
				goto bad;
			s += 2;
		} else if (!safe_octet((unsigned char)c))
			goto bad;
		if (n == max)
			goto bad;
		o[n++] = (char)c;
	}
	o[n] = '\0';
	*out = o;
	return 0;
bad:
	free(o);
	return -1;
}

/* FNV-1a of a, a NUL and b. */
static uint64_t
name_hash(const char *a, const char *b)
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = a; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (s = b; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The names record i of a kind is indexed by. */
static void
ix_names(const struct ksstate *st, enum ix_kind kind, size_t i,
    const char **a, const char **b)
{
	*b = "";
	switch (kind) {
	case IX_KEYS:
		*a = st->keys[i]->domain;
		*b = st->keys[i]->selector;
		break;
	case IX_VENDORS:
		*a = st->vendors[i]->name;
		break;
	case IX_OBS:
		*a = st->obs[i]->vendor;
		*b = st->obs[i]->selector;
		break;
	case IX_COUNTERS:
		*a = st->counters[i].vendor;
		break;
	}
}

static size_t
ix_count(const struct ksstate *st, enum ix_kind kind)
{
	const size_t n[] = { st->nkeys, st->nvendors, st->nobs,
		st->ncounters };

	return n[kind];
}

/* The slot holding (a, b), or the empty slot it would take. */
static size_t
ix_slot(const struct ksstate *st, enum ix_kind kind, const char *a,
    const char *b)
{
	const struct ksstate_index *ix = &st->ix[kind];
	size_t mask = ix->nslots - 1, i, k;
	const char *ka, *kb;

	i = (size_t)name_hash(a, b) & mask;
	while ((k = ix->slots[i]) != 0) {
		ix_names(st, kind, k - 1, &ka, &kb);
		if (strcmp(ka, a) == 0 && strcmp(kb, b) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static size_t
ix_find(const struct ksstate *st, enum ix_kind kind, const char *a,
    const char *b)
{
	const struct ksstate_index *ix = &st->ix[kind];
	size_t k;

	if (ix->nslots == 0 || a == NULL || b == NULL)
		return KSSTATE_NONE;
	k = ix->slots[ix_slot(st, kind, a, b)];
	return k == 0 ? KSSTATE_NONE : k - 1;
}

/* Indexes the record just stored as the last of its kind; the table is
 * kept at most half full. */
static void
ix_add(struct ksstate *st, enum ix_kind kind)
{
	struct ksstate_index *ix = &st->ix[kind];
	size_t count = ix_count(st, kind), i;
	const char *a, *b;

	if (ix->nslots < 2 * count) {
		free(ix->slots);
		ix->nslots = ix->nslots == 0 ? 64 : 2 * ix->nslots;
		ix->slots = xcalloc(ix->nslots, sizeof(*ix->slots));
		for (i = 0; i + 1 < count; i++) {
			ix_names(st, kind, i, &a, &b);
			ix->slots[ix_slot(st, kind, a, b)] = i + 1;
		}
	}
	ix_names(st, kind, count - 1, &a, &b);
	ix->slots[ix_slot(st, kind, a, b)] = count;
}

/* Makes room for one more element in an array of n with capacity *cap. */
static void *
grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap == 0 ? 16 : 2 * *cap;
	return xrealloc(arr, *cap * size);
}

size_t
ksstate_find(const struct ksstate *st, const char *domain,
    const char *selector)
{
	return ix_find(st, IX_KEYS, domain, selector);
}

struct ks_key *
ksstate_append(struct ksstate *st, const struct ks_key *k)
{
	struct ks_key *copy;

	if (k->domain == NULL || k->selector == NULL ||
	    ksstate_find(st, k->domain, k->selector) != KSSTATE_NONE)
		return NULL;
	copy = xmalloc(sizeof(*copy));
	*copy = *k;
	copy->vendor = k->vendor != NULL ? xstrdup(k->vendor) : NULL;
	copy->domain = xstrdup(k->domain);
	copy->selector = xstrdup(k->selector);
	copy->pub = k->publen > 0 ? xmalloc(k->publen) : NULL;
	if (k->publen > 0)
		memcpy(copy->pub, k->pub, k->publen);
	copy->error = copy->reason = NULL;
	ksstate_text_set(&copy->error, k->error, KSSTATE_TEXT_MAX);
	ksstate_text_set(&copy->reason, k->reason, KSSTATE_TEXT_MAX);
	st->keys = grow(st->keys, st->nkeys, &st->capkeys, sizeof(*st->keys));
	st->keys[st->nkeys++] = copy;
	ix_add(st, IX_KEYS);
	return copy;
}

struct ksstate_counter *
ksstate_counter(struct ksstate *st, const char *vendor)
{
	struct ksstate_counter *c;
	size_t i = ix_find(st, IX_COUNTERS, vendor, "");

	if (i != KSSTATE_NONE)
		return &st->counters[i];
	st->counters = grow(st->counters, st->ncounters, &st->capcounters,
	    sizeof(*st->counters));
	c = &st->counters[st->ncounters++];
	c->vendor = xstrdup(vendor);
	c->value = 0;
	ix_add(st, IX_COUNTERS);
	return c;
}

struct ks_vendor *
ksstate_vendor_append(struct ksstate *st, const struct ks_vendor *v)
{
	struct ks_vendor *copy;

	if (v->name == NULL ||
	    ix_find(st, IX_VENDORS, v->name, "") != KSSTATE_NONE)
		return NULL;
	copy = xmalloc(sizeof(*copy));
	*copy = *v;
	copy->name = xstrdup(v->name);
	copy->error = copy->stall = NULL;
	ksstate_text_set(&copy->error, v->error, KSSTATE_TEXT_MAX);
	ksstate_text_set(&copy->stall, v->stall, KSSTATE_TEXT_MAX);
	st->vendors = grow(st->vendors, st->nvendors, &st->capvendors,
	    sizeof(*st->vendors));
	st->vendors[st->nvendors++] = copy;
	ix_add(st, IX_VENDORS);
	return copy;
}

struct ks_vendor *
ksstate_vendor(struct ksstate *st, const char *name, bool create)
{
	struct ks_vendor v = { NULL, false, false, NULL, 0, NULL, 0, 0 };
	size_t i = ix_find(st, IX_VENDORS, name, "");

	if (i != KSSTATE_NONE)
		return st->vendors[i];
	if (!create)
		return NULL;
	v.name = (char *)(uintptr_t)name; /* copied */
	return ksstate_vendor_append(st, &v);
}

struct ks_observation *
ksstate_observation_append(struct ksstate *st,
    const struct ks_observation *o)
{
	struct ks_observation *copy;

	if (o->vendor == NULL || o->selector == NULL ||
	    ix_find(st, IX_OBS, o->vendor, o->selector) != KSSTATE_NONE)
		return NULL;
	copy = xmalloc(sizeof(*copy));
	*copy = *o;
	copy->vendor = xstrdup(o->vendor);
	copy->selector = xstrdup(o->selector);
	copy->target = NULL;
	ksstate_text_set(&copy->target, o->target, KSSTATE_TARGET_MAX);
	st->obs = grow(st->obs, st->nobs, &st->capobs, sizeof(*st->obs));
	st->obs[st->nobs++] = copy;
	ix_add(st, IX_OBS);
	return copy;
}

struct ks_observation *
ksstate_observation(struct ksstate *st, const char *vendor,
    const char *selector, bool create)
{
	struct ks_observation o;
	size_t i = ix_find(st, IX_OBS, vendor, selector);

	if (i != KSSTATE_NONE)
		return st->obs[i];
	if (!create)
		return NULL;
	memset(&o, 0, sizeof(o));
	o.vendor = (char *)(uintptr_t)vendor; /* copied */
	o.selector = (char *)(uintptr_t)selector;
	return ksstate_observation_append(st, &o);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
ksstate_journal_add(struct ksstate *st, const struct ksstate_entry *e)
{
	struct ksstate_entry *c;

	st->journal = grow(st->journal, st->njournal, &st->capjournal,
	    sizeof(*st->journal));
	c = &st->journal[st->njournal++];
	c->id = dup_or_null(e->id);
	c->time = e->time;
	c->simulated = e->simulated;
	c->event = dup_or_null(e->event);
	c->event_id = dup_or_null(e->event_id);
	c->vendor = dup_or_null(e->vendor);
	c->domain = dup_or_null(e->domain);
	c->selector = dup_or_null(e->selector);
	c->fpr = dup_or_null(e->fpr);
	c->extra = dup_or_null(e->extra);
}

void
ksstate_entry_free(struct ksstate_entry *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->event);
	free(e->event_id);
	free(e->vendor);
	free(e->domain);
	free(e->selector);
	free(e->fpr);
	free(e->extra);
	memset(e, 0, sizeof(*e));
}

void
ksstate_journal_clear(struct ksstate *st)
{
	size_t i;

	for (i = 0; i < st->njournal; i++)
		ksstate_entry_free(&st->journal[i]);
	st->njournal = 0;
	st->has_base = false;
	st->journal_base = 0;
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted: a journal may hold thousands of entries. */
const char *
ksstate_journal_twice(const struct ksstate *st)
{
	const char **ids = xcalloc(st->njournal + 1, sizeof(*ids)), *dup = NULL;
	size_t i;

	for (i = 0; i < st->njournal; i++)
		ids[i] = st->journal[i].id;
	qsort(ids, st->njournal, sizeof(*ids), by_string);
	for (i = 1; i < st->njournal && dup == NULL; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			dup = ids[i];
	free(ids);
	return dup;
}

static void
key_free(struct ks_key *k)
{
	if (k == NULL)
		return;
	free(k->vendor);
	free(k->domain);
	free(k->selector);
	free(k->error);
	free(k->reason);
	free(k->pub);
	free(k);
}

void
ksstate_free(struct ksstate *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nkeys; i++)
		key_free(st->keys[i]);
	for (i = 0; i < st->nvendors; i++) {
		free(st->vendors[i]->name);
		free(st->vendors[i]->error);
		free(st->vendors[i]->stall);
		free(st->vendors[i]);
	}
	for (i = 0; i < st->nobs; i++) {
		free(st->obs[i]->vendor);
		free(st->obs[i]->selector);
		free(st->obs[i]->target);
		free(st->obs[i]);
	}
	for (i = 0; i < st->ncounters; i++)
		free(st->counters[i].vendor);
	ksstate_journal_clear(st);
	free(st->keys);
	free(st->vendors);
	free(st->obs);
	free(st->counters);
	free(st->journal);
	for (i = 0; i < KSSTATE_NINDEX; i++)
		free(st->ix[i].slots);
	shadow_free(st->shadow);
	memset(st, 0, sizeof(*st));
}

bool
ksstate_time_ok(int64_t t)
{
	return t >= 0 && t <= 253402300799LL; /* 9999-12-31T23:59:59Z */
}

static bool
text_ok(const char *s, size_t max)
{
	return s == NULL || strlen(s) <= max;
}

static bool
name_ok(const char *domain, const char *selector)
{
	return domain != NULL && util_valid_domain(domain) &&
	    selector != NULL && util_valid_selector(selector) &&
	    strlen(selector) <= 255;
}

const char *
ksstate_key_invalid(const struct ks_key *k)
{
	const int64_t t[] = { k->created, k->published, k->visible,
		k->activated, k->retired, k->revoked, k->withdrawn,
		k->destroyed, k->error_at };
	unsigned char fpr[KS_FPR_LEN];
	size_t i;

	if (k->vendor == NULL || !ksstate_valid_vendor(k->vendor))
		return "invalid vendor name";
	if (!name_ok(k->domain, k->selector))
		return "invalid domain or selector";
	if (strcmp(ks_state_name(k->state), "?") == 0)
		return "invalid state";
	if (k->alg == DK_ALG_ED25519 && k->bits != DK_ED25519_BITS)
		return "ed25519 key with bits other than 256";
	if (k->alg == DK_ALG_RSA &&
	    (k->bits < DK_RSA_MIN_BITS || k->bits > DK_RSA_MAX_BITS))
		return "rsa key size out of range";
	if (k->alg != DK_ALG_RSA && k->alg != DK_ALG_ED25519)
		return "invalid algorithm";
	if (k->publen > KS_PUB_MAX)
		return "public key too long";
	if (k->publen > 0) {
		crypto_hash_sha256(fpr, k->pub, k->publen);
		if (memcmp(fpr, k->fpr, KS_FPR_LEN) != 0)
			return "fingerprint is not the sha-256 of the "
			    "public key";
	}
	for (i = 0; i < ARRAY_LEN(t); i++)
		if (!ksstate_time_ok(t[i]))
			return "time out of range";
	if (k->hooks_done >= 1U << KS_EV_COUNT)
		return "invalid hooks_done";
	if (k->pack.in_pack && k->pack.slot >= KS_PACK_SLOTS_MAX)
		return "pack slot out of range";
	if (!text_ok(k->error, KSSTATE_TEXT_MAX) ||
	    !text_ok(k->reason, KSSTATE_TEXT_MAX))
		return "error or reason text too long (use ks_set_error)";
	return NULL;
}

const char *
ksstate_vendor_invalid(const struct ks_vendor *v)
{
	if (v->name == NULL || !ksstate_valid_vendor(v->name))
		return "invalid vendor name";
	if (!ksstate_time_ok(v->error_at) || !ksstate_time_ok(v->stall_since))
		return "time out of range";
	if (!text_ok(v->error, KSSTATE_TEXT_MAX) ||
	    !text_ok(v->stall, KSSTATE_TEXT_MAX))
		return "error or stall text too long (use ks_set_vendor_error, "
		    "ks_set_vendor_stall)";
	return NULL;
}

const char *
ksstate_observation_invalid(const struct ks_observation *o)
{
	if (o->vendor == NULL || !ksstate_valid_vendor(o->vendor))
		return "invalid vendor name";
	if (o->selector == NULL || !util_valid_selector(o->selector) ||
	    strlen(o->selector) > 255)
		return "invalid selector";
	if (o->alg != DK_ALG_NONE && o->alg != DK_ALG_RSA &&
	    o->alg != DK_ALG_ED25519)
		return "invalid algorithm";
	if (o->bits > UINT16_MAX)
		return "invalid bits";
	if (!ksstate_time_ok(o->first_seen) || !ksstate_time_ok(o->last_seen))
		return "time out of range";
	if (!text_ok(o->target, KSSTATE_TARGET_MAX))
		return "target too long (use ks_set_target)";
	return NULL;
}

static bool
hex_ok(const char *s, size_t digits)
{
	return s != NULL && strlen(s) == digits &&
	    strspn(s, "0123456789abcdef") == digits;
}

const char *
ksstate_entry_invalid(const struct ksstate_entry *e)
{
	bool key = e->vendor != NULL || e->domain != NULL ||
	    e->selector != NULL || e->fpr != NULL;

	if (!hex_ok(e->id, KSSTATE_ID_HEX))
		return "invalid entry id";
	if (!ksstate_time_ok(e->time))
		return "time out of range";
	if (e->event == NULL || *e->event == '\0' ||
	    !text_ok(e->event, KSSTATE_EVENT_MAX))
		return "invalid event name";
	if (e->event_id != NULL && !hex_ok(e->event_id, KSSTATE_ID_HEX))
		return "invalid event id";
	if (key && (e->vendor == NULL || !ksstate_valid_vendor(e->vendor) ||
	    !name_ok(e->domain, e->selector) || !hex_ok(e->fpr, 64)))
		return "invalid key of an entry";
	if (e->extra != NULL && *e->extra != '\0' && (*e->extra != ',' ||
	    strchr(e->extra, '\n') != NULL ||
	    !text_ok(e->extra, KSSTATE_EXTRA_MAX)))
		return "invalid extra members of an entry";
	return NULL;
}

/*
 * Changes since the last store: a copy of what each record held when it
 * was last stored (the fields that change after a record is made; a key's
 * names, pub and fpr never do), compared at each commit. Comparing is a
 * few loads per record, so callers keep changing records in place.
 */
struct kshadow {
	int64_t t[9]; /* created .. destroyed, error_at */
	unsigned state, hooks_done, bits, alg;
	uint32_t max_ttl, neg_ttl;
	unsigned record_ttl;
	bool compromised, record_testing;
	char *error, *reason, *vendor;
};

struct vshadow {
	bool hold, decommission;
	unsigned algs;
	int64_t error_at, stall_since;
	char *error, *stall;
};

struct idxlist {
	size_t *v;
	size_t n, cap;
};

struct ksstate_shadow {
	struct kshadow *k;
	struct vshadow *v;
	struct ks_observation *o;
	unsigned *c;
	size_t nk, capk, nv, capv, no, capo, nc, capc;
	int64_t now, run_at, simulated_since;
	bool run_ok;
	struct idxlist dk, dv, dobs, dc; /* found by ksstate_find_changes */
	bool head;
};

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
set_str(char **dst, const char *src)
{
	if (same_str(*dst, src))
		return;
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

static void
key_times(const struct ks_key *k, int64_t t[9])
{
	t[0] = k->created;
	t[1] = k->published;
	t[2] = k->visible;
	t[3] = k->activated;
	t[4] = k->retired;
	t[5] = k->revoked;
	t[6] = k->withdrawn;
	t[7] = k->destroyed;
	t[8] = k->error_at;
}

static bool
key_same(const struct kshadow *s, const struct ks_key *k)
{
	int64_t t[9];

	key_times(k, t);
	return memcmp(s->t, t, sizeof(t)) == 0 &&
	    s->state == (unsigned)k->state &&
	    s->hooks_done == k->hooks_done && s->bits == k->bits &&
	    s->alg == (unsigned)k->alg && s->max_ttl == k->max_ttl &&
	    s->neg_ttl == k->neg_ttl && s->compromised == k->compromised &&
	    s->record_ttl == k->record_ttl &&
	    s->record_testing == k->record_testing &&
	    same_str(s->error, k->error) && same_str(s->reason, k->reason) &&
	    same_str(s->vendor, k->vendor);
}

static void
key_store(struct kshadow *s, const struct ks_key *k)
{
	key_times(k, s->t);
	s->state = (unsigned)k->state;
	s->hooks_done = k->hooks_done;
	s->bits = k->bits;
	s->alg = (unsigned)k->alg;
	s->max_ttl = k->max_ttl;
	s->neg_ttl = k->neg_ttl;
	s->compromised = k->compromised;
	s->record_ttl = k->record_ttl;
	s->record_testing = k->record_testing;
	set_str(&s->error, k->error);
	set_str(&s->reason, k->reason);
	set_str(&s->vendor, k->vendor);
}

static bool
vendor_same(const struct vshadow *s, const struct ks_vendor *v)
{
	return s->hold == v->hold && s->decommission == v->decommission &&
	    s->algs == v->decommission_algs && s->error_at == v->error_at &&
	    s->stall_since == v->stall_since && same_str(s->error, v->error) &&
	    same_str(s->stall, v->stall);
}

static void
vendor_store(struct vshadow *s, const struct ks_vendor *v)
{
	s->hold = v->hold;
	s->decommission = v->decommission;
	s->algs = v->decommission_algs;
	s->error_at = v->error_at;
	s->stall_since = v->stall_since;
	set_str(&s->error, v->error);
	set_str(&s->stall, v->stall);
}

static bool
obs_same(const struct ks_observation *s, const struct ks_observation *o)
{
	return s->alg == o->alg && s->bits == o->bits &&
	    memcmp(s->fpr, o->fpr, KS_FPR_LEN) == 0 &&
	    s->revoked == o->revoked && s->first_seen == o->first_seen &&
	    s->last_seen == o->last_seen && s->rotations == o->rotations &&
	    same_str(s->target, o->target);
}

static void
obs_store(struct ks_observation *s, const struct ks_observation *o)
{
	char *target = s->target;

	*s = *o;
	s->vendor = s->selector = NULL; /* names are not compared */
	s->target = target;
	set_str(&s->target, o->target);
}

static struct ksstate_shadow *
shadow(struct ksstate *st)
{
	if (st->shadow == NULL)
		st->shadow = xcalloc(1, sizeof(*st->shadow));
	return st->shadow;
}

/* Makes room for n elements in the shadow array *arr of *cap. */
static void *
reserve(void *arr, size_t n, size_t *cap, size_t size)
{
	size_t old = *cap;

	if (n <= *cap)
		return arr;
	while (*cap < n)
		*cap = *cap == 0 ? 16 : 2 * *cap;
	arr = xrealloc(arr, *cap * size);
	memset((char *)arr + old * size, 0, (*cap - old) * size);
	return arr;
}

static void
list_add(struct idxlist *l, size_t i)
{
	l->v = grow(l->v, l->n, &l->cap, sizeof(*l->v));
	l->v[l->n++] = i;
}

void
ksstate_find_changes(struct ksstate *st, struct ksstate_changes *c)
{
	struct ksstate_shadow *sh = shadow(st);
	size_t i;

	sh->dk.n = sh->dv.n = sh->dobs.n = sh->dc.n = 0;
	for (i = 0; i < st->nkeys; i++)
		if (i >= sh->nk || !key_same(&sh->k[i], st->keys[i]))
			list_add(&sh->dk, i);
	for (i = 0; i < st->nvendors; i++)
		if (i >= sh->nv || !vendor_same(&sh->v[i], st->vendors[i]))
			list_add(&sh->dv, i);
	for (i = 0; i < st->nobs; i++)
		if (i >= sh->no || !obs_same(&sh->o[i], st->obs[i]))
			list_add(&sh->dobs, i);
	for (i = 0; i < st->ncounters; i++)
		if (i >= sh->nc || sh->c[i] != st->counters[i].value)
			list_add(&sh->dc, i);
	sh->head = sh->now != st->now || sh->run_at != st->run_at ||
	    sh->run_ok != st->run_ok ||
	    sh->simulated_since != st->simulated_since;
	c->keys = sh->dk.v;
	c->nkeys = sh->dk.n;
	c->vendors = sh->dv.v;
	c->nvendors = sh->dv.n;
	c->obs = sh->dobs.v;
	c->nobs = sh->dobs.n;
	c->counters = sh->dc.v;
	c->ncounters = sh->dc.n;
	c->head = sh->head;
}

bool
ksstate_changed(struct ksstate *st)
{
	struct ksstate_changes c;

	ksstate_find_changes(st, &c);
	return c.head || c.nkeys > 0 || c.nvendors > 0 || c.nobs > 0 ||
	    c.ncounters > 0 || st->njournal > 0;
}

/* Takes the copies of the records listed (all when all). */
static void
store_listed(struct ksstate *st, bool all)
{
	struct ksstate_shadow *sh = shadow(st);
	size_t i, j;

	sh->k = reserve(sh->k, st->nkeys, &sh->capk, sizeof(*sh->k));
	sh->v = reserve(sh->v, st->nvendors, &sh->capv, sizeof(*sh->v));
	sh->o = reserve(sh->o, st->nobs, &sh->capo, sizeof(*sh->o));
	sh->c = reserve(sh->c, st->ncounters, &sh->capc, sizeof(*sh->c));
	for (j = 0; j < (all ? st->nkeys : sh->dk.n); j++) {
		i = all ? j : sh->dk.v[j];
		key_store(&sh->k[i], st->keys[i]);
	}
	for (j = 0; j < (all ? st->nvendors : sh->dv.n); j++) {
		i = all ? j : sh->dv.v[j];
		vendor_store(&sh->v[i], st->vendors[i]);
	}
	for (j = 0; j < (all ? st->nobs : sh->dobs.n); j++) {
		i = all ? j : sh->dobs.v[j];
		obs_store(&sh->o[i], st->obs[i]);
	}
	for (j = 0; j < (all ? st->ncounters : sh->dc.n); j++) {
		i = all ? j : sh->dc.v[j];
		sh->c[i] = st->counters[i].value;
	}
	/* every record listed is stored, and those before them were */
	sh->nk = st->nkeys;
	sh->nv = st->nvendors;
	sh->no = st->nobs;
	sh->nc = st->ncounters;
	sh->now = st->now;
	sh->run_at = st->run_at;
	sh->run_ok = st->run_ok;
	sh->simulated_since = st->simulated_since;
	sh->dk.n = sh->dv.n = sh->dobs.n = sh->dc.n = 0;
}

void
ksstate_mark_stored(struct ksstate *st)
{
	store_listed(st, true);
}

void
ksstate_group_stored(struct ksstate *st)
{
	store_listed(st, false);
}

static void
shadow_free(struct ksstate_shadow *sh)
{
	size_t i;

	if (sh == NULL)
		return;
	for (i = 0; i < sh->capk; i++) {
		free(sh->k[i].error);
		free(sh->k[i].reason);
		free(sh->k[i].vendor);
	}
	for (i = 0; i < sh->capv; i++) {
		free(sh->v[i].error);
		free(sh->v[i].stall);
	}
	for (i = 0; i < sh->capo; i++)
		free(sh->o[i].target);
	free(sh->k);
	free(sh->v);
	free(sh->o);
	free(sh->c);
	free(sh->dk.v);
	free(sh->dv.v);
	free(sh->dobs.v);
	free(sh->dc.v);
	free(sh);
}

struct ks_key *
ksstate_key_put(struct ksstate *st, const struct ks_key *k)
{
	size_t i = k->domain != NULL && k->selector != NULL ?
	    ksstate_find(st, k->domain, k->selector) : KSSTATE_NONE;
	struct ks_key *d;
	char *vendor, *domain, *selector, *error, *reason;
	unsigned char *pub;

	if (i == KSSTATE_NONE)
		return ksstate_append(st, k);
	d = st->keys[i];
	pub = d->pub;
	vendor = d->vendor;
	domain = d->domain;
	selector = d->selector;
	error = d->error;
	reason = d->reason;
	*d = *k;
	d->vendor = vendor;
	d->domain = domain;
	d->selector = selector;
	d->error = error;
	d->reason = reason;
	/* a key's pub never changes; a line that says otherwise wins */
	if (k->publen > 0) {
		pub = xrealloc(pub, k->publen);
		memmove(pub, k->pub, k->publen);
	}
	d->pub = pub;
	set_str(&d->vendor, k->vendor);
	ksstate_text_set(&d->error, k->error, KSSTATE_TEXT_MAX);
	ksstate_text_set(&d->reason, k->reason, KSSTATE_TEXT_MAX);
	return d;
}

struct ks_vendor *
ksstate_vendor_put(struct ksstate *st, const struct ks_vendor *v)
{
	struct ks_vendor *d = v->name != NULL ?
	    ksstate_vendor(st, v->name, false) : NULL;
	char *name, *error, *stall;

	if (d == NULL)
		return ksstate_vendor_append(st, v);
	name = d->name;
	error = d->error;
	stall = d->stall;
	*d = *v;
	d->name = name;
	d->error = error;
	d->stall = stall;
	ksstate_text_set(&d->error, v->error, KSSTATE_TEXT_MAX);
	ksstate_text_set(&d->stall, v->stall, KSSTATE_TEXT_MAX);
	return d;
}

struct ks_observation *
ksstate_observation_put(struct ksstate *st, const struct ks_observation *o)
{
	struct ks_observation *d = o->vendor != NULL && o->selector != NULL ?
	    ksstate_observation(st, o->vendor, o->selector, false) : NULL;
	char *vendor, *selector, *target;

	if (d == NULL)
		return ksstate_observation_append(st, o);
	vendor = d->vendor;
	selector = d->selector;
	target = d->target;
	*d = *o;
	d->vendor = vendor;
	d->selector = selector;
	d->target = target;
	ksstate_text_set(&d->target, o->target, KSSTATE_TARGET_MAX);
	return d;
}
