/*
 * fuzz_dnswire.c - the DNS wire parser (src/dns/dnswire.c): a reply as it
 * comes off the network, then everything the resolver reads from it.
 */
#include <string.h>

#include "dns/dnswire.h"
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
	struct dnswire_msg msg;
	const char *why = NULL;
	char name[DNSWIRE_NAME_TEXT_MAX], canon[DNSWIRE_NAME_TEXT_MAX];
	unsigned char wire[DNSWIRE_NAME_WIRE_MAX];
	char *txt;
	size_t i, len, n, next;

	/* a name read anywhere in the packet, as a CNAME target would be */
	if (size > 0 &&
	    dnswire_read_name(data, size, data[0] % size, name, &next) == 0) {
		FUZZ_ASSERT(strlen(name) < sizeof(name));
		FUZZ_ASSERT(dnswire_name_canon(name, canon) >= 0);
		FUZZ_ASSERT(dnswire_name_eq(name, canon));
		FUZZ_ASSERT(dnswire_name_to_wire(name, wire, sizeof(wire)) > 0);
	}
	memset(&msg, 0, sizeof(msg));
	if (dnswire_parse(data, size, &msg, &why) == -1) {
		FUZZ_ASSERT(why != NULL);
		dnswire_msg_clear(&msg);
		return 0;
	}
	(void)dnswire_is_reply(&msg, msg.id, msg.qname, msg.qtype, &why);
	(void)dnswire_rcode_name(msg.rcode);
	for (i = 0; i < msg.nrrs; i++) {
		const struct dnswire_rr *rr = &msg.rrs[i];

		FUZZ_ASSERT(rr->rdoff + rr->rdlen <= size);
		FUZZ_ASSERT(dnswire_rr_name(&msg, rr, name) == 0);
		(void)dnswire_name_under(name, msg.qname);
		(void)dnswire_name_parent(name);
		if (rr->type == DNSWIRE_CNAME || rr->type == DNSWIRE_NS)
			(void)dnswire_rr_target(&msg, rr, name);
		if (rr->type == DNSWIRE_TXT) {
			txt = malloc(rr->rdlen + 1);
			FUZZ_ASSERT(txt != NULL);
			if (dnswire_rr_txt(&msg, rr, txt, rr->rdlen + 1, &len,
			    &n) == 0)
				FUZZ_ASSERT(len <= rr->rdlen &&
				    txt[len] == '\0');
			free(txt);
		}
	}
	dnswire_msg_clear(&msg);
	return 0;
}
