// SPDX-License-Identifier: GPL-2.0
#include "archive.h"

#define AR_MAGIC "!<arch>\n"
#define AR_THIN "!<thin>\n"
#define AR_HDR 60

bool ar__is_archive(const u8 *data, size_t size)
{
	return size >= 8 && (!memcmp(data, AR_MAGIC, 8) ||
			     !memcmp(data, AR_THIN, 8));
}

static int parse_num(const u8 *p, size_t len, int base, u64 *v)
{
	char tmp[24];
	char *end;

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, p, len);
	tmp[len] = 0;
	while (len && tmp[len - 1] == ' ')
		tmp[--len] = 0;
	if (!len) {
		*v = 0;
		return 0;
	}
	errno = 0;
	*v = strtoull(tmp, &end, base);
	return (*end || errno) ? -EINVAL : 0;
}

void ar__free(struct ar_archive *ar)
{
	size_t i;

	for (i = 0; i < ar->members.n; i++)
		free(ar->members.v[i].name);
	vec_free(&ar->members);
}

int ar__parse(const char *name, const u8 *data, size_t size,
	      struct ar_archive *ar)
{
	const u8 *longnames = NULL;
	size_t nlong = 0, off = 8;

	memset(ar, 0, sizeof(*ar));
	if (size >= 8 && !memcmp(data, AR_THIN, 8)) {
		ks_err("%s: thin archives are not supported; make a regular one with 'ar rc'",
		       name);
		return -ENOTSUP;
	}
	if (!ar__is_archive(data, size))
		return -EINVAL;
	while (off < size) {
		const u8 *h = data + off;
		struct ar_member *m;
		u64 msize, mode;
		char mname[17];
		size_t i;

		if (size - off < AR_HDR || h[58] != '`' || h[59] != '\n') {
			ks_err("%s: member header at offset %zu is truncated or corrupt",
			       name, off);
			goto err;
		}
		if (parse_num(h + 48, 10, 10, &msize) ||
		    msize > size - off - AR_HDR) {
			ks_err("%s: member at offset %zu: bad size (truncated archive?)",
			       name, off);
			goto err;
		}
		if (parse_num(h + 40, 8, 8, &mode))
			mode = 0644;
		memcpy(mname, h, 16);
		mname[16] = 0;
		off += AR_HDR;
		if (!memcmp(mname, "/               ", 16) ||
		    !memcmp(mname, "/SYM64/         ", 16)) {
			/* symbol index: rebuilt on write */
		} else if (!memcmp(mname, "//              ", 16)) {
			longnames = data + off;
			nlong = msize;
		} else {
			char *n;

			if (mname[0] == '/' && mname[1] >= '0' &&
			    mname[1] <= '9') {
				u64 lo;
				size_t e;

				if (parse_num((u8 *)mname + 1, 15, 10, &lo) ||
				    !longnames || lo >= nlong) {
					ks_err("%s: member at offset %zu: bad long name reference",
					       name, off - AR_HDR);
					goto err;
				}
				for (e = lo; e < nlong && longnames[e] != '\n';
				     e++)
					;
				if (e > lo && longnames[e - 1] == '/')
					e--;
				n = strndup((const char *)longnames + lo,
					    e - lo);
			} else {
				for (i = 16; i > 0 && mname[i - 1] == ' '; i--)
					mname[i - 1] = 0;
				if (i > 0 && mname[i - 1] == '/')
					mname[i - 1] = 0;
				n = strdup(mname);
			}
			m = vec_push(&ar->members);
			if (!n || !m) {
				free(n);
				goto err;
			}
			m->name = n;
			m->data = data + off;
			m->size = msize;
			m->mode = mode & 07777;
		}
		off += msize + (msize & 1);
	}
	return 0;
err:
	ar__free(ar);
	return -EINVAL;
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int put_hdr(struct buf *b, const char *name, size_t size, u32 mode)
{
	char h[128];

	if (size > 9999999999ULL || strlen(name) > 16)
		return -EFBIG;
	snprintf(h, sizeof(h), "%-16s%-12u%-6u%-6u%-8o%-10zu`\n", name, 0, 0,
		 0, mode & 07777, size);
	return buf__append(b, h, AR_HDR);
}

int ar__write(const struct ar_out_member *m, size_t n, struct buf *out)
{
	struct buf names = {}, longs = {};
	size_t i, j, nsyms = 0, symtab_size, body_off;
	u32 *longoff = NULL;
	size_t *moff = NULL;
	int err = -ENOMEM;
	u8 *idx = NULL;

	longoff = calloc(n ? n : 1, sizeof(*longoff));
	moff = calloc(n ? n : 1, sizeof(*moff));
	if (!longoff || !moff)
		goto out;
	for (i = 0; i < n; i++) {
		nsyms += m[i].nsyms;
		for (j = 0; j < m[i].nsyms; j++)
			if (buf__append(&names, m[i].syms[j],
					strlen(m[i].syms[j]) + 1))
				goto out;
		if (strlen(m[i].name) > 15) {
			longoff[i] = longs.len;
			if (buf__append(&longs, m[i].name, strlen(m[i].name)) ||
			    buf__append(&longs, "/\n", 2))
				goto out;
		} else {
			longoff[i] = UINT32_MAX;
		}
	}
	symtab_size = 4 + 4 * nsyms + names.len;
	/* member offsets, needed by the index */
	body_off = 8 + AR_HDR + symtab_size + (symtab_size & 1);
	if (longs.len)
		body_off += AR_HDR + longs.len + (longs.len & 1);
	for (i = 0; i < n; i++) {
		moff[i] = body_off;
		body_off += AR_HDR + m[i].size + (m[i].size & 1);
		if (body_off > UINT32_MAX) {
			err = -EFBIG;
			goto out;
		}
	}
	idx = malloc(4 + 4 * nsyms);
	if (!idx)
		goto out;
	put_be32(idx, nsyms);
	for (i = 0, nsyms = 0; i < n; i++)
		for (j = 0; j < m[i].nsyms; j++)
			put_be32(idx + 4 + 4 * nsyms++, moff[i]);

	if (buf__append(out, AR_MAGIC, 8) ||
	    put_hdr(out, "/", symtab_size, 0) ||
	    buf__append(out, idx, 4 + 4 * nsyms) ||
	    buf__append(out, names.p, names.len) ||
	    buf__align(out, 2, '\n'))
		goto out;
	if (longs.len && (put_hdr(out, "//", longs.len, 0) ||
			  buf__append(out, longs.p, longs.len) ||
			  buf__align(out, 2, '\n')))
		goto out;
	for (i = 0; i < n; i++) {
		char hn[20];

		if (longoff[i] != UINT32_MAX)
			snprintf(hn, sizeof(hn), "/%u", longoff[i]);
		else
			snprintf(hn, sizeof(hn), "%s/", m[i].name);
		if (put_hdr(out, hn, m[i].size, 0644) ||
		    buf__append(out, m[i].data, m[i].size) ||
		    buf__align(out, 2, '\n'))
			goto out;
	}
	err = 0;
out:
	free(idx);
	free(longoff);
	free(moff);
	buf__free(&names);
	buf__free(&longs);
	return err;
}
