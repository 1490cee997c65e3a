/*
 * rotate_dmarc.h - rotate's DMARC pass: after the schedules, the vendors
 * asked for that want it (dmarc_wanted) are judged as check judges them,
 * over the run's resolvers; their findings are report lines that fail
 * nothing (check and status exit 1 for them), and the observations go to
 * DIR/dmarc.obs. Not in a dry run.
 */
#ifndef DKIMKEYS_ROTATE_DMARC_H
#define DKIMKEYS_ROTATE_DMARC_H

#include "rotate_run.h"

void rotate_dmarc(struct run *run);

#endif
