/*
 * check_ksformat.c - the keystore's pure encoders and decoders: header,
 * key files (ksformat.c) and the state text (ksstate.c). No files.
 */
#include <sodium.h>

#include "ksformat.h"
#include "ksstate.h"
#include "secret.h"
#include "testutil.h"

static const char *const domain = "mg.example.com";
static const char *const selector = "mg202611r";

static struct secret *
random_secret(size_t len)
{
	struct secret *s = secret_new(len, len);

	ck_assert_ptr_nonnull(s);
	randombytes_buf(s->data, len);
	return s;
}

/* A sealed header under a random KEK (no Argon2id: fast). */
static void
sealed_header(struct ksf_header *h, struct secret **kek, struct secret **mk)
{
	memset(h, 0, sizeof(*h));
	h->kdf = KSF_KDF_ARGON2ID13;
	ksf_kdf_params(KS_KDF_MODERATE, &h->opslimit, &h->memlimit);
	randombytes_buf(h->salt, sizeof(h->salt));
	randombytes_buf(h->id, sizeof(h->id));
	h->epoch = 7;
	*kek = random_secret(KSF_MK_LEN);
	*mk = random_secret(KSF_MK_LEN);
	ck_assert_int_eq(ksf_mk_seal(h, *kek, *mk), KSF_OK);
}

/* Re-encodes raw header bytes with a correct checksum after an edit. */
static void
fix_checksum(unsigned char buf[KSF_HEADER_LEN])
{
	crypto_generichash(buf + KSF_HEADER_LEN - KSF_SUM_LEN, KSF_SUM_LEN, buf,
	    KSF_HEADER_LEN - KSF_SUM_LEN, NULL, 0);
}

START_TEST(test_header_round_trips_and_unseals_the_master_key)
{
	struct secret *kek, *mk, *mk2 = NULL;
	unsigned char buf[KSF_HEADER_LEN], buf2[KSF_HEADER_LEN];
	struct ksf_header h, d;

	sealed_header(&h, &kek, &mk);
	ksf_header_encode(&h, buf);
	ck_assert_int_eq(memcmp(buf, "DKIMKSH", 8), 0);
	ck_assert_int_eq(ksf_header_decode(buf, sizeof(buf), &d), KSF_OK);
	ck_assert_int_eq(memcmp(&h, &d, sizeof(h)), 0);
	ksf_header_encode(&d, buf2);
	ck_assert_int_eq(memcmp(buf, buf2, sizeof(buf)), 0);
	ck_assert_int_eq(ksf_mk_open(&d, kek, &mk2), KSF_OK);
	ck_assert_uint_eq(mk2->len, KSF_MK_LEN);
	ck_assert_int_eq(memcmp(mk->data, mk2->data, KSF_MK_LEN), 0);
	secret_free(kek);
	secret_free(mk);
	secret_free(mk2);
}
END_TEST

