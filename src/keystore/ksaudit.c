/*
 * ksaudit.c - the keystore's hash-chained audit log.
 *
 * A line is {"seq":N,"id":"HEX",...,"prev":"HEX"} with the fixed field
 * order of keystore/FORMAT, so seq, id and prev are read from the line's
 * two ends without a JSON parser. An append reads the log's tail back to
 * the line audit.head names (usually the last one), not the whole log.
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
#include "ksaudit_int.h"
#include "ksaudit_seg.h"
#include "ksfile.h"
#include "support/log.h"
#include "support/util.h"

#define HEAD_NAME "audit.head"
#define LINE_MAX_LEN 16384
#define TAIL_CHUNK ((size_t)65536)
#define SEQ_PRE "{\"seq\":"
#define ID_PRE ",\"id\":\""
#define PREV_PRE ",\"prev\":\""
#define PREV_LEN (sizeof(PREV_PRE) - 1 + 64 + 2) /* ,"prev":"HEX"} */

void
ksaudit_line_hash(const char *line, size_t len, char out[KSAUDIT_HASH_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)line, len);
	util_hex(h, sizeof(h), out);
}

static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr("0123456789abcdef", s[i]) == NULL)
			return false;
	return true;
}

/* Reads seq and prev from a line (without its LF); -1 when malformed. */
int
ksaudit_line_fields(const char *line, size_t len, unsigned long *seq,
    char prev[KSAUDIT_HASH_HEX])
{
	const char *p = line + sizeof(SEQ_PRE) - 1, *tail;
	unsigned long v = 0;

	if (len < sizeof(SEQ_PRE) + PREV_LEN ||
	    memcmp(line, SEQ_PRE, sizeof(SEQ_PRE) - 1) != 0)
		return -1;
	tail = line + len - PREV_LEN;
	if (memcmp(tail, PREV_PRE, sizeof(PREV_PRE) - 1) != 0 ||
	    !is_hex(tail + sizeof(PREV_PRE) - 1, 64) ||
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

/* The "id" a line carries right after its seq, if any, into id. */
static bool
line_id(const char *line, size_t len, char id[KSSTATE_ID_HEX + 1])
{
	const char *p = memchr(line, ',', len);
	size_t rest = p == NULL ? 0 : len - (size_t)(p - line);

	if (rest <= sizeof(ID_PRE) + KSSTATE_ID_HEX ||
	    memcmp(p, ID_PRE, sizeof(ID_PRE) - 1) != 0 ||
	    p[sizeof(ID_PRE) - 1 + KSSTATE_ID_HEX] != '"')
		return false;
	memcpy(id, p + sizeof(ID_PRE) - 1, KSSTATE_ID_HEX);
	id[KSSTATE_ID_HEX] = '\0';
	return true;
}

int
ksaudit_read_head(int dfd, const char *dir, struct ksaudit_head *h)
{
	unsigned char *buf = NULL;
	char *sp, *end, shown[4200];
	uint64_t v;
	size_t len;
	int rc = -1;

	snprintf(shown, sizeof(shown), "%s/" HEAD_NAME, dir);
	if (ksfile_read(dfd, HEAD_NAME, shown, 128, &buf, &len) == -1)
		return -1;
	sp = strchr((char *)buf, ' ');
	if (sp == NULL || len == 0 || buf[len - 1] != '\n' ||
	    (size_t)(sp - (char *)buf) + 66 > len || !is_hex(sp + 1, 64))
		goto damaged;
	end = sp + 65;
	h->start = 0;
	/* "SEQ HEX\n", or "SEQ HEX START\n" once the log rolled */
	if (*end == ' ') {
		buf[len - 1] = '\0';
		if (util_parse_uint(end + 1, 1, UINT64_MAX / 2, &v) == -1)
			goto damaged;
		h->start = v;
	} else if (end != (char *)buf + len - 1)
		goto damaged;
	*sp = '\0';
	if (util_parse_uint((char *)buf, 0, 1000000000000ULL, &v) == -1)
		goto damaged;
	h->seq = (unsigned long)v;
	memcpy(h->hash, sp + 1, 64);
	h->hash[64] = '\0';
	rc = 0;
	goto out;
damaged:
	log_fail(EX_DATAERR, "keystore: %s: damaged", shown);
out:
	free(buf);
	return rc;
}

static int
write_head(int dfd, const char *dir, const struct ksaudit_head *h)
{
	char *text = h->start == 0 ? xasprintf("%lu %s\n", h->seq, h->hash) :
	    xasprintf("%lu %s %llu\n", h->seq, h->hash,
	    (unsigned long long)h->start);
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
	struct ksaudit_head h = { 0, ZERO_HASH, 0 };
	char *shown = xasprintf("%s/" LOG_NAME, dir);
	int rc;

	rc = ksfile_put(dfd, LOG_NAME, shown, "", 0);
	free(shown);
	if (rc == 0)
		rc = write_head(dfd, dir, &h);
	return rc;
}

void
ksaudit_new_id(char out[KSSTATE_ID_HEX + 1])
{
	unsigned char id[KSSTATE_ID_HEX / 2];

	randombytes_buf(id, sizeof(id));
	util_hex(id, sizeof(id), out);
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

/* The log's octets from off to size, malloc'd (NUL-terminated). */
static char *
read_span(int fd, const char *shown, off_t off, off_t size)
{
	size_t len = (size_t)(size - off);
	char *buf;

	if (len > LOG_MAX) {
		log_fail(EX_DATAERR, "keystore: %s: too large", shown);
		return NULL;
	}
	buf = xmalloc(len + 1);
	if (read_at(fd, buf, len, off) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * *end = the offset past the last complete line of a log of size octets;
 * with cut, an incomplete last line (left by a crash during an append) is
 * cut off there first.
 */
static int
complete_end(int fd, const char *shown, off_t size, bool cut, off_t *end)
{
	size_t tlen = (size_t)size < LINE_MAX_LEN + 2 ? (size_t)size :
	    LINE_MAX_LEN + 2;
	char *buf, *nl;
	int rc = -1;

	if ((buf = read_span(fd, shown, size - (off_t)tlen, size)) == NULL)
		return -1;
	nl = tlen == 0 ? NULL : memrchr(buf, '\n', tlen);
	if (nl == NULL && (off_t)tlen != size) {
		log_fail(EX_DATAERR, "keystore: %s: last line too long", shown);
		goto out;
	}
	*end = size - (off_t)tlen + (nl == NULL ? 0 : nl - buf + 1);
	if (cut && *end != size) {
		if (ftruncate(fd, *end) == -1 || fsync(fd) == -1) {
			log_fail(EX_IOERR, "keystore: %s: %s", shown,
			    strerror(errno));
			goto out;
		}
		log_warn("keystore: %s: removed an incomplete last line "
		    "(left by a crash)", shown);
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
ksaudit_end(int dfd, const char *dir, uint64_t *end)
{
	char *shown = xasprintf("%s/" LOG_NAME, dir);
	struct ksaudit_head h;
	struct stat sb;
	off_t e;
	int fd, rc = -1;

	if ((fd = ksaudit_open_locked(dfd, shown, O_RDONLY, LOCK_SH)) == -1)
		goto out_free;
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto out;
	}
	if (ksaudit_read_head(dfd, dir, &h) == -1 ||
	    complete_end(fd, shown, sb.st_size, false, &e) == -1)
		goto out;
	*end = h.start + (uint64_t)e;
	rc = 0;
out:
	close(fd);
out_free:
	free(shown);
	return rc;
}

/*
 * Walks the lines of text (complete lines; the first is the log's first
 * when at_start) to the line head names, then along the chain to the end:
 * *head becomes the last line. -1 when the head's line is not there or
 * what follows it does not chain.
 */
static int
follow(const char *text, size_t len, bool at_start, struct ksaudit_head *head,
    bool *anchored)
{
	char hash[KSAUDIT_HASH_HEX], prev[KSAUDIT_HASH_HEX];
	struct ksaudit_head h = *head;
	const char *s, *nl;
	unsigned long seq;
	bool found;
	int ok;

	found = at_start && head->seq == 0;
	if (found && strcmp(head->hash, ZERO_HASH) != 0)
		return -1;
	*anchored = false;
	for (s = text; s < text + len; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(text + len - s))) == NULL)
			return -1;
		ok = ksaudit_line_fields(s, (size_t)(nl - s), &seq, prev) == 0;
		ksaudit_line_hash(s, (size_t)(nl - s), hash);
		/* a segment's first line chains from the head: the head is
		 * the last line of the segment before (a roll whose head
		 * was not written yet) */
		if (!found && at_start && s == text && ok &&
		    seq == head->seq + 1 && strcmp(prev, head->hash) == 0) {
			found = true;
			*anchored = head->seq > 0;
		}
		if (!found) {
			if (!ok || seq != head->seq)
				continue;
			if (strcmp(hash, head->hash) != 0)
				return -1;
			found = true;
			continue;
		}
		if (!ok || seq != h.seq + 1 || strcmp(prev, h.hash) != 0)
			return -1;
		h.seq = seq;
		memcpy(h.hash, hash, sizeof(hash));
	}
	if (!found)
		return -1;
	*head = h;
	return 0;
}

/* The seq of the first complete line of a tail read from off, or 0. */
static unsigned long
first_seq(const char *buf, size_t len, off_t off)
{
	char prev[KSAUDIT_HASH_HEX];
	const char *s = buf, *nl;
	unsigned long seq;

	if (off > 0) {
		if ((s = memchr(buf, '\n', len)) == NULL)
			return 0;
		s++;
	}
	if ((nl = memchr(s, '\n', len - (size_t)(s - buf))) == NULL ||
	    ksaudit_line_fields(s, (size_t)(nl - s), &seq, prev) == -1)
		return 0;
	return seq;
}

/*
 * Where the log (size octets of complete lines) really ends: at the head,
 * or some lines past it after a crash between an append and the head's
 * replacement, in which case *head is moved forward.
 */
static int
roll_forward(int dfd, int fd, const char *shown, off_t size,
    struct ksaudit_head *head)
{
	char name[KSAUDIT_SEG_NAME_LEN];
	unsigned long was = head->seq, s;
	size_t chunk = TAIL_CHUNK, skip = 0;
	struct stat sb;
	bool anchored;
	off_t off;
	char *buf = NULL, *nl;
	int rc = -1;

	for (;;) {
		off = (off_t)chunk < size ? size - (off_t)chunk : 0;
		free(buf);
		if ((buf = read_span(fd, shown, off, size)) == NULL)
			return -1;
		s = first_seq(buf, (size_t)(size - off), off);
		if (off == 0 || (s != 0 && s <= head->seq) || chunk > LOG_MAX)
			break;
		chunk *= 2;
	}
	if (off > 0 && (nl = memchr(buf, '\n', (size_t)(size - off))) != NULL)
		skip = (size_t)(nl - buf) + 1;
	if (follow(buf + skip, (size_t)(size - off) - skip, off == 0,
	    head, &anchored) == -1)
		log_fail(EX_DATAERR, "keystore: %s: does not end at the head "
		    "recorded in audit.head (edited or truncated; see dkimkeys "
		    "log --verify)", shown);
	else
		rc = 0;
	/* a roll done but not recorded: audit.log now starts past the
	 * segment that ends at the old head */
	if (rc == 0 && anchored) {
		ksaudit_seg_name(was, name);
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			head->start += (uint64_t)sb.st_size;
	}
	if (rc == 0 && head->seq != was)
		log_warn("keystore: %s: audit.head was %lu entries behind (a "
		    "crash); moved it forward", shown, head->seq - was);
	free(buf);
	return rc;
}

struct idref {
	const char *id;
	size_t i; /* the entry's index */
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct idref *)a)->id,
	    ((const struct idref *)b)->id);
}

