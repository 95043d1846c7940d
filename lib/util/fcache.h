/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cache of files by content key (a hex digest): each entry is KEY.SUFFIX
 * in one directory, written atomically (temporary file, then rename), and
 * the least recently used are removed once the whole passes a budget.
 *
 * What is read from it may be loaded into the kernel, so the directory
 * must be the caller's own, with no write permission for group or others,
 * and each entry a regular file of the caller's, or it is not used.
 */
#ifndef KS_FCACHE_H
#define KS_FCACHE_H

#include "util.h"

struct fcache {
	char *dir;
	u64 budget; /* bytes; 0: no limit */
};

/*
 * fcache__open() - use @dir (made, with its parents, mode 0700, if it is
 * missing).  -EPERM if it is not safe to read from (see above), -errno
 * otherwise; @why then says what, for the user.
 */
int fcache__open(struct fcache *c, const char *dir, u64 budget, char *why,
		 size_t whylen);
void fcache__close(struct fcache *c);

/* KEY.SUFFIX's path, malloc()ed; NULL without memory. */
char *fcache__path(const struct fcache *c, const char *key, const char *suffix);

/*
 * fcache__get() - KEY.SUFFIX, if the cache holds it: 0 and its path in
 * @path (free it), and its time of use is now; -ENOENT if not, -EPERM if
 * an entry by that name is not one to trust.
 */
int fcache__get(struct fcache *c, const char *key, const char *suffix,
		char **path);

/* fcache__put() - store @len bytes as KEY.SUFFIX (replacing it). */
int fcache__put(struct fcache *c, const char *key, const char *suffix,
		const void *data, size_t len);

/*
 * fcache__trim() - remove the least recently used entries until the
 * cache is within its budget; returns how many went.
 */
int fcache__trim(struct fcache *c);

#endif /* KS_FCACHE_H */
