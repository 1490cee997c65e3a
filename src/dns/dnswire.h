/*
 * dnswire.h - DNS messages in wire format (RFC 1035, RFC 6891): build a
 * query, parse a reply, read names (with compression), TXT and address
 * data. Pure: no I/O, no allocation but the RR table of a parsed message.
 *
 * Names are handled as text in one canonical presentation form: labels
 * joined by '.', no final dot, the root as "."; octets outside '!'..'~'
 * and the characters '.' and '\' inside a label are escaped as \DDD.
 * Every name decoded from a message comes out in that form, so two
 * decoded names are the same DNS name exactly when strcasecmp() says so.
 * Every read from a packet is bounds-checked; compression pointers must
 * point backwards and are followed at most DNSWIRE_MAX_HOPS times.
 */
#ifndef DKIMKEYS_DNSWIRE_H
#define DKIMKEYS_DNSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSWIRE_NAME_WIRE_MAX 255
#define DNSWIRE_NAME_TEXT_MAX 1024 /* 255 octets as \DDD, and the NUL */
#define DNSWIRE_MAX_HOPS 128
#define DNSWIRE_EDNS_PAYLOAD 1232
#define DNSWIRE_QUERY_MAX 512 /* room for any query we build */
#define DNSWIRE_HEADER_LEN 12

enum dnswire_type {
	DNSWIRE_A = 1,
	DNSWIRE_NS = 2,
	DNSWIRE_CNAME = 5,
	DNSWIRE_SOA = 6,
	DNSWIRE_TXT = 16,
	DNSWIRE_AAAA = 28,
	DNSWIRE_OPT = 41,
};

#define DNSWIRE_CLASS_IN 1

enum dnswire_rcode {
	DNSWIRE_NOERROR = 0,
	DNSWIRE_FORMERR = 1,
	DNSWIRE_SERVFAIL = 2,
	DNSWIRE_NXDOMAIN = 3,
	DNSWIRE_NOTIMP = 4,
	DNSWIRE_REFUSED = 5,
};

enum dnswire_section {
	DNSWIRE_ANSWER = 1,
	DNSWIRE_AUTHORITY,
	DNSWIRE_ADDITIONAL,
};

/* One resource record; offsets point into the message buffer. */
struct dnswire_rr {
	size_t nameoff; /* owner name, possibly compressed */
	uint16_t type, class;
	uint32_t ttl;
	size_t rdoff, rdlen;
	enum dnswire_section section;
};

struct dnswire_msg {
	const unsigned char *buf; /* not owned; must outlive the msg */
	size_t len;
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	unsigned opcode;
	unsigned rcode; /* with the OPT record's extended bits */
	char qname[DNSWIRE_NAME_TEXT_MAX];
	uint16_t qtype, qclass;
	struct dnswire_rr *rrs; /* answer, authority, additional, in order */
	size_t nrrs;
	bool has_opt;
	uint16_t udp_payload; /* from OPT, 0 without */
};

/*
 * Converts a name in presentation form (final dot optional, \DDD and \X
 * escapes) to wire form. Returns the wire length, or -1 for an empty or
 * over-long label, a name over 255 octets or a bad escape.
 */
int dnswire_name_to_wire(const char *text, unsigned char *out, size_t cap);

/*
 * The canonical text of a name given in presentation form (see above);
 * out has DNSWIRE_NAME_TEXT_MAX bytes. Returns -1 as dnswire_name_to_wire.
 */
int dnswire_name_canon(const char *text, char *out);

/*
 * Builds a query for name/type into out (cap >= DNSWIRE_QUERY_MAX is
 * always enough): one question, RD as given, and with edns an OPT record
 * advertising DNSWIRE_EDNS_PAYLOAD octets. Returns its length, or -1 when
 * the name is invalid.
 */
int dnswire_build_query(const char *name, uint16_t type, uint16_t id, bool rd,
    bool edns, unsigned char *out, size_t cap);

/*
 * Parses a whole message. Returns 0, or -1 with *why (a static string)
 * for anything malformed: truncated sections, bad names, trailing octets,
 * more than one question. Free the result with dnswire_msg_clear.
 */
int dnswire_parse(const unsigned char *buf, size_t len, struct dnswire_msg *msg,
    const char **why);
void dnswire_msg_clear(struct dnswire_msg *msg);

/*
 * True when msg is the reply to our query: QR set, the same ID and opcode
 * QUERY, and the question echoed (name compared case-insensitively). With
 * false, *why says what differs.
 */
bool dnswire_is_reply(const struct dnswire_msg *msg, uint16_t id,
    const char *qname, uint16_t qtype, const char **why);

/*
 * Reads the name at off into out (DNSWIRE_NAME_TEXT_MAX bytes) in the
 * canonical form; *next (may be NULL) gets the offset after the name's
 * first, uncompressed part. Returns 0 or -1 when malformed.
 */
int dnswire_read_name(
    const unsigned char *buf, size_t len, size_t off, char *out, size_t *next);

/* The owner name of rr; -1 when malformed (never, after dnswire_parse). */
int dnswire_rr_name(
    const struct dnswire_msg *msg, const struct dnswire_rr *rr, char *out);

/* The name in the data of a CNAME or NS record. */
int dnswire_rr_target(
    const struct dnswire_msg *msg, const struct dnswire_rr *rr, char *out);

/*
 * A TXT record's character-strings concatenated into out (cap octets, at
 * least rdlen + 1; NUL-terminated); *len is the octets written without the
 * NUL (the data may hold NULs itself), *nstrings the number of strings.
 * Returns -1 when the strings do not exactly fill the data.
 */
int dnswire_rr_txt(const struct dnswire_msg *msg, const struct dnswire_rr *rr,
    char *out, size_t cap, size_t *len, size_t *nstrings);

/* True when the names are the same (canonical form, case-insensitive). */
bool dnswire_name_eq(const char *a, const char *b);
/* True when name is sub or a name below it. */
bool dnswire_name_under(const char *name, const char *sub);
/* The name with its first label removed ("." for a one-label name);
 * a pointer into name, or NULL for the root. */
const char *dnswire_name_parent(const char *name);

/* "NOERROR", "SERVFAIL", …, or "RCODE%u" into a static buffer. */
const char *dnswire_rcode_name(unsigned rcode);

#endif
