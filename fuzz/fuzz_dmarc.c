/*
 * fuzz_dmarc.c - the DMARC, SPF and public suffix list parsers
 * (src/dns/dmarcrec.c, spfrec.c, psl.c): untrusted TXT values and a
 * list file. The first octet picks the parser, the rest is its input.
 */
#include <stdio.h>
#include <string.h>

#include "dns/dmarcrec.h"
#include "dns/psl.h"
#include "dns/spfrec.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
one_dmarc(const char *txt, size_t len)
{
	struct dmarc d;

	(void)dmarc_is_record(txt, len);
	memset(&d, 0, sizeof(d));
	if (dmarc_parse(txt, len, &d) == 0) {
		FUZZ_ASSERT(d.pct <= 100);
		FUZZ_ASSERT(strlen(d.rua) <= DMARC_RUA_MAX);
		FUZZ_ASSERT(dmarc_policy_name(d.p) != NULL);
		FUZZ_ASSERT(dmarc_policy_name(d.sp) != NULL);
	} else
		FUZZ_ASSERT(d.why != NULL);
}

static void
one_spf(const char *txt, size_t len)
{
	static struct spf s;
	size_t i;

	(void)spf_is_record(txt, len);
	memset(&s, 0, sizeof(s));
	if (spf_parse(txt, len, &s) == 0) {
		FUZZ_ASSERT(s.nterms <= SPF_MAX_TERMS);
		FUZZ_ASSERT(spf_lookups(&s) <= s.nterms);
		for (i = 0; i < s.nterms; i++)
			FUZZ_ASSERT(strlen(s.terms[i].arg) <= SPF_ARG_MAX);
		(void)spf_has(&s, "include:mailgun.org");
		(void)spf_has(&s, "-all");
	} else
		FUZZ_ASSERT(s.why != NULL);
}

/* The list, then lookups of a few names, one of them from the input. */
static void
one_psl(const char *data, size_t len)
{
	static const char *const names[] = { "example.com", "mg.example.co.uk",
		"a.b.c.d.e.f.example", "com", "xn--p1ai", "www.ck" };
	struct psl *p;
	const char *nl;
	char name[256];
	size_t i, n;
	long off;

	if ((p = psl_parse(data, len)) == NULL)
		return;
	(void)psl_nrules(p);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		off = psl_org_domain(p, names[i]);
		FUZZ_ASSERT(off < 0 || (size_t)off < strlen(names[i]));
	}
	nl = memchr(data, '\n', len);
	n = nl != NULL ? (size_t)(nl - data) : len;
	if (n > 0 && n < sizeof(name)) {
		memcpy(name, data, n);
		name[n] = '\0';
		if (strlen(name) == n) {
			off = psl_org_domain(p, name);
			FUZZ_ASSERT(off < 0 || (size_t)off < n);
		}
	}
	psl_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt = (const char *)data + 1;
	char *copy;

	if (size == 0)
		return 0;
	copy = fuzz_copy(txt, size - 1);
	switch (data[0] % 3) {
	case 0:
		one_dmarc(copy, size - 1);
		break;
	case 1:
		one_spf(copy, size - 1);
		break;
	default:
		one_psl(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
