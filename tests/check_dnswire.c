/*
 * check_dnswire.c - DNS wire format: names, queries, replies, TXT data,
 * and malformed packets (truncation, compression loops, bad counts).
 */
#include "testutil.h"

#include "dns/dnswire.h"
#include "support/util.h"

/* A reply to "example.com TXT", id 0x1234, QR AA, with two TXT records
 * at a compressed owner, the second of two strings, and an OPT record. */
/* clang-format off */
static const unsigned char reply[] = {
	0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
	/* question at 12: example.com TXT IN */
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0x00, 0x10, 0x00, 0x01,
	/* answer 1 at 29: ptr 12, TXT IN, ttl 300, rdlen 4: "abc" */
	0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c,
	0x00, 0x04, 3, 'a', 'b', 'c',
	/* answer 2 at 45: ptr 12, TXT IN, ttl 7200, rdlen 5: "de" "f" */
	0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20,
	0x00, 0x05, 2, 'd', 'e', 1, 'f',
	/* OPT at 62: root, payload 1232, ext-rcode 0, no data */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

static unsigned char *
copy(const unsigned char *p, size_t len)
{
	unsigned char *c = malloc(len == 0 ? 1 : len);

	ck_assert_ptr_nonnull(c);
	memcpy(c, p, len);
	return c;
}

struct name_case {
	const char *text;
	int wirelen; /* -1: refused */
	const char *canon;
};

static const struct name_case names[] = {
    {"example.com", 13, "example.com"},
    {"example.com.", 13, "example.com"},
    {"Example.COM", 13, "Example.COM"},
    {".", 1, "."},
    {"a\\.b.c", 7, "a\\046b.c"},
    {"\\065bc", 5, "Abc"},
    {"a\\\\b", 5, "a\\092b"},
    {"sp\\032ace", 8, "sp\\032ace"},
    {"", -1, NULL},
    {"..", -1, NULL},
    {"a..b", -1, NULL},
    {".a", -1, NULL},
    {"a\\25", -1, NULL},
    {"a\\256", -1, NULL},
    {"a\\", -1, NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65,
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1,
	NULL},
};

START_TEST(test_names_convert_to_wire_form_or_are_refused)
{
	const struct name_case *c = &names[_i];
	unsigned char wire[DNSWIRE_NAME_WIRE_MAX];
	char canon[DNSWIRE_NAME_TEXT_MAX];

	ck_assert_msg(
	    dnswire_name_to_wire(c->text, wire, sizeof(wire)) == c->wirelen,
	    "'%s'", c->text);
	if (c->canon == NULL)
		ck_assert_int_eq(dnswire_name_canon(c->text, canon), -1);
	else {
		ck_assert_int_eq(dnswire_name_canon(c->text, canon), 0);
		ck_assert_str_eq(canon, c->canon);
	}
}
END_TEST

/* A name of n octets on the wire: labels of 63 and one to fill. */
static char *
long_name(size_t wire)
{
	char *s = calloc(1, 512);
	size_t used = 1, len = 0, lab;

	ck_assert_ptr_nonnull(s);
	while (used < wire) {
		lab = wire - used - 1 > 63 ? 63 : wire - used - 1;
		if (len > 0)
			s[len++] = '.';
		memset(s + len, 'x', lab);
		len += lab;
		used += lab + 1;
	}
	return s;
}

START_TEST(test_a_name_of_255_octets_is_the_longest)
{
	unsigned char wire[300];
	char *ok = long_name(255), *over = long_name(256);

	ck_assert_int_eq(dnswire_name_to_wire(ok, wire, sizeof(wire)), 255);
	ck_assert_int_eq(dnswire_name_to_wire(over, wire, sizeof(wire)), -1);
	free(ok);
	free(over);
}
END_TEST

START_TEST(test_a_query_has_one_question_and_an_edns_opt_record)
{
	unsigned char q[DNSWIRE_QUERY_MAX];
	int n = dnswire_build_query(
	    "example.com", DNSWIRE_TXT, 0x1234, false, true, q, sizeof(q));

	ck_assert_int_eq(n, 12 + 13 + 4 + 11);
	ck_assert_int_eq(q[0], 0x12);
	ck_assert_int_eq(q[1], 0x34);
	ck_assert_int_eq(q[2], 0x00); /* QR 0, opcode 0, RD 0 */
	ck_assert_int_eq(q[5], 1); /* QDCOUNT */
	ck_assert_int_eq(q[7], 0); /* ANCOUNT */
	ck_assert_int_eq(q[11], 1); /* ARCOUNT: the OPT record */
	ck_assert_mem_eq(q + 12, reply + 12, 17);
	ck_assert_int_eq(q[29], 0); /* OPT owner: the root */
	ck_assert_int_eq(q[31], DNSWIRE_OPT);
	ck_assert_int_eq(q[32] << 8 | q[33], DNSWIRE_EDNS_PAYLOAD);
	ck_assert_int_eq(q[34] | q[35] | q[36] | q[37] | q[38] | q[39], 0);
}
END_TEST

START_TEST(test_a_query_sets_rd_only_when_asked_and_edns_is_optional)
{
	unsigned char q[DNSWIRE_QUERY_MAX];
	int n = dnswire_build_query(
	    "example.com.", DNSWIRE_NS, 1, true, false, q, sizeof(q));

	ck_assert_int_eq(n, 12 + 13 + 4);
	ck_assert_int_eq(q[2], 0x01);
	ck_assert_int_eq(q[11], 0);
	ck_assert_int_eq(q[25] << 8 | q[26], DNSWIRE_NS);
	ck_assert_int_eq(dnswire_build_query(
			     "a..b", DNSWIRE_TXT, 1, true, true, q, sizeof(q)),
	    -1);
}
END_TEST

START_TEST(test_a_reply_parses_into_its_records)
{
	struct dnswire_msg m;
	char name[DNSWIRE_NAME_TEXT_MAX], txt[64];
	const char *why;
	size_t len, ns;

	ck_assert_int_eq(dnswire_parse(reply, sizeof(reply), &m, &why), 0);
	ck_assert(m.qr && m.aa && !m.tc && !m.rd);
	ck_assert_int_eq(m.id, 0x1234);
	ck_assert_str_eq(m.qname, "example.com");
	ck_assert_int_eq(m.qtype, DNSWIRE_TXT);
	ck_assert_uint_eq(m.nrrs, 3);
	ck_assert(m.has_opt);
	ck_assert_int_eq(m.udp_payload, 1232);
	ck_assert_int_eq(m.rrs[0].section, DNSWIRE_ANSWER);
	ck_assert_int_eq(m.rrs[2].section, DNSWIRE_ADDITIONAL);
	ck_assert_int_eq(dnswire_rr_name(&m, &m.rrs[1], name), 0);
	ck_assert_str_eq(name, "example.com");
	ck_assert_uint_eq(m.rrs[1].ttl, 7200);
	ck_assert_int_eq(
	    dnswire_rr_txt(&m, &m.rrs[0], txt, sizeof(txt), &len, &ns), 0);
	ck_assert_str_eq(txt, "abc");
	ck_assert_uint_eq(ns, 1);
	ck_assert_int_eq(
	    dnswire_rr_txt(&m, &m.rrs[1], txt, sizeof(txt), &len, &ns), 0);
	ck_assert_str_eq(txt, "def");
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(ns, 2);
	dnswire_msg_clear(&m);
}
END_TEST

START_TEST(test_every_truncation_of_a_reply_is_refused)
{
	struct dnswire_msg m;
	const char *why;
	unsigned char *p;
	size_t len;

	for (len = 0; len < sizeof(reply); len++) {
		p = copy(reply, len); /* exact size: ASan sees overreads */
		ck_assert_msg(dnswire_parse(p, len, &m, &why) == -1,
		    "prefix of %zu octets parsed", len);
		ck_assert_ptr_nonnull(why);
		free(p);
	}
}
END_TEST

/* Mutations of the reply: refused or parsed, never a bad read. */
START_TEST(test_damaged_replies_never_read_out_of_bounds)
{
	struct dnswire_msg m;
	char txt[256];
	const char *why;
	unsigned char *p;
	size_t i, j, len, ns;
	unsigned seed = 1;

	for (i = 0; i < 5000; i++) {
		p = copy(reply, sizeof(reply));
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245 + 12345;
			p[(seed >> 8) % sizeof(reply)] =
			    (unsigned char)(seed >> 20);
		}
		if (dnswire_parse(p, sizeof(reply), &m, &why) == 0) {
			for (j = 0; j < m.nrrs; j++)
				if (m.rrs[j].type == DNSWIRE_TXT &&
				    m.rrs[j].rdlen < sizeof(txt))
					(void)dnswire_rr_txt(&m, &m.rrs[j], txt,
					    sizeof(txt), &len, &ns);
			dnswire_msg_clear(&m);
		}
		free(p);
	}
	ck_assert_uint_eq(i, 5000);
}
END_TEST

