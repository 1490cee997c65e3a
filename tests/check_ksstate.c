/*
 * check_ksstate.c - the keystore's state in memory and as text
 * (ksstate.c, ksstate_text.c): records, indexes, escaping, versions 1 and
 * 2. No files.
 */
#include <sodium.h>

#include "testutil.h"
#include "keystore/ksnames.h"
#include "keystore/ksstate.h"
#include "secret/secret.h"
#include "support/dkim.h"

/* (The casts let literals into char * fields that are never written.) */
static void
fill_key(struct ks_key *k, const char *vendor, const char *dom,
    const char *sel)
{
	static unsigned char pubs[16][32]; /* the last 16 keys filled */
	static unsigned next;

	memset(k, 0, sizeof(*k));
	k->pub = pubs[next++ % 16];
	k->vendor = (char *)(uintptr_t)vendor;
	k->domain = (char *)(uintptr_t)dom;
	k->selector = (char *)(uintptr_t)sel;
	k->alg = DK_ALG_ED25519;
	k->bits = 256;
	k->publen = 32;
	randombytes_buf(k->pub, 32);
	crypto_hash_sha256(k->fpr, k->pub, 32);
	k->state = KS_ACTIVE;
	k->created = 1764000000;
	k->published = 1764000100;
	k->activated = 1764200000;
}

static const char *const odd_text = "dns: 2 of 3 = 66% \"late\"\n"
    "na\xc3\xafve \xe2\x82\xac\tend";

/* Two vendors, two keys, two observations, a journal of two entries. */
static void
sample_records(struct ksstate *st)
{
	struct ksstate_entry e;
	struct ks_observation *o;
	struct ks_vendor *v;
	struct ks_key k, *key;

	v = ksstate_vendor(st, "mailgun", true);
	v->hold = true;
	v->error_at = 1764300000;
	ksstate_text_set(&v->error, odd_text, KSSTATE_TEXT_MAX);
	ksstate_vendor(st, "sendgrid", true)->decommission = true;
	fill_key(&k, "mailgun", "mg.example.com", "mg202611e");
	k.hooks_done = KS_EV_BIT(KS_EV_DEPLOY) | KS_EV_BIT(KS_EV_RETIRE);
	k.max_ttl = 86400;
	key = ksstate_append(st, &k);
	ck_assert_ptr_nonnull(key);
	ksstate_text_set(&key->error, odd_text, KSSTATE_TEXT_MAX);
	key->error_at = 1764300001;
	fill_key(&k, "customers/example.org", "example.org", "k202611r");
	k.alg = DK_ALG_RSA;
	k.bits = 2048;
	k.state = KS_DESTROYED;
	k.compromised = true;
	k.publen = 0;
	k.destroyed = 1764300000;
	k.reason = (char *)(uintptr_t)"leaked in ticket #4711 (100% sure)";
	ck_assert_ptr_nonnull(ksstate_append(st, &k));
	o = ksstate_observation(st, "sendgrid", "s1", true);
	o->alg = DK_ALG_RSA;
	o->bits = 2048;
	randombytes_buf(o->fpr, sizeof(o->fpr));
	o->first_seen = 1764000000;
	o->last_seen = 1764400000;
	ksstate_text_set(&o->target, "s1.domainkey.u123.wl.sendgrid.net",
	    KSSTATE_TARGET_MAX);
	ksstate_observation(st, "sendgrid", "s2", true)->revoked = true;
	memset(&e, 0, sizeof(e));
	e.id = (char *)(uintptr_t)"0123456789abcdef0123456789abcdef";
	e.time = 1764400000;
	e.event = (char *)(uintptr_t)"deploy";
	e.event_id = (char *)(uintptr_t)"fedcba9876543210fedcba9876543210";
	e.vendor = (char *)(uintptr_t)"mailgun";
	e.domain = (char *)(uintptr_t)"mg.example.com";
	e.selector = (char *)(uintptr_t)"mg202611e";
	e.fpr = (char *)(uintptr_t)"3b4d0000000000000000000000000000"
	    "000000000000000000000000000000ff";
	e.extra = (char *)(uintptr_t)",\"previous\":\"mg202605e\",\"note\":"
	    "\"a b=c%\"";
	ksstate_journal_add(st, &e);
	memset(&e, 0, sizeof(e));
	e.id = (char *)(uintptr_t)"00000000000000000000000000000001";
	e.time = 1764400001;
	e.simulated = true;
	e.event = (char *)(uintptr_t)"rotate";
	ksstate_journal_add(st, &e);
	st->has_base = true;
	st->journal_base = 123456;
}

/* A state with every kind of record, encoded into b. */
static void
sample_state(struct ksstate *st, struct buf *b)
{
	char err[200];

	memset(st, 0, sizeof(*st));
	st->now = 1764400000;
	ksstate_counter(st, "mailgun")->value = 3;
	ksstate_counter(st, "customers/example.org")->value = 1;
	sample_records(st);
	memset(b, 0, sizeof(*b));
	ck_assert_int_eq(ksstate_encode(st, b, err, sizeof(err)), 0);
}

