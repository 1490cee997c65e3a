/*
 * config_value.h - the keys of the configuration: what each applies to
 * and the setter that checks its value.
 */
#ifndef DKIMKEYS_CONFIG_VALUE_H
#define DKIMKEYS_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct parser;
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

extern const struct keyrule config_keys[];
extern const size_t config_nkeys;
/* The key of that name in [dkimkeys] (global) or a vendor section, or
 * NULL. */
const struct keyrule *config_key_find(const char *name, bool global);
/* Whether template t holds the token %token. */
bool config_template_has(const char *t, char token);

#endif