struct bad_case {
	const char *what;
	size_t off; /* octet to change */
	unsigned char value;
};

static const struct bad_case bad[] = {
    {"two questions", 5, 2},
    {"record counts beyond the message", 7, 200},
    {"an answer count one too high", 7, 3},
    {"rdata longer than the message", 40, 0xff},
    {"a label type 01", 29, 0x40},
    {"a pointer to itself", 30, 29},
    {"a pointer forwards", 30, 45},
    {"a question starting with a pointer forwards", 12, 0xc0},
    {"a label running past the end", 24, 60},
    {"a bad label type in the OPT owner", 62, 0x80},
};

START_TEST(test_malformed_replies_are_refused)
{
	const struct bad_case *c = &bad[_i];
	struct dnswire_msg m;
	const char *why;
	unsigned char *p = copy(reply, sizeof(reply));

	p[c->off] = c->value;
	ck_assert_msg(dnswire_parse(p, sizeof(reply), &m, &why) == -1,
	    "%s parsed", c->what);
	ck_assert_ptr_nonnull(why);
	free(p);
}
END_TEST

START_TEST(test_trailing_octets_are_refused)
{
	unsigned char p[sizeof(reply) + 1];
	struct dnswire_msg m;
	const char *why;

	memcpy(p, reply, sizeof(reply));
	p[sizeof(reply)] = 0;
	ck_assert_int_eq(dnswire_parse(p, sizeof(p), &m, &why), -1);
	ck_assert_str_eq(why, "trailing octets");
}
END_TEST