/* Marks in skip the entries whose id is on a line from base on (sorted
 * ids: a journal may hold thousands of entries). */
static void
mark_done(const char *text, size_t len, struct idref *refs, size_t n,
    bool *skip)
{
	char id[KSSTATE_ID_HEX + 1];
	struct idref key, *r;
	const char *s, *nl, *end = text + len;

	key.id = id;
	for (s = text; (nl = memchr(s, '\n', (size_t)(end - s))) != NULL;
	    s = nl + 1)
		if (line_id(s, (size_t)(nl - s), id) && (r = bsearch(&key, refs,
		    n, sizeof(*refs), by_id)) != NULL)
			skip[r->i] = true;
}

/* The segment before audit.log from offset off on (its first line's seq
 * less one names it), when the journal began there; missing: nothing. */
static int
find_done_sealed(int dfd, const char *dir, const char *text, size_t len,
    uint64_t base, const struct ksaudit_head *head, struct idref *refs,
    size_t n, bool *skip)
{
	char name[KSAUDIT_SEG_NAME_LEN], prev[KSAUDIT_HASH_HEX], *shown;
	const char *nl = memchr(text, '\n', len);
	unsigned long first;
	struct stat sb;
	char *seg;
	int fd, rc = -1;

	if (nl == NULL || ksaudit_line_fields(text, (size_t)(nl - text), &first,
	    prev) == -1 || first < 2)
		return 0;
	ksaudit_seg_name(first - 1, name);
	shown = xasprintf("%s/%s", dir, name);
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (uint64_t)sb.st_size > head->start) {
		rc = 0; /* archived already: nothing to find there */
		goto out;
	}
	if ((fd = ksfile_open(dfd, name, shown, O_RDONLY)) == -1)
		goto out;
	base = base < head->start - (uint64_t)sb.st_size ? 0 :
	    base - (head->start - (uint64_t)sb.st_size);
	if ((seg = read_span(fd, shown, (off_t)base, sb.st_size)) != NULL) {
		mark_done(seg, (size_t)(sb.st_size - (off_t)base), refs, n,
		    skip);
		free(seg);
		rc = 0;
	}
	close(fd);
