/*
 * ksstore.c - the keystore's objects in a folder or in etcd (ksstore.h).
 *
 * In etcd, object NAME is the keys PREFIX NAME "#" %08x (its parts, in
 * order; keystore/FORMAT section 12): a replaced object is its new
 * content cut into parts of at most PART_MAX octets, an append one part
 * more. An object exists while its part 0 does.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksfile.h"
#include "ksstore.h"
#include "support/log.h"
#include "support/util.h"

#define PART_MAX ((size_t)1 << 20)

struct ksstore {
	bool etcd;
	/* a folder */
	int dfd, kfd;
	char *dir;
	/* etcd */
	struct ksetcd *c;
	struct kslease *lock;
	char *prefix;
	int64_t rev; /* reads are at this revision; 0 until the first */
	char shown[4200];
};

struct ksstore *
ksstore_dir(int dfd, int kfd, const char *dir)
{
	struct ksstore *s = xcalloc(1, sizeof(*s));

	s->dfd = dfd;
	s->kfd = kfd;
	s->dir = xstrdup(dir);
	return s;
}

struct ksstore *
ksstore_etcd(struct ksetcd *c, struct kslease *lock, const char *prefix)
{
	struct ksstore *s = xcalloc(1, sizeof(*s));

	s->etcd = true;
	s->dfd = s->kfd = -1;
	s->c = c;
	s->lock = lock;
	s->prefix = xstrdup(prefix);
	return s;
}

void
ksstore_close(struct ksstore *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s->prefix);
	free(s);
}

void
ksstore_names_free(char **names, size_t n)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* --- a folder --- */

/* The folder descriptor of name and the name within it. */
static int
dir_of(struct ksstore *s, const char *name, const char **base)
{
	snprintf(s->shown, sizeof(s->shown), "%s/%s", s->dir, name);
	if (strncmp(name, "keys/", 5) == 0) {
		*base = name + 5;
		return s->kfd;
	}
	*base = name;
	return s->dfd;
}

