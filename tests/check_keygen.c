/*
 * check_keygen.c - key pairs: generation sizes, import formats and
 * refusals, export round-trips, the RFC 8463 and RFC 6376 example keys.
 */
#include <ctype.h>
#include <stdbool.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "testutil.h"
#include "dns/dnsrec.h"
#include "secret/keygen.h"
#include "secret/keygen_io.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/log.h"
#include "support/util.h"

#define KEYS TEST_SRCDIR "/data/keys/"
#define VECTORS TEST_SRCDIR "/data/vectors/"

#define RFC8463_ED25519_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* Standard error of the test, redirected to a file while a call runs. */
struct capture {
	FILE *f;
	int saved;
};

static void
capture_start(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	ck_assert_ptr_nonnull(c->f);
	c->saved = dup(STDERR_FILENO);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(fileno(c->f), STDERR_FILENO), 0);
}

/* Restores standard error; returns what was written (malloc'd). */
static char *
capture_end(struct capture *c)
{
	char *text;
	long n;

	fflush(stderr);
	ck_assert_int_ge(dup2(c->saved, STDERR_FILENO), 0);
	close(c->saved);
	n = ftell(c->f);
	ck_assert_int_ge(n, 0);
	text = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	rewind(c->f);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, c->f), (size_t)n);
	fclose(c->f);
	return text;
}

static int
import_file(const char *path, struct keypair *kp)
{
	size_t len;
	char *buf = tu_slurp(path, &len);
	int rc;

	rc = keygen_import(path, (const unsigned char *)buf, len, kp);
	free(buf);
	return rc;
}

/* The DER inside a PEM file (its first block). */
static unsigned char *
pem_der(const char *path, size_t *len)
{
	char *text = tu_slurp(path, NULL);
	char *body = strstr(text, "-----\n");
	char *end = strstr(text, "\n-----END");
	unsigned char *der = malloc(4096);
	long n;

	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(end);
	ck_assert_ptr_nonnull(der);
	body += 6;
	n = util_b64_decode(body, (size_t)(end - body), der, 4096, true);
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	free(text);
	return der;
}

/*
 * The p= value of the record at name in a zone fragment: its quoted
 * character-strings concatenated, then the p= tag up to ';' or the end.
 */
static char *
zone_p(const char *path, const char *name)
{
	char *text = tu_slurp(path, NULL), *s, *p, *out;
	struct buf b = { NULL, 0, 0 };
	bool quoted = false;

	s = strstr(text, name);
	ck_assert_msg(s != NULL, "%s: no record %s", path, name);
	for (; *s != '\0' && *s != ')'; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (quoted)
			buf_add(&b, s, 1);
	}
	buf_add(&b, "", 1);
	p = strstr(b.data, "p=");
	ck_assert_ptr_nonnull(p);
	p += 2;
	out = strndup(p, strcspn(p, "; "));
	buf_free(&b);
	free(text);
	return out;
}

/* Imports a 1024-bit RSA file, which must succeed with a warning. */
static void
import_weak(const char *path, struct keypair *kp)
{
	struct capture c;
	char *err;
	int rc;

	capture_start(&c);
	rc = import_file(path, kp);
	err = capture_end(&c);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strstr(err, "warning: import: ") != NULL &&
	    strstr(err, "1024 bits: rsa keys below 2048 bits are weak") != NULL,
	    "message was: %s", err);
	ck_assert_int_eq(log_status(), 0);
	free(err);
}

static char *
pub_b64(const struct keypair *kp)
{
	return util_b64_encode(kp->pub, kp->publen);
}

/* The pair is whole: its fingerprint is SHA-256 (computed by OpenSSL) of
 * the public bytes, and an RSA public half is an SPKI of that size. */
