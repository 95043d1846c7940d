// SPDX-License-Identifier: GPL-2.0
/*
 * DWARF's variable-length numbers and pointer encodings, read with a bound
 * and written (.eh_frame and .gcc_except_table: cfi.c, cfi-emit.c, lsda.c).
 */
#include "cfi.h"

u64 dw__uleb(struct dw_rd *r)
{
	u64 v = 0;
	unsigned int shift = 0;
	u8 b;

	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (u64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

s64 dw__sleb(struct dw_rd *r)
{
	s64 v = 0;
	unsigned int shift = 0;
	u8 b;

	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (s64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((s64)1 << shift);
	return v;
}

u8 dw__u8(struct dw_rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

u64 dw__fixed(struct dw_rd *r, unsigned int size)
{
	u64 v = 0;

	if (!size || r->end - r->p < (ptrdiff_t)size) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, size);
	r->p += size;
	return v;
}

unsigned int dw__enc_size(u8 enc)
{
	switch (enc & 0x0f) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return 8;
	case PE_UDATA4:
	case PE_SDATA4:
		return 4;
	case PE_UDATA2:
	case PE_SDATA2:
		return 2;
	default:
		return 0;
	}
}

unsigned int dw__uleb_len(u64 v)
{
	unsigned int n = 1;

	while (v >>= 7)
		n++;
	return n;
}

/* uleb128 of @v in at least @min_len bytes (padded with 0x80s) */
int dw__put_uleb(struct buf *b, u64 v, unsigned int min_len)
{
	unsigned int n = 0;
	int err = 0;

	do {
		u8 c = v & 0x7f;

		v >>= 7;
		n++;
		if (v || n < min_len)
			c |= 0x80;
		err = buf__append(b, &c, 1);
	} while (!err && (v || n < min_len));
	return err;
}

int dw__put_sleb(struct buf *b, s64 v)
{
	bool more;
	int err = 0;

	do {
		u8 c = v & 0x7f;

		v >>= 7;
		more = !((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40)));
		if (more)
			c |= 0x80;
		err = buf__append(b, &c, 1);
	} while (!err && more);
	return err;
}