out:
	free(shown);
	return rc;
}

static int
find_done(int dfd, const char *dir, int fd, const char *shown,
    uint64_t base, const struct ksaudit_head *head, off_t size,
    const struct ksstate_entry *e, size_t n, bool *skip)
{
	struct idref *refs = xcalloc(n + 1, sizeof(*refs));
	bool before = base < head->start;
	off_t from;
	char *text;
	size_t i;
	int rc = 0;

	/* base counts from the first segment's start; before audit.log's
	 * start, the journal began in the segment rolled since */
	from = before ? 0 : (off_t)(base - head->start);
	if (from > size) /* the log was replaced since: look everywhere */
		from = 0;
	if ((text = read_span(fd, shown, before ? 0 : from, size)) == NULL) {
		free(refs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		refs[i].id = e[i].id;
		refs[i].i = i;
	}
	qsort(refs, n, sizeof(*refs), by_id);
	mark_done(text, (size_t)(size - from), refs, n, skip);
	if (before)
		rc = find_done_sealed(dfd, dir, text, (size_t)size, base, head,
		    refs, n, skip);
	free(text);
	free(refs);
	return rc;
}

/* The line of entry e after (seq - 1, prev), without its LF. */
static void
entry(struct buf *b, unsigned long seq, const char *prev,
    const struct ksstate_entry *e)
{
	char t[UTIL_TIME_LEN], *name;

	buf_printf(b, SEQ_PRE "%lu" ID_PRE "%s\",\"time\":\"%s\",\"event\":",
	    seq, e->id, util_fmt_time(e->time, t));
	buf_json_str(b, e->event);
	if (e->event_id != NULL)
		buf_printf(b, ",\"event_id\":\"%s\"", e->event_id);
	if (e->vendor != NULL) {
		name = xasprintf("%s._domainkey.%s", e->selector, e->domain);
		buf_puts(b, ",\"key\":");
		buf_json_str(b, name);
		buf_puts(b, ",\"vendor\":");
		buf_json_str(b, e->vendor);
		buf_printf(b, ",\"fingerprint\":\"sha256:%s\"", e->fpr);
		free(name);
	}
	if (e->extra != NULL)
		buf_puts(b, e->extra);
	buf_printf(b, ",\"simulated\":%s" PREV_PRE "%s\"}",
	    e->simulated ? "true" : "false", prev);
}

/* The lines of the entries not skipped, chained after *head, which
 * becomes the last of them; -1 (70) when one is too long. */
static int
build(const char *shown, const struct ksstate_entry *e, size_t n,
    const bool *skip, struct ksaudit_head *head, struct buf *out)
{
	struct buf line = { NULL, 0, 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (skip[i])
			continue;
		line.len = 0;
		entry(&line, head->seq + 1, head->hash, &e[i]);
		if (line.len > LINE_MAX_LEN) {
			log_fail(EX_SOFTWARE, "keystore: %s: entry too long",
			    shown);
			rc = -1;
			break;
		}
		ksaudit_line_hash(line.data, line.len, head->hash);
		head->seq++;
		buf_add(out, line.data, line.len);
		buf_puts(out, "\n");
	}
	buf_free(&line);
	return rc;
}

/* Writes the lines at the end of the log (at size) and syncs them; a
 * failed write is cut off again. */
static int
write_lines(int fd, const char *shown, const struct buf *b, off_t size)
{
	size_t off = 0;
	ssize_t w;

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
	return 0;
}

/* Refuses (70) entries the line format cannot carry. */
static int
check_entries(const struct ksstate_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].event == NULL || e[i].id == NULL ||
		    strlen(e[i].id) != KSSTATE_ID_HEX ||
		    (e[i].vendor != NULL && (e[i].domain == NULL ||
		    e[i].selector == NULL || e[i].fpr == NULL)) ||
		    (e[i].extra != NULL && *e[i].extra != '\0' &&
		    (*e[i].extra != ',' || strchr(e[i].extra, '\n') != NULL))) {
			log_fail(EX_SOFTWARE, "keystore: audit entry: bad "
			    "arguments");
			return -1;
		}
	return 0;
}