static void
check_pair(const struct keypair *kp, enum dk_alg alg, unsigned bits)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const unsigned char *p = kp->pub;
	EVP_PKEY *pk;

	ck_assert_int_eq(kp->alg, alg);
	ck_assert_uint_eq(kp->bits, bits);
	ck_assert_ptr_nonnull(kp->priv);
	ck_assert_int_eq(EVP_Digest(kp->pub, kp->publen, md, &mdlen,
	    EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(mdlen, KEYGEN_FPR_LEN);
	ck_assert_mem_eq(kp->fpr, md, KEYGEN_FPR_LEN);
	if (alg == DK_ALG_ED25519) {
		ck_assert_uint_eq(kp->publen, 32);
		ck_assert_uint_eq(kp->priv->len, 32);
		return;
	}
	pk = d2i_PUBKEY(NULL, &p, (long)kp->publen);
	ck_assert_ptr_nonnull(pk);
	ck_assert_ptr_eq(p, kp->pub + kp->publen);
	ck_assert(EVP_PKEY_is_a(pk, "RSA"));
	ck_assert_int_eq(EVP_PKEY_get_bits(pk), (int)bits);
	EVP_PKEY_free(pk);
	ck_assert_uint_eq(dnsrec_rsa_bits(kp->pub, kp->publen), bits);
}

static void
check_same_pair(const struct keypair *a, const struct keypair *b)
{
	ck_assert_int_eq(a->alg, b->alg);
	ck_assert_uint_eq(a->bits, b->bits);
	ck_assert_uint_eq(a->publen, b->publen);
	ck_assert_mem_eq(a->pub, b->pub, a->publen);
	ck_assert_mem_eq(a->fpr, b->fpr, KEYGEN_FPR_LEN);
	ck_assert_uint_eq(a->priv->len, b->priv->len);
	ck_assert_mem_eq(a->priv->data, b->priv->data, a->priv->len);
}

static const unsigned generate_sizes[] = { 2048, 3072 };

START_TEST(test_generate_rsa_gives_spki_of_the_asked_size)
{
	struct keypair kp;
	unsigned bits = generate_sizes[_i];

	ck_assert_int_eq(keygen_generate(DK_ALG_RSA, bits, &kp), 0);
	check_pair(&kp, DK_ALG_RSA, bits);
	ck_assert_int_eq(log_status(), 0);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_generate_rsa_4096_gives_spki_of_4096_bits)
{
	struct keypair kp;

	ck_assert_int_eq(keygen_generate(DK_ALG_RSA, 4096, &kp), 0);
	check_pair(&kp, DK_ALG_RSA, 4096);
	ck_assert_uint_le(kp.publen, KEYGEN_PUB_MAX);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_generate_rsa_1024_warns_but_succeeds)
{
	struct capture c;
	struct keypair kp;
	char *err;

	capture_start(&c);
	ck_assert_int_eq(keygen_generate(DK_ALG_RSA, 1024, &kp), 0);
	err = capture_end(&c);
	check_pair(&kp, DK_ALG_RSA, 1024);
	ck_assert_ptr_nonnull(strstr(err, "warning"));
	ck_assert_ptr_nonnull(strstr(err, "weak"));
	ck_assert_int_eq(log_status(), 0);
	free(err);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_generate_ed25519_gives_32_byte_public_key)
{
	struct keypair a, b;

	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &a), 0);
	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &b), 0);
	check_pair(&a, DK_ALG_ED25519, 256);
	ck_assert_mem_ne(a.pub, b.pub, 32);
	ck_assert_uint_eq(dnsrec_rsa_bits(a.pub, a.publen), 0);
	keypair_clear(&a);
	keypair_clear(&b);
}
END_TEST

static const struct {
	unsigned bits;
	const char *msg;
} refused_sizes[] = {
	{ 512, "rsa keys below 1024 bits are refused (RFC 8301)" },
	{ 1023, "rsa keys below 1024 bits are refused (RFC 8301)" },
	{ 0, "rsa keys below 1024 bits are refused (RFC 8301)" },
	{ 4097, "rsa keys above 4096 bits are not supported" },
	{ 8192, "rsa keys above 4096 bits are not supported" },
};

START_TEST(test_generate_refuses_rsa_sizes_out_of_range)
{
	struct capture c;
	struct keypair kp;
	char *err;
	int rc;

	capture_start(&c);
	rc = keygen_generate(DK_ALG_RSA, refused_sizes[_i].bits, &kp);
	err = capture_end(&c);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert_msg(strstr(err, refused_sizes[_i].msg) != NULL,
	    "message was: %s", err);
	ck_assert_ptr_null(kp.priv);
	free(err);
}
END_TEST