START_TEST(test_state_round_trips_byte_for_byte)
{
	static const char head[] = "dkimkeys-state 3\n"
	    "keystore 00000000000000000000000000000000\n"
	    "log 00000000000000000000000000000000"
	    "00000000000000000000000000000000\naudit 0 "
	    "0000000000000000000000000000000000000000000000000000000000000000\n"
	    "now 2025-11-29T07:06:40Z\ncounter mailgun 3\n"
	    "counter customers/example.org 1\n"
	    "vendor name=mailgun hold=yes decommission=no "
	    "error_at=2025-11-28T03:20:00Z error=dns:%202%20of%203%20%3D%2066"
	    "%25%20\"late\"%0Ana%C3%AFve%20%E2%82%AC%09end\n"
	    "vendor name=sendgrid hold=no decommission=yes error_at=- error=\n"
	    "key vendor=mailgun ";
	struct ksstate st, back;
	struct buf b, b2 = { NULL, 0, 0 };
	char err[200] = "";

	sample_state(&st, &b);
	ck_assert_int_eq(strncmp(b.data, head, strlen(head)), 0);
	ck_assert_int_eq(ksstate_decode(b.data, b.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(back.version, 3);
	ck_assert_uint_eq(back.nkeys, 2);
	ck_assert_uint_eq(back.ncounters, 2);
	ck_assert_int_eq(back.now, 1764400000);
	ck_assert_str_eq(back.keys[1]->vendor, "customers/example.org");
	ck_assert(back.keys[1]->compromised);
	ck_assert_int_eq(back.keys[1]->state, KS_DESTROYED);
	ck_assert_str_eq(back.keys[1]->reason, st.keys[1]->reason);
	ck_assert_ptr_null(back.keys[1]->error);
	ck_assert_int_eq(back.keys[0]->activated, 1764200000);
	ck_assert_uint_eq(back.keys[0]->hooks_done, 6);
	ck_assert_uint_eq(back.keys[0]->max_ttl, 86400);
	ck_assert_str_eq(back.keys[0]->error, odd_text);
	ck_assert_int_eq(back.keys[0]->error_at, 1764300001);
	ck_assert_int_eq(memcmp(back.keys[0]->pub, st.keys[0]->pub, 32), 0);
	ck_assert_int_eq(memcmp(back.keys[1]->fpr, st.keys[1]->fpr, 32), 0);
	ck_assert_uint_eq(ksstate_find(&back, "example.org", "k202611r"), 1);
	ck_assert_uint_eq(back.nvendors, 2);
	ck_assert(ksstate_vendor(&back, "mailgun", false)->hold);
	ck_assert_str_eq(ksstate_vendor(&back, "mailgun", false)->error,
	    odd_text);
	ck_assert(ksstate_vendor(&back, "sendgrid", false)->decommission);
	ck_assert_uint_eq(back.nobs, 2);
	ck_assert_str_eq(back.obs[0]->target, st.obs[0]->target);
	ck_assert_int_eq(memcmp(back.obs[0]->fpr, st.obs[0]->fpr, 32), 0);
	ck_assert_int_eq(back.obs[0]->last_seen, 1764400000);
	ck_assert(back.obs[1]->revoked);
	ck_assert_ptr_null(back.obs[1]->target);
	ck_assert_int_eq(back.obs[1]->alg, DK_ALG_NONE);
	ck_assert_uint_eq(back.njournal, 2);
	ck_assert_uint_eq(back.journal_base, 123456);
	ck_assert_str_eq(back.journal[0].extra, st.journal[0].extra);
	ck_assert_str_eq(back.journal[0].event_id, st.journal[0].event_id);
	ck_assert_ptr_null(back.journal[1].vendor);
	ck_assert(back.journal[1].simulated);
	ck_assert_int_eq(ksstate_encode(&back, &b2, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.len, b2.len);
	ck_assert_int_eq(memcmp(b.data, b2.data, b.len), 0);
	ksstate_free(&st);
	ksstate_free(&back);
	buf_free(&b);
	buf_free(&b2);
}
END_TEST

/* etcd's pending entries: one journal line each, read back exactly; any
 * other text refused. */
START_TEST(test_one_entry_round_trips_as_its_journal_line)
{
	static const char *const bad[] = { "", "journal \n",
		"journal id=0123 time=- simulated=no event=x\n",
		"vendor name=x\n" };
	struct ksstate st, *sp = &st;
	struct ksstate_entry back;
	struct buf b = { NULL, 0, 0 }, b2 = { NULL, 0, 0 };
	char err[200];

	memset(sp, 0, sizeof(st));
	sample_records(sp);
	for (size_t i = 0; i < st.njournal; i++) {
		b.len = b2.len = 0;
		ksstate_entry_encode(&st.journal[i], &b);
		ck_assert_int_eq(ksstate_entry_decode(b.data, b.len, &back, err,
		    sizeof(err)), 0);
		ck_assert_str_eq(back.id, st.journal[i].id);
		ck_assert_int_eq(back.time, st.journal[i].time);
		ksstate_entry_encode(&back, &b2);
		ck_assert_uint_eq(b2.len, b.len);
		ck_assert(memcmp(b.data, b2.data, b.len) == 0);
		ksstate_entry_free(&back);
	}
	/* two lines are not one */
	ksstate_entry_encode(&st.journal[0], &b);
	ck_assert_int_eq(ksstate_entry_decode(b.data, b.len, &back, err,
	    sizeof(err)), -1);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_int_eq(ksstate_entry_decode(bad[i], strlen(bad[i]),
		    &back, err, sizeof(err)), -1);
	buf_free(&b);
	buf_free(&b2);
	ksstate_free(&st);
}
END_TEST

START_TEST(test_state_with_any_edited_byte_or_truncation_is_damaged)
{
	struct ksstate st, back;
	char err[200];
	struct buf b;
	size_t i;

	sample_state(&st, &b);
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		ck_assert_msg(ksstate_decode(b.data, b.len, &back, err,
		    sizeof(err)) != 0, "byte %zu edited, accepted", i);
		ksstate_free(&back);
		b.data[i] ^= 0x01;
		ck_assert_msg(ksstate_decode(b.data, i, &back, err,
		    sizeof(err)) != 0, "truncated at %zu, accepted", i);
		ksstate_free(&back);
	}
	ck_assert_int_eq(ksstate_decode(b.data, b.len, &back, err,
	    sizeof(err)), 0);
	ksstate_free(&back);
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* Bodies (before the end line, added with a good checksum) to refuse. */
#define FPR "3b4d" "00000000000000000000000000000000000000000000000000000000" \
    "0000"
#define K1 "key vendor=mailgun domain=mg.example.com selector=s1 alg=rsa " \
    "bits=2048 state=pending compromised=no fpr=" FPR " pub= "             \
    "created=2025-11-29T07:06:40Z published=- visible=- activated=- "      \
    "retired=- revoked=- withdrawn=- destroyed=-"
#define K2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 error_at=- error= reason="
#define V "vendor name=mailgun hold=no decommission=no error_at=- error="
#define O "observation vendor=sendgrid selector=s1 alg=- bits=0 fpr=" FPR \
    " revoked=no first_seen=- last_seen=- target="
#define ID "0123456789abcdef0123456789abcdef"
#define J "journal id=" ID " time=2025-11-29T07:06:40Z simulated=no "     \
    "event=generate event_id= vendor= domain= selector= fpr= extra="
#define B "journal-base 0\n"
#define HEAD "dkimkeys-state 1\nnow -\n"
#define HEAD2 "dkimkeys-state 2\nnow -\n"
#define X10 "xxxxxxxxxx"
#define PACKID "00112233445566778899aabbccddeeff"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10

static const struct {
	const char *body;
	int want;
	const char *why;
} state_cases[] = {
	/* version 1 */
	{ HEAD K1 "\n", 0, NULL },
	{ HEAD "counter mailgun 4\n" K1 "\n", 0, NULL },
	{ "dkimkeys-state 4\nnow -\n", -2, "unsupported version 4" },
	{ "dkimkeys-state 0\nnow -\n", -2, "unsupported version 0" },
	{ "dkimkeys-state x\nnow -\n", -1, "bad version line" },
	{ "dkimkeys-stat 1\nnow -\n", -1, "not a state file" },
	{ "dkimkeys-state 1\n", -1, "no now line" },
	{ "dkimkeys-state 1\nnow yesterday\n", -1, "line 2: expected" },
	{ HEAD K1 " color=blue\n", -1, "line 3: unknown field \"color\"" },
	{ HEAD K1 " bits=2048\n", -1, "line 3: repeated field \"bits\"" },
	{ HEAD "key vendor=mailgun\n", -1, "line 3: missing field domain" },
	{ HEAD K1 "\n" K1 "\n", -1, "line 4: s1._domainkey.mg.example.com "
	    "listed twice" },
	{ HEAD K1 "\ncounter mailgun 1\n", -1, "line 4: counter after" },
	{ HEAD "counter a 1\ncounter a 2\n", -1, "counter a listed twice" },
	{ HEAD "counter A 1\n", -1, "line 3: invalid counter" },
	{ HEAD "counter a -1\n", -1, "line 3: invalid counter" },
	{ HEAD "counter a 1 2\n", -1, "line 3: invalid counter" },
	{ HEAD "\n", -1, "line 3: empty" },
	{ HEAD "hello\n", -1, "line 3: unknown line" },
	{ HEAD "key vendor=Mailgun\n", -1, "line 3: invalid vendor" },
	{ HEAD "key vendor=a/b/c\n", -1, "line 3: invalid vendor" },
	{ HEAD "key domain=mg.example.com.\n", -1, "invalid domain" },
	{ HEAD "key selector=s_1\n", -1, "invalid selector" },
	{ HEAD "key alg=dsa\n", -1, "invalid alg" },
	{ HEAD "key alg=-\n", -1, "invalid alg" },
	{ HEAD "key bits=0\n", -1, "invalid bits" },
	{ HEAD "key bits=65536\n", -1, "invalid bits" },
	{ HEAD "key state=gone\n", -1, "invalid state" },
	{ HEAD "key compromised=1\n", -1, "invalid compromised" },
	{ HEAD "key fpr=3B4D\n", -1, "invalid fpr" },
	{ HEAD "key pub=!!!!\n", -1, "invalid pub" },
	{ HEAD "key created=2025-13-01T00:00:00Z\n", -1, "invalid created" },
	{ HEAD "key created=0\n", -1, "invalid created" },
	{ HEAD "key nocolon\n", -1, "has no value" },
	{ HEAD "key  vendor=a\n", -1, "has no value" },
	/* version 1 has none of version 2's fields and lines */
	{ HEAD K2 "\n", -1, "line 3: unknown field \"hooks_done\"" },
	{ HEAD V "\n", -1, "line 3: unknown line" },
	{ HEAD O "\n", -1, "line 3: unknown line" },
	{ HEAD B J "\n", -1, "line 3: unknown line" },
	/* version 2 */
	{ HEAD2 "counter a 1\n" V "\n" K2 "\n" O "\n" B J "\n", 0, NULL },
	{ HEAD2 K1 "\n", -1, "line 3: missing field hooks_done" },
	{ HEAD2 K2 " error=x\n", -1, "repeated field \"error\"" },
	{ HEAD2 K1 " hooks_done=128 max_ttl=0 neg_ttl=0 "
	    "error_at=- error= reason=\n",
	    -1, "invalid hooks_done" },
	{ HEAD2 K1 " hooks_done=127 max_ttl=4294967295 neg_ttl=86400 "
	    "error_at=- error=a reason=\n", 0, NULL },
	{ HEAD2 K1 " hooks_done=0 max_ttl=4294967296 neg_ttl=0 error_at=- "
	    "error= reason=\n", -1, "invalid max_ttl" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=-1 error_at=- "
	    "error= reason=\n", -1, "invalid neg_ttl" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=a b reason=\n",
	    -1, "field \"b\" has no value" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 error_at=- error=a%20b=c "
	    "reason=\n", -1, "invalid error" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=%41 reason=\n",
	    -1, "invalid error" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=%0a reason=\n",
	    -1, "invalid error" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=%00 reason=\n",
	    -1, "invalid error" },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=" X100 X100
	    " reason=\n", 0, NULL },
	{ HEAD2 K1 " hooks_done=0 max_ttl=0 neg_ttl=0 "
	    "error_at=- error=" X100 X100
	    "x reason=\n", -1, "invalid error" },
	{ HEAD2 K2 "\n" V "\n", -1, "line 4: vendor after the key lines" },
	{ HEAD2 K2 " record_ttl=301 record_testing=yes\n", 0, NULL },
	{ HEAD2 K2 " record_ttl=x\n", -1, "invalid record_ttl" },
	{ HEAD2 K2 " record_testing=maybe\n", -1, "invalid record_testing" },
	/* a key in a pack file: pack=ID.SLOT, came later */
	{ HEAD2 K2 " pack=" PACKID ".0\n", 0, NULL },
	{ HEAD2 K2 " pack=" PACKID ".511\n", 0, NULL },
	{ HEAD K1 " pack=" PACKID ".3\n", 0, NULL },
	{ HEAD2 K2 " pack=00112233445566778899AABBCCDDEEFF.1\n", -1,
	    "line 3: invalid pack" },
	{ HEAD2 K2 " pack=00112233445566778899aabbccddeeF.1\n", -1,
	    "line 3: invalid pack" },
	{ HEAD2 K2 " pack=00112233445566778899aabbccddeeg.1\n", -1,
	    "line 3: invalid pack" },
	{ HEAD2 K2 " pack=00112233445566778899aabbccddeef.1\n", -1,
	    "line 3: invalid pack" }, /* 31 digits */
	{ HEAD2 K2 " pack=" PACKID "0.1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID "1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID "\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ",1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".512\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".65536\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".18446744073709551617\n", -1,
	    "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".+1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".-1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".1x\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".0x1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".1.2\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID "..1\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=." PACKID "\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=\n", -1, "line 3: invalid pack" },
	{ HEAD2 K2 " pack=" PACKID ".1 pack=" PACKID ".1\n", -1,
	    "line 3: repeated field \"pack\"" },
	{ HEAD2 K2 "\n" K2 " pack=" PACKID ".5x\n", -1,
	    "line 4: invalid pack" },
	{ HEAD K1 " record_ttl=301\n", 0, NULL },
	{ HEAD2 V "\n" V "\n", -1, "line 4: vendor mailgun listed twice" },
	{ HEAD2 "vendor name=mailgun hold=maybe decommission=no error_at=- "
	    "error=\n", -1, "invalid hold" },
	{ HEAD2 "vendor name=mailgun\n", -1, "missing field hold" },
	{ HEAD2 V " stall_since=2025-11-29T07:06:40Z stall=dns%20down\n", 0,
	    NULL },
	{ HEAD2 V " stall_since=yesterday\n", -1, "invalid stall_since" },
	{ HEAD2 V " stall=a stall=b\n", -1, "repeated field \"stall\"" },
	{ HEAD2 V " stall=%00\n", -1, "invalid stall" },
	{ HEAD2 O "\n" O "\n", -1, "observation sendgrid s1 listed twice" },
	{ HEAD2 O "\n" K2 "\n", -1, "key after the observation lines" },
	{ HEAD2 "observation vendor=sendgrid selector=S1 alg=- bits=0 fpr="
	    FPR " revoked=no first_seen=- last_seen=- target=\n", -1,
	    "invalid selector" },
	{ HEAD2 "observation vendor=sendgrid selector=s1 alg=rsa bits=2048 "
	    "fpr=" FPR " revoked=yes first_seen=2025-11-29T07:06:40Z "
	    "last_seen=2025-11-29T07:06:40Z target=s1.u1.wl.sendgrid.net\n",
	    0, NULL },
	{ HEAD2 O " rotations=3\n", 0, NULL },
	{ HEAD2 O " rotations=x\n", -1, "invalid rotations" },
	{ HEAD2 "run at=2025-11-29T07:06:40Z ok=yes\n" V "\n", 0, NULL },
	{ HEAD2 "run at=- ok=yes\n", -1, "run without a time" },
	{ HEAD2 "run ok=no\n", -1, "missing field at" },
	{ HEAD2 "run at=2025-11-29T07:06:40Z ok=yes\n"
	    "run at=2025-11-29T07:06:40Z ok=no\n", -1,
	    "line 4: run listed twice" },
	{ HEAD2 "counter a 1\nrun at=2025-11-29T07:06:40Z ok=no\n", -1,
	    "run after the counter lines" },
	{ HEAD "run at=2025-11-29T07:06:40Z ok=no\n", -1, "unknown line" },
	{ HEAD2 "simulated since=2025-11-29T07:06:40Z\n"
	    "run at=2025-11-29T07:06:40Z ok=yes\n", 0, NULL },
	{ HEAD2 "simulated since=-\n", -1, "simulated without a time" },
	{ HEAD2 "simulated\n", -1, "unknown line" },
	{ HEAD2 "simulated since=2025-11-29T07:06:40Z\n"
	    "simulated since=2025-11-29T07:06:40Z\n", -1,
	    "line 4: simulated listed twice" },
	{ HEAD2 "run at=2025-11-29T07:06:40Z ok=yes\n"
	    "simulated since=2025-11-29T07:06:40Z\n", -1,
	    "simulated after the run lines" },
	{ HEAD "simulated since=2025-11-29T07:06:40Z\n", -1, "unknown line" },
	{ HEAD2 J "\n", -1, "line 3: journal line before journal-base" },
	{ HEAD2 B, -1, "journal-base without journal lines" },
	{ HEAD2 B B J "\n", -1, "line 4: journal-base listed twice" },
	{ HEAD2 "journal-base x\n" J "\n", -1, "invalid journal-base" },
	{ HEAD2 B J "\n" J "\n", -1, "journal entry " ID " listed twice" },
	{ HEAD2 B J "\n" O "\n", -1, "observation after the journal lines" },
	{ HEAD2 B J "\n" B, -1, "journal-base after the journal lines" },
	{ HEAD2 B "journal id=0123 time=- simulated=no event=x event_id= "
	    "vendor= domain= selector= fpr= extra=\n", -1, "invalid id" },
	{ HEAD2 B J " color=red\n", -1, "unknown field \"color\"" },
	{ HEAD2 B "journal id=" ID " time=- simulated=no event= event_id= "
	    "vendor= domain= selector= fpr= extra=\n", -1, "invalid event" },
	{ HEAD2 B "journal id=" ID " time=- simulated=no event=x event_id= "
	    "vendor=mailgun domain= selector= fpr= extra=\n", -1,
	    "invalid key of an entry" },
	{ HEAD2 B "journal id=" ID " time=- simulated=no event=x event_id= "
	    "vendor=mailgun domain=mg.example.com selector=s1 fpr=" FPR
	    " extra=,\"a\":1\n", 0, NULL },
	{ HEAD2 B "journal id=" ID " time=- simulated=no event=x event_id= "
	    "vendor= domain= selector= fpr= extra=%2C\"a\":1\n", -1,
	    "invalid extra" },
	{ HEAD2 B "journal id=" ID " time=- simulated=no event=x event_id= "
	    "vendor= domain= selector= fpr= extra=\"a\":1\n", -1,
	    "invalid extra members" },
};

START_TEST(test_state_parser_refuses_bad_lines_with_their_number)
{
	unsigned char sum[32];
	struct ksstate st;
	char err[300], hex[65];
	struct buf b = { NULL, 0, 0 };
	int rc;

	buf_puts(&b, state_cases[_i].body);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)b.data, b.len,
	    NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(&b, "end %s\n", hex);
	err[0] = '\0';
	rc = ksstate_decode(b.data, b.len, &st, err, sizeof(err));
	ck_assert_msg(rc == state_cases[_i].want, "case %d: rc %d (%s)", _i, rc,
	    err);
	if (state_cases[_i].why != NULL)
		ck_assert_msg(strstr(err, state_cases[_i].why) != NULL,
		    "case %d: \"%s\" lacks \"%s\"", _i, err,
		    state_cases[_i].why);
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* body and its end line. */
static void
framed(struct buf *b, const char *body)
{
	unsigned char sum[32];
	char hex[65];

	memset(b, 0, sizeof(*b));
	buf_puts(b, body);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)b->data, b->len,
	    NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(b, "end %s\n", hex);
}

/* The stall fields came later: a vendor line without them is read (no
 * stall) and written back without them; with them, they round trip. */
START_TEST(test_a_vendor_stall_is_optional_and_round_trips)
{
	static const char old[] = HEAD2 V "\n";
	static const char with[] = HEAD2 V " stall_since=2025-11-29T07:06:40Z "
	    "stall=127.0.0.1:5300:%20unreachable\n";
	struct ksstate st;
	struct ks_vendor *v;
	struct buf in, b = { NULL, 0, 0 };
	char err[200] = "";

	framed(&in, old);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_ptr_nonnull(v = ksstate_vendor(&st, "mailgun", false));
	ck_assert_ptr_null(v->stall);
	ck_assert_int_eq(v->stall_since, 0);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, V "\n"));
	ck_assert_ptr_null(strstr(b.data, "stall"));
	ksstate_free(&st);
	buf_free(&b);
	framed(&in, with);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_ptr_nonnull(v = ksstate_vendor(&st, "mailgun", false));
	ck_assert_str_eq(v->stall, "127.0.0.1:5300: unreachable");
	ck_assert_int_eq(v->stall_since, 1764400000);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "error= stall_since="
	    "2025-11-29T07:06:40Z stall=127.0.0.1:5300:%20unreachable\n"));
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* decommission_algs came later too: absent is 0 and is not written; set,
 * it is written after decommission and read back; out of range is
 * refused. */
