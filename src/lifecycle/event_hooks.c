/*
 * event_hooks.c - a key's event handed to its vendor's hooks: the
 * DKIMKEYS_* environment of SPEC section 6, the private key on standard
 * input for deploy and reveal, and what to redact from their output.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_hooks.h"
#include "lifecycle.h"
#include "dns/dnsrec.h"
#include "hooks/hooks.h"
#include "secret/keygen_io.h"
#include "support/dkim.h"
#include "support/fault.h"
#include "support/log.h"

#define MAX_VARS 64
#define MAX_REDACT 16

static const char *const event_names[KS_EV_COUNT] = { "publish", "deploy",
	"retire", "revoke", "withdraw", "destroy", "reveal" };

const char *
lc_event_name(enum ks_event ev)
{
	return ev < KS_EV_COUNT ? event_names[ev] : "?";
}

/* The environment under construction: names and values, owned. */
struct env {
	struct hook_var vars[MAX_VARS];
	char *owned[2 * MAX_VARS];
	size_t n, nowned;
};

static void
env_set(struct env *e, const char *name, const char *value)
{
	size_t i;
	char *n = xstrdup(name), *v = xstrdup(value);

	e->owned[e->nowned++] = n;
	e->owned[e->nowned++] = v;
	for (i = 0; i < e->n; i++) {
		if (strcmp(e->vars[i].name, name) == 0) {
			e->vars[i].value = v; /* vendor values win */
			return;
		}
	}
	if (e->n < MAX_VARS) {
		e->vars[e->n].name = n;
		e->vars[e->n].value = v;
		e->n++;
	}
}

static void
env_hookvars(struct env *e, const struct hookvar *hv, size_t n)
{
	char name[96];
	size_t i, j;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "DKIMKEYS_HOOK_%s", hv[i].name);
		for (j = 14; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		env_set(e, name, hv[i].value);
	}
}

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	e->n = e->nowned = 0;
}

/* The value DNS is to hold after this event, and its quoted strings. */
static void
env_txt(struct env *e, const struct vendor *v, const struct ks_key *k,
    enum ks_event ev)
{
	struct dnsrec rec;
	struct buf b = { 0 };
	char **strings;
	size_t n, i;

	if (ev == KS_EV_WITHDRAW || ev == KS_EV_DESTROY || ev == KS_EV_REVEAL) {
		env_set(e, "DKIMKEYS_TXT", "");
		env_set(e, "DKIMKEYS_TXT_STRINGS", "");
		return;
	}
	dnsrec_make(&rec, k->selector, k->domain, v->ttl, k->alg,
	    ev == KS_EV_REVOKE ? NULL : k->pub, ev == KS_EV_REVOKE ? 0 :
	    k->publen, v->testing);
	n = dnsrec_split(rec.value, &strings);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s\"%s\"", i == 0 ? "" : " ", strings[i]);
	env_set(e, "DKIMKEYS_TXT", rec.value);
	env_set(e, "DKIMKEYS_TXT_STRINGS", b.data);
	dnsrec_strings_free(strings, n);
	dnsrec_clear(&rec);
	buf_free(&b);
}

static void
env_build(struct env *e, struct lc *lc, const struct vendor *v,
    const struct ks_key *k, enum ks_event ev, const char *prev)
{
	char id[33], when[UTIL_TIME_LEN], fpr[2 * KS_FPR_LEN + 1];
	char *s;

	env_set(e, "DKIMKEYS_CONFIG", lc->cfg->path);
	env_set(e, "DKIMKEYS_HOOK_PROTOCOL", "1");
	env_hookvars(e, lc->cfg->hookvars, lc->cfg->nhookvars);
	env_hookvars(e, v->hookvars, v->nhookvars);
	ks_event_id(lc->ks, k, ev, id);
	util_hex(k->fpr, sizeof(k->fpr), fpr);
	env_set(e, "DKIMKEYS_EVENT", event_names[ev]);
	env_set(e, "DKIMKEYS_EVENT_ID", id);
	env_set(e, "DKIMKEYS_VENDOR", k->vendor);
	env_set(e, "DKIMKEYS_DOMAIN", k->domain);
	env_set(e, "DKIMKEYS_SELECTOR", k->selector);
	s = xasprintf("%s._domainkey.%s.", k->selector, k->domain);
	env_set(e, "DKIMKEYS_RECORD_NAME", s);
	free(s);
	env_set(e, "DKIMKEYS_ALGORITHM", dk_alg_name(k->alg));
	s = xasprintf("%u", k->bits);
	env_set(e, "DKIMKEYS_BITS", s);
	free(s);
	s = xasprintf("sha256:%s", fpr);
	env_set(e, "DKIMKEYS_FINGERPRINT", s);
	free(s);
	env_set(e, "DKIMKEYS_NOW", util_fmt_time(lc->now, when));
	if (lc->simulated)
		env_set(e, "DKIMKEYS_SIMULATED", "1");
	s = xasprintf("%u", (unsigned)v->ttl);
	env_set(e, "DKIMKEYS_TTL", s);
	free(s);
	env_txt(e, v, k, ev);
	if (ev == KS_EV_DEPLOY)
		env_set(e, "DKIMKEYS_PREVIOUS_SELECTOR", prev != NULL ? prev :
		    "");
	if (ev == KS_EV_DEPLOY || ev == KS_EV_REVEAL)
		env_set(e, "DKIMKEYS_KEY_FORMAT", "pkcs8-pem");
}