int
ksaudit_append(int dfd, const char *dir, const struct ksstate_entry *e,
    size_t n, const uint64_t *base, struct ksaudit_head *head,
    size_t *appended)
{
	struct buf b = { NULL, 0, 0 };
	char *shown = xasprintf("%s/" LOG_NAME, dir);
	bool *skip = xcalloc(n + 1, sizeof(*skip));
	struct ksaudit_head h;
	unsigned long was;
	uint64_t start;
	struct stat sb;
	off_t size;
	int fd, rc = -1;

	if (appended != NULL)
		*appended = 0;
	if (check_entries(e, n) == -1 || (fd = ksaudit_open_locked(dfd, shown,
	    O_RDWR | O_APPEND, LOCK_EX)) == -1)
		goto out_free;
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto out;
	}
	if (ksaudit_read_head(dfd, dir, head) == -1)
		goto out;
	was = head->seq;
	start = head->start;
	if (complete_end(fd, shown, sb.st_size, true, &size) == -1 ||
	    roll_forward(dfd, fd, shown, size, head) == -1 || (base != NULL &&
	    find_done(dfd, dir, fd, shown, *base, head, size, e, n,
	    skip) == -1))
		goto out;
	h = *head;
	if (build(shown, e, n, skip, &h, &b) == -1)
		goto out;
	/* past the segment size the lines start the next segment */
	if (b.len > 0 && size > 0 &&
	    (uint64_t)size >= ksaudit_segment_size()) {
		if (ksaudit_roll(dfd, dir, fd, head->seq, b.data, b.len) == -1)
			goto out;
		h.start += (uint64_t)size;
	} else if (b.len > 0 && write_lines(fd, shown, &b, size) == -1)
		goto out;
	/* a head rolled forward is written even when nothing was added */
	if ((b.len > 0 || h.seq != was || h.start != start) &&
	    write_head(dfd, dir, &h) == -1)
		goto out;
	if (appended != NULL)
		*appended = h.seq - head->seq;
	*head = h;
	rc = 0;
