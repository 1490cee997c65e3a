/*
 * ksaudit_int.h - what ksaudit.c (appends) and ksaudit_verify.c (log
 * --verify) share: the line format's readers and audit.head.
 */
#ifndef DKIMKEYS_KSAUDIT_INT_H
#define DKIMKEYS_KSAUDIT_INT_H

#include <stddef.h>

#include "ksaudit.h"

#define LOG_NAME "audit.log"
#define LOG_MAX ((size_t)1 << 30)
#define ZERO_HASH \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* SHA-256 (hex) of a line without its LF. */
void ksaudit_line_hash(const char *line, size_t len,
    char out[KSAUDIT_HASH_HEX]);
/* Reads seq and prev from a line (without its LF); -1 when malformed. */
int ksaudit_line_fields(const char *line, size_t len, unsigned long *seq,
    char prev[KSAUDIT_HASH_HEX]);
/* audit.head into *h; -1 (65) when damaged. */
int ksaudit_read_head(int dfd, const char *dir, struct ksaudit_head *h);

#endif
