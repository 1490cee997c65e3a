/*
 * check_ksformat.c - the keystore's pure encoders and decoders of the
 * header, key files and pack files (ksformat.c). No files. The state's
 * codec is check_ksstate.c.
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

/* Pack files: n slots, slot i empty when i % 3 == 1, else i % 50 + 1
 * random octets; the last of 512 slots is as long as a key file gets. */
static size_t
slot_len(size_t i, size_t n)
{
	if (n == KS_PACK_SLOTS_MAX && i == n - 1)
		return KSF_KEYFILE_MAX;
	return i % 3 == 1 ? 0 : i % 50 + 1;
}

static void
st16le(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
st32le(unsigned char *p, uint32_t v)
{
	st16le(p, v);
	st16le(p + 2, v >> 16);
}

static uint32_t
ld32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static const size_t pack_sizes[] = { 1, 3, KS_PACK_SLOTS_MAX };

START_TEST(test_pack_of_1_3_and_512_slots_round_trips)
{
	static const unsigned char *ent[KS_PACK_SLOTS_MAX];
	static size_t len[KS_PACK_SLOTS_MAX];
	static struct ksf_pack p;
	size_t n = pack_sizes[_i], i, outlen, total, headlen;
	unsigned char *out, *data;

	total = KSF_PACK_HEAD_LEN(n);
	for (i = 0; i < n; i++) {
		len[i] = slot_len(i, n);
		total += len[i];
		data = len[i] > 0 ? xmalloc(len[i]) : NULL;
		if (len[i] > 0)
			randombytes_buf(data, len[i]);
		ent[i] = data;
	}
	ck_assert_int_eq(ksf_pack_encode(0x01020304, ent, len, n, &out,
	    &outlen), KSF_OK);
	ck_assert_uint_eq(outlen, total);
	ck_assert_int_eq(memcmp(out, "DKIMKSP", 8), 0);
	ck_assert_uint_eq(out[8], 1); /* version */
	ck_assert_uint_eq(out[9], 0);
	ck_assert_uint_eq(out[10], 0x04); /* epoch */
	ck_assert_uint_eq(out[13], 0x01);
	ck_assert_uint_eq(out[14] | out[15] << 8, n);
	ck_assert_uint_eq(ld32le(out + 16), KSF_PACK_HEAD_LEN(n));
	ck_assert_uint_eq(ld32le(out + 16 + 4 * n), outlen);
	/* the whole pack, and its table alone as a reader reads it first */
	headlen = outlen < KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX) ? outlen :
	    KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX);
	ck_assert_int_eq(ksf_pack_decode(out, KSF_PACK_HEAD_LEN(n), outlen,
	    0x01020304, &p), KSF_OK);
	ck_assert_int_eq(ksf_pack_decode(out, headlen, outlen, 0x01020304,
	    &p), KSF_OK);
	ck_assert_int_eq(ksf_pack_decode(out, outlen, outlen, 0x01020304, &p),
	    KSF_OK);
	ck_assert_uint_eq(p.n, n);
	ck_assert_uint_eq(p.off[0], KSF_PACK_HEAD_LEN(n));
	ck_assert_uint_eq(p.off[n], outlen);
	for (i = 0; i < n; i++) {
		ck_assert_msg(p.off[i + 1] - p.off[i] == len[i],
		    "slot %zu: %u octets, not %zu", i,
		    (unsigned)(p.off[i + 1] - p.off[i]), len[i]);
		if (len[i] > 0)
			ck_assert_msg(memcmp(out + p.off[i], ent[i], len[i]) ==
			    0, "slot %zu octets", i);
		free((void *)(uintptr_t)ent[i]);
	}
	free(out);
}
END_TEST

/* Every case edits the pack of three slots below (0 to 3 integers written
 * little-endian), then decodes headlen of its octets (-1: all) as a file of
 * size octets (-1: the pack's) under epoch. */
#define PACK_EPOCH 7
#define PACK_LEN (KSF_PACK_HEAD_LEN(3) + 10 + 0 + 20) /* 62 */
#define OFF(i) (KSF_PACK_FIXED + 4 * (i))

