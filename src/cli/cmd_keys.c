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
#include "secret/keygen.h"
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

int
cmd_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "selector", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct vendor *v;
	const struct alg_spec *spec;
	const char *selector = NULL;
	enum dk_alg alg = DK_ALG_NONE;
	struct keypair kp;
	struct ks_key *key;
	uint64_t bits = 0;
	int c, rc = -1;

	memset(&kp, 0, sizeof(kp));
	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "keygen")) != -1) {
		switch (c) {
		case 'a':
			if ((alg = dk_alg_parse(optarg)) == DK_ALG_NONE) {
				log_fail(EX_USAGE, "--alg: '%s' is not rsa or "
				    "ed25519", optarg);
				return -1;
			}
			break;
		case 'b':
			if (util_parse_uint(optarg, 1, 65536, &bits) == -1) {
				log_fail(EX_USAGE, "--bits: '%s' is not a "
				    "number", optarg);
				return -1;
			}
			break;
		case 's':
			selector = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("keygen");
	if ((v = cli_vendor(cli, argv[optind])) == NULL ||
	    (spec = lc_alg(v, alg)) == NULL)
		return -1;
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
	/* checked again when storing; this spares the passphrase */
	if (lc_no_successor(&cli->lc, v, spec->alg) == -1 ||
	    cli_unlock(cli) == -1 ||
	    keygen_generate(spec->alg, bits != 0 ? (unsigned)bits : spec->bits,
	    &kp) == -1 ||
	    (key = lc_add_successor(&cli->lc, v, &kp, selector, "keygen")) ==
	    NULL)
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

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "since", required_argument, NULL, 'T' },
		{ "no-dns-check", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	const struct vendor *v;
	const char *selector = NULL;
	struct secret *raw = NULL;
	struct keypair kp;
	struct ks_key *key;
	int64_t since = 0;
	bool active = false, dns = true;
	int c, rc = -1;

	memset(&kp, 0, sizeof(kp));
	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "import")) != -1) {
		if (c == 's')
			selector = optarg;
		else if (c == 'S' && strcmp(optarg, "active") == 0)
			active = true;
		else if (c == 'T' && util_parse_date(optarg, &since) == 0)
			continue;
		else if (c == 'N')
			dns = false;
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
		return cli_usage("import");
	if (active &&
	    (selector == NULL || since == 0 || since > cli->lc.now)) {
		log_fail(EX_USAGE, "import: --state active needs --selector "
		    "and --since, a date not in the future");
		return -1;
	}
	if ((v = cli_vendor(cli, argv[optind])) == NULL ||
	    (raw = read_key_file(argv[optind + 1])) == NULL ||
	    keygen_import(argv[optind + 1], raw->data, raw->len, &kp) == -1 ||
	    lc_alg(v, kp.alg) == NULL ||
	    (!active && lc_no_successor(&cli->lc, v, kp.alg) == -1) ||
	    (active &&
	    lc_check_active(&cli->lc, v, &kp, selector, dns) == -1) ||
	    cli_unlock(cli) == -1)
		goto out;
	key = active ? lc_add_active(&cli->lc, v, &kp, selector, since) :
	    lc_add_successor(&cli->lc, v, &kp, selector, "import");
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

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "pem", "pkcs1", "raw" };
	enum keygen_format fmt = KEYGEN_PEM;
	const char *path = NULL;
	struct secret *text = NULL;
	struct ks_key *key;
	struct keypair kp;
	bool force = false;
	char *extra = NULL;
	int c, fd = STDOUT_FILENO, rc = -1;

	memset(&kp, 0, sizeof(kp));
	while ((c = cli_getopt(cli, argc, argv, "o:", longopts,
	    "export")) != -1) {
		if (c == 'f' && parse_export_format(optarg, &fmt) == -1)
			return -1;
		else if (c == 'o')
			path = optarg;
		else if (c == 'F')
			force = true;
		else if (c != 'f')
			return -1;
	}
	if (optind + 1 != argc)
		return cli_usage("export");
	if (path == NULL && isatty(STDOUT_FILENO) && !force) {
		log_fail(EX_USAGE, "export: refusing to print a private key on "
		    "a terminal; use -o FILE, a pipe, or --force");
		return -1;
	}
	if ((key = lc_find(&cli->lc, argv[optind])) == NULL)
		return -1;
	if (key->state == KS_DESTROYED) {
		log_fail(EX_USAGE, "export: %s._domainkey.%s was destroyed",
		    key->selector, key->domain);
		return -1;
	}
	if (path != NULL && (fd = create_output(path)) == -1)
		return -1;
	extra = xasprintf(",\"format\":\"%s\",\"to\":\"%s\"", names[fmt],
	    path != NULL ? "file" : "stdout");
	if (cli_unlock(cli) == -1 || lc_load(&cli->lc, key, &kp) == -1 ||
	    keygen_export(&kp, fmt, &text) == -1 ||
	    ks_audit(cli->ks, cli->lc.now, cli->lc.simulated, "export", key,
	    extra) == -1 || write_private(fd, text, path != NULL ? path :
	    "standard output") == -1)
		goto out;
	rc = 0;
out:
	if (fd != STDOUT_FILENO) {
		close(fd);
		if (rc == -1)
			unlink(path);
	}
	free(extra);
	secret_free(text);
	keypair_clear(&kp);
	return rc;
}
