/*
 * ksfile.h - files beneath the keystore folder's descriptor.
 *
 * Every name is opened with openat(2) beneath an open folder, with
 * O_NOFOLLOW|O_CLOEXEC, and checked with fstat(2): the right type, owned by
 * root or the effective user, and mode & 077 == 0. A symbolic link, another
 * owner or a looser mode is refused (77), never fixed. `shown` is the path
 * used in messages. Every function logs once and returns -1 on failure:
 * a missing file is 65 (the keystore is damaged), other errors 74.
 */
#ifndef DKIMKEYS_KSFILE_H
#define DKIMKEYS_KSFILE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/* Opens and checks the folder name beneath dfd (or AT_FDCWD). */
int ksfile_open_dir(int dfd, const char *name, const char *shown);
/* Opens and checks the regular file name beneath dfd, with open flags
 * (O_RDONLY, O_RDWR, O_APPEND...); returns the descriptor. */
int ksfile_open(int dfd, const char *name, const char *shown, int flags);
/* Reads the whole file into a malloc'd buffer (NUL-terminated, not
 * counted in *len); more than max bytes is 65 ("too large"). */
int ksfile_read(int dfd, const char *name, const char *shown, size_t max,
    unsigned char **buf, size_t *len);
/*
 * Writes a new version of name: a temp file in the same folder created with
 * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, all bytes, fsync, renameat over
 * name. The folder itself is not synced (ksfile_sync_dir, once per batch).
 * On failure (disk full included: 74) the temp file is removed and the old
 * name is untouched.
 */
int ksfile_put(int dfd, const char *name, const char *shown, const void *buf,
    size_t len);
/* Reads exactly len octets at off of the open file fd (a short file is
 * 65 "truncated"). */
int ksfile_pread(int fd, void *buf, size_t len, off_t off, const char *shown);
/* Writes len octets at off of fd in place, then fdatasync(2). */
int ksfile_pwrite_sync(int fd, const void *buf, size_t len, off_t off,
    const char *shown);
/*
 * ksfile_replace in pieces, for a file too large to hold in memory:
 * ksfile_begin creates the temp file, ksfile_write appends (its first
 * failure is kept: the later calls do nothing), ksfile_end fsyncs,
 * renames over name and syncs the folder, or logs the failure (74) and
 * removes the temp file, as ksfile_abort does.
 */
struct ksfile_new {
	int dfd, fd, err;
	char *tmp;
	const char *name, *shown;
};
int ksfile_begin(struct ksfile_new *f, int dfd, const char *name,
    const char *shown);
int ksfile_write(void *f, const char *p, size_t n);
int ksfile_end(struct ksfile_new *f);
void ksfile_abort(struct ksfile_new *f);
/* ksfile_put, then fsync of the folder: atomic and durable. */
int ksfile_replace(int dfd, const char *name, const char *shown,
    const void *buf, size_t len);
/* fsync of an open folder. */
int ksfile_sync_dir(int dfd, const char *shown);
/* fsync of the folder holding path, so that path itself is durable. */
int ksfile_sync_parent(const char *path);
/*
 * Writes buf to path atomically and durably, for any file outside the
 * keystore too (the Prometheus textfile): a temp file beside path created
 * with O_CREAT|O_EXCL|O_NOFOLLOW and then given mode whatever the umask,
 * all bytes, fsync, rename over path, fsync of the folder. On failure the
 * temp file is removed, path is untouched, and the error is logged once
 * as "WHO: PATH: reason": 73 when the temp file cannot be created, 74
 * for the rest.
 */
int ksfile_write_atomic(const char *who, const char *path, mode_t mode,
    const void *buf, size_t len);
/* Whether the folder at path is empty: 1 or 0; -1 (73) when unreadable. */
int ksfile_empty_dir(const char *path);
/*
 * Removes every entry of the folder dfd for which match(name, arg) holds
 * (a missing one is no error), then syncs the folder if anything went.
 */
int ksfile_prune(int dfd, const char *shown,
    bool (*match)(const char *name, const void *arg), const void *arg);
/* Whether a temp file name of ksfile_put's ("*.tmp-XXXXXXXXXXXXXXXX"). */
int ksfile_is_temp(const char *name);

#endif
