/*
 * hooks.h - running hook programs (SPEC section 6).
 *
 * A mechanism module: it knows programs, environments, descriptors,
 * process groups and time, not keys or schedules. The caller (lifecycle)
 * builds the DKIMKEYS_* variables and hands over, for deploy and reveal,
 * the private key text to write on standard input and the strings to
 * redact from captured output.
 *
 * Each hook runs as HOOK EVENT without a shell, in folder /, umask 077,
 * in a new process group, with exactly PATH=/usr/local/bin:/usr/bin:/bin,
 * HOME, LANG, the variables given, and nothing else; no descriptor but 0,
 * 1 and 2 is inherited. Past the timeout the whole group gets SIGTERM,
 * then SIGKILL after a grace period; the group is killed as well when the
 * hook exits leaving children behind, so nothing of a hook outlives it.
 *
 * This header is the family's public face: it declares what hooks.c
 * defines and brings in hooks_types.h, hooks_batch.h and hooks_check.h.
 */
#ifndef DKIMKEYS_HOOKS_H
#define DKIMKEYS_HOOKS_H

#include "hooks_batch.h"
#include "hooks_check.h"
#include "hooks_types.h"

/*
 * Runs one hook to completion. Returns 0 when it could be judged (see
 * result->status) and -1 only for failures of dkimkeys itself (fork, pipe;
 * logged, 74). The output is logged at INFO, prefixed with the hook's name.
 */
int hooks_run(const struct hook_call *call, struct hook_result *result);
void hook_result_clear(struct hook_result *result);

#endif
