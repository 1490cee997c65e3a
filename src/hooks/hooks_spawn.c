/*
 * hooks_spawn.c - starting a hook process (SPEC section 6): argument and
 * environment arrays built from scratch, descriptors 0, 1 and 2 on pipes
 * and no other, a new session, folder /, umask 077, hook_user.
 *
 * Nothing is allocated between fork and execve: the arrays, the user's
 * groups and the descriptors are prepared before, and the child reports a
 * failure through a close-on-exec pipe that a successful execve closes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks_spawn.h"
#include "support/log.h"
#include "support/util.h"

#define HOOK_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* Where the child failed, reported on the status pipe. */
enum stage {
	STAGE_NONE = 0,
	STAGE_FDS,
	STAGE_USER,
	STAGE_DIR,
	STAGE_EXEC,
};

struct child_err {
	int stage;
	int err;
};

/* Everything the child needs, prepared before fork. */
struct spawn {
	char *argv[3];
	char **envp;
	size_t nenv;
	int fd[3];  /* becomes 0, 1 and 2 */
	int status; /* write end of the status pipe */
	int setuser;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

/*
 * PATH, HOME, LANG and the caller's variables, nothing else. Returns -1
 * after logging when a name cannot be a variable name or is one of the
 * three (a bug of the caller).
 */
static int
env_build(const struct hook_call *call, const char *home, struct spawn *sp)
{
	const char *lang = getenv("LANG");
	size_t i;

	sp->envp = xcalloc(call->nvars + 4, sizeof(*sp->envp));
	sp->envp[sp->nenv++] = xstrdup(HOOK_PATH);
	sp->envp[sp->nenv++] = xasprintf("HOME=%s", home);
	sp->envp[sp->nenv++] = xasprintf("LANG=%s",
	    lang != NULL && *lang != '\0' ? lang : "C.UTF-8");
	for (i = 0; i < call->nvars; i++) {
		const struct hook_var *v = &call->vars[i];

		if (v->name == NULL || *v->name == '\0' ||
		    strchr(v->name, '=') != NULL || v->value == NULL ||
		    strcmp(v->name, "PATH") == 0 ||
		    strcmp(v->name, "HOME") == 0 ||
		    strcmp(v->name, "LANG") == 0) {
			log_fail(EX_SOFTWARE, "hook: bad variable name %s",
			    v->name != NULL ? v->name : "(null)");
			return -1;
		}
		sp->envp[sp->nenv++] = xasprintf("%s=%s", v->name, v->value);
	}
	return 0;
}

/* The user's groups, for setgroups() in the child; its own at least. */
static void
user_groups(const struct passwd *pw, struct spawn *sp)
{
	int n = 16, got;

	for (; n <= 65536; n = got > n ? got : n * 2) {
		got = n;
		sp->groups = xrealloc(sp->groups, (size_t)n * sizeof(gid_t));
		if (getgrouplist(pw->pw_name, pw->pw_gid, sp->groups,
		    &got) != -1) {
			sp->ngroups = got;
			return;
		}
	}
	sp->groups[0] = pw->pw_gid;
	sp->ngroups = 1;
}

/*
 * Argument and environment arrays, and the user to switch to: hook_user
 * when set and running as root (refused, 77, when it does not exist),
 * else none. HOME is the home of the user the hook runs as, "/" when
 * there is none.
 */
static int
spawn_prepare(const struct hook_call *call, struct spawn *sp)
{
	const struct passwd *pw;
	const char *home = "/";

	if (call->path == NULL || call->path[0] != '/') {
		log_fail(EX_CONFIG, "hook: %s: not an absolute path",
		    call->path != NULL ? call->path : "(null)");
		return -1;
	}
	if (call->event == NULL) {
		log_fail(EX_SOFTWARE, "hook: %s: no event", call->path);
		return -1;
	}
	sp->argv[0] = (char *)(uintptr_t)call->path;
	sp->argv[1] = (char *)(uintptr_t)call->event;
	if (call->user != NULL && geteuid() == 0) {
		if ((pw = getpwnam(call->user)) == NULL) {
			log_fail(EX_NOPERM, "hook: hook_user %s: no such user",
			    call->user);
			return -1;
		}
		sp->setuser = 1;
		sp->uid = pw->pw_uid;
		sp->gid = pw->pw_gid;
	} else
		pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] != '\0')
		home = pw->pw_dir;
	if (env_build(call, home, sp) == -1)
		return -1;
	if (sp->setuser)
		user_groups(pw, sp); /* last: it may reuse pw's storage */
	return 0;
}

static void
spawn_free(struct spawn *sp)
{
	size_t i;

	for (i = 0; i < sp->nenv; i++)
		free(sp->envp[i]);
	free(sp->envp);
	free(sp->groups);
}

/*
 * Closes every descriptor from low up: close_range(), else the entries of
 * /proc/self/fd (read with getdents64, which is safe after fork), else
 * every number below the descriptor limit.
 */
