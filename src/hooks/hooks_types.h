/*
 * hooks_types.h - what a hook is given and what comes back, types only:
 * shared by the hooks' files and their callers (through hooks.h).
 */
#ifndef DKIMKEYS_HOOKS_TYPES_H
#define DKIMKEYS_HOOKS_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "secret/secret.h"

#define HOOKS_OUTPUT_MAX (64 * 1024) /* captured per run; the rest dropped */
#define HOOKS_GRACE 5                /* seconds between SIGTERM and SIGKILL */
#define HOOKS_WORDS_MAX 120          /* its last error line, bytes kept */

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
	int scrub;                      /* a key is handed over (deploy,
					   reveal): lines with a long base64
					   or hex run not in vars are
					   redacted too */
	int64_t timeout;                /* seconds */
	const char *user;               /* hook_user, or NULL */
};

struct hook_result {
	enum hook_status status;
	int exit_code;      /* when it exited; -1 otherwise */
	int signal;         /* when a signal ended it; 0 otherwise */
	int timed_out;
	char *output;       /* stdout and stderr as read, redacted,
			       at most HOOKS_OUTPUT_MAX; malloc'd */
	char *words;        /* its last non-blank line of standard error,
			       redacted as the log is, at most
			       HOOKS_WORDS_MAX bytes; malloc'd, or NULL */
	char *reason;       /* one line for logs and status; malloc'd */
};

/* A batch hook: see hooks_batch.h. */
struct hook_batch {
	struct hook_call call; /* input unused */
	int (*next)(void *ctx, size_t i, struct secret **line);
	void (*report)(void *ctx, const char *key, int ok, const char *reason);
	void *ctx;
};

#endif
