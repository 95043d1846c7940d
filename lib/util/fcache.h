/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cache of files by content key (a hex digest): each entry is one or
 * more files KEY.SUFFIX in one directory, written atomically (a temporary
 * file, then rename), and the least recently used keys are removed, all
 * their files at once, once the whole passes a budget.
 *
 * What is read from it may be loaded into the kernel, so the directory is
 * opened once and used by descriptor: it must be the caller's own, with
 * no write permission for group or others, and each entry is opened
 * without following links and read only if it is a regular file of the
 * caller's that others may not write.  Only names of that form are ever
 * trimmed: a directory given by mistake loses nothing else.
 */
#ifndef KS_FCACHE_H
#define KS_FCACHE_H

#include "util.h"

struct fcache {
	char *dir; /* for messages */
	int dfd;
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

/*
 * fcache__read() - KEY.SUFFIX's bytes, if the cache holds it: 0, and
 * @data (free it) and @len, and its time of use is now; -ENOENT if not,
 * -EPERM if a file by that name is not one to trust, -EINVAL for a key or
 * suffix that is not a name of the cache's (hex key; suffix [a-z0-9_-]).
 */
int fcache__read(struct fcache *c, const char *key, const char *suffix,
		 u8 **data, size_t *len);

/*
 * fcache__copy_out() - KEY.SUFFIX copied to @dest (atomically, mode
 * 0600), a block at a time; errors as fcache__read()'s.
 */
int fcache__copy_out(struct fcache *c, const char *key, const char *suffix,
		     const char *dest);

/*
 * fcache__put() - store @len bytes as KEY.SUFFIX (replacing it);
 * fcache__put_file() - the same from the file @src, a block at a time.
 * -EFBIG, and nothing written, for more than the whole budget.
 */
int fcache__put(struct fcache *c, const char *key, const char *suffix,
		const void *data, size_t len);
int fcache__put_file(struct fcache *c, const char *key, const char *suffix,
		     const char *src);

/*
 * fcache__trim() - remove the least recently used keys until the cache
 * is within its budget, and temporary files of writers that died; returns
 * how many files went, or -errno.
 */
int fcache__trim(struct fcache *c);

#endif /* KS_FCACHE_H */