static const struct {
	enum dk_alg alg;
	enum keygen_format fmt;
	const char *head;
} round_trips[] = {
	{ DK_ALG_RSA, KEYGEN_PEM, "-----BEGIN PRIVATE KEY-----\n" },
	{ DK_ALG_RSA, KEYGEN_PKCS1, "-----BEGIN RSA PRIVATE KEY-----\n" },
	{ DK_ALG_ED25519, KEYGEN_PEM, "-----BEGIN PRIVATE KEY-----\n" },
	{ DK_ALG_ED25519, KEYGEN_RAW, NULL },
};

START_TEST(test_generated_key_survives_export_and_import)
{
	struct keypair kp, back;
	struct secret *text;
	const char *head = round_trips[_i].head;

	ck_assert_int_eq(keygen_generate(round_trips[_i].alg, 2048, &kp), 0);
	ck_assert_int_eq(keygen_export(&kp, round_trips[_i].fmt, &text), 0);
	ck_assert_uint_eq(strlen((char *)text->data), text->len);
	ck_assert_int_eq(text->data[text->len - 1], '\n');
	if (head != NULL)
		ck_assert_int_eq(strncmp((char *)text->data, head,
		    strlen(head)), 0);
	else
		ck_assert_uint_eq(text->len, 45); /* 44 base64 and LF */
	ck_assert_int_eq(keygen_import("exported", text->data, text->len,
	    &back), 0);
	check_same_pair(&kp, &back);
	ck_assert_int_eq(log_status(), 0);
	secret_free(text);
	keypair_clear(&kp);
	keypair_clear(&back);
}
END_TEST

/* Whether one of the n secrets holds exactly len bytes of buf. */
static bool
among(struct secret **s, size_t n, const void *buf, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i]->len == len && memcmp(s[i]->data, buf, len) == 0)
			return true;
	return false;
}

/* What redaction looks for: each encoding of the private half. */
START_TEST(test_encodings_cover_pkcs1_der_and_hex)
{
	struct secret *enc[32], *pem;
	struct keypair kp;
	size_t n, i, len;
	unsigned char *der = pem_der(KEYS "rsa2048-pkcs1.pem", &len);
	char *hex = malloc(2 * len + 1);

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs8.pem", &kp), 0);
	n = keygen_encodings(&kp, enc, 32);
	ck_assert_uint_eq(n, 8); /* PKCS#8 and PKCS#1: bytes, b64, 2 hex */
	ck_assert(among(enc, n, der, len));
	sodium_bin2hex(hex, 2 * len + 1, der, len);
	ck_assert(among(enc, n, hex, 2 * len));
	for (i = 0; i < 2 * len; i++)
		hex[i] = (char)toupper((unsigned char)hex[i]);
	ck_assert(among(enc, n, hex, 2 * len));
	ck_assert(among(enc, n, kp.priv->data, kp.priv->len));
	for (i = 0; i < n; i++)
		secret_free(enc[i]);
	keypair_clear(&kp);
	free(hex);
	free(der);
	/* ed25519: the raw export's base64 seed is among them, and a full
	 * out is never overrun */
	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &kp), 0);
	ck_assert_int_eq(keygen_export(&kp, KEYGEN_RAW, &pem), 0);
	n = keygen_encodings(&kp, enc, 32);
	ck_assert_uint_eq(n, 12);
	ck_assert(among(enc, n, pem->data, pem->len - 1));
	for (i = 0; i < n; i++)
		secret_free(enc[i]);
	ck_assert_uint_eq(keygen_encodings(&kp, enc, 3), 3);
	for (i = 0; i < 3; i++)
		secret_free(enc[i]);
	secret_free(pem);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_export_refuses_a_format_of_the_other_algorithm)
{
	struct keypair rsa, ed;
	struct secret *out = NULL;
	struct capture c;
	char *err;

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs8.pem", &rsa), 0);
	ck_assert_int_eq(import_file(KEYS "ed25519-pkcs8.pem", &ed), 0);
	capture_start(&c);
	ck_assert_int_eq(keygen_export(&rsa, KEYGEN_RAW, &out), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(keygen_export(&ed, KEYGEN_PKCS1, &out), -1);
	ck_assert_ptr_null(out);
	err = capture_end(&c);
	ck_assert_int_eq(log_status(), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "export: raw is for ed25519 keys "
	    "only"));
	ck_assert_ptr_nonnull(strstr(err, "export: pkcs1 is for rsa keys "
	    "only"));
	free(err);
	keypair_clear(&rsa);
	keypair_clear(&ed);
}
END_TEST

