/*
 * config_util.c - what every config_*.c file shares: error reports that
 * count instead of stopping, string lists, paths, domain names and the
 * lines where keys were given. It calls no other file of the family.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_util.h"
#include "support/log.h"
#include "support/util.h"

static void vreport(struct parser *, int, const char *, unsigned, const char *,
    va_list) __attribute__((format(printf, 5, 0)));

static void
vreport(struct parser *p, int code, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_fail_at(code, file, line, "%s", msg);
	p->nerr++;
}

/* An error at a line of the config file. */
void
config_err(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, EX_CONFIG, p->file, line, fmt, ap);
	va_end(ap);
}

/* An error at a line of another file (a domains_file). */
void
config_err_in(
    struct parser *p, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, EX_CONFIG, file, line, fmt, ap);
	va_end(ap);
}

void
config_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

char **
config_strv_dup(char *const *v, size_t n)
{
	char **out;
	size_t i;

	if (n == 0)
		return NULL;
	out = xcalloc(n, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

bool
config_strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Splits a list value on blanks into a new vector; *n gets its length. */
char **
config_split(const char *val, size_t *n)
{
	char **v = NULL;
	size_t len;

	*n = 0;
	for (;;) {
		val += strspn(val, " \t");
		if ((len = strcspn(val, " \t")) == 0)
			return v;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrndup(val, len);
		val += len;
	}
}

void
config_lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A domain name as configured: lowercased, one final dot removed.
 * Returns a new string, or NULL when it is not a valid name. */
char *
config_domain_norm(const char *s)
{
	char *d = xstrdup(s);
	size_t len = strlen(d);

	config_lowercase(d);
	if (len > 1 && d[len - 1] == '.')
		d[len - 1] = '\0';
	if (!util_valid_domain(d)) {
		free(d);
		d = NULL;
	}
	return d;
}

const char *
config_domain_why(const char *d)
{
	const char *last = strrchr(d, '.');

	if (last == NULL)
		return "a single label is a top-level domain, not a mail "
		    "domain";
	if (strspn(last + 1, "0123456789") == strlen(last + 1))
		return "an IP address is not a domain name (a top-level "
		    "domain is never all digits)";
	return NULL;
}

FILE *
config_fopen(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	FILE *f;
	int e;

	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

/*
 * An absolute path is kept as written. A relative one is joined to dir and
 * the longest existing folder above it replaced by its real path, so that
 * ".." means what it means to the kernel; the last component is kept.
 */
char *
config_abs_path(const char *dir, const char *rel)
{
	char *joined, *real = NULL, *out, c;
	size_t cut;

	if (rel[0] == '/')
		return xstrdup(rel);
	joined = xasprintf("%s/%s", dir, rel);
	for (cut = strlen(joined); cut > 0 && real == NULL;) {
		while (cut > 0 && joined[--cut] != '/')
			;
		c = joined[cut];
		joined[cut] = '\0';
		real = realpath(cut == 0 ? "/" : joined, NULL);
		joined[cut] = c;
	}
	if (real == NULL)
		return joined;
	out =
	    xasprintf("%s%s", strcmp(real, "/") == 0 ? "" : real, joined + cut);
	free(real);
	free(joined);
	return out;
}

/* Key lines. */

/* The line where key was given in sec, or 0. */
unsigned
config_key_line(const struct section *sec, const char *key)
{
	size_t i;

	for (i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].key, key) == 0)
			return sec->keys[i].line;
	return 0;
}

/* The later line of two keys, or the section header when neither is set. */
unsigned
config_later_line(const struct section *sec, const char *a, const char *b)
{
	unsigned la = config_key_line(sec, a),
		 lb = b != NULL ? config_key_line(sec, b) : 0;

	if (la == 0 && lb == 0)
		return sec->line;
	return la > lb ? la : lb;
}
