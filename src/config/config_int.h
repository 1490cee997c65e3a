/*
 * config_int.h - what the config_*.c files share; not for other modules.
 *
 * config.c: loading, error reports, lists, paths, trust checks
 * config_parse.c: pass one, the lines (reader and inih handler)
 * config_value.c: the key table and the check of each value
 * config_check.c: passes two to four, sections, domains_file, selectors
 */
#ifndef DKIMKEYS_CONFIG_INT_H
#define DKIMKEYS_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

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

struct keydef;
typedef void (*config_setter)(
    struct parser *, const struct keydef *, void *, const char *);

struct keydef {
	const char *name;
	bool global;
	config_setter set;
	size_t off, off2; /* field (and count) in struct config or vendor */
	int64_t min; /* durations: smallest value allowed */
};

/* Which vendors a key applies to. */
enum only {
	ONLY_ANY = 0,
	ONLY_MANAGED,
	ONLY_DELEGATED,
};

struct keyrule {
	struct keydef def;
	enum only only;
};

/* config.c */
void config_err(struct parser *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));
void config_err_in(struct parser *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));
/* 0 when path is trusted, else -1 after reporting it at line (77). */
int config_trust_at(struct parser *, unsigned line, const char *path);
char *config_abs_path(const char *dir, const char *rel);
char *config_domain_norm(const char *s);
void config_lowercase(char *s);
char **config_split(const char *val, size_t *n);
void config_strv_free(char **v, size_t n);
char **config_strv_dup(char *const *v, size_t n);
bool config_strv_has(char *const *v, size_t n, const char *s);

/* config_parse.c */
void config_parse(struct parser *);
unsigned config_key_line(const struct section *, const char *key);
unsigned config_later_line(
    const struct section *, const char *a, const char *b);

/* config_value.c */
extern const struct keyrule config_keys[];
extern const size_t config_nkeys;
const struct keyrule *config_key_find(const char *name, bool global);
bool config_template_has(const char *t, char token);

/* config_check.c */
void config_check_sections(struct parser *);
void config_expand(struct parser *);
void config_check_selectors(struct parser *);

#endif