START_TEST(test_export_pkcs1_and_pem_match_openssl_files)
{
	struct keypair kp;
	struct secret *out;
	char *want;

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs8.pem", &kp), 0);
	ck_assert_int_eq(keygen_export(&kp, KEYGEN_PEM, &out), 0);
	want = tu_slurp(KEYS "rsa2048-pkcs8.pem", NULL);
	ck_assert_str_eq((char *)out->data, want);
	free(want);
	secret_free(out);
	ck_assert_int_eq(keygen_export(&kp, KEYGEN_PKCS1, &out), 0);
	want = tu_slurp(KEYS "rsa2048-pkcs1.pem", NULL);
	ck_assert_str_eq((char *)out->data, want);
	free(want);
	secret_free(out);
	keypair_clear(&kp);
	ck_assert_int_eq(import_file(KEYS "ed25519-pkcs8.pem", &kp), 0);
	ck_assert_int_eq(keygen_export(&kp, KEYGEN_PEM, &out), 0);
	want = tu_slurp(KEYS "ed25519-pkcs8.pem", NULL);
	ck_assert_str_eq((char *)out->data, want);
	free(want);
	secret_free(out);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_rfc8463_ed25519_key_gives_the_brisbane_p_value)
{
	struct keypair kp;
	struct secret *out;
	char *got, *want, *seed;

	ck_assert_int_eq(import_file(VECTORS "rfc8463-ed25519.key", &kp), 0);
	check_pair(&kp, DK_ALG_ED25519, 256);
	got = pub_b64(&kp);
	ck_assert_str_eq(got, RFC8463_ED25519_P);
	want = zone_p(VECTORS "rfc8463-dns.txt", "brisbane._domainkey");
	ck_assert_str_eq(got, want);
	/* raw export gives back the file as the RFC prints it */
	ck_assert_int_eq(keygen_export(&kp, KEYGEN_RAW, &out), 0);
	seed = tu_slurp(VECTORS "rfc8463-ed25519.key", NULL);
	ck_assert_str_eq((char *)out->data, seed);
	free(seed);
	free(got);
	free(want);
	secret_free(out);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_rfc8463_rsa_key_gives_the_test_p_value)
{
	struct keypair kp;
	char *got, *want;

	import_weak(VECTORS "rfc8463-rsa.key", &kp);
	check_pair(&kp, DK_ALG_RSA, 1024);
	got = pub_b64(&kp);
	want = zone_p(VECTORS "rfc8463-dns.txt", "test._domainkey");
	ck_assert_uint_gt(strlen(want), 200);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_rfc6376_brisbane_key_matches_its_public_key)
{
	struct keypair kp;
	unsigned char *der;
	size_t len;
	char *got, *want;

	import_weak(VECTORS "rfc6376-brisbane.key", &kp);
	check_pair(&kp, DK_ALG_RSA, 1024);
	der = pem_der(VECTORS "rfc6376-brisbane.pub", &len);
	ck_assert_uint_eq(kp.publen, len);
	ck_assert_mem_eq(kp.pub, der, len);
	got = pub_b64(&kp);
	want = zone_p(VECTORS "rfc6376-dns.txt", "brisbane");
	ck_assert_str_eq(got, want);
	free(der);
	free(got);
	free(want);
	keypair_clear(&kp);
}
END_TEST

static const struct {
	const char *file;
	enum dk_alg alg;
	unsigned bits;
} accepted[] = {
	{ "rsa2048-pkcs8.pem", DK_ALG_RSA, 2048 },
	{ "rsa2048-pkcs1.pem", DK_ALG_RSA, 2048 },
	{ "rsa2048-pkcs1-crlf.pem", DK_ALG_RSA, 2048 },
	{ "ed25519-pkcs8.pem", DK_ALG_ED25519, 256 },
	{ "ed25519-seed32-spaced.b64", DK_ALG_ED25519, 256 },
	{ "ed25519-seed64.b64", DK_ALG_ED25519, 256 },
};

