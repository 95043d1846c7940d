/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace-file writer, one for every producer: the user-space runtime
 * (rt/user, linked into instrumented programs: no allocation, no libc
 * beyond writev) and the kernel recorder (cmd/record-kernel.c).  The
 * layout it writes is in include/kstride/abi.h, section "Trace files".
 */
#ifndef KS_TWRITE_H
#define KS_TWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <kstride/abi.h>

/* The most parts one chunk may have (a chunk header and padding aside). */
#define KS_TWRITE_PARTS 4

struct ks_twriter {
	int fd;
	uint64_t off; /* bytes written so far */
};

/*
 * The file header, then a PAD chunk up to @pad_to bytes if it is larger
 * (the runtime pads to a page, for tools that map the file).
 * Return: 0 or -errno.
 */
int ks_twrite__header(struct ks_twriter *w, const struct ks_file_hdr *h,
		      size_t pad_to);

/*
 * One chunk of @type: its header, @n parts (at most KS_TWRITE_PARTS), and
 * zeros up to a multiple of 8, in one writev where the system allows.
 * Return: 0 or -errno (a short write that cannot go on: -EIO).
 */
int ks_twrite__chunk(struct ks_twriter *w, uint32_t type,
		     const struct iovec *parts, int n);

#endif
