/*
 * hooks_batch.h - batch hooks (SPEC section 6): one run per event.
 */
#ifndef DKIMKEYS_HOOKS_BATCH_H
#define DKIMKEYS_HOOKS_BATCH_H

#include "hooks_types.h"

/*
 * Batch hooks: one run per event. next() is called for i = 0, 1, ... to
 * produce the i-th JSON line (without its LF) in guarded memory (it may
 * hold a private key; it is written and wiped before the next is asked
 * for); it returns 1 with *line set, 0 at the end, -1 on error. Standard
 * output lines "ok KEY" and "fail KEY REASON" are reported through
 * report(ctx, key, ok, reason) as they arrive, whatever the exit status;
 * other output is logged. Writing standard input and reading standard
 * output happen concurrently (poll), so a hook that answers as it reads
 * never deadlocks.
 */
int hooks_run_batch(const struct hook_batch *batch,
    struct hook_result *result);

#endif