START_TEST(test_header_is_little_endian_at_documented_offsets)
{
	struct secret *kek, *mk;
	unsigned char buf[KSF_HEADER_LEN];
	struct ksf_header h;

	sealed_header(&h, &kek, &mk);
	h.epoch = 0x01020304;
	ck_assert_int_eq(ksf_mk_seal(&h, kek, mk), KSF_OK);
	ksf_header_encode(&h, buf);
	ck_assert_uint_eq(buf[8], 1); /* version */
	ck_assert_uint_eq(buf[9], 0);
	ck_assert_uint_eq(buf[10], 1); /* kdf id */
	ck_assert_uint_eq(buf[12], crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(buf[16 + 3], 0x10); /* 256 MiB = 0x10000000 */
	ck_assert_int_eq(memcmp(buf + 24, h.salt, 16), 0);
	ck_assert_int_eq(memcmp(buf + 40, h.id, 16), 0);
	ck_assert_uint_eq(buf[56], 0x04);
	ck_assert_uint_eq(buf[59], 0x01);
	ck_assert_int_eq(memcmp(buf + 60, h.nonce, 24), 0);
	ck_assert_int_eq(memcmp(buf + 84, h.sealed, 48), 0);
	secret_free(kek);
	secret_free(mk);
}
END_TEST

START_TEST(test_header_with_any_flipped_bit_is_damaged)
{
	struct secret *kek, *mk;
	unsigned char buf[KSF_HEADER_LEN];
	struct ksf_header h, d;
	size_t off;
	int bit;

	sealed_header(&h, &kek, &mk);
	ksf_header_encode(&h, buf);
	for (off = 0; off < sizeof(buf); off++)
		for (bit = 0; bit < 8; bit++) {
			buf[off] ^= (unsigned char)(1U << bit);
			ck_assert_msg(ksf_header_decode(buf, sizeof(buf), &d) ==
			    KSF_DAMAGED, "offset %zu bit %d accepted", off,
			    bit);
			buf[off] ^= (unsigned char)(1U << bit);
		}
	ck_assert_int_eq(ksf_header_decode(buf, sizeof(buf), &d), KSF_OK);
	secret_free(kek);
	secret_free(mk);
}
END_TEST

START_TEST(test_header_of_wrong_length_is_damaged)
{
	struct secret *kek, *mk;
	unsigned char buf[KSF_HEADER_LEN + 1];
	struct ksf_header h, d;
	size_t len;

	sealed_header(&h, &kek, &mk);
	ksf_header_encode(&h, buf);
	buf[KSF_HEADER_LEN] = 0;
	for (len = 0; len < sizeof(buf); len++)
		if (len != KSF_HEADER_LEN)
			ck_assert_int_eq(ksf_header_decode(buf, len, &d),
			    KSF_DAMAGED);
	secret_free(kek);
	secret_free(mk);
}
END_TEST

START_TEST(test_header_of_another_version_is_refused_as_newer)
{
	struct secret *kek, *mk;
	unsigned char buf[KSF_HEADER_LEN];
	struct ksf_header h, d;

	sealed_header(&h, &kek, &mk);
	ksf_header_encode(&h, buf);
	buf[8] = 2;
	fix_checksum(buf);
	ck_assert_int_eq(ksf_header_decode(buf, sizeof(buf), &d), KSF_NEWER);
	secret_free(kek);
	secret_free(mk);
}
END_TEST

/* KDF id, opslimit, memlimit written into an otherwise good header. */
static const struct {
	uint16_t kdf;
	uint32_t ops;
	uint64_t mem;
	enum ksf_err want;
} kdf_cases[] = {
	{ 1, 2, 67108864, KSF_OK },      /* interactive */
	{ 1, 3, 268435456, KSF_OK },     /* moderate */
	{ 1, 4, 1073741824, KSF_OK },    /* sensitive */
	{ 2, 3, 268435456, KSF_BADKDF }, /* another KDF id */
	{ 0, 3, 268435456, KSF_BADKDF },
	{ 1, 2, 268435456, KSF_BADKDF }, /* levels mixed */
	{ 1, 4, 67108864, KSF_BADKDF },
	{ 1, 1, 8192, KSF_BADKDF },      /* weak */
	{ 1, 3, 268435457, KSF_BADKDF },
	{ 1, 1000, 1073741824, KSF_BADKDF },         /* hours of work */
	{ 1, 4, 4398046511104ULL, KSF_BADKDF },      /* 4 TiB */
	{ 1, 3, 268435456ULL | 1ULL << 32, KSF_BADKDF },
};

START_TEST(test_header_kdf_parameters_must_be_one_of_three_levels)
{
	struct secret *kek, *mk, *out = NULL, pass = { NULL, 1, 1 };
	unsigned char buf[KSF_HEADER_LEN];
	struct ksf_header h, d;
	size_t i;

	sealed_header(&h, &kek, &mk);
	for (i = 0; i < ARRAY_LEN(kdf_cases); i++) {
		h.kdf = kdf_cases[i].kdf;
		h.opslimit = kdf_cases[i].ops;
		h.memlimit = kdf_cases[i].mem;
		ksf_header_encode(&h, buf);
		ck_assert_msg(ksf_header_decode(buf, sizeof(buf), &d) ==
		    kdf_cases[i].want, "case %zu", i);
		/* the KDF itself refuses before running */
		if (kdf_cases[i].want == KSF_BADKDF)
			ck_assert_int_eq(ksf_derive(&h, &pass, &out),
			    KSF_BADKDF);
		ck_assert_ptr_null(out);
	}
	secret_free(kek);
	secret_free(mk);
}
END_TEST

START_TEST(test_master_key_needs_the_right_kek_and_header)
{
	struct secret *kek, *mk, *other, *out = NULL;
	struct ksf_header h, edited;

	sealed_header(&h, &kek, &mk);
	other = random_secret(KSF_MK_LEN);
	ck_assert_int_eq(ksf_mk_open(&h, other, &out), KSF_AUTH);
	ck_assert_ptr_null(out);
	/* the header bytes before the nonce are associated data */
	edited = h;
	edited.epoch++;
	ck_assert_int_eq(ksf_mk_open(&edited, kek, &out), KSF_AUTH);
	edited = h;
	edited.id[0] ^= 1;
	ck_assert_int_eq(ksf_mk_open(&edited, kek, &out), KSF_AUTH);
	edited = h;
	edited.salt[15] ^= 1;
	ck_assert_int_eq(ksf_mk_open(&edited, kek, &out), KSF_AUTH);
	ck_assert_ptr_null(out);
	secret_free(kek);
	secret_free(mk);
	secret_free(other);
}
END_TEST

START_TEST(test_derivation_depends_on_passphrase_and_salt)
{
	struct secret *a = secret_from("correct horse", 13);
	struct secret *b = secret_from("correct horsf", 13);
	struct secret *k1, *k2, *k3, *k4;
	struct ksf_header h;

	memset(&h, 0, sizeof(h));
	h.kdf = KSF_KDF_ARGON2ID13;
	ksf_kdf_params(KS_KDF_INTERACTIVE, &h.opslimit, &h.memlimit);
	ck_assert_int_eq(ksf_derive(&h, a, &k1), KSF_OK);
	ck_assert_int_eq(ksf_derive(&h, a, &k2), KSF_OK);
	ck_assert_int_eq(ksf_derive(&h, b, &k3), KSF_OK);
	h.salt[0] = 1;
	ck_assert_int_eq(ksf_derive(&h, a, &k4), KSF_OK);
	ck_assert_int_eq(memcmp(k1->data, k2->data, KSF_MK_LEN), 0);
	ck_assert_int_ne(memcmp(k1->data, k3->data, KSF_MK_LEN), 0);
	ck_assert_int_ne(memcmp(k1->data, k4->data, KSF_MK_LEN), 0);
	secret_free(a);
	secret_free(b);
	secret_free(k1);
	secret_free(k2);
	secret_free(k3);
	secret_free(k4);
}
END_TEST

static const struct {
	const char *s;
	int ok;
	enum ks_kdf kdf;
} kdf_names[] = {
	{ "interactive", 0, KS_KDF_INTERACTIVE },
	{ "moderate", 0, KS_KDF_MODERATE },
	{ "sensitive", 0, KS_KDF_SENSITIVE },
	{ "", -1, 0 },
	{ "Moderate", -1, 0 },
	{ "moderate ", -1, 0 },
	{ "fast", -1, 0 },
};

START_TEST(test_kdf_names_parse_exactly)
{
	enum ks_kdf kdf;
	uint64_t mem;
	uint32_t ops;
	size_t i;

	for (i = 0; i < ARRAY_LEN(kdf_names); i++) {
		ck_assert_int_eq(ks_kdf_parse(kdf_names[i].s, &kdf),
		    kdf_names[i].ok);
		if (kdf_names[i].ok == 0) {
			ck_assert_int_eq(kdf, kdf_names[i].kdf);
			ksf_kdf_params(kdf, &ops, &mem);
			ck_assert_int_eq(ksf_kdf_level(ops, mem, &kdf), 0);
			ck_assert_int_eq(kdf, kdf_names[i].kdf);
		}
	}
}
END_TEST

/* A key identity and its sealed file. */
static void
key_identity(struct ksf_key *k)
{
	memset(k, 0, sizeof(*k));
	k->alg = DK_ALG_RSA;
	k->bits = 2048;
	k->epoch = 3;
	k->domain = domain;
	k->selector = selector;
	randombytes_buf(k->fpr, sizeof(k->fpr));
}

struct sealed {
	struct ksf_key k;
	unsigned char id[KSF_ID_LEN];
	struct secret *mk, *priv;
	unsigned char *file;
	size_t len;
};

static void
sealed_key(struct sealed *s)
{
	key_identity(&s->k);
	randombytes_buf(s->id, sizeof(s->id));
	s->mk = random_secret(KSF_MK_LEN);
	s->priv = random_secret(1217);
	ck_assert_int_eq(ksf_key_seal(&s->k, s->id, s->mk, s->priv, &s->file,
	    &s->len), KSF_OK);
}

static void
sealed_free(struct sealed *s)
{
	secret_free(s->mk);
	secret_free(s->priv);
	free(s->file);
}

START_TEST(test_key_file_round_trips)
{
	struct secret *out = NULL;
	struct sealed s;
	size_t dl = strlen(domain);

	sealed_key(&s);
	ck_assert_int_eq(memcmp(s.file, "DKIMKSK", 8), 0);
	ck_assert_uint_eq(s.file[18], dl);
	ck_assert_int_eq(memcmp(s.file + 19, domain, dl), 0);
	ck_assert_uint_eq(s.len, 8 + 10 + 1 + dl + 1 + strlen(selector) + 32 +
	    24 + 4 + 1217 + 16);
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &s.k, s.id, s.mk, &out),
	    KSF_OK);
	ck_assert_uint_eq(out->len, 1217);
	ck_assert_int_eq(memcmp(out->data, s.priv->data, 1217), 0);
	secret_free(out);
	sealed_free(&s);
}
END_TEST