static const struct {
	const char *what;
	struct {
		size_t at;
		unsigned width;
		uint32_t v;
	} ed[3];
	long headlen;
	long long size;
	uint32_t epoch;
	enum ksf_err want;
} pack_cases[] = {
	{ "good", { { 0 } }, -1, -1, PACK_EPOCH, KSF_OK },
	{ "its table only", { { 0 } }, KSF_PACK_HEAD_LEN(3), -1, PACK_EPOCH,
	    KSF_OK },
	{ "head of 15 octets", { { 0 } }, 15, -1, PACK_EPOCH, KSF_TRUNCATED },
	{ "head of 0 octets", { { 0 } }, 0, -1, PACK_EPOCH, KSF_TRUNCATED },
	{ "bad magic", { { 0, 1, 'X' } }, -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "magic without its NUL", { { 7, 1, 'x' } }, -1, -1, PACK_EPOCH,
	    KSF_DAMAGED },
	{ "key file magic", { { 6, 1, 'K' } }, -1, -1, PACK_EPOCH,
	    KSF_DAMAGED },
	{ "version 2", { { 8, 2, 2 } }, -1, -1, PACK_EPOCH, KSF_NEWER },
	{ "version 0", { { 8, 2, 0 } }, -1, -1, PACK_EPOCH, KSF_NEWER },
	{ "0 slots", { { 14, 2, 0 } }, -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "513 slots", { { 14, 2, 513 } }, -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "65535 slots", { { 14, 2, 65535 } }, -1, -1, PACK_EPOCH,
	    KSF_DAMAGED },
	{ "another epoch", { { 0 } }, -1, -1, PACK_EPOCH + 1, KSF_MISMATCH },
	{ "epoch 0", { { 0 } }, -1, -1, 0, KSF_MISMATCH },
	{ "head of 16 octets", { { 0 } }, 16, -1, PACK_EPOCH, KSF_TRUNCATED },
	{ "head 1 short of the table", { { 0 } }, KSF_PACK_HEAD_LEN(3) - 1, -1,
	    PACK_EPOCH, KSF_TRUNCATED },
	{ "512 slots in a head of 3", { { 14, 2, 512 } }, -1, -1, PACK_EPOCH,
	    KSF_TRUNCATED },
	{ "first offset past the table", { { OFF(0), 4,
	    KSF_PACK_HEAD_LEN(3) + 1 } }, -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "first offset inside the table", { { OFF(0), 4,
	    KSF_PACK_HEAD_LEN(3) - 1 } }, -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "first offset 0", { { OFF(0), 4, 0 } }, -1, -1, PACK_EPOCH,
	    KSF_DAMAGED },
	{ "decreasing offsets", { { OFF(2), 4, KSF_PACK_HEAD_LEN(3) + 9 } },
	    -1, -1, PACK_EPOCH, KSF_DAMAGED },
	{ "an offset wrapping", { { OFF(1), 4, UINT32_MAX } }, -1, -1,
	    PACK_EPOCH, KSF_DAMAGED },
	{ "a slot of KSF_KEYFILE_MAX octets", { { OFF(1), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX }, { OFF(2), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX }, { OFF(3), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX } }, KSF_PACK_HEAD_LEN(3),
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX, PACK_EPOCH, KSF_OK },
	{ "a slot of KSF_KEYFILE_MAX + 1 octets", { { OFF(1), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX + 1 }, { OFF(2), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX + 1 }, { OFF(3), 4,
	    KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX + 1 } },
	    KSF_PACK_HEAD_LEN(3), KSF_PACK_HEAD_LEN(3) + KSF_KEYFILE_MAX + 1,
	    PACK_EPOCH, KSF_DAMAGED },
	{ "last offset past the end", { { OFF(3), 4, PACK_LEN + 1 } }, -1, -1,
	    PACK_EPOCH, KSF_TRUNCATED },
	{ "file cut 1 short", { { 0 } }, PACK_LEN - 1, PACK_LEN - 1,
	    PACK_EPOCH, KSF_TRUNCATED },
	{ "file cut to its table", { { 0 } }, KSF_PACK_HEAD_LEN(3),
	    KSF_PACK_HEAD_LEN(3), PACK_EPOCH, KSF_TRUNCATED },
	{ "last offset before the end", { { OFF(3), 4, PACK_LEN - 1 } }, -1,
	    -1, PACK_EPOCH, KSF_DAMAGED },
	{ "an octet past the last slot", { { 0 } }, -1, PACK_LEN + 1,
	    PACK_EPOCH, KSF_DAMAGED },
	{ "a head longer than the file", { { 0 } }, -1, PACK_LEN - 1,
	    PACK_EPOCH, KSF_INVALID },
	{ "a short head longer than the file", { { 0 } }, 10, 5, PACK_EPOCH,
	    KSF_INVALID },
};

