/*
 * fault.h - crash points for the kill -9 tests.
 *
 * fault_point() is a call in every build. The fault.o of the real program
 * defines it as nothing; tests/dkimkeys-faults links the same objects with
 * fault.c compiled once more with -DDKIMKEYS_FAULTS, where
 * DKIMKEYS_FAULT=NAME:N kills the process with SIGKILL at the Nth time it
 * passes point NAME; fault_errno() makes a point fail instead.
 */
#ifndef DKIMKEYS_FAULT_H
#define DKIMKEYS_FAULT_H

void fault_point(const char *name);

/*
 * An injected failure: 0 in real builds; in tests/dkimkeys-faults, with
 * DKIMKEYS_FAULT=NAME:N, ENOSPC the Nth time point NAME is passed (and
 * every time after), for the caller to fail with as a full disk would.
 */
int fault_errno(const char *name);

#endif
