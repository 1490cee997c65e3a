/*
 * ksetcd.c - the etcd v3 JSON gateway client of ksetcd.h: requests built
 * as JSON with base64 keys and values, POSTed with libcurl to one member
 * after another, answers read with ksjson.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>

#include <curl/curl.h>
#include <sodium.h>

#include "ksetcd.h"
#include "ksfile.h"
#include "ksjson.h"
#include "support/log.h"
#include "support/util.h"

#define ANSWER_MAX ((size_t)256 << 20)

struct ksetcd {
	char **ep;
	size_t nep, cur;
	CURL *curl;
	struct curl_slist *hdrs;
	char *ca, *cert, *key;
	char *user, *password_file;
	long timeout_ms;
	bool quiet, global;
	int code; /* the last failure's exit status */
	struct buf body;
	char errbuf[CURL_ERROR_SIZE];
	char msg[512];
};

static const char *const targets[] = { "VERSION", "CREATE", "MOD" };
static const char *const target_fields[] = { "version", "create_revision",
	"mod_revision" };
static const char *const results[] = { "EQUAL", "NOT_EQUAL", "GREATER",
	"LESS" };

static void fail(struct ksetcd *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct ksetcd *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->code = code;
	if (!c->quiet)
		log_fail(code, "%s", c->msg);
}

/* HOST:PORT, HOST a name, an IPv4 address or a bracketed IPv6 one. */
static bool
endpoint_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hlen;

	if (colon == NULL || colon == s ||
	    util_parse_uint(colon + 1, 1, 65535, &port) == -1)
		return false;
	hlen = (size_t)(colon - s);
	if (s[0] == '[')
		return hlen > 2 && s[hlen - 1] == ']' &&
		    strspn(s + 1, "0123456789abcdefABCDEF:.") == hlen - 2;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == hlen;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	n *= size;
	if (b->len + n > ANSWER_MAX)
		return 0;
	buf_add(b, p, n);
	return n;
}

static int authenticate(struct ksetcd *c);

struct ksetcd *
ksetcd_new(const char *endpoints, const struct ksetcd_opts *opts)
{
	struct ksetcd *c = xcalloc(1, sizeof(*c));
	char *list = xstrdup(endpoints), *rest = list, *t;
	CURLcode e = CURLE_OK;

	while (*endpoints != '\0' && (t = strsep(&rest, ",")) != NULL) {
		if (!endpoint_ok(t)) {
			log_fail(EX_CONFIG, "keystore: etcd endpoint %s: "
			    "not HOST:PORT", t);
			goto fail;
		}
		c->ep = xrealloc(c->ep, (c->nep + 1) * sizeof(*c->ep));
		c->ep[c->nep++] = xstrdup(t);
	}
	if (c->nep == 0) {
		log_fail(EX_CONFIG, "keystore: etcd: no endpoint");
		goto fail;
	}
	if (opts != NULL) {
		c->ca = opts->ca ? xstrdup(opts->ca) : NULL;
		c->cert = opts->cert ? xstrdup(opts->cert) : NULL;
		c->key = opts->key ? xstrdup(opts->key) : NULL;
		c->user = opts->user ? xstrdup(opts->user) : NULL;
		c->password_file = opts->password_file ?
		    xstrdup(opts->password_file) : NULL;
		c->timeout_ms = opts->timeout_ms;
	}
	if (c->timeout_ms <= 0)
		c->timeout_ms = 5000;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c->global = true, c->curl = curl_easy_init()) == NULL ||
	    (c->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL) {
		log_fail(EX_IOERR, "keystore: etcd: cannot set up libcurl");
		goto fail;
	}
	e |= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	e |= curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	e |= curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	e |= curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	e |= curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    c->timeout_ms < 2000 ? c->timeout_ms : 2000L);
	e |= curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "dkimkeys");
	e |= curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	e |= curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	e |= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	e |= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
	if (c->ca != NULL) {
		e |= curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca);
		e |= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
		e |= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c->cert != NULL)
		e |= curl_easy_setopt(c->curl, CURLOPT_SSLCERT, c->cert);
	if (c->key != NULL)
		e |= curl_easy_setopt(c->curl, CURLOPT_SSLKEY, c->key);
	if (e != CURLE_OK) {
		log_fail(EX_IOERR, "keystore: etcd: cannot set up libcurl");
		goto fail;
	}
	if (c->user != NULL && authenticate(c) == -1)
		goto fail;
	free(list);
	return c;