out:
	close(fd); /* releases the flock */
out_free:
	buf_free(&b);
	free(skip);
	free(shown);
	return rc;
}

/* Whether the line's "event" is one of outside. */
static bool
outside_event(const char *line, size_t len, const char *const *outside)
{
	static const char pre[] = ",\"event\":\"";
	const char *p = memmem(line, len, pre, sizeof(pre) - 1), *q;
	size_t i;

	if (p == NULL)
		return false;
	p += sizeof(pre) - 1;
	if ((q = memchr(p, '"', len - (size_t)(p - line))) == NULL)
		return false;
	for (i = 0; outside[i] != NULL; i++)
		if (strlen(outside[i]) == (size_t)(q - p) &&
		    memcmp(outside[i], p, (size_t)(q - p)) == 0)
			return true;
	return false;
}

/* Walks the tail text (complete lines; the log's start when at_start):
 * line at->seq must have at->hash; each later line must be accounted for. */
static int
bound_walk(const char *text, size_t len, bool at_start,
    const struct ksaudit_head *at, struct idref *refs, size_t n,
    const char *const *outside, struct ksaudit_head *cur, char *why,
    size_t whylen)
{
	char hash[KSAUDIT_HASH_HEX], prev[KSAUDIT_HASH_HEX];
	char id[KSSTATE_ID_HEX + 1];
	struct idref key = { id, 0 };
	bool found = at == NULL || (at_start && at->seq == 0 &&
	    strcmp(at->hash, ZERO_HASH) == 0);
	const char *s, *nl;
	unsigned long seq;

	for (s = text; s < text + len; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(text + len - s));
		if (ksaudit_line_fields(s, (size_t)(nl - s), &seq, prev) == -1)
			seq = 0;
		ksaudit_line_hash(s, (size_t)(nl - s), hash);
		cur->seq = seq;
		memcpy(cur->hash, hash, sizeof(hash));
		if (at == NULL)
			continue; /* only the last line is wanted */
		if (!found) {
			if (seq == at->seq && strcmp(hash, at->hash) == 0)
				found = true;
			else if (seq >= at->seq)
				break;
			continue;
		}
		if (!(line_id(s, (size_t)(nl - s), id) && bsearch(&key, refs, n,
		    sizeof(*refs), by_id) != NULL) &&
		    !outside_event(s, (size_t)(nl - s), outside)) {
			snprintf(why, whylen, "audit.log line %lu was appended "
			    "after it", seq);
			return 1;
		}
	}
	if (!found) {
		snprintf(why, whylen, "audit.log has no line %lu with the "
		    "hash it records", at->seq);
		return 1;
	}
	return 0;
}

