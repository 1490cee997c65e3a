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

#include "lifecycle.h"
#include "rotate_opts.h"
#include "rotate_report.h"

/*
 * Returns 0, or -1 when the run was refused or stopped, an item of the
 * report failed (r->failures), no DNS server could be reached or set up,
 * or a commit failed; each was logged or reported once. The exit status
 * is the CLI's to make of this and of what was logged.
 */
int rotate_run(struct lc *lc, const struct rotate_opts *o,
    struct rotate_report *r);

#endif
