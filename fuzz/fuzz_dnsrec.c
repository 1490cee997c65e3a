/*
 * fuzz_dnsrec.c - the DKIM key record parser and the splitter
 * (src/dns/dnsrec.c): a TXT value as DNS serves it. A value the parser
 * takes is split, and the strings joined again must be the value.
 */
#include <stdio.h>
#include <string.h>

#include "dns/dnsrec.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsrec_tags tags;
	const char *why = NULL;
	char *txt, **strs, *joined;
	size_t n, i, len, memlen;
	struct dnsrec rec;
	enum dnsrec_format f;
	FILE *out;
	char *mem = NULL, recname[] = "sel._domainkey.example.com.";

	txt = malloc(size + 1);
	FUZZ_ASSERT(txt != NULL);
	memcpy(txt, data, size);
	txt[size] = '\0';
	memset(&tags, 0, sizeof(tags));
	if (dnsrec_parse(txt, &tags, &why) == 0) {
		FUZZ_ASSERT(strlen(tags.k) < sizeof(tags.k));
		if (tags.p != NULL)
			(void)dnsrec_rsa_bits(tags.p, tags.plen);
	} else
		FUZZ_ASSERT(why != NULL);
	dnsrec_tags_clear(&tags);
	(void)dnsrec_rsa_bits(data, size);

	/* the splitter: every string at most 255 octets, nothing lost */
	n = dnsrec_split(txt, &strs);
	FUZZ_ASSERT(n >= 1);
	joined = malloc(strlen(txt) + 1);
	FUZZ_ASSERT(joined != NULL);
	len = 0;
	for (i = 0; i < n; i++) {
		size_t l = strlen(strs[i]);

		FUZZ_ASSERT(l <= DNSREC_STRING_MAX);
		FUZZ_ASSERT(len + l <= strlen(txt));
		memcpy(joined + len, strs[i], l);
		len += l;
	}
	joined[len] = '\0';
	FUZZ_ASSERT(strcmp(joined, txt) == 0);
	free(joined);
	dnsrec_strings_free(strs, n);

	/* the writers, which quote and escape the value */
	rec.name = recname;
	rec.ttl = 3600;
	rec.value = txt;
	if ((out = open_memstream(&mem, &memlen)) != NULL) {
		for (f = DNSREC_ZONE; f <= DNSREC_NAME_VALUE; f++)
			(void)dnsrec_write(out, f, &rec, 1);
		fclose(out);
		free(mem);
	}
	free(txt);
	return 0;
}
