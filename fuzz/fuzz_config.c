/*
 * fuzz_config.c - the config loader (src/config/): the input is written
 * as dkimkeys.conf (mode 0600) into a private folder (in /dev/shm) that
 * also holds two hooks ("hook", "hook2") and a domains_file
 * ("domains.txt"), then
 * config_load() reads it: every pass, the trust checks included.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz.h"
#include "support/log.h"

/* in memory when it can be: /tmp may be a disk, and each input is a file */
static char dir[] = "/dev/shm/dkimkeys-fuzz-XXXXXX";
static char path[sizeof(dir) + 32];

static void
put(const char *name, const char *text, mode_t mode)
{
	char p[sizeof(dir) + 32];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FUZZ_ASSERT(fd != -1);
	FUZZ_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	FUZZ_ASSERT(fchmod(fd, mode) == 0 && close(fd) == 0);
}

static int
rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void
cleanup(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL) {
		strcpy(dir, "/tmp/dkimkeys-fuzz-XXXXXX");
		FUZZ_ASSERT(mkdtemp(dir) != NULL);
	}
	atexit(cleanup);
	put("hook", "#!/bin/sh\nexit 0\n", 0755);
	put("hook2", "#!/bin/sh\nexit 0\n", 0755);
	put("domains.txt", "example.com\nexample.org mail%Y\n", 0644);
	snprintf(path, sizeof(path), "%s/dkimkeys.conf", dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_ASSERT(fd != -1);
	FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
	FUZZ_ASSERT(close(fd) == 0);
	log_status_reset();
	if (config_load(path, &cfg) == 0) {
		FUZZ_ASSERT(cfg != NULL && log_status() == 0);
		(void)config_vendor(cfg, "mg");
	} else
		FUZZ_ASSERT(cfg == NULL && log_status() != 0);
	config_free(cfg);
	return 0;
}