START_TEST(test_opt_outside_the_additional_section_is_refused)
{
	/* The answer count covers the OPT record, the additional none. */
	unsigned char *p = copy(reply, sizeof(reply));
	struct dnswire_msg m;
	const char *why;

	p[7] = 3;
	p[11] = 0;
	ck_assert_int_eq(dnswire_parse(p, sizeof(reply), &m, &why), -1);
	free(p);
}
END_TEST

/* Compression: a chain of pointers backwards reads; loops do not. */
START_TEST(test_compression_pointers_must_point_backwards)
{
	/* 0: "a" root; 3: "b" ptr->0; 7: ptr->3; 9: ptr->9 (loop);
	 * 11: ptr->13 (forward); 13: "c" ptr->11 (two-pointer loop) */
	/* clang-format off */
	static const unsigned char buf[] = {
		1, 'a', 0,
		1, 'b', 0xc0, 0,
		0xc0, 3,
		0xc0, 9,
		0xc0, 13,
		1, 'c', 0xc0, 11,
	};
	/* clang-format on */
	char out[DNSWIRE_NAME_TEXT_MAX];
	size_t next;

	ck_assert_int_eq(dnswire_read_name(buf, sizeof(buf), 7, out, &next), 0);
	ck_assert_str_eq(out, "b.a");
	ck_assert_uint_eq(next, 9);
	ck_assert_int_eq(
	    dnswire_read_name(buf, sizeof(buf), 9, out, &next), -1);
	ck_assert_int_eq(
	    dnswire_read_name(buf, sizeof(buf), 11, out, &next), -1);
	ck_assert_int_eq(
	    dnswire_read_name(buf, sizeof(buf), 13, out, &next), -1);
	ck_assert_int_eq(dnswire_read_name(buf, sizeof(buf), 16, out, &next),
	    -1); /* half a pointer */
}
END_TEST

