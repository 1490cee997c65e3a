/*
 * fuzz_kslog.c - state.log, the commit groups after a checkpoint
 * (src/keystore/ksstate_text.c, ksstate_log_decode; keystore/FORMAT 5.5).
 *
 * The input is the log's body: the harness writes the header line for a
 * fixed checkpoint and the chain value of every "commit N " line itself,
 * so that mutations reach the group parser behind the chain. A log that
 * applies must leave a state that encodes, decodes and encodes again to
 * the same text.
 */
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "keystore/ksstate.h"
#include "support/util.h"

static struct buf ckpt; /* the checkpoint, encoded once */
static char seed[KSSTATE_SUM_HEX + 1];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ksstate st;
	char err[256];

	(void)argc;
	(void)argv;
	FUZZ_ASSERT(sodium_init() >= 0);
	memset(&st, 0, sizeof(st));
	st.now = 1764400000;
	st.has_ksid = true;
	memset(st.ksid, 0x5a, sizeof(st.ksid));
	FUZZ_ASSERT(ksstate_encode(&st, &ckpt, err, sizeof(err)) == 0);
	ksstate_free(&st);
	/* the seed is the hex of the checkpoint's end line */
	memcpy(seed, ckpt.data + ckpt.len - 1 - KSSTATE_SUM_HEX,
	    KSSTATE_SUM_HEX);
	seed[KSSTATE_SUM_HEX] = '\0';
	return 0;
}

/* The chain value of a group (FORMAT 5.5): BLAKE2b-256 of the one before
 * (64 hex) and the group's octets up to and including "commit N ". */
static void
chain(const char *prev, const char *text, size_t len, char *out)
{
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash_state s;

	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)prev,
	    KSSTATE_SUM_HEX);
	crypto_generichash_update(&s, (const unsigned char *)text, len);
	crypto_generichash_final(&s, h, sizeof(h));
	util_hex(h, sizeof(h), out);
}

/* The log: header, then the input's lines with every commit line's
 * chain value written anew (whatever followed "commit N " is dropped). */
static void
framed(const uint8_t *data, size_t size, struct buf *b)
{
	char prev[KSSTATE_SUM_HEX + 1], sum[KSSTATE_SUM_HEX + 1];
	const char *p = (const char *)data, *end = p + size, *nl, *d;
	size_t group;

	ksstate_log_header(b, seed);
	memcpy(prev, seed, sizeof(prev));
	group = b->len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		if ((size_t)(nl - p) > 7 && memcmp(p, "commit ", 7) == 0) {
			for (d = p + 7; d < nl && *d >= '0' && *d <= '9'; d++)
				;
			if (d < nl && *d == ' ' && d > p + 7) {
				buf_add(b, p, (size_t)(d + 1 - p));
				chain(prev, b->data + group, b->len - group,
				    sum);
				buf_printf(b, "%s\n", sum);
				memcpy(prev, sum, sizeof(prev));
				group = b->len;
				p = nl;
				continue;
			}
		}
		buf_add(b, p, (size_t)(nl - p));
		p = nl;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksstate st, back;
	struct buf log = { 0 }, ea = { 0 }, eb = { 0 };
	unsigned long groups = 0;
	char err[256] = "";
	size_t good = 0;
	int rc;

	FUZZ_ASSERT(ksstate_decode(ckpt.data, ckpt.len, &st, err,
	    sizeof(err)) == 0);
	framed(data, size, &log);
	rc = ksstate_log_decode(&st, log.data, log.len, seed, &good, &groups,
	    err, sizeof(err));
	if (rc == -1)
		FUZZ_ASSERT(err[0] != '\0');
	FUZZ_ASSERT(rc != 0 || good <= log.len);
	if (rc == 0) {
		/* what the groups built is a state like any other */
		FUZZ_ASSERT(ksstate_encode(&st, &ea, err, sizeof(err)) == 0);
		FUZZ_ASSERT(ksstate_decode(ea.data, ea.len, &back, err,
		    sizeof(err)) == 0);
		FUZZ_ASSERT(ksstate_encode(&back, &eb, err, sizeof(err)) == 0);
		FUZZ_ASSERT(ea.len == eb.len &&
		    memcmp(ea.data, eb.data, ea.len) == 0);
		ksstate_free(&back);
	}
	ksstate_free(&st);
	buf_free(&log);
	buf_free(&ea);
	buf_free(&eb);
	return 0;
}
