/*
 * dnscheck.h - what the servers of a resolver serve at a key's name,
 * judged against the key (SPEC sections 2 and 4).
 *
 * A server serves a key when it returns exactly one TXT record at the name
 * (after any CNAMEs), the record parses as a DKIM key record with the
 * key's k=, its decoded p= equals the key: the exact p= bytes, or for
 * RSA a bare RSAPublicKey equal to the one inside the key's
 * SubjectPublicKeyInfo, and its s=, h= and t= are what verifiers accept
 * and dkimkeys publishes. Tags are compared, never strings.
 */
#ifndef DKIMKEYS_DNSCHECK_H
#define DKIMKEYS_DNSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsquery.h"
#include "support/dkim.h"
#include "support/util.h"

#define DNSCHECK_FPR_LEN 32

/* What one server serves at the name, judged against the key. */
enum dnscheck_verdict {
	DNSCHECK_SERVES = 0, /* the key */
	DNSCHECK_REVOKED, /* one record, k= the algorithm, empty p= */
	DNSCHECK_ABSENT, /* NXDOMAIN or NODATA, no CNAME */
	/* another p=, another k=, several records, a record that does not
	 * parse, a CNAME to nothing */
	DNSCHECK_OTHER,
	DNSCHECK_FAILED, /* SERVFAIL, REFUSED, CNAME loop, lame */
	DNSCHECK_UNREACHABLE,
};

struct dnscheck_server {
	const struct dnsq_answer *answer; /* points into answers below */
	enum dnscheck_verdict verdict;
	/* "serves the key", "serves another p=", "NXDOMAIN",
	 * "2 TXT records", "record does not parse: …" */
	char *detail;
};

struct dnscheck {
	bool served; /* every server serves the key */
	bool revoked_served; /* every server serves the revoked record */
	bool absent; /* every server: NXDOMAIN or NODATA */
	bool other; /* some server: DNSCHECK_OTHER */
	bool unreachable_all;
	size_t nunreachable;
	uint32_t max_ttl; /* largest TTL of any record seen */
	uint32_t neg_ttl; /* largest negative-caching TTL of an NXDOMAIN
			   * or NODATA answer (RFC 2308) */
	/* NULL, or one line naming the servers that keep the expected
	 * outcome from holding: "127.0.0.1:5300: serves another p=" */
	char *why;
	struct dnscheck_server *servers; /* one per answer */
	size_t nservers;
	struct dnsq_answer *answers; /* as dnsq_txt gave them (owned) */
	size_t nanswers;
};

/*
 * Looks name up at every server of q and judges each answer against the
 * key alg/pub (pub NULL: the revoked record is expected, and why names
 * the servers that do not serve it). Returns -1 only when dnsq_txt does
 * (an invalid name, logged); unreachable servers are part of the result,
 * and nothing is logged for them. Free with dnscheck_clear.
 */
int dnscheck_key(struct dnsq *q, const char *name, enum dk_alg alg,
    const unsigned char *pub, size_t publen, struct dnscheck *out);
/*
 * dnscheck_key, and a record holding the key serves it only when its
 * other tags are right too: s= absent or with email or *, h= absent or
 * with sha256, no t=s, and t=y exactly when testing is 1 (testing -1:
 * t=y not judged, as dnscheck_key does). Wrong tags are DNSCHECK_OTHER,
 * the detail naming the tag.
 */
int dnscheck_key_testing(struct dnsq *q, const char *name, enum dk_alg alg,
    const unsigned char *pub, size_t publen, int testing,
    struct dnscheck *out);
void dnscheck_clear(struct dnscheck *c);

/* A delegated vendor's key, found at the end of a CNAME chain. */
struct dnscheck_delegated {
	char *target; /* last name of the chain; NULL without a CNAME */
	char **chain; /* the whole chain (first server's), in order */
	size_t nchain;
	bool absent; /* no key record at the end (NXDOMAIN/NODATA) */
	bool revoked; /* the record has an empty p= */
	bool weak; /* RSA below 2048 bits (a warning) */
	bool testing; /* t=y */
	bool unreachable_all;
	size_t nunreachable;
	enum dk_alg alg; /* DK_ALG_NONE when unknown */
	unsigned bits;
	unsigned char fpr[DNSCHECK_FPR_LEN]; /* SHA-256 of the decoded p= */
	bool has_fpr;
	uint32_t max_ttl;
	/* Everything else that is wrong, one line each: several records,
	 * bad tags, a key too small, servers that disagree or fail.
	 * Absence and revocation are left to the caller (standby
	 * selectors may be either). */
	char **problems;
	size_t nproblems;
	struct dnsq_answer *answers; /* owned */
	size_t nanswers;
};

/*
 * Follows name's CNAME chain and validates the key at its end at every
 * server of q: present, one record, v=/k=/h=/s= usable, RSA of at least
 * 1024 bits (weak below 2048) or Ed25519 with a 32-octet p=. Returns -1
 * only when dnsq_txt does. Free with dnscheck_delegated_clear.
 */
int dnscheck_delegated(
    struct dnsq *q, const char *name, struct dnscheck_delegated *out);
void dnscheck_delegated_clear(struct dnscheck_delegated *d);

#endif
