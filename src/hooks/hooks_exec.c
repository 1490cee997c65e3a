/*
 * hooks_exec.c - the engine that runs a hook (SPEC section 6): the poll
 * loop that feeds standard input and reads the output at once, the
 * timeout, the process group, the judgement of the exit, and the captured
 * output, redacted.
 *
 * Captured output lives in guarded memory until it is redacted, since a
 * hook may print the key it was given. hooks.c (one hook) and
 * hooks_batch.c (batch hooks) run through hooks_exec(); the process
 * itself is started in hooks_spawn.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks_int.h"
#include "hooks_spawn.h"
#include "secret/secret.h"
#include "support/log.h"
#include "support/util.h"

#define CAPTURE_MAX (HOOKS_OUTPUT_MAX - 64) /* room for the mark below */
#define TRUNCATED "[output truncated]"
#define REDACTED "[redacted]"
#define LINEBUF (HOOKS_LINE_MAX + 1)
#define MEM_SIZE (CAPTURE_MAX + 3 * LINEBUF) /* lines, two buffers, words */
#define DRAIN_MAX (1024 * 1024) /* read after the exit, at most */
#define TICK_MS 20              /* exit polling when there is no pidfd */

struct hook_run {
	const struct hook_io *io;
	const char *name;
	struct hook_proc p;
	const unsigned char *wbuf;
	size_t wlen;
	struct secret *mem; /* captured lines, two line buffers, the last
			       line of standard error */
	size_t caplen;
	size_t wordslen; /* of that last line; 0: none yet */
	int truncated;
	size_t linelen[2];
	int cont[2]; /* the next line ends one already split */
	int lost; /* someone else reaped the child */
	int left; /* processes of its group outlived the hook */
	int timed_out;
	int64_t deadline; /* monotonic ms; INT64_MAX: none */
};

static void
closefd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static char *
linebuf(struct hook_run *r, int s)
{
	return (char *)r->mem->data + CAPTURE_MAX + (size_t)s * LINEBUF;
}

/* The last non-blank line of standard error, kept until it is redacted. */
static char *
wordsbuf(struct hook_run *r)
{
	return linebuf(r, 2);
}

static void
keep_words(struct hook_run *r, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len)
		return;
	memcpy(wordsbuf(r), line, len);
	r->wordslen = len;
}

void
hooks_capture(struct hook_run *r, const char *line, size_t len)
{
	if (r->truncated)
		return;
	if (r->caplen + len + 1 > CAPTURE_MAX) {
		r->truncated = 1;
		return;
	}
	memcpy(r->mem->data + r->caplen, line, len);
	r->mem->data[r->caplen + len] = '\n';
	r->caplen += len + 1;
}

/*
 * Hands a line on; the pieces of a line too long for the buffer are only
 * captured, never taken for protocol lines.
 */
static void
emit(struct hook_run *r, int s, char *line, size_t len, int piece)
{
	line[len] = '\0';
	if (piece && len == 0)
		return;
	/* the start of a line only: what follows a split is not its words */
	if (s == 1 && !r->cont[s])
		keep_words(r, line, len);
	if (r->io->line != NULL && !piece)
		r->io->line(r->io->ctx, r, s + 1, line, len);
	else
		hooks_capture(r, line, len);
}

/* Hands on every complete line of stream s; a full buffer is a piece. */
static void
split_lines(struct hook_run *r, int s, size_t added)
{
	char *lb = linebuf(r, s), *nl;
	size_t len = r->linelen[s] + added, start = 0, from = r->linelen[s];

	while ((nl = memchr(lb + from, '\n', len - from)) != NULL) {
		emit(r, s, lb + start, (size_t)(nl - lb) - start, r->cont[s]);
		r->cont[s] = 0;
		start = from = (size_t)(nl - lb) + 1;
	}
	if (start == 0 && len == HOOKS_LINE_MAX) {
		emit(r, s, lb, len, 1);
		r->cont[s] = 1;
		start = len;
	}
	memmove(lb, lb + start, len - start);
	r->linelen[s] = len - start;
}

/* Reads once from stream s; returns the bytes read, 0 at the end. */
static ssize_t
read_stream(struct hook_run *r, int s)
{
	int *fd = s == 0 ? &r->p.out : &r->p.err;
	ssize_t n;

	if (*fd == -1)
		return 0;
	n = read(*fd, linebuf(r, s) + r->linelen[s],
	    HOOKS_LINE_MAX - r->linelen[s]);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) {
		closefd(fd);
		return 0;
	}
	split_lines(r, s, (size_t)n);
	return n;
}

/* Writes what standard input takes; closes it at the end or on EPIPE. */
static void
feed(struct hook_run *r)
{
	ssize_t n;

	while (r->p.in != -1) {
		if (r->wlen == 0) {
			if (r->io->more == NULL ||
			    r->io->more(r->io->ctx, &r->wbuf, &r->wlen) != 1) {
				closefd(&r->p.in);
				break;
			}
			continue;
		}
		n = write(r->p.in, r->wbuf, r->wlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1) { /* EPIPE: the hook does not read */
			closefd(&r->p.in);
			break;
		}
		r->wbuf += n;
		r->wlen -= (size_t)n;
	}
}

