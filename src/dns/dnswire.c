/*
 * dnswire.c - DNS wire format: queries, replies, names, TXT data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnswire.h"
#include "support/util.h"

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Octets written literally in canonical text; the rest become \DDD. */
static bool
is_plain(unsigned char c)
{
	return c >= '!' && c <= '~' && c != '.' && c != '\\';
}

/*
 * Reads one octet of a label in presentation form at *s: a plain
 * character, \X or \DDD (0..255). Returns the octet, or -1.
 */
static int
read_octet(const char **s)
{
	const char *p = *s;
	int v;

	if (*p != '\\') {
		*s = p + 1;
		return (unsigned char)*p;
	}
	p++;
	if (p[0] >= '0' && p[0] <= '9') {
		if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
			return -1;
		v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		*s = p + 3;
		return v > 255 ? -1 : v;
	}
	if (*p == '\0')
		return -1;
	*s = p + 1;
	return (unsigned char)*p;
}

int
dnswire_name_to_wire(const char *text, unsigned char *out, size_t cap)
{
	const char *s = text;
	size_t len = 0, lab;
	int c;

	if (cap < 1)
		return -1;
	if (strcmp(text, ".") == 0 || *text == '\0') {
		out[0] = 0;
		return *text == '\0' ? -1 : 1;
	}
	while (*s != '\0') {
		lab = len++;
		while (*s != '\0' && *s != '.') {
			if ((c = read_octet(&s)) == -1 || len >= cap ||
			    len - lab > 63)
				return -1;
			out[len++] = (unsigned char)c;
		}
		if (len - lab == 1 || len >= DNSWIRE_NAME_WIRE_MAX)
			return -1; /* empty label, or no room for the root */
		out[lab] = (unsigned char)(len - lab - 1);
		if (*s == '.')
			s++;
	}
	if (len >= cap)
		return -1;
	out[len++] = 0;
	return (int)len;
}

/* Appends one label of wire octets to text at *pos (bounded by cap). */
static int
label_text(
    const unsigned char *lab, size_t n, char *out, size_t *pos, size_t cap)
{
	size_t i;

	if (*pos > 0) {
		if (*pos + 1 >= cap)
			return -1;
		out[(*pos)++] = '.';
	}
	for (i = 0; i < n; i++) {
		if (*pos + 5 > cap)
			return -1;
		if (is_plain(lab[i]))
			out[(*pos)++] = (char)lab[i];
		else
			*pos += (size_t)snprintf(
			    out + *pos, 5, "\\%03u", (unsigned)lab[i]);
	}
	return 0;
}

int
dnswire_read_name(
    const unsigned char *buf, size_t len, size_t off, char *out, size_t *next)
{
	size_t pos = 0, wire = 0, hops = 0, floor = off;
	bool jumped = false;
	unsigned n;

	for (;;) {
		if (off >= len)
			return -1;
		n = buf[off];
		if ((n & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > DNSWIRE_MAX_HOPS)
				return -1;
			if (!jumped && next != NULL)
				*next = off + 2;
			jumped = true;
			off = (size_t)(n & 0x3f) << 8 | buf[off + 1];
			/* Only backwards: no loops, whatever the hop count. */
			if (off >= floor)
				return -1;
			floor = off;
			continue;
		}
		if ((n & 0xc0) != 0 || off + 1 + n > len)
			return -1;
		wire += n + 1;
		if (wire > DNSWIRE_NAME_WIRE_MAX)
			return -1;
		if (n == 0)
			break;
		if (label_text(buf + off + 1, n, out, &pos,
			DNSWIRE_NAME_TEXT_MAX) == -1)
			return -1;
		off += 1 + n;
	}
	if (!jumped && next != NULL)
		*next = off + 1;
	if (pos == 0)
		out[pos++] = '.';
	out[pos] = '\0';
	return 0;
}

int
dnswire_name_canon(const char *text, char *out)
{
	unsigned char wire[DNSWIRE_NAME_WIRE_MAX];
	int n;

	if ((n = dnswire_name_to_wire(text, wire, sizeof(wire))) == -1)
		return -1;
	return dnswire_read_name(wire, (size_t)n, 0, out, NULL);
}

