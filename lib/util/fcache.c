// SPDX-License-Identifier: GPL-2.0
/*
 * A cache of files by content key (fcache.h).  Entries are plain files in
 * one directory; the time of last use is the file's mtime, which a hit
 * sets, so that trimming removes the least recently used first.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcache.h"

/* owned by us, not writable by group or others */
static bool ours(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 022);
}

static int mkdirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int err = 0;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; !err; s++) {
		bool end = !*s;

		if (*s != '/' && !end)
			continue;
		*s = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			err = -errno;
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return err;
}

int fcache__open(struct fcache *c, const char *dir, u64 budget, char *why,
		 size_t whylen)
{
	struct stat st;
	int err;

	c->dir = NULL;
	c->budget = budget;
	if (!dir || !*dir) {
		snprintf(why, whylen, "no directory");
		return -EINVAL;
	}
	err = mkdirs(dir);
	if (err) {
		snprintf(why, whylen, "%s: %s", dir, strerror(-err));
		return err;
	}
	if (lstat(dir, &st)) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode) || !ours(&st)) {
		snprintf(why, whylen,
			 "%s: not a directory of this user's that only it may write to",
			 dir);
		return -EPERM;
	}
	c->dir = strdup(dir);
	if (!c->dir) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

void fcache__close(struct fcache *c)
{
	free(c->dir);
	c->dir = NULL;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

char *fcache__path(const struct fcache *c, const char *key, const char *suffix)
{
	if (!c->dir || !name_ok(key) || !name_ok(suffix)) {
		errno = EINVAL;
		return NULL;
	}
	return xasprintf("%s/%s.%s", c->dir, key, suffix);
}

int fcache__get(struct fcache *c, const char *key, const char *suffix,
		char **path)
{
	char *p = fcache__path(c, key, suffix);
	struct stat st;

	*path = NULL;
	if (!p)
		return -errno;
	if (lstat(p, &st)) {
		free(p);
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode) || !ours(&st)) {
		free(p);
		return -EPERM;
	}
	/* used now: the last to be trimmed */
	utimensat(AT_FDCWD, p, NULL, AT_SYMLINK_NOFOLLOW);
	*path = p;
	return 0;
}

int fcache__put(struct fcache *c, const char *key, const char *suffix,
		const void *data, size_t len)
{
	char *p = fcache__path(c, key, suffix);
	int err;

	if (!p)
		return -errno;
	err = file__write_atomic(p, data, len, 0600);
	free(p);
	return err;
}

struct fent {
	char *name;
	u64 size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct fent *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

int fcache__trim(struct fcache *c)
{
	VEC(struct fent) v = {};
	struct dirent *de;
	u64 total = 0;
	int gone = 0;
	DIR *d;
	int dfd;

	if (!c->dir || !c->budget)
		return 0;
	d = opendir(c->dir);
	if (!d)
		return -errno;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		struct stat st;
		struct fent *e;

		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		e = vec_push(&v);
		if (!e || !(e->name = strdup(de->d_name))) {
			gone = -ENOMEM;
			break;
		}
		e->size = st.st_size;
		e->used = st.st_mtim;
		total += e->size;
	}
	if (gone >= 0 && total > c->budget) {
		qsort(v.v, v.n, sizeof(*v.v), by_use);
		for (size_t i = 0; i < v.n && total > c->budget; i++) {
			if (unlinkat(dfd, v.v[i].name, 0))
				continue;
			total -= v.v[i].size;
			gone++;
		}
	}
	for (size_t i = 0; i < v.n; i++)
		free(v.v[i].name);
	vec_free(&v);
	closedir(d);
	return gone;
}