START_TEST(test_key_file_nonce_is_fresh_for_every_seal)
{
	unsigned char *again;
	struct sealed s;
	size_t len;

	sealed_key(&s);
	ck_assert_int_eq(ksf_key_seal(&s.k, s.id, s.mk, s.priv, &again, &len),
	    KSF_OK);
	ck_assert_uint_eq(len, s.len);
	ck_assert_int_ne(memcmp(again, s.file, len), 0);
	free(again);
	sealed_free(&s);
}
END_TEST

START_TEST(test_key_file_with_any_flipped_byte_is_refused)
{
	struct secret *out = NULL;
	struct sealed s;
	enum ksf_err err;
	size_t off;

	sealed_key(&s);
	for (off = 0; off < s.len; off++) {
		s.file[off] ^= 0x20;
		err = ksf_key_open(s.file, s.len, &s.k, s.id, s.mk, &out);
		ck_assert_msg(err != KSF_OK, "offset %zu accepted", off);
		ck_assert_ptr_null(out);
		s.file[off] ^= 0x20;
	}
	sealed_free(&s);
}
END_TEST

START_TEST(test_key_file_truncated_at_any_length_is_refused)
{
	struct secret *out = NULL;
	unsigned char *longer;
	struct sealed s;
	size_t len;

	sealed_key(&s);
	for (len = 0; len < s.len; len++) {
		ck_assert_msg(ksf_key_open(s.file, len, &s.k, s.id, s.mk,
		    &out) == KSF_TRUNCATED, "length %zu", len);
		ck_assert_ptr_null(out);
	}
	longer = xmalloc(s.len + 1);
	memcpy(longer, s.file, s.len);
	longer[s.len] = 0;
	ck_assert_int_eq(ksf_key_open(longer, s.len + 1, &s.k, s.id, s.mk,
	    &out), KSF_DAMAGED);
	free(longer);
	sealed_free(&s);
}
END_TEST