/* The key's texts that must never reach a log: the PEM handed over (its
 * lines are pieces of the base64 DER), and every other encoding of the
 * key (keygen_encodings). */
static size_t
redactions(const struct keypair *kp, const struct secret *pem,
    struct secret **out)
{
	out[0] = secret_from(pem->data, pem->len);
	return 1 + keygen_encodings(kp, out + 1, MAX_REDACT - 1);
}

enum hook_status
lc_hooks(struct lc *lc, const struct vendor *v, struct ks_key *k,
    enum ks_event ev, const char *prev, const struct keypair *kp)
{
	struct secret *pem = NULL, *redact[MAX_REDACT];
	struct hook_result res;
	struct hook_call call;
	struct env e;
	enum hook_status st = HOOK_OK;
	size_t i, nredact = 0;
	const char *was;

	memset(&e, 0, sizeof(e));
	memset(&call, 0, sizeof(call));
	env_build(&e, lc, v, k, ev, prev);
	if (kp != NULL && (ev == KS_EV_DEPLOY || ev == KS_EV_REVEAL)) {
		if (keygen_export(kp, KEYGEN_PEM, &pem) == -1) {
			env_free(&e);
			return HOOK_FAILED;
		}
		nredact = redactions(kp, pem, redact);
		call.input = pem;
	}
	call.event = event_names[ev];
	call.vars = e.vars;
	call.nvars = e.n;
	call.redact = (const struct secret *const *)redact;
	call.nredact = nredact;
	call.scrub = ev == KS_EV_DEPLOY || ev == KS_EV_REVEAL;
	call.timeout = lc->cfg->hook_timeout;
	call.user = lc->cfg->hook_user;
	was = log_set_vendor(v->name);
	for (i = 0; i < v->nhooks && st == HOOK_OK; i++) {
		call.path = v->hooks[i];
		memset(&res, 0, sizeof(res));
		if (hooks_run(&call, &res) == -1) {
			st = HOOK_FAILED;
			ks_set_error(lc->ks, k, "cannot run hooks", lc->now);
			break;
		}
		st = res.status;
		if (st != HOOK_OK) {
			/* its own words: the report and the cron mail say it */
			char *why = xasprintf("%s hook %s: %s%s%s",
			    event_names[ev], v->hooks[i], res.reason != NULL ?
			    res.reason : "failed", res.words != NULL ? ": " :
			    "", res.words != NULL ? res.words : "");
			ks_set_error(lc->ks, k, why, lc->now);
			free(why);
		}
		hook_result_clear(&res);
	}
	log_set_vendor(was);
	if (st == HOOK_OK)
		fault_point("hooks"); /* done, not yet committed */
	for (i = 0; i < nredact; i++)
		secret_free(redact[i]);
	secret_free(pem);
	env_free(&e);
	return st;
}

/* A batch in progress: the keys, and where the JSON lines come from. */
struct batch_ctx {
	struct lc *lc;
	const struct vendor *v;
	enum ks_event ev;
	struct ks_key **keys;
	const char *const *prev;
	int *ok;
	size_t n;
	size_t *first; /* by keystore index: the first of keys[] there */
	size_t nfirst;
	size_t *same;  /* the next of keys[] with the same key, or NONE */
};

#define NONE ((size_t)-1)

static void
json_field(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, ",\"%s\":", name);
	buf_json_str(b, value);
}

/* The i-th line without its private key: every variable of the key's
 * environment, lowercased, without the DKIMKEYS_ prefix. */
