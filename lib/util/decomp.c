// SPDX-License-Identifier: GPL-2.0
/*
 * Decompression of module images through liblzma, libzstd and zlib: the
 * three formats the kernel's module loader and kmod accept.
 */
#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "decomp.h"
#include "util.h"

enum decomp_fmt decomp__format(const void *p, size_t len)
{
	static const unsigned char xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char zs[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char gz[2] = { 0x1f, 0x8b };

	if (len >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		return DECOMP_XZ;
	if (len >= sizeof(zs) && !memcmp(p, zs, sizeof(zs)))
		return DECOMP_ZSTD;
	if (len >= sizeof(gz) && !memcmp(p, gz, sizeof(gz)))
		return DECOMP_GZIP;
	return DECOMP_NONE;
}

const char *decomp__name(enum decomp_fmt fmt)
{
	switch (fmt) {
	case DECOMP_XZ:
		return "xz";
	case DECOMP_ZSTD:
		return "zstd";
	case DECOMP_GZIP:
		return "gzip";
	default:
		return "none";
	}
}

/* Grow *buf to at least @need bytes (doubling), up to @max. */
static int grow(unsigned char **buf, size_t *cap, size_t need, size_t max)
{
	size_t n = *cap ? *cap : 1 << 16;
	unsigned char *b;

	if (need > max)
		return -EFBIG;
	while (n < need)
		n *= 2;
	if (n > max)
		n = max;
	b = realloc(*buf, n);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = n;
	return 0;
}

static int un_xz(const void *in, size_t in_len, size_t max,
		 unsigned char **out, size_t *cap, size_t *len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int err = 0;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = in_len;
	do {
		if (*len == *cap) {
			err = grow(out, cap, *cap + 1, max);
			if (err)
				break;
		}
		s.next_out = *out + *len;
		s.avail_out = *cap - *len;
		r = lzma_code(&s, LZMA_FINISH);
		*len = *cap - s.avail_out;
		if (r != LZMA_OK && r != LZMA_STREAM_END) {
			err = r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		/* no output space was the only thing missing, or done */
		if (r == LZMA_OK && s.avail_out && !s.avail_in) {
			err = -EINVAL; /* truncated */
			break;
		}
	} while (r != LZMA_STREAM_END);
	lzma_end(&s);
	return err;
}

static int un_zstd(const void *in, size_t in_len, size_t max,
		   unsigned char **out, size_t *cap, size_t *len)
{
	ZSTD_DStream *s = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	size_t r = 1;
	int err = 0;

	if (!s)
		return -ENOMEM;
	while (r) {
		ZSTD_outBuffer ob;

		if (*len == *cap) {
			err = grow(out, cap, *cap + 1, max);
			if (err)
				break;
		}
		ob = (ZSTD_outBuffer){ *out, *cap, *len };
		r = ZSTD_decompressStream(s, &ob, &ib);
		*len = ob.pos;
		if (ZSTD_isError(r)) {
			err = -EINVAL;
			break;
		}
		if (r && ib.pos == ib.size && ob.pos < ob.size) {
			err = -EINVAL; /* truncated */
			break;
		}
	}
	ZSTD_freeDStream(s);
	return err;
}

static int un_gzip(const void *in, size_t in_len, size_t max,
		   unsigned char **out, size_t *cap, size_t *len)
{
	z_stream s = { 0 };
	int r = Z_OK, err = 0;

	/* 16 + MAX_WBITS: a gzip header, not a raw zlib one */
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	s.next_in = (unsigned char *)in;
	s.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uInt)in_len;
	while (r != Z_STREAM_END) {
		size_t room;

		if (*len == *cap) {
			err = grow(out, cap, *cap + 1, max);
			if (err)
				break;
		}
		room = *cap - *len;
		s.next_out = *out + *len;
		s.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
		r = inflate(&s, Z_NO_FLUSH);
		*len += (room > UINT32_MAX ? UINT32_MAX : room) - s.avail_out;
		if (r == Z_BUF_ERROR && s.avail_out && !s.avail_in) {
			err = -EINVAL; /* truncated */
			break;
		}
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
			err = r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
	}
	inflateEnd(&s);
	return err;
}

int decomp__buf(const void *in, size_t in_len, size_t max, void **out,
		size_t *out_len)
{
	enum decomp_fmt fmt = decomp__format(in, in_len);
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0;
	int err;

	switch (fmt) {
	case DECOMP_XZ:
		err = un_xz(in, in_len, max, &buf, &cap, &len);
		break;
	case DECOMP_ZSTD:
		err = un_zstd(in, in_len, max, &buf, &cap, &len);
		break;
	case DECOMP_GZIP:
		err = un_gzip(in, in_len, max, &buf, &cap, &len);
		break;
	default:
		err = in_len > max ? -EFBIG : grow(&buf, &cap, in_len ? in_len : 1, max);
		if (!err) {
			memcpy(buf, in, in_len);
			len = in_len;
		}
		break;
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int decomp__file_buf(const char *path, const void *in, size_t in_len, size_t max,
		     void **out, size_t *out_len)
{
	int err = decomp__buf(in, in_len, max, out, out_len);

	if (err)
		ks_err("%s: cannot decompress (%s): %s", path,
		       decomp__name(decomp__format(in, in_len)),
		       err == -EINVAL ? "corrupt or truncated" :
		       err == -EFBIG ? "larger than a module can be" : strerror(-err));
	return err;
}
