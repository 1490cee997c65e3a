/*
 * kslease.c - the lease lock and fenced commits of kslease.h, and the
 * thread that renews the lease (with a client of its own: a curl handle
 * is used by one thread only).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kslease.h"
#include "support/log.h"
#include "support/util.h"

struct kslease {
	struct ksetcd *c, *kc; /* the caller's client; the keeper's */
	char *key;
	size_t klen;
	int64_t lease, ttl, rev;
	pthread_t th;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	atomic_bool lost;
};

static void *
keeper(void *arg)
{
	struct kslease *l = arg;
	struct timespec at;
	int64_t left;
	bool stop = false;

	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += l->ttl / 3 > 0 ? l->ttl / 3 : 1;
		pthread_mutex_lock(&l->mu);
		while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu,
		    &at) != ETIMEDOUT)
			;
		stop = l->stop;
		pthread_mutex_unlock(&l->mu);
		if (stop)
			break;
		/* a failed renewal is tried again; the fencing decides */
		if (ksetcd_lease_keepalive(l->kc, l->lease, &left) == 0 &&
		    left <= 0) {
			atomic_store(&l->lost, true);
			break;
		}
	}
	return NULL;
}

static int
start_keeper(struct kslease *l, const char *endpoints,
    const struct ksetcd_opts *opts)
{
	pthread_condattr_t ca;

	if ((l->kc = ksetcd_new(endpoints, opts)) == NULL)
		return -1;
	ksetcd_quiet(l->kc, true);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->mu, NULL);
	if (pthread_create(&l->th, NULL, keeper, l) != 0) {
		log_fail(EX_OSERR, "keystore: etcd: cannot start the lease "
		    "keeper");
		return -1;
	}
	l->running = true;
	return 0;
}

/* One try: 1 taken, 0 busy (the holder's line in *holder), -1 failed. */
static int
try_take(struct kslease *l, const char *holder, char **who)
{
	struct ksetcd_cmp cmp = { l->key, l->klen, KSETCD_CREATE, KSETCD_EQUAL,
		0 };
	struct ksetcd_op put = { KSETCD_PUT, l->key, l->klen, holder,
		strlen(holder), 0, NULL, 0 };
	struct ksetcd_op get = { KSETCD_RANGE, l->key, l->klen, NULL, 0, 0,
		NULL, 0 };
	struct ksetcd_kvs cur;
	int64_t granted;
	bool ok;

	if (ksetcd_lease_grant(l->c, l->ttl, &l->lease, &granted) == -1)
		return -1;
	put.lease = l->lease;
	if (ksetcd_txn(l->c, &cmp, 1, &put, 1, &get, 1, &ok, &l->rev,
	    &cur) == -1) {
		(void)ksetcd_lease_revoke(l->c, l->lease);
		return -1;
	}
	if (!ok) {
		free(*who);
		*who = xstrdup(cur.n > 0 ? (char *)cur.kv[0].value : "(gone)");
		ksetcd_kvs_free(&cur);
		(void)ksetcd_lease_revoke(l->c, l->lease);
		l->lease = 0;
		return 0;
	}
	ksetcd_kvs_free(&cur);
	l->ttl = granted > 0 ? granted : l->ttl;
	return 1;
}

int
kslease_take(struct ksetcd *c, const char *endpoints,
    const struct ksetcd_opts *opts, const char *prefix, const char *holder,
    int64_t ttl, bool wait, struct kslease **out)
{
	struct kslease *l = xcalloc(1, sizeof(*l));
	unsigned left = alarm(0);
	int64_t deadline = 0;
	char *who = NULL;
	int r;

	*out = NULL;
	l->c = c;
	l->key = xasprintf("%slock", prefix);
	l->klen = strlen(l->key);
	l->ttl = ttl > 0 ? ttl : KSLEASE_TTL;
	atomic_init(&l->lost, false);
	/* --wait=DURATION arms an alarm (cli.c): its time is the deadline */
	if (left > 0) {
		deadline = util_monotonic_ms() + 1000 * (int64_t)left;
		alarm(left);
	}
	while ((r = try_take(l, holder, &who)) == 0 && wait) {
		struct timespec half = { 0, 500000000L };
		int64_t ms = KSLEASE_WATCH_MS, now = util_monotonic_ms();

		if (deadline > 0 && now >= deadline) {
			log_fail(EX_TEMPFAIL, "keystore: etcd %s: gave up "
			    "waiting for the lock (held by %s)", prefix, who);
			r = -1;
			break;
		}
		log_debug("keystore: etcd %s: locked by %s; waiting", prefix,
		    who);
		/* until the lock key goes (released, or its lease lapsed):
		 * watched from the revision it was seen at, for a while at
		 * most; a failed watch falls back to a poll */
		if (deadline > 0 && deadline - now < ms)
			ms = deadline - now;
		if (ksetcd_watch_delete(l->c, l->key, l->klen, l->rev + 1,
		    (long)ms) == -1)
			nanosleep(&half, NULL);
	}
	if (r == 0)
		log_fail(EX_TEMPFAIL, "keystore: etcd %s: locked by %s "
		    "(another run); try again later or use --wait", prefix,
		    who);
	free(who);
	if (r == 1 && start_keeper(l, endpoints, opts) == 0) {
		*out = l;
		return 0;
	}
	if (r == 1)
		(void)kslease_release(l);
	else {
		free(l->key);
		free(l);
	}
	return -1;
}

int64_t
kslease_token(const struct kslease *l)
{
	return l->rev;
}

int
kslease_commit(struct kslease *l, const struct ksetcd_op *ops, size_t nops,
    int64_t *rev)
{
	struct ksetcd_cmp cmp = { l->key, l->klen, KSETCD_CREATE, KSETCD_EQUAL,
		l->rev };
	int64_t r = 0;
	bool ok = false;

	if (!atomic_load(&l->lost) && ksetcd_txn(l->c, &cmp, 1, ops, nops,
	    NULL, 0, &ok, &r, NULL) == -1)
		return -1;
	if (!ok) {
		atomic_store(&l->lost, true);
		log_fail(EX_TEMPFAIL, "keystore: etcd %s: the lock was lost "
		    "(the lease lapsed: this run was paused or cut off longer "
		    "than %llds); nothing committed", l->key,
		    (long long)l->ttl);
		return -1;
	}
	if (rev != NULL)
		*rev = r;
	return 0;
}

int
kslease_release(struct kslease *l)
{
	int rc = 0;

	if (l == NULL)
		return 0;
	if (l->running) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->th, NULL);
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
	}
	ksetcd_free(l->kc);
	if (l->lease != 0 && !atomic_load(&l->lost))
		rc = ksetcd_lease_revoke(l->c, l->lease);
	free(l->key);
	free(l);
	return rc;
}

int
kslease_holder(struct ksetcd *c, const char *prefix, char **holder)
{
	char *key = xasprintf("%slock", prefix);
	struct ksetcd_kv kv;
	int r;

	*holder = NULL;
	r = ksetcd_get(c, key, strlen(key), &kv);
	free(key);
	if (r == 1) {
		*holder = xstrdup((char *)kv.value);
		ksetcd_kv_free(&kv);
	}
	return r;
}
