/*
 * config_util.h - the parser's state and the helpers every config_*.c file
 * calls: error reports, string lists, paths, domain names and the lines
 * where keys were given. It sits below all the other files of the family
 * and calls none of them; not for other folders.
 *
 * The family, from the bottom up:
 * config_util.c: error reports, lists, paths, key lines
 * config_trust.c: the trust checks of files (SPEC section 4)
 * config_value.c: the key table and the check of each value
 * config_parse.c: pass one, the lines (reader and inih handler)
 * config_check.c: passes two and four, sections and selectors
 * config_expand.c: pass three, vendors from domain and domains_file
 * config.c: the driver, config_load() and what other folders call
 */
#ifndef DKIMKEYS_CONFIG_UTIL_H
#define DKIMKEYS_CONFIG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config_types.h"

#define DAY 86400

struct keyline {
	char *key;
	unsigned line;
};

struct section {
	char *name; /* "dkimkeys" or "vendor:NAME", as in the header */
	unsigned line;
	bool global;
	struct vendor v; /* vendor sections: the settings before expansion */
	struct keyline *keys;
	size_t nkeys;
};

struct parser {
	const char *file; /* the config path as given, for messages */
	FILE *fp;
	char *line;
	size_t cap;
	unsigned lineno; /* the line the handler is called for */
	unsigned nerr;
	struct config *cfg;
	struct section *secs; /* the last one is the current one */
	size_t nsecs;
	bool skip; /* inside a refused section */
};

void config_err(struct parser *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));
void config_err_in(struct parser *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));
/* fopen(path, "re") that does not block on a FIFO (O_NONBLOCK): the
 * caller's fstat refuses anything but a regular file. NULL with errno. */
FILE *config_fopen(const char *path);
char *config_abs_path(const char *dir, const char *rel);
char *config_domain_norm(const char *s);
/* Why a valid, normalized name cannot be a mail domain (one label, or an
 * IP address: its last label all digits); NULL when it can. */
const char *config_domain_why(const char *d);
void config_lowercase(char *s);
char **config_split(const char *val, size_t *n);
void config_strv_free(char **v, size_t n);
char **config_strv_dup(char *const *v, size_t n);
bool config_strv_has(char *const *v, size_t n, const char *s);
unsigned config_key_line(const struct section *, const char *key);
unsigned config_later_line(
    const struct section *, const char *a, const char *b);

#endif
