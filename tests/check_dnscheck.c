/*
 * check_dnscheck.c - dnsquery and dnscheck against a scripted server: a
 * child process on a free 127.0.0.1 port (UDP and TCP) that answers each
 * query as the test says (a record, a spoofed reply first, TC=1, FORMERR
 * to EDNS, an rcode, broken data) and reports what it was asked through a
 * pipe. Nothing leaves the loopback interface. The same code against
 * Knot DNS and unbound is tests/dnscheck_test.c.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testutil.h"
#include "support/dkim.h"

#include "dns/dnscheck.h"
#include "dns/dnsquery.h"
#include "support/log.h"
#include "support/util.h"

#define KEYS TEST_SRCDIR "/data/keys/"
#define ED_B64 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define ED_SPKI_B64 "MCowBQYDK2VwAyEA" ED_B64
#define NAME "sel._domainkey.example.com"

enum fake_mode {
	FAKE_TXT = 0, /* the record */
	FAKE_BAD_ID_FIRST, /* a reply with another ID, then the record */
	FAKE_NO_QR_FIRST, /* a "reply" without QR, then the record */
	FAKE_OTHER_QUESTION_FIRST,
	FAKE_GARBAGE_FIRST, /* 5 octets, then the record */
	FAKE_MIXED_CASE, /* the question echoed in other case */
	FAKE_ONLY_BAD_ID, /* never the real reply */
	FAKE_TRUNCATED, /* TC=1 over UDP, the record over TCP */
	FAKE_TCP_CLOSE, /* TC=1, and TCP closed at once */
	FAKE_FORMERR_EDNS, /* FORMERR to a query with OPT */
	FAKE_RCODE, /* the rcode, no record */
	FAKE_BAD_TXT, /* a character-string running past rdata */
};

struct fake {
	enum fake_mode mode;
	const char *txt;
	size_t txtlen; /* 0: strlen(txt) */
	unsigned rcode;
	pid_t pid;
	unsigned port;
	int log; /* read end: a line per query, "udp opt=1 payload=1232 rd=0" */
};

