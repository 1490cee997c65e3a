/*
 * dmarc_obs.c - DIR/dmarc.obs, the last DMARC observation per vendor
 * (dmarc_obs.h). One line a vendor, tab-separated:
 * VENDOR AT NONE_SINCE ERRORS WARNINGS RECORD POLICY SPF ALIGNED PROBLEM
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc_obs.h"
#include "keystore/ksfile.h"
#include "support/log.h"
#include "support/util.h"

#define OBS_MAGIC "dkimkeys-dmarc 1\n"
#define OBS_MAX_BYTES (16u << 20)
#define OBS_FIELDS 10

static int
obs_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dmarc_obs *)a)->vendor,
	    ((const struct dmarc_obs *)b)->vendor);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
obs_path(const struct lc *lc)
{
	return xasprintf("%s/%s", lc->cfg->keystore, DMARC_OBS_FILE);
}

/* "-" for none */
static char *
field_str(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : xstrdup(s);
}

static int
field_int(const char *s, int64_t *out)
{
	uint64_t v;

	if (util_parse_uint(s, 0, INT64_MAX, &v) == -1)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
field_tri(const char *s, int *out)
{
	*out = strcmp(s, "yes") == 0 ? 1 : strcmp(s, "no") == 0 ? 0 : -1;
	return *out == -1 && strcmp(s, "-") != 0 ? -1 : 0;
}

/* One line (without its newline) into o; -1 when it does not parse. */
static int
obs_line(char *line, struct dmarc_obs *o)
{
	char *f[OBS_FIELDS], *save = NULL;
	int64_t e, w;
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	for (f[n] = strtok_r(line, "\t", &save); f[n] != NULL &&
	    ++n < OBS_FIELDS; f[n] = strtok_r(NULL, "\t", &save))
		;
	if (n != OBS_FIELDS || strtok_r(NULL, "\t", &save) != NULL ||
	    field_int(f[1], &o->at) == -1 ||
	    field_int(f[2], &o->none_since) == -1 ||
	    field_int(f[3], &e) == -1 || field_int(f[4], &w) == -1 ||
	    e > 1000000 || w > 1000000 || strlen(f[6]) >= sizeof(o->policy) ||
	    field_tri(f[7], &o->spf) == -1 ||
	    field_tri(f[8], &o->aligned) == -1)
		return -1;
	o->errors = (unsigned)e;
	o->warnings = (unsigned)w;
	snprintf(o->policy, sizeof(o->policy), "%s",
	    strcmp(f[6], "-") == 0 ? "" : f[6]);
	o->vendor = xstrdup(f[0]);
	o->record = field_str(f[5]);
	o->problem = field_str(f[9]);
	return 0;
}

static void
obs_clear(struct dmarc_obs *o)
{
	free(o->vendor);
	free(o->record);
	free(o->problem);
}

void
dmarc_obs_load(struct lc *lc, struct dmarc_obs_set *set)
{
	char *path = obs_path(lc), *data = NULL, *line, *save = NULL;
	size_t len, i, j;
	FILE *f;

	memset(set, 0, sizeof(*set));
	if ((f = fopen(path, "re")) == NULL)
		goto out;
	data = xmalloc(OBS_MAX_BYTES + 1);
	len = fread(data, 1, OBS_MAX_BYTES, f);
	data[len] = '\0';
	fclose(f);
	if (strncmp(data, OBS_MAGIC, strlen(OBS_MAGIC)) != 0)
		goto out;
	for (line = strtok_r(data + strlen(OBS_MAGIC), "\n", &save);
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		set->o = xrealloc(set->o, (set->n + 1) * sizeof(*set->o));
		if (obs_line(line, &set->o[set->n]) == 0)
			set->n++;
	}
	if (set->n > 0)
		qsort(set->o, set->n, sizeof(*set->o), obs_cmp);
	/* a vendor given twice (an edited file) keeps one line */
	for (i = j = 0; i < set->n; i++)
		if (j > 0 && obs_cmp(&set->o[j - 1], &set->o[i]) == 0)
			obs_clear(&set->o[i]);
		else
			set->o[j++] = set->o[i];
	set->n = set->nsorted = j;
out:
	free(data);
	free(path);
}

/* The index of name in set, or set->n: binary search in the sorted
 * part, then the few noted since. */
static size_t
obs_index(const struct dmarc_obs_set *set, const char *name)
{
	struct dmarc_obs key;
	const struct dmarc_obs *o;
	size_t i;

	key.vendor = (char *)(uintptr_t)name;
	o = set->nsorted == 0 ? NULL : bsearch(&key, set->o, set->nsorted,
	    sizeof(*set->o), obs_cmp);
	if (o != NULL)
		return (size_t)(o - set->o);
	for (i = set->nsorted; i < set->n; i++)
		if (strcmp(set->o[i].vendor, name) == 0)
			return i;
	return set->n;
}

const struct dmarc_obs *
dmarc_obs_find(const struct dmarc_obs_set *set, const char *name)
{
	size_t i = obs_index(set, name);

	return i < set->n ? &set->o[i] : NULL;
}

int64_t
dmarc_obs_none_since(const struct dmarc_obs_set *set, const struct vendor *v)
{
	const struct dmarc_obs *o = dmarc_obs_find(set, v->name);

	return o != NULL ? o->none_since : 0;
}


void
dmarc_obs_note(struct dmarc_obs_set *set, const struct vendor *v,
    int64_t now, const struct dmarc_result *r)
{
	size_t i = obs_index(set, v->name);
	struct dmarc_obs *o = i < set->n ? &set->o[i] : NULL;
	int64_t none = 0;
	char *p;

	/* each vendor is noted once a run: the unsorted tail stays short
	 * of duplicates, and a run over many vendors is n log n */
	if (o == NULL) {
		set->o = xrealloc(set->o, (set->n + 1) * sizeof(*set->o));
		o = &set->o[set->n++];
		memset(o, 0, sizeof(*o));
		o->vendor = xstrdup(v->name);
	}
	if (r->has_policy && r->applies == DMARC_NONE)
		none = o->none_since != 0 ? o->none_since : now;
	free(o->record);
	free(o->problem);
	o->at = now;
	o->none_since = none;
	o->errors = 0;
	o->warnings = r->warnings;
	o->record = r->record != NULL ? xstrdup(r->record) : NULL;
	snprintf(o->policy, sizeof(o->policy), "%s",
	    r->has_policy ? dmarc_policy_name(r->applies) : "");
	o->spf = r->spf;
	o->aligned = r->aligned;
	o->problem = NULL;
	for (i = 0; i < r->n; i++)
		if (!r->f[i].ok && o->errors++ == 0) {
			o->problem = xasprintf("%s: %s", r->f[i].name,
			    r->f[i].what);
			for (p = o->problem; *p != '\0'; p++)
				if (*p == '\t' || *p == '\n')
					*p = ' ';
		}
	set->changed = true;
}

static const char *
tri(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "-";
}

int
dmarc_obs_save(struct lc *lc, struct dmarc_obs_set *set)
{
	const struct config *cfg = lc->cfg;
	struct buf b = { 0 };
	char *path, **names, *const *hit;
	size_t i;
	int rc = 0;

	if (!set->changed || access(cfg->keystore, W_OK) == -1)
		return 0;
	/* the configured vendors, sorted, to drop the others */
	names = xcalloc(cfg->nvendors + 1, sizeof(*names));
	for (i = 0; i < cfg->nvendors; i++)
		names[i] = cfg->vendors[i].name;
	if (cfg->nvendors > 0)
		qsort(names, cfg->nvendors, sizeof(*names), name_cmp);
	if (set->n > 0)
		qsort(set->o, set->n, sizeof(*set->o), obs_cmp);
	set->nsorted = set->n;
	buf_puts(&b, OBS_MAGIC);
	for (i = 0; i < set->n; i++) {
		const struct dmarc_obs *o = &set->o[i];

		hit = bsearch(&o->vendor, names, cfg->nvendors,
		    sizeof(*names), name_cmp);
		if (hit == NULL)
			continue;
		buf_printf(&b, "%s\t%lld\t%lld\t%u\t%u\t%s\t%s\t%s\t%s\t%s\n",
		    o->vendor, (long long)o->at, (long long)o->none_since,
		    o->errors, o->warnings, o->record != NULL ? o->record :
		    "-", o->policy[0] != '\0' ? o->policy : "-", tri(o->spf),
		    tri(o->aligned), o->problem != NULL ? o->problem : "-");
	}
	free(names);
	path = obs_path(lc);
	rc = ksfile_write_atomic("dmarc", path, 0600, b.data, b.len);
	free(path);
	buf_free(&b);
	set->changed = false;
	return rc;
}

void
dmarc_obs_free(struct dmarc_obs_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		obs_clear(&set->o[i]);
	free(set->o);
	memset(set, 0, sizeof(*set));
}