static void
batch_fields(struct batch_ctx *c, size_t i, struct buf *b)
{
	struct env e;
	char name[64];
	size_t j, k;

	memset(&e, 0, sizeof(e));
	env_build(&e, c->lc, c->v, c->keys[i], c->ev,
	    c->prev != NULL ? c->prev[i] : NULL);
	buf_puts(b, "{\"protocol\":1");
	for (j = 0; j < e.n; j++) {
		if (strncmp(e.vars[j].name, "DKIMKEYS_", 9) != 0 ||
		    strncmp(e.vars[j].name, "DKIMKEYS_HOOK_", 14) == 0 ||
		    strcmp(e.vars[j].name, "DKIMKEYS_CONFIG") == 0)
			continue;
		for (k = 0; e.vars[j].name[9 + k] != '\0' &&
		    k < sizeof(name) - 1; k++)
			name[k] = (char)tolower(
			    (unsigned char)e.vars[j].name[9 + k]);
		name[k] = '\0';
		if (strcmp(name, "txt_strings") == 0)
			continue;
		if (strcmp(name, "ttl") == 0 || strcmp(name, "bits") == 0)
			buf_printf(b, ",\"%s\":%s", name, e.vars[j].value);
		else
			json_field(b, name, e.vars[j].value);
	}
	env_free(&e);
}

/* txt_strings as a JSON array. */
static void
batch_strings(struct batch_ctx *c, size_t i, struct buf *b)
{
	const struct ks_key *k = c->keys[i];
	struct dnsrec rec;
	char **strings;
	size_t n, j;

	buf_puts(b, ",\"txt_strings\":[");
	if (c->ev <= KS_EV_REVOKE) {
		dnsrec_make(&rec, k->selector, k->domain, c->v->ttl, k->alg,
		    c->ev == KS_EV_REVOKE ? NULL : k->pub,
		    c->ev == KS_EV_REVOKE ? 0 : k->publen, c->v->testing);
		n = dnsrec_split(rec.value, &strings);
		for (j = 0; j < n; j++) {
			buf_puts(b, j ? "," : "");
			buf_json_str(b, strings[j]);
		}
		dnsrec_strings_free(strings, n);
		dnsrec_clear(&rec);
	}
	buf_puts(b, "]");
}

/* The line with the private key, escaped into guarded memory. */
static struct secret *
with_key(struct batch_ctx *c, size_t i, const struct buf *b)
{
	struct keypair kp;
	struct secret *pem = NULL, *line = NULL;
	static const char field[] = ",\"private_key\":\"";
	size_t j, len;

	if (lc_load(c->lc, c->keys[i], &kp) == -1)
		return NULL;
	if (keygen_export(&kp, KEYGEN_PEM, &pem) == 0 &&
	    (line = secret_new(b->len + sizeof(field) + 2 * pem->len + 3,
	    0)) != NULL) {
		memcpy(line->data, b->data, b->len);
		len = b->len;
		memcpy(line->data + len, field, sizeof(field) - 1);
		len += sizeof(field) - 1;
		for (j = 0; j < pem->len; j++) {
			if (pem->data[j] == '\n') {
				line->data[len++] = '\\';
				line->data[len++] = 'n';
			} else
				line->data[len++] = pem->data[j];
		}
		memcpy(line->data + len, "\"}", 2);
		line->len = len + 2;
	}
	secret_free(pem);
	keypair_clear(&kp);
	return line;
}

static int
batch_next(void *ctx, size_t i, struct secret **line)
{
	struct batch_ctx *c = ctx;
	struct buf b = { 0 };

	if (i >= c->n)
		return 0;
	batch_fields(c, i, &b);
	batch_strings(c, i, &b);
	if (c->ev == KS_EV_DEPLOY || c->ev == KS_EV_REVEAL) {
		*line = with_key(c, i, &b);
	} else {
		buf_puts(&b, "}");
		*line = secret_from(b.data, b.len);
	}
	buf_free(&b);
	return *line != NULL ? 1 : -1;
}

/* The batch's keys by their keystore index, built at the first report:
 * a hook reports each key once, so a scan per report would make a batch
 * quadratic (the keystore finds a name by hash). */
static void
index_keys(struct batch_ctx *c)
{
	size_t i, at;

	(void)ks_keys(c->lc->ks, &c->nfirst);
	c->first = xmalloc(c->nfirst * sizeof(*c->first) + 1);
	for (i = 0; i < c->nfirst; i++)
		c->first[i] = NONE;
	c->same = xcalloc(c->n, sizeof(*c->same));
	for (i = c->n; i-- > 0;) {
		at = ks_find_index(c->lc->ks, c->keys[i]->domain,
		    c->keys[i]->selector);
		c->same[i] = NONE;
		if (at >= c->nfirst)
			continue;
		c->same[i] = c->first[at];
		c->first[at] = i;
	}
}

