// SPDX-License-Identifier: GPL-2.0
/*
 * A cache of files by content key (fcache.h).  Entries are plain files in
 * one directory, reached through its descriptor; a key's time of last use
 * is its files' mtime, which a read sets, so that trimming removes the
 * least recently used first.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fcache.h"

#define TMP_PREFIX ".tmp-"
/* a writer's temporary file this old is one whose writer died */
#define TMP_STALE_S 3600

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
	c->dfd = -1;
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
	/* from here on the directory is this one, whatever its path becomes */
	c->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dfd < 0 || fstat(c->dfd, &st)) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (!ours(&st)) {
		snprintf(why, whylen,
			 "%s: not a directory of this user's that only it may write to",
			 dir);
		err = -EPERM;
		goto fail;
	}
	c->dir = strdup(dir);
	if (!c->dir) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		err = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	if (c->dfd >= 0)
		close(c->dfd);
	c->dfd = -1;
	return err;
}

void fcache__close(struct fcache *c)
{
	if (c->dfd >= 0)
		close(c->dfd);
	c->dfd = -1;
	free(c->dir);
	c->dir = NULL;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool key_ok(const char *k, size_t n)
{
	return n >= 16 && n <= 128 && is_hex(k, n);
}

static bool suffix_ok(const char *s)
{
	if (!*s || strlen(s) > 16)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

/* KEY.SUFFIX, or NULL (errno EINVAL) for names the cache does not make */
static char *entry_name(const char *key, const char *suffix)
{
	if (!key_ok(key, strlen(key)) || !suffix_ok(suffix)) {
		errno = EINVAL;
		return NULL;
	}
	return xasprintf("%s.%s", key, suffix);
}

/* KEY.SUFFIX opened for reading, if it is one to trust; -errno if not */
static int open_entry(struct fcache *c, const char *key, const char *suffix,
		      struct stat *st)
{
	char *name = entry_name(key, suffix);
	int fd;

	if (!name)
		return -errno;
	if (c->dfd < 0) {
		free(name);
		return -ENOENT;
	}
	fd = openat(c->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	free(name);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -ENOENT;
	if (fstat(fd, st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode) || !ours(st)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int fcache__read(struct fcache *c, const char *key, const char *suffix,
		 u8 **data, size_t *len)
{
	struct stat st;
	u8 *buf;
	int fd, err;

	*data = NULL;
	*len = 0;
	fd = open_entry(c, key, suffix, &st);
	if (fd < 0)
		return fd;
	buf = malloc(st.st_size ? st.st_size : 1);
	err = buf ? fd__read_full(fd, buf, st.st_size) : -ENOMEM;
	if (!err) {
		futimens(fd, NULL); /* used now: the last to be trimmed */
		*data = buf;
		*len = st.st_size;
		buf = NULL;
	}
	free(buf);
	close(fd);
	return err;
}

#define BLOCK (1 << 20)

int fcache__copy_out(struct fcache *c, const char *key, const char *suffix,
		     const char *dest)
{
	struct stat st;
	struct afile a;
	u8 *buf = malloc(BLOCK);
	off_t left;
	int fd, err;

	if (!buf)
		return -ENOMEM;
	fd = open_entry(c, key, suffix, &st);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	err = file__create(&a, dest);
	for (left = st.st_size; !err && left > 0;) {
		size_t n = left < BLOCK ? (size_t)left : BLOCK;

		err = fd__read_full(fd, buf, n);
		if (!err && fwrite(buf, 1, n, a.f) != n)
			err = -EIO;
		left -= n;
	}
	if (!err) {
		err = file__commit(&a, 0600);
		if (!err)
			futimens(fd, NULL);
	} else if (a.f) {
		file__abort(&a);
	}
	free(buf);
	close(fd);
	return err;
}

/* a temporary beside KEY.SUFFIX, filled by @fill, then renamed to it */
static int put_with(struct fcache *c, const char *key, const char *suffix,
		    int (*fill)(int fd, void *arg), void *arg)
{
	char *name = entry_name(key, suffix), *tmp = NULL;
	int fd = -1, err;

	if (!name)
		return -errno;
	if (c->dfd < 0) {
		err = -EBADF;
		goto out;
	}
	tmp = xasprintf(TMP_PREFIX "%s.%ld.%lx", name, (long)getpid(),
			(unsigned long)time(NULL) ^ (unsigned long)(uintptr_t)&fd);
	if (!tmp) {
		err = -ENOMEM;
		goto out;
	}
	fd = openat(c->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = fill(fd, arg);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(c->dfd, tmp, c->dfd, name))
		err = -errno;
	if (err)
		unlinkat(c->dfd, tmp, 0);
out:
	free(tmp);
	free(name);
	return err;
}

struct mem_src {
	const void *data;
	size_t len;
};

static int fill_mem(int fd, void *arg)
{
	const struct mem_src *m = arg;

	return fd__write_full(fd, m->data, m->len);
}

int fcache__put(struct fcache *c, const char *key, const char *suffix,
		const void *data, size_t len)
{
	struct mem_src m = { data, len };

	if (c->budget && len > c->budget)
		return -EFBIG;
	return put_with(c, key, suffix, fill_mem, &m);
}

struct file_src {
	int fd;
	off_t size;
};

static int fill_file(int fd, void *arg)
{
	const struct file_src *f = arg;
	u8 *buf = malloc(BLOCK);
	off_t left = f->size;
	int err = buf ? 0 : -ENOMEM;

	while (!err && left > 0) {
		size_t n = left < BLOCK ? (size_t)left : BLOCK;

		err = fd__read_full(f->fd, buf, n);
		err = err ?: fd__write_full(fd, buf, n);
		left -= n;
	}
	free(buf);
	return err;
}

int fcache__put_file(struct fcache *c, const char *key, const char *suffix,
		     const char *src)
{
	struct file_src f = { .fd = open(src, O_RDONLY | O_CLOEXEC) };
	struct stat st;
	int err;

	if (f.fd < 0)
		return -errno;
	if (fstat(f.fd, &st)) {
		err = -errno;
	} else if (c->budget && (u64)st.st_size > c->budget) {
		err = -EFBIG;
	} else {
		f.size = st.st_size;
		err = put_with(c, key, suffix, fill_file, &f);
	}
	close(f.fd);
	return err;
}

/* one key of the cache: all its files, their bytes, its latest use */
struct fkey {
	char key[129];
	u64 size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->key, y->key);
}

static bool later(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec :
					a->tv_nsec > b->tv_nsec;
}

/* the key of an entry's name KEY.SUFFIX, its length in *n; NULL if none */
static const char *key_of(const char *name, size_t *n)
{
	const char *dot = strchr(name, '.');

	if (!dot || !suffix_ok(dot + 1) || !key_ok(name, dot - name))
		return NULL;
	*n = dot - name;
	return name;
}

/* every file of @key in the directory goes */
static int remove_key(struct fcache *c, DIR *d, const char *key)
{
	struct dirent *de;
	size_t kn = strlen(key), n;
	int gone = 0;

	rewinddir(d);
	while ((de = readdir(d))) {
		const char *k = key_of(de->d_name, &n);

		if (k && n == kn && !memcmp(k, key, n) &&
		    !unlinkat(c->dfd, de->d_name, 0))
			gone++;
	}
	return gone;
}

int fcache__trim(struct fcache *c)
{
	VEC(struct fkey) v = {};
	struct dirent *de;
	u64 total = 0;
	int gone = 0, dfd;
	time_t now = time(NULL);
	DIR *d;

	if (c->dfd < 0)
		return 0;
	dfd = dup(c->dfd);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d); /* a dup shares the offset an earlier trim left */
	while ((de = readdir(d))) {
		struct stat st;
		const char *k;
		struct fkey *e = NULL;
		size_t n;

		if (fstatat(c->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX))) {
			if (now - st.st_mtime > TMP_STALE_S &&
			    !unlinkat(c->dfd, de->d_name, 0))
				gone++;
			continue;
		}
		k = key_of(de->d_name, &n);
		if (!k)
			continue; /* not the cache's */
		for (size_t i = 0; i < v.n && !e; i++)
			if (strlen(v.v[i].key) == n && !memcmp(v.v[i].key, k, n))
				e = &v.v[i];
		if (!e) {
			e = vec_push(&v);
			if (!e) {
				gone = -ENOMEM;
				break;
			}
			memcpy(e->key, k, n);
			e->key[n] = 0;
			e->used = st.st_mtim;
		}
		e->size += st.st_size;
		if (later(&st.st_mtim, &e->used))
			e->used = st.st_mtim;
		total += st.st_size;
	}
	if (gone >= 0 && c->budget && total > c->budget) {
		qsort(v.v, v.n, sizeof(*v.v), by_use);
		for (size_t i = 0; i < v.n && total > c->budget; i++) {
			gone += remove_key(c, d, v.v[i].key);
			total -= v.v[i].size;
		}
	}
	vec_free(&v);
	closedir(d);
	return gone;
}
