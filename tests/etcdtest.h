/*
 * etcdtest.h - shared by the suites whose "etcd" cases run against a real
 * etcd when ETCD_ENDPOINTS is set (check_ksetcd.c, check_ksstore.c;
 * tests/integration/etcd_client.sh starts a cluster and sets it).
 */
#ifndef DKIMKEYS_ETCDTEST_H
#define DKIMKEYS_ETCDTEST_H

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "support/util.h"

#include "testutil.h"

/* The cluster's endpoints, ETCD_ENDPOINTS (NULL or empty: none). */
static inline const char *
endpoints(void)
{
	return getenv("ETCD_ENDPOINTS");
}

/* A key prefix of this test's own. */
static inline char *
prefix(const char *what)
{
	return xasprintf("/check/%s/%ld-%ld/", what, (long)getpid(),
	    (long)time(NULL));
}

/* The test case "etcd" (60 s a test), or NULL without a cluster: its tests
 * are then left out. */
static inline TCase *
etcd_tcase(void)
{
	TCase *tc;

	if (endpoints() == NULL || *endpoints() == '\0')
		return NULL;
	tc = tcase_create("etcd");
	tcase_set_timeout(tc, 60);
	return tc;
}

#endif
