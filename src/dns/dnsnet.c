/*
 * dnsnet.c - DNS exchanges over UDP, then TCP on truncation, multiplexed
 * by poll() with at most DNSNET_MAX_INFLIGHT open at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsnet.h"
#include "dnswire.h"
#include "support/util.h"

#define DGRAM_MAX 65536

enum job_state {
	J_WAIT = 0,
	J_UDP,
	J_TCP_CONN,
	J_TCP_SEND,
	J_TCP_RECV,
	J_DONE,
};

struct job {
	struct dnsnet_xfer *x;
	enum job_state st;
	int fd;
	uint16_t id;
	bool edns, resent, formerr_retried;
	/* the query, after room for the 2-octet TCP length */
	unsigned char q[2 + DNSWIRE_QUERY_MAX];
	size_t qlen;
	int64_t deadline, resend_at;
	size_t io; /* TCP: octets sent, or received of the length and body */
	unsigned char *rbuf;
	size_t rwant;
};

struct run {
	struct job *jobs;
	size_t n, next, inflight;
	int64_t timeout;
	unsigned char *dgram;
};

static void
close_fd(struct job *j)
{
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
}

static void finish(struct run *r, struct job *j, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends an exchange without a reply; fmt says why. */
static void
finish(struct run *r, struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->x->err, sizeof(j->x->err), fmt, ap);
	va_end(ap);
	close_fd(j);
	free(j->rbuf);
	j->rbuf = NULL;
	j->st = J_DONE;
	r->inflight--;
}

static void
succeed(struct run *r, struct job *j, const unsigned char *buf, size_t len)
{
	j->x->reply = xmalloc(len);
	memcpy(j->x->reply, buf, len);
	j->x->replylen = len;
	j->x->tcp = j->st != J_UDP;
	j->x->err[0] = '\0';
	close_fd(j);
	free(j->rbuf);
	j->rbuf = NULL;
	j->st = J_DONE;
	r->inflight--;
}

/* A fresh ID and the query bytes, with the TCP length in front. */
static int
build(struct job *j)
{
	int n;

	j->id = (uint16_t)arc4random();
	n = dnswire_build_query(j->x->qname, j->x->qtype, j->id, j->x->rd,
	    j->edns, j->q + 2, sizeof(j->q) - 2);
	if (n == -1)
		return -1;
	j->qlen = (size_t)n;
	j->q[0] = (unsigned char)(n >> 8);
	j->q[1] = (unsigned char)n;
	return 0;
}