fail:
	free(list);
	ksetcd_free(c);
	return NULL;
}

void
ksetcd_free(struct ksetcd *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nep; i++)
		free(c->ep[i]);
	free(c->ep);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdrs);
	if (c->global)
		curl_global_cleanup();
	free(c->ca);
	free(c->cert);
	free(c->key);
	free(c->user);
	free(c->password_file);
	buf_free(&c->body);
	free(c);
}

void
ksetcd_quiet(struct ksetcd *c, bool quiet)
{
	c->quiet = quiet;
}

const char *
ksetcd_error(const struct ksetcd *c)
{
	return c->msg;
}

/* An error answer's message ("message", else "error"), or the status. */
static void
error_text(const char *body, size_t len, long status, char *out, size_t olen,
    int64_t *code)
{
	struct ksjson d;
	const char *m = NULL;
	char err[100];

	*code = -1;
	if (ksjson_parse(body, len, &d, err, sizeof(err)) == 0) {
		const struct ksjson_node *root = &d.n[0];

		if ((m = ksjson_str(&d, ksjson_get(&d, root, "message"),
		    NULL)) == NULL)
			m = ksjson_str(&d, ksjson_get(&d, root, "error"), NULL);
		(void)ksjson_int(&d, ksjson_get(&d, root, "code"), code);
	}
	if (m != NULL && *m != '\0')
		snprintf(out, olen, "%s", m);
	else if (len > 0 && body != NULL)
		/* a plain-text answer (the gateway's own refusals): its first
		 * line, printable only */
		snprintf(out, olen, "HTTP status %ld: %.*s", status,
		    (int)strcspn(body, "\r\n"), body);
	else
		snprintf(out, olen, "HTTP status %ld", status);
	for (char *q = out; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			*q = '?';
	ksjson_free(&d);
}

/* One member's answer to a request: 0 (body in c->body), 1 to try the
 * next member (why in why), -1 failed (logged). */
static int
post_one(struct ksetcd *c, const char *ep, const char *path, const char *json,
    char *why, size_t wlen)
{
	char *url = xasprintf("%s://%s%s", c->ca ? "https" : "http", ep, path);
	long status = 0;
	int64_t code;
	CURLcode rc;
	char text[300];

	c->body.len = 0;
	c->errbuf[0] = '\0';
	if (curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, json) != CURLE_OK) {
		free(url);
		fail(c, EX_IOERR, "keystore: etcd: cannot set up libcurl");
		return -1;
	}
	free(url);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		snprintf(why, wlen, "%s: %s", ep, c->errbuf[0] ? c->errbuf :
		    curl_easy_strerror(rc));
		return 1;
	}
	(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		return 0;
	error_text(c->body.data, c->body.len, status, text, sizeof(text),
	    &code);
	/* unavailable (no leader, stopping) or a deadline: another member */
	if (status == 503 || status == 504 || code == 14 || code == 4) {
		snprintf(why, wlen, "%s: %s", ep, text);
		return 1;
	}
	/* refused credentials or rights: 77 (etcd says some as code 3) */
	fail(c, code == 7 || code == 16 || status == 401 || status == 403 ||
	    strstr(text, "authentication failed") != NULL ||
	    strstr(text, "permission denied") != NULL ? EX_NOPERM : EX_IOERR,
	    "keystore: etcd %s: %s: %s", ep, path, text);
	return -1;
}

