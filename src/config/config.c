/*
 * config.c - the INI configuration (SPEC section 4): loading, freeing, and
 * what the other config_*.c files share (error reports, lists, paths and
 * the trust checks).
 *
 * config_parse.c reads the lines, config_value.c checks each value and
 * config_check.c the whole. Errors are counted, never fatal, so that every
 * one of them is printed before config_load() fails.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "support/log.h"
#include "support/util.h"

#define DEFAULT_KEYSTORE "/var/lib/dkimkeys"

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

/* Trust (SPEC section 4). */

/* One component: 0 when trusted, else -1 with the reason in why. */
static int
trust_one(const char *path, bool last, char *why, size_t len)
{
	const char *what = last ? "it" : path, *kind = last ? "" : "folder ";
	struct stat st;

	if (lstat(path, &st) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, len,
		    "%s%s is owned by uid %u, not by root or "
		    "uid %u; chown %s",
		    kind, what, (unsigned)st.st_uid, (unsigned)geteuid(), what);
		return -1;
	}
	/* a symlink's own mode means nothing; its target is walked too */
	if (S_ISLNK(st.st_mode) || (st.st_mode & 022) == 0)
		return 0;
	/* /tmp and its like: only the owner of an entry may replace it */
	if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && st.st_uid == 0)
		return 0;
	snprintf(why, len,
	    "%s%s is group- or world-writable (mode %04o); "
	    "run chmod go-w %s",
	    kind, what, (unsigned)(st.st_mode & 07777), what);
	return -1;
}

/* Every component of the absolute path, from "/" down. */
static int
trust_walk(const char *path, char *why, size_t len)
{
	char *buf = xstrdup(path);
	size_t i, n = strlen(buf);
	int rc = 0;
	char c;

	for (i = 0; i <= n && rc == 0; i++) {
		if ((i < n && buf[i] != '/') || (i > 0 && buf[i - 1] == '/'))
			continue;
		c = buf[i];
		buf[i] = '\0';
		rc = trust_one(i == 0 ? "/" : buf, i == n, why, len);
		buf[i] = c;
	}
	free(buf);
	return rc;
}

/* The path as written (symlinks included), then its real location. */
static int
trust_check(const char *path, char *why, size_t len)
{
	char *real = NULL;
	int rc;

	if ((rc = trust_walk(path, why, len)) == 0 &&
	    (real = realpath(path, NULL)) != NULL && strcmp(real, path) != 0)
		rc = trust_walk(real, why, len);
	free(real);
	return rc;
}

/* A file named at a config line (hook, domains_file) that must be trusted. */
int
config_trust_at(struct parser *p, unsigned line, const char *path)
{
	char why[1024];

	if (trust_check(path, why, sizeof(why)) == 0)
		return 0;
	log_fail_at(EX_NOPERM, p->file, line, "%s: %s", path, why);
	p->nerr++;
	return -1;
}

/* Loading and freeing. */

static void
vendor_clear(struct vendor *v)
{
	size_t i;

	free(v->name);
	free(v->section);
	free(v->domain);
	free(v->selector);
	config_strv_free(v->hooks, v->nhooks);
	config_strv_free(v->batch_hooks, v->nbatch_hooks);
	for (i = 0; i < v->nhookvars; i++) {
		free(v->hookvars[i].name);
		free(v->hookvars[i].value);
	}
	free(v->hookvars);
	free(v->resolver);
	config_strv_free(v->selectors, v->nselectors);
	for (i = 0; i < v->ncname_targets; i++) {
		free(v->cname_targets[i].selector);
		free(v->cname_targets[i].target);
	}
	free(v->cname_targets);
	config_strv_free(v->standby_selectors, v->nstandby);
	free(v->domains_file);
}

static void
parser_clear(struct parser *p)
{
	size_t i, j;

	for (i = 0; i < p->nsecs; i++) {
		free(p->secs[i].name);
		vendor_clear(&p->secs[i].v);
		for (j = 0; j < p->secs[i].nkeys; j++)
			free(p->secs[i].keys[j].key);
		free(p->secs[i].keys);
	}
	free(p->secs);
	free(p->line);
	if (p->fp != NULL)
		fclose(p->fp);
}

/*
 * Opens the file, sets cfg->path and cfg->dir (real folder, file name as
 * written) and checks trust: the file open must be the one checked.
 * Returns -1 after logging.
 */
static int
open_config(struct parser *p, const char *path)
{
	const char *slash = strrchr(path, '/'), *base;
	char *parent, why[1024];
	struct stat st, now;

	if ((p->fp = fopen(path, "re")) == NULL) {
		log_fail(EX_CONFIG, "config: %s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(p->fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		log_fail(EX_CONFIG, "config: %s: not a regular file", path);
		return -1;
	}
	base = slash != NULL ? slash + 1 : path;
	parent = slash == NULL ? xstrdup(".")
	    : slash == path    ? xstrdup("/")
			       : xstrndup(path, (size_t)(slash - path));
	p->cfg->dir = realpath(parent, NULL);
	free(parent);
	if (p->cfg->dir == NULL) {
		log_fail(EX_CONFIG, "config: %s: %s", path, strerror(errno));
		return -1;
	}
	p->cfg->path = xasprintf(
	    "%s/%s", strcmp(p->cfg->dir, "/") == 0 ? "" : p->cfg->dir, base);
	if (trust_check(p->cfg->path, why, sizeof(why)) == -1) {
		log_fail(EX_NOPERM, "config: %s: %s", p->cfg->path, why);
		return -1;
	}
	if (stat(p->cfg->path, &now) == -1 || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino) {
		log_fail(EX_NOPERM, "config: %s: replaced while being opened",
		    p->cfg->path);
		return -1;
	}
	return 0;
}

static struct config *
config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->keystore = xstrdup(DEFAULT_KEYSTORE);
	cfg->resolver = xstrdup("authoritative");
	cfg->log = xstrdup("syslog");
	cfg->dns_timeout = 5;
	cfg->hook_timeout = 120;
	cfg->batch_hook_timeout = 1800;
	cfg->max_clock_jump = 30 * DAY;
	return cfg;
}

const char *
config_path(const char *opt)
{
	const char *env = getenv("DKIMKEYS_CONFIG");

	if (opt != NULL)
		return opt;
	if (env != NULL && *env != '\0')
		return env;
	return CONFIG_DEFAULT_PATH;
}

int
config_load(const char *path, struct config **out)
{
	struct parser p;
	int rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.cfg = config_new();
	if (open_config(&p, path) == -1)
		goto done;
	config_parse(&p);
	config_check_sections(&p);
	config_expand(&p);
	config_check_selectors(&p);
	if (p.nerr > 0)
		goto done;
	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
done:
	parser_clear(&p);
	config_free(p.cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->dir);
	free(cfg->keystore);
	free(cfg->passphrase_file);
	free(cfg->passphrase_env);
	free(cfg->resolver);
	free(cfg->resolver_ca);
	free(cfg->log);
	free(cfg->hook_user);
	for (i = 0; i < cfg->nhookvars; i++) {
		free(cfg->hookvars[i].name);
		free(cfg->hookvars[i].value);
	}
	free(cfg->hookvars);
	for (i = 0; i < cfg->nvendors; i++)
		vendor_clear(&cfg->vendors[i]);
	free(cfg->vendors);
	free(cfg);
}

const struct vendor *
config_vendor(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && name != NULL && i < cfg->nvendors; i++)
		if (strcmp(cfg->vendors[i].name, name) == 0)
			return &cfg->vendors[i];
	return NULL;
}