/* Where the question of query q (len octets) ends; 0 when malformed. */
static size_t
question_end(const unsigned char *q, size_t len)
{
	size_t off = 12;

	while (off < len && q[off] != 0)
		off += 1 + q[off];
	return off + 5 <= len ? off + 5 : 0;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The reply to q in out; with txt, one TXT record of it. */
static size_t
build_reply(const struct fake *f, const unsigned char *q, size_t qend, bool tc,
    bool with_txt, unsigned rcode, unsigned char *out)
{
	size_t len = qend, tl = f->txtlen ? f->txtlen : strlen(f->txt), i, n;
	size_t rdlen = tl + (tl + 254) / 255 + (tl == 0);

	memcpy(out, q, qend);
	out[2] = (unsigned char)(0x84 | (tc ? 0x02 : 0) | (q[2] & 0x01));
	out[3] = (unsigned char)rcode;
	put16(out + 6, with_txt ? 1 : 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	if (!with_txt)
		return len;
	memcpy(out + len, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c", 10);
	put16(out + len + 10, (unsigned)rdlen + (f->mode == FAKE_BAD_TXT));
	len += 12;
	for (i = 0; i < tl || (i == 0 && tl == 0); i += n) {
		n = tl - i > 255 ? 255 : tl - i;
		out[len++] = (unsigned char)(n + 2 * (f->mode == FAKE_BAD_TXT));
		memcpy(out + len, f->txt + i, n);
		len += n;
		if (n == 0)
			break;
	}
	if (f->mode == FAKE_BAD_TXT)
		out[len++] = 'x';
	return len;
}

/* Logs one query: transport, OPT and its payload, RD. */
static void
note(int log, const char *how, const unsigned char *q, size_t len, size_t qend)
{
	char line[80];
	unsigned payload = 0;
	bool opt =
	    q[11] == 1 && qend + 11 <= len && q[qend] == 0 && q[qend + 2] == 41;

	if (opt)
		payload = (unsigned)q[qend + 3] << 8 | q[qend + 4];
	snprintf(line, sizeof(line), "%s opt=%d payload=%u rd=%d\n", how, opt,
	    payload, q[2] & 1);
	if (write(log, line, strlen(line)) < 0)
		_exit(3);
}

static void
send_to(int fd, const struct sockaddr_storage *peer, socklen_t plen,
    const void *buf, size_t len)
{
	(void)sendto(fd, buf, len, 0, (const struct sockaddr *)peer, plen);
}

static void
udp_query(const struct fake *f, int fd, int log)
{
	unsigned char q[4096], out[70000];
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	ssize_t n;
	size_t qend, len;
	bool opt;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&peer, &plen);
	if (n < 12 || (qend = question_end(q, (size_t)n)) == 0)
		return;
	note(log, "udp", q, (size_t)n, qend);
	opt = q[11] == 1;
	len = build_reply(f, q, qend, false, true, 0, out);
	switch (f->mode) {
	case FAKE_BAD_ID_FIRST:
	case FAKE_ONLY_BAD_ID:
		out[1] ^= 0x5a;
		send_to(fd, &peer, plen, out, len);
		out[1] ^= 0x5a;
		if (f->mode == FAKE_ONLY_BAD_ID)
			return;
		break;
	case FAKE_NO_QR_FIRST:
		out[2] &= 0x7f;
		send_to(fd, &peer, plen, out, len);
		out[2] |= 0x80;
		break;
	case FAKE_OTHER_QUESTION_FIRST:
		out[13] ^= 0x01;
		send_to(fd, &peer, plen, out, len);
		out[13] ^= 0x01;
		break;
	case FAKE_GARBAGE_FIRST:
		send_to(fd, &peer, plen, "\x00\x01\x02\x03\x04", 5);
		break;
	case FAKE_MIXED_CASE:
		out[13] ^= 0x20;
		break;
	case FAKE_TRUNCATED:
	case FAKE_TCP_CLOSE:
		len = build_reply(f, q, qend, true, false, 0, out);
		break;
	case FAKE_FORMERR_EDNS:
		if (opt)
			len = build_reply(f, q, qend, false, false, 1, out);
		break;
	case FAKE_RCODE:
		len = build_reply(f, q, qend, false, false, f->rcode, out);
		break;
	case FAKE_TXT:
	case FAKE_BAD_TXT:
	default:
		break;
	}
	send_to(fd, &peer, plen, out, len);
}

static void
tcp_query(const struct fake *f, int lfd, int log)
{
	unsigned char q[4096], out[70000];
	size_t got = 0, want = 2, qend, len;
	ssize_t n;
	int fd = accept(lfd, NULL, NULL);

	if (fd == -1)
		return;
	while (f->mode != FAKE_TCP_CLOSE && got < want &&
	    (n = read(fd, q + got, want - got)) > 0) {
		got += (size_t)n;
		if (got == 2)
			want = 2 + ((size_t)q[0] << 8 | q[1]);
		if (want > sizeof(q))
			break;
	}
	if (f->mode != FAKE_TCP_CLOSE && got == want && want > 14 &&
	    (qend = question_end(q + 2, want - 2)) != 0) {
		note(log, "tcp", q + 2, want - 2, qend);
		len = build_reply(f, q + 2, qend, false, true, 0, out + 2);
		put16(out, (unsigned)len);
		if (write(fd, out, len + 2) < 0)
			_exit(3);
	}
	close(fd);
}

static void
fake_serve(const struct fake *f, int udp, int tcp, int log)
{
	struct pollfd p[2] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}};

	signal(SIGTERM, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	alarm(20); /* never outlive a test */
	for (;;) {
		if (poll(p, 2, -1) == -1)
			_exit(2);
		if (p[0].revents & POLLIN)
			udp_query(f, udp, log);
		if (p[1].revents & POLLIN)
			tcp_query(f, tcp, log);
	}
}

/* Binds UDP and TCP on the same free port of 127.0.0.1. */
static void
bind_pair(int *udp, int *tcp, unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int i, one = 1;

	for (i = 0; i < 50; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*udp = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_eq(
		    bind(*udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
		ck_assert_int_eq(
		    getsockname(*udp, (struct sockaddr *)&sin, &len), 0);
		*tcp = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(*tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(*tcp, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    listen(*tcp, 8) == 0) {
			*port = ntohs(sin.sin_port);
			return;
		}
		close(*udp);
		close(*tcp);
	}
	ck_abort_msg("no free port pair");
}

static void
fake_start(struct fake *f)
{
	int udp, tcp, pfd[2];

	bind_pair(&udp, &tcp, &f->port);
	ck_assert_int_eq(pipe(pfd), 0);
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		close(pfd[0]);
		fake_serve(f, udp, tcp, pfd[1]);
	}
	close(pfd[1]);
	close(udp);
	close(tcp);
	f->log = pfd[0];
}

/* Stops the server; returns what it logged (malloc'd). */
static char *
fake_stop(struct fake *f)
{
	char *buf = calloc(1, 65536);
	size_t len = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	kill(f->pid, SIGKILL); /* not TERM: Check's handler would run */
	waitpid(f->pid, NULL, 0);
	while (len < 65535 && (n = read(f->log, buf + len, 65535 - len)) > 0)
		len += (size_t)n;
	close(f->log);
	return buf;
}

static size_t
count(const char *log, const char *what)
{
	size_t n = 0;

	for (; (log = strstr(log, what)) != NULL; log++)
		n++;
	return n;
}

/* Looks NAME up at the fake server (timeout 1 s); one answer. */
static void
lookup(struct fake *f, struct dnsq_answer **a, size_t *n)
{
	struct dnsq *q;
	char srv[32];

	fake_start(f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f->port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(dnsq_txt(q, NAME, a, n), 0);
	ck_assert_uint_eq(*n, 1);
	ck_assert_str_eq((*a)[0].server, srv);
	dnsq_free(q);
}

/* A reply to be ignored comes first; the real one is taken. */
static const enum fake_mode spoofs[] = {
    FAKE_BAD_ID_FIRST,
    FAKE_NO_QR_FIRST,
    FAKE_OTHER_QUESTION_FIRST,
    FAKE_GARBAGE_FIRST,
    FAKE_MIXED_CASE,
};

START_TEST(test_replies_that_do_not_match_the_query_are_ignored)
{
	struct fake f = {.mode = spoofs[_i], .txt = "hello"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_str_eq(a[0].rrs[0].text, "hello");
	ck_assert_uint_eq(count(log, "udp"), 1);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_a_server_sending_only_spoofed_replies_times_out)
{
	struct fake f = {.mode = FAKE_ONLY_BAD_ID, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_UNREACHABLE);
	ck_assert_str_eq(a[0].error, "timeout after 1s");
	ck_assert_uint_eq(count(log, "udp"), 2); /* sent again at half time */
	ck_assert(dnsq_all_unreachable(a, n));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_queries_carry_edns0_and_rd_0)
{
	struct fake f = {.mode = FAKE_TXT, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_ptr_nonnull(strstr(log, "udp opt=1 payload=1232 rd=0"));
	ck_assert(!a[0].tcp);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_truncation_moves_the_query_to_tcp)
{
	struct fake f = {.mode = FAKE_TRUNCATED, .txt = "over tcp"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_str_eq(a[0].rrs[0].text, "over tcp");
	ck_assert(a[0].tcp);
	ck_assert_uint_eq(count(log, "tcp opt=1"), 1);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_a_tcp_connection_closed_early_is_unreachable)
{
	struct fake f = {.mode = FAKE_TCP_CLOSE, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_UNREACHABLE);
	ck_assert_ptr_nonnull(strstr(a[0].error, "TCP:"));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_formerr_to_edns_is_asked_again_without_it)
{
	struct fake f = {.mode = FAKE_FORMERR_EDNS, .txt = "plain"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_ptr_nonnull(strstr(log, "udp opt=1"));
	ck_assert_ptr_nonnull(strstr(log, "udp opt=0"));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

struct rcode_case {
	unsigned rcode;
	enum dnsq_status status;
	const char *error;
};

static const struct rcode_case rcodes[] = {
    {0, DNSQ_NODATA, NULL},
    {2, DNSQ_SERVFAIL_OR_REFUSED, "SERVFAIL"},
    {3, DNSQ_NXDOMAIN, NULL},
    {4, DNSQ_SERVFAIL_OR_REFUSED, "NOTIMP"},
    {5, DNSQ_SERVFAIL_OR_REFUSED, "REFUSED"},
};

START_TEST(test_rcodes_map_to_statuses)
{
	const struct rcode_case *c = &rcodes[_i];
	struct fake f = {.mode = FAKE_RCODE, .txt = "", .rcode = c->rcode};
	struct dnsq_answer *a;
	size_t n;

	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_int_eq(a[0].status, c->status);
	if (c->error == NULL)
		ck_assert_ptr_null(a[0].error);
	else
		ck_assert_str_eq(a[0].error, c->error);
	ck_assert_uint_eq(a[0].nrrs, 0);
	dnsq_answers_free(a, n);
}
END_TEST

START_TEST(test_broken_txt_data_is_a_failure_not_a_record)
{
	struct fake f = {.mode = FAKE_BAD_TXT, .txt = "abc"};
	struct dnsq_answer *a;
	size_t n;

	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_int_eq(a[0].status, DNSQ_SERVFAIL_OR_REFUSED);
	ck_assert_ptr_nonnull(strstr(a[0].error, "malformed TXT"));
	dnsq_answers_free(a, n);
}
END_TEST

START_TEST(test_long_records_keep_their_string_count)
{
	char txt[600];
	struct fake f = {.mode = FAKE_TXT, .txt = txt};
	struct dnsq_answer *a;
	size_t n;

	memset(txt, 'a', sizeof(txt) - 1);
	txt[sizeof(txt) - 1] = '\0';
	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_uint_eq(a[0].rrs[0].nstrings, 3);
	ck_assert_uint_eq(a[0].rrs[0].len, 599);
	ck_assert_uint_eq(a[0].max_ttl, 300);
	dnsq_answers_free(a, n);
}
END_TEST

/* More servers than may be in flight at once: all are asked. */
START_TEST(test_forty_servers_are_all_asked)
{
	struct fake f = {.mode = FAKE_TXT, .txt = "x"};
	struct buf list = {0};
	struct dnsq_answer *a;
	struct dnsq *q;
	char *log;
	size_t n, i;

	fake_start(&f);
	for (i = 0; i < 40; i++)
		buf_printf(&list, "127.0.0.1:%u ", f.port);
	buf_add(&list, "", 1);
	ck_assert_int_eq(dnsq_new(list.data, NULL, 2, &q), 0);
	ck_assert_int_eq(dnsq_txt(q, NAME, &a, &n), 0);
	log = fake_stop(&f);
	ck_assert_uint_eq(n, 40);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(a[i].status, DNSQ_OK);
	ck_assert_uint_eq(count(log, "udp"), 40);
	dnsq_answers_free(a, n);
	dnsq_free(q);
	buf_free(&list);
	free(log);
}
END_TEST

/* Records judged against a key. %s in the record is the key's p= base64
 * (or the one named in pkey). */
enum which {
	GOOD = 0, /* rsa2048-spki.der */
	PKCS1, /* the same key as a bare RSAPublicKey */
	OTHER, /* tests/data/dnsrec/rsa2048.pub.der */
	ED,
	ED_SPKI,
};

struct judge_case {
	const char *record;
	enum which pkey; /* what %s becomes */
	enum which key; /* the key judged against */
	enum dnscheck_verdict verdict;
};

static const struct judge_case judged[] = {
    {"v=DKIM1; k=rsa; p=%s", GOOD, GOOD, DNSCHECK_SERVES},
    {"v=DKIM1; p=%s", GOOD, GOOD, DNSCHECK_SERVES},
    {"k=rsa; p=%s", GOOD, GOOD, DNSCHECK_SERVES},
    {"v=DKIM1; k=RSA; t=y; h=sha256; p=%s", GOOD, GOOD, DNSCHECK_SERVES},
    {"v=DKIM1;k=rsa;p=%s;n=note", GOOD, GOOD, DNSCHECK_SERVES},
    {"v=DKIM1; k=rsa; p=%s", PKCS1, GOOD, DNSCHECK_SERVES},
    {"v=DKIM1; k=rsa; p=%s", OTHER, GOOD, DNSCHECK_OTHER},
    {"v=DKIM1; k=rsa; p=", GOOD, GOOD, DNSCHECK_REVOKED},
    {"v=DKIM1; k=ed25519; p=", GOOD, GOOD, DNSCHECK_OTHER},
    {"v=DKIM2; k=rsa; p=%s", GOOD, GOOD, DNSCHECK_OTHER},
    {"k=rsa; v=DKIM1; p=%s", GOOD, GOOD, DNSCHECK_OTHER},
    {"v=DKIM1; k=rsa; p=!!%s", GOOD, GOOD, DNSCHECK_OTHER},
    {"v=spf1 -all", GOOD, GOOD, DNSCHECK_OTHER},
    {"v=DKIM1; k=ed25519; p=%s", ED, ED, DNSCHECK_SERVES},
    {"v=DKIM1; k=ed25519; p=%s", ED_SPKI, ED, DNSCHECK_OTHER},
    {"v=DKIM1; k=rsa; p=%s", ED, ED, DNSCHECK_OTHER},
};

static enum dk_alg
alg_of(enum which w)
{
	return w == ED || w == ED_SPKI ? DK_ALG_ED25519 : DK_ALG_RSA;
}

/* The p= bytes of w into der; returns the length. */
static size_t
key_bytes(enum which w, unsigned char *der, size_t cap)
{
	static const char *const files[] = {
	    KEYS "rsa2048-spki.der",
	    KEYS "rsa2048-pkcs1-pub.der",
	    TEST_SRCDIR "/data/dnsrec/rsa2048.pub.der",
	};
	const char *b64 = w == ED ? ED_B64 : ED_SPKI_B64;
	size_t len;
	char *buf;
	long n;

	if (w <= OTHER) {
		buf = tu_slurp(files[w], &len);
		ck_assert_uint_le(len, cap);
		memcpy(der, buf, len);
		free(buf);
		return len;
	}
	n = util_b64_decode(b64, strlen(b64), der, cap, false);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* The record with its "%s" (if any) replaced by b64. */
static char *
subst(const char *record, const char *b64)
{
	const char *at = strstr(record, "%s");
	struct buf b = {0};

	if (at == NULL)
		return strdup(record);
	buf_add(&b, record, (size_t)(at - record));
	buf_puts(&b, b64);
	buf_puts(&b, at + 2);
	buf_add(&b, "", 1);
	return b.data;
}

START_TEST(test_records_are_judged_by_their_tags)
{
	const struct judge_case *c = &judged[_i];
	unsigned char der[1024], pub[1024];
	struct fake f = {.mode = FAKE_TXT};
	struct dnscheck chk;
	struct dnsq *q;
	char srv[32], *b64, *rec;
	size_t publen;

	b64 = util_b64_encode(der, key_bytes(c->pkey, der, sizeof(der)));
	rec = subst(c->record, b64);
	publen = key_bytes(c->key, pub, sizeof(pub));
	f.txt = rec;
	fake_start(&f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f.port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(
	    dnscheck_key(q, NAME, alg_of(c->key), pub, publen, &chk), 0);
	free(fake_stop(&f));
	ck_assert_msg(chk.servers[0].verdict == c->verdict,
	    "'%s': verdict %d (%s), want %d", c->record, chk.servers[0].verdict,
	    chk.servers[0].detail, c->verdict);
	ck_assert(chk.served == (c->verdict == DNSCHECK_SERVES));
	ck_assert(chk.other == (c->verdict == DNSCHECK_OTHER));
	ck_assert(chk.revoked_served == (c->verdict == DNSCHECK_REVOKED));
	ck_assert((chk.why == NULL) == chk.served);
	dnscheck_clear(&chk);
	dnsq_free(q);
	free(rec);
	free(b64);
}
END_TEST

START_TEST(test_a_record_holding_a_nul_octet_is_other)
{
	static const char rec[] = "v=DKIM1; k=rsa; p=\0AAAA";
	struct fake f = {.mode = FAKE_TXT, .txt = rec, .txtlen = sizeof(rec)};
	struct dnscheck chk;
	struct dnsq *q;
	char srv[32];

	fake_start(&f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f.port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(dnscheck_key(q, NAME, DK_ALG_RSA, NULL, 0, &chk), 0);
	free(fake_stop(&f));
	ck_assert_int_eq(chk.servers[0].verdict, DNSCHECK_OTHER);
	ck_assert_uint_eq(chk.answers[0].rrs[0].len, sizeof(rec));
	ck_assert_ptr_nonnull(strstr(chk.why, "NUL"));
	dnscheck_clear(&chk);
	dnsq_free(q);
}
END_TEST

struct resolver_case {
	const char *spec;
	bool ok;
};

static const struct resolver_case resolvers[] = {
    {"authoritative", true},
    {"system", true},
    {"https://dns.example/dns-query", true},
    {"https://127.0.0.1:8443/dns-query", true},
    {"127.0.0.1", true},
    {"127.0.0.1:5300", true},
    {"::1", true},
    {"[::1]:5300", true},
    {"192.0.2.1  [2001:db8::1]:53\t198.51.100.7", true},
    {"", false},
    {"   ", false},
    {"127.0.0.1:0", false},
    {"127.0.0.1:65536", false},
    {"127.0.0.1:53x", false},
    {"127.0.0.1:", false},
    {"127.0.0.256", false},
    {"[::1", false},
    {"[::1]53", false},
    {"[127.0.0.1]:53", false},
    {"localhost", false},
    {"https://", false},
    {"https:///dns-query", false},
    {"http://dns.example/dns-query", false},
    {"127.0.0.1 authoritative", false},
};

START_TEST(test_resolver_settings_parse_or_are_config_errors)
{
	const struct resolver_case *c = &resolvers[_i];
	struct dnsq *q = NULL;

	log_status_reset();
	ck_assert_msg(
	    (dnsq_new(c->spec, NULL, 5, &q) == 0) == c->ok, "'%s'", c->spec);
	ck_assert((q != NULL) == c->ok);
	ck_assert_int_eq(log_status(), c->ok ? 0 : EX_CONFIG);
	dnsq_free(q);
}
END_TEST

START_TEST(test_a_timeout_of_zero_is_a_config_error)
{
	struct dnsq *q = NULL;

	log_status_reset();
	ck_assert_int_eq(dnsq_new("127.0.0.1", NULL, 0, &q), -1);
	ck_assert_int_eq(log_status(), EX_CONFIG);
}
END_TEST

START_TEST(test_an_invalid_name_is_refused_before_any_query)
{
	struct dnsq_answer *a = NULL;
	struct dnsq *q;
	size_t n = 7;

	ck_assert_int_eq(dnsq_new("127.0.0.1:9", NULL, 1, &q), 0);
	log_status_reset();
	ck_assert_int_eq(dnsq_txt(q, "a..example.com", &a, &n), -1);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	dnsq_free(q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dnscheck");
	TCase *tc = tcase_create("transport");

	log_set_level(LOG_LVL_ERR);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc,
	    test_replies_that_do_not_match_the_query_are_ignored, 0,
	    (int)ARRAY_LEN(spoofs));
	tcase_add_test(
	    tc, test_a_server_sending_only_spoofed_replies_times_out);
	tcase_add_test(tc, test_queries_carry_edns0_and_rd_0);
	tcase_add_test(tc, test_truncation_moves_the_query_to_tcp);
	tcase_add_test(tc, test_a_tcp_connection_closed_early_is_unreachable);
	tcase_add_test(tc, test_formerr_to_edns_is_asked_again_without_it);
	tcase_add_loop_test(
	    tc, test_rcodes_map_to_statuses, 0, (int)ARRAY_LEN(rcodes));
	tcase_add_test(tc, test_broken_txt_data_is_a_failure_not_a_record);
	tcase_add_test(tc, test_long_records_keep_their_string_count);
	tcase_add_test(tc, test_forty_servers_are_all_asked);
	suite_add_tcase(s, tc);
	tc = tcase_create("judging");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_records_are_judged_by_their_tags, 0,
	    (int)ARRAY_LEN(judged));
	tcase_add_test(tc, test_a_record_holding_a_nul_octet_is_other);
	suite_add_tcase(s, tc);
	tc = tcase_create("settings");
	tcase_add_loop_test(tc,
	    test_resolver_settings_parse_or_are_config_errors, 0,
	    (int)ARRAY_LEN(resolvers));
	tcase_add_test(tc, test_a_timeout_of_zero_is_a_config_error);
	tcase_add_test(tc, test_an_invalid_name_is_refused_before_any_query);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
