/*
 * fault.h - crash points for the kill -9 tests.
 *
 * Built only with -DDKIMKEYS_FAULTS (make TESTHOOKS=1, or the test binary
 * tests/dkimkeys-faults): DKIMKEYS_FAULT=NAME:N kills the process with
 * SIGKILL at the Nth time it passes point NAME. In every other build a
 * fault point is nothing at all.
 */
#ifndef DKIMKEYS_FAULT_H
#define DKIMKEYS_FAULT_H

#ifdef DKIMKEYS_FAULTS
void fault_point(const char *name);
#else
#define fault_point(name) ((void)0)
#endif

#endif
