/*
 * secret.c - guarded memory for secrets: the one owner type, on slab
 * slots (small ones) or sodium_malloc() memory, and the process set-up
 * that keeps it off disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "secret.h"
#include "slab.h"
#include "support/log.h"

int
secret_setup(void)
{
	struct rlimit rl = { 0, 0 };

	if (sodium_init() < 0) {
		log_fail(EX_SOFTWARE, "libsodium: cannot initialise");
		return -1;
	}
	/* a core dump would carry every decrypted key to disk */
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		log_warn("cannot disable core dumps: %s", strerror(errno));
	/* nor may another process of this user attach to it or read its
	 * memory through /proc (a hook included); no core even if a
	 * core_pattern pipe ignores the limit */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		log_warn("cannot make the process undumpable: %s",
		    strerror(errno));
	return 0;
}

struct secret *
secret_new(size_t cap, size_t len)
{
	struct secret *s;

	if (len > cap || (s = calloc(1, sizeof(*s))) == NULL)
		goto fail;
	/* slab slots come zeroed: wiped when given back, or fresh */
	if (cap <= SLAB_MAX && (s->data = slab_alloc(cap != 0 ? cap : 1)) !=
	    NULL)
		s->slab = true;
	else if (cap > SLAB_MAX &&
	    (s->data = sodium_malloc(cap)) != NULL)
		sodium_memzero(s->data, cap);
	if (s->data == NULL) {
		free(s);
		goto fail;
	}
	s->cap = cap;
	s->len = len;
	return s;
fail:
	log_fail(EX_IOERR, "secret: cannot allocate guarded memory "
	    "(check vm.max_map_count and RLIMIT_MEMLOCK)");
	return NULL;
}

struct secret *
secret_from(const void *buf, size_t len)
{
	struct secret *s = secret_new(len, len);

	if (s != NULL && len != 0)
		memcpy(s->data, buf, len);
	return s;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	if (s->slab)
		slab_release(s->data, s->cap != 0 ? s->cap : 1); /* wipes */
	else
		sodium_free(s->data); /* wipes before freeing */
	free(s);
}
