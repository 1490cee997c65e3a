/*
 * dnsrec.h - DKIM key records as text (SPEC section 5). Pure: no I/O but the
 * FILE the caller gives, no key material beyond public keys.
 *
 * Values are exactly "v=DKIM1; k=ALG; [t=y; ]p=B64", or "v=DKIM1; k=ALG; p="
 * when revoked. Every output splits the same way: everything before "p=" is
 * the first string, then "p=" and the base64 in strings of at most 255
 * octets.
 */
#ifndef DKIMKEYS_DNSREC_H
#define DKIMKEYS_DNSREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "support/dkim.h"
#include "support/util.h"

#define DNSREC_STRING_MAX 255

struct dnsrec {
	char *name;  /* "SELECTOR._domainkey.DOMAIN." (final dot) */
	uint32_t ttl;
	char *value; /* the whole value, unsplit */
};

enum dnsrec_format {
	DNSREC_ZONE = 0,
	DNSREC_VALUE,
	DNSREC_JSON,
	DNSREC_NSUPDATE,
	DNSREC_NAME_VALUE, /* NAME TAB VALUE, one record a line */
};

/* "zone", "value", "json", "nsupdate", "name-value"; -1 for anything
 * else. */
int dnsrec_format_parse(const char *s, enum dnsrec_format *out);

/* Builds rec from its parts; pub NULL or publen 0 makes the revoked value. */
void dnsrec_make(struct dnsrec *rec, const char *selector, const char *domain,
    uint32_t ttl, enum dk_alg alg, const unsigned char *pub, size_t publen,
    bool testing);
void dnsrec_clear(struct dnsrec *rec);

/*
 * Splits value as above into a malloc'd array of malloc'd strings; returns
 * the count (>= 1). Free with dnsrec_strings_free.
 */
size_t dnsrec_split(const char *value, char ***out);
void dnsrec_strings_free(char **strings, size_t n);

/*
 * Writes the records in that format. zone: one RR per record, strings in
 * parentheses across lines; value: the value alone a line; json: one
 * document, an array of {name, ttl, value, strings}; nsupdate: "update
 * delete NAME TXT" and "update add NAME TTL TXT ..." per record, then
 * "send". Returns -1 on a write error (74).
 */
int dnsrec_write(FILE *out, enum dnsrec_format fmt, const struct dnsrec *recs,
    size_t n);

/* A DKIM key record parsed as a tag list (RFC 6376 section 3.6.1). */
struct dnsrec_tags {
	bool has_v, has_k, has_p, has_t_y, has_t_s;
	char k[16];            /* "rsa" when absent (the RFC's default) */
	unsigned char *p;      /* decoded p=, malloc'd; NULL when empty */
	size_t plen;
	bool p_empty;          /* revoked */
	char h[64], s[64];     /* raw h= and s= values when present */
};

/*
 * Parse a record (the strings already concatenated). Returns 0, or -1 with a
 * short reason in *why (a static string) for a syntax error, v= not first
 * or not DKIM1, duplicate tags, undecodable p=.
 */
int dnsrec_parse(const char *txt, struct dnsrec_tags *tags, const char **why);
void dnsrec_tags_clear(struct dnsrec_tags *tags);

/*
 * The RSA modulus size of a p= value (SPKI DER, or a bare RSAPublicKey as
 * some publishers use); 0 when it is neither. Public keys only: a private
 * key is not an RSA public key and gives 0.
 */
unsigned dnsrec_rsa_bits(const unsigned char *pub, size_t publen);

#endif
