/* SPDX-License-Identifier: GPL-2.0 */
/* record -m: the cache of instrumented modules (record-cache.c) */
#ifndef KS_RECORD_CACHE_H
#define KS_RECORD_CACHE_H

#include "../lib/util/fcache.h"
#include "../lib/util/sha256.h"
#include "record-kernel.h"

/* the least recently used entries go beyond this many bytes */
#define KR_CACHE_BUDGET (4ull << 30)
/* ...and on a filesystem in RAM (tmpfs, ramfs) */
#define KR_CACHE_RAM_BUDGET (64ull << 20)

struct kr_cache {
	struct fcache fc;
	bool on;
	char build_id[129];
};

/* a function the rewrite left original, as it told the user */
struct kr_lost {
	char *func, *reason;
	u64 off;
};

/* what a rewrite said, kept with its module */
struct kr_cached {
	u64 funcs_done, funcs;
	VEC(struct kr_lost) lost;
};

/* Never fails the recording: says why, once, if the cache is off. */
void kr_cache_open(const struct krecord_opts *o, struct kr_cache *c);
void kr_cache_close(struct kr_cache *c);
struct rw_opts;
/* the key of the module at @path rewritten with @ro; -ENOENT when off */
int kr_cache_key(struct kr_cache *c, const struct rw_opts *ro, const char *path,
		 char key[2 * SHA256_LEN + 1]);
/* A hit: the module copied to @dest, what its rewrite said in @ci. */
int kr_cache_fetch(struct kr_cache *c, const char *key, const char *dest,
		   struct kr_cached *ci);
/* Keep the module at @built, and @ci, under @key. */
int kr_cache_store(struct kr_cache *c, const char *key, const char *built,
		   const struct kr_cached *ci);
int kr_cache_info_parse(const char *text, size_t len, struct kr_cached *ci);
void kr_cached_free(struct kr_cached *ci);

#endif