START_TEST(test_vendor_decommission_algs_is_optional_and_round_trips)
{
	static const char with[] = HEAD2 "vendor name=mailgun hold=no "
	    "decommission=no decommission_algs=4 error_at=- error=\n";
	static const char bad[] = HEAD2 V " decommission_algs=9\n";
	struct ksstate st;
	struct ks_vendor *v;
	struct buf in, b = { NULL, 0, 0 };
	char err[200] = "";

	framed(&in, HEAD2 V "\n");
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_ptr_nonnull(v = ksstate_vendor(&st, "mailgun", false));
	ck_assert_uint_eq(v->decommission_algs, 0);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(b.data, "decommission_algs"));
	ksstate_free(&st);
	buf_free(&b);
	framed(&in, with);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_ptr_nonnull(v = ksstate_vendor(&st, "mailgun", false));
	ck_assert_uint_eq(v->decommission_algs, 1U << DK_ALG_ED25519);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "decommission=no "
	    "decommission_algs=4 error_at=-"));
	ksstate_free(&st);
	buf_free(&b);
	framed(&in, bad);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), -1);
	buf_free(&in);
}
END_TEST

/* The simulated and run lines and an observation's rotations came later:
 * a state without them is read (none, 0) and written back without them;
 * with them, they round trip. */