static int
dir_read(struct ksstore *s, const char *name, size_t max, unsigned char **buf,
    size_t *len)
{
	const char *base;
	int fd = dir_of(s, name, &base);
	struct stat sb;

	if (fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT)
		return 0;
	return ksfile_read(fd, base, s->shown, max, buf, len) == -1 ? -1 : 1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names beneath fd (shown as folder) that begin with begins. */
static int
dir_names(struct ksstore *s, int dfd, const char *folder, const char *begins,
    char ***names, size_t *n)
{
	size_t blen = strlen(begins);
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_fail(EX_IOERR, "keystore: %s%s: %s", s->dir, folder,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || ksfile_is_temp(de->d_name) ||
		    strncmp(de->d_name, begins, blen) != 0)
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

static int
dir_list(struct ksstore *s, const char *folder, char ***names, size_t *n)
{
	if (strcmp(folder, "keys") != 0) {
		log_fail(EX_SOFTWARE, "keystore: no folder %s", folder);
		return -1;
	}
	return dir_names(s, s->kfd, "/keys", "", names, n);
}

static int
dir_append(struct ksstore *s, int fd, const char *base, const void *p,
    size_t len)
{
	size_t off = 0;
	ssize_t w;
	int afd;

	if ((afd = ksfile_open(fd, base, s->shown, O_WRONLY | O_APPEND)) == -1)
		return -1;
	while (off < len) {
		if ((w = write(afd, (const char *)p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < len || fsync(afd) == -1) {
		log_fail(EX_IOERR, "keystore: %s: cannot append: %s", s->shown,
		    strerror(errno));
		close(afd);
		return -1;
	}
	close(afd);
	return 0;
}

static int
dir_commit(struct ksstore *s, const struct ksstore_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *base;
		int fd = dir_of(s, ops[i].name, &base), r;
		struct stat sb;

		if (ops[i].kind == KSSTORE_REMOVE) {
			if (unlinkat(fd, base, 0) == -1 && errno != ENOENT) {
				log_fail(EX_IOERR, "keystore: %s: %s",
				    s->shown, strerror(errno));
				return -1;
			}
			r = ksfile_sync_dir(fd, s->shown);
		} else if (ops[i].kind == KSSTORE_APPEND &&
		    fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			r = dir_append(s, fd, base, ops[i].data, ops[i].len);
		else
			r = ksfile_replace(fd, base, s->shown, ops[i].data,
			    ops[i].len);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* --- etcd --- */

/* PREFIX NAME "#" and, in *end, the end of its parts' range. */
static char *
parts_key(const struct ksstore *s, const char *name, char **end)
{
	*end = xasprintf("%s%s$", s->prefix, name); /* '$' follows '#' */
	return xasprintf("%s%s#", s->prefix, name);
}

static int
etcd_read(struct ksstore *s, const char *name, size_t max,
    unsigned char **buf, size_t *len)
{
	char *end, *key = parts_key(s, name, &end);
	struct ksetcd_kvs r;
	struct buf b = { NULL, 0, 0 };
	int rc = -1;

	if (ksetcd_range(s->c, key, strlen(key), end, strlen(end), s->rev, 0,
	    false, &r) == -1)
		goto out;
	if (s->rev == 0)
		s->rev = r.rev;
	rc = r.n > 0;
	for (size_t i = 0; i < r.n && rc == 1; i++) {
		if (b.len + r.kv[i].vlen > max) {
			log_fail(EX_DATAERR, "keystore: etcd %s%s: too large",
			    s->prefix, name);
			rc = -1;
		} else
			buf_add(&b, r.kv[i].value, r.kv[i].vlen);
	}
	if (rc == 1) {
		buf_add(&b, "", 1);
		*buf = (unsigned char *)b.data;
		*len = b.len - 1;
		b.data = NULL;
	}
	ksetcd_kvs_free(&r);
out:
	buf_free(&b);
	free(key);
	free(end);
	return rc;
}

/* The objects whose keys begin with pre (PREFIX and more), named from
 * octet strip of their keys on; none in a folder beneath. */
static int
etcd_names(struct ksstore *s, const char *pre, size_t strip, char ***names,
    size_t *n)
{
	size_t plen = strlen(pre), elen;
	unsigned char *end = ksetcd_prefix_end(pre, plen, &elen);
	struct ksetcd_kvs r;
	int rc = -1;

	if (ksetcd_range(s->c, pre, plen, end, elen, s->rev, 0, true,
	    &r) == -1)
		goto out;
	if (s->rev == 0)
		s->rev = r.rev;
	for (size_t i = 0; i < r.n; i++) {
		const char *k = (const char *)r.kv[i].key + strip;
		const char *hash = strrchr(k, '#');

		if (hash == NULL || hash == k || strchr(k, '/') != NULL ||
		    strcmp(hash + 1, "00000000") != 0)
			continue; /* a later part, or not an object */
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = xstrndup(k, (size_t)(hash - k));
	}
	ksetcd_kvs_free(&r);
	rc = 0;
out:
	free(end);
	return rc;
}

static int
etcd_list(struct ksstore *s, const char *folder, char ***names, size_t *n)
{
	char *pre = xasprintf("%s%s/", s->prefix, folder);
	int rc = etcd_names(s, pre, strlen(pre), names, n);

	free(pre);
	return rc;
}

/* What a batch does to one object: its part count before, the parts it
 * writes from (first) and its count after. */
struct obj {
	const char *name;
	size_t before, first, after;
	bool counted;
	struct buf *parts; /* after - first of them */
};

static struct obj *
obj_of(struct obj **objs, size_t *nobj, const char *name)
{
	for (size_t i = 0; i < *nobj; i++)
		if (strcmp((*objs)[i].name, name) == 0)
			return &(*objs)[i];
	*objs = xrealloc(*objs, (*nobj + 1) * sizeof(**objs));
	memset(&(*objs)[*nobj], 0, sizeof(**objs));
	(*objs)[*nobj].name = name;
	return &(*objs)[(*nobj)++];
}

static int
count_parts(struct ksstore *s, struct obj *o)
{
	char *end, *key = parts_key(s, o->name, &end);
	struct ksetcd_kvs r;
	int rc;

	rc = ksetcd_range(s->c, key, strlen(key), end, strlen(end), 0, 0,
	    true, &r);
	o->before = o->first = o->after = r.n;
	o->counted = true;
	ksetcd_kvs_free(&r);
	free(key);
	free(end);
	return rc;
}

static void
add_part(struct obj *o, const void *p, size_t len)
{
	size_t k = o->after - o->first;

	o->parts = xrealloc(o->parts, (k + 1) * sizeof(*o->parts));
	memset(&o->parts[k], 0, sizeof(o->parts[k]));
	buf_add(&o->parts[k], p, len);
	o->after++;
}

static void
clear_parts(struct obj *o)
{
	for (size_t k = 0; k < o->after - o->first; k++)
		buf_free(&o->parts[k]);
	free(o->parts);
	o->parts = NULL;
}

/* The batch as a plan per object. */
static int
plan_objects(struct ksstore *s, const struct ksstore_op *ops, size_t n,
    struct obj **objs, size_t *nobj)
{
	for (size_t i = 0; i < n; i++) {
		struct obj *o = obj_of(objs, nobj, ops[i].name);
		const char *p = ops[i].data;
		size_t len = ops[i].len, off = 0;

		if (!o->counted && count_parts(s, o) == -1)
			return -1;
		if (ops[i].kind != KSSTORE_APPEND || o->after == 0) {
			clear_parts(o);
			o->first = o->after = 0;
		}
		if (ops[i].kind == KSSTORE_REMOVE)
			continue;
		do {
			size_t take = len - off > PART_MAX ? PART_MAX :
			    len - off;

			add_part(o, p + off, take);
			off += take;
		} while (off < len);
	}
	return 0;
}

static int
etcd_commit(struct ksstore *s, const struct ksstore_op *ops, size_t n)
{
	struct obj *objs = NULL;
	struct ksetcd_op *eops = NULL;
	char **keys = NULL;
	size_t nobj = 0, ne = 0, nk = 0;
	int64_t rev;
	int rc = -1;

	if (s->lock == NULL) {
		log_fail(EX_SOFTWARE, "keystore: etcd %s: a change without "
		    "the lock", s->prefix);
		return -1;
	}
	if (plan_objects(s, ops, n, &objs, &nobj) == -1)
		goto out;
	for (size_t i = 0; i < nobj; i++) {
		struct obj *o = &objs[i];

		for (size_t k = o->first; k < o->after; k++) {
			keys = xrealloc(keys, (nk + 1) * sizeof(*keys));
			keys[nk] = xasprintf("%s%s#%08zx", s->prefix, o->name,
			    k);
			eops = xrealloc(eops, (ne + 1) * sizeof(*eops));
			eops[ne++] = (struct ksetcd_op){ KSETCD_PUT, keys[nk],
				strlen(keys[nk]), o->parts[k - o->first].data,
				o->parts[k - o->first].len, 0, NULL, 0 };
			nk++;
		}
		if (o->after < o->before) {
			keys = xrealloc(keys, (nk + 2) * sizeof(*keys));
			keys[nk] = xasprintf("%s%s#%08zx", s->prefix, o->name,
			    o->after);
			keys[nk + 1] = xasprintf("%s%s$", s->prefix, o->name);
			eops = xrealloc(eops, (ne + 1) * sizeof(*eops));
			eops[ne++] = (struct ksetcd_op){ KSETCD_DELETE,
				keys[nk], strlen(keys[nk]), NULL, 0, 0,
				keys[nk + 1], strlen(keys[nk + 1]) };
			nk += 2;
		}
	}
	if (kslease_commit(s->lock, eops, ne, &rev) == -1)
		goto out;
	s->rev = rev;
	rc = 0;
out:
	for (size_t i = 0; i < nobj; i++)
		clear_parts(&objs[i]);
	free(objs);
	ksstore_names_free(keys, nk);
	free(eops);
	return rc;
}

static int
etcd_create(struct ksstore *s, const char *name, const void *data,
    size_t len)
{
	char *key = xasprintf("%s%s#00000000", s->prefix, name);
	struct ksetcd_cmp cmp = { key, strlen(key), KSETCD_CREATE,
		KSETCD_EQUAL, 0 };
	struct ksetcd_op op = { KSETCD_PUT, key, strlen(key), data, len, 0,
		NULL, 0 };
	int64_t rev = 0;
	bool ok = false;
	int rc = -1;

	if (len > PART_MAX) {
		log_fail(EX_SOFTWARE, "keystore: etcd %s: too large", key);
		goto out;
	}
	if (ksetcd_txn(s->c, &cmp, 1, &op, 1, NULL, 0, &ok, &rev,
	    NULL) == -1)
		goto out;
	if (!ok) {
		log_fail(EX_CANTCREAT, "keystore: etcd %s: already exists",
		    key);
		goto out;
	}
	rc = 0;
out:
	free(key);
	return rc;
}

/* The parts of a folder's objects, in key order: consecutive per object
 * (NAME "#" sorts before any longer name's next octet in use here). */
static int
etcd_read_folder(struct ksstore *s, const char *folder,
    int (*fn)(const char *, const unsigned char *, size_t, void *),
    void *arg)
{
	char *pre = xasprintf("%s%s/", s->prefix, folder), *cur = NULL;
	size_t plen = strlen(pre), elen;
	unsigned char *end = ksetcd_prefix_end(pre, plen, &elen);
	struct buf b = { NULL, 0, 0 };
	struct ksetcd_kvs r;
	size_t expect = 0;
	int rc = -1;

	if (ksetcd_range(s->c, pre, plen, end, elen, s->rev, 0, false,
	    &r) == -1)
		goto out;
	if (s->rev == 0)
		s->rev = r.rev;
	for (size_t i = 0; i < r.n; i++) {
		const char *k = (const char *)r.kv[i].key + plen;
		const char *hash = strrchr(k, '#');
		char part[9];

		if (hash == NULL || hash == k || strchr(k, '/') != NULL)
			continue;
		snprintf(part, sizeof(part), "%08zx", expect);
		if (cur != NULL && (strlen(cur) != (size_t)(hash - k) ||
		    memcmp(cur, k, (size_t)(hash - k)) != 0)) {
			/* the next object: the one before is whole */
			buf_add(&b, "", 1);
			if (fn(cur, (unsigned char *)b.data, b.len - 1,
			    arg) == -1)
				goto done;
			free(cur);
			cur = NULL;
			b.len = 0;
			expect = 0;
			snprintf(part, sizeof(part), "%08zx", expect);
		}
		if (strcmp(hash + 1, part) != 0) {
			log_fail(EX_DATAERR, "keystore: etcd %s: part %s "
			    "where %s was due", (const char *)r.kv[i].key,
			    hash + 1, part);
			goto done;
		}
		if (cur == NULL)
			cur = xstrndup(k, (size_t)(hash - k));
		buf_add(&b, r.kv[i].value, r.kv[i].vlen);
		expect++;
	}
	if (cur != NULL) {
		buf_add(&b, "", 1);
		if (fn(cur, (unsigned char *)b.data, b.len - 1, arg) == -1)
			goto done;
	}
	rc = 0;
done:
	ksetcd_kvs_free(&r);
out:
	free(cur);
	buf_free(&b);
	free(pre);
	free(end);
	return rc;
}

/* A folder's objects one by one (the folder store). */
static int
dir_read_folder(struct ksstore *s, const char *folder,
    int (*fn)(const char *, const unsigned char *, size_t, void *),
    void *arg)
{
	char **names = NULL;
	size_t n = 0;
	int rc = -1;

	if (ksstore_list(s, folder, &names, &n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("%s/%s", folder, names[i]);
		unsigned char *buf = NULL;
		size_t len;
		int r = dir_read(s, name, (size_t)1 << 30, &buf, &len);

		free(name);
		if (r == 1)
			r = fn(names[i], buf, len, arg);
		free(buf);
		if (r == -1)
			goto out;
	}
	rc = 0;
out:
	ksstore_names_free(names, n);
	return rc;
}

/* --- either --- */

int
ksstore_read_folder(struct ksstore *s, const char *folder,
    int (*fn)(const char *name, const unsigned char *p, size_t len,
    void *arg), void *arg)
{
	return s->etcd ? etcd_read_folder(s, folder, fn, arg) :
	    dir_read_folder(s, folder, fn, arg);
}

int
ksstore_read(struct ksstore *s, const char *name, size_t max,
    unsigned char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	return s->etcd ? etcd_read(s, name, max, buf, len) :
	    dir_read(s, name, max, buf, len);
}

int
ksstore_list_top(struct ksstore *s, const char *begins, char ***names,
    size_t *n)
{
	char *pre = s->etcd ? xasprintf("%s%s", s->prefix, begins) : NULL;
	int rc;

	*names = NULL;
	*n = 0;
	rc = s->etcd ? etcd_names(s, pre, strlen(s->prefix), names, n) :
	    dir_names(s, s->dfd, "", begins, names, n);
	free(pre);
	if (rc == -1) {
		ksstore_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int
ksstore_list(struct ksstore *s, const char *folder, char ***names, size_t *n)
{
	int rc;

	*names = NULL;
	*n = 0;
	rc = s->etcd ? etcd_list(s, folder, names, n) :
	    dir_list(s, folder, names, n);
	if (rc == -1) {
		ksstore_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int
ksstore_commit(struct ksstore *s, const struct ksstore_op *ops, size_t n)
{
	return s->etcd ? etcd_commit(s, ops, n) : dir_commit(s, ops, n);
}

int
ksstore_create(struct ksstore *s, const char *name, const void *data,
    size_t len)
{
	if (!s->etcd) {
		log_fail(EX_SOFTWARE, "keystore: %s: %s: a create outside etcd",
		    s->dir, name);
		return -1;
	}
	return etcd_create(s, name, data, len);
}
