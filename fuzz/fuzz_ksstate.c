/*
 * fuzz_ksstate.c - the state file's text codec (src/keystore/
 * ksstate_text.c), as a round trip.
 *
 * The input is a state file whose end line (the checksum) the harness
 * writes itself: an input ending in an end line has it replaced, any
 * other gets one, so that mutations reach the parser behind the checksum.
 * A state that decodes must encode, the encoding must decode, and the
 * two decoded states must encode to the same text.
 */
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "keystore/ksstate.h"
#include "support/util.h"

#define END_LEN (4 + 2 * crypto_generichash_BYTES + 1)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(sodium_init() >= 0);
	return 0;
}

/* body with "end HEX\n" after it, in b */
static void
framed(const uint8_t *data, size_t size, struct buf *b)
{
	unsigned char sum[crypto_generichash_BYTES];
	char hex[2 * sizeof(sum) + 1];

	if (size >= END_LEN && memcmp(data + size - END_LEN, "end ", 4) == 0 &&
	    (size == END_LEN || data[size - END_LEN - 1] == '\n'))
		size -= END_LEN;
	buf_add(b, data, size);
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)b->data,
	    b->len, NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(b, "end %s\n", hex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksstate a, b;
	struct buf in = { 0 }, ea = { 0 }, eb = { 0 };
	char err[256];

	framed(data, size, &in);
	if (ksstate_decode(in.data, in.len, &a, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(err[0] != '\0');
		ksstate_free(&a);
		buf_free(&in);
		return 0;
	}
	FUZZ_ASSERT(ksstate_encode(&a, &ea, err, sizeof(err)) == 0);
	FUZZ_ASSERT(ksstate_decode(ea.data, ea.len, &b, err, sizeof(err)) ==
	    0);
	FUZZ_ASSERT(ksstate_encode(&b, &eb, err, sizeof(err)) == 0);
	FUZZ_ASSERT(ea.len == eb.len && memcmp(ea.data, eb.data, ea.len) == 0);
	FUZZ_ASSERT(a.nkeys == b.nkeys && a.nvendors == b.nvendors &&
	    a.nobs == b.nobs && a.njournal == b.njournal &&
	    a.ncounters == b.ncounters && a.now == b.now);
	ksstate_free(&a);
	ksstate_free(&b);
	buf_free(&in);
	buf_free(&ea);
	buf_free(&eb);
	return 0;
}
