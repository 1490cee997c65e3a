/*
 * keygen_io.c - key pairs in and out: the import parsers (PKCS#1 and
 * PKCS#8 PEM, base64 Ed25519 seeds) and the export encoders (PKCS#8 and
 * PKCS#1 PEM, base64 seed).
 *
 * Private material only ever rests in a struct secret; what OpenSSL hands
 * back (PEM text) is copied there and wiped with OPENSSL_clear_free.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "keygen.h"
#include "keygen_io.h"
#include "keycodec_int.h"
#include "support/dkim.h"
#include "support/log.h"

#define IMPORT_B64_MAX 256 /* longer text cannot be a raw Ed25519 key */
#define IMPORT_B64_CAP 192 /* decoded bytes of IMPORT_B64_MAX characters */

/* Leading and trailing whitespace off. */
static void
trim(const unsigned char **buf, size_t *len)
{
	while (*len > 0 && isspace((*buf)[0])) {
		(*buf)++;
		(*len)--;
	}
	while (*len > 0 && isspace((*buf)[*len - 1]))
		(*len)--;
}

static bool
has(const unsigned char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

/* How many times s occurs in buf. */
static size_t
count(const unsigned char *buf, size_t len, const char *s)
{
	const unsigned char *p = buf, *end = buf + len;
	size_t n = 0;

	while ((p = memmem(p, (size_t)(end - p), s, strlen(s))) != NULL) {
		n++;
		p += strlen(s);
	}
	return n;
}

/* 0 when the private and public halves of an RSA pk agree. */
static int
rsa_consistent(const char *name, EVP_PKEY *pk)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int rc = -1;

	if (ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1)
		rc = 0;
	else
		log_fail(EX_DATAERR, "import: %s: damaged rsa key (its private "
		    "and public halves disagree)", name);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* Fills kp from the seed inside an Ed25519 pk. */
static int
ed25519_from_pkey(EVP_PKEY *pk, struct keypair *kp)
{
	struct secret *seed;
	size_t n = crypto_sign_SEEDBYTES;
	int rc = -1;

	if ((seed = secret_new(n, n)) == NULL)
		goto done;
	if (EVP_PKEY_get_raw_private_key(pk, seed->data, &n) != 1 ||
	    n != crypto_sign_SEEDBYTES) {
		keygen_ssl_fail("import: cannot read the ed25519 seed");
		secret_free(seed);
		goto done;
	}
	rc = keygen_ed25519_fill(seed, kp);
done:
	return rc;
}

/* The label of the first PEM block ("OPENSSH PRIVATE KEY"), for messages. */
static void
pem_label(const unsigned char *buf, size_t len, char *out, size_t size)
{
	const unsigned char *p, *end;
	size_t n = 0;

	p = memmem(buf, len, "-----BEGIN ", 11);
	if (p != NULL) {
		p += 11;
		end = memmem(p, len - (size_t)(p - buf), "-----", 5);
		if (end != NULL)
			n = (size_t)(end - p);
	}
	if (n == 0 || n >= size || n > 40)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%.*s", (int)n, (const char *)p);
}

/* The PEM branch of keygen_import: RSA (PKCS#1, PKCS#8) or Ed25519. */
static int
import_pem(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	EVP_PKEY *pk, *whole = NULL;
	char what[300];
	unsigned bits;
	int rc = -1;

	/* whole: a second key or anything after the first is refused,
	 * never silently dropped */
	if (count(buf, len, "-----BEGIN ") > 1) {
		log_fail(EX_DATAERR, "import: %s: holds more than one PEM "
		    "block; give one key a file", name);
		return -1;
	}
	pk = keygen_decode_private("PEM", NULL, NULL, buf, len, false);
	if (pk != NULL && (whole = keygen_decode_private("PEM", NULL, NULL,
	    buf, len, true)) == NULL) {
		log_fail(EX_DATAERR, "import: %s: data after the key; give "
		    "the key alone", name);
		goto done;
	}
	EVP_PKEY_free(whole);
	if (pk == NULL) {
		pem_label(buf, len, what, sizeof(what));
		log_fail(EX_DATAERR, "import: %s: damaged or unsupported PEM "
		    "(BEGIN %s); expected PKCS#1 or PKCS#8", name, what);
		goto done;
	}
	snprintf(what, sizeof(what), "import: %s", name);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		bits = (unsigned)EVP_PKEY_get_bits(pk);
		if (keygen_rsa_bits_check(what, bits) == 0 &&
		    rsa_consistent(name, pk) == 0)
			rc = keygen_rsa_fill(pk, kp);
	} else if (EVP_PKEY_is_a(pk, "ED25519"))
		rc = ed25519_from_pkey(pk, kp);
	else
		log_fail(EX_DATAERR, "import: %s: unsupported key type %s "
		    "(expected rsa or ed25519)", name,
		    EVP_PKEY_get0_type_name(pk));
done:
	EVP_PKEY_free(pk);
	return rc;
}