START_TEST(test_key_file_of_another_key_is_a_mismatch)
{
	struct secret *out = NULL;
	struct ksf_key other;
	struct sealed s;

	sealed_key(&s);
	other = s.k;
	other.selector = "mg202612r";
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &other, s.id, s.mk, &out),
	    KSF_MISMATCH);
	other = s.k;
	other.fpr[31] ^= 1;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &other, s.id, s.mk, &out),
	    KSF_MISMATCH);
	other = s.k;
	other.epoch = 4;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &other, s.id, s.mk, &out),
	    KSF_MISMATCH);
	ck_assert_ptr_null(out);
	sealed_free(&s);
}
END_TEST

/*
 * The plaintext fields are bound as associated data: a file whose fields
 * were rewritten to name another key, opened as that key, fails to
 * authenticate. Each case edits the file at one spot and the expected
 * identity alike, so that only the AD differs from the sealing.
 */
START_TEST(test_key_file_is_bound_to_its_identity_and_keystore)
{
	struct secret *out = NULL, *mk2;
	unsigned char id2[KSF_ID_LEN];
	size_t dl = strlen(domain), sl = strlen(selector);
	struct ksf_key k;
	struct sealed s;
	char dom2[64], sel2[64];

	sealed_key(&s);
	/* domain: mg.example.com -> mg.example.con */
	k = s.k;
	snprintf(dom2, sizeof(dom2), "%s", domain);
	dom2[dl - 1] = 'n';
	k.domain = dom2;
	s.file[19 + dl - 1] = 'n';
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[19 + dl - 1] = 'm';
	/* selector */
	k = s.k;
	snprintf(sel2, sizeof(sel2), "%s", selector);
	sel2[0] = 'x';
	k.selector = sel2;
	s.file[19 + dl + 1] = 'x';
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[19 + dl + 1] = (unsigned char)selector[0];
	/* fingerprint */
	k = s.k;
	k.fpr[0] ^= 1;
	s.file[19 + dl + 1 + sl] ^= 1;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[19 + dl + 1 + sl] ^= 1;
	/* epoch (offset 14), alg (10), bits (12) */
	k = s.k;
	k.epoch = 4;
	s.file[14] = 4;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[14] = 3;
	k = s.k;
	k.alg = DK_ALG_ED25519;
	s.file[10] = DK_ALG_ED25519;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[10] = DK_ALG_RSA;
	k = s.k;
	k.bits = 3072;
	s.file[12] = 3072 & 0xff;
	s.file[13] = 3072 >> 8;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &k, s.id, s.mk, &out),
	    KSF_AUTH);
	s.file[12] = 2048 & 0xff;
	s.file[13] = 2048 >> 8;
	/* another keystore, another master key */
	memcpy(id2, s.id, sizeof(id2));
	id2[5] ^= 1;
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &s.k, id2, s.mk, &out),
	    KSF_AUTH);
	mk2 = random_secret(KSF_MK_LEN);
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &s.k, s.id, mk2, &out),
	    KSF_AUTH);
	ck_assert_ptr_null(out);
	/* and the untouched file still opens */
	ck_assert_int_eq(ksf_key_open(s.file, s.len, &s.k, s.id, s.mk, &out),
	    KSF_OK);
	secret_free(out);
	secret_free(mk2);
	sealed_free(&s);
}
END_TEST

