/*
 * ksaudit_seg.h - the audit log's segments (keystore/FORMAT section 6):
 * audit.log is the live segment; past audit_segment_size an append rolls
 * it to audit-SEQ.log, SEQ being its last entry's seq (12 digits), and
 * starts a new audit.log with the appended lines, chained on.
 */
#ifndef DKIMKEYS_KSAUDIT_SEG_H
#define DKIMKEYS_KSAUDIT_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSAUDIT_SEG_NAME_LEN 32 /* "audit-" 12 digits ".log" NUL */

/* The process's segment size (bytes; 0: the default, 64 MiB). */
void ksaudit_segment_limit(uint64_t bytes);
uint64_t ksaudit_segment_size(void);

/* "audit-%012lu.log" for the segment ending at seq. */
void ksaudit_seg_name(unsigned long last, char out[KSAUDIT_SEG_NAME_LEN]);
/* Whether name is a segment's, and its last seq. */
bool ksaudit_seg_parse(const char *name, unsigned long *last);

/*
 * The sealed segments beneath dfd, oldest first (a NULL-terminated array
 * of malloc'd names), leaving out a link to audit.log itself (a roll
 * interrupted between its two renames; *leftover then names it, else "").
 * NULL after logging.
 */
char **ksaudit_segments(int dfd, const char *dir,
    char leftover[KSAUDIT_SEG_NAME_LEN]);
void ksaudit_segments_free(char **names);

/*
 * Opens audit.log and takes flock op on it; when the name was rolled to
 * another file meanwhile (an append by another process), opens again.
 * The descriptor, or -1 after logging.
 */
int ksaudit_open_locked(int dfd, const char *shown, int flags, int op);

/*
 * Rolls the live segment (fd, ending at seq last) to audit-LAST.log and
 * makes text (len octets, the new lines) the new audit.log: a hard link,
 * then an atomic replacement, each made durable. Called under the log's
 * exclusive flock.
 */
int ksaudit_roll(int dfd, const char *dir, int fd, unsigned long last,
    const char *text, size_t len);

#endif