START_TEST(test_the_last_run_and_rotations_are_optional_and_round_trip)
{
	static const char old[] = HEAD2 O "\n";
	static const char with[] = HEAD2
	    "simulated since=2025-11-29T07:00:00Z\n"
	    "run at=2025-11-29T07:06:40Z ok=no\n" O " rotations=2\n";
	struct ksstate st;
	struct ks_observation *o;
	struct buf in, b = { NULL, 0, 0 };
	char err[200] = "";

	framed(&in, old);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_int_eq(st.run_at, 0);
	ck_assert_int_eq(st.simulated_since, 0);
	ck_assert_ptr_nonnull(o = ksstate_observation(&st, "sendgrid", "s1",
	    false));
	ck_assert_uint_eq(o->rotations, 0);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, O "\n"));
	ck_assert_ptr_null(strstr(b.data, "run "));
	ksstate_free(&st);
	buf_free(&b);
	framed(&in, with);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(st.run_at, 1764400000);
	ck_assert_int_eq(st.simulated_since, 1764399600);
	ck_assert(!st.run_ok);
	ck_assert_ptr_nonnull(o = ksstate_observation(&st, "sendgrid", "s1",
	    false));
	ck_assert_uint_eq(o->rotations, 2);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nrun at=2025-11-29T07:06:40Z "
	    "ok=no\n"));
	ck_assert_ptr_nonnull(strstr(b.data, O " rotations=2\n"));
	buf_free(&in);
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* A key in a pack file: pack=ID.SLOT is read into key->pack, written
 * where the table puts it (after pub) and read back the same; a key in a
 * file of its own writes no pack field, so older states stay as they
 * were. */
