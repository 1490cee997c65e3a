/*
 * check_ksformat.c - the keystore's pure encoders and decoders of the
 * header and key files (ksformat.c). No files. The state's codec is
 * check_ksstate.c.
 */
#include <sodium.h>

#include "testutil.h"
#include "keystore/ksformat.h"
#include "keystore/ksnames.h"
#include "secret/secret.h"
#include "support/dkim.h"

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
	struct secret *kek, *mk, *out = NULL, pass = { NULL, 1, 1, false };
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

	tcase_add_checked_fixture(hdr, setup, NULL);
	tcase_add_checked_fixture(key, setup, NULL);
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
	suite_add_tcase(s, hdr);
	suite_add_tcase(s, key);
	return tu_run(s);
}
