/*
 * cmd_keys.c - keygen, import and export: one key at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/export.h"
#include "secret/keygen.h"
#include "secret/keygen_io.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/log.h"

#define IMPORT_MAX (64 * 1024)

static void
print_added(const struct cli *cli, const struct ks_key *key)
{
	char fpr[2 * KS_FPR_LEN + 1];

	util_hex(key->fpr, sizeof(key->fpr), fpr);
	if (cli->json)
		printf("{\"key\": \"%s._domainkey.%s.\", \"state\": \"%s\", "
		    "\"fingerprint\": \"sha256:%s\"}\n", key->selector,
		    key->domain, ks_state_name(key->state), fpr);
	else
		printf("%s._domainkey.%s. %s %u %s sha256:%.16s\n",
		    key->selector, key->domain, dk_alg_name(key->alg),
		    key->bits, ks_state_name(key->state), fpr);
}

/* keygen's arguments. */
struct args_keygen {
	const char *vendor;
	const char *selector; /* NULL: the vendor's template */
	enum dk_alg alg;      /* DK_ALG_NONE: the vendor's only one */
	uint64_t bits;        /* 0: the vendor's */
};

static int
parse_keygen(struct cli *cli, int argc, char **argv, struct args_keygen *a)
{
	static const struct option longopts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "selector", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->alg = DK_ALG_NONE;
	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'a':
			if ((a->alg = dk_alg_parse(optarg)) == DK_ALG_NONE) {
				log_fail(EX_USAGE, "--alg: '%s' is not rsa or "
				    "ed25519", optarg);
				return -1;
			}
			break;
		case 'b':
			if (util_parse_uint(optarg, 1, 65536, &a->bits) == -1) {
				log_fail(EX_USAGE, "--bits: '%s' is not a "
				    "number", optarg);
				return -1;
			}
			break;
		case 's':
			a->selector = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cli);
	a->vendor = argv[optind];
	return 0;
}

/* --bits against the algorithm: only rsa has a size, and not below the
 * RFC 8301 floor. */
static int
check_bits(const struct alg_spec *spec, uint64_t bits)
{
	if (bits != 0 && spec->alg != DK_ALG_RSA) {
		log_fail(EX_USAGE, "--bits: ed25519 keys have no size to "
		    "choose");
		return -1;
	}
	if (bits != 0 && bits < DK_RSA_MIN_BITS) {
		log_fail(EX_USAGE, "--bits: rsa keys below %d bits are "
		    "refused (RFC 8301)", DK_RSA_MIN_BITS);
		return -1;
	}
	return 0;
}

int
cmd_keygen(struct cli *cli, int argc, char **argv)
{
	struct args_keygen a;
	const struct vendor *v;
	const struct alg_spec *spec;
	struct keypair kp;
	struct ks_key *key;
	int rc = -1;

	if (parse_keygen(cli, argc, argv, &a) == -1)
		return -1;
	if ((v = cli_vendor(cli, a.vendor)) == NULL ||
	    (spec = lc_alg(v, a.alg)) == NULL || check_bits(spec, a.bits) == -1)
		return -1;
	memset(&kp, 0, sizeof(kp));
	/* checked again when storing; this spares the passphrase and the
	 * key generation */
	if (lc_no_successor(&cli->lc, v, spec->alg) == -1 ||
	    (a.selector != NULL &&
	    lc_check_selector(&cli->lc, v, a.selector) == -1) ||
	    cli_unlock(cli) == -1 ||
	    keygen_generate(spec->alg, a.bits != 0 ? (unsigned)a.bits :
	    spec->bits, &kp) == -1 ||
	    (key = lc_add_successor(&cli->lc, v, &kp, a.selector,
	    "keygen")) == NULL)
		goto out;
	print_added(cli, key);
	rc = 0;
out:
	keypair_clear(&kp);
	return rc;
}

