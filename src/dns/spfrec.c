/*
 * spfrec.c - SPF records as terms (spfrec.h).
 */
#include <string.h>
#include <strings.h>

#include "spfrec.h"

static const struct {
	const char *name;
	enum spf_kind kind;
	int arg; /* 0 none, 1 optional, 2 required */
} mechs[] = {
	{ "all", SPF_ALL, 0 },
	{ "include", SPF_INCLUDE, 2 },
	{ "a", SPF_A, 1 },
	{ "mx", SPF_MX, 1 },
	{ "ptr", SPF_PTR, 1 },
	{ "ip4", SPF_IP4, 2 },
	{ "ip6", SPF_IP6, 2 },
	{ "exists", SPF_EXISTS, 2 },
};

bool
spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (len == 6 || txt[6] == ' ');
}

bool
spf_kind_queries(enum spf_kind k)
{
	return k == SPF_INCLUDE || k == SPF_A || k == SPF_MX ||
	    k == SPF_PTR || k == SPF_EXISTS || k == SPF_REDIRECT;
}

/*
 * One term t[0..n) into *out; -1 with *why. Mechanisms are
 * [qual]name[(':'|'/')arg]; modifiers name=value.
 */
static int
term(const char *t, size_t n, struct spf_term *out, const char **why)
{
	size_t i, nl;
	const char *eq = memchr(t, '=', n), *a;

	memset(out, 0, sizeof(*out));
	out->qual = '+';
	if (n > SPF_ARG_MAX + 16) {
		*why = "a term too long";
		return -1;
	}
	if (eq != NULL && eq > t && memchr(t, ':', (size_t)(eq - t)) == NULL &&
	    memchr(t, '/', (size_t)(eq - t)) == NULL) {
		nl = (size_t)(eq - t);
		out->kind = nl == 8 && strncasecmp(t, "redirect", 8) == 0 ?
		    SPF_REDIRECT : nl == 3 && strncasecmp(t, "exp", 3) == 0 ?
		    SPF_EXP : SPF_OTHER_MODIFIER;
		a = eq + 1;
		goto arg;
	}
	if (strchr("+-~?", t[0]) != NULL) {
		out->qual = t[0];
		t++;
		n--;
	}
	for (nl = 0; nl < n && t[nl] != ':' && t[nl] != '/'; nl++)
		;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (nl == strlen(mechs[i].name) &&
		    strncasecmp(t, mechs[i].name, nl) == 0)
			break;
	if (i == sizeof(mechs) / sizeof(mechs[0])) {
		*why = "an unknown mechanism";
		return -1;
	}
	out->kind = mechs[i].kind;
	if ((nl == n && mechs[i].arg == 2) || (nl < n && mechs[i].arg == 0) ||
	    (nl < n && t[nl] == ':' && nl + 1 == n)) {
		*why = nl == n ? "a mechanism without its argument" :
		    "a mechanism with an argument it cannot have";
		return -1;
	}
	/* "a/24" keeps the '/': the argument is all after the name */
	a = nl < n && t[nl] == ':' ? t + nl + 1 : t + nl;
arg:
	if ((size_t)(t + n - a) > SPF_ARG_MAX) {
		*why = "a term too long";
		return -1;
	}
	/* RFC 7208 section 7.1: visible characters only; nothing else is
	 * ever printed or asked of DNS */
	for (i = 0; i < (size_t)(t + n - a); i++)
		if (a[i] < 0x21 || a[i] > 0x7e) {
			*why = "a byte that is not visible ASCII";
			return -1;
		}
	memcpy(out->arg, a, (size_t)(t + n - a));
	out->arg[t + n - a] = '\0';
	return 0;
}

int
spf_parse(const char *txt, size_t len, struct spf *s)
{
	size_t i = 6, start;
	bool all = false, redirect = false, exp = false;
	struct spf_term *t;

	s->nterms = 0;
	s->why = NULL;
	if (len > SPF_MAX_LEN || (len > 0 && memchr(txt, 0, len) != NULL)) {
		s->why = len > SPF_MAX_LEN ? "record too long" :
		    "a NUL in the record";
		return -1;
	}
	if (!spf_is_record(txt, len)) {
		s->why = "does not start with v=spf1";
		return -1;
	}
	while (i < len) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i == len)
			break;
		for (start = i; i < len && txt[i] != ' '; i++)
			;
		if (s->nterms == SPF_MAX_TERMS) {
			s->why = "too many terms";
			return -1;
		}
		t = &s->terms[s->nterms];
		if (term(txt + start, i - start, t, &s->why) == -1)
			return -1;
		if ((t->kind == SPF_REDIRECT && redirect) ||
		    (t->kind == SPF_EXP && exp)) {
			s->why = t->kind == SPF_EXP ? "exp= given twice" :
			    "redirect= given twice";
			return -1;
		}
		redirect |= t->kind == SPF_REDIRECT;
		exp |= t->kind == SPF_EXP;
		t->after_all = all && t->kind < SPF_REDIRECT;
		all |= t->kind == SPF_ALL;
		s->nterms++;
	}
	return 0;
}

unsigned
spf_lookups(const struct spf *s)
{
	bool all = false;
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->nterms; i++)
		all |= s->terms[i].kind == SPF_ALL;
	for (i = 0; i < s->nterms; i++)
		if (spf_kind_queries(s->terms[i].kind) &&
		    !(s->terms[i].kind == SPF_REDIRECT && all))
			n++;
	return n;
}

bool
spf_has(const struct spf *s, const char *mech)
{
	struct spf_term want;
	const char *why;
	size_t i;

	if (term(mech, strlen(mech), &want, &why) == -1)
		return false;
	for (i = 0; i < s->nterms; i++)
		if (s->terms[i].kind == want.kind &&
		    s->terms[i].qual == want.qual && !s->terms[i].after_all &&
		    strcasecmp(s->terms[i].arg, want.arg) == 0)
			return true;
	return false;
}
