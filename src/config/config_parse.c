/*
 * config_parse.c - pass one: the lines of the file, through libinih.
 *
 * libinih only ever sees KEY = VALUE lines: the line reader in front of it
 * counts lines (Debian's libinih does not pass them to the handler, which
 * runs right after the reader returns its line), opens sections itself
 * (inih truncates long section names) and refuses what inih would silently
 * accept: long lines it would split, indented lines it would join, keys
 * and sections given twice that it would merge.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_parse.h"
#include "config_util.h"
#include "config_value.h"
#include "support/util.h"

#define LINE_OCTETS 199 /* SPEC section 4 */
#define INIH_LINE 256 /* inih's buffer: LINE_OCTETS, "\n" and NUL fit */

/* Records key in sec; reports and returns true when it was given before. */
static bool
key_seen(struct parser *p, struct section *sec, const char *key)
{
	unsigned first = config_key_line(sec, key);

	if (first != 0) {
		config_err(p, p->lineno,
		    "%s given twice in [%s] (first on line "
		    "%u)",
		    key, sec->name, first);
		return true;
	}
	sec->keys = xrealloc(sec->keys, (sec->nkeys + 1) * sizeof(*sec->keys));
	sec->keys[sec->nkeys].key = xstrdup(key);
	sec->keys[sec->nkeys++].line = p->lineno;
	return false;
}

/* hook.NAME = VALUE; name is already lowercase. */
static void
hookvar_add(
    struct parser *p, struct section *sec, const char *name, const char *val)
{
	struct hookvar **vars =
	    sec->global ? &p->cfg->hookvars : &sec->v.hookvars;
	size_t *n = sec->global ? &p->cfg->nhookvars : &sec->v.nhookvars;

	if (*name == '\0' ||
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyz"
		"0123456789_") != strlen(name)) {
		config_err(p, p->lineno,
		    "hook.%s: the name after hook. may only "
		    "have letters, digits and underscores",
		    name);
		return;
	}
	if (*val == '\0') {
		config_err(p, p->lineno, "hook.%s: empty value; give one, or "
		    "remove the line", name);
		return;
	}
	*vars = xrealloc(*vars, (*n + 1) * sizeof(**vars));
	(*vars)[*n].name = xstrdup(name);
	(*vars)[(*n)++].value = xstrdup(val);
}

static void
unknown_key(struct parser *p, const struct section *sec, const char *key)
{
	if (config_key_find(key, !sec->global) != NULL)
		config_err(p, p->lineno, "%s belongs in %s, not in [%s]", key,
		    sec->global ? "[vendor:NAME] sections"
				: "the [dkimkeys] section",
		    sec->name);
	else
		config_err(
		    p, p->lineno, "unknown key %s in [%s]", key, sec->name);
}

/*
 * inih's handler, called right after the reader returned the line, so
 * p->lineno is its line. Always returns 1: errors are counted here, and
 * inih's own error line would only repeat them.
 */
static int
handle_pair(void *arg, const char *section, const char *name, const char *value)
{
	struct parser *p = arg;
	struct section *sec = p->nsecs > 0 ? &p->secs[p->nsecs - 1] : NULL;
	const struct keyrule *r;
	char *key;

	(void)
	    section; /* inih truncates section names; the reader tracks them */
	if (p->skip)
		return 1;
	if (sec == NULL) {
		config_err(p, p->lineno,
		    "%s is outside any section; put it under "
		    "[dkimkeys] or [vendor:NAME]",
		    name);
		return 1;
	}
	key = xstrdup(name);
	if (strncmp(key, "hook.", 5) == 0)
		config_lowercase(key + 5);
	if (key_seen(p, sec, key))
		goto done;
	if (strncmp(key, "hook.", 5) == 0)
		hookvar_add(p, sec, key + 5, value);
	else if ((r = config_key_find(key, sec->global)) == NULL)
		unknown_key(p, sec, key);
	else if (*value == '\0')
		config_err(p, p->lineno, "%s: missing value", key);
	else
		r->def.set(p, &r->def,
		    sec->global ? (void *)p->cfg : (void *)&sec->v, value);
done:
	free(key);
	return 1;
}

/* Sections. */

static void
vendor_defaults(struct vendor *v)
{
	memset(v, 0, sizeof(*v));
	v->mode = MODE_MANAGED;
	v->rotate_every = 180 * DAY;
	v->publish_ahead = 2 * DAY;
	v->generate_margin = DAY;
	v->overlap = 7 * DAY;
	v->revoke_for = 30 * DAY;
	v->late_after = 3 * DAY;
	v->stall_after = DAY;
	v->ttl = 3600;
	v->verify_dns = true;
}

