/*
 * ksjson.c - the bounded JSON reader of ksjson.h: recursive descent over
 * RFC 8259 text, depth limited, strings decoded to UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksjson.h"
#include "support/util.h"

struct parser {
	const char *s;
	size_t len, pos;
	struct ksjson *doc;
	char *err;
	size_t errlen;
};

static int
fail(struct parser *p, const char *what)
{
	snprintf(p->err, p->errlen, "%s at octet %zu", what, p->pos);
	return -1;
}

static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static size_t
new_node(struct ksjson *d, enum ksjson_type type)
{
	if (d->nn == d->ncap) {
		d->ncap = d->ncap ? 2 * d->ncap : 16;
		d->n = xrealloc(d->n, d->ncap * sizeof(*d->n));
	}
	memset(&d->n[d->nn], 0, sizeof(d->n[0]));
	d->n[d->nn].type = type;
	d->n[d->nn].key = SIZE_MAX;
	return d->nn++;
}

static void
text_add(struct ksjson *d, const char *p, size_t n)
{
	if (d->tcap - d->tlen < n + 1) {
		while (d->tcap - d->tlen < n + 1)
			d->tcap = d->tcap ? 2 * d->tcap : 256;
		d->text = xrealloc(d->text, d->tcap);
	}
	memcpy(d->text + d->tlen, p, n);
	d->tlen += n;
}

static int
hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static void
put_utf8(struct ksjson *d, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	text_add(d, b, n);
}

static int
escape(struct parser *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned cp, lo;

	if (p->pos == p->len)
		return fail(p, "unterminated string");
	if (p->s[p->pos] != 'u') {
		if ((e = memchr(from, p->s[p->pos], sizeof(from) - 1)) == NULL)
			return fail(p, "bad escape");
		text_add(p->doc, &to[e - from], 1);
		p->pos++;
		return 0;
	}
	p->pos++;
	if (hex4(p, &cp) == -1)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u')
			return fail(p, "lone high surrogate");
		p->pos += 2;
		if (hex4(p, &lo) == -1)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(p->doc, cp);
	return 0;
}

/* A string at p->pos (its quote); its decoded text's offset and length. */
static int
string(struct parser *p, size_t *off, size_t *len)
{
	*off = p->doc->tlen;
	p->pos++;
	for (;;) {
		size_t run = p->pos;

		while (p->pos < p->len && p->s[p->pos] != '"' &&
		    p->s[p->pos] != '\\' && (unsigned char)p->s[p->pos] >= 0x20)
			p->pos++;
		text_add(p->doc, p->s + run, p->pos - run);
		if (p->pos == p->len)
			return fail(p, "unterminated string");
		if (p->s[p->pos] == '"')
			break;
		if (p->s[p->pos] != '\\')
			return fail(p, "control character in string");
		p->pos++;
		if (escape(p) == -1)
			return -1;
	}
	p->pos++;
	*len = p->doc->tlen - *off;
	text_add(p->doc, "", 1);
	return 0;
}

static size_t
digits(struct parser *p)
{
	size_t n = 0;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

static int
number(struct parser *p, size_t at)
{
	size_t start = p->pos;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (digits(p) == 0)
		return fail(p, "bad number");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad fraction");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad exponent");
	}
	p->doc->n[at].val = p->doc->tlen;
	p->doc->n[at].len = p->pos - start;
	text_add(p->doc, p->s + start, p->pos - start);
	text_add(p->doc, "", 1);
	return 0;
}

static int
literal(struct parser *p, size_t at)
{
	static const char *const words[] = { "true", "false", "null" };

	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		size_t n = strlen(words[i]);

		if (p->len - p->pos >= n && memcmp(p->s + p->pos, words[i],
		    n) == 0) {
			p->doc->n[at].type = i < 2 ? KSJSON_BOOL : KSJSON_NULL;
			p->doc->n[at].val = p->doc->tlen;
			p->doc->n[at].len = n;
			text_add(p->doc, words[i], n + 1);
			p->pos += n;
			return 0;
		}
	}
	return fail(p, "unexpected character");
}

static int value(struct parser *p, int depth, size_t *out);

