/*
 * psl.c - the public suffix list as a sorted array of its rules, and
 * the organizational domain found by binary search (psl.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psl.h"
#include "support/util.h"

#define PSL_NAME_MAX 253

struct psl {
	char **rules; /* sorted by strcmp: "co.uk", "*.ck", "!www.ck" */
	size_t n;
};

static int
rule_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A rule kept: lowercase ASCII letters, digits, '-', '.', a leading
 * "*." or '!'. */
static bool
rule_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > PSL_NAME_MAX)
		return false;
	if (s[0] == '!')
		i = 1;
	else if (len > 2 && s[0] == '*' && s[1] == '.')
		i = 2;
	if (i == len || s[i] == '.' || s[len - 1] == '.')
		return false;
	for (; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

struct psl *
psl_parse(const char *data, size_t len)
{
	struct psl *p;
	size_t i = 0, j, w, cap = 0;

	if (len > PSL_MAX_BYTES)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	while (i < len) {
		for (j = i; j < len && data[j] != '\n' && data[j] != '\0'; j++)
			;
		/* the first word of the line */
		for (w = i; w < j && data[w] != ' ' && data[w] != '\t' &&
		    data[w] != '\r'; w++)
			;
		if (!(w - i >= 2 && data[i] == '/' && data[i + 1] == '/') &&
		    rule_ok(data + i, w - i)) {
			if (p->n == PSL_MAX_RULES) {
				psl_free(p);
				return NULL;
			}
			if (p->n == cap) {
				cap = cap != 0 ? 2 * cap : 1024;
				p->rules = xrealloc(p->rules,
				    cap * sizeof(*p->rules));
			}
			p->rules[p->n++] = xstrndup(data + i, w - i);
		}
		i = j + 1;
	}
	if (p->n > 0)
		qsort(p->rules, p->n, sizeof(*p->rules), rule_cmp);
	return p;
}

void
psl_free(struct psl *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->rules[i]);
	free(p->rules);
	free(p);
}

size_t
psl_nrules(const struct psl *p)
{
	return p != NULL ? p->n : 0;
}

/* Whether the rule prefix||s is in the list. */
static bool
has(const struct psl *p, const char *prefix, const char *s)
{
	char key[PSL_NAME_MAX + 3];
	const char *k = key;

	if (p == NULL || p->n == 0)
		return false;
	snprintf(key, sizeof(key), "%s%s", prefix, s);
	return bsearch(&k, p->rules, p->n, sizeof(*p->rules), rule_cmp) !=
	    NULL;
}

long
psl_org_domain(const struct psl *p, const char *name)
{
	size_t len = strlen(name), labels = 1, i, suffix_at = 0;
	size_t at[PSL_NAME_MAX + 1]; /* where each label starts */
	size_t best = 1, k; /* labels in the public suffix */
	const char *dot;

	if (len == 0 || len > PSL_NAME_MAX)
		return -1;
	at[0] = 0;
	for (i = 0; i < len; i++)
		if (name[i] == '.')
			at[labels++] = i + 1;
	/* an empty label (a leading, trailing or doubled dot) is no name */
	for (k = 0; k < labels; k++)
		if (name[at[k]] == '.' || name[at[k]] == '\0')
			return -1;
	/* suffixes from the longest (the whole name) down to one label */
	for (k = 0; k < labels; k++) {
		size_t n = labels - k; /* labels of name + at[k] */
		const char *s = name + at[k];

		if (has(p, "!", s)) {
			best = n - 1;
			goto found;
		}
		if (n > best && has(p, "", s))
			best = n;
		dot = strchr(s, '.');
		if (n > best && dot != NULL && has(p, "*.", dot + 1))
			best = n;
	}
found:
	if (best >= labels)
		return -1;
	suffix_at = at[labels - best - 1];
	return (long)suffix_at;
}
