/*
 * dmarcrec.c - DMARC records as tag lists (dmarcrec.h).
 */
#include <string.h>
#include <strings.h>

#include "dmarcrec.h"

/* RFC 7489 section 6.4: WSP around tags and values, ';' between. */
static bool
wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of "v" *WSP "=" *WSP "DMARC1" *WSP at txt, or 0 (RFC 7489
 * section 6.4: the version is case-sensitive). */
static size_t
version_end(const char *txt, size_t len)
{
	size_t i = 1;

	if (len == 0 || txt[0] != 'v')
		return 0;
	while (i < len && wsp(txt[i]))
		i++;
	if (i == len || txt[i++] != '=')
		return 0;
	while (i < len && wsp(txt[i]))
		i++;
	if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < len && wsp(txt[i]); i++)
		;
	return i == len || txt[i] == ';' ? i : 0;
}

bool
dmarc_is_record(const char *txt, size_t len)
{
	return version_end(txt, len) != 0;
}

/* The value s[0..n) as a policy; -1 when it is none of the three. */
static int
policy(const char *s, size_t n, enum dmarc_policy *out)
{
	static const char *const names[] = { "none", "quarantine", "reject" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (n == strlen(names[i]) && strncasecmp(s, names[i], n) == 0) {
			*out = (enum dmarc_policy)i;
			return 0;
		}
	return -1;
}

static int
alignment(const char *s, size_t n, bool *strict)
{
	if (n != 1 || (s[0] != 'r' && s[0] != 's' && s[0] != 'R' &&
	    s[0] != 'S'))
		return -1;
	*strict = s[0] == 's' || s[0] == 'S';
	return 0;
}

static int
percent(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 100)
		return -1;
	*out = v;
	return 0;
}

/* One tag of a record; the seen bits catch repeats. */
static int
tag(struct dmarc *d, const char *name, size_t nl, const char *val, size_t vl,
    unsigned *seen)
{
	static const char *const known[] = { "p", "sp", "adkim", "aspf",
		"pct", "rua" };
	size_t i, j;

	for (i = 0; i < 6; i++)
		if (nl == strlen(known[i]) &&
		    strncasecmp(name, known[i], nl) == 0)
			break;
	if (i == 6)
		return 0; /* other tags (fo, rf, ri, ruf, ...) are ignored */
	if (*seen & (1u << i)) {
		d->why = "a tag given twice";
		return -1;
	}
	*seen |= 1u << i;
	switch (i) {
	case 0:
		if (policy(val, vl, &d->p) == 0)
			return 0;
		d->why = "p= is not none, quarantine or reject";
		return -1;
	case 1:
		d->has_sp = true;
		if (policy(val, vl, &d->sp) == 0)
			return 0;
		d->why = "sp= is not none, quarantine or reject";
		return -1;
	case 2:
	case 3:
		if (alignment(val, vl, i == 2 ? &d->adkim_strict :
		    &d->aspf_strict) == 0)
			return 0;
		d->why = i == 2 ? "adkim= is not r or s" :
		    "aspf= is not r or s";
		return -1;
	case 4:
		if (percent(val, vl, &d->pct) == 0)
			return 0;
		d->why = "pct= is not a number from 0 to 100";
		return -1;
	default:
		if (vl > DMARC_RUA_MAX)
			vl = DMARC_RUA_MAX;
		/* kept printable: it is shown as it is */
		for (j = 0; j < vl; j++)
			d->rua[j] = val[j] >= 0x20 && val[j] <= 0x7e ? val[j] :
			    '?';
		d->rua[vl] = '\0';
		return 0;
	}
}

int
dmarc_parse(const char *txt, size_t len, struct dmarc *d)
{
	size_t i = 0, ns, ne, vs, ve;
	unsigned seen = 0;

	memset(d, 0, sizeof(*d));
	d->pct = 100;
	if (len > DMARC_MAX_LEN || (len > 0 && memchr(txt, 0, len) != NULL)) {
		d->why = len > DMARC_MAX_LEN ? "record too long" :
		    "a NUL in the record";
		return -1;
	}
	if (!dmarc_is_record(txt, len)) {
		d->why = "does not start with v=DMARC1";
		return -1;
	}
	/* the version tag, checked: on to the ';' after it */
	i = version_end(txt, len);
	if (i < len)
		i++;
	while (i < len) {
		while (i < len && wsp(txt[i]))
			i++;
		if (i == len)
			break;
		for (ns = i; i < len && txt[i] != '=' && txt[i] != ';' &&
		    !wsp(txt[i]); i++)
			;
		ne = i;
		while (i < len && wsp(txt[i]))
			i++;
		if (ne == ns || i == len || txt[i] != '=') {
			d->why = "a tag without =";
			return -1;
		}
		for (i++; i < len && wsp(txt[i]); i++)
			;
		for (vs = i; i < len && txt[i] != ';'; i++)
			;
		for (ve = i; ve > vs && wsp(txt[ve - 1]); ve--)
			;
		if (i < len)
			i++; /* the ';' */
		if (tag(d, txt + ns, ne - ns, txt + vs, ve - vs, &seen) == -1)
			return -1;
	}
	if ((seen & 1u) == 0) {
		d->why = "no p=";
		return -1;
	}
	if (!d->has_sp)
		d->sp = d->p;
	return 0;
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_QUARANTINE:
		return "quarantine";
	case DMARC_REJECT:
		return "reject";
	default:
		return "none";
	}
}