/* 1 once the hook's own process has ended (left a zombie to reap). */
static int
exited(struct hook_run *r)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)r->p.pid, &si, WEXITED | WNOHANG |
	    WNOWAIT) == -1)
		return errno != EINTR;
	return si.si_pid == r->p.pid;
}

static int
poll_ms(const struct hook_run *r)
{
	int64_t left;

	if (r->deadline == INT64_MAX)
		return r->p.pidfd == -1 ? TICK_MS : -1;
	left = r->deadline - util_monotonic_ms();
	if (left < 0)
		left = 0;
	if (r->p.pidfd == -1 && left > TICK_MS)
		left = TICK_MS;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* To the hook's group, or to the hook alone should it have none. */
static void
signal_group(const struct hook_run *r, int sig)
{
	if (kill(-r->p.pid, sig) == -1 && errno == ESRCH)
		kill(r->p.pid, sig);
}

/* Past the timeout: SIGTERM to the group, then SIGKILL after the grace. */
static void
check_deadline(struct hook_run *r)
{
	if (r->deadline == INT64_MAX || util_monotonic_ms() < r->deadline)
		return;
	if (!r->timed_out) {
		r->timed_out = 1;
		signal_group(r, SIGTERM);
		signal_group(r, SIGCONT);
		r->deadline = util_monotonic_ms() + (int64_t)HOOKS_GRACE * 1000;
	} else {
		signal_group(r, SIGKILL);
		r->deadline = INT64_MAX;
	}
}

/* Polls standard input and output until the hook's process exits. */
static void
io_loop(struct hook_run *r)
{
	struct pollfd pfd[4];
	nfds_t n;
	int i;

	feed(r);
	while (!exited(r)) {
		n = 0;
		if (r->p.in != -1)
			pfd[n++] = (struct pollfd){ r->p.in, POLLOUT, 0 };
		if (r->p.out != -1)
			pfd[n++] = (struct pollfd){ r->p.out, POLLIN, 0 };
		if (r->p.err != -1)
			pfd[n++] = (struct pollfd){ r->p.err, POLLIN, 0 };
		if (r->p.pidfd != -1)
			pfd[n++] = (struct pollfd){ r->p.pidfd, POLLIN, 0 };
		if (poll(pfd, n, poll_ms(r)) > 0) {
			for (i = 0; i < (int)n; i++) {
				if (pfd[i].revents == 0)
					continue;
				if (pfd[i].fd == r->p.in)
					feed(r);
				else if (pfd[i].fd == r->p.out)
					read_stream(r, 0);
				else if (pfd[i].fd == r->p.err)
					read_stream(r, 1);
			}
		}
		check_deadline(r);
	}
}

/* Whether a process other than leader is in leader's process group. */
static int
group_outlived(pid_t leader)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	long pgrp;
	DIR *d;
	FILE *f;
	int found = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atol(de->d_name) == (long)leader)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		/* pid (comm) state ppid pgrp: comm may hold spaces */
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %*c %*d %ld", &pgrp) == 1 &&
		    pgrp == (long)leader)
			found = 1;
		fclose(f);
	}
	closedir(d);
	return found;
}

/*
 * After the exit: whatever is left of the group is killed (while the
 * zombie still holds the group id, so it cannot name another group), the
 * child reaped, and what the pipes hold read without waiting for an end
 * that a process outside the group could hold off for ever.
 */
static void
finish(struct hook_run *r)
{
	size_t total = 0;
	ssize_t n;
	int s;

	r->left = !r->timed_out && group_outlived(r->p.pid);
	kill(-r->p.pid, SIGKILL);
	while (waitpid(r->p.pid, &r->p.wstatus, 0) == -1) {
		if (errno != EINTR) {
			r->lost = 1;
			break;
		}
	}
	closefd(&r->p.in);
	for (s = 0; s < 2; s++) {
		while (total < DRAIN_MAX && (n = read_stream(r, s)) > 0)
			total += (size_t)n;
		if (r->linelen[s] > 0) {
			emit(r, s, linebuf(r, s), r->linelen[s], r->cont[s]);
			r->linelen[s] = 0;
		}
	}
}