START_TEST(test_a_key_pack_field_round_trips_and_is_absent_otherwise)
{
	static const char with[] = HEAD2 K2 " pack=" PACKID ".511\n";
	static const unsigned char id[KS_PACK_ID_LEN] = { 0x00, 0x11, 0x22,
		0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
		0xdd, 0xee, 0xff };
	struct ksstate st, back;
	struct buf in, b = { NULL, 0, 0 }, b2 = { NULL, 0, 0 };
	char err[200] = "";

	framed(&in, with);
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert_uint_eq(st.nkeys, 1);
	ck_assert(st.keys[0]->pack.in_pack);
	ck_assert_uint_eq(st.keys[0]->pack.slot, 511);
	ck_assert_int_eq(memcmp(st.keys[0]->pack.id, id, sizeof(id)), 0);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, " fpr=" FPR " pub= pack=" PACKID
	    ".511 created=2025-11-29T07:06:40Z "));
	ck_assert_int_eq(ksstate_decode(b.data, b.len, &back, err,
	    sizeof(err)), 0);
	ck_assert(back.keys[0]->pack.in_pack);
	ck_assert_uint_eq(back.keys[0]->pack.slot, 511);
	ck_assert_int_eq(memcmp(back.keys[0]->pack.id, id, sizeof(id)), 0);
	ck_assert_int_eq(ksstate_encode(&back, &b2, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.len, b2.len);
	ck_assert_int_eq(memcmp(b.data, b2.data, b.len), 0);
	ksstate_free(&back);
	buf_free(&b2);
	/* slot 0 is a slot too, and not "no pack" */
	st.keys[0]->pack.slot = 0;
	b.len = 0;
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, " pub= pack=" PACKID ".0 "));
	/* not in a pack: no field, whatever the other pack members hold */
	st.keys[0]->pack.in_pack = false;
	st.keys[0]->pack.slot = 7;
	b.len = 0;
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(b.data, "pack="));
	ck_assert_ptr_nonnull(strstr(b.data, " pub= created="));
	ksstate_free(&st);
	buf_free(&b);
	/* an older state: no pack, and none written */
	framed(&in, HEAD2 K2 "\n");
	ck_assert_int_eq(ksstate_decode(in.data, in.len, &st, err,
	    sizeof(err)), 0);
	buf_free(&in);
	ck_assert(!st.keys[0]->pack.in_pack);
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(b.data, "pack="));
	ksstate_free(&st);
	buf_free(&b);
	sample_state(&st, &b);
	ck_assert_ptr_null(strstr(b.data, "pack="));
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

/* The slot of a key in a pack is below KS_PACK_SLOTS_MAX: the encoder
 * refuses another as it could not read it back. */
START_TEST(test_a_pack_slot_out_of_range_is_refused)
{
	struct ksstate st;
	struct ks_key k;
	struct buf b = { NULL, 0, 0 };
	char err[200] = "";

	fill_key(&k, "mailgun", "mg.example.com", "s1");
	ck_assert_ptr_null(ksstate_key_invalid(&k));
	k.pack.in_pack = true;
	k.pack.slot = KS_PACK_SLOTS_MAX - 1;
	ck_assert_ptr_null(ksstate_key_invalid(&k));
	k.pack.slot = KS_PACK_SLOTS_MAX;
	ck_assert_str_eq(ksstate_key_invalid(&k), "pack slot out of range");
	k.pack.slot = UINT16_MAX;
	ck_assert_str_eq(ksstate_key_invalid(&k), "pack slot out of range");
	/* out of a pack, the slot means nothing */
	k.pack.in_pack = false;
	ck_assert_ptr_null(ksstate_key_invalid(&k));
	memset(&st, 0, sizeof(st));
	k.pack.in_pack = true;
	k.pack.slot = KS_PACK_SLOTS_MAX;
	ck_assert_ptr_nonnull(ksstate_append(&st, &k));
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "key s1._domainkey.mg.example.com: pack slot "
	    "out of range");
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