/* Names of one-octet labels, each a label and a pointer to the one
 * before: the 127th is 255 octets long, the 128th too long. */
START_TEST(test_names_past_255_octets_through_pointers_are_refused)
{
	unsigned char buf[1 + 4 * 150];
	char out[DNSWIRE_NAME_TEXT_MAX];
	size_t i, off, prev;

	buf[0] = 0;
	for (i = 0; i < 150; i++) {
		off = 1 + 4 * i;
		prev = i == 0 ? 0 : off - 4;
		buf[off] = 1;
		buf[off + 1] = 'x';
		buf[off + 2] = (unsigned char)(0xc0 | prev >> 8);
		buf[off + 3] = (unsigned char)prev;
	}
	ck_assert_int_eq(
	    dnswire_read_name(buf, sizeof(buf), 1 + 4 * 126, out, NULL), 0);
	ck_assert_uint_eq(strlen(out), 2 * 127 - 1);
	ck_assert_int_eq(
	    dnswire_read_name(buf, sizeof(buf), 1 + 4 * 127, out, NULL), -1);
}
END_TEST

START_TEST(test_escaped_octets_come_out_canonical)
{
	/* clang-format off */
	static const unsigned char buf[] = {
		4, 'A', '.', 0x00, '\\', 2, 'c', 0xff, 0,
	};
	/* clang-format on */
	char out[DNSWIRE_NAME_TEXT_MAX];

	ck_assert_int_eq(dnswire_read_name(buf, sizeof(buf), 0, out, NULL), 0);
	ck_assert_str_eq(out, "A\\046\\000\\092.c\\255");
}
END_TEST

START_TEST(test_txt_strings_must_fill_the_data_exactly)
{
	unsigned char *p = copy(reply, sizeof(reply));
	struct dnswire_msg m;
	char txt[64];
	const char *why;
	size_t len, ns;

	p[41] = 4; /* "abc" announced as 4 octets in 4 of data */
	ck_assert_int_eq(dnswire_parse(p, sizeof(reply), &m, &why), 0);
	ck_assert_int_eq(
	    dnswire_rr_txt(&m, &m.rrs[0], txt, sizeof(txt), &len, &ns), -1);
	/* and the output buffer must hold the data */
	ck_assert_int_eq(dnswire_rr_txt(&m, &m.rrs[1], txt, 5, &len, &ns), -1);
	dnswire_msg_clear(&m);
	free(p);
}
END_TEST

