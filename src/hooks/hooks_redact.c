/*
 * hooks_redact.c - which lines of a hook's output never reach the log or
 * a report (SPEC section 6): those holding a piece of the key it was
 * given, in any of the encodings the caller listed, and, for the events
 * that hand a key over, any long base64 or hex run that is not in the
 * hook's (public) environment.
 */
#include <stdbool.h>
#include <string.h>

#include "hooks_int.h"
#include "support/util.h"

#define REDACT_WINDOW 16 /* bytes of a secret that give a line away */
#define TAIL_MIN 4       /* a short last line of base64: one quantum */
#define RUN_B64 24       /* base64 characters that make a long run */
#define RUN_HEX 32       /* hex digits that make a long run */
#define RUN_PAIRS 8      /* "hh:" groups, as openssl -text prints */

static bool
is_b64(unsigned char c)
{
	/* and base64url's '_' (its '-' would join hyphenated words) */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '_';
}

static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* 1 when the text is given to the hook in its environment: not secret. */
static int
public(const struct hook_call *call, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < call->nvars; i++) {
		const char *v = call->vars[i].value;

		if (v != NULL && memmem(v, strlen(v), p, n) != NULL)
			return 1;
	}
	return 0;
}

/* A piece of a secret: REDACT_WINDOW bytes of it (the whole when
 * shorter), or a base64 word of at least TAIL_MIN it ends with. */
static int
holds_secret(const struct hook_call *call, const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i, j, n;

	for (i = 0; i < call->nredact; i++) {
		const struct secret *s = call->redact[i];

		if (s == NULL || s->len == 0)
			continue;
		if (s->len <= REDACT_WINDOW) {
			if (memmem(line, len, s->data, s->len) != NULL)
				return 1;
			continue;
		}
		for (j = 0; j + REDACT_WINDOW <= len; j++)
			if (memmem(s->data, s->len, line + j,
			    REDACT_WINDOW) != NULL)
				return 1;
		/* the short last line of a PEM, printed alone */
		for (j = 0; j < len; j += n + 1) {
			for (n = 0; j + n < len && (is_b64(p[j + n]) ||
			    p[j + n] == '='); n++)
				;
			if (n >= TAIL_MIN && n < REDACT_WINDOW &&
			    memcmp(s->data + s->len - n, p + j, n) == 0)
				return 1;
		}
	}
	return 0;
}

/* Base64 with both cases and a digit, as random bytes give. */
static int
long_b64(const unsigned char *p, size_t n)
{
	bool up = false, low = false, digit = false;
	size_t i;

	if (n < RUN_B64)
		return 0;
	for (i = 0; i < n; i++) {
		up |= p[i] >= 'A' && p[i] <= 'Z';
		low |= p[i] >= 'a' && p[i] <= 'z';
		digit |= p[i] >= '0' && p[i] <= '9';
	}
	return up && low && digit;
}

/* Hex digits, or "hh:hh:..." pairs, at p: how many characters. */
static size_t
hex_run(const unsigned char *p, size_t len, size_t *digits, size_t *pairs)
{
	size_t n = 0;

	*digits = *pairs = 0;
	while (n < len && is_hex(p[n]))
		n++;
	*digits = n;
	if (n != 2)
		return n;
	while (n + 2 < len && p[n] == ':' && is_hex(p[n + 1]) &&
	    is_hex(p[n + 2]) && (n + 3 == len || !is_hex(p[n + 3]))) {
		n += 3;
		(*pairs)++;
	}
	(*pairs)++;
	return n;
}

/* An indented line of nothing but two or more "hh:" pairs: the short
 * last line of a number as openssl -text prints it. */
static int
pairs_line(const unsigned char *p, size_t len)
{
	size_t i = 0, pairs = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == 0)
		return 0;
	while (i + 1 < len && is_hex(p[i]) && is_hex(p[i + 1])) {
		i += 2;
		pairs++;
		if (i < len && p[i] == ':')
			i++;
		else
			break;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	return pairs >= 2 && i == len;
}

/* A long base64 or hex run the hook was not given in its environment. */
static int
holds_run(const struct hook_call *call, const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i = 0, n, digits, pairs;

	if (pairs_line(p, len))
		return 1;

	while (i < len) {
		if (!is_b64(p[i])) {
			i++;
			continue;
		}
		n = hex_run(p + i, len - i, &digits, &pairs);
		if ((digits >= RUN_HEX || pairs >= RUN_PAIRS) &&
		    !public(call, line + i, n))
			return 1;
		for (n = 0; i + n < len && is_b64(p[i + n]); n++)
			;
		if (long_b64(p + i, n) && !public(call, line + i, n))
			return 1;
		i += n > 0 ? n : 1;
	}
	return 0;
}

/*
 * Markers of a PEM private key and the "private_key" field of batch input
 * are redacted always, since a batch hook's keys are wiped before its
 * output is read.
 */
int
hooks_redacted(const struct hook_call *call, const char *line, size_t len)
{
	static const char *const marks[] = { "PRIVATE KEY", "private_key" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(marks); i++)
		if (memmem(line, len, marks[i], strlen(marks[i])) != NULL)
			return 1;
	/* the cheap test first: holds_secret compares every window */
	return (call->scrub && holds_run(call, line, len)) ||
	    holds_secret(call, line, len);
}
