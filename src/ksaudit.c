/*
 * ksaudit.c - the keystore's hash-chained audit log.
 *
 * A line is {"seq":N,...,"prev":"HEX"} with the fixed field order of
 * keystore/FORMAT, so seq and prev are read from the line's two ends
 * without a JSON parser. An append reads only the log's last line.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ksaudit.h"
#include "ksfile.h"
#include "log.h"
#include "util.h"

#define LOG_NAME "audit.log"
#define HEAD_NAME "audit.head"
#define LINE_MAX_LEN 16384
#define LOG_MAX ((size_t)1 << 30)
#define SEQ_PRE "{\"seq\":"
#define PREV_PRE ",\"prev\":\""
#define PREV_LEN (sizeof(PREV_PRE) - 1 + 64 + 2) /* ,"prev":"HEX"} */
#define ZERO_HASH \
    "0000000000000000000000000000000000000000000000000000000000000000"

static void
line_hash(const char *line, size_t len, char out[KSAUDIT_HASH_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)line, len);
	util_hex(h, sizeof(h), out);
}

static bool
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* Reads seq and prev from a line (without its LF); -1 when malformed. */
static int
line_fields(const char *line, size_t len, unsigned long *seq,
    char prev[KSAUDIT_HASH_HEX])
{
	const char *p = line + sizeof(SEQ_PRE) - 1, *tail;
	unsigned long v = 0;

	if (len < sizeof(SEQ_PRE) + PREV_LEN ||
	    memcmp(line, SEQ_PRE, sizeof(SEQ_PRE) - 1) != 0)
		return -1;
	tail = line + len - PREV_LEN;
	if (memcmp(tail, PREV_PRE, sizeof(PREV_PRE) - 1) != 0 ||
	    !is_hex64(tail + sizeof(PREV_PRE) - 1) ||
	    memcmp(line + len - 2, "\"}", 2) != 0)
		return -1;
	if (*p < '1' || *p > '9')
		return -1;
	for (; p < tail && *p >= '0' && *p <= '9' && v < 1000000000000UL; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (*p != ',')
		return -1;
	*seq = v;
	memcpy(prev, tail + sizeof(PREV_PRE) - 1, 64);
	prev[64] = '\0';
	return 0;
}

static int
read_head(int dfd, const char *dir, struct ksaudit_head *h)
{
	unsigned char *buf = NULL;
	char *sp, shown[4200];
	uint64_t v;
	size_t len;
	int rc = -1;

	snprintf(shown, sizeof(shown), "%s/" HEAD_NAME, dir);
	if (ksfile_read(dfd, HEAD_NAME, shown, 128, &buf, &len) == -1)
		return -1;
	sp = strchr((char *)buf, ' ');
	if (sp == NULL || (size_t)(sp - (char *)buf) + 66 != len ||
	    buf[len - 1] != '\n' || !is_hex64(sp + 1)) {
		log_fail(EX_DATAERR, "keystore: %s: damaged", shown);
		goto out;
	}
	*sp = '\0';
	if (util_parse_uint((char *)buf, 0, 1000000000000ULL, &v) == -1) {
		log_fail(EX_DATAERR, "keystore: %s: damaged", shown);
		goto out;
	}
	h->seq = (unsigned long)v;
	memcpy(h->hash, sp + 1, 64);
	h->hash[64] = '\0';
	rc = 0;
out:
	free(buf);
	return rc;
}

static int
write_head(int dfd, const char *dir, const struct ksaudit_head *h)
{
	char *text = xasprintf("%lu %s\n", h->seq, h->hash);
	char *shown = xasprintf("%s/" HEAD_NAME, dir);
	int rc;

	rc = ksfile_replace(dfd, HEAD_NAME, shown, text, strlen(text));
	free(text);
	free(shown);
	return rc;
}

int
ksaudit_init(int dfd, const char *dir)
{
	struct ksaudit_head h = { 0, ZERO_HASH };
	char *shown = xasprintf("%s/" LOG_NAME, dir);
	int rc;

	rc = ksfile_put(dfd, LOG_NAME, shown, "", 0);
	free(shown);
	if (rc == 0)
		rc = write_head(dfd, dir, &h);
	return rc;
}

static int
read_at(int fd, char *buf, size_t len, off_t off)
{
	ssize_t r;

	while (len > 0) {
		if ((r = pread(fd, buf, len, off)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return -1;
		}
		buf += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

/*
 * The log's last complete line (malloc'd in *line, NULL when the log is
 * empty) and the log's size; an incomplete last line, left by a crash
 * during an append, is cut off first.
 */
static int
last_line(int fd, const char *shown, off_t *size, char **line, size_t *len)
{
	char *buf = NULL, *nl;
	size_t tlen, cut, start;
	struct stat sb;
	int rc = -1;

	*line = NULL;
	if (fstat(fd, &sb) == -1)
		goto ioerr;
	tlen = (size_t)sb.st_size < LINE_MAX_LEN + 2 ? (size_t)sb.st_size :
	    LINE_MAX_LEN + 2;
	buf = xmalloc(tlen + 1);
	if (read_at(fd, buf, tlen, sb.st_size - (off_t)tlen) == -1)
		goto ioerr;
	buf[tlen] = '\0';
	if (tlen > 0 && buf[tlen - 1] != '\n') {
		nl = memrchr(buf, '\n', tlen);
		if (nl == NULL && (off_t)tlen != sb.st_size)
			goto overlong;
		cut = nl == NULL ? 0 : (size_t)(nl - buf) + 1;
		sb.st_size -= (off_t)(tlen - cut);
		tlen = cut;
		if (ftruncate(fd, sb.st_size) == -1 || fsync(fd) == -1)
			goto ioerr;
		log_warn("keystore: %s: removed an incomplete last line "
		    "(left by a crash)", shown);
	}
	*size = sb.st_size;
	rc = 0;
	if (tlen == 0)
		goto out;
	nl = tlen > 1 ? memrchr(buf, '\n', tlen - 1) : NULL;
	if (nl == NULL && (off_t)tlen != sb.st_size)
		goto overlong;
	start = nl == NULL ? 0 : (size_t)(nl - buf) + 1;
	*len = tlen - 1 - start;
	*line = xmalloc(*len + 1);
	memcpy(*line, buf + start, *len);
	(*line)[*len] = '\0';
	goto out;
overlong:
	log_fail(EX_DATAERR, "keystore: %s: last line too long", shown);
	goto out;
ioerr:
	log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
out:
	free(buf);
	return rc;
}

/* Where the log really ends: head, or one line past it after a crash. */
static int
reconcile(const char *shown, const char *line, size_t len,
    struct ksaudit_head *head)
{
	char hash[KSAUDIT_HASH_HEX], prev[KSAUDIT_HASH_HEX];
	unsigned long seq;

	if (line == NULL) {
		if (head->seq == 0 && strcmp(head->hash, ZERO_HASH) == 0)
			return 0;
	} else if (line_fields(line, len, &seq, prev) == 0) {
		line_hash(line, len, hash);
		if (seq == head->seq && strcmp(hash, head->hash) == 0)
			return 0;
		if (seq == head->seq + 1 && strcmp(prev, head->hash) == 0) {
			log_warn("keystore: %s: audit.head was one entry "
			    "behind (a crash); moved it forward", shown);
			head->seq = seq;
			memcpy(head->hash, hash, sizeof(hash));
			return 0;
		}
	}
	log_fail(EX_DATAERR, "keystore: %s: does not end at the head recorded "
	    "in audit.head (edited or truncated; see dkimkeys log --verify)",
	    shown);
	return -1;
}

static void
key_json(struct buf *b, const struct ks_key *key)
{
	char name[600], fpr[2 * KS_FPR_LEN + 1];

	snprintf(name, sizeof(name), "%s._domainkey.%s", key->selector,
	    key->domain);
	util_hex(key->fpr, KS_FPR_LEN, fpr);
	buf_puts(b, ",\"key\":");
	buf_json_str(b, name);
	buf_puts(b, ",\"vendor\":");
	buf_json_str(b, key->vendor);
	buf_printf(b, ",\"fingerprint\":\"sha256:%s\"", fpr);
}

/* The entry after head, without its LF. */
static void
entry(struct buf *b, const struct ksaudit_head *head, int64_t now,
    bool simulated, const char *event, const struct ks_key *key,
    const char *extra_json)
{
	char t[UTIL_TIME_LEN];

	buf_printf(b, SEQ_PRE "%lu,\"time\":\"%s\",\"event\":", head->seq + 1,
	    util_fmt_time(now, t));
	buf_json_str(b, event);
	if (key != NULL)
		key_json(b, key);
	if (extra_json != NULL)
		buf_puts(b, extra_json);
	buf_printf(b, ",\"simulated\":%s" PREV_PRE "%s\"}",
	    simulated ? "true" : "false", head->hash);
}

/* Writes the entry at the end of the log (at size) and syncs it. */
static int
append_line(int fd, const char *shown, struct buf *b, off_t size,
    struct ksaudit_head *head)
{
	char hash[KSAUDIT_HASH_HEX];
	size_t off = 0;
	ssize_t w;

	line_hash(b->data, b->len, hash);
	buf_puts(b, "\n");
	while (off < b->len) {
		if ((w = write(fd, b->data + off, b->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < b->len || fsync(fd) == -1) {
		log_fail(EX_IOERR, "keystore: %s: cannot append: %s", shown,
		    strerror(errno));
		if (ftruncate(fd, size) == -1)
			log_warn("keystore: %s: cannot cut a failed append",
			    shown);
		return -1;
	}
	head->seq++;
	memcpy(head->hash, hash, sizeof(hash));
	return 0;
}

int
ksaudit_append(int dfd, const char *dir, int64_t now, bool simulated,
    const char *event, const struct ks_key *key, const char *extra_json,
    struct ksaudit_head *head)
{
	struct buf b = { NULL, 0, 0 };
	char *shown = xasprintf("%s/" LOG_NAME, dir), *last = NULL;
	size_t len = 0;
	off_t size;
	int fd, rc = -1;

	if (event == NULL || (extra_json != NULL && *extra_json != '\0' &&
	    (*extra_json != ',' || strchr(extra_json, '\n') != NULL))) {
		log_fail(EX_SOFTWARE, "keystore: audit entry: bad arguments");
		goto out_free;
	}
	if ((fd = ksfile_open(dfd, LOG_NAME, shown, O_RDWR | O_APPEND)) == -1)
		goto out_free;
	while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
		continue;
	if (read_head(dfd, dir, head) == -1 ||
	    last_line(fd, shown, &size, &last, &len) == -1 ||
	    reconcile(shown, last, len, head) == -1)
		goto out;
	entry(&b, head, now, simulated, event, key, extra_json);
	if (b.len > LINE_MAX_LEN) {
		log_fail(EX_SOFTWARE, "keystore: %s: entry too long", shown);
		goto out;
	}
	if (append_line(fd, shown, &b, size, head) == -1 ||
	    write_head(dfd, dir, head) == -1)
		goto out;
	rc = 0;
out:
	close(fd); /* releases the flock */
out_free:
	buf_free(&b);
	free(last);
	free(shown);
	return rc;
}

/* Checks line n (1-based) against the previous line's hash. */
static int
verify_line(const char *shown, unsigned long n, const char *line, size_t len,
    const char *prevhash)
{
	char prev[KSAUDIT_HASH_HEX];
	unsigned long seq;

	if (line_fields(line, len, &seq, prev) == -1) {
		log_fail(EX_DATAERR, "keystore: %s: line %lu: malformed", shown,
		    n);
		return -1;
	}
	if (seq != n) {
		log_fail(EX_DATAERR, "keystore: %s: line %lu: seq %lu where "
		    "%lu was expected (a line was removed or inserted)", shown,
		    n, seq, n);
		return -1;
	}
	if (strcmp(prev, prevhash) != 0) {
		log_fail(EX_DATAERR, "keystore: %s: line %lu: prev does not "
		    "match line %lu (it was edited, or a line removed)", shown,
		    n, n - 1);
		return -1;
	}
	return 0;
}

/* Walks the chain; *n entries, *hash and *before the last two hashes. */
static int
verify_chain(const char *shown, const char *text, size_t len,
    unsigned long *n, char hash[KSAUDIT_HASH_HEX],
    char before[KSAUDIT_HASH_HEX])
{
	const char *s = text, *nl;

	*n = 0;
	memcpy(hash, ZERO_HASH, KSAUDIT_HASH_HEX);
	memcpy(before, ZERO_HASH, KSAUDIT_HASH_HEX);
	while (s < text + len) {
		if ((nl = memchr(s, '\n', (size_t)(text + len - s))) == NULL) {
			log_fail(EX_DATAERR, "keystore: %s: line %lu: "
			    "incomplete (truncated)", shown, *n + 1);
			return -1;
		}
		if (verify_line(shown, *n + 1, s, (size_t)(nl - s), hash) == -1)
			return -1;
		memcpy(before, hash, KSAUDIT_HASH_HEX);
		line_hash(s, (size_t)(nl - s), hash);
		(*n)++;
		s = nl + 1;
	}
	return 0;
}

/* The chain's end must be the head (or one line past it, after a crash). */
static int
verify_end(const char *shown, unsigned long n, const char *hash,
    const char *before, const struct ksaudit_head *head)
{
	if (head->seq == n && strcmp(head->hash, hash) == 0)
		return 0;
	if (n > 0 && head->seq == n - 1 && strcmp(head->hash, before) == 0) {
		log_warn("keystore: %s: audit.head is one entry behind (a "
		    "crash during an append); the next entry repairs it",
		    shown);
		return 0;
	}
	if (head->seq > n)
		log_fail(EX_DATAERR, "keystore: %s: %lu entries but audit.head "
		    "records %lu (the log was truncated)", shown, n,
		    head->seq);
	else
		log_fail(EX_DATAERR, "keystore: %s: line %lu: does not match "
		    "audit.head (edited, or the head was replaced)", shown, n);
	return -1;
}

int
ksaudit_verify(int dfd, const char *dir, unsigned long *entries)
{
	char hash[KSAUDIT_HASH_HEX], before[KSAUDIT_HASH_HEX];
	char *shown = xasprintf("%s/" LOG_NAME, dir);
	struct ksaudit_head head;
	unsigned char *text = NULL;
	unsigned long n = 0;
	size_t len;
	int fd, rc = -1;

	if ((fd = ksfile_open(dfd, LOG_NAME, shown, O_RDONLY)) == -1)
		goto out_free;
	while (flock(fd, LOCK_SH) == -1 && errno == EINTR)
		continue;
	if (read_head(dfd, dir, &head) == -1 ||
	    ksfile_read(dfd, LOG_NAME, shown, LOG_MAX, &text, &len) == -1 ||
	    verify_chain(shown, (char *)text, len, &n, hash, before) == -1 ||
	    verify_end(shown, n, hash, before, &head) == -1)
		goto out;
	if (entries != NULL)
		*entries = n;
	rc = 0;
out:
	close(fd);
out_free:
	free(text);
	free(shown);
	return rc;
}
