/*
 * util.h - bounded parsers, time, names, base64, small allocation helpers.
 *
 * The bottom layer: includes nothing of the project but log.h. Every parser
 * here rejects empty input, overflow and trailing junk, and returns 0 on
 * success or -1 without logging (callers know the context for the message).
 */
#ifndef DKIMKEYS_UTIL_H
#define DKIMKEYS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer in [min, max]. */
int util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Duration "30s", "15m", "48h", "7d", "26w" (a bare "0" is 0) -> seconds. */
int util_parse_duration(const char *s, int64_t *out);
/* "yes"/"no" (also "true"/"false", "on"/"off", "1"/"0"). */
int util_parse_bool(const char *s, bool *out);
/* "YYYY-MM-DDTHH:MM:SSZ" or decimal Unix time -> seconds since the epoch. */
int util_parse_time(const char *s, int64_t *out);
/* util_parse_time, or a bare date "YYYY-MM-DD" (midnight UTC). */
int util_parse_date(const char *s, int64_t *out);

#define UTIL_TIME_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" and NUL */
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ"; returns out. */
char *util_fmt_time(int64_t t, char out[UTIL_TIME_LEN]);
/* Formats a duration in the largest exact unit: "90d", "48h", "30s". */
char *util_fmt_duration(int64_t secs, char *out, size_t len);

/* Milliseconds of the monotonic clock, for deadlines within one run. */
int64_t util_monotonic_ms(void);

/*
 * The run's "now": DKIMKEYS_NOW when set (exactly one of the util_parse_time
 * forms), else the clock. Returns -1 after logging (exit 64) when the
 * variable is malformed. *simulated is set when the variable was used.
 */
int util_now(int64_t *now, bool *simulated);

/* A DNS name of lowercase A-labels, no final dot, each label 1..63 octets of
 * [a-z0-9-] not starting or ending with '-', 253 octets at most. */
bool util_valid_domain(const char *s);
/* A selector: one or more labels as in util_valid_domain (no underscores). */
bool util_valid_selector(const char *s);
/* Vendor names: [a-z0-9][a-z0-9-]{0,62}. */
bool util_valid_vendor(const char *s);

struct sockaddr_storage;
/*
 * A DNS server as configured: "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT"
 * (port 1..65535, default defport). Returns 0 with the address filled in
 * (when ss is not NULL), or -1.
 */
int util_parse_server(const char *s, unsigned defport,
    struct sockaddr_storage *ss, unsigned *len);

/* Standard base64 with padding. Encode returns a malloc'd string. */
char *util_b64_encode(const unsigned char *buf, size_t len);
/* Decodes into out (cap bytes); ignores nothing: whitespace is an error
 * unless allow_space. Returns the decoded length, or -1. */
long util_b64_decode(const char *s, size_t slen, unsigned char *out,
    size_t cap, bool allow_space);
/* Lowercase hex of buf into out (2 * len + 1 bytes). */
void util_hex(const unsigned char *buf, size_t len, char *out);

/* Allocation that cannot fail: abort with a message on exhaustion. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer for building output. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void buf_json_str(struct buf *b, const char *s);
void buf_free(struct buf *b);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