/* POSTs json to path on the members from the last one that answered;
 * the answer parsed into doc (to be freed either way). */
static int
post(struct ksetcd *c, const char *path, const char *json, struct ksjson *doc)
{
	char why[400] = "", err[200];
	int r = 1;

	memset(doc, 0, sizeof(*doc));
	for (size_t i = 0; i < c->nep && r == 1; i++) {
		size_t at = (c->cur + i) % c->nep;

		r = post_one(c, c->ep[at], path, json, why, sizeof(why));
		if (r == 0)
			c->cur = at;
		else if (r == 1)
			log_debug("keystore: etcd %s (next member)", why);
	}
	if (r == 1) {
		fail(c, EX_UNAVAILABLE, "keystore: etcd: no member answers "
		    "(last: %s)", why);
		return -1;
	}
	if (r == -1)
		return -1;
	if (ksjson_parse(c->body.data ? c->body.data : "", c->body.len, doc,
	    err, sizeof(err)) == -1 || doc->n[0].type != KSJSON_OBJ) {
		fail(c, EX_DATAERR, "keystore: etcd %s: %s: an answer not "
		    "understood (%s)", c->ep[c->cur], path, err);
		return -1;
	}
	return 0;
}

/* etcd_user: the password's token, sent with every request after. */
static int
authenticate(struct ksetcd *c)
{
	unsigned char *pw = NULL;
	struct buf b = { NULL, 0, 0 };
	struct ksjson d;
	const char *tok;
	char *hdr = NULL;
	size_t len;
	int rc = -1;

	if (ksfile_read(AT_FDCWD, c->password_file, c->password_file, 1024,
	    &pw, &len) == -1)
		return -1;
	len = strcspn((char *)pw, "\r\n");
	pw[len] = '\0';
	buf_puts(&b, "{\"name\":");
	buf_json_str(&b, c->user);
	buf_puts(&b, ",\"password\":");
	buf_json_str(&b, (char *)pw);
	buf_puts(&b, "}");
	sodium_memzero(pw, len);
	if (post(c, "/v3/auth/authenticate", b.data, &d) == 0) {
		if ((tok = ksjson_str(&d, ksjson_get(&d, &d.n[0], "token"),
		    NULL)) != NULL && *tok != '\0' &&
		    strpbrk(tok, "\r\n") == NULL) {
			hdr = xasprintf("Authorization: %s", tok);
			c->hdrs = curl_slist_append(c->hdrs, hdr);
			if (c->hdrs != NULL && curl_easy_setopt(c->curl,
			    CURLOPT_HTTPHEADER, c->hdrs) == CURLE_OK)
				rc = 0;
		} else
			fail(c, EX_DATAERR, "keystore: etcd: authenticate: no "
			    "token in the answer");
	}
	ksjson_free(&d);
	if (b.data != NULL)
		sodium_memzero(b.data, b.len);
	buf_free(&b);
	free(hdr);
	free(pw);
	return rc;
}

static void
add_b64(struct buf *b, const char *name, const void *p, size_t n)
{
	char *s = util_b64_encode(p, n);

	buf_printf(b, "\"%s\":\"%s\"", name, s);
	free(s);
}

/* A base64 string node into a malloc'd NUL-terminated buffer; a missing
 * node is the empty string (etcd leaves empty values out). */
