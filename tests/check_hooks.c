/*
 * check_hooks.c - running hooks: environment, descriptors, input, exit
 * mapping, timeouts and process groups, output capture and redaction,
 * trust checks, and the batch protocol.
 *
 * The hooks are the /bin/sh scripts of tests/data/hooks, copied into each
 * test's private folder (T_DIR in their environment) with mode 0700.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "testutil.h"
#include "hooks/hooks.h"
#include "hooks/hooks_int.h"
#include "secret/secret.h"
#include "support/log.h"
#include "support/util.h"

static char *dir;
static struct hook_var vars[8];
static size_t nvars;

static void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
	dir = tu_tmpdir();
	vars[0] = (struct hook_var){ "T_DIR", dir };
	nvars = 1;
	log_status_reset();
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

/* Copies file src into the test folder as name; returns its path. */
static char *
install(const char *src, const char *name, mode_t mode)
{
	char *dst = xasprintf("%s/%s", dir, name);
	size_t len;
	char *text = tu_slurp(src, &len);

	tu_spit(dst, text, len, mode);
	free(text);
	return dst;
}

/* Copies tests/data/hooks/NAME into the test folder; returns its path. */
static char *
hook(const char *name, mode_t mode)
{
	char *src = xasprintf(TEST_SRCDIR "/data/hooks/%s", name);
	char *dst = install(src, name, mode);

	free(src);
	return dst;
}

static void
var(const char *name, const char *value)
{
	ck_assert_uint_lt(nvars, ARRAY_LEN(vars));
	vars[nvars++] = (struct hook_var){ name, value };
}

static struct hook_call
call_of(const char *path, const char *event)
{
	struct hook_call c;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.event = event;
	c.vars = vars;
	c.nvars = nvars;
	c.timeout = 30;
	return c;
}

/* Runs tests/data/hooks/NAME for event with no input; asserts it ran. */
static void
run(const char *name, const char *event, struct hook_result *res)
{
	char *path = hook(name, 0700);
	struct hook_call c = call_of(path, event);

	ck_assert_int_eq(hooks_run(&c, res), 0);
	ck_assert_ptr_nonnull(res->output);
	ck_assert_ptr_nonnull(res->reason);
	free(path);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t
read_pid(void)
{
	char *path = xasprintf("%s/pid", dir);
	char *text = tu_slurp(path, NULL);
	pid_t pid = (pid_t)atoi(text);

	ck_assert_int_gt(pid, 1);
	free(text);
	free(path);
	return pid;
}

/* State letter of a process from /proc/PID/stat, 0 when there is none. */
static char
proc_state(const char *pid, long *pgrp)
{
	char path[64], buf[512];
	const char *p;
	FILE *f;
	char st = 0;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 1, " %c %*d %ld", &st, pgrp) != 2)
		st = 0;
	fclose(f);
	return st;
}

/* 1 when no live process (zombies are dead) is in group pgid. */
static int
group_gone(pid_t pgid)
{
	struct dirent *d;
	DIR *proc;
	long pgrp;
	int alive = 0;
	char st;

	ck_assert_ptr_nonnull(proc = opendir("/proc"));
	while ((d = readdir(proc)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		st = proc_state(d->d_name, &pgrp);
		if (st != 0 && st != 'Z' && pgrp == (long)pgid)
			alive++;
	}
	closedir(proc);
	return alive == 0;
}

/* Waits up to 3 s for the group to be gone. */
static int
group_ends(pid_t pgid)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (group_gone(pgid))
			return 1;
		usleep(10000);
	}
	return 0;
}

static int
process_dead(pid_t pid)
{
	char name[32];
	long pgrp;
	char st;
	int i;

	snprintf(name, sizeof(name), "%d", (int)pid);
	for (i = 0; i < 300; i++) {
		st = proc_state(name, &pgrp);
		if (st == 0 || st == 'Z')
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Sorted names of the NAME=VALUE lines of an env listing, space-joined. */
static char *
env_names(const char *out)
{
	char *names[32], *copy = xstrdup(out), *line, *save = NULL;
	struct buf b = { NULL, 0, 0 };
	size_t n = 0, i, j;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert_uint_lt(n, ARRAY_LEN(names));
		names[n++] = xstrndup(line, strcspn(line, "="));
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i > 0 ? " " : "", names[i]);
		free(names[i]);
	}
	free(copy);
	return b.data != NULL ? b.data : xstrdup("");
}

