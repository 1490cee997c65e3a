/*
 * log.c - messages to standard error and the configured log, and the run's
 * exit status.
 *
 * Lines of a log file read "TIME LEVEL [vendor=NAME: ]MESSAGE", TIME the
 * run's now (log_set_now) advanced by the time the run has taken; syslog
 * stamps its own time and gets the vendor too. Standard error gets the
 * message alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_dest {
	DEST_NONE = 0,
	DEST_SYSLOG,
	DEST_FILE,
};

static enum log_level stderr_level = LOG_LVL_WARN;
static enum log_dest dest;
static FILE *dest_file;
static int status;
static int64_t clock_now = -1; /* the run's now; -1: the clock */
static int64_t clock_start;    /* CLOCK_MONOTONIC ms at log_set_now */
static _Thread_local const char *vendor;

/* SPEC section 3: when several apply, the first in this order wins. */
static const int status_order[] = { 64, 78, 77, 75, 73, 74, 65, 69, 1 };

static int
status_rank(int code)
{
	size_t i;

	for (i = 0; i < sizeof(status_order) / sizeof(status_order[0]); i++)
		if (status_order[i] == code)
			return (int)i;
	return (int)(sizeof(status_order) / sizeof(status_order[0]));
}

void
log_status_set(int code)
{
	if (code == 0)
		return;
	if (status == 0 || status_rank(code) < status_rank(status))
		status = code;
}

int
log_status(void)
{
	return status;
}

void
log_status_reset(void)
{
	status = 0;
}

void
log_set_level(enum log_level level)
{
	stderr_level = level;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
log_set_now(int64_t now)
{
	clock_now = now;
	clock_start = monotonic_ms();
}

const char *
log_set_vendor(const char *name)
{
	const char *prev = vendor;

	vendor = name;
	return prev;
}

/* The time of a log file line, YYYY-MM-DDTHH:MM:SSZ. */
static void
stamp(char out[32])
{
	time_t t = clock_now == -1 ? time(NULL) :
	    (time_t)(clock_now + (monotonic_ms() - clock_start) / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

int
log_open(const char *where)
{
	int fd;

	log_close();
	if (where == NULL || strcmp(where, "stderr") == 0)
		return 0;
	if (strcmp(where, "syslog") == 0) {
		openlog("dkimkeys", LOG_PID, LOG_DAEMON);
		dest = DEST_SYSLOG;
		return 0;
	}
	fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (dest_file = fdopen(fd, "a")) == NULL) {
		if (fd != -1)
			close(fd);
		log_fail(EX_CANTCREAT, "log: %s: %s", where, strerror(errno));
		return -1;
	}
	dest = DEST_FILE;
	return 0;
}

void
log_close(void)
{
	if (dest == DEST_SYSLOG)
		closelog();
	else if (dest == DEST_FILE && dest_file != NULL)
		fclose(dest_file);
	dest_file = NULL;
	dest = DEST_NONE;
}

static void
emit(enum log_level level, const char *prefix, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info",
		"debug" };
	char when[32];
	const char *pre = prefix != NULL ? prefix : "";

	if (level <= stderr_level) {
		if (prefix != NULL)
			fprintf(stderr, "%s%s\n", prefix, msg);
		else if (level == LOG_LVL_WARN)
			fprintf(stderr, "dkimkeys: warning: %s\n", msg);
		else
			fprintf(stderr, "dkimkeys: %s\n", msg);
	}
	if (level > LOG_LVL_INFO)
		return;
	if (dest == DEST_SYSLOG && vendor != NULL)
		syslog(prio[level], "vendor=%s: %s%s", vendor, pre, msg);
	else if (dest == DEST_SYSLOG)
		syslog(prio[level], "%s%s", pre, msg);
	else if (dest == DEST_FILE && dest_file != NULL) {
		stamp(when);
		fprintf(dest_file, "%s %s %s%s%s%s%s\n", when, tag[level],
		    vendor != NULL ? "vendor=" : "", vendor != NULL ? vendor :
		    "", vendor != NULL ? ": " : "", pre, msg);
		fflush(dest_file);
	}
}

static void
vemit(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(level, prefix, msg);
	errno = saved;
}

void
log_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	log_status_set(code);
}

void
log_fail_at(int code, const char *file, unsigned line, const char *fmt, ...)
{
	char prefix[4200];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	va_start(ap, fmt);
	vemit(LOG_LVL_ERR, prefix, fmt, ap);
	va_end(ap);
	log_status_set(code);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}