START_TEST(test_key_seal_refuses_what_it_cannot_encode)
{
	struct secret *mk = random_secret(KSF_MK_LEN);
	struct secret *empty = secret_new(0, 0);
	struct secret *huge = random_secret(KSF_PRIV_MAX + 1);
	struct secret *priv = random_secret(32);
	unsigned char id[KSF_ID_LEN] = { 0 }, *out = NULL;
	char longname[300];
	struct ksf_key k;
	size_t len;

	key_identity(&k);
	ck_assert_int_eq(ksf_key_seal(&k, id, mk, empty, &out, &len),
	    KSF_INVALID);
	ck_assert_int_eq(ksf_key_seal(&k, id, mk, huge, &out, &len),
	    KSF_INVALID);
	memset(longname, 'a', sizeof(longname));
	longname[256] = '\0';
	k.domain = longname;
	ck_assert_int_eq(ksf_key_seal(&k, id, mk, priv, &out, &len),
	    KSF_INVALID);
	key_identity(&k);
	k.bits = 70000;
	ck_assert_int_eq(ksf_key_seal(&k, id, mk, priv, &out, &len),
	    KSF_INVALID);
	ck_assert_ptr_null(out);
	secret_free(mk);
	secret_free(empty);
	secret_free(huge);
	secret_free(priv);
}
END_TEST

/* ---- the state file (ksstate.c) ---- */

/* (The casts let literals into char * fields that are never written.) */
static void
fill_key(struct ks_key *k, const char *vendor, const char *dom,
    const char *sel)
{
	memset(k, 0, sizeof(*k));
	k->vendor = (char *)(uintptr_t)vendor;
	k->domain = (char *)(uintptr_t)dom;
	k->selector = (char *)(uintptr_t)sel;
	k->alg = DK_ALG_ED25519;
	k->bits = 256;
	k->publen = 32;
	randombytes_buf(k->pub, 32);
	crypto_hash_sha256(k->fpr, k->pub, 32);
	k->state = KS_ACTIVE;
	k->created = 1764000000;
	k->published = 1764000100;
	k->activated = 1764200000;
}