START_TEST(test_version_1_state_is_read_then_written_as_version_3)
{
	static const char v2key[] = K2 "\n";
	struct ksstate st, again;
	struct buf v1, v2 = { NULL, 0, 0 }, v2b = { NULL, 0, 0 };
	char err[300] = "";

	framed(&v1, "dkimkeys-state 1\nnow 2025-11-29T07:06:40Z\n"
	    "counter mailgun 2\n" K1 "\n");
	ck_assert_int_eq(ksstate_decode(v1.data, v1.len, &st, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(st.version, 1);
	ck_assert_uint_eq(st.nkeys, 1);
	ck_assert_uint_eq(st.keys[0]->hooks_done, 0);
	ck_assert_ptr_null(st.keys[0]->error);
	ck_assert_uint_eq(st.nvendors + st.nobs + st.njournal, 0);
	ck_assert_int_eq(ksstate_encode(&st, &v2, err, sizeof(err)), 0);
	ck_assert_int_eq(strncmp(v2.data, "dkimkeys-state 3\n", 17), 0);
	ck_assert_ptr_nonnull(strstr(v2.data, v2key));
	ck_assert_int_eq(ksstate_decode(v2.data, v2.len, &again, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(again.version, 3);
	ck_assert_int_eq(ksstate_encode(&again, &v2b, err, sizeof(err)), 0);
	ck_assert_str_eq(v2.data, v2b.data);
	ksstate_free(&st);
	ksstate_free(&again);
	buf_free(&v1);
	buf_free(&v2);
	buf_free(&v2b);
}
END_TEST

static const struct {
	const char *text, *escaped;
} escape_cases[] = {
	{ "disk full", "disk%20full" },
	{ "a=b", "a%3Db" },
	{ "100%", "100%25" },
	{ "line 1\nline 2\r\n", "line%201%0Aline%202%0D%0A" },
	{ "na\xc3\xafve \xe2\x82\xac", "na%C3%AFve%20%E2%82%AC" },
	{ "tab\there\x7f\x01", "tab%09here%7F%01" },
	{ "\xff\x80", "%FF%80" },
	{ "plain-text_ok:/.,;()[]{}<>|~^`!?#$&*+@\\\"'",
	    "plain-text_ok:/.,;()[]{}<>|~^`!?#$&*+@\\\"'" },
	{ " ", "%20" },
};

START_TEST(test_texts_are_escaped_exactly_and_read_back)
{
	struct buf b = { NULL, 0, 0 };
	char *back = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(escape_cases); i++) {
		b.len = 0;
		ksstate_escape(&b, escape_cases[i].text);
		buf_add(&b, "", 1);
		ck_assert_str_eq(b.data, escape_cases[i].escaped);
		ck_assert_int_eq(ksstate_unescape(b.data, 200, &back), 0);
		ck_assert_str_eq(back, escape_cases[i].text);
		free(back);
	}
	buf_free(&b);
}
END_TEST

static const struct {
	const char *s;
	size_t max;
	int want;
} unescape_cases[] = {
	{ "abc", 3, 0 },
	{ "abcd", 3, -1 },
	{ "%20%20%20", 3, 0 },
	{ "%20%20%20%20", 3, -1 },
	{ "%41", 10, -1 },   /* a safe octet never escaped */
	{ "%3d", 10, -1 },   /* lowercase hex */
	{ "%3D", 10, 0 },
	{ "%3", 10, -1 },
	{ "%", 10, -1 },
	{ "a%", 10, -1 },
	{ "%G0", 10, -1 },
	{ "%00", 10, -1 },   /* no NUL in a C string */
	{ "a b", 10, -1 },   /* raw octets outside the safe set */
	{ "a=b", 10, -1 },
	{ "a%b", 10, -1 },
	{ "\xc3\xaf", 10, -1 },
	{ "a\nb", 10, -1 },
	{ "", 10, 0 },
};

START_TEST(test_unescape_refuses_what_escape_never_writes)
{
	char *out = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(unescape_cases); i++) {
		ck_assert_msg(ksstate_unescape(unescape_cases[i].s,
		    unescape_cases[i].max, &out) == unescape_cases[i].want,
		    "case %zu: \"%s\"", i, unescape_cases[i].s);
		ck_assert(unescape_cases[i].want == 0 ? out != NULL :
		    out == NULL);
		free(out);
		out = NULL;
	}
}
END_TEST

START_TEST(test_texts_are_cut_at_their_limit_on_a_character_boundary)
{
	char text[1024], *s = NULL;
	size_t i;

	memset(text, 'a', 300);
	text[300] = '\0';
	ksstate_text_set(&s, text, KSSTATE_TEXT_MAX);
	ck_assert_uint_eq(strlen(s), 200);
	/* "a" then two-octet characters: 199, not half an "e-acute" */
	for (i = 0; i < 250; i++)
		memcpy(text + 1 + 2 * i, "\xc3\xa9", 2);
	text[501] = '\0';
	ksstate_text_set(&s, text, KSSTATE_TEXT_MAX);
	ck_assert_uint_eq(strlen(s), 199);
	ck_assert_int_eq(memcmp(s, text, 199), 0);
	for (i = 0; i < 100; i++) /* three-octet euro signs: 198 */
		memcpy(text + 3 * i, "\xe2\x82\xac", 3);
	text[300] = '\0';
	ksstate_text_set(&s, text, KSSTATE_TEXT_MAX);
	ck_assert_uint_eq(strlen(s), 198);
	ksstate_text_set(&s, "short", KSSTATE_TEXT_MAX);
	ck_assert_str_eq(s, "short");
	ksstate_text_set(&s, "", KSSTATE_TEXT_MAX);
	ck_assert_ptr_null(s);
	ksstate_text_set(&s, "x", KSSTATE_TEXT_MAX);
	ksstate_text_set(&s, NULL, KSSTATE_TEXT_MAX);
	ck_assert_ptr_null(s);
}
END_TEST

/* Encodes st, which must fail with why in the message. */
static void
assert_encode_fails(const struct ksstate *st, const char *why)
{
	struct buf b = { NULL, 0, 0 };
	char err[300] = "";

	ck_assert_int_eq(ksstate_encode(st, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "\"%s\" lacks \"%s\"", err,
	    why);
	buf_free(&b);
}

START_TEST(test_encoder_refuses_what_it_could_not_read_back)
{
	struct ksstate st;
	struct buf b;
	char *saved;

	sample_state(&st, &b);
	buf_free(&b);
	saved = st.keys[0]->error;
	st.keys[0]->error = xmalloc(202); /* set without ks_set_error */
	memset(st.keys[0]->error, 'x', 201);
	st.keys[0]->error[201] = '\0';
	assert_encode_fails(&st, "key mg202611e._domainkey.mg.example.com: "
	    "error or reason text too long");
	free(st.keys[0]->error);
	st.keys[0]->error = saved;
	st.keys[0]->hooks_done = 1U << KS_EV_COUNT;
	assert_encode_fails(&st, "invalid hooks_done");
	st.keys[0]->hooks_done = 0;
	st.vendors[1]->error_at = -1;
	assert_encode_fails(&st, "vendor sendgrid: time out of range");
	st.vendors[1]->error_at = 0;
	st.obs[1]->alg = (enum dk_alg)7;
	assert_encode_fails(&st, "observation sendgrid s2: invalid algorithm");
	st.obs[1]->alg = DK_ALG_NONE;
	st.journal[1].id[0] = 'X';
	assert_encode_fails(&st, "journal entry 2: invalid entry id");
	st.journal[1].id[0] = '0';
	st.has_base = false;
	assert_encode_fails(&st, "journal without a base");
	ksstate_free(&st);
}
END_TEST

START_TEST(test_state_refuses_a_key_whose_fpr_is_not_its_pub)
{
	struct ksstate st;
	struct ks_key k;
	struct buf b = { NULL, 0, 0 };
	char err[200];

	memset(&st, 0, sizeof(st));
	fill_key(&k, "mailgun", "mg.example.com", "s1");
	k.fpr[0] ^= 1;
	ck_assert_ptr_nonnull(ksstate_append(&st, &k));
	ck_assert_int_eq(ksstate_encode(&st, &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "fingerprint"));
	ck_assert_ptr_nonnull(ksstate_key_invalid(&k));
	ksstate_free(&st);
	buf_free(&b);
}
END_TEST

static const struct {
	const char *s;
	bool ok;
} vendor_cases[] = {
	{ "mailgun", true },
	{ "a", true },
	{ "customers/example.com", true },
	{ "customers/xn--bcher-kva.example", true },
	{ "", false },
	{ "Mailgun", false },
	{ "-mailgun", false },
	{ "mail gun", false },
	{ "customers/", false },
	{ "/example.com", false },
	{ "customers/Example.com", false },
	{ "a/b/c", false },
	{ "customers/example.com.", false },
	{ "mail=gun", false },
};

START_TEST(test_vendor_names_are_validated)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(vendor_cases); i++)
		ck_assert_msg(ksstate_valid_vendor(vendor_cases[i].s) ==
		    vendor_cases[i].ok, "%s", vendor_cases[i].s);
}
END_TEST

START_TEST(test_state_names_round_trip)
{
	enum ks_state st;
	int i;

	for (i = KS_PENDING; i <= KS_DESTROYED; i++) {
		ck_assert_int_eq(ks_state_parse(ks_state_name(i), &st), 0);
		ck_assert_int_eq(st, i);
	}
	ck_assert_str_eq(ks_state_name(KS_WITHDRAWN), "withdrawn");
	ck_assert_int_eq(ks_state_parse("Active", &st), -1);
	ck_assert_int_eq(ks_state_parse("", &st), -1);
}
END_TEST

START_TEST(test_state_index_finds_many_keys_and_refuses_duplicates)
{
	struct ks_key k, *first = NULL;
	struct ksstate st;
	char sel[32];
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 5000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		fill_key(&k, "v", i % 2 ? "a.example" : "b.example", sel);
		ck_assert_ptr_nonnull(ksstate_append(&st, &k));
		if (i == 0)
			first = st.keys[0];
	}
	ck_assert_ptr_eq(st.keys[0], first); /* never moved */
	ck_assert_str_eq(first->selector, "s0");
	for (i = 0; i < 5000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		ck_assert_uint_eq(ksstate_find(&st, i % 2 ? "a.example" :
		    "b.example", sel), i);
		ck_assert_uint_eq(ksstate_find(&st, i % 2 ? "b.example" :
		    "a.example", sel), KSSTATE_NONE);
	}
	fill_key(&k, "v", "a.example", "s1");
	ck_assert_ptr_null(ksstate_append(&st, &k));
	ck_assert_uint_eq(st.nkeys, 5000);
	ksstate_free(&st);
}
END_TEST

/* A sink that keeps what it is given and the largest piece. */
struct pieces {
	struct buf all;
	size_t n, largest;
	size_t fail_at; /* fail the call of this number (from 1); 0 never */
};

static int
keep_piece(void *ctx, const char *p, size_t n)
{
	struct pieces *c = ctx;

	if (++c->n == c->fail_at)
		return -1;
	buf_add(&c->all, p, n);
	if (n > c->largest)
		c->largest = n;
	return 0;
}