/* The pack of pack_cases: slots of 10, 0 and 20 octets under PACK_EPOCH. */
static unsigned char *
pack3(size_t *outlen)
{
	static const unsigned char a[10] = "0123456789";
	static const unsigned char c[20] = "abcdefghijklmnopqrst";
	const unsigned char *ent[3] = { a, NULL, c };
	const size_t len[3] = { sizeof(a), 0, sizeof(c) };
	unsigned char *out;

	ck_assert_int_eq(ksf_pack_encode(PACK_EPOCH, ent, len, 3, &out,
	    outlen), KSF_OK);
	ck_assert_uint_eq(*outlen, PACK_LEN);
	return out;
}

START_TEST(test_pack_decode_refuses_each_fault_with_its_error)
{
	struct ksf_pack p;
	unsigned char *b;
	size_t len, headlen, j;
	uint64_t size;
	enum ksf_err err;

	b = pack3(&len);
	for (j = 0; j < ARRAY_LEN(pack_cases[_i].ed); j++)
		if (pack_cases[_i].ed[j].width == 1)
			b[pack_cases[_i].ed[j].at] =
			    (unsigned char)pack_cases[_i].ed[j].v;
		else if (pack_cases[_i].ed[j].width == 2)
			st16le(b + pack_cases[_i].ed[j].at,
			    pack_cases[_i].ed[j].v);
		else if (pack_cases[_i].ed[j].width == 4)
			st32le(b + pack_cases[_i].ed[j].at,
			    pack_cases[_i].ed[j].v);
	headlen = pack_cases[_i].headlen < 0 ? len :
	    (size_t)pack_cases[_i].headlen;
	size = pack_cases[_i].size < 0 ? len :
	    (uint64_t)pack_cases[_i].size;
	ck_assert_uint_le(headlen, len);
	err = ksf_pack_decode(b, headlen, size, pack_cases[_i].epoch, &p);
	ck_assert_msg(err == pack_cases[_i].want, "%s: %s, not %s",
	    pack_cases[_i].what, ksf_strerror(err),
	    ksf_strerror(pack_cases[_i].want));
	free(b);
}
END_TEST

/* A flipped bit of the fixed head, the first or the last offset never
 * decodes (a middle offset may: only the slots' own checks see that). */
START_TEST(test_pack_with_a_flipped_bit_in_its_head_or_ends_is_refused)
{
	struct ksf_pack p;
	unsigned char *b;
	size_t len, off;
	int bit;

	b = pack3(&len);
	for (off = 0; off < KSF_PACK_HEAD_LEN(3); off++) {
		if (off >= OFF(1) && off < OFF(3))
			continue;
		for (bit = 0; bit < 8; bit++) {
			b[off] ^= (unsigned char)(1U << bit);
			ck_assert_msg(ksf_pack_decode(b, len, len, PACK_EPOCH,
			    &p) != KSF_OK, "offset %zu bit %d accepted", off,
			    bit);
			b[off] ^= (unsigned char)(1U << bit);
		}
	}
	ck_assert_int_eq(ksf_pack_decode(b, len, len, PACK_EPOCH, &p), KSF_OK);
	free(b);
}
END_TEST

START_TEST(test_pack_encode_refuses_what_it_cannot_encode)
{
	static const unsigned char *ent[KS_PACK_SLOTS_MAX + 1];
	static size_t len[KS_PACK_SLOTS_MAX + 1];
	unsigned char *big = xcalloc(1, KSF_KEYFILE_MAX + 1), *out;
	size_t outlen;

	ck_assert_int_eq(ksf_pack_encode(1, ent, len, 0, &out, &outlen),
	    KSF_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(ksf_pack_encode(1, ent, len, KS_PACK_SLOTS_MAX + 1,
	    &out, &outlen), KSF_INVALID);
	ck_assert_ptr_null(out);
	ent[1] = big;
	len[1] = KSF_KEYFILE_MAX + 1;
	ck_assert_int_eq(ksf_pack_encode(1, ent, len, 3, &out, &outlen),
	    KSF_INVALID);
	ck_assert_ptr_null(out);
	/* 512 empty slots and one of KSF_KEYFILE_MAX are fine */
	len[1] = KSF_KEYFILE_MAX;
	ck_assert_int_eq(ksf_pack_encode(1, ent, len, KS_PACK_SLOTS_MAX, &out,
	    &outlen), KSF_OK);
	ck_assert_uint_eq(outlen, KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX) +
	    KSF_KEYFILE_MAX);
	free(out);
	free(big);
}
END_TEST