START_TEST(test_hook_environment_is_exactly_path_home_lang_and_given_vars)
{
	struct hook_result res;
	const struct passwd *pw = getpwuid(geteuid());
	char *names, *home;

	setenv("LANG", "de_DE.UTF-8", 1);
	setenv("DKIMKEYS_LEAK", "must not pass", 1);
	var("DKIMKEYS_EVENT", "publish");
	var("DKIMKEYS_TXT", "v=DKIM1; k=ed25519; p=");
	run("env.sh", "publish", &res);
	names = env_names(res.output);
	ck_assert_str_eq(names,
	    "DKIMKEYS_EVENT DKIMKEYS_TXT HOME LANG PATH T_DIR");
	ck_assert_ptr_nonnull(strstr(res.output,
	    "PATH=/usr/local/bin:/usr/bin:/bin\n"));
	ck_assert_ptr_nonnull(strstr(res.output, "LANG=de_DE.UTF-8\n"));
	ck_assert_ptr_nonnull(strstr(res.output,
	    "DKIMKEYS_TXT=v=DKIM1; k=ed25519; p=\n"));
	home = xasprintf("HOME=%s\n", pw != NULL && pw->pw_dir[0] != '\0' ?
	    pw->pw_dir : "/");
	ck_assert_ptr_nonnull(strstr(res.output, home));
	ck_assert_int_eq(res.status, HOOK_OK);
	free(home);
	free(names);
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_lang_defaults_to_c_utf8)
{
	struct hook_result res;

	unsetenv("LANG");
	run("env.sh", "retire", &res);
	ck_assert_ptr_nonnull(strstr(res.output, "LANG=C.UTF-8\n"));
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_runs_in_root_folder_umask_077_and_own_session)
{
	struct hook_result res;

	run("setup.sh", "withdraw", &res);
	ck_assert_str_eq(res.output, "argc=1 argv1=withdraw\n"
	    "cwd=/\n"
	    "umask=0077\n"
	    "pgrp=0 sid=0\n");
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_deploy_input_arrives_on_standard_input)
{
	static const char pem[] = "-----BEGIN TEST-----\nAAAA\n"
	    "-----END TEST-----\n";
	struct secret *in = secret_from(pem, sizeof(pem) - 1);
	char *path = hook("cat.sh", 0700);
	struct hook_call c = call_of(path, "deploy");
	struct hook_result res;

	c.input = in;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_eq(res.output, "-----BEGIN TEST-----\nAAAA\n"
	    "-----END TEST-----\nend\n");
	ck_assert_int_eq(res.status, HOOK_OK);
	hook_result_clear(&res);
	secret_free(in);
	free(path);
}
END_TEST

START_TEST(test_other_events_get_empty_standard_input)
{
	struct hook_result res;

	run("cat.sh", "publish", &res);
	ck_assert_str_eq(res.output, "end\n");
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_inherits_no_descriptor_but_0_1_2)
{
	struct hook_result res;
	int fd = open("/dev/null", O_RDONLY);

	/* neither close-on-exec nor low: must be closed by the runner */
	ck_assert_int_eq(dup2(fd, 100), 100);
	ck_assert_int_eq(dup2(fd, 5), 5);
	run("fds.sh", "publish", &res);
	ck_assert_str_eq(res.output, "0\n1\n2\n3\n");
	hook_result_clear(&res);
	close(fd);
}
END_TEST

static const struct {
	const char *code;
	enum hook_status status;
	int exit_code;
	const char *reason;
} exits[] = {
	{ "0", HOOK_OK, 0, "exit 0" },
	{ "75", HOOK_RETRY, 75, "exit 75" },
	{ "3", HOOK_FAILED, 3, "exit 3" },
	{ "1", HOOK_FAILED, 1, "exit 1" },
	{ "77", HOOK_FAILED, 77, "exit 77" },
};

START_TEST(test_exit_status_maps_to_ok_retry_or_failed)
{
	struct hook_result res;

	var("T_CODE", exits[_i].code);
	run("exit.sh", "revoke", &res);
	ck_assert_int_eq(res.status, exits[_i].status);
	ck_assert_int_eq(res.exit_code, exits[_i].exit_code);
	ck_assert_int_eq(res.signal, 0);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_str_eq(res.reason, exits[_i].reason);
	/* standard output and error, both captured */
	ck_assert_ptr_nonnull(strstr(res.output, "to stdout\n"));
	ck_assert_ptr_nonnull(strstr(res.output, "to stderr\n"));
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_killed_by_a_signal_fails)
{
	struct hook_result res;

	run("signal.sh", "publish", &res);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert_int_eq(res.exit_code, -1);
	ck_assert_str_eq(res.reason, "killed by signal 9");
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_past_its_timeout_is_terminated_with_its_group)
{
	char *path = hook("sleep.sh", 0700);
	struct hook_call c = call_of(path, "publish");
	struct hook_result res;
	double t0 = now();

	c.timeout = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_double_lt(now() - t0, 4.0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.signal, SIGTERM);
	ck_assert_str_eq(res.reason, "timed out after 1s");
	ck_assert(group_ends(read_pid()));
	hook_result_clear(&res);
	free(path);
}
END_TEST

