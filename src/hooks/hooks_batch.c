/*
 * hooks_batch.c - batch hooks (SPEC section 6): one run per event, one
 * JSON line per key on standard input, "ok KEY" and "fail KEY REASON" on
 * standard output, both at once through hooks_exec()'s poll loop.
 *
 * Lines are asked for one at a time, when the previous one (a private key,
 * perhaps) has been written whole and wiped, so a single decrypted key is
 * held here at any time.
 */
#include <string.h>

#include "hooks_batch.h"
#include "hooks_int.h"
#include "secret/secret.h"

struct batch {
	const struct hook_batch *b;
	struct secret *line; /* being written */
	size_t i;            /* lines asked for */
	int lf_due;          /* the LF after line is still to write */
	int failed;          /* next() failed */
};

static int
batch_more(void *ctx, const unsigned char **buf, size_t *len)
{
	struct batch *c = ctx;
	int rc;

	if (c->lf_due) {
		c->lf_due = 0;
		*buf = (const unsigned char *)"\n";
		*len = 1;
		return 1;
	}
	secret_free(c->line);
	c->line = NULL;
	rc = c->b->next(c->b->ctx, c->i, &c->line);
	if (rc != 1) {
		c->failed = rc == -1;
		c->line = NULL;
		return rc == -1 ? -1 : 0;
	}
	c->i++;
	c->lf_due = 1;
	*buf = c->line->data;
	*len = c->line->len;
	return 1;
}

/*
 * "ok KEY" or "fail KEY [REASON]" with KEY one word: reported, returns 1.
 * Anything else returns 0 and goes to the log, as does a line that
 * would be redacted there.
 */
static int
protocol(const struct batch *c, char *line, size_t len)
{
	const struct hook_call *call = &c->b->call;
	char *key, *end;
	const char *reason = NULL;
	int ok;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (hooks_redacted(call, line, len))
		return 0;
	if (strncmp(line, "ok ", 3) == 0)
		ok = 1;
	else if (strncmp(line, "fail ", 5) == 0)
		ok = 0;
	else
		return 0;
	key = line + (ok ? 3 : 5);
	end = key + strcspn(key, " \t");
	if (end == key || (ok && *end != '\0'))
		return 0;
	if (*end != '\0') {
		*end = '\0';
		reason = end + 1;
		hooks_sanitize(end + 1, strlen(end + 1));
	}
	if (!ok && (reason == NULL || *reason == '\0'))
		reason = "no reason given";
	hooks_sanitize(key, strlen(key));
	c->b->report(c->b->ctx, key, ok, reason);
	return 1;
}

static void
batch_line(void *ctx, struct hook_run *run, int stream, char *line,
    size_t len)
{
	const struct batch *c = ctx;

	if (stream == 1 && c->b->report != NULL && protocol(c, line, len))
		return;
	hooks_capture(run, line, len);
}

/*
 * Returns 0 when the run could be judged, -1 when dkimkeys failed (logged),
 * next() included: then standard input was closed early and the hook ran
 * on the lines it had, whose reports were delivered.
 */
int
hooks_run_batch(const struct hook_batch *batch, struct hook_result *result)
{
	struct batch c = { batch, NULL, 0, 0, 0 };
	struct hook_io io = { &batch->call, 1, batch_more, batch_line, &c };
	int rc;

	rc = hooks_exec(&io, result);
	secret_free(c.line);
	return c.failed ? -1 : rc;
}