START_TEST(test_erased_is_empty_or_all_zeros)
{
	unsigned char b[64];
	size_t i;

	memset(b, 0, sizeof(b));
	ck_assert(ksf_erased(b, 0));
	ck_assert(ksf_erased(b, 1));
	ck_assert(ksf_erased(b, sizeof(b)));
	for (i = 0; i < sizeof(b); i++) {
		b[i] = (unsigned char)(i % 2 == 0 ? 1 : 0x80);
		ck_assert_msg(!ksf_erased(b, sizeof(b)), "octet %zu", i);
		ck_assert(ksf_erased(b, i));
		b[i] = 0;
	}
	ck_assert_str_eq(ksf_strerror(KSF_ERASED), "erased");
}
END_TEST

/* A pack's slot is a key file: it opens from the slot's octets; erased in
 * place (zeros), the table still decodes, the slot is erased and no longer
 * opens, and the other slots still do. */
START_TEST(test_pack_slot_holds_a_sealed_key_that_opens_and_erases)
{
	struct secret *out = NULL;
	const unsigned char *ent[3];
	struct sealed s, t;
	struct ksf_pack p;
	unsigned char *b;
	size_t len[3], blen, i;

	sealed_key(&s);
	t = s;
	t.priv = random_secret(32);
	ck_assert_int_eq(ksf_key_seal(&t.k, t.id, t.mk, t.priv, &t.file,
	    &t.len), KSF_OK);
	ent[0] = s.file;
	len[0] = s.len;
	ent[1] = NULL;
	len[1] = 0;
	ent[2] = t.file;
	len[2] = t.len;
	ck_assert_int_eq(ksf_pack_encode(s.k.epoch, ent, len, 3, &b, &blen),
	    KSF_OK);
	ck_assert_int_eq(ksf_pack_decode(b, blen, blen, s.k.epoch, &p), KSF_OK);
	ck_assert_uint_eq(p.off[1] - p.off[0], s.len);
	ck_assert(!ksf_erased(b + p.off[0], s.len));
	ck_assert_int_eq(ksf_key_open(b + p.off[0], p.off[1] - p.off[0], &s.k,
	    s.id, s.mk, &out), KSF_OK);
	ck_assert_uint_eq(out->len, s.priv->len);
	ck_assert_int_eq(memcmp(out->data, s.priv->data, out->len), 0);
	secret_free(out);
	out = NULL;
	ck_assert(ksf_erased(b + p.off[1], p.off[2] - p.off[1]));
	ck_assert_int_ne(ksf_key_open(b + p.off[1], p.off[2] - p.off[1], &s.k,
	    s.id, s.mk, &out), KSF_OK);
	ck_assert_ptr_null(out);
	/* erased in place */
	memset(b + p.off[0], 0, p.off[1] - p.off[0]);
	ck_assert_int_eq(ksf_pack_decode(b, blen, blen, s.k.epoch, &p), KSF_OK);
	ck_assert(ksf_erased(b + p.off[0], p.off[1] - p.off[0]));
	ck_assert_int_eq(ksf_key_open(b + p.off[0], p.off[1] - p.off[0], &s.k,
	    s.id, s.mk, &out), KSF_DAMAGED);
	ck_assert_ptr_null(out);
	for (i = 0; i < p.off[1] - p.off[0]; i++)
		ck_assert_uint_eq(b[p.off[0] + i], 0);
	ck_assert_int_eq(ksf_key_open(b + p.off[2], p.off[3] - p.off[2], &t.k,
	    t.id, t.mk, &out), KSF_OK);
	ck_assert_int_eq(memcmp(out->data, t.priv->data, 32), 0);
	secret_free(out);
	secret_free(t.priv);
	free(t.file);
	free(b);
	sealed_free(&s);
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
	TCase *pack = tcase_create("pack");

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
	tcase_add_checked_fixture(pack, setup, NULL);
	tcase_set_timeout(pack, 60);
	tcase_add_loop_test(pack, test_pack_of_1_3_and_512_slots_round_trips, 0,
	    (int)ARRAY_LEN(pack_sizes));
	tcase_add_loop_test(pack,
	    test_pack_decode_refuses_each_fault_with_its_error, 0,
	    (int)ARRAY_LEN(pack_cases));
	tcase_add_test(pack,
	    test_pack_with_a_flipped_bit_in_its_head_or_ends_is_refused);
	tcase_add_test(pack, test_pack_encode_refuses_what_it_cannot_encode);
	tcase_add_test(pack, test_erased_is_empty_or_all_zeros);
	tcase_add_test(pack,
	    test_pack_slot_holds_a_sealed_key_that_opens_and_erases);
	suite_add_tcase(s, hdr);
	suite_add_tcase(s, key);
	suite_add_tcase(s, pack);
	return tu_run(s);
}
