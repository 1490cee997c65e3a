/*
 * psl.h - the public suffix list (publicsuffix.org, Debian's publicsuffix
 * package) and the organizational domain of a name (RFC 7489 section
 * 3.2). Pure: data in, answers out; the caller reads the file.
 *
 * Rules are ASCII, lowercase, one per line (the first word; "//" starts a
 * comment): "co.uk", wildcards "*.ck", exceptions "!www.ck". Rules in
 * UTF-8 (IDN suffixes) are skipped: the names asked about are A-labels.
 * Matching follows the list's algorithm: an exception wins, else the
 * rule with the most labels, else "*" (the last label is the suffix).
 */
#ifndef DKIMKEYS_PSL_H
#define DKIMKEYS_PSL_H

#include <stddef.h>

#define PSL_MAX_BYTES (8u << 20) /* a larger list is refused */
#define PSL_MAX_RULES 100000u

struct psl;

/*
 * Builds the list from len bytes of data (a NUL in it ends a line).
 * Returns NULL when data is larger than PSL_MAX_BYTES or holds more
 * than PSL_MAX_RULES rules (the caller says which file).
 */
struct psl *psl_parse(const char *data, size_t len);
void psl_free(struct psl *p);
/* How many rules were kept. */
size_t psl_nrules(const struct psl *p);

/*
 * The organizational domain of name (lowercase, no final dot): the public
 * suffix and one label more. Returns its offset in name, or -1 when name
 * is itself a public suffix, is empty or longer than 253 octets, or has
 * an empty label.
 */
long psl_org_domain(const struct psl *p, const char *name);

#endif
