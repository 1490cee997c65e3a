/*
 * keygen_bench.c - key generation against the libraries' own limits, in
 * the same run with the same number of threads (SPEC section 9).
 *
 *   keygen_bench THREADS RSA_KEYS ED25519_KEYS REPEATS
 *
 * "library" is OpenSSL's EVP_PKEY_keygen for RSA-2048 and libsodium's
 * crypto_sign_keypair for Ed25519, and nothing else; "dkimkeys" is
 * keygen_generate(), which also encodes the private key as PKCS#8 into
 * guarded memory, the public key as SPKI and takes the fingerprint. Each
 * is timed REPEATS times; the median rate and the spread (min..max) are
 * printed with the ratio of the medians. For Ed25519 the library is also
 * timed with the seal a keystore adds (XChaCha20-Poly1305 of the seed
 * under a 32-byte key): the reference for an end-to-end rotate; and
 * with KEYSTORE_DIR (a fifth argument, a folder that must not exist), the
 * keystore's own path end to end: keygen_generate, sealed into a pack
 * file of a real keystore (ks_pack_add, in the threads; a pack of 256
 * keys a thread written with its fsync), keys/ synced (ks_sync_keys)
 * once per 512 keys, as rotate does. Nothing is asserted.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "keystore/keystore.h"
#include "secret/keygen.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/log.h"

struct job {
	int lib; /* 1: the library alone; 2: and the seal (ed25519); 3: the
		    keystore's generate, seal and store */
	enum dk_alg alg;
	unsigned n;
	pthread_mutex_t mu;
	unsigned next;
};

/* What the keystore does to a seed: a random nonce, AEAD under MK. */
static void
seal(const unsigned char *sk)
{
	static const unsigned char mk[32] = { 1 };
	unsigned char nonce[24], ct[32 + 16];
	unsigned long long len;

	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &len, sk, 32, nonce,
	    sizeof(nonce), NULL, nonce, mk);
}

static struct ks *ks; /* lib 3's keystore, unlocked */

/* A new key into the thread's pack, as rotate's workers do. */
static void
store_one(struct ks_pack *pack)
{
	struct keypair kp;
	struct ks_key meta;
	char sel[32];

	if (keygen_generate(DK_ALG_ED25519, 256, &kp) == -1)
		return;
	memset(&meta, 0, sizeof(meta));
	snprintf(sel, sizeof(sel), "b%02x%02x", kp.fpr[0], kp.fpr[1]);
	meta.vendor = (char *)(uintptr_t)"bench";
	meta.domain = (char *)(uintptr_t)"bench.example";
	meta.selector = sel;
	meta.alg = kp.alg;
	meta.bits = kp.bits;
	meta.pub = kp.pub;
	meta.publen = kp.publen;
	memcpy(meta.fpr, kp.fpr, sizeof(meta.fpr));
	meta.state = KS_PENDING;
	ks_pack_add(pack, &meta, kp.priv);
	keypair_clear(&kp);
}

static void
one(const struct job *j, struct ks_pack **pack)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct keypair kp;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	if (j->lib == 3) {
		if (*pack == NULL)
			*pack = ks_pack_new(ks);
		store_one(*pack);
		if (ks_pack_count(*pack) == 256) {
			ks_pack_write(*pack);
			ks_pack_free(*pack);
			*pack = NULL;
		}
		return;
	}
	if (!j->lib) {
		if (keygen_generate(j->alg, 2048, &kp) == 0)
			keypair_clear(&kp);
		return;
	}
	if (j->alg == DK_ALG_ED25519) {
		crypto_sign_keypair(pk, sk);
		if (j->lib == 2)
			seal(sk);
		sodium_memzero(sk, sizeof(sk));
		return;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) > 0)
		EVP_PKEY_keygen(ctx, &key);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct ks_pack *pack = NULL;
	unsigned i;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			break;
		one(j, &pack);
		if (j->lib == 3 && (i + 1) % 512 == 0)
			ks_sync_keys(ks);
	}
	if (pack != NULL) {
		ks_pack_write(pack);
		ks_pack_free(pack);
	}
	return NULL;
}

/* Keys per second for one timed run. */
static double
rate(int lib, enum dk_alg alg, unsigned n, unsigned threads)
{
	struct job j = { lib, alg, n, PTHREAD_MUTEX_INITIALIZER, 0 };
	pthread_t tid[64];
	struct timespec a, b;
	unsigned i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < threads && i < 64; i++)
		pthread_create(&tid[i], NULL, worker, &j);
	for (i = 0; i < threads && i < 64; i++)
		pthread_join(tid[i], NULL);
	if (lib == 3)
		ks_sync_keys(ks);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return n / ((double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

static int
cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double
measure(const char *what, int lib, enum dk_alg alg, unsigned n,
    unsigned threads, unsigned reps)
{
	double r[16];
	unsigned i;

	for (i = 0; i < reps && i < 16; i++)
		r[i] = rate(lib, alg, n, threads);
	qsort(r, i, sizeof(r[0]), cmp);
	printf("  %-26s %10.1f keys/s  (spread %.1f .. %.1f; %u x %u keys)\n",
	    what, r[i / 2], r[0], r[i - 1], i, n);
	return r[i / 2];
}

int
main(int argc, char **argv)
{
	unsigned threads, rsa, ed, reps;
	double lib, ours;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: keygen_bench THREADS RSA_KEYS "
		    "ED25519_KEYS REPEATS [KEYSTORE_DIR]\n");
		return 64;
	}
	threads = (unsigned)atoi(argv[1]);
	rsa = (unsigned)atoi(argv[2]);
	ed = (unsigned)atoi(argv[3]);
	reps = (unsigned)atoi(argv[4]);
	if (secret_setup() == -1 || keygen_setup() == -1)
		return 70;
	log_set_level(LOG_LVL_ERR);
	printf("threads %u\nrsa-2048\n", threads);
	lib = measure("OpenSSL EVP_PKEY_keygen", 1, DK_ALG_RSA, rsa, threads,
	    reps);
	ours = measure("dkimkeys keygen_generate", 0, DK_ALG_RSA, rsa, threads,
	    reps);
	printf("  ratio dkimkeys/library    %10.3f\n", ours / lib);
	printf("ed25519\n");
	lib = measure("libsodium crypto_sign", 1, DK_ALG_ED25519, ed, threads,
	    reps);
	ours = measure("dkimkeys keygen_generate", 0, DK_ALG_ED25519, ed,
	    threads, reps);
	printf("  ratio dkimkeys/library    %10.3f\n", ours / lib);
	lib = measure("libsodium keygen + seal", 2, DK_ALG_ED25519, ed,
	    threads, reps);
	if (argc == 6 && ed > 0) {
		/* pass and KDF outside the timing: once a run, as rotate */
		struct secret *pass = secret_from("bench passphrase", 16);

		if (ks_create(argv[5], KS_KDF_INTERACTIVE, pass, 1764400000,
		    false) == -1 || ks_open(argv[5], KS_LOCK, &ks) == -1 ||
		    ks_unlock(ks, pass) == -1)
			return 70;
		secret_free(pass);
		ours = measure("dkimkeys gen+seal+store", 3, DK_ALG_ED25519, ed,
		    threads, reps);
		printf("  ratio store/keygen+seal   %10.3f\n", ours / lib);
		ks_close(ks);
	}
	return 0;
}