int
dnswire_build_query(const char *name, uint16_t type, uint16_t id, bool rd,
    bool edns, unsigned char *out, size_t cap)
{
	size_t len = DNSWIRE_HEADER_LEN;
	int n;

	if (cap < DNSWIRE_QUERY_MAX)
		return -1;
	memset(out, 0, DNSWIRE_HEADER_LEN);
	put16(out, id);
	out[2] = rd ? 0x01 : 0x00;
	put16(out + 4, 1);
	put16(out + 10, edns ? 1 : 0);
	n = dnswire_name_to_wire(name, out + len, cap - len);
	if (n == -1)
		return -1;
	len += (size_t)n;
	put16(out + len, type);
	put16(out + len + 2, DNSWIRE_CLASS_IN);
	len += 4;
	if (edns) {
		/* root owner, OPT, payload size, ext-rcode/version/flags 0,
		 * no options */
		out[len] = 0;
		put16(out + len + 1, DNSWIRE_OPT);
		put16(out + len + 3, DNSWIRE_EDNS_PAYLOAD);
		memset(out + len + 5, 0, 6);
		len += 11;
	}
	return (int)len;
}

/* Reads one RR header at *off (name, fixed fields, data bounds). */
static int
read_rr(
    const unsigned char *buf, size_t len, size_t *off, struct dnswire_rr *rr)
{
	char name[DNSWIRE_NAME_TEXT_MAX];
	size_t p;

	rr->nameoff = *off;
	if (dnswire_read_name(buf, len, *off, name, &p) == -1 || p + 10 > len)
		return -1;
	rr->type = get16(buf + p);
	rr->class = get16(buf + p + 2);
	rr->ttl = get32(buf + p + 4);
	rr->rdlen = get16(buf + p + 8);
	rr->rdoff = p + 10;
	if (rr->rdlen > len - rr->rdoff)
		return -1;
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* Takes what an OPT record carries: payload size and extended rcode. */
static int
take_opt(struct dnswire_msg *msg, const struct dnswire_rr *rr)
{
	if (msg->has_opt || rr->section != DNSWIRE_ADDITIONAL ||
	    msg->buf[rr->nameoff] != 0)
		return -1;
	msg->has_opt = true;
	msg->udp_payload = rr->class;
	msg->rcode |= (rr->ttl >> 24) << 4;
	return 0;
}

static int
read_header(const unsigned char *buf, size_t len, struct dnswire_msg *msg,
    size_t *count, size_t *end, const char **why)
{
	size_t off = DNSWIRE_HEADER_LEN;

	if (len < DNSWIRE_HEADER_LEN) {
		*why = "shorter than a header";
		return -1;
	}
	msg->id = get16(buf);
	msg->qr = buf[2] & 0x80;
	msg->opcode = (buf[2] >> 3) & 0x0f;
	msg->aa = buf[2] & 0x04;
	msg->tc = buf[2] & 0x02;
	msg->rd = buf[2] & 0x01;
	msg->ra = buf[3] & 0x80;
	msg->rcode = buf[3] & 0x0f;
	*count = (size_t)get16(buf + 6) + get16(buf + 8) + get16(buf + 10);
	if (get16(buf + 4) > 1) {
		*why = "more than one question";
		return -1;
	}
	if (get16(buf + 4) == 1) {
		if (dnswire_read_name(buf, len, off, msg->qname, &off) == -1 ||
		    off + 4 > len) {
			*why = "bad question";
			return -1;
		}
		msg->qtype = get16(buf + off);
		msg->qclass = get16(buf + off + 2);
		off += 4;
	}
	*end = off;
	return 0;
}

static enum dnswire_section
section_of(const unsigned char *buf, size_t i)
{
	size_t an = get16(buf + 6), ns = get16(buf + 8);

	if (i < an)
		return DNSWIRE_ANSWER;
	return i < an + ns ? DNSWIRE_AUTHORITY : DNSWIRE_ADDITIONAL;
}

int
dnswire_parse(const unsigned char *buf, size_t len, struct dnswire_msg *msg,
    const char **why)
{
	size_t count, off, i;
	int rc = -1;

	memset(msg, 0, sizeof(*msg));
	msg->buf = buf;
	msg->len = len;
	*why = NULL;
	if (read_header(buf, len, msg, &count, &off, why) == -1)
		goto done;
	/* Every RR takes at least 11 octets: never allocate past that. */
	if (count > (len - off) / 11) {
		*why = "record counts exceed the message";
		goto done;
	}
	msg->rrs = xcalloc(count == 0 ? 1 : count, sizeof(*msg->rrs));
	for (i = 0; i < count; i++) {
		msg->rrs[i].section = section_of(buf, i);
		if (read_rr(buf, len, &off, &msg->rrs[i]) == -1) {
			*why = "truncated or malformed record";
			goto done;
		}
		if (msg->rrs[i].type == DNSWIRE_OPT &&
		    take_opt(msg, &msg->rrs[i]) == -1) {
			*why = "misplaced OPT record";
			goto done;
		}
		msg->nrrs++;
	}
	if (off != len) {
		*why = "trailing octets";
		goto done;
	}
	rc = 0;
done:
	if (rc == -1)
		dnswire_msg_clear(msg);
	return rc;
}

void
dnswire_msg_clear(struct dnswire_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->rrs);
	msg->rrs = NULL;
	msg->nrrs = 0;
}

