/*
 * doh.h - DNS over HTTPS (RFC 8484): the wire-format message POSTed as
 * application/dns-message over libcurl, HTTP/2 preferred. TLS peer and
 * host verification are always on. An extra CA file adds trust anchors to
 * the system bundle (both are handed to libcurl as one in-memory bundle),
 * it does not replace them. Knows nothing of DKIM.
 */
#ifndef DKIMKEYS_DOH_H
#define DKIMKEYS_DOH_H

#include <stddef.h>
#include <stdint.h>

struct doh;

/*
 * A client for url ("https://host[:port]/path"). ca_file (may be NULL)
 * is read now: a file that cannot be read or holds no PEM certificate is
 * -1 with a message (exit 78). Returns -1 (exit 74) when libcurl cannot
 * be set up.
 */
int doh_new(
    const char *url, const char *ca_file, int64_t timeout_ms, struct doh **out);
void doh_free(struct doh *d);

/*
 * POSTs the query and returns the body of a 200 application/dns-message
 * response in *reply (malloc'd, at most 65535 octets). Returns -1 with a
 * reason in err (TLS, HTTP status, timeout) and logs nothing.
 */
int doh_exchange(struct doh *d, const unsigned char *query, size_t qlen,
    unsigned char **reply, size_t *replylen, char *err, size_t errlen);

#endif
