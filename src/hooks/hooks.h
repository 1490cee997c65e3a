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
 */
#ifndef DKIMKEYS_HOOKS_H
#define DKIMKEYS_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "secret/secret.h"

#define HOOKS_OUTPUT_MAX (64 * 1024) /* captured per run; the rest dropped */
#define HOOKS_GRACE 5                /* seconds between SIGTERM and SIGKILL */

struct hook_var {
	const char *name;  /* "DKIMKEYS_EVENT" */
	const char *value;
};

enum hook_status {
	HOOK_OK = 0,    /* exit 0 */
	HOOK_RETRY,     /* exit 75: not yet, retry at the next run */
	HOOK_FAILED,    /* any other exit, a signal, a timeout, cannot run */
};

struct hook_call {
	const char *path;  /* absolute */
	const char *event; /* argv[1] */
	const struct hook_var *vars;
	size_t nvars;
	const struct secret *input;     /* standard input, or NULL: empty */
	const struct secret *const *redact; /* lines containing any of these
					       become "[redacted]" */
	size_t nredact;
	int64_t timeout;                /* seconds */
	const char *user;               /* hook_user, or NULL */
};

struct hook_result {
	enum hook_status status;
	int exit_code;      /* when it exited; -1 otherwise */
	int signal;         /* when a signal ended it; 0 otherwise */
	int timed_out;
	char *output;       /* stdout and stderr interleaved, redacted,
			       at most HOOKS_OUTPUT_MAX; malloc'd */
	char *reason;       /* one line for logs and status; malloc'd */
};

/*
 * Runs one hook to completion. Returns 0 when it could be judged (see
 * result->status) and -1 only for failures of dkimkeys itself (fork, pipe;
 * logged, 74). The output is logged at INFO, prefixed with the hook's name.
 */
int hooks_run(const struct hook_call *call, struct hook_result *result);
void hook_result_clear(struct hook_result *result);

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
struct hook_batch {
	struct hook_call call; /* input unused */
	int (*next)(void *ctx, size_t i, struct secret **line);
	void (*report)(void *ctx, const char *key, int ok, const char *reason);
	void *ctx;
};
int hooks_run_batch(const struct hook_batch *batch,
    struct hook_result *result);

/*
 * Refuses (77) a hook that is not a regular executable file owned by root
 * or the effective user, not group- or world-writable, in folders that
 * are neither (root-owned sticky folders excepted).
 */
int hooks_check(const char *path);

#endif