START_TEST(test_import_accepts_every_documented_format)
{
	struct keypair kp;
	char path[256];

	snprintf(path, sizeof(path), KEYS "%s", accepted[_i].file);
	ck_assert_int_eq(import_file(path, &kp), 0);
	check_pair(&kp, accepted[_i].alg, accepted[_i].bits);
	ck_assert_int_eq(log_status(), 0);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_import_of_pkcs1_and_pkcs8_gives_the_same_pair)
{
	struct keypair a, b;
	unsigned char *der;
	size_t len;

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs1.pem", &a), 0);
	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs8.pem", &b), 0);
	check_same_pair(&a, &b);
	/* the canonical private encoding is the PKCS#8 DER */
	der = pem_der(KEYS "rsa2048-pkcs8.pem", &len);
	ck_assert_uint_eq(a.priv->len, len);
	ck_assert_mem_eq(a.priv->data, der, len);
	free(der);
	der = pem_der(KEYS "rsa2048-pub.pem", &len);
	ck_assert_uint_eq(a.publen, len);
	ck_assert_mem_eq(a.pub, der, len);
	free(der);
	keypair_clear(&a);
	keypair_clear(&b);
}
END_TEST

START_TEST(test_import_of_ed25519_pkcs8_gives_the_openssl_public_key)
{
	struct keypair kp;
	unsigned char *der;
	size_t len;

	ck_assert_int_eq(import_file(KEYS "ed25519-pkcs8.pem", &kp), 0);
	der = pem_der(KEYS "ed25519-pub.pem", &len);
	ck_assert_uint_eq(len, 44); /* 12-byte SPKI prefix, raw key */
	ck_assert_mem_eq(kp.pub, der + 12, 32);
	free(der);
	/* the canonical private half is the seed inside the PKCS#8 */
	der = pem_der(KEYS "ed25519-pkcs8.pem", &len);
	ck_assert_uint_eq(len, 48); /* 16-byte PKCS#8 prefix, seed */
	ck_assert_uint_eq(kp.priv->len, 32);
	ck_assert_mem_eq(kp.priv->data, der + 16, 32);
	free(der);
	keypair_clear(&kp);
}
END_TEST

static const struct {
	const char *file;
	const char *msg;
} refused[] = {
	{ "rsa2048-encrypted-pkcs8.pem", "encrypted private key; decrypt it "
	    "first (openssl pkey -in " KEYS "rsa2048-encrypted-pkcs8.pem" },
	{ "rsa2048-encrypted-pkcs1.pem", "encrypted private key; decrypt "
	    "it first" },
	{ "rsa2048-pub.pem", "this is a public key; give the private key" },
	{ "ed25519-pub.pem", "this is a public key; give the private key" },
	{ "garbage.txt", "not a private key (expected PKCS#1 or PKCS#8 PEM, "
	    "or base64 Ed25519 seed)" },
	{ "empty.txt", "not a private key" },
	{ "blank.txt", "not a private key" },
	{ "rsa2048-spki.der", "not a private key" },
	{ "ed25519-seed31.b64", "base64 of 31 bytes" },
	{ "ed25519-seed64-wrong-public.b64", "public half does not match the "
	    "seed" },
	{ "ec-p256-pkcs8.pem", "unsupported key type EC" },
	{ "ec-p256-sec1.pem", "unsupported key type EC" },
	{ "dsa1024-pkcs8.pem", "unsupported key type DSA" },
	{ "rsa-pss-pkcs8.pem", "unsupported key type RSA-PSS" },
	{ "rsa512-pkcs1.pem", "512 bits: rsa keys below 1024 bits are "
	    "refused (RFC 8301)" },
	{ "rsa512-pkcs8.pem", "rsa keys below 1024 bits are refused" },
	{ "rsa4608-pkcs8.pem", "rsa keys above 4096 bits are not supported" },
	{ "rsa2048-inconsistent-pkcs1.pem", "damaged rsa key" },
	{ "rsa2048-truncated-pkcs8.pem", "damaged or unsupported PEM (BEGIN "
	    "PRIVATE KEY); expected PKCS#1 or PKCS#8" },
	{ "ed25519-openssh.key", "damaged or unsupported PEM (BEGIN OPENSSH "
	    "PRIVATE KEY)" },
	{ "two-keys.pem", "holds more than one PEM block; give one key a "
	    "file" },
	{ "ed25519-pkcs8-trailing.pem", "data after the key; give the key "
	    "alone" },
};

