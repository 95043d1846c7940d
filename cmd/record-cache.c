// SPDX-License-Identifier: GPL-2.0
/*
 * record -m: instrumented modules kept between recordings
 * (lib/util/fcache.h).  An entry's key is the SHA-256 of what the rewrite
 * depends on: this kstride's build ID (the linker's hash of the binary),
 * its version, ABI and decoder (rewrite__version()), the mode, and the
 * module's bytes as loaded (decompressed).  The same module recorded again
 * in the same mode is loaded from the cache instead of rewritten, which
 * matters where rewriting is slow: a large driver, or a guest under
 * emulation.  An entry is KEY.ko, the instrumented module, and KEY.info,
 * what the rewrite said (functions instrumented, functions left
 * original), so that a hit tells the user the same.
 */
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../lib/rewrite/rewrite.h"
#include "../lib/util/sha256.h"
#include "record-cache.h"

#define INFO_MAGIC "kstride-module-cache 1"

/* where: $KSTRIDE_CACHE_DIR, root's /var/cache, or the user's cache */
static char *cache_dir(const struct krecord_opts *o)
{
	const char *e = getenv("KSTRIDE_CACHE_DIR"), *x, *h;

	if (o->cache_dir)
		return strdup(o->cache_dir);
	if (e && *e)
		return strdup(e);
	if (!geteuid())
		return strdup("/var/cache/kstride");
	x = getenv("XDG_CACHE_HOME");
	if (x && *x == '/')
		return xasprintf("%s/kstride", x);
	h = getenv("HOME");
	return h && *h == '/' ? xasprintf("%s/.cache/kstride", h) : NULL;
}

/*
 * At most KR_CACHE_BUDGET, and a quarter of the space left where the
 * cache is.  A filesystem in RAM (tmpfs, ramfs: a test VM's root) keeps
 * 64 MiB at most, an eighth of what is left: what it holds is memory.
 */
static u64 budget(const char *dir)
{
	struct statvfs sv;
	struct statfs sf;
	bool ram;
	u64 free;

	ram = !statfs(dir, &sf) &&
	      (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
	if (statvfs(dir, &sv) || !sv.f_blocks)
		return KR_CACHE_RAM_BUDGET;
	free = (u64)sv.f_bavail * sv.f_frsize;
	free = ram ? min(free / 8, (u64)KR_CACHE_RAM_BUDGET) :
		     min(free / 4, (u64)KR_CACHE_BUDGET);
	/* (0 would be no limit: a full disk keeps nothing) */
	return max(free, (u64)1);
}

void kr_cache_open(const struct krecord_opts *o, struct kr_cache *c)
{
	char why[512], *dir;
	int err;

	memset(c, 0, sizeof(*c));
	if (o->no_cache)
		return;
	if (self__build_id(c->build_id, sizeof(c->build_id))) {
		ks_warn("this kstride was linked without a build ID: instrumented modules are not cached");
		return;
	}
	dir = cache_dir(o);
	if (!dir)
		return;
	err = fcache__open(&c->fc, dir, KR_CACHE_BUDGET, why, sizeof(why));
	if (!err)
		c->fc.budget = budget(dir);
	if (err)
		ks_warn("module cache: %s: instrumented modules are not cached (--no-cache, or --cache-dir DIR)",
			why);
	else
		c->on = true;
	free(dir);
}

void kr_cache_close(struct kr_cache *c)
{
	if (c->on)
		fcache__close(&c->fc);
	c->on = false;
}

int kr_cache_key(struct kr_cache *c, const struct rw_opts *ro, const char *path,
		 char key[2 * SHA256_LEN + 1])
{
	const char *v = rewrite__version();
	struct sha256 s;
	u8 d[SHA256_LEN], *buf;
	char mode[128];
	size_t n;
	FILE *f;
	int err = 0;

	if (!c->on)
		return -ENOENT;
	/* every option that changes the output (the callbacks do not) */
	snprintf(mode, sizeof(mode),
		 "target=%d no_stack=%d no_func_events=%d allow_unknown=%d strict=%d mmio=%d calls=%d unbalance=%d",
		 (int)ro->target, ro->no_stack, ro->no_func_events,
		 ro->allow_unknown, ro->strict, ro->mmio, ro->calls,
		 ro->test_unbalance);
	sha256__init(&s);
	sha256__update(&s, INFO_MAGIC, sizeof(INFO_MAGIC));
	sha256__update(&s, c->build_id, strlen(c->build_id) + 1);
	sha256__update(&s, v, strlen(v) + 1);
	sha256__update(&s, mode, strlen(mode) + 1);
	/* the module a block at a time: a large one is not read whole */
	f = fopen(path, "rbe");
	buf = malloc(1 << 20);
	if (!f || !buf)
		err = f ? -ENOMEM : -errno;
	while (!err && (n = fread(buf, 1, 1 << 20, f)) > 0)
		sha256__update(&s, buf, n);
	if (!err && ferror(f))
		err = -EIO;
	if (f)
		fclose(f);
	free(buf);
	if (err)
		return err;
	sha256__final(&s, d);
	sha256__hex(d, key);
	return 0;
}

/*
 * KEY.info: INFO_MAGIC, then "functions DONE TOTAL", then one
 * "lost FUNC 0xOFF REASON" line per function left original.
 */
int kr_cache_info_parse(const char *text, size_t len, struct kr_cached *ci)
{
	char *buf = strndup(text, len), *line, *save = NULL;
	int err = -EINVAL, n = 0;

	memset(ci, 0, sizeof(*ci));
	if (!buf)
		return -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		unsigned long long a, b;
		char *func, *off, *reason, *end;
		struct kr_lost *l;

		if (n == 0) {
			if (strcmp(line, INFO_MAGIC))
				goto out;
			continue;
		}
		if (sscanf(line, "functions %llu %llu", &a, &b) == 2) {
			ci->funcs_done = a;
			ci->funcs = b;
			err = 0;
			continue;
		}
		/* lost FUNC 0xOFF REASON..., FUNC of any length */
		func = strncmp(line, "lost ", 5) ? NULL : line + 5;
		off = func ? strchr(func, ' ') : NULL;
		reason = off ? strchr(off + 1, ' ') : NULL;
		if (!reason || off == func || !reason[1]) {
			err = -EINVAL;
			goto out;
		}
		*off++ = 0;
		*reason++ = 0;
		errno = 0;
		a = strtoull(off, &end, 16);
		if (strncmp(off, "0x", 2) || *end || errno) {
			err = -EINVAL;
			goto out;
		}
		l = vec_push(&ci->lost);
		if (!l || !(l->func = strdup(func)) || !(l->reason = strdup(reason))) {
			err = -ENOMEM;
			goto out;
		}
		l->off = a;
	}
out:
	free(buf);
	if (err)
		kr_cached_free(ci);
	return err;
}

