/*
 * dmarc_obs.h - the last DMARC observation of each vendor, kept apart
 * from the keystore state in DIR/dmarc.obs (keystore/FORMAT section
 * 11): written by check and rotate when they judged a vendor, read by
 * status (which asks no DNS). A cache of what DNS said: losing it loses
 * only "p=none since" and what status shows until the next check.
 */
#ifndef DKIMKEYS_DMARC_OBS_H
#define DKIMKEYS_DMARC_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmarc_check.h"
#include "lifecycle.h"

#define DMARC_OBS_FILE "dmarc.obs"

struct dmarc_obs {
	char *vendor;
	int64_t at;         /* when it was judged */
	int64_t none_since; /* p=none applies since; 0 when it does not */
	unsigned errors, warnings;
	char *record;       /* "_dmarc.example.com", or NULL */
	char policy[16];    /* "reject", "inherited:quarantine", "" */
	int spf, aligned;   /* 1, 0, -1 (not asked) */
	char *problem;      /* the first error, or NULL */
};

struct dmarc_obs_set {
	struct dmarc_obs *o; /* o[0..nsorted) sorted by vendor, then the
				vendors noted that were not there */
	size_t n, nsorted;
	bool changed;
};

/*
 * Reads the file of lc's keystore into set (empty when there is none).
 * A line that does not parse is skipped; the file is a cache.
 */
void dmarc_obs_load(struct lc *lc, struct dmarc_obs_set *set);
/* The observation of vendor name, or NULL. */
const struct dmarc_obs *dmarc_obs_find(const struct dmarc_obs_set *set,
    const char *name);
/* When p=none was first seen to apply to v, for dmarc_check_vendor. */
int64_t dmarc_obs_none_since(const struct dmarc_obs_set *set,
    const struct vendor *v);
/* Records what the pass saw of v at now. */
void dmarc_obs_note(struct dmarc_obs_set *set, const struct vendor *v,
    int64_t now, const struct dmarc_result *r);
/*
 * Writes the set when it changed, keeping only configured vendors.
 * Skipped without a word when the keystore folder is not writable by
 * this user (a hook's read-only check); -1 after logging otherwise.
 */
int dmarc_obs_save(struct lc *lc, struct dmarc_obs_set *set);
void dmarc_obs_free(struct dmarc_obs_set *set);

#endif
