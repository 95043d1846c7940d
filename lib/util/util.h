/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by every layer: fixed-width types, growable arrays,
 * diagnostics.  Nothing here knows about ELF, x86 or the command line.
 */
#ifndef KS_UTIL_H
#define KS_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __maybe_unused __attribute__((unused))

/*
 * Growable array: a struct with 'T *v; size_t n, cap;'.  vec_push() returns
 * a pointer to the new zeroed element or NULL (errno = ENOMEM).
 */
#define VEC(T)                                                                 \
	struct {                                                               \
		T *v;                                                          \
		size_t n, cap;                                                 \
	}

void *vec__grow(void *v, size_t *cap, size_t need, size_t elsz);

#define vec_reserve(vec, need)                                                 \
	({                                                                     \
		size_t __need = (need);                                        \
		void *__p = (vec)->v;                                          \
		if (__need > (vec)->cap || !__p)                               \
			__p = vec__grow((vec)->v, &(vec)->cap, __need,         \
					sizeof(*(vec)->v));                    \
		if (__p)                                                       \
			(vec)->v = __p;                                        \
		__p || !__need ? 0 : -ENOMEM;                                  \
	})

#define vec_push(vec)                                                          \
	({                                                                     \
		__typeof__((vec)->v) __e = NULL;                               \
		if (!vec_reserve((vec), (vec)->n + 1)) {                       \
			__e = &(vec)->v[(vec)->n++];                           \
			memset(__e, 0, sizeof(*__e));                          \
		}                                                              \
		__e;                                                           \
	})

#define vec_free(vec)                                                          \
	do {                                                                   \
		free((vec)->v);                                                \
		(vec)->v = NULL;                                               \
		(vec)->n = (vec)->cap = 0;                                     \
	} while (0)

/* Byte buffer used by the emitters and writers. */
struct buf {
	u8 *p;
	size_t len, cap;
};

int buf__reserve(struct buf *b, size_t extra);
int buf__append(struct buf *b, const void *data, size_t len);
int buf__fill(struct buf *b, int c, size_t len);
int buf__align(struct buf *b, size_t align, int c);
void buf__free(struct buf *b);

/*
 * Diagnostics.  Library code reports an error once, where the context
 * (file, section, offset) is known, and returns -errno; only cmd/ exits.
 */
extern int ks_verbose;
void ks_err(const char *fmt, ...) __printf(1, 2);
void ks_warn(const char *fmt, ...) __printf(1, 2);
void ks_info(const char *fmt, ...) __printf(1, 2);
void ks_debug(const char *fmt, ...) __printf(1, 2);

char *xasprintf(const char *fmt, ...) __printf(1, 2);

/*
 * fd__read_full() - exactly @len bytes from @fd (-EIO if it ends sooner);
 * fd__write_full() - all @len bytes to it.  Both retry on EINTR.
 */
int fd__read_full(int fd, void *buf, size_t len);
int fd__write_full(int fd, const void *buf, size_t len);

/* Whole-file helpers. */
int file__read_all(const char *path, u8 **data, size_t *size);
/*
 * Write 'size' bytes to 'path' atomically: a temporary file beside it, fsync,
 * then rename().  On failure nothing named 'path' is created or changed.
 */
int file__write_atomic(const char *path, const void *data, size_t size,
		       int mode);

/*
 * The same for output written as a stream: file__create() opens a
 * temporary file beside 'path'; file__commit() flushes, syncs and renames
 * it to 'path' (0 or -errno, and the temporary file is gone either way);
 * file__abort() removes it.
 */
struct afile {
	FILE *f;
	char *tmp;
	const char *path;
};

int file__create(struct afile *a, const char *path);
int file__commit(struct afile *a, int mode);
void file__abort(struct afile *a);

/*
 * heap__prefer_huge_pages() - for a short run that allocates much and
 * frees little (a rewrite): large blocks from the heap rather than mmaps
 * of their own, the heap grown 16 MiB at a time and kept, and the kernel
 * asked to back it with transparent huge pages.  A rewrite of e1000.ko
 * spent more time in page faults than in its own code.  Without THP
 * (enabled=never) only the malloc settings remain.  Once is enough: later
 * calls do nothing.
 */
void heap__prefer_huge_pages(void);

/*
 * self__build_id() - the running program's GNU build ID (the linker's
 * hash of its contents) as hex in @hex; -ENOENT if it was linked without.
 */
int self__build_id(char *hex, size_t len);

#endif /* KS_UTIL_H */
