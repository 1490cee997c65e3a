/*
 * passphrase.c - the passphrase sources: systemd credentials, a file, an
 * environment variable, the terminal. What is read goes straight into a
 * struct secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "passphrase.h"
#include "secret.h"
#include "support/log.h"
#include "support/util.h"

#define PASS_MAX 1024

/* Trailing LF or CRLF off; refuses empty and NUL-containing passphrases. */
static int
finish(struct secret *s, const char *source)
{
	if (s->len > 0 && s->data[s->len - 1] == '\n') {
		s->len--;
		if (s->len > 0 && s->data[s->len - 1] == '\r')
			s->len--;
	}
	if (s->len == 0) {
		log_fail(EX_NOPERM, "passphrase: %s: empty passphrase", source);
		return -1;
	}
	if (memchr(s->data, '\0', s->len) != NULL) {
		log_fail(EX_NOPERM, "passphrase: %s: contains a NUL byte",
		    source);
		return -1;
	}
	return 0;
}

/* Reads at most PASS_MAX bytes of fd into a new secret. */
static struct secret *
read_fd(int fd, const char *source)
{
	struct secret *s = secret_new(PASS_MAX + 1, 0);
	ssize_t n;

	if (s == NULL)
		return NULL;
	while (s->len < s->cap) {
		n = read(fd, s->data + s->len, s->cap - s->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_fail(EX_IOERR, "passphrase: %s: %s", source,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	if (s->len > PASS_MAX) {
		log_fail(EX_NOPERM, "passphrase: %s: longer than %d bytes",
		    source, PASS_MAX);
		goto fail;
	}
	if (finish(s, source) == -1)
		goto fail;
	return s;
fail:
	secret_free(s);
	return NULL;
}

int
secret_read_file(const char *path, struct secret **out)
{
	struct stat st;
	int fd, rc = -1;

	*out = NULL;
	/* not blocking: a FIFO is refused below, not waited on */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd == -1) {
		log_fail(EX_NOPERM, "passphrase: %s: %s", path,
		    errno == ELOOP ? "is a symbolic link; refusing it" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_fail(EX_NOPERM, "passphrase: %s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		log_fail(EX_NOPERM, "passphrase: %s: owned by uid %u, not by "
		    "root or uid %u", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		log_fail(EX_NOPERM, "passphrase: %s: mode %04o is readable by "
		    "others; chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((*out = read_fd(fd, path)) != NULL)
		rc = 0;
out:
	close(fd);
	return rc;
}

/* Prompts on /dev/tty with echo off; NULL after logging. */
static struct secret *
read_tty(const char *prompt)
{
	struct termios old, quiet;
	struct secret *s = NULL;
	bool logged = false; /* a failure below said why already */
	int fd;
	size_t i;
	char c;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1) {
		log_fail(EX_NOPERM, "passphrase: /dev/tty: %s",
		    strerror(errno));
		return NULL;
	}
	if (tcgetattr(fd, &old) == -1)
		goto out;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1)
		goto out;
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto restore;
	if ((s = secret_new(PASS_MAX + 1, 0)) == NULL) {
		logged = true;
		goto restore;
	}
	for (i = 0; i < PASS_MAX + 1 && read(fd, &c, 1) == 1 && c != '\n'; i++)
		s->data[s->len++] = (unsigned char)c;
	sodium_memzero(&c, sizeof(c));
restore:
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		log_debug("cannot write to /dev/tty");
out:
	close(fd);
	if (s != NULL && (s->len > PASS_MAX || finish(s, "/dev/tty") == -1)) {
		if (s->len > PASS_MAX)
			log_fail(EX_NOPERM, "passphrase: too long");
		secret_free(s);
		s = NULL;
	} else if (s == NULL && !logged)
		log_fail(EX_NOPERM, "passphrase: cannot read from /dev/tty");
	return s;
}

static bool
interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

int
secret_passphrase(const char *file, const char *env, struct secret **out)
{
	const char *creds = getenv("CREDENTIALS_DIRECTORY");
	const char *val;
	char *path;
	int rc;

	*out = NULL;
	if (creds != NULL && *creds != '\0') {
		path = xasprintf("%s/dkimkeys-passphrase", creds);
		if (access(path, F_OK) == 0) {
			rc = secret_read_file(path, out);
			if (rc == 0)
				log_info("passphrase from systemd credential "
				    "%s", path);
			free(path);
			return rc;
		}
		free(path);
	}
	if (file != NULL) {
		rc = secret_read_file(file, out);
		if (rc == 0)
			log_info("passphrase from file %s", file);
		return rc;
	}
	if (env != NULL && (val = getenv(env)) != NULL) {
		*out = secret_from(val, strlen(val));
		/* the value stays in the environment block; wipe it there */
		sodium_memzero((char *)(uintptr_t)val, strlen(val));
		unsetenv(env);
		if (*out == NULL || finish(*out, env) == -1) {
			secret_free(*out);
			*out = NULL;
			return -1;
		}
		log_info("passphrase from environment variable %s", env);
		return 0;
	}
	if (!interactive()) {
		log_fail(EX_NOPERM, "passphrase: none given; set "
		    "passphrase_file or passphrase_env, or run on a terminal");
		return -1;
	}
	if ((*out = read_tty("dkimkeys passphrase: ")) == NULL)
		return -1;
	log_info("passphrase from the terminal");
	return 0;
}

int
secret_new_passphrase(const char *file, struct secret **out)
{
	struct secret *again = NULL;
	int rc = -1;

	*out = NULL;
	if (file != NULL)
		return secret_read_file(file, out);
	if (!interactive()) {
		log_fail(EX_NOPERM, "passphrase: give --new-passphrase-file, "
		    "or run on a terminal");
		return -1;
	}
	if ((*out = read_tty("new passphrase: ")) == NULL ||
	    (again = read_tty("new passphrase again: ")) == NULL)
		goto out;
	if ((*out)->len != again->len ||
	    sodium_memcmp((*out)->data, again->data, again->len) != 0) {
		log_fail(EX_NOPERM, "passphrase: the two entries differ");
		goto out;
	}
	rc = 0;
out:
	secret_free(again);
	if (rc == -1) {
		secret_free(*out);
		*out = NULL;
	}
	return rc;
}
