/*
 * ksaudit_verify.c - log --verify: the audit chain checked across every
 * segment kept (from the first kept one's anchor when older ones were
 * archived) and audit.log, and its end against audit.head.
 */
#include <sys/file.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksaudit.h"
#include "ksaudit_int.h"
#include "ksaudit_seg.h"
#include "ksfile.h"
#include "support/log.h"
#include "support/util.h"

/* Checks line n (1-based) against the previous line's hash. */
static int
verify_line(const char *shown, unsigned long n, const char *line, size_t len,
    const char *prevhash)
{
	char prev[KSAUDIT_HASH_HEX];
	unsigned long seq;

	if (ksaudit_line_fields(line, len, &seq, prev) == -1) {
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

/* Walks the chain of one segment on from line *n (whose hash is hash):
 * *n and hash end at its last line; at_head the hash of line head->seq. */
static int
verify_chain(const char *shown, const char *text, size_t len,
    const struct ksaudit_head *head, unsigned long *n,
    char hash[KSAUDIT_HASH_HEX], char at_head[KSAUDIT_HASH_HEX])
{
	const char *s = text, *nl;

	if (*n == head->seq)
		memcpy(at_head, hash, KSAUDIT_HASH_HEX);
	while (s < text + len) {
		if ((nl = memchr(s, '\n', (size_t)(text + len - s))) == NULL) {
			log_fail(EX_DATAERR, "keystore: %s: line %lu: "
			    "incomplete (truncated)", shown, *n + 1);
			return -1;
		}
		if (verify_line(shown, *n + 1, s, (size_t)(nl - s), hash) == -1)
			return -1;
		ksaudit_line_hash(s, (size_t)(nl - s), hash);
		if (++*n == head->seq)
			memcpy(at_head, hash, KSAUDIT_HASH_HEX);
		s = nl + 1;
	}
	return 0;
}

/*
 * The first segment kept: when it does not start at seq 1 the segments
 * before were archived, and its first line's seq and prev are the anchor
 * (*n and hash become them). -1 when that line is malformed.
 */
static int
anchor(const char *shown, const char *text, size_t len, unsigned long *n,
    char hash[KSAUDIT_HASH_HEX])
{
	const char *nl = memchr(text, '\n', len);
	char prev[KSAUDIT_HASH_HEX];
	unsigned long seq;

	if (nl == NULL)
		return 0; /* an empty log, or a truncated line: said later */
	if (ksaudit_line_fields(text, (size_t)(nl - text), &seq, prev) == -1) {
		log_fail(EX_DATAERR, "keystore: %s: line 1: malformed", shown);
		return -1;
	}
	if (seq > 1) {
		*n = seq - 1;
		memcpy(hash, prev, KSAUDIT_HASH_HEX);
		log_warn("keystore: %s: the log is checked from seq %lu on: "
		    "the segments before were archived (its first prev is "
		    "the anchor)", shown, seq);
	}
	return 0;
}

/* One sealed segment, from *n on: it must end at the seq it is named
 * after. */
static int
verify_segment(int dfd, const char *dir, const char *name, bool first,
    const struct ksaudit_head *head, unsigned long *n, unsigned long *from,
    char hash[KSAUDIT_HASH_HEX], char at_head[KSAUDIT_HASH_HEX])
{
	char *shown = xasprintf("%s/%s", dir, name);
	unsigned char *text = NULL;
	unsigned long last = 0;
	size_t len;
	int rc = -1;

	if (ksfile_read(dfd, name, shown, LOG_MAX, &text, &len) == -1 ||
	    (first && anchor(shown, (char *)text, len, n, hash) == -1))
		goto out;
	if (first)
		*from = *n;
	if (verify_chain(shown, (char *)text, len, head, n, hash,
	    at_head) == -1)
		goto out;
	(void)ksaudit_seg_parse(name, &last);
	if (*n != last) {
		log_fail(EX_DATAERR, "keystore: %s: ends at seq %lu, not at "
		    "the %lu of its name (a line was removed or added)", shown,
		    *n, last);
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(shown);
	return rc;
}

/* The chain must reach the head (it may go on past it after a crash). */
static int
verify_end(const char *shown, unsigned long n, const char *at_head,
    const struct ksaudit_head *head)
{
	if (head->seq > n) {
		log_fail(EX_DATAERR, "keystore: %s: %lu entries but audit.head "
		    "records %lu (the log was truncated)", shown, n,
		    head->seq);
		return -1;
	}
	if (strcmp(head->hash, at_head) != 0) {
		log_fail(EX_DATAERR, "keystore: %s: line %lu: does not match "
		    "audit.head (edited, or the head was replaced)", shown,
		    head->seq);
		return -1;
	}
	if (head->seq < n)
		log_warn("keystore: %s: audit.head is %lu entries behind (a "
		    "crash during an append); the next entry repairs it",
		    shown, n - head->seq);
	return 0;
}

int
ksaudit_verify(int dfd, const char *dir, unsigned long *entries)
{
	char at_head[KSAUDIT_HASH_HEX] = ZERO_HASH, hash[KSAUDIT_HASH_HEX] =
	    ZERO_HASH, left[KSAUDIT_SEG_NAME_LEN];
	char *shown = xasprintf("%s/" LOG_NAME, dir), **segs = NULL, **p;
	struct ksaudit_head head;
	unsigned char *text = NULL;
	unsigned long n = 0, from = 0;
	size_t len;
	int fd, rc = -1;

	if ((fd = ksaudit_open_locked(dfd, shown, O_RDONLY, LOCK_SH)) == -1)
		goto out_free;
	if (ksaudit_read_head(dfd, dir, &head) == -1 ||
	    (segs = ksaudit_segments(dfd, dir, left)) == NULL)
		goto out;
	if (left[0] != '\0')
		log_warn("keystore: %s/%s: a link to audit.log left by an "
		    "interrupted roll; the next roll removes it", dir, left);
	for (p = segs; *p != NULL; p++)
		if (verify_segment(dfd, dir, *p, p == segs, &head, &n, &from,
		    hash, at_head) == -1)
			goto out;
	if (ksfile_read(dfd, LOG_NAME, shown, LOG_MAX, &text, &len) == -1 ||
	    (p == segs && anchor(shown, (char *)text, len, &n, hash) == -1))
		goto out;
	if (p == segs)
		from = n;
	if (verify_chain(shown, (char *)text, len, &head, &n, hash,
	    at_head) == -1 || verify_end(shown, n, at_head, &head) == -1)
		goto out;
	if (entries != NULL)
		*entries = n - from;
	rc = 0;
out:
	close(fd);
out_free:
	ksaudit_segments_free(segs);
	free(text);
	free(shown);
	return rc;
}