static int
open_socket(struct job *j, int type)
{
	const struct dnsnet_server *s = j->x->server;

	j->fd =
	    socket(s->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (j->fd == -1)
		return -1;
	if (connect(j->fd, (const struct sockaddr *)&s->addr, s->addrlen) ==
		-1 &&
	    errno != EINPROGRESS)
		return -1;
	return 0;
}

static void
udp_send(struct run *r, struct job *j)
{
	if (send(j->fd, j->q + 2, j->qlen, 0) == -1 && errno != EAGAIN)
		finish(r, j, "%s", strerror(errno));
}

static void
udp_start(struct run *r, struct job *j)
{
	int64_t now = util_monotonic_ms();

	j->st = J_UDP;
	r->inflight++;
	j->edns = true;
	if (j->x->server->error != NULL) {
		finish(r, j, "%s", j->x->server->error);
		return;
	}
	if (build(j) == -1) {
		finish(r, j, "invalid name %s", j->x->qname);
		return;
	}
	if (open_socket(j, SOCK_DGRAM) == -1) {
		finish(r, j, "%s", strerror(errno));
		return;
	}
	j->deadline = now + r->timeout;
	j->resend_at = now + r->timeout / 2;
	udp_send(r, j);
}

static void
tcp_start(struct run *r, struct job *j)
{
	close_fd(j);
	j->st = J_TCP_CONN;
	j->io = 0;
	j->deadline = util_monotonic_ms() + r->timeout;
	if (open_socket(j, SOCK_STREAM) == -1)
		finish(r, j, "TCP: %s", strerror(errno));
}

/*
 * One datagram: ignored unless it is the reply to our question; then
 * TC=1 goes to TCP, FORMERR to EDNS is asked again without it, and
 * anything else is the answer.
 */
static void
udp_datagram(struct run *r, struct job *j, size_t len)
{
	struct dnswire_msg m;
	const char *why;

	if (dnswire_parse(r->dgram, len, &m, &why) == -1)
		return;
	if (!dnswire_is_reply(&m, j->id, j->x->qname, j->x->qtype, &why)) {
		dnswire_msg_clear(&m);
		return;
	}
	if (m.tc)
		tcp_start(r, j);
	else if (m.rcode == DNSWIRE_FORMERR && j->edns && !j->formerr_retried) {
		j->formerr_retried = true;
		j->edns = false;
		if (build(j) == 0)
			udp_send(r, j);
	} else
		succeed(r, j, r->dgram, len);
	dnswire_msg_clear(&m);
}

static void
udp_read(struct run *r, struct job *j)
{
	ssize_t n;

	while (j->st == J_UDP) {
		n = recv(j->fd, r->dgram, DGRAM_MAX, 0);
		if (n == -1) {
			if (errno == ECONNREFUSED)
				finish(r, j, "connection refused");
			else if (errno != EAGAIN && errno != EINTR)
				finish(r, j, "%s", strerror(errno));
			return;
		}
		udp_datagram(r, j, (size_t)n);
	}
}

static void
tcp_reply(struct run *r, struct job *j)
{
	struct dnswire_msg m;
	const char *why;

	if (dnswire_parse(j->rbuf, j->rwant, &m, &why) == -1) {
		finish(r, j, "malformed reply over TCP: %s", why);
		return;
	}
	if (!dnswire_is_reply(&m, j->id, j->x->qname, j->x->qtype, &why))
		finish(r, j, "bad reply over TCP: %s", why);
	else
		succeed(r, j, j->rbuf, j->rwant);
	dnswire_msg_clear(&m);
}

/* Reads the 2-octet length, then the message it announces. */
static void
tcp_recv(struct run *r, struct job *j)
{
	unsigned char *dst;
	size_t want;
	ssize_t n;

	if (j->rbuf == NULL) {
		dst = j->q + j->io; /* the length lands where ours was */
		want = 2 - j->io;
	} else {
		dst = j->rbuf + j->io;
		want = j->rwant - j->io;
	}
	if ((n = recv(j->fd, dst, want, 0)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			finish(r, j, "TCP: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		finish(r, j, "TCP: connection closed before the reply");
		return;
	}
	j->io += (size_t)n;
	if (j->rbuf == NULL && j->io == 2) {
		j->rwant = (size_t)j->q[0] << 8 | j->q[1];
		j->rbuf = xmalloc(j->rwant == 0 ? 1 : j->rwant);
		j->io = 0;
	}
	if (j->rbuf != NULL && j->io == j->rwant)
		tcp_reply(r, j);
}

static void
tcp_io(struct run *r, struct job *j)
{
	int err = 0;
	socklen_t elen = sizeof(err);
	ssize_t n;

	if (j->st == J_TCP_CONN) {
		if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
			err = errno;
		if (err != 0) {
			finish(r, j, "TCP: %s", strerror(err));
			return;
		}
		j->st = J_TCP_SEND;
	}
	if (j->st == J_TCP_SEND) {
		n = send(
		    j->fd, j->q + j->io, j->qlen + 2 - j->io, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				finish(r, j, "TCP: %s", strerror(errno));
			return;
		}
		j->io += (size_t)n;
		if (j->io == j->qlen + 2) {
			j->st = J_TCP_RECV;
			j->io = 0;
		}
		return;
	}
	tcp_recv(r, j);
}

/* Resends a UDP query once at half time; ends what ran out of time. */
static void
expire(struct run *r, struct job *j, int64_t now)
{
	if (j->st == J_UDP && !j->resent && now >= j->resend_at &&
	    now < j->deadline) {
		j->resent = true;
		udp_send(r, j);
	} else if (now >= j->deadline)
		finish(r, j, "%stimeout after %llds",
		    j->st == J_UDP ? "" : "TCP: ",
		    (long long)(r->timeout / 1000));
}

static int64_t
next_event(const struct job *j)
{
	if (j->st == J_UDP && !j->resent && j->resend_at < j->deadline)
		return j->resend_at;
	return j->deadline;
}

/* One poll() over the open exchanges, then their I/O and timers. */
static void
step(struct run *r, struct pollfd *pfd, struct job **open)
{
	int64_t now = util_monotonic_ms(), wake = INT64_MAX;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		struct job *j = &r->jobs[i];

		if (j->st == J_WAIT || j->st == J_DONE)
			continue;
		pfd[n].fd = j->fd;
		pfd[n].events =
		    j->st == J_UDP || j->st == J_TCP_RECV ? POLLIN : POLLOUT;
		pfd[n].revents = 0;
		open[n++] = j;
		if (next_event(j) < wake)
			wake = next_event(j);
	}
	if (n == 0)
		return;
	if (poll(pfd, n, wake <= now ? 0 : (int)(wake - now)) == -1) {
		int e = errno;

		if (e != EINTR)
			for (i = 0; i < n; i++)
				finish(r, open[i], "poll: %s", strerror(e));
		return;
	}
	for (i = 0; i < n; i++) {
		if (open[i]->st == J_UDP && pfd[i].revents != 0)
			udp_read(r, open[i]);
		else if (pfd[i].revents != 0)
			tcp_io(r, open[i]);
		if (open[i]->st != J_DONE)
			expire(r, open[i], util_monotonic_ms());
	}
}

void
dnsnet_run(struct dnsnet_xfer *x, size_t n, int64_t timeout_ms)
{
	struct pollfd pfd[DNSNET_MAX_INFLIGHT];
	struct job *open[DNSNET_MAX_INFLIGHT];
	struct run r = {0};
	size_t i, done;

	if (n == 0)
		return;
	r.jobs = xcalloc(n, sizeof(*r.jobs));
	r.n = n;
	r.timeout = timeout_ms;
	r.dgram = xmalloc(DGRAM_MAX);
	for (i = 0; i < n; i++) {
		r.jobs[i].x = &x[i];
		r.jobs[i].fd = -1;
		x[i].reply = NULL;
		x[i].tcp = false;
		x[i].err[0] = '\0';
	}
	for (;;) {
		while (r.next < n && r.inflight < DNSNET_MAX_INFLIGHT)
			udp_start(&r, &r.jobs[r.next++]);
		for (done = 0, i = 0; i < n; i++)
			done += r.jobs[i].st == J_DONE;
		if (done == n)
			break;
		step(&r, pfd, open);
	}
	free(r.dgram);
	free(r.jobs);
}

void
dnsnet_clear(struct dnsnet_xfer *x, size_t n)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(x[i].reply);
		x[i].reply = NULL;
	}
}

void
dnsnet_addr_text(
    const struct sockaddr_storage *ss, bool with_port, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	if (!with_port)
		snprintf(out, cap, "%s", host);
	else if (ss->ss_family == AF_INET6)
		snprintf(out, cap, "[%s]:%u", host, port);
	else
		snprintf(out, cap, "%s:%u", host, port);
}
