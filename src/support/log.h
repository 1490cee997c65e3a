/*
 * log.h - messages and the run's exit status.
 *
 * Modules log once, at the point of failure, with log_fail(), which also
 * records the exit status the failure maps to (SPEC section 3). When several
 * failures happen in one run, the one first in the order 64, 78, 77, 75, 73,
 * 74, 65, 69, 1 wins; log_status() gives it. Only the CLI exits.
 */
#ifndef DKIMKEYS_LOG_H
#define DKIMKEYS_LOG_H

#include <stdint.h>
#include <sysexits.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Messages at or below level go to standard error (default WARN). */
void log_set_level(enum log_level level);
/*
 * Where INFO and above are also written: "syslog", "stderr" (nothing more),
 * or a file path (created 0600, appended). Returns -1 (exit 73) on failure.
 */
int log_open(const char *dest);
void log_close(void);
/*
 * The run's now (SPEC section 3: DKIMKEYS_NOW or the clock): log file
 * lines are stamped with it, advanced by the seconds the run has taken
 * since; before it is set, with the clock.
 */
void log_set_now(int64_t now);
/*
 * The vendor the messages that follow concern, named in log file and
 * syslog lines (not on standard error) until set again; NULL: none. The
 * name is not copied. Per thread; returns the one it replaces.
 */
const char *log_set_vendor(const char *name);

/* Logs an error and records status code (an EX_* value, or 1). */
void log_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, as "FILE:LINE: message" (configuration errors). */
void log_fail_at(int code, const char *file, unsigned line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records a status without a message (the message was printed already). */
void log_status_set(int code);
/* The winning status so far, 0 when nothing failed. */
int log_status(void);
/* Forget the recorded status (tests). */
void log_status_reset(void);

#endif
