/*
 * rotate_report.h - what a rotate run did, one line per event, for the
 * CLI to print; its failures count is what the exit status is made of.
 */
#ifndef DKIMKEYS_ROTATE_REPORT_H
#define DKIMKEYS_ROTATE_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct ks_key;

/* One line of the report. */
struct rotate_item {
	char *vendor; /* one block with the strings below */
	char *key;    /* record name without the final dot, or NULL */
	char *what;   /* "generated", "published", "deployed", "waiting", ... */
	char *detail; /* why, when, or NULL */
	bool failed;  /* counts toward exit status 1 */
	bool loud;    /* said even under -q: failed, or "stalled" */
};

struct rotate_report {
	struct rotate_item *items;
	size_t n, cap;
	unsigned generated, transitions, failures;
	bool repeat; /* a second walk: waiting and late are said already */
	bool loud_only; /* keep only the loud lines (-q: the rest is never
			   printed, and an ESP's run has 200,000 of them) */
};

/* Adds a line (fmt NULL: no detail); a failed one counts in failures. */
void rotate_report_add(struct rotate_report *r, const char *vendor,
    const struct ks_key *k, bool failed, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void rotate_report_free(struct rotate_report *r);

#endif