/*
 * The tail of an open log (size octets of complete lines) back to a line
 * at or before seq: malloc'd text of complete lines in *text (*len), and
 * *at_start when it is the whole file. NULL-safe on error (-1 logged).
 */
static int
tail_to(int fd, const char *shown, off_t size, unsigned long seq,
    bool any, char **text, size_t *len, bool *at_start)
{
	size_t chunk = TAIL_CHUNK, skip = 0;
	char *buf = NULL, *nl;
	unsigned long s;
	off_t off;

	for (;;) {
		off = (off_t)chunk < size ? size - (off_t)chunk : 0;
		free(buf);
		if ((buf = read_span(fd, shown, off, size)) == NULL)
			return -1;
		s = first_seq(buf, (size_t)(size - off), off);
		if (off == 0 || any || (s != 0 && s <= seq) || chunk > LOG_MAX)
			break;
		chunk *= 2;
	}
	if (off > 0 && (nl = memchr(buf, '\n', (size_t)(size - off))) != NULL)
		skip = (size_t)(nl - buf) + 1;
	*len = (size_t)(size - off) - skip;
	memmove(buf, buf + skip, *len + 1);
	*text = buf;
	*at_start = off == 0;
	return 0;
}

/* Opens a log file (audit.log or a sealed segment) and reads its tail back
 * to seq (the whole file when all); -1 after logging. */
