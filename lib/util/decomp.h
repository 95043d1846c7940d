/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole-file decompression of kernel modules, as the kernel and modprobe
 * ship them: .ko.xz, .ko.zst and .ko.gz, recognised by their magic.
 */
#ifndef KS_DECOMP_H
#define KS_DECOMP_H

#include <stddef.h>

enum decomp_fmt {
	DECOMP_NONE = 0,
	DECOMP_XZ,
	DECOMP_ZSTD,
	DECOMP_GZIP,
};

/* The format whose magic @p starts with (DECOMP_NONE: not compressed). */
enum decomp_fmt decomp__format(const void *p, size_t len);
const char *decomp__name(enum decomp_fmt fmt);

/**
 * decomp__buf() - decompress a whole buffer.
 * @out, @out_len: a malloc'ed result; a buffer that is not compressed is
 * copied.  Returns 0 or -errno (-EINVAL: corrupt or truncated data,
 * -EFBIG: it would exceed @max bytes).
 */
int decomp__buf(const void *in, size_t in_len, size_t max, void **out,
		size_t *out_len);

/* decomp__buf(), and an error that names @path and the reason. */
int decomp__file_buf(const char *path, const void *in, size_t in_len, size_t max,
		     void **out, size_t *out_len);

#endif /* KS_DECOMP_H */