bool
dnswire_is_reply(const struct dnswire_msg *msg, uint16_t id, const char *qname,
    uint16_t qtype, const char **why)
{
	*why = NULL;
	if (!msg->qr)
		*why = "QR bit not set";
	else if (msg->id != id)
		*why = "ID mismatch";
	else if (msg->opcode != 0)
		*why = "not a QUERY reply";
	else if (get16(msg->buf + 4) != 1)
		*why = "no question section";
	else if (msg->qtype != qtype || msg->qclass != DNSWIRE_CLASS_IN ||
	    !dnswire_name_eq(msg->qname, qname))
		*why = "question not echoed";
	return *why == NULL;
}

int
dnswire_rr_name(
    const struct dnswire_msg *msg, const struct dnswire_rr *rr, char *out)
{
	return dnswire_read_name(msg->buf, msg->len, rr->nameoff, out, NULL);
}

int
dnswire_rr_target(
    const struct dnswire_msg *msg, const struct dnswire_rr *rr, char *out)
{
	size_t next;

	/* The name must fill the data exactly, and no more. */
	if (dnswire_read_name(
		msg->buf, rr->rdoff + rr->rdlen, rr->rdoff, out, &next) == -1 ||
	    next != rr->rdoff + rr->rdlen)
		return -1;
	return 0;
}

int
dnswire_rr_txt(const struct dnswire_msg *msg, const struct dnswire_rr *rr,
    char *out, size_t cap, size_t *len, size_t *nstrings)
{
	const unsigned char *p = msg->buf + rr->rdoff;
	size_t off = 0, n;

	*len = 0;
	*nstrings = 0;
	if (cap < rr->rdlen + 1 || rr->rdlen == 0)
		return -1;
	while (off < rr->rdlen) {
		n = p[off];
		if (off + 1 + n > rr->rdlen)
			return -1;
		memcpy(out + *len, p + off + 1, n);
		*len += n;
		off += 1 + n;
		(*nstrings)++;
	}
	out[*len] = '\0';
	return 0;
}

bool
dnswire_name_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
dnswire_name_under(const char *name, const char *sub)
{
	size_t n = strlen(name), s = strlen(sub);

	if (strcmp(sub, ".") == 0)
		return true;
	if (n == s)
		return strcasecmp(name, sub) == 0;
	return n > s && name[n - s - 1] == '.' &&
	    strcasecmp(name + n - s, sub) == 0;
}

const char *
dnswire_name_parent(const char *name)
{
	const char *dot;

	if (strcmp(name, ".") == 0)
		return NULL;
	dot = strchr(name, '.');
	return dot == NULL ? "." : dot + 1;
}

const char *
dnswire_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
	    "NOERROR",
	    "FORMERR",
	    "SERVFAIL",
	    "NXDOMAIN",
	    "NOTIMP",
	    "REFUSED",
	};
	static _Thread_local char other[16];

	if (rcode < ARRAY_LEN(names))
		return names[rcode];
	snprintf(other, sizeof(other), "RCODE%u", rcode);
	return other;
}
