/*
 * hooks_spawn.h - starting a hook process, for hooks_exec.c.
 */
#ifndef DKIMKEYS_HOOKS_SPAWN_H
#define DKIMKEYS_HOOKS_SPAWN_H

#include <sys/types.h>

#include "hooks_types.h"

/* A started hook: its process and the parent's ends of its pipes. */
struct hook_proc {
	pid_t pid;     /* leads a new session and process group */
	int pidfd;     /* readable at its exit; -1 when the kernel has none */
	int in;        /* its standard input, non-blocking */
	int out;       /* its standard output (and error unless split) */
	int err;       /* its standard error when split, else -1 */
	int wstatus;   /* from waitpid() */
	char *failure; /* why it could not be executed; malloc'd */
};

/*
 * Starts the hook (see hooks.h for the process it gets). Returns 0 when it
 * runs, 1 when it could not be executed (p->failure says why; reaped), -1
 * after logging when dkimkeys failed (74) or the call is refused: no such
 * hook_user (77), a relative path (78).
 */
int hooks_spawn(const struct hook_call *call, int split,
    struct hook_proc *p);

#endif
