/*
 * fakedns.h - a scripted DNS server for the Check suites: a child process
 * on a free 127.0.0.1 port (UDP and TCP) that answers each query as the
 * test says (a record, a spoofed reply first, TC=1, FORMERR to EDNS, an
 * rcode, broken data, or the records of a zone file) and reports what it
 * was asked through a pipe. Nothing leaves the loopback interface. Used
 * by check_dnscheck.c (the transport) and check_rotate.c (the engine).
 */
#ifndef DKIMKEYS_FAKEDNS_H
#define DKIMKEYS_FAKEDNS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testutil.h"

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
	FAKE_ZONE, /* the record of the queried name in the zone file */
};

struct fake {
	enum fake_mode mode;
	const char *txt;
	size_t txtlen; /* 0: strlen(txt) */
	unsigned rcode;
	/* FAKE_ZONE: a line "NAME VALUE" per record, NAME without the final
	 * dot; read at each query, so it may change between queries; a name
	 * without a line is NXDOMAIN. Three values are not records: "!RCODE
	 * N" answers rcode N, "!CNAME TARGET" a CNAME to TARGET (no final
	 * dot), "!DROP" nothing at all (a timeout). */
	const char *zone;
	const char *cname; /* a CNAME to this name instead of the record */
	bool drop;         /* no reply */
	unsigned lifetime; /* seconds before the server exits; 0: 20 */
	pid_t pid;
	unsigned port;
	int log; /* read end: a line per query, "udp opt=1 payload=1232 rd=0" */
};

/* Where the question of query q (len octets) ends; 0 when malformed. */
static inline size_t
question_end(const unsigned char *q, size_t len)
{
	size_t off = 12;

	while (off < len && q[off] != 0)
		off += 1 + q[off];
	return off + 5 <= len ? off + 5 : 0;
}

static inline void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Appends one CNAME record from the question's name to target (dotted,
 * no final dot) at out + len; returns the new length. */
static inline size_t
build_cname(const char *target, unsigned char *out, size_t len)
{
	size_t start, lab;
	const char *p = target, *dot;

	memcpy(out + len, "\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c", 10);
	start = len + 10;
	len += 12;
	for (; *p != '\0'; p = *dot == '.' ? dot + 1 : dot) {
		dot = strchr(p, '.');
		if (dot == NULL)
			dot = p + strlen(p);
		lab = (size_t)(dot - p);
		out[len++] = (unsigned char)lab;
		memcpy(out + len, p, lab);
		len += lab;
	}
	out[len++] = 0;
	put16(out + start, (unsigned)(len - start - 2));
	return len;
}

/* The reply to q in out; with txt, one TXT record of it. */
static inline size_t
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
	if (f->cname != NULL)
		return build_cname(f->cname, out, len);
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

/*
 * FAKE_ZONE: z becomes the fake for this one query, FAKE_TXT with the
 * value the zone file holds for the question's name (copied into txt),
 * or FAKE_RCODE NXDOMAIN. Returns z.
 */
static inline const struct fake *
fake_zone(const struct fake *f, const unsigned char *q, size_t qend,
    struct fake *z, char *txt, size_t cap)
{
	char name[256], line[4096];
	size_t off = 12, n = 0;
	FILE *zf;

	*z = *f;
	z->mode = FAKE_RCODE;
	z->rcode = 3;
	z->txt = "";
	z->txtlen = 0;
	/* question_end() saw every label inside the query */
	while (off < qend && q[off] != 0 && n + 1 + q[off] < sizeof(name)) {
		if (n > 0)
			name[n++] = '.';
		memcpy(name + n, q + off + 1, q[off]);
		n += q[off];
		off += 1 + q[off];
	}
	name[n] = '\0';
	if ((zf = fopen(f->zone, "r")) == NULL)
		return z;
	while (fgets(line, sizeof(line), zf) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncasecmp(line, name, n) != 0 || line[n] != ' ' ||
		    strlen(line + n + 1) >= cap)
			continue;
		strcpy(txt, line + n + 1);
		z->rcode = 0;
		if (strncmp(txt, "!RCODE ", 7) == 0) {
			z->rcode = (unsigned)atoi(txt + 7);
			break;
		}
		z->mode = FAKE_TXT;
		z->txt = txt;
		if (strncmp(txt, "!CNAME ", 7) == 0)
			z->cname = txt + 7;
		else if (strcmp(txt, "!DROP") == 0)
			z->drop = true;
		break;
	}
	fclose(zf);
	return z;
}

/* Logs one query: transport, OPT and its payload, RD. */
static inline void
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

static inline void
send_to(int fd, const struct sockaddr_storage *peer, socklen_t plen,
    const void *buf, size_t len)
{
	(void)sendto(fd, buf, len, 0, (const struct sockaddr *)peer, plen);
}

static inline void
udp_query(const struct fake *f, int fd, int log)
{
	unsigned char q[4096], out[70000];
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct fake z;
	char txt[4096];
	ssize_t n;
	size_t qend, len;
	bool opt;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&peer, &plen);
	if (n < 12 || (qend = question_end(q, (size_t)n)) == 0)
		return;
	note(log, "udp", q, (size_t)n, qend);
	if (f->mode == FAKE_ZONE)
		f = fake_zone(f, q, qend, &z, txt, sizeof(txt));
	if (f->drop)
		return;
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

static inline void
tcp_query(const struct fake *f, int lfd, int log)
{
	unsigned char q[4096], out[70000];
	size_t got = 0, want = 2, qend, len;
	struct fake z;
	char txt[4096];
	ssize_t n;
	bool nx;
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
		if (f->mode == FAKE_ZONE)
			f = fake_zone(f, q + 2, qend, &z, txt, sizeof(txt));
		if (f->drop) {
			close(fd);
			return;
		}
		nx = f->mode == FAKE_RCODE;
		len = build_reply(f, q + 2, qend, false, !nx,
		    nx ? f->rcode : 0, out + 2);
		put16(out, (unsigned)len);
		if (write(fd, out, len + 2) < 0)
			_exit(3);
	}
	close(fd);
}

static inline void
fake_serve(const struct fake *f, int udp, int tcp, int log)
{
	struct pollfd p[2] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}};

	signal(SIGTERM, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	/* never outlive a test */
	alarm(f->lifetime != 0 ? f->lifetime : 20);
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
static inline void
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

static inline void
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
static inline char *
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

#endif
