/*
 * rotate_deleg.h - delegated vendors in a run.
 */
#ifndef DKIMKEYS_ROTATE_DELEG_H
#define DKIMKEYS_ROTATE_DELEG_H

#include "rotate_run.h"

/* A delegated vendor's CNAMEs followed and its keys observed. */
void rotate_delegated(struct run *run, const struct vendor *v);

#endif
