/*
 * dnsnet.h - DNS exchanges over UDP and TCP, many at once.
 *
 * Each exchange asks one server one question. UDP comes first, from a
 * connected socket (so the kernel drops datagrams from other addresses)
 * with a random ID and EDNS0; a datagram that is not the reply to our
 * question (QR, ID, question echo) is ignored and the wait goes on. TC=1
 * moves the exchange to TCP; FORMERR to an EDNS query is retried once
 * without EDNS. Each transport gets the whole timeout. At most
 * DNSNET_MAX_INFLIGHT exchanges are open at once, multiplexed by poll().
 * Nothing is logged: each exchange ends with a reply or a reason.
 */
#ifndef DKIMKEYS_DNSNET_H
#define DKIMKEYS_DNSNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DNSNET_MAX_INFLIGHT 32
#define DNSNET_ERR_LEN 160

struct dnsnet_server {
	char *label; /* "127.0.0.1:5300", "ns1.example.com/192.0.2.1" */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *error; /* set: no address to ask; every exchange fails so */
};

struct dnsnet_xfer {
	/* in */
	const struct dnsnet_server *server;
	const char *qname; /* canonical text (dnswire.h) */
	uint16_t qtype;
	bool rd;
	/* out */
	unsigned char *reply; /* malloc'd, validated; NULL on failure */
	size_t replylen;
	bool tcp; /* the reply came over TCP */
	char err[DNSNET_ERR_LEN]; /* why there is no reply */
};

/* Runs every exchange to its end; timeout_ms applies to each transport. */
void dnsnet_run(struct dnsnet_xfer *x, size_t n, int64_t timeout_ms);
/* Frees the replies (not the array). */
void dnsnet_clear(struct dnsnet_xfer *x, size_t n);

/*
 * Formats an address as "192.0.2.1", "2001:db8::1" and with_port
 * "192.0.2.1:53", "[2001:db8::1]:53" into out (64 bytes).
 */
void dnsnet_addr_text(
    const struct sockaddr_storage *ss, bool with_port, char *out, size_t cap);

#endif