static void
not_a_key(const char *name)
{
	log_fail(EX_DATAERR, "import: %s: not a private key (expected PKCS#1 "
	    "or PKCS#8 PEM, or base64 Ed25519 seed)", name);
}

/*
 * The base64 branch of keygen_import: an Ed25519 seed (32 bytes), or seed
 * and public key (64 bytes, the public half must be the seed's).
 */
static int
import_b64(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	struct secret *dec = NULL;
	const char *end = NULL;
	size_t n = 0;
	int rc = -1;

	if (len > IMPORT_B64_MAX) {
		not_a_key(name);
		goto done;
	}
	if ((dec = secret_new(IMPORT_B64_CAP, 0)) == NULL)
		goto done;
	if (sodium_base642bin(dec->data, dec->cap, (const char *)buf, len,
	    " \t\r\n", &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != (const char *)buf + len || n == 0) {
		not_a_key(name);
		goto done;
	}
	if (n != crypto_sign_SEEDBYTES &&
	    n != crypto_sign_SEEDBYTES + crypto_sign_PUBLICKEYBYTES) {
		log_fail(EX_DATAERR, "import: %s: base64 of %zu bytes; an "
		    "ed25519 key is a 32-byte seed, or 64 bytes of seed and "
		    "public key", name, n);
		goto done;
	}
	if (keygen_ed25519_fill(secret_from(dec->data, crypto_sign_SEEDBYTES),
	    kp) == -1)
		goto done;
	/* both halves are public bytes: an ordinary comparison will do */
	if (n > crypto_sign_SEEDBYTES &&
	    memcmp(kp->pub, dec->data + n - kp->publen, kp->publen) != 0) {
		log_fail(EX_DATAERR, "import: %s: public half does not match "
		    "the seed", name);
		goto done;
	}
	rc = 0;
done:
	secret_free(dec);
	return rc;
}

int
keygen_import(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	bool pem;
	int rc = -1;

	memset(kp, 0, sizeof(*kp));
	trim(&buf, &len);
	pem = has(buf, len, "-----BEGIN ");
	if (has(buf, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	    (pem && has(buf, len, "\nProc-Type: 4,ENCRYPTED")))
		log_fail(EX_DATAERR, "import: %s: encrypted private key; "
		    "decrypt it first (openssl pkey -in %s -out plain.pem)",
		    name, name);
	else if (pem && has(buf, len, "PRIVATE KEY-----"))
		rc = import_pem(name, buf, len, kp);
	else if (pem && has(buf, len, "PUBLIC KEY-----"))
		log_fail(EX_DATAERR, "import: %s: this is a public key; give "
		    "the private key", name);
	else if (len > 0 && !pem)
		rc = import_b64(name, buf, len, kp);
	else
		not_a_key(name);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}

/* kp's private half as an EVP_PKEY, for the PEM encoders. */
static EVP_PKEY *
keypair_pkey(const struct keypair *kp)
{
	EVP_PKEY *pk = NULL;

	if (kp->priv == NULL)
		log_fail(EX_SOFTWARE, "export: the key has no private half");
	else if (kp->alg == DK_ALG_RSA) {
		pk = keygen_decode_private("DER", "PrivateKeyInfo", "RSA",
		    kp->priv->data, kp->priv->len, true);
		if (pk == NULL)
			log_fail(EX_DATAERR, "export: rsa key does not decode");
	} else if ((pk = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519",
	    NULL, kp->priv->data, kp->priv->len)) == NULL)
		keygen_ssl_fail("export: cannot load the ed25519 seed");
	return pk;
}

/* Base64 of the seed and LF. */
static int
export_raw(const struct keypair *kp, struct secret **out)
{
	size_t n = sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	int rc = -1;

	if (kp->priv == NULL || kp->priv->len != crypto_sign_SEEDBYTES) {
		log_fail(EX_SOFTWARE, "export: the key has no ed25519 seed");
		goto done;
	}
	/* n counts the NUL, which becomes the LF; one more for a new NUL */
	if ((*out = secret_new(n + 1, n)) == NULL)
		goto done;
	sodium_bin2base64((char *)(*out)->data, n, kp->priv->data,
	    kp->priv->len, sodium_base64_VARIANT_ORIGINAL);
	(*out)->data[n - 1] = '\n';
	rc = 0;
done:
	return rc;
}

int
keygen_export(const struct keypair *kp, enum keygen_format fmt,
    struct secret **out)
{
	EVP_PKEY *pk = NULL;
	int rc = -1;

	*out = NULL;
	if (fmt == KEYGEN_PKCS1 && kp->alg != DK_ALG_RSA)
		log_fail(EX_USAGE, "export: pkcs1 is for rsa keys only");
	else if (fmt == KEYGEN_RAW && kp->alg != DK_ALG_ED25519)
		log_fail(EX_USAGE, "export: raw is for ed25519 keys only");
	else if (fmt != KEYGEN_PEM && fmt != KEYGEN_PKCS1 && fmt != KEYGEN_RAW)
		log_fail(EX_USAGE, "export: unknown format %d", (int)fmt);
	else if (fmt == KEYGEN_RAW)
		rc = export_raw(kp, out);
	else if ((pk = keypair_pkey(kp)) != NULL &&
	    (*out = keygen_encode_private(pk, "PEM", fmt == KEYGEN_PKCS1 ?
	    "type-specific" : "PrivateKeyInfo")) != NULL)
		rc = 0;
	EVP_PKEY_free(pk);
	return rc;
}

/* Adds blob as bytes, base64 and hex in both cases; takes blob. */
static size_t
add_forms(struct secret *blob, struct secret **out, size_t n, size_t max)
{
	size_t b64 = sodium_base64_ENCODED_LEN(blob->len,
	    sodium_base64_VARIANT_ORIGINAL), i;
	struct secret *s;

	if (n >= max) {
		secret_free(blob);
		return n;
	}
	out[n++] = blob;
	if (n < max && (s = secret_new(b64, b64 - 1)) != NULL) {
		sodium_bin2base64((char *)s->data, b64, blob->data, blob->len,
		    sodium_base64_VARIANT_ORIGINAL);
		out[n++] = s;
	}
	if (n + 1 < max && (s = secret_new(2 * blob->len + 1,
	    2 * blob->len)) != NULL) {
		sodium_bin2hex((char *)s->data, s->cap, blob->data, blob->len);
		out[n++] = s;
		if ((s = secret_from(s->data, s->len)) != NULL) {
			for (i = 0; i < s->len; i++)
				s->data[i] = (unsigned char)toupper(s->data[i]);
			out[n++] = s;
		}
	}
	return n;
}

size_t
keygen_encodings(const struct keypair *kp, struct secret **out, size_t max)
{
	EVP_PKEY *pk = NULL;
	struct secret *s;
	size_t n = 0;

	if (kp->priv == NULL || (pk = keypair_pkey(kp)) == NULL)
		goto done;
	if ((s = kp->alg == DK_ALG_RSA ? secret_from(kp->priv->data,
	    kp->priv->len) : keygen_encode_private(pk, "DER",
	    "PrivateKeyInfo")) != NULL)
		n = add_forms(s, out, n, max);
	if (kp->alg == DK_ALG_RSA &&
	    (s = keygen_encode_private(pk, "DER", "type-specific")) != NULL)
		n = add_forms(s, out, n, max);
	if (kp->alg == DK_ALG_ED25519) {
		if ((s = secret_from(kp->priv->data, kp->priv->len)) != NULL)
			n = add_forms(s, out, n, max);
		if ((s = secret_new(kp->priv->len + kp->publen, 0)) != NULL) {
			memcpy(s->data, kp->priv->data, kp->priv->len);
			memcpy(s->data + kp->priv->len, kp->pub, kp->publen);
			s->len = kp->priv->len + kp->publen;
			n = add_forms(s, out, n, max);
		}
	}
done:
	EVP_PKEY_free(pk);
	return n;
}
