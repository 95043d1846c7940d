// SPDX-License-Identifier: GPL-2.0
/*
 * The trace-file writer (see twrite.h).  Compiled twice: into libkstride
 * for the recorder, and with the runtime's flags into libkstride-rt.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "twrite.h"

static int write_all(struct ks_twriter *w, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t n = writev(w->fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		w->off += n;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

int ks_twrite__chunk(struct ks_twriter *w, uint32_t type,
		     const struct iovec *parts, int n)
{
	static const char zero[8];
	struct ks_chunk_hdr ch = { .type = type };
	struct iovec iov[KS_TWRITE_PARTS + 2];
	size_t len = 0;
	int i, k = 0;

	if (n < 0 || n > KS_TWRITE_PARTS)
		return -EINVAL;
	iov[k++] = (struct iovec){ &ch, sizeof(ch) };
	for (i = 0; i < n; i++) {
		if (!parts[i].iov_len)
			continue;
		iov[k++] = parts[i];
		len += parts[i].iov_len;
	}
	ch.len = len + (8 - len % 8) % 8;
	if (ch.len > len)
		iov[k++] = (struct iovec){ (void *)zero, ch.len - len };
	return write_all(w, iov, k);
}

int ks_twrite__header(struct ks_twriter *w, const struct ks_file_hdr *h,
		      size_t pad_to)
{
	struct ks_chunk_hdr pad = { .type = KS_CHUNK_PAD };
	static const char zero[64];
	struct iovec iov[2] = { { (void *)h, sizeof(*h) } };
	size_t left;
	int err;

	if (pad_to < sizeof(*h) + sizeof(pad)) {
		return write_all(w, iov, 1);
	}
	pad.len = pad_to - sizeof(*h) - sizeof(pad);
	if (pad.len % 8)
		return -EINVAL;
	iov[1] = (struct iovec){ &pad, sizeof(pad) };
	err = write_all(w, iov, 2);
	for (left = pad.len; !err && left;) {
		size_t n = left < sizeof(zero) ? left : sizeof(zero);
		struct iovec z = { (void *)zero, n };

		err = write_all(w, &z, 1);
		left -= n;
	}
	return err;
}