START_TEST(test_state_streams_in_pieces_as_it_encodes)
{
	struct ks_key k;
	struct ksstate st;
	struct buf whole = { NULL, 0, 0 };
	struct pieces c;
	char sel[32], err[200], sum[KSSTATE_SUM_HEX + 1], dom[64];
	size_t i, len;

	memset(&st, 0, sizeof(st));
	st.now = 1764400000;
	for (i = 0; i < 3000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		snprintf(dom, sizeof(dom), "d%zu.example", i);
		fill_key(&k, "v", dom, sel);
		ck_assert_ptr_nonnull(ksstate_append(&st, &k));
	}
	ck_assert_int_eq(ksstate_encode(&st, &whole, err, sizeof(err)), 0);
	ck_assert_uint_gt(whole.len, 4 * 65536);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(ksstate_encode_stream(&st, keep_piece, &c, sum, &len,
	    err, sizeof(err)), 0);
	/* the same octets, never much more than 64 KiB at once */
	ck_assert_uint_eq(len, whole.len);
	ck_assert_uint_eq(c.all.len, whole.len);
	ck_assert_mem_eq(c.all.data, whole.data, whole.len);
	ck_assert_uint_ge(c.n, 4);
	ck_assert_uint_lt(c.largest, 65536 + 4096);
	/* the sum is the end line's */
	ck_assert_mem_eq(whole.data + whole.len - KSSTATE_SUM_HEX - 1, sum,
	    KSSTATE_SUM_HEX);
	buf_free(&c.all);
	/* a sink that fails is not called again, and the caller is told */
	memset(&c, 0, sizeof(c));
	c.fail_at = 2;
	ck_assert_int_eq(ksstate_encode_stream(&st, keep_piece, &c, sum, &len,
	    err, sizeof(err)), -2);
	ck_assert_uint_eq(c.n, 2);
	buf_free(&c.all);
	buf_free(&whole);
	ksstate_free(&st);
}
END_TEST

START_TEST(test_vendors_observations_and_counters_are_indexed_and_stay_put)
{
	struct ks_observation *o0;
	struct ks_vendor *v0;
	struct ksstate st;
	char name[32];
	size_t i;

	memset(&st, 0, sizeof(st));
	v0 = ksstate_vendor(&st, "v0", true);
	o0 = ksstate_observation(&st, "v0", "s0", true);
	ck_assert_ptr_null(ksstate_vendor(&st, "v1", false));
	ck_assert_ptr_null(ksstate_observation(&st, "v0", "s1", false));
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		ck_assert_ptr_nonnull(ksstate_vendor(&st, name, true));
		ck_assert_ptr_nonnull(ksstate_observation(&st, name, "s0",
		    true));
		ck_assert_ptr_nonnull(ksstate_observation(&st, "v0", name,
		    true));
		ksstate_counter(&st, name)->value = (unsigned)i;
	}
	ck_assert_uint_eq(st.nvendors, 3000);
	ck_assert_uint_eq(st.nobs, 2 * 3000); /* (v0, s0) made once */
	ck_assert_uint_eq(st.ncounters, 3000);
	ck_assert_ptr_eq(ksstate_vendor(&st, "v0", false), v0);
	ck_assert_ptr_eq(ksstate_observation(&st, "v0", "s0", true), o0);
	ck_assert_ptr_eq(st.obs[0], o0);
	ck_assert_str_eq(ksstate_vendor(&st, "v2999", false)->name, "v2999");
	ck_assert_uint_eq(ksstate_counter(&st, "v1234")->value, 1234);
	ck_assert_uint_eq(st.ncounters, 3000);
	ksstate_free(&st);
}
END_TEST

static void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
}

/*
 * state.log (keystore/FORMAT section 5.5): sample_state as a checkpoint
 * (its end line's hex in seed), then a log of two groups: a changed key
 * and counter, a new key and the run; *mid is where the second starts.
 */
static void
sample_log(struct ksstate *st, struct buf *ckpt, struct buf *log,
    char seed[65], size_t *mid)
{
	char err[200] = "", sum[65];
	unsigned char pub9[32];
	struct ks_key k, *k0;

	sample_state(st, ckpt);
	memcpy(seed, ckpt->data + ckpt->len - 65, 64);
	seed[64] = '\0';
	memcpy(st->logsum, seed, 65);
	ksstate_mark_stored(st);
	memset(log, 0, sizeof(*log));
	ksstate_log_header(log, seed);
	/* nothing changed, journal included: only the audit line */
	ck_assert_int_eq(ksstate_encode_group(st, 1, seed, log, sum, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(log->data, "\naudit 0 "));
	ck_assert_ptr_nonnull(strstr(log->data, "\njournal-base 123456\n"));
	log->len = 0;
	ksstate_log_header(log, seed);
	ksstate_journal_clear(st);
	k0 = st->keys[0];
	k0->state = KS_RETIRED;
	k0->retired = 1764400100;
	ksstate_text_set(&k0->error, "a new error", KSSTATE_TEXT_MAX);
	ksstate_counter(st, "mailgun")->value = 4;
	st->audit_seq = 7;
	memcpy(st->audit_hash, seed, 65);
	ck_assert_int_eq(ksstate_encode_group(st, 1, seed, log, sum, err,
	    sizeof(err)), 2);
	ksstate_group_stored(st);
	memcpy(st->logsum, sum, 65);
	*mid = log->len;
	/* fields added later (simulated keystores, the published record's
	 * ttl and testing) are carried like the others */
	st->simulated_since = 1764400200;
	k0->record_ttl = 3601;
	k0->record_testing = true;
	memset(&k, 0, sizeof(k));
	k.vendor = (char *)(uintptr_t)"mailgun";
	k.domain = (char *)(uintptr_t)"mg.example.com";
	k.selector = (char *)(uintptr_t)"s9";
	k.alg = DK_ALG_ED25519;
	k.bits = 256;
	k.publen = 32;
	k.pub = pub9;
	randombytes_buf(k.pub, 32);
	crypto_hash_sha256(k.fpr, k.pub, 32);
	k.created = 1764400200;
	k.pack.in_pack = true;
	k.pack.slot = 511;
	memset(k.pack.id, 0xa5, sizeof(k.pack.id));
	ck_assert_ptr_nonnull(ksstate_append(st, &k));
	st->run_at = 1764400200;
	st->run_ok = true;
	ck_assert_int_eq(ksstate_encode_group(st, 2, sum, log, sum, err,
	    sizeof(err)), 3); /* the new key, k0, the head */
	ksstate_group_stored(st);
	memcpy(st->logsum, sum, 65);
	ck_assert_str_eq(err, "");
}

/* Both states encode to the same checkpoint. */
static void
assert_same_state(const struct ksstate *a, const struct ksstate *b)
{
	struct buf ea = { NULL, 0, 0 }, eb = { NULL, 0, 0 };
	char err[200];

	ck_assert_int_eq(ksstate_encode(a, &ea, err, sizeof(err)), 0);
	ck_assert_int_eq(ksstate_encode(b, &eb, err, sizeof(err)), 0);
	ck_assert_str_eq(ea.data, eb.data);
	buf_free(&ea);
	buf_free(&eb);
}

START_TEST(test_log_groups_carry_only_the_changes_and_replay_exactly)
{
	struct buf ckpt, log;
	struct ksstate st, back;
	char seed[65], err[300] = "", *pack;
	unsigned long groups;
	size_t mid, good;

	sample_log(&st, &ckpt, &log, seed, &mid);
	/* the first group: the changed key and counter, not the others */
	ck_assert_ptr_nonnull(strstr(log.data, "\ncounter mailgun 4\n"));
	ck_assert_ptr_null(strstr(log.data, "counter customers"));
	ck_assert_ptr_nonnull(strstr(log.data, " state=retired "));
	ck_assert_ptr_null(strstr(log.data, "state=destroyed"));
	ck_assert_ptr_null(strstr(log.data, "\nvendor "));
	ck_assert_ptr_nonnull(strstr(log.data, "\ncommit 1 "));
	ck_assert_ptr_nonnull(strstr(log.data + mid, "selector=s9 "));
	ck_assert_ptr_nonnull(strstr(log.data + mid, "\nrun at="));
	ck_assert_ptr_nonnull(strstr(log.data + mid, "\nsimulated since="));
	ck_assert_ptr_nonnull(strstr(log.data + mid, " record_ttl=3601"));
	/* the new key's pack, the only one */
	ck_assert_ptr_nonnull(pack = strstr(log.data,
	    " pack=a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5.511 "));
	ck_assert(pack > log.data + mid);
	ck_assert_ptr_null(strstr(pack + 6, "pack="));
	ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ksstate_log_decode(&back, log.data, log.len, seed,
	    &good, &groups, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(good, log.len);
	ck_assert_uint_eq(groups, 2);
	ck_assert(back.keys[2]->pack.in_pack);
	ck_assert_uint_eq(back.keys[2]->pack.slot, 511);
	ck_assert_uint_eq(back.keys[2]->pack.id[15], 0xa5);
	ck_assert(!back.keys[0]->pack.in_pack);
	ck_assert_str_eq(back.logsum, st.logsum);
	ck_assert_uint_eq(back.audit_seq, 7);
	ck_assert_uint_eq(back.njournal, 0); /* the last group's: none */
	assert_same_state(&st, &back);
	ksstate_free(&back);
	ksstate_free(&st);
	buf_free(&ckpt);
	buf_free(&log);
}
END_TEST

/* A group cut anywhere (a crash in its write) is left out, not refused;
 * the groups before it are read. */
START_TEST(test_log_torn_last_group_is_cut_off)
{
	struct buf ckpt, log;
	struct ksstate st, back;
	char seed[65], err[300];
	unsigned long groups;
	size_t mid, good, cut;

	sample_log(&st, &ckpt, &log, seed, &mid);
	for (cut = mid; cut < log.len; cut += 7) {
		err[0] = '\0';
		ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
		    sizeof(err)), 0);
		ck_assert_msg(ksstate_log_decode(&back, log.data, cut, seed,
		    &good, &groups, err, sizeof(err)) == 0, "cut at %zu: %s",
		    cut, err);
		ck_assert_uint_eq(good, mid);
		ck_assert_uint_eq(groups, 1);
		ck_assert_uint_eq(ksstate_find(&back, "mg.example.com", "s9"),
		    KSSTATE_NONE);
		ck_assert_int_eq(back.run_at, 0);
		ksstate_free(&back);
	}
	/* zeros where the group should be (a power loss): torn too */
	memset(log.data + mid, 0, log.len - mid);
	ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ksstate_log_decode(&back, log.data, log.len, seed,
	    &good, &groups, err, sizeof(err)), 0);
	ck_assert_uint_eq(good, mid);
	ksstate_free(&back);
	ksstate_free(&st);
	buf_free(&ckpt);
	buf_free(&log);
}
END_TEST