START_TEST(test_import_refuses_with_one_clear_message)
{
	struct capture c;
	struct keypair kp;
	char path[256], *err;
	int rc;

	snprintf(path, sizeof(path), KEYS "%s", refused[_i].file);
	capture_start(&c);
	rc = import_file(path, &kp);
	err = capture_end(&c);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert_msg(strstr(err, refused[_i].msg) != NULL, "message was: %s",
	    err);
	ck_assert_msg(strncmp(err, "dkimkeys: import: " KEYS,
	    strlen("dkimkeys: import: " KEYS)) == 0, "message was: %s", err);
	/* exactly one line, and nothing left for later OpenSSL messages */
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	ck_assert_ptr_null(kp.priv);
	free(err);
}
END_TEST

START_TEST(test_load_rebuilds_the_same_pair)
{
	struct keypair kp, back;

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs1.pem", &kp), 0);
	ck_assert_int_eq(keygen_load(DK_ALG_RSA, 2048, kp.priv, &back), 0);
	check_same_pair(&kp, &back);
	keypair_clear(&kp);
	keypair_clear(&back);
	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &kp), 0);
	ck_assert_int_eq(keygen_load(DK_ALG_ED25519, 256, kp.priv, &back), 0);
	check_same_pair(&kp, &back);
	ck_assert_int_eq(log_status(), 0);
	keypair_clear(&kp);
	keypair_clear(&back);
}
END_TEST

START_TEST(test_load_rejects_mismatched_algorithm_or_bits)
{
	struct keypair rsa, ed, kp;
	struct secret *junk;
	struct capture c;
	char *err;

	ck_assert_int_eq(import_file(KEYS "rsa2048-pkcs8.pem", &rsa), 0);
	ck_assert_int_eq(import_file(KEYS "ed25519-pkcs8.pem", &ed), 0);
	junk = secret_from("\x30\x03\x02\x01\x00", 5);
	capture_start(&c);
	ck_assert_int_eq(keygen_load(DK_ALG_RSA, 1024, rsa.priv, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_RSA, 3072, rsa.priv, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_ED25519, 256, rsa.priv, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_RSA, 256, ed.priv, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_ED25519, 255, ed.priv, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_RSA, 2048, junk, &kp), -1);
	ck_assert_int_eq(keygen_load(DK_ALG_NONE, 2048, rsa.priv, &kp), -1);
	err = capture_end(&c);
	ck_assert_ptr_null(kp.priv);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(err, "has 2048 bits, not the 1024 "
	    "recorded"));
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(err);
	secret_free(junk);
	keypair_clear(&rsa);
	keypair_clear(&ed);
}
END_TEST

static const struct {
	const char *file;
	size_t cut;     /* bytes off the end */
	unsigned bits;
} pub_bits[] = {
	{ "rsa2048-spki.der", 0, 2048 },
	{ "rsa2048-pkcs1-pub.der", 0, 2048 },
	{ "rsa2048-spki.der", 1, 0 },
	{ "rsa2048-pkcs1-pub.der", 7, 0 },
	{ "garbage.txt", 0, 0 },
	{ "empty.txt", 0, 0 },
};

START_TEST(test_rsa_pub_bits_reads_spki_and_bare_pkcs1)
{
	size_t len;
	char *buf;
	char path[256];

	snprintf(path, sizeof(path), KEYS "%s", pub_bits[_i].file);
	buf = tu_slurp(path, &len);
	ck_assert_uint_eq(dnsrec_rsa_bits((unsigned char *)buf,
	    len - pub_bits[_i].cut), pub_bits[_i].bits);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(buf);
}
END_TEST

START_TEST(test_rsa_pub_bits_is_zero_for_ed25519_and_private_keys)
{
	struct keypair kp;
	unsigned char *der;
	size_t len;

	ck_assert_int_eq(import_file(KEYS "ed25519-pkcs8.pem", &kp), 0);
	ck_assert_uint_eq(dnsrec_rsa_bits(kp.pub, kp.publen), 0);
	keypair_clear(&kp);
	der = pem_der(KEYS "ed25519-pub.pem", &len);
	ck_assert_uint_eq(dnsrec_rsa_bits(der, len), 0);
	free(der);
	der = pem_der(KEYS "rsa2048-pkcs1.pem", &len);
	ck_assert_uint_eq(dnsrec_rsa_bits(der, len), 0);
	free(der);
	ck_assert_uint_eq(dnsrec_rsa_bits(NULL, 0), 0);
}
END_TEST

