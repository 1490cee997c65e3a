/*
 * ksjson.h - a bounded JSON reader for the etcd gateway's answers.
 *
 * The whole text is parsed into one flat table of nodes (the first is the
 * root) with every string decoded, NUL-terminated, into one buffer: no
 * node is more than KSJSON_DEPTH levels deep, no text longer than
 * KSJSON_MAX octets, nothing follows the value. Indexes, not pointers,
 * link the nodes, so a document is freed with one call and never leaks
 * on a parse error. Nothing here logs: ksjson_parse says what is wrong.
 */
#ifndef DKIMKEYS_KSJSON_H
#define DKIMKEYS_KSJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSJSON_DEPTH 32
#define KSJSON_MAX ((size_t)1 << 30)

enum ksjson_type {
	KSJSON_NULL,
	KSJSON_BOOL,
	KSJSON_NUM,
	KSJSON_STR,
	KSJSON_ARR,
	KSJSON_OBJ,
};

struct ksjson_node {
	enum ksjson_type type;
	size_t key;   /* a member's name: offset in text, or SIZE_MAX */
	size_t val;   /* STR: the decoded string; NUM, BOOL: the token */
	size_t len;   /* its octets */
	size_t child; /* ARR, OBJ: the first element, or 0 */
	size_t next;  /* the next element of the parent, or 0 */
};

struct ksjson {
	struct ksjson_node *n;
	size_t nn, ncap;
	char *text;
	size_t tlen, tcap;
};

/* Parses len octets of in into doc (root: doc->n[0]); 0, or -1 with the
 * reason and its offset in err. doc is to be freed either way. */
int ksjson_parse(const char *in, size_t len, struct ksjson *doc, char *err,
    size_t errlen);
void ksjson_free(struct ksjson *doc);

/* The member key of the object obj, or NULL (also when obj is NULL or no
 * object). */
const struct ksjson_node *ksjson_get(const struct ksjson *doc,
    const struct ksjson_node *obj, const char *key);
/* The first element of an array or object, and the one after n; NULL at
 * the end. */
const struct ksjson_node *ksjson_first(const struct ksjson *doc,
    const struct ksjson_node *n);
const struct ksjson_node *ksjson_next(const struct ksjson *doc,
    const struct ksjson_node *n);
/* A string's decoded text (len octets, NUL-terminated; it may hold NUL),
 * or NULL when n is no string. */
const char *ksjson_str(const struct ksjson *doc, const struct ksjson_node *n,
    size_t *len);
/* An integer given as a JSON number or, as etcd gives int64s, as a string
 * of decimal digits (optional '-'); -1 when n is missing or neither. */
int ksjson_int(const struct ksjson *doc, const struct ksjson_node *n,
    int64_t *out);
/* Whether n is the literal true. */
bool ksjson_true(const struct ksjson *doc, const struct ksjson_node *n);

#endif
