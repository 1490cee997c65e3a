/*
 * fault.c - crash points for tests (see fault.h); empty in real builds.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#ifdef DKIMKEYS_FAULTS
void
fault_point(const char *name)
{
	static unsigned hits;
	const char *spec = getenv("DKIMKEYS_FAULT");
	size_t len = strlen(name);

	if (spec == NULL || strncmp(spec, name, len) != 0 || spec[len] != ':')
		return;
	if (++hits == (unsigned)strtoul(spec + len + 1, NULL, 10))
		raise(SIGKILL);
}

int
fault_errno(const char *name)
{
	static unsigned hits;
	const char *spec = getenv("DKIMKEYS_FAULT");
	size_t len = strlen(name);

	if (spec == NULL || strncmp(spec, name, len) != 0 || spec[len] != ':')
		return 0;
	return ++hits >= (unsigned)strtoul(spec + len + 1, NULL, 10) ?
	    ENOSPC : 0;
}
#else
void
fault_point(const char *name)
{
	(void)name;
}

int
fault_errno(const char *name)
{
	(void)name;
	return 0;
}
#endif