static int
b64_node(const struct ksjson *d, const struct ksjson_node *n,
    unsigned char **out, size_t *olen)
{
	const char *s = "";
	size_t slen = 0;
	long got;

	if (n != NULL && (s = ksjson_str(d, n, &slen)) == NULL)
		return -1;
	*out = xmalloc(slen / 4 * 3 + 3);
	if ((got = util_b64_decode(s, slen, *out, slen / 4 * 3 + 2,
	    false)) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	(*out)[got] = '\0';
	*olen = (size_t)got;
	return 0;
}

/* An int64 member, 0 when left out (as etcd leaves out zeros). */
static int
int_member(const struct ksjson *d, const struct ksjson_node *obj,
    const char *name, int64_t *out)
{
	const struct ksjson_node *n = ksjson_get(d, obj, name);

	*out = 0;
	return n == NULL ? 0 : ksjson_int(d, n, out);
}

static int
parse_kvs(const struct ksjson *d, const struct ksjson_node *res,
    struct ksetcd_kvs *out, char *err, size_t errlen)
{
	const struct ksjson_node *kvs = ksjson_get(d, res, "kvs"), *k;
	const struct ksjson_node *hdr = ksjson_get(d, res, "header");

	memset(out, 0, sizeof(*out));
	if (res == NULL || res->type != KSJSON_OBJ ||
	    (kvs != NULL && kvs->type != KSJSON_ARR) ||
	    int_member(d, hdr, "revision", &out->rev) == -1) {
		snprintf(err, errlen, "not a range answer");
		return -1;
	}
	out->more = ksjson_true(d, ksjson_get(d, res, "more"));
	for (k = ksjson_first(d, kvs); k != NULL; k = ksjson_next(d, k)) {
		struct ksetcd_kv kv = { 0 };

		if (k->type != KSJSON_OBJ ||
		    b64_node(d, ksjson_get(d, k, "key"), &kv.key,
		    &kv.klen) == -1 || kv.klen == 0 ||
		    b64_node(d, ksjson_get(d, k, "value"), &kv.value,
		    &kv.vlen) == -1 ||
		    int_member(d, k, "create_revision", &kv.create_rev) == -1 ||
		    int_member(d, k, "mod_revision", &kv.mod_rev) == -1 ||
		    int_member(d, k, "version", &kv.version) == -1 ||
		    int_member(d, k, "lease", &kv.lease) == -1) {
			ksetcd_kv_free(&kv);
			ksetcd_kvs_free(out);
			snprintf(err, errlen, "a malformed key-value");
			return -1;
		}
		out->kv = xrealloc(out->kv, (out->n + 1) * sizeof(*out->kv));
		out->kv[out->n++] = kv;
	}
	return 0;
}

int
ksetcd_parse_range(const char *body, size_t len, struct ksetcd_kvs *out,
    char *err, size_t errlen)
{
	struct ksjson d;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (ksjson_parse(body, len, &d, err, errlen) == 0)
		rc = parse_kvs(&d, &d.n[0], out, err, errlen);
	ksjson_free(&d);
	return rc;
}

static int
parse_txn(const struct ksjson *d, bool *ok, int64_t *rev,
    struct ksetcd_kvs *range, char *err, size_t errlen)
{
	const struct ksjson_node *root = &d->n[0], *r, *rr = NULL;
	const struct ksjson_node *resp = ksjson_get(d, root, "responses");

	if (range != NULL)
		memset(range, 0, sizeof(*range));
	if (root->type != KSJSON_OBJ || (resp != NULL &&
	    resp->type != KSJSON_ARR) || int_member(d, ksjson_get(d, root,
	    "header"), "revision", rev) == -1) {
		snprintf(err, errlen, "not a transaction's answer");
		return -1;
	}
	*ok = ksjson_true(d, ksjson_get(d, root, "succeeded"));
	for (r = ksjson_first(d, resp); r != NULL && rr == NULL;
	    r = ksjson_next(d, r))
		rr = ksjson_get(d, r, "response_range");
	if (range == NULL || rr == NULL)
		return 0;
	return parse_kvs(d, rr, range, err, errlen);
}

int
ksetcd_parse_txn(const char *body, size_t len, bool *ok, int64_t *rev,
    struct ksetcd_kvs *range, char *err, size_t errlen)
{
	struct ksjson d;
	int rc = -1;

	if (range != NULL)
		memset(range, 0, sizeof(*range));
	if (ksjson_parse(body, len, &d, err, errlen) == 0)
		rc = parse_txn(&d, ok, rev, range, err, errlen);
	ksjson_free(&d);
	return rc;
}

unsigned char *
ksetcd_prefix_end(const void *prefix, size_t plen, size_t *elen)
{
	const unsigned char *p = prefix;
	unsigned char *end;
	size_t n = plen;

	while (n > 0 && p[n - 1] == 0xff)
		n--;
	if (n == 0) {
		end = xcalloc(1, 2);
		*elen = 1;
		return end;
	}
	end = xmalloc(n + 1);
	memcpy(end, p, n);
	end[n - 1]++;
	end[n] = 0;
	*elen = n;
	return end;
}

static void
range_body(struct buf *b, const void *key, size_t klen, const void *end,
    size_t elen)
{
	buf_puts(b, "{");
	add_b64(b, "key", key, klen);
	if (end != NULL) {
		buf_puts(b, ",");
		add_b64(b, "range_end", end, elen);
	}
}

int
ksetcd_range(struct ksetcd *c, const void *key, size_t klen, const void *end,
    size_t elen, int64_t rev, int64_t limit, bool keys_only,
    struct ksetcd_kvs *out)
{
	struct buf b = { 0 };
	struct ksjson d;
	char err[200];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	range_body(&b, key, klen, end, elen);
	if (rev > 0)
		buf_printf(&b, ",\"revision\":\"%lld\"", (long long)rev);
	if (limit > 0)
		buf_printf(&b, ",\"limit\":\"%lld\"", (long long)limit);
	if (keys_only)
		buf_puts(&b, ",\"keys_only\":true");
	buf_puts(&b, "}");
	if (post(c, "/v3/kv/range", b.data, &d) == 0) {
		if (parse_kvs(&d, &d.n[0], out, err, sizeof(err)) == 0)
			rc = 0;
		else
			fail(c, EX_DATAERR, "keystore: etcd %s: range: %s",
			    c->ep[c->cur], err);
	}
	ksjson_free(&d);
	buf_free(&b);
	return rc;
}

int
ksetcd_get(struct ksetcd *c, const void *key, size_t klen,
    struct ksetcd_kv *out)
{
	struct ksetcd_kvs r;

	memset(out, 0, sizeof(*out));
	if (ksetcd_range(c, key, klen, NULL, 0, 0, 0, false, &r) == -1)
		return -1;
	if (r.n == 0) {
		ksetcd_kvs_free(&r);
		return 0;
	}
	*out = r.kv[0];
	memset(&r.kv[0], 0, sizeof(r.kv[0]));
	ksetcd_kvs_free(&r);
	return 1;
}

static void
put_body(struct buf *b, const void *key, size_t klen, const void *value,
    size_t vlen, int64_t lease)
{
	buf_puts(b, "{");
	add_b64(b, "key", key, klen);
	buf_puts(b, ",");
	add_b64(b, "value", value, vlen);
	if (lease != 0)
		buf_printf(b, ",\"lease\":\"%lld\"", (long long)lease);
	buf_puts(b, "}");
}

int
ksetcd_put(struct ksetcd *c, const void *key, size_t klen, const void *value,
    size_t vlen, int64_t lease)
{
	struct buf b = { 0 };
	struct ksjson d;
	int rc;

	put_body(&b, key, klen, value, vlen, lease);
	rc = post(c, "/v3/kv/put", b.data, &d);
	ksjson_free(&d);
	buf_free(&b);
	return rc;
}

static void
ops_body(struct buf *b, const char *name, const struct ksetcd_op *ops,
    size_t n)
{
	buf_printf(b, "\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		const struct ksetcd_op *o = &ops[i];

		buf_puts(b, i ? ",{" : "{");
		if (o->kind == KSETCD_PUT) {
			buf_puts(b, "\"requestPut\":");
			put_body(b, o->key, o->klen, o->value, o->vlen,
			    o->lease);
		} else {
			buf_puts(b, o->kind == KSETCD_DELETE ?
			    "\"requestDeleteRange\":" : "\"requestRange\":");
			range_body(b, o->key, o->klen, o->end, o->elen);
			buf_puts(b, "}");
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
}

int
ksetcd_txn(struct ksetcd *c, const struct ksetcd_cmp *cmp, size_t ncmp,
    const struct ksetcd_op *ops, size_t nops, const struct ksetcd_op *else_ops,
    size_t nelse, bool *ok, int64_t *rev, struct ksetcd_kvs *range)
{
	struct buf b = { 0 };
	struct ksjson d;
	char err[200];
	int rc = -1;

	if (range != NULL)
		memset(range, 0, sizeof(*range));
	buf_puts(&b, "{\"compare\":[");
	for (size_t i = 0; i < ncmp; i++) {
		buf_puts(&b, i ? ",{" : "{");
		add_b64(&b, "key", cmp[i].key, cmp[i].klen);
		buf_printf(&b, ",\"target\":\"%s\",\"result\":\"%s\","
		    "\"%s\":\"%lld\"}", targets[cmp[i].target],
		    results[cmp[i].result], target_fields[cmp[i].target],
		    (long long)cmp[i].value);
	}
	buf_puts(&b, "],");
	ops_body(&b, "success", ops, nops);
	buf_puts(&b, ",");
	ops_body(&b, "failure", else_ops, nelse);
	buf_puts(&b, "}");
	if (post(c, "/v3/kv/txn", b.data, &d) == 0) {
		if (parse_txn(&d, ok, rev, range, err, sizeof(err)) == 0)
			rc = 0;
		else
			fail(c, EX_DATAERR, "keystore: etcd %s: txn: %s",
			    c->ep[c->cur], err);
	}
	ksjson_free(&d);
	buf_free(&b);
	return rc;
}

int
ksetcd_lease_grant(struct ksetcd *c, int64_t ttl, int64_t *id,
    int64_t *granted)
{
	char body[64];
	struct ksjson d;
	int rc = -1;

	snprintf(body, sizeof(body), "{\"TTL\":\"%lld\"}", (long long)ttl);
	if (post(c, "/v3/lease/grant", body, &d) == 0) {
		if (int_member(&d, &d.n[0], "ID", id) == 0 && *id != 0 &&
		    int_member(&d, &d.n[0], "TTL", granted) == 0)
			rc = 0;
		else
			fail(c, EX_DATAERR, "keystore: etcd %s: lease grant: "
			    "no lease in the answer", c->ep[c->cur]);
	}
	ksjson_free(&d);
	return rc;
}

int
ksetcd_lease_keepalive(struct ksetcd *c, int64_t id, int64_t *ttl)
{
	const struct ksjson_node *res;
	char body[64];
	struct ksjson d;
	int rc = -1;

	snprintf(body, sizeof(body), "{\"ID\":\"%lld\"}", (long long)id);
	if (post(c, "/v3/lease/keepalive", body, &d) == 0) {
		res = ksjson_get(&d, &d.n[0], "result");
		if (res != NULL && int_member(&d, res, "TTL", ttl) == 0)
			rc = 0;
		else
			fail(c, EX_DATAERR, "keystore: etcd %s: lease "
			    "keepalive: not understood", c->ep[c->cur]);
	}
	ksjson_free(&d);
	return rc;
}

int
ksetcd_lease_revoke(struct ksetcd *c, int64_t id)
{
	char body[64];
	struct ksjson d;
	int rc;
	bool q = c->quiet;

	snprintf(body, sizeof(body), "{\"ID\":\"%lld\"}", (long long)id);
	/* a lease gone already ("not found") is what was wanted */
	c->quiet = true;
	rc = post(c, "/v3/lease/revoke", body, &d);
	c->quiet = q;
	if (rc == -1 && strstr(c->msg, "lease not found") != NULL)
		rc = 0;
	else if (rc == -1 && !q)
		log_fail(c->code, "%s", c->msg);
	ksjson_free(&d);
	return rc;
}

int
ksetcd_parse_watch(const char *line, size_t len, char *err, size_t errlen)
{
	const struct ksjson_node *res, *ev, *e;
	struct ksjson d;
	int64_t compacted = 0;
	int rc = -1;

	if (ksjson_parse(line, len, &d, err, errlen) == 0) {
		res = ksjson_get(&d, &d.n[0], "result");
		ev = ksjson_get(&d, res, "events");
		if (res == NULL || res->type != KSJSON_OBJ ||
		    (ev != NULL && ev->type != KSJSON_ARR))
			snprintf(err, errlen, "not a watch answer");
		else if (ksjson_true(&d, ksjson_get(&d, res, "canceled")) ||
		    (int_member(&d, res, "compact_revision", &compacted) ==
		    0 && compacted != 0))
			snprintf(err, errlen, "the watch was canceled");
		else {
			rc = 0;
			for (e = ksjson_first(&d, ev); e != NULL && rc == 0;
			    e = ksjson_next(&d, e)) {
				const char *t = ksjson_str(&d,
				    ksjson_get(&d, e, "type"), NULL);

				if (t != NULL && strcmp(t, "DELETE") == 0)
					rc = 1;
			}
		}
	}
	ksjson_free(&d);
	return rc;
}

struct watch {
	struct buf line;
	int seen; /* 1 a delete, -1 a refusal, 0 nothing yet */
	char err[200];
};

/* The stream's answers, one a line: stops it (0) at a delete or a
 * refusal. */
static size_t
on_watch(char *p, size_t size, size_t n, void *arg)
{
	struct watch *w = arg;
	char *nl;

	n *= size;
	if (w->line.len + n > ANSWER_MAX)
		return 0;
	buf_add(&w->line, p, n);
	while (w->seen == 0 && (nl = memchr(w->line.data, '\n',
	    w->line.len)) != NULL) {
		size_t len = (size_t)(nl - w->line.data);

		if (len > 0)
			w->seen = ksetcd_parse_watch(w->line.data, len, w->err,
			    sizeof(w->err));
		memmove(w->line.data, nl + 1, w->line.len - len - 1);
		w->line.len -= len + 1;
	}
	return w->seen == 0 ? n : 0;
}

int
ksetcd_watch_delete(struct ksetcd *c, const void *key, size_t klen,
    int64_t from, long ms)
{
	const char *ep = c->ep[c->cur];
	char *url = xasprintf("%s://%s/v3/watch", c->ca ? "https" : "http",
	    ep);
	struct watch w = { { 0 }, 0, "" };
	struct buf b = { 0 };
	CURLcode rc = CURLE_OK;
	long status = 0;

	buf_puts(&b, "{\"create_request\":{");
	add_b64(&b, "key", key, klen);
	buf_printf(&b, ",\"start_revision\":\"%lld\"}}", (long long)from);
	c->errbuf[0] = '\0';
	rc |= curl_easy_setopt(c->curl, CURLOPT_URL, url);
	rc |= curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, b.data);
	rc |= curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, ms);
	rc |= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_watch);
	rc |= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &w);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c->curl);
	(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	(void)curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
	free(url);
	buf_free(&b);
	buf_free(&w.line);
	if (w.seen == 1)
		return 1;
	if (w.seen == 0 && status == 200 && rc == CURLE_OPERATION_TIMEDOUT)
		return 0;
	log_debug("keystore: etcd %s: watch: %s", ep, w.seen == -1 ? w.err :
	    c->errbuf[0] ? c->errbuf : rc != CURLE_OK ?
	    curl_easy_strerror(rc) : "the stream ended");
	return -1;
}

void
ksetcd_kv_free(struct ksetcd_kv *kv)
{
	if (kv == NULL)
		return;
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void
ksetcd_kvs_free(struct ksetcd_kvs *kvs)
{
	if (kvs == NULL)
		return;
	for (size_t i = 0; i < kvs->n; i++)
		ksetcd_kv_free(&kvs->kv[i]);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}
