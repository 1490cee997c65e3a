/*
 * kstypes.h - the keystore's records and names, types only: what the
 * keystore's own files and its callers share. No function is declared
 * here; keystore.h is the family's public face.
 */
#ifndef DKIMKEYS_KSTYPES_H
#define DKIMKEYS_KSTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/dkim.h"

#define KS_PUB_MAX 600
#define KS_FPR_LEN 32
#define KS_PACK_ID_LEN 16     /* a pack file's random id */
#define KS_PACK_SLOTS_MAX 512 /* keys a pack file holds at most */

/* An open keystore (keystore.h); its fields are the family's own. */
struct ks;

enum ks_kdf {
	KS_KDF_INTERACTIVE = 0,
	KS_KDF_MODERATE,
	KS_KDF_SENSITIVE,
};

/* Never backwards; values are stored on disk by name. */
enum ks_state {
	KS_PENDING = 0,
	KS_PUBLISHED,
	KS_ACTIVE,
	KS_RETIRED,
	KS_REVOKED,
	KS_WITHDRAWN,
	KS_DESTROYED,
};

/* Hook events, in their order within a run (SPEC section 6). */
enum ks_event {
	KS_EV_PUBLISH = 0,
	KS_EV_DEPLOY,
	KS_EV_RETIRE,
	KS_EV_REVOKE,
	KS_EV_WITHDRAW,
	KS_EV_DESTROY,
	KS_EV_REVEAL,
	KS_EV_COUNT,
};
#define KS_EV_BIT(ev) (1u << (ev))

struct ks_key {
	char *vendor;   /* "mailgun", "customers/example.com" */
	char *domain;   /* lowercase A-labels, no final dot */
	char *selector;
	enum dk_alg alg;
	unsigned bits;
	/* the p= bytes, publen of them (at most KS_PUB_MAX): a key of the
	 * state owns its copy (600 octets inline would be most of a key's
	 * memory at 100,000 Ed25519 keys); other ks_keys point at the
	 * caller's bytes */
	unsigned char *pub;
	size_t publen;
	unsigned char fpr[KS_FPR_LEN];
	/* where the sealed private key is: slot `slot` of the pack file
	 * keys/ID-EPOCH.pack when in_pack (keys generated in bulk), else
	 * its own file keys/FPRHEX-EPOCH.key; never changes */
	struct {
		bool in_pack;
		uint16_t slot;
		unsigned char id[KS_PACK_ID_LEN];
	} pack;
	enum ks_state state;
	bool compromised;
	/* times (Unix seconds), 0 = not yet */
	int64_t created, published, visible, activated, retired, revoked,
	    withdrawn, destroyed;
	/* progress within the key's next transition: a bit per event whose
	 * hooks have succeeded (KS_EV_BIT); cleared by the caller when the
	 * transition is committed */
	unsigned hooks_done;
	uint32_t max_ttl;  /* largest TTL any server gave for the record */
	uint32_t neg_ttl;  /* negative-caching TTL (RFC 2308) of the answer
			      seen before publishing: resolvers may cache
			      "no such name" that long */
	unsigned record_ttl; /* the vendor's ttl + 1 when the record was
				last published (publish, --republish); 0:
				not known (published before it was kept) */
	bool record_testing; /* and whether its testing (t=y) was set */
	char *error;       /* last failure, one line, or NULL (ks_set_error) */
	int64_t error_at;
	char *reason;      /* why it was revoked as compromised, or NULL */
};

/* What the keystore remembers of a vendor between runs. */
/* Every bit decommission_algs may hold: 1 << DK_ALG_RSA | 1 <<
 * DK_ALG_ED25519. */
#define KS_DECOMMISSION_ALGS_MAX 6U

struct ks_vendor {
	char *name;
	bool hold;          /* `hold`: no automatic transition */
	bool decommission;  /* `decommission`: retire everything */
	char *error;        /* last failure of the vendor, or NULL */
	int64_t error_at;
	char *stall;        /* why it could not move, other than time, or
			       NULL (ks_set_vendor_stall) */
	int64_t stall_since; /* since when (0: not waiting so) */
	unsigned decommission_algs; /* `decommission --alg`: bit 1 << alg of
				       each algorithm retired alone */
};

/* A delegated vendor's key as last observed behind its CNAME. */
struct ks_observation {
	char *vendor;
	char *selector;
	char *target;       /* end of the CNAME chain, or NULL */
	enum dk_alg alg;
	unsigned bits;
	unsigned char fpr[KS_FPR_LEN];
	bool revoked;       /* served with an empty p= */
	int64_t first_seen, last_seen; /* of this fingerprint */
	unsigned rotations; /* new fingerprints seen since the first */
};

#endif
