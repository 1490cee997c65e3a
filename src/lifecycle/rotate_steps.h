/*
 * rotate_steps.h - one schedule advanced by every step due now.
 */
#ifndef DKIMKEYS_ROTATE_STEPS_H
#define DKIMKEYS_ROTATE_STEPS_H

#include "rotate_run.h"

/* Advances the schedule of (v, alg) by every step due now, in the event
 * order of SPEC section 6; what happened goes to the run's report. */
void run_steps(struct run *run, const struct vendor *v, enum dk_alg alg);

#endif
