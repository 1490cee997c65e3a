/*
 * rotate_opts.h - what a rotate run is asked to do (types only: the
 * driver and every file of the rotate family read them).
 */
#ifndef DKIMKEYS_ROTATE_OPTS_H
#define DKIMKEYS_ROTATE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rotate_opts {
	char **vendors;    /* only these (names or sections), or none: all */
	size_t nvendors;
	bool dry_run;      /* -n: the plan, nothing changed, no DNS, no hooks */
	bool force;        /* a successor now where none exists */
	bool republish;    /* publish hooks again for live records */
	bool accept_jump;  /* --accept-time-jump */
	bool simulate;     /* --simulate: mark a real-clock keystore
			      simulated for good (lc_simulation_ok) */
	int64_t settle;    /* --settle: seconds to keep polling DNS, or 0 */
	unsigned jobs;     /* key generation threads */
	int (*unlock)(void *ctx); /* reads the passphrase on first need */
	void *unlock_ctx;
};

#endif