/* A state with two keys and two counters, encoded into b. */
static void
sample_state(struct ksstate *st, struct buf *b)
{
	struct ks_key k;
	char err[200];

	memset(st, 0, sizeof(*st));
	st->now = 1764400000;
	ksstate_counter(st, "mailgun")->value = 3;
	ksstate_counter(st, "customers/example.org")->value = 1;
	fill_key(&k, "mailgun", "mg.example.com", "mg202611e");
	ck_assert_ptr_nonnull(ksstate_append(st, &k));
	fill_key(&k, "customers/example.org", "example.org", "k202611r");
	k.alg = DK_ALG_RSA;
	k.bits = 2048;
	k.state = KS_DESTROYED;
	k.compromised = true;
	k.publen = 0;
	k.destroyed = 1764300000;
	ck_assert_ptr_nonnull(ksstate_append(st, &k));
	memset(b, 0, sizeof(*b));
	ck_assert_int_eq(ksstate_encode(st, b, err, sizeof(err)), 0);
}

START_TEST(test_state_round_trips_byte_for_byte)
{
	static const char head[] = "dkimkeys-state 1\n"
	    "now 2025-11-29T07:06:40Z\ncounter mailgun 3\n";
	struct ksstate st, back;
	struct buf b, b2 = { NULL, 0, 0 };
	char err[200] = "";

	sample_state(&st, &b);
	ck_assert_int_eq(ksstate_decode(b.data, b.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(back.nkeys, 2);
	ck_assert_uint_eq(back.ncounters, 2);
	ck_assert_int_eq(back.now, 1764400000);
	ck_assert_str_eq(back.keys[1].vendor, "customers/example.org");
	ck_assert(back.keys[1].compromised);
	ck_assert_int_eq(back.keys[1].state, KS_DESTROYED);
	ck_assert_int_eq(back.keys[0].activated, 1764200000);
	ck_assert_int_eq(memcmp(back.keys[0].pub, st.keys[0].pub, 32), 0);
	ck_assert_int_eq(memcmp(back.keys[1].fpr, st.keys[1].fpr, 32), 0);
	ck_assert_uint_eq(ksstate_find(&back, "example.org", "k202611r"), 1);
	ck_assert_int_eq(ksstate_encode(&back, &b2, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.len, b2.len);
	ck_assert_int_eq(memcmp(b.data, b2.data, b.len), 0);
	ck_assert_int_eq(strncmp(b.data, head, strlen(head)), 0);
	ksstate_free(&st);
	ksstate_free(&back);
	buf_free(&b);
	buf_free(&b2);
}
END_TEST

START_TEST(test_state_with_any_edited_byte_or_truncation_is_damaged)
{
	struct ksstate st, back;
	char err[200];
	struct buf b;
	size_t i;

	sample_state(&st, &b);
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		ck_assert_msg(ksstate_decode(b.data, b.len, &back, err,
		    sizeof(err)) != 0, "byte %zu edited, accepted", i);
		ksstate_free(&back);
		b.data[i] ^= 0x01;
		ck_assert_msg(ksstate_decode(b.data, i, &back, err,
		    sizeof(err)) != 0, "truncated at %zu, accepted", i);
		ksstate_free(&back);
	}
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* Bodies (before the end line, added with a good checksum) to refuse. */
#define FPR "3b4d" "00000000000000000000000000000000000000000000000000000000" \
    "0000"
#define K1 "key vendor=mailgun domain=mg.example.com selector=s1 alg=rsa " \
    "bits=2048 state=pending compromised=no fpr=" FPR " pub= "             \
    "created=2025-11-29T07:06:40Z published=- visible=- activated=- "      \
    "retired=- revoked=- withdrawn=- destroyed=-"
#define HEAD "dkimkeys-state 1\nnow -\n"

static const struct {
	const char *body;
	int want;
	const char *why;
} state_cases[] = {
	{ HEAD K1 "\n", 0, NULL },
	{ HEAD "counter mailgun 4\n" K1 "\n", 0, NULL },
	{ "dkimkeys-state 2\nnow -\n", -2, "unsupported version 2" },
	{ "dkimkeys-state x\nnow -\n", -1, "bad version line" },
	{ "dkimkeys-stat 1\nnow -\n", -1, "not a state file" },
	{ "dkimkeys-state 1\n", -1, "no now line" },
	{ "dkimkeys-state 1\nnow yesterday\n", -1, "line 2: expected" },
	{ HEAD K1 " color=blue\n", -1, "line 3: unknown field \"color\"" },
	{ HEAD K1 " bits=2048\n", -1, "line 3: repeated field \"bits\"" },
	{ HEAD "key vendor=mailgun\n", -1, "line 3: missing field domain" },
	{ HEAD K1 "\n" K1 "\n", -1, "line 4: s1._domainkey.mg.example.com "
	    "listed twice" },
	{ HEAD K1 "\ncounter mailgun 1\n", -1, "line 4: counter after" },
	{ HEAD "counter a 1\ncounter a 2\n", -1, "counter a listed twice" },
	{ HEAD "counter A 1\n", -1, "line 3: invalid counter" },
	{ HEAD "counter a -1\n", -1, "line 3: invalid counter" },
	{ HEAD "counter a 1 2\n", -1, "line 3: invalid counter" },
	{ HEAD "\n", -1, "line 3: empty" },
	{ HEAD "hello\n", -1, "line 3: unknown line" },
	{ HEAD "key vendor=Mailgun\n", -1, "line 3: invalid vendor" },
	{ HEAD "key vendor=a/b/c\n", -1, "line 3: invalid vendor" },
	{ HEAD "key domain=mg.example.com.\n", -1, "invalid domain" },
	{ HEAD "key selector=s_1\n", -1, "invalid selector" },
	{ HEAD "key alg=dsa\n", -1, "invalid alg" },
	{ HEAD "key bits=0\n", -1, "invalid bits" },
	{ HEAD "key bits=65536\n", -1, "invalid bits" },
	{ HEAD "key state=gone\n", -1, "invalid state" },
	{ HEAD "key compromised=1\n", -1, "invalid compromised" },
	{ HEAD "key fpr=3B4D\n", -1, "invalid fpr" },
	{ HEAD "key pub=!!!!\n", -1, "invalid pub" },
	{ HEAD "key created=2025-13-01T00:00:00Z\n", -1, "invalid created" },
	{ HEAD "key created=0\n", -1, "invalid created" },
	{ HEAD "key nocolon\n", -1, "has no value" },
	{ HEAD "key  vendor=a\n", -1, "has no value" },
};

START_TEST(test_state_parser_refuses_bad_lines_with_their_number)
{
	unsigned char sum[32];
	struct ksstate st;
	char err[300], hex[65];
	struct buf b = { NULL, 0, 0 };
	int rc;

	buf_puts(&b, state_cases[_i].body);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)b.data, b.len,
	    NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(&b, "end %s\n", hex);
	err[0] = '\0';
	rc = ksstate_decode(b.data, b.len, &st, err, sizeof(err));
	ck_assert_msg(rc == state_cases[_i].want, "case %d: rc %d (%s)", _i, rc,
	    err);
	if (state_cases[_i].why != NULL)
		ck_assert_msg(strstr(err, state_cases[_i].why) != NULL,
		    "case %d: \"%s\" lacks \"%s\"", _i, err,
		    state_cases[_i].why);
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

START_TEST(test_state_refuses_a_key_whose_fpr_is_not_its_pub)
{
	struct ksstate st;
	struct ks_key k;
	struct buf b = { NULL, 0, 0 };
	char err[200];

	memset(&st, 0, sizeof(st));
	fill_key(&k, "mailgun", "mg.example.com", "s1");
	k.fpr[0] ^= 1;
	ck_assert_ptr_nonnull(ksstate_append(&st, &k));
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "fingerprint"));
	ck_assert_ptr_nonnull(ksstate_key_invalid(&k));
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

static const struct {
	const char *s;
	bool ok;
} vendor_cases[] = {
	{ "mailgun", true },
	{ "a", true },
	{ "customers/example.com", true },
	{ "customers/xn--bcher-kva.example", true },
	{ "", false },
	{ "Mailgun", false },
	{ "-mailgun", false },
	{ "mail gun", false },
	{ "customers/", false },
	{ "/example.com", false },
	{ "customers/Example.com", false },
	{ "a/b/c", false },
	{ "customers/example.com.", false },
	{ "mail=gun", false },
};

START_TEST(test_vendor_names_are_validated)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(vendor_cases); i++)
		ck_assert_msg(ksstate_valid_vendor(vendor_cases[i].s) ==
		    vendor_cases[i].ok, "%s", vendor_cases[i].s);
}
END_TEST

