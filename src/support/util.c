/*
 * util.c - bounded parsers, time, names, base64, allocation helpers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sodium.h>

#include "log.h"
#include "util.h"

int
util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 } };
	char num[24];
	size_t len, i;
	uint64_t v;

	if (s == NULL || (len = strlen(s)) == 0 || len >= sizeof(num))
		return -1;
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(units); i++)
		if (s[len - 1] == units[i].unit)
			break;
	if (i == ARRAY_LEN(units) || len < 2)
		return -1;
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	/* ten years of seconds is far beyond any sane schedule */
	if (util_parse_uint(num, 0,
	    (uint64_t)(3650 * 86400) / (uint64_t)units[i].secs, &v) == -1)
		return -1;
	*out = (int64_t)v * units[i].secs;
	return 0;
}

int
util_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

static int
parse_ymd(const char *s, int64_t *days)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned y, m, d;

	if (digits(s, 4, &y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &m) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

int
util_parse_time(const char *s, int64_t *out)
{
	unsigned hh, mm, ss;
	uint64_t v;
	int64_t days;

	if (s == NULL)
		return -1;
	if (strlen(s) != 20) {
		if (util_parse_uint(s, 0, (uint64_t)253402300799, &v) == -1)
			return -1;
		*out = (int64_t)v;
		return 0;
	}
	if (parse_ymd(s, &days) == -1 || s[10] != 'T' ||
	    digits(s + 11, 2, &hh) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mm) == -1 || s[16] != ':' ||
	    digits(s + 17, 2, &ss) == -1 || s[19] != 'Z')
		return -1;
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	*out = days * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}

int
util_parse_date(const char *s, int64_t *out)
{
	int64_t days;

	if (s != NULL && strlen(s) == 10) {
		if (parse_ymd(s, &days) == -1 || s[10] != '\0')
			return -1;
		*out = days * 86400;
		return 0;
	}
	return util_parse_time(s, out);
}

char *
util_fmt_time(int64_t t, char out[UTIL_TIME_LEN])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, UTIL_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, UTIL_TIME_LEN, "%lld", (long long)t);
	return out;
}

char *
util_fmt_duration(int64_t secs, char *out, size_t len)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 'w', 604800 }, { 'd', 86400 }, { 'h', 3600 },
		{ 'm', 60 } };
	size_t i;

	for (i = 0; i < ARRAY_LEN(units); i++) {
		if (secs != 0 && secs % units[i].secs == 0) {
			snprintf(out, len, "%lld%c",
			    (long long)(secs / units[i].secs), units[i].unit);
			return out;
		}
	}
	snprintf(out, len, "%llds", (long long)secs);
	return out;
}

int64_t
util_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
util_now(int64_t *now, bool *simulated)
{
	const char *env = getenv("DKIMKEYS_NOW");

	*simulated = false;
	if (env == NULL) {
		*now = (int64_t)time(NULL);
		return 0;
	}
	if (util_parse_time(env, now) == -1) {
		log_fail(EX_USAGE, "DKIMKEYS_NOW: '%s' is neither "
		    "YYYY-MM-DDTHH:MM:SSZ nor a Unix time", env);
		return -1;
	}
	*simulated = true;
	return 0;
}

static bool
valid_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool
valid_labels(const char *s, size_t max)
{
	const char *dot;
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > max)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		len = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (!valid_label(s, len))
			return false;
		if (dot == NULL)
			return true;
		s = dot + 1;
	}
}

bool
util_valid_domain(const char *s)
{
	return valid_labels(s, 253);
}

bool
util_valid_selector(const char *s)
{
	/* room for "._domainkey." and a domain within 253 octets */
	return valid_labels(s, 200);
}

bool
util_valid_vendor(const char *s)
{
	size_t i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 63)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && i > 0)))
			return false;
	return true;
}

/* Splits a server into its host text and port text (NULL: none). */
static int
split_server(const char *s, char *host, size_t cap, const char **port,
    bool *v6)
{
	const char *end;
	size_t len;

	*port = NULL;
	*v6 = s[0] == '[';
	if (*v6) {
		if ((end = strchr(s, ']')) == NULL ||
		    (end[1] != '\0' && end[1] != ':'))
			return -1;
		*port = end[1] == ':' ? end + 2 : NULL;
		s++;
		len = (size_t)(end - s);
	} else if ((end = strchr(s, ':')) != NULL &&
	    strchr(end + 1, ':') == NULL) {
		*port = end + 1;
		len = (size_t)(end - s);
	} else {
		len = strlen(s);
		*v6 = strchr(s, ':') != NULL;
	}
	if (len == 0 || len >= cap)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	return 0;
}

int
util_parse_server(const char *s, unsigned defport,
    struct sockaddr_storage *ss, unsigned *len)
{
	struct sockaddr_storage tmp;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	const char *port;
	char host[64];
	uint64_t p = defport;
	bool v6;

	if (ss == NULL)
		ss = &tmp;
	memset(ss, 0, sizeof(*ss));
	if (split_server(s, host, sizeof(host), &port, &v6) == -1 ||
	    (port != NULL && util_parse_uint(port, 1, 65535, &p) == -1))
		return -1;
	sin = (struct sockaddr_in *)ss;
	sin6 = (struct sockaddr_in6 *)ss;
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		if (len != NULL)
			*len = sizeof(*sin6);
		return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? 0 :
		    -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)p);
	if (len != NULL)
		*len = sizeof(*sin);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

char *
util_b64_encode(const unsigned char *buf, size_t len)
{
	size_t n = sodium_base64_encoded_len(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(n);

	sodium_bin2base64(out, n, buf, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

long
util_b64_decode(const char *s, size_t slen, unsigned char *out, size_t cap,
    bool allow_space)
{
	size_t outlen;
	const char *end;

	if (sodium_base642bin(out, cap, s, slen, allow_space ? " \t\r\n" : NULL,
	    &outlen, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + slen)
		return -1;
	return (long)outlen;
}

void
util_hex(const unsigned char *buf, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, buf, len);
}

static void
oom(void)
{
	fputs("dkimkeys: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n != 0 ? n : 1)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	buf_add(b, p, (size_t)n);
	free(p);
}

void
buf_json_str(struct buf *b, const char *s)
{
	const unsigned char *p;

	buf_add(b, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_add(b, p, 1);
	}
	buf_add(b, "\"", 1);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
