/*
 * rotate_batch.h - batch hooks in a run: events queued as the schedules
 * are walked, each (section, event) run once with all its keys.
 */
#ifndef DKIMKEYS_ROTATE_BATCH_H
#define DKIMKEYS_ROTATE_BATCH_H

#include <stdbool.h>

#include "rotate_run.h"

/* Queues (k, ev) and returns false, or, once its batch accepted it,
 * returns true (once). */
bool run_batched(struct run *run, const struct vendor *v, struct ks_key *k,
    enum ks_event ev, const char *prev);
/* Runs every queued batch; returns how many ran. */
int run_batches(struct run *run);
/* Frees the queue; accepts a run without one. */
void run_batch_free(struct run *run);

#endif