/* The elements of an array or object after its opening bracket. */
static int
container(struct parser *p, int depth, size_t at, bool obj)
{
	char close = obj ? '}' : ']';
	size_t prev = 0, kv = 0, klen = 0, child;

	p->pos++;
	skip_space(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_space(p);
		if (obj) {
			if (p->pos == p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name");
			if (string(p, &kv, &klen) == -1)
				return -1;
			skip_space(p);
			if (p->pos == p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
		}
		if (value(p, depth + 1, &child) == -1)
			return -1;
		if (obj)
			p->doc->n[child].key = kv;
		if (prev == 0)
			p->doc->n[at].child = child;
		else
			p->doc->n[prev].next = child;
		prev = child;
		skip_space(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return fail(p, obj ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
}

static int
value(struct parser *p, int depth, size_t *out)
{
	size_t at;
	char c;

	if (depth > KSJSON_DEPTH)
		return fail(p, "nested too deep");
	skip_space(p);
	if (p->pos == p->len)
		return fail(p, "unexpected end");
	at = *out = new_node(p->doc, KSJSON_NULL);
	c = p->s[p->pos];
	if (c == '{' || c == '[') {
		p->doc->n[at].type = c == '{' ? KSJSON_OBJ : KSJSON_ARR;
		return container(p, depth, at, c == '{');
	}
	if (c == '"') {
		p->doc->n[at].type = KSJSON_STR;
		return string(p, &p->doc->n[at].val, &p->doc->n[at].len);
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		p->doc->n[at].type = KSJSON_NUM;
		return number(p, at);
	}
	return literal(p, at);
}

int
ksjson_parse(const char *in, size_t len, struct ksjson *doc, char *err,
    size_t errlen)
{
	struct parser p = { in, len, 0, doc, err, errlen };
	size_t root;

	memset(doc, 0, sizeof(*doc));
	if (len > KSJSON_MAX)
		return fail(&p, "too long");
	if (value(&p, 0, &root) == -1)
		return -1;
	skip_space(&p);
	if (p.pos != len)
		return fail(&p, "junk after the value");
	return 0;
}

void
ksjson_free(struct ksjson *doc)
{
	if (doc == NULL)
		return;
	free(doc->n);
	free(doc->text);
	memset(doc, 0, sizeof(*doc));
}

const struct ksjson_node *
ksjson_first(const struct ksjson *doc, const struct ksjson_node *n)
{
	if (n == NULL || (n->type != KSJSON_ARR && n->type != KSJSON_OBJ) ||
	    n->child == 0)
		return NULL;
	return &doc->n[n->child];
}

const struct ksjson_node *
ksjson_next(const struct ksjson *doc, const struct ksjson_node *n)
{
	return n == NULL || n->next == 0 ? NULL : &doc->n[n->next];
}

const struct ksjson_node *
ksjson_get(const struct ksjson *doc, const struct ksjson_node *obj,
    const char *key)
{
	const struct ksjson_node *m;

	if (obj == NULL || obj->type != KSJSON_OBJ)
		return NULL;
	for (m = ksjson_first(doc, obj); m != NULL; m = ksjson_next(doc, m))
		if (strcmp(doc->text + m->key, key) == 0)
			return m;
	return NULL;
}

const char *
ksjson_str(const struct ksjson *doc, const struct ksjson_node *n, size_t *len)
{
	if (n == NULL || n->type != KSJSON_STR)
		return NULL;
	if (len != NULL)
		*len = n->len;
	return doc->text + n->val;
}

int
ksjson_int(const struct ksjson *doc, const struct ksjson_node *n,
    int64_t *out)
{
	const char *s;
	uint64_t v;
	bool neg;

	if (n == NULL || (n->type != KSJSON_NUM && n->type != KSJSON_STR))
		return -1;
	s = doc->text + n->val;
	if (strlen(s) != n->len)
		return -1;
	neg = s[0] == '-';
	if (util_parse_uint(s + neg, 0, neg ? (uint64_t)INT64_MAX + 1 :
	    INT64_MAX, &v) == -1)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

bool
ksjson_true(const struct ksjson *doc, const struct ksjson_node *n)
{
	return n != NULL && n->type == KSJSON_BOOL &&
	    strcmp(doc->text + n->val, "true") == 0;
}