void kr_cached_free(struct kr_cached *ci)
{
	for (size_t i = 0; i < ci->lost.n; i++) {
		free(ci->lost.v[i].func);
		free(ci->lost.v[i].reason);
	}
	vec_free(&ci->lost);
}

int kr_cache_fetch(struct kr_cache *c, const char *key, const char *dest,
		   struct kr_cached *ci)
{
	u8 *text = NULL;
	size_t tlen = 0;
	int err;

	if (!c->on)
		return -ENOENT;
	err = fcache__read(&c->fc, key, "info", &text, &tlen);
	err = err ?: kr_cache_info_parse((const char *)text, tlen, ci);
	/* a copy of our own: nothing changes it after */
	if (!err) {
		err = fcache__copy_out(&c->fc, key, "ko", dest);
		if (err)
			kr_cached_free(ci);
	}
	if (err == -EPERM)
		ks_warn("module cache: %s/%s.*: not a regular file of this user's that only it may write: not used",
			c->fc.dir, key);
	free(text);
	return err;
}

int kr_cache_store(struct kr_cache *c, const char *key, const char *built,
		   const struct kr_cached *ci)
{
	struct buf b = {};
	char *line;
	int err;

	if (!c->on)
		return 0;
	line = xasprintf("%s\nfunctions %llu %llu\n", INFO_MAGIC,
			 (unsigned long long)ci->funcs_done,
			 (unsigned long long)ci->funcs);
	err = line ? buf__append(&b, line, strlen(line)) : -ENOMEM;
	free(line);
	for (size_t i = 0; !err && i < ci->lost.n; i++) {
		const struct kr_lost *l = &ci->lost.v[i];

		/* one line each: a name or reason with a newline is not kept */
		if (strpbrk(l->func, " \n") || strchr(l->reason, '\n')) {
			err = -EINVAL;
			break;
		}
		line = xasprintf("lost %s 0x%llx %s\n", l->func,
				 (unsigned long long)l->off, l->reason);
		err = line ? buf__append(&b, line, strlen(line)) : -ENOMEM;
		free(line);
	}
	/* the module first: a KEY.info names an entry that is whole */
	err = err ?: fcache__put_file(&c->fc, key, "ko", built);
	err = err ?: fcache__put(&c->fc, key, "info", b.p, b.len);
	if (!err)
		fcache__trim(&c->fc);
	buf__free(&b);
	return err;
}