START_TEST(test_hook_ignoring_sigterm_gets_sigkill_after_the_grace)
{
	char *path = hook("noterm.sh", 0700);
	struct hook_call c = call_of(path, "publish");
	struct hook_result res;
	double t0 = now(), t;

	c.timeout = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	t = now() - t0;
	ck_assert_double_ge(t, 1.0 + HOOKS_GRACE - 0.5);
	ck_assert_double_lt(t, 1.0 + HOOKS_GRACE + 3.0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert(group_ends(read_pid()));
	hook_result_clear(&res);
	free(path);
}
END_TEST

START_TEST(test_hook_that_leaves_a_background_process_fails_and_it_dies)
{
	struct hook_result res;
	double t0 = now();

	run("background.sh", "publish", &res);
	/* the child holds the output pipe: no waiting for its end */
	ck_assert_double_lt(now() - t0, 3.0);
	/* exit 0, but its work may still be running: not done */
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_ptr_nonnull(strstr(res.reason, "left processes running"));
	ck_assert_str_eq(res.output, "started\n");
	ck_assert(process_dead(read_pid()));
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_hook_output_is_bounded)
{
	struct hook_result res;
	size_t len;

	run("flood.sh", "publish", &res);
	ck_assert_int_eq(res.status, HOOK_OK);
	len = strlen(res.output);
	ck_assert_uint_le(len, HOOKS_OUTPUT_MAX);
	ck_assert_uint_gt(len, HOOKS_OUTPUT_MAX / 2);
	ck_assert_str_eq(res.output + len - 19, "[output truncated]\n");
	ck_assert_ptr_nonnull(strstr(res.output, "0123456789abcdef\n"));
	/* no line was cut by the cap */
	ck_assert_ptr_null(strstr(res.output, "\n0123456789abcde[output"));
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_lines_carrying_the_secret_are_redacted)
{
	static const char key[] = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
	struct secret *in = secret_from(key, sizeof(key) - 1);
	const struct secret *redact[] = { in };
	char *path = hook("secret.sh", 0700);
	struct hook_call c = call_of(path, "deploy");
	struct hook_result res;

	c.input = in;
	c.redact = redact;
	c.nredact = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_eq(res.output,
	    "before\n[redacted]\n[redacted]\nafter\n");
	ck_assert_ptr_null(strstr(res.output, "MIIEvQ"));
	hook_result_clear(&res);
	secret_free(in);
	free(path);
}
END_TEST

START_TEST(test_every_line_of_a_printed_pem_is_redacted)
{
	size_t len;
	char *pem = tu_slurp(TEST_SRCDIR "/data/keys/rsa2048-pkcs8.pem",
	    &len);
	struct secret *in = secret_from(pem, len);
	const struct secret *redact[] = { in };
	char *path = hook("cat.sh", 0700);
	struct hook_call c = call_of(path, "reveal");
	struct hook_result res;
	const char *p;
	size_t lines = 0;

	c.input = in;
	c.redact = redact;
	c.nredact = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	for (p = pem; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_uint_gt(lines, 20);
	for (p = res.output; lines > 0; lines--, p += 11)
		ck_assert_int_eq(strncmp(p, "[redacted]\n", 11), 0);
	ck_assert_str_eq(p, "end\n");
	hook_result_clear(&res);
	secret_free(in);
	free(path);
	free(pem);
}
END_TEST

START_TEST(test_control_characters_in_output_are_replaced)
{
	static const char text[] = "a\033[2Jb\rc\td\n";
	struct secret *in = secret_from(text, sizeof(text) - 1);
	char *path = hook("cat.sh", 0700);
	struct hook_call c = call_of(path, "deploy");
	struct hook_result res;

	c.input = in;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_eq(res.output, "a?[2Jb?c\td\nend\n");
	hook_result_clear(&res);
	secret_free(in);
	free(path);
}
END_TEST

START_TEST(test_hook_output_is_logged_with_name_and_event)
{
	char *logfile = xasprintf("%s/log", dir), *text;
	struct hook_result res;

	ck_assert_int_eq(log_open(logfile), 0);
	var("T_CODE", "3");
	run("exit.sh", "retire", &res);
	log_close();
	text = tu_slurp(logfile, NULL);
	ck_assert_ptr_nonnull(strstr(text,
	    "info hook exit.sh retire: to stdout\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "warning hook exit.sh retire: exit 3\n"));
	/* a hook's failure is not dkimkeys' failure */
	ck_assert_int_eq(log_status(), 0);
	hook_result_clear(&res);
	free(text);
	free(logfile);
}
END_TEST

START_TEST(test_non_executable_hook_fails_with_a_clear_reason)
{
	char *path = hook("exit.sh", 0600);
	struct hook_call c = call_of(path, "publish");
	struct hook_result res;

	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_str_eq(res.reason, "cannot execute: Permission denied");
	ck_assert_int_eq(res.exit_code, -1);
	ck_assert_int_eq(log_status(), 0);
	hook_result_clear(&res);
	free(path);
}
END_TEST

START_TEST(test_hook_with_a_missing_interpreter_fails_with_a_clear_reason)
{
	char *path = xasprintf("%s/nointerp", dir);
	struct hook_call c = call_of(path, "publish");
	struct hook_result res;

	tu_spit(path, "#!/nonexistent/sh\n", 18, 0700);
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_str_eq(res.reason,
	    "cannot execute: No such file or directory");
	hook_result_clear(&res);
	free(path);
}
END_TEST

START_TEST(test_hook_not_reading_its_input_does_not_kill_the_caller)
{
	struct secret *in = secret_new(4 * 1024 * 1024, 4 * 1024 * 1024);
	char *path = hook("exit.sh", 0700);
	struct hook_call c = call_of(path, "deploy");
	struct hook_result res;

	ck_assert_ptr_nonnull(in);
	memset(in->data, 'k', in->len);
	c.input = in;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_int_eq(res.status, HOOK_OK);
	hook_result_clear(&res);
	secret_free(in);
	free(path);
}
END_TEST

START_TEST(test_hook_runs_as_hook_user_when_started_as_root)
{
	const struct passwd *pw = getpwnam("nobody");
	char *path, *want;
	struct hook_call c;
	struct hook_result res;

	ck_assert_ptr_nonnull(pw);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	path = hook("whoami.sh", 0755);
	c = call_of(path, "publish");
	c.user = "nobody";
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	if (geteuid() == 0)
		want = xasprintf("uid=%u gid=%u home=%s\n",
		    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, pw->pw_dir);
	else /* hook_user applies to root only */
		want = xasprintf("uid=%u gid=%u home=%s\n",
		    (unsigned)geteuid(), (unsigned)getegid(),
		    getpwuid(geteuid())->pw_dir);
	ck_assert_str_eq(res.output, want);
	hook_result_clear(&res);
	free(want);
	free(path);
}
END_TEST

START_TEST(test_missing_hook_user_is_refused_when_root)
{
	char *path = hook("exit.sh", 0700);
	struct hook_call c = call_of(path, "publish");
	struct hook_result res;

	c.user = "no-such-user-dkimkeys";
	if (geteuid() == 0) {
		ck_assert_int_eq(hooks_run(&c, &res), -1);
		ck_assert_int_eq(res.status, HOOK_FAILED);
		ck_assert_int_eq(log_status(), EX_NOPERM);
	} else { /* hook_user is ignored unless root */
		ck_assert_int_eq(hooks_run(&c, &res), 0);
		ck_assert_int_eq(res.status, HOOK_OK);
	}
	hook_result_clear(&res);
	free(path);
}
END_TEST

START_TEST(test_relative_hook_path_is_refused)
{
	struct hook_call c = call_of("hooks/nsupdate", "publish");
	struct hook_result res;

	ck_assert_int_eq(hooks_run(&c, &res), -1);
	ck_assert_int_ne(log_status(), 0);
	ck_assert_ptr_nonnull(res.reason);
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_caller_cannot_set_path_home_or_lang)
{
	char *path = hook("env.sh", 0700);
	struct hook_call c;
	struct hook_result res;

	var("PATH", "/tmp");
	c = call_of(path, "publish");
	ck_assert_int_eq(hooks_run(&c, &res), -1);
	ck_assert_int_eq(log_status(), EX_SOFTWARE);
	hook_result_clear(&res);
	free(path);
}
END_TEST

/* hooks_check */

START_TEST(test_check_accepts_a_safe_hook)
{
	char *path = hook("exit.sh", 0755);

	ck_assert_int_eq(hooks_check(path), 0);
	ck_assert_int_eq(log_status(), 0);
	free(path);
}
END_TEST

static const struct {
	const char *what;
	mode_t file, folder;
	const char *name; /* NULL: the copied exit.sh */
} unsafe[] = {
	{ "group-writable file", 0775, 0700, NULL },
	{ "world-writable file", 0757, 0700, NULL },
	{ "non-executable file", 0644, 0700, NULL },
	{ "group-writable folder", 0755, 0770, NULL },
	{ "world-writable folder without sticky bit", 0755, 0777, NULL },
	{ "missing file", 0755, 0700, "missing" },
	{ "folder instead of file", 0755, 0700, "sub" },
	{ "symlink into a group-writable folder", 0755, 0700, "link" },
	{ "symlink in a group-writable folder", 0755, 0700, "sublink" },
	{ "relative path", 0755, 0700, "relative" },
};

START_TEST(test_check_refuses_unsafe_hooks)
{
	char *path = hook("exit.sh", unsafe[_i].file);
	char *sub = xasprintf("%s/sub", dir), *target, *arg;
	const char *name = unsafe[_i].name;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(chmod(sub, 0770), 0);
	if (name == NULL)
		arg = xstrdup(path);
	else if (strcmp(name, "relative") == 0)
		arg = xstrdup("tests/data/hooks/exit.sh");
	else if (strcmp(name, "link") == 0) {
		target = xasprintf("%s/exit.sh", sub);
		tu_spit(target, "#!/bin/sh\n", 10, 0755);
		arg = xasprintf("%s/link", dir);
		ck_assert_int_eq(symlink(target, arg), 0);
		free(target);
	} else if (strcmp(name, "sublink") == 0) {
		arg = xasprintf("%s/link", sub);
		ck_assert_int_eq(symlink(path, arg), 0);
	} else
		arg = xasprintf("%s/%s", dir, name);
	ck_assert_int_eq(chmod(dir, unsafe[_i].folder), 0);
	ck_assert_msg(hooks_check(arg) == -1, "%s accepted", unsafe[_i].what);
	ck_assert_int_eq(log_status(), EX_NOPERM);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	free(arg);
	free(sub);
	free(path);
}
END_TEST

/* batch hooks */

struct feed {
	const char **lines;
	size_t n;
	size_t asked;
	size_t fail_at; /* next() fails there */
	char *store;    /* of big_lines() */
	size_t nreports;
	char *keys[2100];
	int ok[2100];
	char *reasons[2100];
};

static struct feed *
feed_new(const char **lines, size_t n)
{
	struct feed *f = xcalloc(1, sizeof(*f));

	f->lines = lines;
	f->n = n;
	f->fail_at = n + 1000;
	return f;
}

/* n lines of 200 bytes, "keyNNNN" then x: more than a pipe holds. */
static struct feed *
feed_big(size_t n)
{
	struct feed *f = feed_new(xcalloc(n, sizeof(char *)), n);
	size_t i;

	f->store = xmalloc(n * 201);
	for (i = 0; i < n; i++) {
		char *l = f->store + i * 201;

		memset(l, 'x', 200);
		l[200] = '\0';
		memcpy(l, "key", 3);
		l[3] = (char)('0' + i / 1000 % 10);
		l[4] = (char)('0' + i / 100 % 10);
		l[5] = (char)('0' + i / 10 % 10);
		l[6] = (char)('0' + i % 10);
		f->lines[i] = l;
	}
	return f;
}

static void
feed_free(struct feed *f)
{
	size_t i;

	for (i = 0; i < f->nreports; i++) {
		free(f->keys[i]);
		free(f->reasons[i]);
	}
	if (f->store != NULL) {
		free(f->lines);
		free(f->store);
	}
	free(f);
}

static int
next_line(void *ctx, size_t i, struct secret **line)
{
	struct feed *f = ctx;

	ck_assert_uint_eq(i, f->asked);
	f->asked++;
	if (i == f->fail_at)
		return -1;
	if (i >= f->n)
		return 0;
	*line = secret_from(f->lines[i], strlen(f->lines[i]));
	return *line != NULL ? 1 : -1;
}

static void
report(void *ctx, const char *key, int ok, const char *reason)
{
	struct feed *f = ctx;

	ck_assert_uint_lt(f->nreports, ARRAY_LEN(f->keys));
	f->keys[f->nreports] = xstrdup(key);
	f->ok[f->nreports] = ok;
	f->reasons[f->nreports] = reason != NULL ? xstrdup(reason) : NULL;
	f->nreports++;
}

static int
run_batch(const char *name, const char *event, struct feed *f,
    int64_t timeout, struct hook_result *res)
{
	char *path = hook(name, 0700);
	struct hook_batch b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.call = call_of(path, event);
	b.call.timeout = timeout;
	b.next = next_line;
	b.report = report;
	b.ctx = f;
	rc = hooks_run_batch(&b, res);
	free(path);
	return rc;
}

START_TEST(test_batch_lines_arrive_in_order_each_followed_by_lf)
{
	const char *lines[] = { "{\"n\":1}", "{\"n\":2}", "", "{\"n\":4}" };
	struct feed *f = feed_new(lines, 4);
	struct hook_result res;
	char *in, *path = xasprintf("%s/in", dir);

	ck_assert_int_eq(run_batch("batch_cat.sh", "publish", f, 30, &res),
	    0);
	ck_assert_int_eq(res.status, HOOK_OK);
	ck_assert_uint_eq(f->asked, 5);
	in = tu_slurp(path, NULL);
	ck_assert_str_eq(in, "{\"n\":1}\n{\"n\":2}\n\n{\"n\":4}\n");
	ck_assert_str_eq(res.output, "stored\n");
	ck_assert_uint_eq(f->nreports, 0);
	hook_result_clear(&res);
	feed_free(f);
	free(in);
	free(path);
}
END_TEST

START_TEST(test_batch_ok_and_fail_lines_are_reported)
{
	const char *lines[] = { "a.example. ok",
		"b.example. fail no such zone", "c.example. skip",
		"d.example. fail" };
	struct feed *f = feed_new(lines, 4);
	struct hook_result res;

	ck_assert_int_eq(run_batch("batch_answer.sh", "publish", f, 30,
	    &res), 0);
	ck_assert_int_eq(res.status, HOOK_OK);
	ck_assert_uint_eq(f->nreports, 3);
	ck_assert_str_eq(f->keys[0], "a.example.");
	ck_assert_int_eq(f->ok[0], 1);
	ck_assert_ptr_null(f->reasons[0]);
	ck_assert_str_eq(f->keys[1], "b.example.");
	ck_assert_int_eq(f->ok[1], 0);
	ck_assert_str_eq(f->reasons[1], "no such zone");
	ck_assert_str_eq(f->keys[2], "d.example.");
	ck_assert_int_eq(f->ok[2], 0);
	ck_assert_str_eq(f->reasons[2], "no reason given");
	/* other lines, and standard error, go to the output */
	ck_assert_ptr_nonnull(strstr(res.output, "skipping c.example.\n"));
	ck_assert_ptr_nonnull(strstr(res.output, "a line on stderr\n"));
	ck_assert_ptr_null(strstr(res.output, "ok a.example."));
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_ok_lines_count_whatever_the_exit_status)
{
	const char *lines[] = { "a.example. ok", "b.example. later",
		"c.example. ok" };
	struct feed *f = feed_new(lines, 3);
	struct hook_result res;

	var("T_CODE", "75");
	ck_assert_int_eq(run_batch("batch_answer.sh", "deploy", f, 30, &res),
	    0);
	ck_assert_int_eq(res.status, HOOK_RETRY);
	/* b.example. is unreported: the caller holds it back */
	ck_assert_uint_eq(f->nreports, 2);
	ck_assert_str_eq(f->keys[0], "a.example.");
	ck_assert_str_eq(f->keys[1], "c.example.");
	ck_assert_int_eq(f->ok[0] && f->ok[1], 1);
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_malformed_protocol_lines_are_only_logged)
{
	static const char want[] = "a.example. ok\nok\nok two words\n"
	    "okay\nfail\n[redacted]\n";
	char *longline = xmalloc(HOOKS_OUTPUT_MAX);
	const char *lines[] = { "a.example. ok", "ok", "ok two words",
		"okay", "fail", "fail k.example. -----BEGIN PRIVATE KEY-----",
		longline };
	struct feed *f = feed_new(lines, ARRAY_LEN(lines));
	struct hook_result res;

	/* a line too long for a protocol line, whose second piece looks
	   like one */
	memset(longline, 'x', HOOKS_LINE_MAX);
	strcpy(longline + HOOKS_LINE_MAX, "ok z.example.");
	ck_assert_int_eq(run_batch("batch_echo.sh", "publish", f, 30, &res),
	    0);
	ck_assert_uint_eq(f->nreports, 0);
	ck_assert_int_eq(strncmp(res.output, want, sizeof(want) - 1), 0);
	ck_assert_ptr_nonnull(strstr(res.output, "x\nok z.example.\n"));
	hook_result_clear(&res);
	feed_free(f);
	free(longline);
}
END_TEST

START_TEST(test_batch_hook_answering_as_it_reads_does_not_deadlock)
{
	struct feed *f = feed_big(2000);
	struct hook_result res;
	size_t i;

	ck_assert_int_eq(run_batch("batch_sed.sh", "publish", f, 30, &res),
	    0);
	ck_assert_int_eq(res.status, HOOK_OK);
	ck_assert_uint_eq(f->nreports, 2000);
	for (i = 0; i < 2000; i++) {
		ck_assert_str_eq(f->keys[i], f->lines[i]);
		ck_assert_int_eq(f->ok[i], 1);
	}
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_hook_echoing_its_input_does_not_deadlock)
{
	struct feed *f = feed_big(2000);
	struct hook_result res;

	ck_assert_int_eq(run_batch("batch_echo.sh", "publish", f, 30, &res),
	    0);
	ck_assert_int_eq(res.status, HOOK_OK);
	ck_assert_uint_eq(f->asked, 2001);
	ck_assert_uint_eq(f->nreports, 0);
	ck_assert_uint_le(strlen(res.output), HOOKS_OUTPUT_MAX);
	ck_assert_int_eq(strncmp(res.output, f->lines[0], 200), 0);
	ck_assert_ptr_nonnull(strstr(res.output, "[output truncated]\n"));
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_hook_exiting_without_reading_is_judged)
{
	struct feed *f = feed_big(2000);
	struct hook_result res;

	var("T_CODE", "4");
	ck_assert_int_eq(run_batch("exit.sh", "deploy", f, 30, &res), 0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_str_eq(res.reason, "exit 4");
	ck_assert_uint_lt(f->asked, 2001);
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_next_failure_closes_input_and_returns_error)
{
	const char *lines[] = { "a.example. ok", "b.example. ok",
		"c.example. ok" };
	struct feed *f = feed_new(lines, 3);
	struct hook_result res;

	f->fail_at = 2;
	ck_assert_int_eq(run_batch("batch_answer.sh", "deploy", f, 30, &res),
	    -1);
	ck_assert_uint_eq(f->asked, 3);
	/* the lines already written were handled and reported */
	ck_assert_uint_eq(f->nreports, 2);
	ck_assert_int_eq(res.status, HOOK_OK);
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_echoed_private_key_lines_are_redacted)
{
	const char *lines[] = {
		"{\"record_name\":\"a.\",\"private_key\":\"MIIE\"}" };
	struct feed *f = feed_new(lines, 1);
	struct hook_result res;

	ck_assert_int_eq(run_batch("batch_echo.sh", "deploy", f, 30, &res),
	    0);
	ck_assert_str_eq(res.output, "[redacted]\n");
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

START_TEST(test_batch_hook_past_its_timeout_fails)
{
	struct feed *f = feed_big(2000);
	struct hook_result res;
	double t0 = now();

	ck_assert_int_eq(run_batch("sleep.sh", "publish", f, 1, &res), 0);
	ck_assert_double_lt(now() - t0, 4.0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_str_eq(res.reason, "timed out after 1s");
	ck_assert(group_ends(read_pid()));
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

/* The example batch hook of hooks/, through the real runner. */
START_TEST(test_zonefile_hook_writes_records_and_answers_ok_per_key)
{
	const char *lines[] = {
		"{\"event\":\"publish\",\"record_name\":"
		"\"a._domainkey.example.com.\",\"ttl\":3600,\"txt_strings\":"
		"[\"v=DKIM1; k=ed25519; \",\"p=11qYAYKxCrfVS/7TyWQHOg7hcvPap"
		"iMlrwIaaPcHURo=\"]}",
		"{\"event\":\"publish\",\"record_name\":"
		"\"b._domainkey.example.net.\",\"ttl\":300,\"txt_strings\":"
		"[\"v=DKIM1; k=rsa; \",\"p=\"]}",
	};
	static const char old[] = "; kept\n"
	    "a._domainkey.example.com. 60 IN TXT \"old\"\n";
	struct feed *f = feed_new(lines, 2);
	char *path = install(TEST_SRCDIR "/../hooks/zonefile", "zonefile",
	    0700);
	char *zone = xasprintf("%s/dkim.zone", dir), *text;
	struct hook_batch b;
	struct hook_result res;
	struct stat st;

	tu_spit(zone, old, sizeof(old) - 1, 0644);
	var("DKIMKEYS_HOOK_ZONEFILE_PATH", zone);
	memset(&b, 0, sizeof(b));
	b.call = call_of(path, "publish");
	b.next = next_line;
	b.report = report;
	b.ctx = f;
	ck_assert_int_eq(hooks_run_batch(&b, &res), 0);
	ck_assert_int_eq(res.status, HOOK_OK);
	ck_assert_uint_eq(f->nreports, 2);
	ck_assert_str_eq(f->keys[0], "a._domainkey.example.com.");
	ck_assert_str_eq(f->keys[1], "b._domainkey.example.net.");
	ck_assert_int_eq(f->ok[0] && f->ok[1], 1);
	text = tu_slurp(zone, NULL);
	ck_assert_str_eq(text, "; kept\n"
	    "a._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=ed25519; \" "
	    "\"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
	    "b._domainkey.example.net. 300 IN TXT \"v=DKIM1; k=rsa; \" "
	    "\"p=\"\n");
	ck_assert_int_eq(stat(zone, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	hook_result_clear(&res);
	feed_free(f);
	free(text);
	free(zone);
	free(path);
}
END_TEST

/* The hook's words: its last line of standard error, for the report. */
START_TEST(test_a_hooks_words_are_its_last_line_of_standard_error)
{
	struct hook_result res;

	var("T_ERR", "calling the API\nMailgun: domain not found \n\n \t\n");
	var("T_OUT", "a line on stdout after it\n");
	run("words.sh", "deploy", &res);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_str_eq(res.reason, "exit 1");
	ck_assert_ptr_nonnull(res.words);
	ck_assert_str_eq(res.words, "Mailgun: domain not found");
	/* the log keeps every line, both streams */
	ck_assert_ptr_nonnull(strstr(res.output, "calling the API\n"));
	ck_assert_ptr_nonnull(strstr(res.output, "a line on stdout after"));
	hook_result_clear(&res);
	ck_assert_ptr_null(res.words);
}
END_TEST

START_TEST(test_a_hook_silent_on_standard_error_has_no_words)
{
	struct hook_result res;

	var("T_OUT", "only on stdout\n");
	run("words.sh", "deploy", &res);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_ptr_null(res.words);
	hook_result_clear(&res);
}
END_TEST

START_TEST(test_a_hooks_words_are_cleaned_and_bounded)
{
	struct hook_result res;
	char *err = xcalloc(1, 600), *want;

	memset(err, 'x', 500);
	strcat(err, "\n");
	var("T_ERR", "a\\033[2Jb\\rc\n");
	run("words.sh", "deploy", &res);
	ck_assert_str_eq(res.words, "a?[2Jb?c");
	hook_result_clear(&res);
	nvars--;
	var("T_ERR", err);
	run("words.sh", "deploy", &res);
	ck_assert_uint_eq(strlen(res.words), HOOKS_WORDS_MAX);
	want = xcalloc(1, HOOKS_WORDS_MAX + 1);
	memset(want, 'x', HOOKS_WORDS_MAX - 3);
	strcat(want, "...");
	ck_assert_str_eq(res.words, want);
	hook_result_clear(&res);
	free(want);
	free(err);
}
END_TEST

/* Never a private key: its PEM lines, its DER in one piece, a marker. */
static const char *const key_lines[] = { "2", "5", "der", "1" };

START_TEST(test_a_hook_printing_the_key_has_redacted_words)
{
	size_t len;
	char *pem = tu_slurp(TEST_SRCDIR "/data/keys/rsa2048-pkcs8.pem",
	    &len);
	struct secret *in = secret_from(pem, len);
	const struct secret *redact[] = { in };
	char *path = hook("words.sh", 0700);
	struct hook_call c;
	struct hook_result res;

	var("T_KEY", key_lines[_i]);
	c = call_of(path, "deploy");
	c.input = in;
	c.redact = redact;
	c.nredact = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_ptr_nonnull(res.words);
	ck_assert_str_eq(res.words, "[redacted]");
	ck_assert_ptr_null(strstr(res.output, "MII"));
	hook_result_clear(&res);
	secret_free(in);
	free(path);
	free(pem);
}
END_TEST

/* Deploy and reveal output (scrub): long base64 and hex runs go, unless
 * the hook's environment holds them; other text stays. */
static const struct {
	const char *out;
	int redacted;
} runs[] = {
	{ "wrote s1 to /etc/opendkim/keys/example.com.private", 0 },
	{ "2026-03-01T00:00:00Z posted, id 4f2a-9c1b", 0 },
	{ "X-Mailgun-Variables-Present-In-2026-Request: yes", 0 },
	{ "key MIIEowIBAAKCAQEAu3dkZm9yZXhhbXBsZQ ok", 1 },
	{ "seed 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c", 1 },
	{ "SEED 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822C", 1 },
	{ "    00:b6:a3:db:18:7e:ec:d1:19:77:20:b7:37:11:ab:", 1 },
	{ "    f0:0d", 1 },
	{ "10:30", 0 },
	{ "fingerprint sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bf"
	  "a0f98a5e886266e7ae", 0 },
	{ "p=PUBLICaGVsbG8gd29ybGQgdGhpcyBpcyBwdWJsaWM2", 0 },
};

START_TEST(test_long_runs_are_redacted_in_deploy_output)
{
	char *path = hook("words.sh", 0700);
	struct hook_call c;
	struct hook_result res;
	struct secret *out = secret_from(runs[_i].out,
	    strlen(runs[_i].out));
	char *want = xasprintf("%s\n", runs[_i].redacted ? "[redacted]" :
	    runs[_i].out);

	var("T_KEY", "1"); /* from standard input: no variable holds it */
	var("T_CODE", "0");
	var("DKIMKEYS_FINGERPRINT", "sha256:2c26b46b68ffc68ff99b453c1d30413"
	    "413422d706483bfa0f98a5e886266e7ae");
	var("DKIMKEYS_TXT", "v=DKIM1; k=rsa; p=PUBLICaGVsbG8gd29ybGQgdGhp"
	    "cyBpcyBwdWJsaWM2");
	c = call_of(path, "deploy");
	c.input = out;
	c.scrub = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_eq(res.output, want);
	/* publish hands no key over: nothing but the key's pieces goes */
	c.scrub = 0;
	hook_result_clear(&res);
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_ne(res.output, "[redacted]\n");
	hook_result_clear(&res);
	free(want);
	secret_free(out);
	free(path);
}
END_TEST

/* A PEM's short last line printed alone is a piece of the key. */
START_TEST(test_a_short_last_line_of_the_key_is_redacted)
{
	static const char key[] = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw"
	    "ggSjAgEAAoIBAQC7\nk8dQ==\n";
	struct secret *in = secret_from(key, sizeof(key) - 1);
	struct secret *b64 = secret_from("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCB"
	    "KcwggSjAgEAAoIBAQC7k8dQ==", 58);
	const struct secret *redact[] = { b64 };
	char *path = hook("words.sh", 0700);
	struct hook_call c;
	struct hook_result res;

	var("T_KEY", "2");
	c = call_of(path, "deploy");
	c.input = in;
	c.redact = redact;
	c.nredact = 1;
	ck_assert_int_eq(hooks_run(&c, &res), 0);
	ck_assert_str_eq(res.words, "[redacted]");
	ck_assert_ptr_null(strstr(res.output, "k8dQ"));
	hook_result_clear(&res);
	secret_free(in);
	secret_free(b64);
	free(path);
}
END_TEST

START_TEST(test_a_batch_hooks_words_come_back_too)
{
	struct feed *f = feed_new(NULL, 0);
	struct hook_result res;

	var("T_ERR", "zone example.com: refused\n");
	ck_assert_int_eq(run_batch("words.sh", "publish", f, 30, &res), 0);
	ck_assert_int_eq(res.status, HOOK_FAILED);
	ck_assert_str_eq(res.words, "zone example.com: refused");
	hook_result_clear(&res);
	feed_free(f);
}
END_TEST

/* Log file lines: the run's now, the level, the vendor, the message. */
START_TEST(test_log_file_lines_carry_the_runs_now_and_the_vendor)
{
	char *logfile = xasprintf("%s/log", dir), *text;
	struct hook_result res;

	ck_assert_int_eq(log_open(logfile), 0);
	log_set_now(1772323200); /* 2026-03-01T00:00:00Z */
	log_info("before any vendor");
	ck_assert_ptr_null(log_set_vendor("mailgun"));
	var("T_CODE", "3");
	run("exit.sh", "retire", &res);
	ck_assert_str_eq(log_set_vendor(NULL), "mailgun");
	log_close();
	text = tu_slurp(logfile, NULL);
	ck_assert_str_eq(text,
	    "2026-03-01T00:00:00Z info before any vendor\n"
	    "2026-03-01T00:00:00Z info vendor=mailgun: hook exit.sh retire: "
	    "to stdout\n"
	    "2026-03-01T00:00:00Z info vendor=mailgun: hook exit.sh retire: "
	    "to stderr\n"
	    "2026-03-01T00:00:00Z warning vendor=mailgun: hook exit.sh "
	    "retire: exit 3\n");
	hook_result_clear(&res);
	free(text);
	free(logfile);
}
END_TEST

static Suite *
hooks_suite(void)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("run");
	TCase *check = tcase_create("check");
	TCase *batch = tcase_create("batch");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    test_hook_environment_is_exactly_path_home_lang_and_given_vars);
	tcase_add_test(tc, test_hook_lang_defaults_to_c_utf8);
	tcase_add_test(tc,
	    test_hook_runs_in_root_folder_umask_077_and_own_session);
	tcase_add_test(tc, test_deploy_input_arrives_on_standard_input);
	tcase_add_test(tc, test_other_events_get_empty_standard_input);
	tcase_add_test(tc, test_hook_inherits_no_descriptor_but_0_1_2);
	tcase_add_loop_test(tc, test_exit_status_maps_to_ok_retry_or_failed,
	    0, ARRAY_LEN(exits));
	tcase_add_test(tc, test_hook_killed_by_a_signal_fails);
	tcase_add_test(tc,
	    test_hook_past_its_timeout_is_terminated_with_its_group);
	tcase_add_test(tc,
	    test_hook_ignoring_sigterm_gets_sigkill_after_the_grace);
	tcase_add_test(tc,
	    test_hook_that_leaves_a_background_process_fails_and_it_dies);
	tcase_add_test(tc, test_hook_output_is_bounded);
	tcase_add_test(tc, test_lines_carrying_the_secret_are_redacted);
	tcase_add_test(tc, test_every_line_of_a_printed_pem_is_redacted);
	tcase_add_loop_test(tc, test_long_runs_are_redacted_in_deploy_output,
	    0, (int)ARRAY_LEN(runs));
	tcase_add_test(tc, test_a_short_last_line_of_the_key_is_redacted);
	tcase_add_test(tc, test_control_characters_in_output_are_replaced);
	tcase_add_test(tc, test_hook_output_is_logged_with_name_and_event);
	tcase_add_test(tc, test_non_executable_hook_fails_with_a_clear_reason);
	tcase_add_test(tc,
	    test_hook_with_a_missing_interpreter_fails_with_a_clear_reason);
	tcase_add_test(tc,
	    test_hook_not_reading_its_input_does_not_kill_the_caller);
	tcase_add_test(tc, test_hook_runs_as_hook_user_when_started_as_root);
	tcase_add_test(tc, test_missing_hook_user_is_refused_when_root);
	tcase_add_test(tc, test_relative_hook_path_is_refused);
	tcase_add_test(tc, test_caller_cannot_set_path_home_or_lang);
	tcase_add_test(tc,
	    test_a_hooks_words_are_its_last_line_of_standard_error);
	tcase_add_test(tc, test_a_hook_silent_on_standard_error_has_no_words);
	tcase_add_test(tc, test_a_hooks_words_are_cleaned_and_bounded);
	tcase_add_loop_test(tc,
	    test_a_hook_printing_the_key_has_redacted_words, 0,
	    ARRAY_LEN(key_lines));
	tcase_add_test(tc,
	    test_log_file_lines_carry_the_runs_now_and_the_vendor);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(check, setup, teardown);
	tcase_add_test(check, test_check_accepts_a_safe_hook);
	tcase_add_loop_test(check, test_check_refuses_unsafe_hooks, 0,
	    ARRAY_LEN(unsafe));
	suite_add_tcase(s, check);

	tcase_set_timeout(batch, 60);
	tcase_add_checked_fixture(batch, setup, teardown);
	tcase_add_test(batch,
	    test_batch_lines_arrive_in_order_each_followed_by_lf);
	tcase_add_test(batch, test_a_batch_hooks_words_come_back_too);
	tcase_add_test(batch, test_batch_ok_and_fail_lines_are_reported);
	tcase_add_test(batch,
	    test_batch_ok_lines_count_whatever_the_exit_status);
	tcase_add_test(batch,
	    test_batch_malformed_protocol_lines_are_only_logged);
	tcase_add_test(batch,
	    test_batch_hook_answering_as_it_reads_does_not_deadlock);
	tcase_add_test(batch,
	    test_batch_hook_echoing_its_input_does_not_deadlock);
	tcase_add_test(batch,
	    test_batch_hook_exiting_without_reading_is_judged);
	tcase_add_test(batch,
	    test_batch_next_failure_closes_input_and_returns_error);
	tcase_add_test(batch, test_batch_echoed_private_key_lines_are_redacted);
	tcase_add_test(batch, test_batch_hook_past_its_timeout_fails);
	tcase_add_test(batch,
	    test_zonefile_hook_writes_records_and_answers_ok_per_key);
	suite_add_tcase(s, batch);
	return s;
}

int
main(void)
{
	log_set_level(LOG_LVL_ERR);
	return tu_run(hooks_suite());
}
