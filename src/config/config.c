/*
 * config.c - the driver of the INI configuration (SPEC section 4):
 * config_load() runs the passes, and what other folders call (the path,
 * freeing, the vendor lookup) is here.
 *
 * config_parse.c reads the lines, config_value.c checks each value,
 * config_check.c and config_expand.c the whole; all of them report through
 * config_util.c. Errors are counted, never fatal, so that every one of
 * them is printed before config_load() fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_check.h"
#include "config_expand.h"
#include "config_parse.h"
#include "config_trust.h"
#include "config_util.h"
#include "support/log.h"
#include "support/util.h"

#define DEFAULT_KEYSTORE "/var/lib/dkimkeys"

static void
vendor_clear(struct vendor *v)
{
	size_t i;

	free(v->name);
	free(v->section);
	free(v->domain);
	free(v->selector);
	config_strv_free(v->hooks, v->nhooks);
	config_strv_free(v->batch_hooks, v->nbatch_hooks);
	for (i = 0; i < v->nhookvars; i++) {
		free(v->hookvars[i].name);
		free(v->hookvars[i].value);
	}
	free(v->hookvars);
	free(v->resolver);
	config_strv_free(v->selectors, v->nselectors);
	for (i = 0; i < v->ncname_targets; i++) {
		free(v->cname_targets[i].selector);
		free(v->cname_targets[i].target);
	}
	free(v->cname_targets);
	config_strv_free(v->standby_selectors, v->nstandby);
	free(v->domains_file);
	free(v->from_domain);
	config_strv_free(v->spf_include, v->nspf_include);
}

static void
parser_clear(struct parser *p)
{
	size_t i, j;

	for (i = 0; i < p->nsecs; i++) {
		free(p->secs[i].name);
		vendor_clear(&p->secs[i].v);
		for (j = 0; j < p->secs[i].nkeys; j++)
			free(p->secs[i].keys[j].key);
		free(p->secs[i].keys);
	}
	free(p->secs);
	free(p->line);
	if (p->fp != NULL)
		fclose(p->fp);
}

/*
 * Opens the file, sets cfg->path and cfg->dir (real folder, file name as
 * written) and checks trust: the file open must be the one checked.
 * Returns -1 after logging.
 */
static int
open_config(struct parser *p, const char *path)
{
	const char *slash = strrchr(path, '/'), *base;
	char *parent, why[1024];
	struct stat st, now;

	/* not blocking: a FIFO is refused below, not waited on */
	if ((p->fp = config_fopen(path)) == NULL) {
		log_fail(EX_CONFIG, "config: %s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(p->fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		log_fail(EX_CONFIG, "config: %s: not a regular file", path);
		return -1;
	}
	base = slash != NULL ? slash + 1 : path;
	parent = slash == NULL ? xstrdup(".")
	    : slash == path    ? xstrdup("/")
			       : xstrndup(path, (size_t)(slash - path));
	p->cfg->dir = realpath(parent, NULL);
	free(parent);
	if (p->cfg->dir == NULL) {
		log_fail(EX_CONFIG, "config: %s: %s", path, strerror(errno));
		return -1;
	}
	p->cfg->path = xasprintf(
	    "%s/%s", strcmp(p->cfg->dir, "/") == 0 ? "" : p->cfg->dir, base);
	if (config_trust_check(p->cfg->path, why, sizeof(why)) == -1) {
		log_fail(EX_NOPERM, "config: %s: %s", p->cfg->path, why);
		return -1;
	}
	if (stat(p->cfg->path, &now) == -1 || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino) {
		log_fail(EX_NOPERM, "config: %s: replaced while being opened",
		    p->cfg->path);
		return -1;
	}
	return 0;
}

static struct config *
config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->keystore = xstrdup(DEFAULT_KEYSTORE);
	cfg->resolver = xstrdup("authoritative");
	cfg->log = xstrdup("syslog");
	cfg->public_suffix_list = xstrdup(CONFIG_PSL_PATH);
	cfg->dns_timeout = 5;
	cfg->hook_timeout = 120;
	cfg->batch_hook_timeout = 1800;
	cfg->max_clock_jump = 30 * DAY;
	cfg->audit_segment_size = (uint64_t)64 << 20;
	return cfg;
}

const char *
config_path(const char *opt)
{
	const char *env = getenv("DKIMKEYS_CONFIG");

	if (opt != NULL)
		return opt;
	if (env != NULL && *env != '\0')
		return env;
	return CONFIG_DEFAULT_PATH;
}

int
config_load(const char *path, struct config **out)
{
	struct parser p;
	int rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.cfg = config_new();
	if (open_config(&p, path) == -1)
		goto done;
	config_parse(&p);
	config_check_sections(&p);
	config_expand(&p);
	config_check_selectors(&p);
	if (p.nerr > 0)
		goto done;
	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
done:
	parser_clear(&p);
	config_free(p.cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->dir);
	free(cfg->keystore);
	free(cfg->etcd_endpoints);
	free(cfg->etcd_prefix);
	free(cfg->etcd_ca);
	free(cfg->etcd_cert);
	free(cfg->etcd_key);
	free(cfg->etcd_user);
	free(cfg->etcd_password_file);
	free(cfg->passphrase_file);
	free(cfg->passphrase_env);
	free(cfg->resolver);
	free(cfg->resolver_ca);
	free(cfg->log);
	free(cfg->hook_user);
	free(cfg->public_suffix_list);
	for (i = 0; i < cfg->nhookvars; i++) {
		free(cfg->hookvars[i].name);
		free(cfg->hookvars[i].value);
	}
	free(cfg->hookvars);
	for (i = 0; i < cfg->nvendors; i++)
		vendor_clear(&cfg->vendors[i]);
	free(cfg->vendors);
	hmap_clear(&cfg->byname);
	free(cfg);
}

const struct vendor *
config_vendor(const struct config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	if (cfg->byname.n > 0) {
		i = hmap_get(&cfg->byname, name, NULL);
		return i != HMAP_NONE ? &cfg->vendors[i] : NULL;
	}
	/* a configuration built by hand (tests), not by config_load */
	for (i = 0; i < cfg->nvendors; i++)
		if (strcmp(cfg->vendors[i].name, name) == 0)
			return &cfg->vendors[i];
	return NULL;
}

const struct vendor *
config_section_vendor(const struct config *cfg, const char *section)
{
	size_t i;

	if (cfg == NULL || section == NULL)
		return NULL;
	if (cfg->byname.n > 0) {
		i = hmap_get(&cfg->byname, section, "");
		return i != HMAP_NONE ? &cfg->vendors[i] : NULL;
	}
	for (i = 0; i < cfg->nvendors; i++)
		if (strcmp(cfg->vendors[i].section, section) == 0)
			return &cfg->vendors[i];
	return NULL;
}
