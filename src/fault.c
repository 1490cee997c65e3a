/*
 * fault.c - crash points for tests (see fault.h); empty in real builds.
 */
#include "fault.h"

#ifdef DKIMKEYS_FAULTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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
#else
/* ISO C wants something in a translation unit */
typedef int fault_unused;
#endif
