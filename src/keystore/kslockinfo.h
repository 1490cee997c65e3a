/*
 * kslockinfo.h - who holds the keystore's lock and which host committed
 * last, as host names and a time, for status's metrics.
 */
#ifndef DKIMKEYS_KSLOCKINFO_H
#define DKIMKEYS_KSLOCKINFO_H

#include <stdint.h>

struct ks;

struct ks_lockinfo {
	int held;          /* 1 held, 0 free, -1 unknown (no /proc/locks) */
	char *holder_host; /* held: the holder's host (malloc'd) */
	char *last_host;   /* etcd: the host of the last commit, or NULL */
	int64_t last_at;   /* etcd: its time (the clock's), or 0 */
};

/*
 * Fills *out. etcd: from status's ks_cluster_info lines (holder "HOST
 * pid N", last "HOST pid N at TIME", either NULL); a folder (both NULL,
 * ks not in etcd): the lock file's flock(2) as /proc/locks shows it, the
 * holder being a process of this host (gethostname). Never fails: what
 * cannot be told is left unknown.
 */
void ks_lockinfo(struct ks *ks, const char *holder, const char *last,
    struct ks_lockinfo *out);
void ks_lockinfo_free(struct ks_lockinfo *li);

#endif