/* Runs the loop with SIGPIPE blocked, and eats the one a write raised. */
static void
supervise(struct hook_run *r, int64_t timeout)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipeset, old, pending;
	int was_pending;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	/* a timeout of 0 (or less) means none; huge ones are capped */
	r->deadline = timeout <= 0 ? INT64_MAX : util_monotonic_ms() +
	    (timeout > INT32_MAX ? INT32_MAX : timeout) * 1000;
	io_loop(r);
	finish(r);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE))
		(void)sigtimedwait(&pipeset, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
judge(const struct hook_run *r, int64_t timeout, struct hook_result *res)
{
	int st = r->p.wstatus;

	res->status = HOOK_FAILED;
	res->timed_out = r->timed_out;
	if (r->p.failure != NULL) {
		res->reason = xstrdup(r->p.failure);
		return;
	}
	if (r->lost)
		res->reason = xstrdup("exit status lost (SIGCHLD ignored?)");
	else if (WIFEXITED(st))
		res->exit_code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		res->signal = WTERMSIG(st);
	if (res->reason != NULL)
		return;
	if (r->timed_out)
		res->reason = xasprintf("timed out after %llds",
		    (long long)timeout);
	else if (r->left && res->signal == 0)
		res->reason = xasprintf("exit %d, but it left processes "
		    "running (killed); a hook must wait for its children",
		    res->exit_code);
	else if (res->signal != 0)
		res->reason = xasprintf("killed by signal %d", res->signal);
	else
		res->reason = xasprintf("exit %d", res->exit_code);
	if (r->left)
		return; /* failed: its work may not be done */
	if (!r->timed_out && res->exit_code == 0)
		res->status = HOOK_OK;
	else if (!r->timed_out && res->exit_code == EX_TEMPFAIL)
		res->status = HOOK_RETRY;
}

void
hooks_sanitize(char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			line[i] = '?';
}

/*
 * The hook's words: its last line of standard error, redacted and cleaned
 * as the log has it, trailing blanks dropped, cut to HOOKS_WORDS_MAX bytes
 * (at a character's start, "..." added); NULL when it printed none.
 */
static char *
build_words(struct hook_run *r)
{
	char *line = wordsbuf(r), *w;
	size_t len = r->wordslen, cut;

	if (len == 0)
		return NULL;
	if (hooks_redacted(r->io->call, line, len))
		return xstrdup(REDACTED);
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	hooks_sanitize(line, len);
	if (len <= HOOKS_WORDS_MAX)
		return xstrndup(line, len);
	cut = HOOKS_WORDS_MAX - 3;
	while (cut > 0 && ((unsigned char)line[cut] & 0xc0) == 0x80)
		cut--;
	w = xstrndup(line, cut + 3);
	memcpy(w + cut, "...", 3);
	return w;
}

/*
 * The captured lines, redacted and cleaned of control characters, and the
 * mark when lines were dropped; never longer than HOOKS_OUTPUT_MAX.
 */
static char *
build_output(struct hook_run *r)
{
	struct buf b = { NULL, 0, 0 };
	char *p = (char *)r->mem->data, *end = p + r->caplen, *nl;
	const char *text;
	int cut = r->truncated;
	size_t len, add;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)(nl - p);
		text = p;
		add = len + 1;
		if (hooks_redacted(r->io->call, p, len)) {
			text = REDACTED "\n";
			add = sizeof(REDACTED);
		} else
			hooks_sanitize(p, len);
		if (b.len + add > HOOKS_OUTPUT_MAX - sizeof(TRUNCATED)) {
			cut = 1;
			break;
		}
		buf_add(&b, text, add);
	}
	if (cut)
		buf_puts(&b, TRUNCATED "\n");
	return b.data != NULL ? b.data : xstrdup("");
}

static void
log_result(const struct hook_run *r, const struct hook_result *res)
{
	const char *event = r->io->call->event;
	const char *p = res->output, *nl;

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		log_info("hook %s %s: %.*s", r->name, event, (int)(nl - p), p);
	if (res->status == HOOK_FAILED)
		log_warn("hook %s %s: %s", r->name, event, res->reason);
	else if (res->status == HOOK_RETRY)
		log_info("hook %s %s: %s, will retry at the next run", r->name,
		    event, res->reason);
}

int
hooks_exec(const struct hook_io *io, struct hook_result *res)
{
	struct hook_run r;
	const char *slash = io->call->path != NULL ?
	    strrchr(io->call->path, '/') : NULL;
	int rc = -1, started;

	memset(res, 0, sizeof(*res));
	res->status = HOOK_FAILED;
	res->exit_code = -1;
	memset(&r, 0, sizeof(r));
	r.io = io;
	r.name = slash != NULL ? slash + 1 : "(null)";
	r.p.pidfd = r.p.in = r.p.out = r.p.err = -1;
	if ((r.mem = secret_new(MEM_SIZE, 0)) == NULL ||
	    (started = hooks_spawn(io->call, io->split, &r.p)) == -1)
		goto done;
	if (started == 0)
		supervise(&r, io->call->timeout);
	judge(&r, io->call->timeout, res);
	res->output = build_output(&r);
	res->words = build_words(&r);
	log_result(&r, res);
	rc = 0;
done:
	/* res is still as set above: nothing to free */
	if (rc == -1)
		res->reason = xstrdup("cannot run (see the log)");
	closefd(&r.p.in);
	closefd(&r.p.out);
	closefd(&r.p.err);
	closefd(&r.p.pidfd);
	free(r.p.failure);
	secret_free(r.mem);
	return rc;
}
