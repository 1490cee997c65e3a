/*
 * dmarcrec.h - DMARC policy records (RFC 7489 section 6.3) parsed from
 * the TXT data at _dmarc.DOMAIN. Pure and bounded: the bytes are
 * untrusted; nothing is allocated.
 */
#ifndef DKIMKEYS_DMARCREC_H
#define DKIMKEYS_DMARCREC_H

#include <stdbool.h>
#include <stddef.h>

#define DMARC_MAX_LEN 4096 /* a longer record is refused */
#define DMARC_RUA_MAX 255 /* rua= kept up to this, then cut */

enum dmarc_policy {
	DMARC_NONE = 0,
	DMARC_QUARANTINE,
	DMARC_REJECT,
};

struct dmarc {
	enum dmarc_policy p;
	enum dmarc_policy sp; /* p when there is no sp= */
	bool has_sp;
	bool adkim_strict, aspf_strict; /* default relaxed */
	unsigned pct; /* default 100 */
	char rua[DMARC_RUA_MAX + 1]; /* "" when absent */
	const char *why; /* a static reason when dmarc_parse fails */
};

/*
 * Whether the record is a DMARC record at all: it starts with "v=DMARC1"
 * and the tag ends there (RFC 7489 section 6.6.3 step 2: others are
 * discarded before counting).
 */
bool dmarc_is_record(const char *txt, size_t len);

/*
 * Parses len bytes of a record (its strings concatenated): v=DMARC1
 * first, then p=, the other tags in any order; unknown tags are ignored.
 * Returns 0, or -1 with out->why set: not DMARC1, no or a bad p=, a bad
 * sp=, adkim=, aspf= or pct=, a tag given twice, a syntax error, a NUL,
 * more than DMARC_MAX_LEN octets.
 */
int dmarc_parse(const char *txt, size_t len, struct dmarc *out);

/* "none", "quarantine", "reject". */
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