static int
read_tail(int dfd, const char *dir, const char *name, unsigned long seq,
    bool all, bool any, char **text, size_t *len, bool *at_start)
{
	char *shown = xasprintf("%s/%s", dir, name);
	struct stat sb;
	off_t size;
	int fd, rc = -1;

	if ((fd = ksfile_open(dfd, name, shown, O_RDONLY)) == -1)
		goto out_free;
	while (flock(fd, LOCK_SH) == -1 && errno == EINTR)
		continue;
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto out;
	}
	if (complete_end(fd, shown, sb.st_size, false, &size) == -1)
		goto out;
	rc = all ? ((*text = read_span(fd, shown, 0, size)) == NULL ? -1 :
	    (*len = (size_t)size, *at_start = true, 0)) :
	    tail_to(fd, shown, size, seq, any, text, len, at_start);
out:
	close(fd);
out_free:
	free(shown);
	return rc;
}

/*
 * When the line the state names went to a sealed segment (the log rolled
 * since the commit): that segment's tail back to it, and every later
 * segment whole, before audit.log's text. 0 with nothing added when the
 * line is in audit.log (or no segment is kept); -1 after logging.
 */
static int
sealed_before(int dfd, const char *dir, const struct ksaudit_head *at,
    struct buf *b)
{
	char left[KSAUDIT_SEG_NAME_LEN], **segs, *text;
	unsigned long last;
	bool first = true, start;
	size_t i, len;
	int rc = 0;

	if ((segs = ksaudit_segments(dfd, dir, left)) == NULL)
		return -1;
	for (i = 0; segs[i] != NULL && rc == 0; i++) {
		if (!ksaudit_seg_parse(segs[i], &last) || (first &&
		    last < at->seq))
			continue;
		if (read_tail(dfd, dir, segs[i], at->seq, !first, false, &text,
		    &len, &start) == -1) {
			rc = -1;
			break;
		}
		first = false;
		buf_add(b, text, len);
		free(text);
	}
	ksaudit_segments_free(segs);
	return rc;
}

int
ksaudit_bound(int dfd, const char *dir, const struct ksaudit_head *at,
    const struct ksstate_entry *e, size_t n, const char *const *outside,
    struct ksaudit_head *cur, char *why, size_t whylen)
{
	struct idref *refs = xcalloc(n + 1, sizeof(*refs));
	struct buf b = { NULL, 0, 0 };
	char *text = NULL;
	size_t len = 0, i;
	bool at_start = false;
	int rc = -1;

	for (i = 0; i < n; i++)
		refs[i].id = e[i].id;
	qsort(refs, n, sizeof(*refs), by_id);
	cur->seq = 0;
	memcpy(cur->hash, ZERO_HASH, sizeof(ZERO_HASH));
	if (read_tail(dfd, dir, LOG_NAME, at != NULL ? at->seq : 0, false,
	    at == NULL, &text, &len, &at_start) == -1)
		goto out;
	/* audit.log starts after the line: it is in a sealed segment (the log
	 * rolled since the commit) */
	if (at != NULL && at_start && (first_seq(text, len, 0) == 0 ||
	    first_seq(text, len, 0) > (at->seq > 0 ? at->seq : 1)) &&
	    sealed_before(dfd, dir, at, &b) == -1)
		goto out;
	buf_add(&b, text, len);
	/* a walk from the log's first line when the text starts at seq 1 */
	if (b.len > 0)
		at_start = first_seq(b.data, b.len, 0) == 1;
	rc = bound_walk(b.data, b.len, at_start, at, refs, n, outside, cur,
	    why, whylen);
out:
	buf_free(&b);
	free(text);
	free(refs);
	return rc;
}
