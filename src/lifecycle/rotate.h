/*
 * rotate.h - the rotation engine: one `rotate` run (SPEC sections 2, 3).
 *
 * Advances every schedule as far as time and DNS allow: generate,
 * publish, wait until every server serves the key for publish_ahead,
 * deploy, retire the old key, revoke, withdraw, destroy, reveal. Every
 * state change is committed with its audit entry before the next side
 * effect, so a run killed at any instant is completed by the next one.
 * It prints nothing: what happened comes back as a report.
 */
#ifndef DKIMKEYS_ROTATE_H
#define DKIMKEYS_ROTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lifecycle.h"

struct rotate_opts {
	char **vendors;    /* only these (names or sections), or none: all */
	size_t nvendors;
	bool dry_run;      /* -n: the plan, nothing changed, no DNS, no hooks */
	bool force;        /* a successor now where none exists */
	bool republish;    /* publish hooks again for live records */
	bool accept_jump;  /* --accept-time-jump */
	unsigned jobs;     /* key generation threads */
	int (*unlock)(void *ctx); /* reads the passphrase on first need */
	void *unlock_ctx;
};

/* One line of the report. */
struct rotate_item {
	char *vendor;
	char *key;    /* record name without the final dot, or NULL */
	char *what;   /* "generated", "published", "deployed", "waiting", ... */
	char *detail; /* why, when, or NULL */
	bool failed;  /* counts toward exit status 1 */
};

struct rotate_report {
	struct rotate_item *items;
	size_t n, cap;
	unsigned generated, transitions, failures;
	bool repeat; /* a second walk: waiting and late are said already */
};

/* Returns 0, or -1 when something failed (the status is recorded). */
int rotate_run(struct lc *lc, const struct rotate_opts *o,
    struct rotate_report *r);
void rotate_report_add(struct rotate_report *r, const char *vendor,
    const struct ks_key *k, bool failed, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void rotate_report_free(struct rotate_report *r);

#endif