START_TEST(test_a_reply_matches_only_its_question)
{
	unsigned char *p = copy(reply, sizeof(reply));
	struct dnswire_msg m;
	const char *why;

	ck_assert_int_eq(dnswire_parse(p, sizeof(reply), &m, &why), 0);
	ck_assert(
	    dnswire_is_reply(&m, 0x1234, "EXAMPLE.com", DNSWIRE_TXT, &why));
	ck_assert(
	    !dnswire_is_reply(&m, 0x1235, "example.com", DNSWIRE_TXT, &why));
	ck_assert_str_eq(why, "ID mismatch");
	ck_assert(
	    !dnswire_is_reply(&m, 0x1234, "example.org", DNSWIRE_TXT, &why));
	ck_assert_str_eq(why, "question not echoed");
	ck_assert(
	    !dnswire_is_reply(&m, 0x1234, "example.com", DNSWIRE_NS, &why));
	dnswire_msg_clear(&m);
	p[2] &= 0x7f; /* QR off */
	ck_assert_int_eq(dnswire_parse(p, sizeof(reply), &m, &why), 0);
	ck_assert(
	    !dnswire_is_reply(&m, 0x1234, "example.com", DNSWIRE_TXT, &why));
	ck_assert_str_eq(why, "QR bit not set");
	dnswire_msg_clear(&m);
	free(p);
}
END_TEST

START_TEST(test_the_extended_rcode_comes_from_opt)
{
	unsigned char *p = copy(reply, sizeof(reply));
	struct dnswire_msg m;
	const char *why;

	p[3] = 0x03; /* NXDOMAIN in the header */
	p[sizeof(reply) - 6] = 1; /* ext-rcode 1: 16 + 3 */
	ck_assert_int_eq(dnswire_parse(p, sizeof(reply), &m, &why), 0);
	ck_assert_uint_eq(m.rcode, 19);
	ck_assert_str_eq(dnswire_rcode_name(m.rcode), "RCODE19");
	ck_assert_str_eq(dnswire_rcode_name(DNSWIRE_REFUSED), "REFUSED");
	dnswire_msg_clear(&m);
	free(p);
}
END_TEST

START_TEST(test_name_relations)
{
	ck_assert(dnswire_name_eq("Example.COM", "example.com"));
	ck_assert(dnswire_name_under("a.b.example.com", "Example.com"));
	ck_assert(dnswire_name_under("example.com", "example.com"));
	ck_assert(!dnswire_name_under("xexample.com", "example.com"));
	ck_assert(dnswire_name_under("example.com", "."));
	ck_assert_str_eq(dnswire_name_parent("a.b.c"), "b.c");
	ck_assert_str_eq(dnswire_name_parent("c"), ".");
	ck_assert_ptr_null(dnswire_name_parent("."));
	ck_assert_str_eq(dnswire_name_parent("a\\046b.c"), "c");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dnswire");
	TCase *tc = tcase_create("names");

	tcase_add_loop_test(tc, test_names_convert_to_wire_form_or_are_refused,
	    0, (int)ARRAY_LEN(names));
	tcase_add_test(tc, test_a_name_of_255_octets_is_the_longest);
	tcase_add_test(tc, test_compression_pointers_must_point_backwards);
	tcase_add_test(
	    tc, test_names_past_255_octets_through_pointers_are_refused);
	tcase_add_test(tc, test_escaped_octets_come_out_canonical);
	tcase_add_test(tc, test_name_relations);
	suite_add_tcase(s, tc);
	tc = tcase_create("messages");
	tcase_add_test(
	    tc, test_a_query_has_one_question_and_an_edns_opt_record);
	tcase_add_test(
	    tc, test_a_query_sets_rd_only_when_asked_and_edns_is_optional);
	tcase_add_test(tc, test_a_reply_parses_into_its_records);
	tcase_add_test(tc, test_every_truncation_of_a_reply_is_refused);
	tcase_add_test(tc, test_damaged_replies_never_read_out_of_bounds);
	tcase_add_loop_test(
	    tc, test_malformed_replies_are_refused, 0, (int)ARRAY_LEN(bad));
	tcase_add_test(tc, test_trailing_octets_are_refused);
	tcase_add_test(tc, test_opt_outside_the_additional_section_is_refused);
	tcase_add_test(tc, test_txt_strings_must_fill_the_data_exactly);
	tcase_add_test(tc, test_a_reply_matches_only_its_question);
	tcase_add_test(tc, test_the_extended_rcode_comes_from_opt);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
