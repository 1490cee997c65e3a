/*
 * hooks_int.h - the engine of hooks_exec.c, below hooks.c (one hook) and
 * hooks_batch.c (batch hooks), which both run through it; not for other
 * folders. hooks_exec.c starts the process with hooks_spawn.c, below it.
 *
 * hooks_exec() runs one hook: it forks and executes it, feeds its standard
 * input from io->more(), hands every complete output line to io->line()
 * (or captures it), enforces the timeout, kills the process group, judges
 * the exit, builds the redacted output and logs it.
 */
#ifndef DKIMKEYS_HOOKS_INT_H
#define DKIMKEYS_HOOKS_INT_H

#include <stddef.h>

#include "hooks_types.h"

#define HOOKS_LINE_MAX 4096 /* longer output lines are split */

struct hook_run;

struct hook_io {
	const struct hook_call *call;
	int split; /* standard error on a pipe of its own (both callers:
		      its last line is the hook's words) */
	/*
	 * The next bytes for standard input: 1 with *buf and *len set (valid
	 * until the next call), 0 at the end, -1 on error (standard input is
	 * closed either way). NULL: empty standard input.
	 */
	int (*more)(void *ctx, const unsigned char **buf, size_t *len);
	/*
	 * One output line of standard output (1) or error (2), NUL-terminated,
	 * without its LF, in guarded memory the callee may change. NULL: every
	 * line is captured with hooks_capture().
	 */
	void (*line)(void *ctx, struct hook_run *run, int stream, char *line,
	    size_t len);
	void *ctx;
};

int hooks_exec(const struct hook_io *io, struct hook_result *result);

/* Adds a line to the run's captured output; dropped once it is full. */
void hooks_capture(struct hook_run *run, const char *line, size_t len);

/*
 * 1 when a line must be redacted (hooks_redact.c): it contains one of
 * call->redact, or 16 consecutive bytes of one, or a base64 word of 4 or
 * more that one ends with (a PEM's short last line), or a PEM private key
 * marker or a "private_key" field name; with call->scrub also a run of 24
 * base64 characters (both cases and a digit), 32 hex digits or 8 "hh:"
 * pairs that no value of call->vars holds, or an indented line of "hh:"
 * pairs only.
 */
int hooks_redacted(const struct hook_call *call, const char *line,
    size_t len);

/* Replaces control characters but tab with '?', in place. */
void hooks_sanitize(char *line, size_t len);

#endif