/* Edited, reordered or foreign: 65 (-1), the line named. */
START_TEST(test_log_edits_reorders_and_foreign_logs_are_refused)
{
	struct buf ckpt, log, bad = { NULL, 0, 0 };
	struct ksstate st, back;
	char seed[65], other[65], err[300], *p;
	unsigned long groups;
	size_t mid, good, hl;

	sample_log(&st, &ckpt, &log, seed, &mid);
	hl = (size_t)(strchr(log.data, '\n') - log.data) + 1;
	/* a value changed in the first group */
	buf_add(&bad, log.data, log.len);
	buf_add(&bad, "", 1);
	p = strstr(bad.data, "state=retired");
	memcpy(p, "state=revoked", 13);
	ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ksstate_log_decode(&back, bad.data, log.len, seed,
	    &good, &groups, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "checksum mismatch"));
	ksstate_free(&back);
	/* the two groups swapped */
	bad.len = 0;
	buf_add(&bad, log.data, hl);
	buf_add(&bad, log.data + mid, log.len - mid);
	buf_add(&bad, log.data + hl, mid - hl);
	ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ksstate_log_decode(&back, bad.data, bad.len, seed,
	    &good, &groups, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ": commit line out of order"));
	ksstate_free(&back);
	/* another checkpoint's log (its chain does not end at ours) */
	memcpy(other, seed, 65);
	other[0] = other[0] == '0' ? '1' : '0';
	ck_assert_int_eq(ksstate_decode(ckpt.data, ckpt.len, &back, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ksstate_log_decode(&back, log.data, log.len, other,
	    &good, &groups, err, sizeof(err)), -2);
	ck_assert_ptr_nonnull(strstr(err, "line 1: does not start at this "
	    "state"));
	/* unless the checkpoint absorbed it: a crash during a compaction */
	memcpy(back.logsum, st.logsum, 65);
	ck_assert_int_eq(ksstate_log_decode(&back, log.data, log.len, other,
	    &good, &groups, err, sizeof(err)), 1);
	ck_assert_uint_eq(ksstate_find(&back, "mg.example.com", "s9"),
	    KSSTATE_NONE);
	ksstate_free(&back);
	ksstate_free(&st);
	buf_free(&ckpt);
	buf_free(&log);
	buf_free(&bad);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ksstate");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_state_round_trips_byte_for_byte);
	tcase_add_test(tc,
	    test_state_with_any_edited_byte_or_truncation_is_damaged);
	tcase_add_loop_test(tc,
	    test_state_parser_refuses_bad_lines_with_their_number, 0,
	    (int)ARRAY_LEN(state_cases));
	tcase_add_test(tc,
	    test_version_1_state_is_read_then_written_as_version_3);
	tcase_add_test(tc, test_a_vendor_stall_is_optional_and_round_trips);
	tcase_add_test(tc,
	    test_a_key_pack_field_round_trips_and_is_absent_otherwise);
	tcase_add_test(tc, test_a_pack_slot_out_of_range_is_refused);
	tcase_add_test(tc,
	    test_vendor_decommission_algs_is_optional_and_round_trips);
	tcase_add_test(tc,
	    test_the_last_run_and_rotations_are_optional_and_round_trip);
	tcase_add_test(tc, test_texts_are_escaped_exactly_and_read_back);
	tcase_add_test(tc, test_unescape_refuses_what_escape_never_writes);
	tcase_add_test(tc,
	    test_texts_are_cut_at_their_limit_on_a_character_boundary);
	tcase_add_test(tc, test_encoder_refuses_what_it_could_not_read_back);
	tcase_add_test(tc, test_state_refuses_a_key_whose_fpr_is_not_its_pub);
	tcase_add_test(tc, test_vendor_names_are_validated);
	tcase_add_test(tc, test_state_names_round_trip);
	tcase_add_test(tc,
	    test_state_index_finds_many_keys_and_refuses_duplicates);
	tcase_add_test(tc,
	    test_vendors_observations_and_counters_are_indexed_and_stay_put);
	tcase_add_test(tc,
	    test_log_groups_carry_only_the_changes_and_replay_exactly);
	tcase_add_test(tc, test_log_torn_last_group_is_cut_off);
	tcase_add_test(tc, test_state_streams_in_pieces_as_it_encodes);
	tcase_add_test(tc,
	    test_log_edits_reorders_and_foreign_logs_are_refused);
	tcase_add_test(tc, test_one_entry_round_trips_as_its_journal_line);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
