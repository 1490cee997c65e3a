/*
 * rotate_batch.c - batch hooks in a run: events of batch-hook vendors are
 * queued as the schedules are walked, each (section, event) runs its batch
 * hooks once with all its keys, and the schedules are walked again to
 * commit what the batches accepted (SPEC section 6).
 */
#include <stdlib.h>
#include <string.h>

#include "event_hooks.h"
#include "rotate_batch.h"
#include "support/log.h"

struct qitem {
	const struct vendor *v;
	struct ks_key *k;
	enum ks_event ev;
	char *prev;
	int ok;         /* 1 ok, -1 failed, 0 not reported */
	bool done;      /* its batch has run */
	bool consumed;  /* the step committed it */
	size_t older;   /* the key's item queued before, or NONE */
};

#define NONE ((size_t)-1)

struct batchq {
	struct qitem *items;
	size_t n, cap;
	size_t *last; /* by keystore index: the key's newest item, or NONE */
	size_t nlast;
};

/* Where q->last keeps k's newest item (grown to the keystore's size). */
static size_t *
last_of(struct run *run, struct batchq *q, const struct ks_key *k)
{
	size_t at = ks_find_index(run->lc->ks, k->domain, k->selector), n;

	if (at == KS_INDEX_NONE)
		return NULL;
	if (at >= q->nlast) {
		(void)ks_keys(run->lc->ks, &n);
		q->last = xrealloc(q->last, n * sizeof(*q->last));
		while (q->nlast < n)
			q->last[q->nlast++] = NONE;
	}
	return &q->last[at];
}

/* The newest item of (k, ev): a key's few items, found by its index. */
static struct qitem *
find(struct run *run, struct batchq *q, const struct ks_key *k,
    enum ks_event ev)
{
	size_t *last = last_of(run, q, k), i;

	for (i = last != NULL ? *last : NONE; i != NONE;
	    i = q->items[i].older)
		if (q->items[i].k == k && q->items[i].ev == ev)
			return &q->items[i];
	return NULL;
}

bool
run_batched(struct run *run, const struct vendor *v, struct ks_key *k,
    enum ks_event ev, const char *prev)
{
	struct batchq *q;
	struct qitem *it;
	size_t *last;

	if (run->batch == NULL)
		run->batch = xcalloc(1, sizeof(*run->batch));
	q = run->batch;
	if ((it = find(run, q, k, ev)) != NULL) {
		if (!it->done || it->ok != 1 || it->consumed)
			return false;
		it->consumed = true;
		return true;
	}
	if (q->n == q->cap) {
		q->cap = q->cap != 0 ? 2 * q->cap : 64;
		q->items = xrealloc(q->items, q->cap * sizeof(*q->items));
	}
	it = &q->items[q->n++];
	memset(it, 0, sizeof(*it));
	it->v = v;
	it->k = k;
	it->ev = ev;
	it->prev = prev != NULL ? xstrdup(prev) : NULL;
	run->touched++;
	last = last_of(run, q, k);
	it->older = last != NULL ? *last : NONE;
	if (last != NULL)
		*last = q->n - 1;
	run_mark(&run->fresh, &run->nfresh, &run->capfresh, k);
	/* a deferred group past RUN_DEFER_MAX keys commits its part */
	if (run->defer)
		run_commit(run);
	return false;
}

/* Items of the same batch: not run yet, same event, same section. */
static bool
same(const struct qitem *a, const struct qitem *b)
{
	return !b->done && a->ev == b->ev &&
	    strcmp(a->v->section, b->v->section) == 0;
}

static void
one_batch(struct run *run, struct batchq *q, size_t first)
{
	struct qitem *head = &q->items[first];
	struct ks_key **keys = xcalloc(q->n, sizeof(*keys));
	const char **prev = xcalloc(q->n, sizeof(*prev));
	size_t *idx = xcalloc(q->n, sizeof(*idx));
	int *ok = xcalloc(q->n, sizeof(*ok));
	enum hook_status st;
	size_t i, n = 0;
	struct qitem *it;

	for (i = first; i < q->n; i++) {
		if (i != first && !same(head, &q->items[i]))
			continue;
		keys[n] = q->items[i].k;
		prev[n] = q->items[i].prev;
		idx[n++] = i;
	}
	st = lc_batch(run->lc, head->v, head->ev, keys, prev, n, ok);
	for (i = 0; i < n; i++) {
		it = &q->items[idx[i]];
		it->done = true;
		it->ok = ok[i];
		if (ok[i] == 1)
			continue;
		if (ok[i] == 0 && st != HOOK_FAILED) {
			rotate_report_add(run->r, it->v->name, it->k, false,
			    "waiting", "%s batch hook: not yet",
			    lc_event_name(it->ev));
			/* a wait, not a failure, as for single hooks: why
			 * (in the hook's words) goes to the stall record */
			if (it->k->error != NULL)
				run_stall(run, it->v, "%s", it->k->error);
			else
				run_stall(run, it->v, "%s batch hook: not yet",
				    lc_event_name(it->ev));
			ks_set_error(run->lc->ks, it->k, NULL, 0);
		} else {
			/* lc_batch left why, in the hook's words if any */
			rotate_report_add(run->r, it->v->name, it->k, true,
			    "failed", "%s", it->k->error != NULL ?
			    it->k->error : "batch hook failed");
		}
	}
	free(keys);
	free(prev);
	free(idx);
	free(ok);
}

int
run_batches(struct run *run)
{
	struct batchq *q = run->batch;
	size_t i, ran = 0;
	enum ks_event ev;

	if (q == NULL)
		return 0;
	/* in event order, each (section, event) once */
	for (ev = 0; ev < KS_EV_COUNT; ev++)
		for (i = 0; i < q->n; i++)
			if (!q->items[i].done && q->items[i].ev == ev) {
				one_batch(run, q, i);
				ran++;
			}
	if (ran > 0)
		run_commit(run);
	return (int)ran;
}

void
run_batch_free(struct run *run)
{
	size_t i;

	if (run->batch == NULL)
		return;
	for (i = 0; i < run->batch->n; i++)
		free(run->batch->items[i].prev);
	free(run->batch->items);
	free(run->batch->last);
	free(run->batch);
	run->batch = NULL;
}
