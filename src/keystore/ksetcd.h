/*
 * ksetcd.h - an etcd v3 client over its JSON gateway (libcurl), for the
 * keystore kept in etcd (SPEC section 7, "Cluster").
 *
 * Keys and values are octets (base64 on the wire). A request goes to the
 * member that answered last; a member that cannot be reached, times out
 * or answers "unavailable" (no leader) is skipped for the next in the
 * list, so a request may reach etcd twice: a put is then the same put, and
 * a transaction's compares decide whether the second one applies (the
 * caller checks which happened). Nothing stored here is plaintext key
 * material: the keystore seals before it stores.
 *
 * Every function logs once and returns -1 on failure: no member answered
 * 69, an answer not understood 65, refused by authorization 77, any other
 * error answer 74. A client made quiet (ksetcd_quiet) logs nothing and
 * keeps the message for ksetcd_error (the lease keeper's thread).
 */
#ifndef DKIMKEYS_KSETCD_H
#define DKIMKEYS_KSETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksetcd;

struct ksetcd_opts {
	const char *ca, *cert, *key; /* client TLS (https) when ca is set */
	const char *user;            /* etcd authentication, with: */
	const char *password_file;   /* its first line (checked as keystore
					files are: ksfile.h) */
	long timeout_ms;             /* per request and member; 0: 5000 */
};

struct ksetcd_kv {
	unsigned char *key, *value; /* malloc'd, NUL-terminated */
	size_t klen, vlen;
	int64_t create_rev, mod_rev, version, lease;
};

struct ksetcd_kvs {
	struct ksetcd_kv *kv;
	size_t n;
	bool more;    /* the range held more than was returned */
	int64_t rev;  /* the store's revision the answer was read at */
};

enum ksetcd_target { KSETCD_VERSION, KSETCD_CREATE, KSETCD_MOD };
enum ksetcd_result { KSETCD_EQUAL, KSETCD_NOT_EQUAL, KSETCD_GREATER,
	KSETCD_LESS };

struct ksetcd_cmp {
	const void *key;
	size_t klen;
	enum ksetcd_target target;
	enum ksetcd_result result;
	int64_t value;
};

enum ksetcd_opk { KSETCD_PUT, KSETCD_DELETE, KSETCD_RANGE };

struct ksetcd_op {
	enum ksetcd_opk kind;
	const void *key;
	size_t klen;
	const void *value; /* PUT */
	size_t vlen;
	int64_t lease;     /* PUT: attached to this lease, or 0 */
	const void *end;   /* DELETE, RANGE: [key, end), or NULL: key alone */
	size_t elen;
};

/* A client of the members in endpoints ("HOST:PORT,HOST:PORT..."); NULL
 * after logging (78) when the list is malformed. */
struct ksetcd *ksetcd_new(const char *endpoints,
    const struct ksetcd_opts *opts);
void ksetcd_free(struct ksetcd *c);
void ksetcd_quiet(struct ksetcd *c, bool quiet);
/* The last failure's message (quiet clients), or "". */
const char *ksetcd_error(const struct ksetcd *c);

/* The end of the range of every key starting with prefix (prefix with its
 * last octet below 0xff incremented; "\0" for all keys); malloc'd, its
 * length in *elen. */
unsigned char *ksetcd_prefix_end(const void *prefix, size_t plen,
    size_t *elen);

/* The keys in [key, end) (end NULL: key alone), at revision rev (0: the
 * newest), at most limit (0: all); keys_only leaves values NULL. */
int ksetcd_range(struct ksetcd *c, const void *key, size_t klen,
    const void *end, size_t elen, int64_t rev, int64_t limit,
    bool keys_only, struct ksetcd_kvs *out);
/* One key: 1 found (in *out, to be freed), 0 absent, -1 failed. */
int ksetcd_get(struct ksetcd *c, const void *key, size_t klen,
    struct ksetcd_kv *out);
int ksetcd_put(struct ksetcd *c, const void *key, size_t klen,
    const void *value, size_t vlen, int64_t lease);
/*
 * If every compare holds, the ops; else the else_ops. *ok says which
 * branch ran; *rev is the store's revision after it; when range is not
 * NULL, it receives the keys of the first RANGE op of the branch run.
 */
int ksetcd_txn(struct ksetcd *c, const struct ksetcd_cmp *cmp, size_t ncmp,
    const struct ksetcd_op *ops, size_t nops, const struct ksetcd_op *else_ops,
    size_t nelse, bool *ok, int64_t *rev, struct ksetcd_kvs *range);

/* A lease of ttl seconds: its id and the ttl granted. */
int ksetcd_lease_grant(struct ksetcd *c, int64_t ttl, int64_t *id,
    int64_t *granted);
/* Renews the lease: *ttl the seconds left, 0 when the lease is gone. */
int ksetcd_lease_keepalive(struct ksetcd *c, int64_t id, int64_t *ttl);
/* Revokes the lease and deletes the keys attached to it; a lease already
 * gone is no error. */
int ksetcd_lease_revoke(struct ksetcd *c, int64_t id);

/*
 * Watches key from revision from (its events since then included) for at
 * most ms: 1 when it was deleted, 0 when ms passed without, -1 when the
 * watch failed (said at debug level only: the caller falls back to
 * polling).
 */
int ksetcd_watch_delete(struct ksetcd *c, const void *key, size_t klen,
    int64_t from, long ms);

void ksetcd_kv_free(struct ksetcd_kv *kv);
void ksetcd_kvs_free(struct ksetcd_kvs *kvs);

/* The parsers under the requests, for the tests: an answer's text (an
 * HTTP body) into a range result or a transaction's; -1 (nothing logged,
 * the reason in err) when it is not what etcd answers. */
int ksetcd_parse_range(const char *body, size_t len, struct ksetcd_kvs *out,
    char *err, size_t errlen);
int ksetcd_parse_txn(const char *body, size_t len, bool *ok, int64_t *rev,
    struct ksetcd_kvs *range, char *err, size_t errlen);
/* One answer of a watch stream: 1 it holds a delete event, 0 none (the
 * watch created, a put), -1 not a watch answer or the watch canceled. */
int ksetcd_parse_watch(const char *line, size_t len, char *err,
    size_t errlen);

#endif
