/*
 * fuzz_ksjson.c - the bounded JSON reader (src/keystore/ksjson.c) and the
 * etcd gateway answers read through it (ksetcd_parse_range, _txn,
 * _watch): bytes from the network. The first octet picks: 0 the reader
 * alone, its tree walked and checked, written out again and read back the
 * same; 1 a range answer; 2 a transaction's; 3 a watch stream's lines.
 * The rest is the input.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "keystore/ksetcd.h"
#include "keystore/ksjson.h"
#include "support/util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* A node's checks, its children's, recursively; the nodes seen counted. */
static void
walk(const struct ksjson *d, const struct ksjson_node *n, int depth,
    size_t *seen)
{
	const struct ksjson_node *c;
	const char *s;
	size_t len, i = 0;
	int64_t v;

	FUZZ_ASSERT(depth <= KSJSON_DEPTH);
	FUZZ_ASSERT(n >= d->n && n < d->n + d->nn);
	FUZZ_ASSERT(++*seen <= d->nn);
	if (n->type == KSJSON_STR || n->type == KSJSON_NUM ||
	    n->type == KSJSON_BOOL || n->type == KSJSON_NULL) {
		FUZZ_ASSERT(n->val < d->tlen && n->len < d->tlen - n->val);
		FUZZ_ASSERT(d->text[n->val + n->len] == '\0');
	}
	s = ksjson_str(d, n, &len);
	FUZZ_ASSERT((s != NULL) == (n->type == KSJSON_STR));
	FUZZ_ASSERT(s == NULL || len == n->len);
	if (ksjson_int(d, n, &v) == 0)
		FUZZ_ASSERT(n->type == KSJSON_NUM || n->type == KSJSON_STR);
	if (ksjson_true(d, n))
		FUZZ_ASSERT(n->type == KSJSON_BOOL);
	if (n->type == KSJSON_NUM)
		FUZZ_ASSERT(n->len > 0);
	for (c = ksjson_first(d, n); c != NULL; c = ksjson_next(d, c), i++) {
		FUZZ_ASSERT(n->type == KSJSON_ARR || n->type == KSJSON_OBJ);
		FUZZ_ASSERT(c > n);
		if (n->type == KSJSON_OBJ) {
			const struct ksjson_node *g;

			FUZZ_ASSERT(c->key < d->tlen);
			/* the first member of that name, maybe this one */
			g = ksjson_get(d, n, d->text + c->key);
			FUZZ_ASSERT(g != NULL && g <= c);
			FUZZ_ASSERT(strcmp(d->text + g->key,
			    d->text + c->key) == 0);
		} else
			FUZZ_ASSERT(c->key == SIZE_MAX);
		walk(d, c, depth + 1, seen);
	}
	FUZZ_ASSERT(i <= d->nn);
}

static void
put_str(struct buf *b, const char *s, size_t len)
{
	buf_puts(b, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_add(b, &s[i], 1);
	}
	buf_puts(b, "\"");
}

/* The tree as JSON text again: member names as far as their first NUL
 * (all that ksjson_get can match). */
static void
emit(const struct ksjson *d, const struct ksjson_node *n, struct buf *b)
{
	const struct ksjson_node *c;

	switch (n->type) {
	case KSJSON_STR:
		put_str(b, d->text + n->val, n->len);
		return;
	case KSJSON_ARR:
	case KSJSON_OBJ:
		buf_puts(b, n->type == KSJSON_ARR ? "[" : "{");
		for (c = ksjson_first(d, n); c != NULL; c = ksjson_next(d, c)) {
			if (c != ksjson_first(d, n))
				buf_puts(b, ",");
			if (n->type == KSJSON_OBJ) {
				put_str(b, d->text + c->key,
				    strlen(d->text + c->key));
				buf_puts(b, ":");
			}
			emit(d, c, b);
		}
		buf_puts(b, n->type == KSJSON_ARR ? "]" : "}");
		return;
	default:
		buf_add(b, d->text + n->val, n->len);
		return;
	}
}