/* Reads at most IMPORT_MAX bytes of path ("-": standard input). */
static struct secret *
read_key_file(const char *path)
{
	struct secret *s = NULL;
	ssize_t n;
	int fd;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
	    open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		log_fail(EX_USAGE, "import: %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s = secret_new(IMPORT_MAX + 1, 0)) == NULL)
		goto out;
	while (s->len < s->cap) {
		n = read(fd, s->data + s->len, s->cap - s->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s->len += (size_t)n;
	}
	if (s->len > IMPORT_MAX) {
		log_fail(EX_DATAERR, "import: %s: larger than any private key",
		    path);
		secret_free(s);
		s = NULL;
	}
out:
	if (fd != STDIN_FILENO)
		close(fd);
	return s;
}

/* import's arguments. */
struct args_import {
	const char *vendor;
	const char *file;     /* "-": standard input */
	const char *selector; /* NULL: the vendor's template */
	int64_t since;        /* --since, with active */
	bool active;          /* --state active: signing since then */
	bool dns;             /* check DNS serves an active key first */
	bool force;           /* an rsa key smaller than the vendor's */
};

static int
parse_import(struct cli *cli, int argc, char **argv, struct args_import *a)
{
	static const struct option longopts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 'T' },
		{ "no-dns-check", no_argument, NULL, 'N' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->dns = true;
	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c == 's')
			a->selector = optarg;
		else if (c == 'S' && strcmp(optarg, "active") == 0)
			a->active = true;
		else if (c == 'T' && util_parse_date(optarg, &a->since) == 0)
			continue;
		else if (c == 'N')
			a->dns = false;
		else if (c == 'f')
			a->force = true;
		else {
			if (c == 'S' || c == 'T')
				log_fail(EX_USAGE, "import: --%s: '%s' is not "
				    "%s", c == 'S' ? "state" : "since", optarg,
				    c == 'S' ? "active" : "a date such as "
				    "2026-05-01 or 2026-05-01T00:00:00Z");
			return -1;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cli);
	if (a->active && (a->selector == NULL || a->since == 0 ||
	    a->since > cli->lc.now)) {
		log_fail(EX_USAGE, "import: --state active needs --selector "
		    "and --since, a date not in the future");
		return -1;
	}
	a->vendor = argv[optind];
	a->file = argv[optind + 1];
	return 0;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct args_import a;
	const struct vendor *v;
	struct secret *raw = NULL;
	struct keypair kp;
	struct ks_key *key;
	int rc = -1;

	if (parse_import(cli, argc, argv, &a) == -1)
		return -1;
	memset(&kp, 0, sizeof(kp));
	if ((v = cli_vendor(cli, a.vendor)) == NULL ||
	    (raw = read_key_file(a.file)) == NULL ||
	    keygen_import(a.file, raw->data, raw->len, &kp) == -1 ||
	    lc_import_fits(v, &kp, a.force) == -1 ||
	    (!a.active && lc_no_successor(&cli->lc, v, kp.alg) == -1) ||
	    (!a.active && a.selector != NULL &&
	    lc_check_selector(&cli->lc, v, a.selector) == -1) ||
	    (a.active &&
	    lc_check_active(&cli->lc, v, &kp, a.selector, a.dns) == -1) ||
	    cli_unlock(cli) == -1)
		goto out;
	key = a.active ? lc_add_active(&cli->lc, v, &kp, a.selector, a.since) :
	    lc_add_successor(&cli->lc, v, &kp, a.selector, "import");
	if (key == NULL)
		goto out;
	print_added(cli, key);
	rc = 0;
out:
	secret_free(raw);
	keypair_clear(&kp);
	return rc;
}

/* Creates -o FILE: 0600, never over an existing file or through a link. */
static int
create_output(const char *path)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		log_fail(EX_CANTCREAT, "export: %s: %s", path, strerror(errno));
	return fd;
}

/* Writes text to fd (named path for messages) and makes it durable. */
static int
write_private(int fd, const struct secret *text, const char *path)
{
	size_t off = 0;
	ssize_t n;

	while (off < text->len) {
		n = write(fd, text->data + off, text->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_fail(EX_IOERR, "export: %s: %s", path,
			    strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	if (fd != STDOUT_FILENO && fsync(fd) == -1) {
		log_fail(EX_IOERR, "export: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_export_format(const char *s, enum keygen_format *out)
{
	if (strcmp(s, "pem") == 0)
		*out = KEYGEN_PEM;
	else if (strcmp(s, "pkcs1") == 0)
		*out = KEYGEN_PKCS1;
	else if (strcmp(s, "raw") == 0)
		*out = KEYGEN_RAW;
	else {
		log_fail(EX_USAGE, "--format: '%s' is not pem, pkcs1 or raw",
		    s);
		return -1;
	}
	return 0;
}

/* export's arguments. */
struct args_export {
	const char *key;
	const char *path;      /* -o FILE, or NULL: standard output */
	enum keygen_format fmt;
};

static int
parse_export(struct cli *cli, int argc, char **argv, struct args_export *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	int c;

	memset(a, 0, sizeof(*a));
	a->fmt = KEYGEN_PEM;
	while ((c = cli_getopt(cli, argc, argv, "o:", longopts)) != -1) {
		if (c == 'f' && parse_export_format(optarg, &a->fmt) == -1)
			return -1;
		else if (c == 'o')
			a->path = optarg;
		else if (c == 'F')
			force = true;
		else if (c != 'f')
			return -1;
	}
	if (optind + 1 != argc)
		return cli_usage(cli);
	if (a->path == NULL && isatty(STDOUT_FILENO) && !force) {
		log_fail(EX_USAGE, "export: refusing to print a private key on "
		    "a terminal; use -o FILE, a pipe, or --force");
		return -1;
	}
	a->key = argv[optind];
	return 0;
}

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	struct args_export a;
	struct secret *text = NULL;
	struct ks_key *key;
	int fd = STDOUT_FILENO, rc = -1;

	if (parse_export(cli, argc, argv, &a) == -1 ||
	    (key = export_find(&cli->lc, a.key)) == NULL)
		return -1;
	if (a.path != NULL && (fd = create_output(a.path)) == -1)
		return -1;
	if (cli_unlock(cli) == -1 ||
	    export_key(&cli->lc, key, a.fmt, a.path != NULL, &text) == -1 ||
	    write_private(fd, text, a.path != NULL ? a.path :
	    "standard output") == -1)
		goto out;
	rc = 0;
out:
	if (fd != STDOUT_FILENO) {
		close(fd);
		if (rc == -1)
			unlink(a.path);
	}
	secret_free(text);
	return rc;
}
