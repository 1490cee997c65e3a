/*
 * fuzz.h - what the libFuzzer harnesses of fuzz/ share (fuzz/README).
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput over one parser.
 */
#ifndef DKIMKEYS_FUZZ_H
#define DKIMKEYS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run the way a sanitizer would: libFuzzer keeps the input. */
#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

/* A malloc'd copy of exactly n octets of p (1 when n is 0), so that ASan
 * sees any read past them. */
static inline char *
fuzz_copy(const void *p, size_t n)
{
	char *c = malloc(n > 0 ? n : 1);

	FUZZ_ASSERT(c != NULL);
	memcpy(c, p, n);
	return c;
}

#endif