/* Whether name (a header without brackets) may open a section; reports. */
static bool
section_ok(struct parser *p, const char *name)
{
	size_t i;

	if (strcmp(name, "dkimkeys") != 0 && strncmp(name, "vendor:", 7) != 0) {
		config_err(p, p->lineno,
		    "unknown section [%s]; sections are "
		    "[dkimkeys] and [vendor:NAME]",
		    name);
		return false;
	}
	if (name[0] == 'v' && !util_valid_vendor(name + 7)) {
		config_err(p, p->lineno,
		    "invalid vendor name '%s': use lowercase "
		    "letters, digits and hyphens, 63 at most, starting with a "
		    "letter or digit",
		    name + 7);
		return false;
	}
	for (i = 0; i < p->nsecs; i++) {
		if (strcmp(p->secs[i].name, name) == 0) {
			config_err(p, p->lineno,
			    "section [%s] given twice (first "
			    "on line %u)",
			    name, p->secs[i].line);
			return false;
		}
	}
	return true;
}

/* A "[...]" line. Keys of a refused section are skipped, not reported. */
static void
open_section(struct parser *p, const char *s)
{
	const char *end = strchr(s, ']'), *t;
	struct section *sec;
	char *name;

	p->skip = true;
	if (end == NULL) {
		config_err(p, p->lineno, "section header without ]");
		return;
	}
	t = end + 1 + strspn(end + 1, " \t");
	if (*t != '\0' && *t != ';') {
		config_err(p, p->lineno, "text after ] in a section header");
		return;
	}
	name = xstrndup(s + 1, (size_t)(end - s - 1));
	if (section_ok(p, name)) {
		p->secs = xrealloc(p->secs, (p->nsecs + 1) * sizeof(*p->secs));
		sec = &p->secs[p->nsecs++];
		memset(sec, 0, sizeof(*sec));
		sec->name = name;
		sec->line = p->lineno;
		sec->global = strcmp(name, "dkimkeys") == 0;
		vendor_defaults(&sec->v);
		p->skip = false;
		name = NULL;
	}
	free(name);
}

/* The reader. */

/*
 * Whether the line (without its end) is a KEY = VALUE line for inih.
 * Blank lines and comments are not; section headers are handled here, and
 * what inih would misread is reported here.
 */
static bool
line_is_pair(struct parser *p, const char *s)
{
	const char *t = s + strspn(s, " \t");

	if (*t == '\0' || *t == ';' || *t == '#')
		return false;
	if (t != s) {
		config_err(p, p->lineno,
		    "indented line: continuation lines are "
		    "not supported; remove the leading blanks");
		return false;
	}
	if (*s == '[') {
		open_section(p, s);
		return false;
	}
	/* inih splits at the first '=' or ':'; only '=' is ours */
	for (t = s; *t != '\0' && *t != '=' && *t != ':'; t++)
		if (*t == ';' && isspace((unsigned char)t[-1]))
			break;
	if (*t != '=') {
		config_err(p, p->lineno, "expected KEY = VALUE");
		return false;
	}
	return true;
}

/*
 * inih's reader: the next line of the file, or an empty line in place of
 * one handled or refused here, or NULL at the end. Lines are counted here,
 * which is how the handler knows its line.
 */
static char *
read_line(char *buf, int num, void *arg)
{
	struct parser *p = arg;
	ssize_t n;
	size_t len;
	char *s;

	if ((n = getline(&p->line, &p->cap, p->fp)) == -1) {
		if (ferror(p->fp))
			config_err(p, p->lineno + 1, "read error: %s",
			    strerror(errno));
		return NULL;
	}
	p->lineno++;
	s = p->line;
	len = (size_t)n;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (memchr(s, '\0', len) != NULL)
		config_err(p, p->lineno, "line contains a NUL byte");
	else if (len > LINE_OCTETS)
		config_err(p, p->lineno,
		    "line longer than %d octets; shorten it "
		    "(paths may be relative to the config folder)",
		    LINE_OCTETS);
	else if (line_is_pair(p, s) && len + 2 <= (size_t)num) {
		memcpy(buf, s, len);
		memcpy(buf + len, "\n", 2);
		return buf;
	}
	memcpy(buf, "\n", 2);
	return buf;
}

static char inih_start_comments[] = ";#";
static char inih_inline_comments[] = ";";

/* Pass one: every line. inih's globals are set here, whatever others did. */
void
config_parse(struct parser *p)
{
	int rc;

	ini_allow_multiline = false;
	ini_allow_bom = false;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	ini_start_comment_prefixes = inih_start_comments;
	ini_inline_comment_prefixes = inih_inline_comments;
	ini_use_stack = true;
	ini_max_line = INIH_LINE;
	ini_initial_alloc = INIH_LINE;
	rc = ini_parse_stream(read_line, p, handle_pair, p);
	if (rc > 0)
		config_err(p, (unsigned)rc, "syntax error");
	else if (rc < 0)
		config_err(p, p->lineno, "cannot parse: out of memory");
}
