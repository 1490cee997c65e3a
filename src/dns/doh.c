/*
 * doh.c - DNS over HTTPS (RFC 8484) with libcurl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "doh.h"
#include "support/log.h"
#include "support/util.h"

#define DOH_REPLY_MAX 65535
#define CA_FILE_MAX (4 * 1024 * 1024)
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct doh {
	CURL *curl;
	struct curl_slist *hdrs;
	struct buf ca; /* system bundle and resolver_ca, when one is given */
	char errbuf[CURL_ERROR_SIZE];
	bool global;
};

/* The body being received, capped at DOH_REPLY_MAX. */
struct body {
	unsigned char *data;
	size_t len;
};

/* Appends a whole file (at most CA_FILE_MAX) to b; -1 with errno. */
static int
append_file(struct buf *b, const char *path)
{
	char chunk[8192];
	FILE *f;
	size_t n, total = 0;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((total += n) > CA_FILE_MAX) {
			errno = EFBIG;
			goto done;
		}
		buf_add(b, chunk, n);
	}
	if (ferror(f)) {
		errno = EIO;
		goto done;
	}
	buf_add(b, "\n", 1);
	rc = 0;
done:
	fclose(f);
	return rc;
}

/* libcurl's own default bundle, else Debian's. */
static const char *
system_bundle(CURL *curl)
{
	char *path = NULL;

#if LIBCURL_VERSION_NUM >= 0x075400
	if (curl_easy_getinfo(curl, CURLINFO_CAINFO, &path) != CURLE_OK)
		path = NULL;
#else
	(void)curl;
#endif
	return path != NULL ? path : SYSTEM_CA_BUNDLE;
}

/*
 * The trust anchors: the system bundle (when readable) followed by
 * ca_file, as one PEM bundle for CURLOPT_CAINFO_BLOB. libcurl takes
 * CAINFO_BLOB instead of its default CA file, so the system bundle must be
 * in it for ca_file to add rather than replace.
 */
static int
load_ca(struct doh *d, const char *ca_file)
{
	struct buf extra = {0};
	int rc = -1;

	if (append_file(&extra, ca_file) == -1) {
		log_fail(EX_CONFIG, "doh: resolver_ca %s: %s", ca_file,
		    strerror(errno));
		goto done;
	}
	buf_add(&extra, "", 1);
	if (strstr(extra.data, "-----BEGIN CERTIFICATE-----") == NULL) {
		log_fail(EX_CONFIG, "doh: resolver_ca %s: no PEM certificate",
		    ca_file);
		goto done;
	}
	(void)append_file(&d->ca, system_bundle(d->curl));
	buf_add(&d->ca, extra.data, extra.len - 1);
	rc = 0;
done:
	buf_free(&extra);
	return rc;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > DOH_REPLY_MAX - b->len)
		return 0; /* too large: libcurl ends the transfer */
	b->data = xrealloc(b->data, b->len + n);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* The options that hold for every exchange. */
static int
set_options(struct doh *d, const char *url, int64_t timeout_ms)
{
	CURL *c = d->curl;
	CURLcode e = CURLE_OK;

	e |= curl_easy_setopt(c, CURLOPT_URL, url);
	e |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	e |= curl_easy_setopt(
	    c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	e |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	e |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	e |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	e |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	e |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	e |= curl_easy_setopt(c, CURLOPT_USERAGENT, "dkimkeys");
	e |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, d->hdrs);
	e |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->errbuf);
	e |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	if (d->ca.len > 0) {
		struct curl_blob blob = {
		    .data = d->ca.data,
		    .len = d->ca.len,
		    .flags = CURL_BLOB_NOCOPY,
		};

		e |= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	return e == CURLE_OK ? 0 : -1;
}

int
doh_new(
    const char *url, const char *ca_file, int64_t timeout_ms, struct doh **out)
{
	struct doh *d = xcalloc(1, sizeof(*d));
	struct curl_slist *h;
	int rc = -1;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_fail(EX_IOERR, "doh: cannot set up libcurl");
		goto done;
	}
	d->global = true;
	if ((d->curl = curl_easy_init()) == NULL) {
		log_fail(EX_IOERR, "doh: cannot set up libcurl");
		goto done;
	}
	if (ca_file != NULL && load_ca(d, ca_file) == -1)
		goto done;
	d->hdrs =
	    curl_slist_append(NULL, "Content-Type: application/dns-message");
	h = d->hdrs == NULL
	    ? NULL
	    : curl_slist_append(d->hdrs, "Accept: application/dns-message");
	if (h == NULL || set_options(d, url, timeout_ms) == -1) {
		log_fail(EX_IOERR, "doh: %s: cannot set up libcurl", url);
		goto done;
	}
	*out = d;
	d = NULL;
	rc = 0;
done:
	doh_free(d);
	return rc;
}

void
doh_free(struct doh *d)
{
	if (d == NULL)
		return;
	curl_easy_cleanup(d->curl);
	curl_slist_free_all(d->hdrs);
	buf_free(&d->ca);
	if (d->global)
		curl_global_cleanup();
	free(d);
}

/* A reason for a failed transfer, naming TLS problems as such. */
static void
transfer_error(const struct doh *d, CURLcode rc, char *err, size_t errlen)
{
	const char *what = curl_easy_strerror(rc);
	bool tls = rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_CERTPROBLEM;

	snprintf(err, errlen, "%s%s%s%s", tls ? "TLS: " : "",
	    d->errbuf[0] != '\0' ? d->errbuf : what,
	    d->errbuf[0] != '\0' ? " - " : "",
	    d->errbuf[0] != '\0' ? what : "");
}

/* Checks the status and media type of a completed transfer. */
static int
check_response(struct doh *d, char *err, size_t errlen)
{
	long status = 0;
	char *type = NULL;

	if (curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status) !=
		CURLE_OK ||
	    status != 200) {
		snprintf(err, errlen, "HTTP status %ld", status);
		return -1;
	}
	if (curl_easy_getinfo(d->curl, CURLINFO_CONTENT_TYPE, &type) !=
		CURLE_OK ||
	    type == NULL ||
	    strncasecmp(type, "application/dns-message", 23) != 0) {
		snprintf(err, errlen,
		    "HTTP reply is %s, not "
		    "application/dns-message",
		    type != NULL ? type : "untyped");
		return -1;
	}
	return 0;
}

int
doh_exchange(struct doh *d, const unsigned char *query, size_t qlen,
    unsigned char **reply, size_t *replylen, char *err, size_t errlen)
{
	struct body b = {0};
	CURLcode rc;
	int ret = -1;

	*reply = NULL;
	*replylen = 0;
	d->errbuf[0] = '\0';
	if (curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, query) != CURLE_OK ||
	    curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, (long)qlen) !=
		CURLE_OK ||
	    curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &b) != CURLE_OK) {
		snprintf(err, errlen, "cannot set up the request");
		goto done;
	}
	if ((rc = curl_easy_perform(d->curl)) != CURLE_OK) {
		transfer_error(d, rc, err, errlen);
		goto done;
	}
	if (check_response(d, err, errlen) == -1)
		goto done;
	*reply = b.data;
	*replylen = b.len;
	b.data = NULL;
	ret = 0;
done:
	free(b.data);
	return ret;
}