static void
batch_report(void *ctx, const char *key, int ok, const char *reason)
{
	static const char mid[] = "._domainkey.";
	struct batch_ctx *c = ctx;
	size_t i, at, len = strlen(key);
	const char *p;
	char *sel, *dom;

	if (c->same == NULL)
		index_keys(c);
	if (len > 0 && key[len - 1] == '.')
		len--;
	/* a selector may hold dots, and in theory the label itself:
	 * try each place the name can split */
	for (p = key; (p = strstr(p, mid)) != NULL &&
	    p + sizeof(mid) - 1 <= key + len; p++) {
		sel = xstrndup(key, (size_t)(p - key));
		dom = xstrndup(p + sizeof(mid) - 1,
		    len - (size_t)(p - key) - (sizeof(mid) - 1));
		at = ks_find_index(c->lc->ks, dom, sel);
		for (i = at < c->nfirst ? c->first[at] : NONE; i != NONE;
		    i = c->same[i]) {
			c->ok[i] = ok ? 1 : -1;
			if (!ok)
				ks_set_error(c->lc->ks, c->keys[i], reason !=
				    NULL ? reason : "batch hook said fail",
				    c->lc->now);
		}
		free(sel);
		free(dom);
	}
}

/* A key a batch hook did not report: why, in the hook's own words. */
static void
unreported(struct lc *lc, struct ks_key *k, enum ks_event ev,
    const char *hook, const struct hook_result *res)
{
	char *why = xasprintf("%s batch hook %s: %s, not reported%s%s",
	    event_names[ev], hook, res->reason != NULL ? res->reason :
	    "failed", res->words != NULL ? ": " : "", res->words != NULL ?
	    res->words : "");

	ks_set_error(lc->ks, k, why, lc->now);
	free(why);
}

enum hook_status
lc_batch(struct lc *lc, const struct vendor *v, enum ks_event ev,
    struct ks_key **keys, const char *const *prev, size_t n, int *ok)
{
	int *one = xcalloc(n, sizeof(*one));
	struct batch_ctx c = { lc, v, ev, keys, prev, one, n, NULL, 0, NULL };
	struct hook_batch b;
	struct hook_result res;
	struct env e;
	enum hook_status st = HOOK_OK;
	char when[UTIL_TIME_LEN];
	const char *was;
	size_t i, k;

	memset(&e, 0, sizeof(e));
	memset(&b, 0, sizeof(b));
	env_set(&e, "DKIMKEYS_CONFIG", lc->cfg->path);
	env_set(&e, "DKIMKEYS_HOOK_PROTOCOL", "1");
	env_hookvars(&e, lc->cfg->hookvars, lc->cfg->nhookvars);
	env_hookvars(&e, v->hookvars, v->nhookvars);
	env_set(&e, "DKIMKEYS_EVENT", event_names[ev]);
	env_set(&e, "DKIMKEYS_NOW", util_fmt_time(lc->now, when));
	if (lc->simulated)
		env_set(&e, "DKIMKEYS_SIMULATED", "1");
	b.call.event = event_names[ev];
	b.call.vars = e.vars;
	b.call.nvars = e.n;
	b.call.scrub = ev == KS_EV_DEPLOY || ev == KS_EV_REVEAL;
	b.call.timeout = lc->cfg->batch_hook_timeout;
	b.call.user = lc->cfg->hook_user;
	b.next = batch_next;
	b.report = batch_report;
	b.ctx = &c;
	for (k = 0; k < n; k++)
		ok[k] = 1;
	was = log_set_vendor(v->section);
	/* a key is done when every batch hook reported it ok */
	for (i = 0; i < v->nbatch_hooks; i++) {
		memset(one, 0, n * sizeof(*one));
		b.call.path = v->batch_hooks[i];
		memset(&res, 0, sizeof(res));
		if (hooks_run_batch(&b, &res) == -1)
			res.status = HOOK_FAILED;
		if (res.status == HOOK_FAILED)
			st = HOOK_FAILED;
		else if (res.status == HOOK_RETRY && st == HOOK_OK)
			st = HOOK_RETRY;
		for (k = 0; k < n; k++) {
			if (one[k] == 0 && ok[k] != -1)
				unreported(lc, keys[k], ev, v->batch_hooks[i],
				    &res);
			/* SPEC 6: unreported after any exit but 75 (or the
			 * hook's failure) is a failure, not "not yet" */
			if (one[k] != 1 && ok[k] != -1)
				ok[k] = one[k] == 0 &&
				    res.status != HOOK_RETRY ? -1 : one[k];
		}
		hook_result_clear(&res);
	}
	log_set_vendor(was);
	free(c.first);
	free(c.same);
	free(one);
	env_free(&e);
	return st;
}