static void
close_from(int low)
{
	union {
		char b[2048];
		struct dirent64 align;
	} u;
	struct rlimit rl;
	long n, off, fd, max;
	int dfd;

	if (close_range((unsigned)low, ~0U, 0) == 0)
		return;
	if ((dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		while ((n = getdents64(dfd, u.b, sizeof(u.b))) > 0) {
			for (off = 0; off < n;) {
				struct dirent64 *d = (struct dirent64 *)(void *)
				    (u.b + off);
				const char *s = d->d_name;

				for (fd = 0; *s >= '0' && *s <= '9'; s++)
					fd = fd * 10 + (*s - '0');
				if (*s == '\0' && s != d->d_name &&
				    fd >= low && fd != dfd)
					close((int)fd);
				off += d->d_reclen;
			}
		}
		close(dfd);
		if (n == 0)
			return;
	}
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1 << 20) ?
	    (long)rl.rlim_cur : (1 << 20);
	for (fd = low; fd < max; fd++)
		close((int)fd);
}

static void __attribute__((noreturn))
child_fail(int status, enum stage stage)
{
	struct child_err ce = { stage, errno };

	(void)!write(status, &ce, sizeof(ce));
	_exit(127);
}

/*
 * In the child, between fork and execve: only async-signal-safe calls.
 * Every descriptor is moved above 2 before the dup2() calls so that none
 * is overwritten early and dup2() always clears close-on-exec.
 */
static void __attribute__((noreturn))
child(const struct spawn *sp)
{
	struct sigaction sa;
	sigset_t none;
	int fd[3], st, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL); /* fails for KILL and STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((st = fcntl(sp->status, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	for (i = 0; i < 3; i++)
		if ((fd[i] = fcntl(sp->fd[i], F_DUPFD_CLOEXEC, 3)) == -1)
			child_fail(st, STAGE_FDS);
	for (i = 0; i < 3; i++)
		if (dup2(fd[i], i) == -1)
			child_fail(st, STAGE_FDS);
	if (dup2(st, 3) == -1 || fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		_exit(127);
	close_from(4);
	if (setsid() == -1)
		child_fail(3, STAGE_FDS);
	if (sp->setuser && (setgroups((size_t)sp->ngroups, sp->groups) ==
	    -1 || setgid(sp->gid) == -1 || setuid(sp->uid) == -1))
		child_fail(3, STAGE_USER);
	if (chdir("/") == -1)
		child_fail(3, STAGE_DIR);
	umask(077);
	execve(sp->argv[0], sp->argv, sp->envp);
	child_fail(3, STAGE_EXEC);
}

static int
pipe_pair(int p[2], int nonblock_end)
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (nonblock_end >= 0)
		(void)fcntl(p[nonblock_end], F_SETFL, O_NONBLOCK);
	return 0;
}

static void
closefd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
close_pair(int p[2])
{
	closefd(&p[0]);
	closefd(&p[1]);
}

static const char *
stage_what(int stage)
{
	switch (stage) {
	case STAGE_USER:
		return "cannot switch to hook_user";
	case STAGE_DIR:
		return "cannot change to /";
	case STAGE_EXEC:
		return "cannot execute";
	default:
		return "cannot set up descriptors";
	}
}

/*
 * Forks and executes the hook with the prepared arrays. Returns as
 * hooks_spawn().
 */
static int
spawn(const struct hook_call *call, int split, struct spawn *sp,
    struct hook_proc *p)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int st[2] = { -1, -1 }, rc = -1, saved;
	struct child_err ce;
	sigset_t all, old;
	ssize_t n;

	if (pipe_pair(in, 1) == -1 || pipe_pair(out, 0) == -1 ||
	    (split && pipe_pair(err, 0) == -1) || pipe_pair(st, -1) == -1) {
		log_fail(EX_IOERR, "hook: %s: cannot create pipes: %s",
		    call->path, strerror(errno));
		goto done;
	}
	sp->fd[0] = in[0];
	sp->fd[1] = out[1];
	sp->fd[2] = split ? err[1] : out[1];
	sp->status = st[1];
	/* no handler of ours may run in the child before execve */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->pid = fork();
	if (p->pid == 0)
		child(sp);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->pid == -1) {
		log_fail(EX_IOERR, "hook: %s: cannot fork: %s", call->path,
		    strerror(saved));
		goto done;
	}
	closefd(&st[1]);
	while ((n = read(st[0], &ce, sizeof(ce))) == -1 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(ce)) {
		while (waitpid(p->pid, &p->wstatus, 0) == -1 && errno == EINTR)
			;
		p->failure = xasprintf("%s: %s", stage_what(ce.stage),
		    strerror(ce.err));
		rc = 1;
		goto done;
	}
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	in[1] = out[0] = err[0] = -1;
#ifdef SYS_pidfd_open
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
#endif
	rc = 0;
done:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	close_pair(st);
	return rc;
}

int
hooks_spawn(const struct hook_call *call, int split, struct hook_proc *p)
{
	struct spawn sp;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->in = p->out = p->err = -1;
	memset(&sp, 0, sizeof(sp));
	if (spawn_prepare(call, &sp) == -1)
		goto done;
	rc = spawn(call, split, &sp, p);
done:
	spawn_free(&sp);
	return rc;
}
