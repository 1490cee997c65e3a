/*
 * spfrec.h - SPF records (RFC 7208 sections 4.5, 5 and 6) parsed into
 * their terms. Pure and bounded: the bytes are untrusted; nothing is
 * allocated. Macros are kept as written, never expanded.
 */
#ifndef DKIMKEYS_SPFREC_H
#define DKIMKEYS_SPFREC_H

#include <stdbool.h>
#include <stddef.h>

#define SPF_MAX_LEN 4096 /* a longer record is refused */
#define SPF_MAX_TERMS 64
#define SPF_ARG_MAX 255
#define SPF_MAX_LOOKUPS 10 /* RFC 7208 section 4.6.4 */

enum spf_kind {
	SPF_ALL = 0,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT, /* modifiers */
	SPF_EXP,
	SPF_OTHER_MODIFIER,
};

struct spf_term {
	enum spf_kind kind;
	char qual; /* '+', '-', '~', '?' ('+' when none was written) */
	char arg[SPF_ARG_MAX + 1]; /* after ':' or '=' ("" when none) */
	bool after_all; /* a mechanism after "all": never evaluated */
};

struct spf {
	struct spf_term terms[SPF_MAX_TERMS];
	size_t nterms;
	const char *why; /* a static reason when spf_parse fails */
};

/* Whether the record is an SPF record: "v=spf1" (any case) alone or
 * followed by a space (RFC 7208 section 4.5). */
bool spf_is_record(const char *txt, size_t len);

/*
 * Parses len bytes of a record (strings concatenated). Returns 0, or -1
 * with out->why: not v=spf1, an unknown mechanism, a mechanism missing
 * its argument or with one it cannot have, redirect= or exp= twice, more
 * than SPF_MAX_TERMS terms, a term over SPF_ARG_MAX, a NUL, more than
 * SPF_MAX_LEN octets.
 */
int spf_parse(const char *txt, size_t len, struct spf *out);

/* Whether a term of this kind costs a DNS lookup (include, a, mx, ptr,
 * exists, redirect=; section 4.6.4). */
bool spf_kind_queries(enum spf_kind k);

/* The terms of s that cost a DNS lookup. A redirect= in a record with
 * "all" is not counted: it is never used (section 6.1). */
unsigned spf_lookups(const struct spf *s);

/*
 * Whether s holds the mechanism written in mech ("include:mailgun.org",
 * "ip4:192.0.2.0/24", "-all"): same kind, same qualifier ('+' when not
 * written), same argument ignoring case, before any "all".
 */
bool spf_has(const struct spf *s, const char *mech);

#endif