START_TEST(test_fingerprint_is_sha256_of_the_bytes)
{
	static const unsigned char abc_sha256[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad,
	};
	unsigned char fpr[KEYGEN_FPR_LEN];

	keygen_fingerprint((const unsigned char *)"abc", 3, fpr);
	ck_assert_mem_eq(fpr, abc_sha256, sizeof(abc_sha256));
}
END_TEST

START_TEST(test_keypair_clear_accepts_null_and_zeroes)
{
	struct keypair kp;

	keypair_clear(NULL);
	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &kp), 0);
	keypair_clear(&kp);
	ck_assert_ptr_null(kp.priv);
	ck_assert_uint_eq(kp.publen, 0);
	ck_assert_int_eq(kp.alg, DK_ALG_NONE);
}
END_TEST

/* Each test starts with no recorded status, in fork mode or not. */
static void
status_reset(void)
{
	log_status_reset();
}

static Suite *
keygen_suite(void)
{
	Suite *s = suite_create("keygen");
	TCase *tc = tcase_create("keygen");
	TCase *slow = tcase_create("slow");

	tcase_add_checked_fixture(tc, status_reset, NULL);
	tcase_add_checked_fixture(slow, status_reset, NULL);
	tcase_add_loop_test(tc, test_generate_rsa_gives_spki_of_the_asked_size,
	    0, ARRAY_LEN(generate_sizes));
	tcase_add_test(tc, test_generate_rsa_1024_warns_but_succeeds);
	tcase_add_test(tc, test_generate_ed25519_gives_32_byte_public_key);
	tcase_add_loop_test(tc, test_generate_refuses_rsa_sizes_out_of_range,
	    0, ARRAY_LEN(refused_sizes));
	tcase_add_loop_test(tc, test_generated_key_survives_export_and_import,
	    0, ARRAY_LEN(round_trips));
	tcase_add_test(tc, test_export_refuses_a_format_of_the_other_algorithm);
	tcase_add_test(tc, test_encodings_cover_pkcs1_der_and_hex);
	tcase_add_test(tc, test_export_pkcs1_and_pem_match_openssl_files);
	tcase_add_test(tc, test_rfc8463_ed25519_key_gives_the_brisbane_p_value);
	tcase_add_test(tc, test_rfc8463_rsa_key_gives_the_test_p_value);
	tcase_add_test(tc, test_rfc6376_brisbane_key_matches_its_public_key);
	tcase_add_loop_test(tc, test_import_accepts_every_documented_format,
	    0, ARRAY_LEN(accepted));
	tcase_add_test(tc, test_import_of_pkcs1_and_pkcs8_gives_the_same_pair);
	tcase_add_test(tc,
	    test_import_of_ed25519_pkcs8_gives_the_openssl_public_key);
	tcase_add_loop_test(tc, test_import_refuses_with_one_clear_message,
	    0, ARRAY_LEN(refused));
	tcase_add_test(tc, test_load_rebuilds_the_same_pair);
	tcase_add_test(tc, test_load_rejects_mismatched_algorithm_or_bits);
	tcase_add_loop_test(tc, test_rsa_pub_bits_reads_spki_and_bare_pkcs1,
	    0, ARRAY_LEN(pub_bits));
	tcase_add_test(tc,
	    test_rsa_pub_bits_is_zero_for_ed25519_and_private_keys);
	tcase_add_test(tc, test_fingerprint_is_sha256_of_the_bytes);
	tcase_add_test(tc, test_keypair_clear_accepts_null_and_zeroes);
	/* RSA generation is slow, more so under the sanitizers */
	tcase_set_timeout(tc, 120);
	tcase_add_test(slow, test_generate_rsa_4096_gives_spki_of_4096_bits);
	tcase_set_timeout(slow, 600);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, slow);
	return s;
}

int
main(void)
{
	if (secret_setup() == -1 || keygen_setup() == -1)
		return EXIT_FAILURE;
	return tu_run(keygen_suite());
}