START_TEST(test_state_names_round_trip)
{
	enum ks_state st;
	int i;

	for (i = KS_PENDING; i <= KS_DESTROYED; i++) {
		ck_assert_int_eq(ks_state_parse(ks_state_name(i), &st), 0);
		ck_assert_int_eq(st, i);
	}
	ck_assert_str_eq(ks_state_name(KS_WITHDRAWN), "withdrawn");
	ck_assert_int_eq(ks_state_parse("Active", &st), -1);
	ck_assert_int_eq(ks_state_parse("", &st), -1);
}
END_TEST

START_TEST(test_state_index_finds_many_keys_and_refuses_duplicates)
{
	struct ksstate st;
	struct ks_key k;
	char sel[32];
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 5000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		fill_key(&k, "v", i % 2 ? "a.example" : "b.example", sel);
		ck_assert_ptr_nonnull(ksstate_append(&st, &k));
	}
	for (i = 0; i < 5000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		ck_assert_uint_eq(ksstate_find(&st, i % 2 ? "a.example" :
		    "b.example", sel), i);
		ck_assert_uint_eq(ksstate_find(&st, i % 2 ? "b.example" :
		    "a.example", sel), KSSTATE_NONE);
	}
	fill_key(&k, "v", "a.example", "s1");
	ck_assert_ptr_null(ksstate_append(&st, &k));
	ck_assert_uint_eq(st.nkeys, 5000);
	ksstate_free(&st);
}
END_TEST