/* Both trees the same: types, strings and tokens, member names. */
static void
same(const struct ksjson *a, const struct ksjson_node *x,
    const struct ksjson *b, const struct ksjson_node *y)
{
	const struct ksjson_node *cx, *cy;

	FUZZ_ASSERT(x->type == y->type);
	if (x->type != KSJSON_ARR && x->type != KSJSON_OBJ) {
		FUZZ_ASSERT(x->len == y->len);
		FUZZ_ASSERT(memcmp(a->text + x->val, b->text + y->val,
		    x->len) == 0);
		return;
	}
	for (cx = ksjson_first(a, x), cy = ksjson_first(b, y);
	    cx != NULL && cy != NULL;
	    cx = ksjson_next(a, cx), cy = ksjson_next(b, cy)) {
		if (x->type == KSJSON_OBJ)
			FUZZ_ASSERT(strcmp(a->text + cx->key,
			    b->text + cy->key) == 0);
		same(a, cx, b, cy);
	}
	FUZZ_ASSERT(cx == NULL && cy == NULL);
}

static void
one_json(const char *in, size_t len)
{
	struct ksjson d, d2;
	struct buf b = { 0 }, b2 = { 0 };
	char err[128] = "";
	size_t seen = 0;

	if (ksjson_parse(in, len, &d, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0' && strlen(err) < sizeof(err));
		ksjson_free(&d);
		return;
	}
	FUZZ_ASSERT(d.nn > 0);
	walk(&d, &d.n[0], 0, &seen);
	FUZZ_ASSERT(seen == d.nn);
	emit(&d, &d.n[0], &b);
	FUZZ_ASSERT(ksjson_parse(b.data, b.len, &d2, err, sizeof(err)) == 0);
	same(&d, &d.n[0], &d2, &d2.n[0]);
	emit(&d2, &d2.n[0], &b2);
	FUZZ_ASSERT(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
	ksjson_free(&d2);
	ksjson_free(&d);
	buf_free(&b2);
	buf_free(&b);
}

static void
check_kvs(const struct ksetcd_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		FUZZ_ASSERT(kvs->kv[i].key != NULL && kvs->kv[i].klen > 0);
		FUZZ_ASSERT(kvs->kv[i].key[kvs->kv[i].klen] == '\0');
		FUZZ_ASSERT(kvs->kv[i].value != NULL);
		FUZZ_ASSERT(kvs->kv[i].value[kvs->kv[i].vlen] == '\0');
	}
}

static void
one_range(const char *in, size_t len)
{
	struct ksetcd_kvs kvs;
	char err[128] = "";

	if (ksetcd_parse_range(in, len, &kvs, err, sizeof(err)) == 0)
		check_kvs(&kvs);
	else
		FUZZ_ASSERT(err[0] != '\0' && kvs.n == 0 && kvs.kv == NULL);
	ksetcd_kvs_free(&kvs);
}

static void
one_txn(const char *in, size_t len)
{
	struct ksetcd_kvs kvs;
	char err[128] = "";
	int64_t rev = 0;
	bool ok = false;

	if (ksetcd_parse_txn(in, len, &ok, &rev, &kvs, err,
	    sizeof(err)) == 0)
		check_kvs(&kvs);
	else
		FUZZ_ASSERT(err[0] != '\0');
	ksetcd_kvs_free(&kvs);
	/* without a range wanted */
	(void)ksetcd_parse_txn(in, len, &ok, &rev, NULL, err, sizeof(err));
}

/* A watch stream: each line an answer, as the stream is read. */
static void
one_watch(const char *in, size_t len)
{
	const char *nl;
	char err[128];
	int r;

	while (len > 0) {
		size_t n = (nl = memchr(in, '\n', len)) != NULL ?
		    (size_t)(nl - in) : len;

		err[0] = '\0';
		r = ksetcd_parse_watch(in, n, err, sizeof(err));
		FUZZ_ASSERT(r >= -1 && r <= 1);
		FUZZ_ASSERT(r != -1 || err[0] != '\0');
		if (nl == NULL)
			break;
		len -= n + 1;
		in += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size == 0)
		return 0;
	copy = fuzz_copy(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		one_json(copy, size - 1);
		break;
	case 1:
		one_range(copy, size - 1);
		break;
	case 2:
		one_txn(copy, size - 1);
		break;
	default:
		one_watch(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
