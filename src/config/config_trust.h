/*
 * config_trust.h - the trust checks of SPEC section 4: a file the config
 * names (itself, hooks, a domains_file) and every folder above it must be
 * owned by root or by us and writable by no one else.
 */
#ifndef DKIMKEYS_CONFIG_TRUST_H
#define DKIMKEYS_CONFIG_TRUST_H

#include <stddef.h>

struct parser;

/* The path as written, then its real location: 0 when trusted, else -1
 * with the reason in why. */
int config_trust_check(const char *path, char *why, size_t len);
/* 0 when path is trusted, else -1 after reporting it at line (77). */
int config_trust_at(struct parser *, unsigned line, const char *path);

#endif