static void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
}

int
main(void)
{
	Suite *s = suite_create("ksformat");
	TCase *hdr = tcase_create("header");
	TCase *key = tcase_create("keyfile");
	TCase *st = tcase_create("state");

	tcase_add_checked_fixture(hdr, setup, NULL);
	tcase_add_checked_fixture(key, setup, NULL);
	tcase_add_checked_fixture(st, setup, NULL);
	tcase_set_timeout(hdr, 60);
	tcase_add_test(hdr, test_header_round_trips_and_unseals_the_master_key);
	tcase_add_test(hdr, test_header_is_little_endian_at_documented_offsets);
	tcase_add_test(hdr, test_header_with_any_flipped_bit_is_damaged);
	tcase_add_test(hdr, test_header_of_wrong_length_is_damaged);
	tcase_add_test(hdr, test_header_of_another_version_is_refused_as_newer);
	tcase_add_test(hdr,
	    test_header_kdf_parameters_must_be_one_of_three_levels);
	tcase_add_test(hdr, test_master_key_needs_the_right_kek_and_header);
	tcase_add_test(hdr, test_derivation_depends_on_passphrase_and_salt);
	tcase_add_test(hdr, test_kdf_names_parse_exactly);
	tcase_add_test(key, test_key_file_round_trips);
	tcase_add_test(key, test_key_file_nonce_is_fresh_for_every_seal);
	tcase_add_test(key, test_key_file_with_any_flipped_byte_is_refused);
	tcase_add_test(key, test_key_file_truncated_at_any_length_is_refused);
	tcase_add_test(key, test_key_file_of_another_key_is_a_mismatch);
	tcase_add_test(key,
	    test_key_file_is_bound_to_its_identity_and_keystore);
	tcase_add_test(key, test_key_seal_refuses_what_it_cannot_encode);
	tcase_add_test(st, test_state_round_trips_byte_for_byte);
	tcase_add_test(st,
	    test_state_with_any_edited_byte_or_truncation_is_damaged);
	tcase_add_loop_test(st,
	    test_state_parser_refuses_bad_lines_with_their_number, 0,
	    (int)ARRAY_LEN(state_cases));
	tcase_add_test(st, test_state_refuses_a_key_whose_fpr_is_not_its_pub);
	tcase_add_test(st, test_vendor_names_are_validated);
	tcase_add_test(st, test_state_names_round_trip);
	tcase_add_test(st,
	    test_state_index_finds_many_keys_and_refuses_duplicates);
	suite_add_tcase(s, hdr);
	suite_add_tcase(s, key);
	suite_add_tcase(s, st);
	return tu_run(s);
}
