// SPDX-License-Identifier: GPL-2.0
/*
 * Trace file reader.  Layout: see include/kstride/abi.h.
 *
 * A trace may be larger than memory: trace__open() reads only the chunk
 * headers and the small chunks (descriptors, PCI lines, totals), and
 * trace__for_each() reads one DATA chunk at a time into a buffer it
 * reuses.  Memory is the descriptors, the chunk index (a few dozen bytes
 * per chunk) and one chunk.  Input that cannot seek (a pipe) is read whole.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static u64 hash64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* Regions are found by the low half of their address (see abi.h). */
static struct trace_region *region_slot(struct trace *t, u32 ref)
{
	size_t i = hash64(ref) & (t->cap - 1);

	while (t->regions[i].addr && (u32)t->regions[i].addr != ref)
		i = (i + 1) & (t->cap - 1);
	return &t->regions[i];
}

const struct trace_region *trace__region_find(struct trace *t, u32 ref)
{
	struct trace_region *r;

	if (!ref || !t->cap)
		return NULL;
	r = region_slot(t, ref);
	return r->addr ? r : NULL;
}

const char *trace__dump_str(struct trace *t, u64 addr)
{
	size_t i;

	for (i = 0; i < t->strs_d.n; i++) {
		const struct dump *d = &t->strs_d.v[i];

		if (addr >= d->addr && addr < d->addr + d->len &&
		    memchr(d->p + (addr - d->addr), 0, d->len - (addr - d->addr)))
			return (const char *)d->p + (addr - d->addr);
	}
	return NULL;
}

int trace__bad(struct trace *t, const char *what, u64 off)
{
	ks_err("%s: corrupt trace at offset 0x%lx: %s", t->path,
	       (unsigned long)off, what);
	return -EINVAL;
}

/* @len bytes at file offset @off into @dst. */
int trace__read(struct trace *t, u64 off, void *dst, size_t len)
{
	u8 *d = dst;

	if (off > t->size || len > t->size - off)
		return -EINVAL;
	if (t->whole) {
		memcpy(dst, t->whole + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(t->fd, d, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ks_err("%s: cannot read: %s", t->path, strerror(errno));
			return -errno;
		}
		if (!n) {
			ks_err("%s: cannot read: the file shrank while read", t->path);
			return -EIO;
		}
		d += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* A chunk's contents, in a new allocation (NUL-terminated, for text). */
static int trace_load(struct trace *t, u64 off, size_t len, u8 **out)
{
	u8 *p = malloc(len + 1);
	int err;

	if (!p)
		return -ENOMEM;
	err = trace__read(t, off, p, len);
	if (err) {
		free(p);
		return err;
	}
	p[len] = 0;
	*out = p;
	return 0;
}

static int trace_input(struct trace *t, const char *path)
{
	struct stat st;
	int err;

	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		err = -errno;
		ks_err("%s: cannot read: %s", path, strerror(errno));
		return err;
	}
	if (fstat(t->fd, &st)) {
		err = -errno;
		ks_err("%s: cannot read: %s", path, strerror(errno));
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		ks_err("%s: cannot read: a directory, not a trace", path);
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode)) {
		t->size = st.st_size;
		return 0;
	}
	/* a pipe or a device: whole, in memory */
	{
		size_t sz;

		err = file__read_all(path, &t->whole, &sz);
		if (err) {
			ks_err("%s: cannot read: %s", path, strerror(-err));
			return err;
		}
		t->size = sz;
	}
	return 0;
}

static s64 rel32(const u8 *p)
{
	s32 v;

	memcpy(&v, p, 4);
	return v;
}

static int name_cmp(const void *a, const void *b)
{
	const struct trace_func *x = *(struct trace_func *const *)a;
	const struct trace_func *y = *(struct trace_func *const *)b;

	return strcmp(x->name, y->name);
}

/* Mark names that more than one function uses (sorted: n log n). */
static int mark_ambiguous(struct trace *t)
{
	struct trace_func **v = calloc(t->funcs.n + 1, sizeof(*v));
	size_t i, j, k;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->funcs.n; i++)
		v[i] = &t->funcs.v[i];
	qsort(v, t->funcs.n, sizeof(*v), name_cmp);
	for (i = 0; i < t->funcs.n; i = j) {
		bool differ = false;

		for (j = i + 1; j < t->funcs.n && !strcmp(v[i]->name, v[j]->name); j++)
			if (strcmp(v[i]->object, v[j]->object) ||
			    v[i]->addr != v[j]->addr)
				differ = true;
		for (k = i; differ && k < j; k++)
			v[k]->ambiguous = true;
	}
	free(v);
	return 0;
}

static int index_funcs(struct trace *t)
{
	size_t i, k;

	for (i = 0; i < t->funcs_d.n; i++) {
		const struct dump *d = &t->funcs_d.v[i];

		for (k = 0; k + sizeof(struct ks_func) <= d->len;
		     k += sizeof(struct ks_func)) {
			const u8 *p = d->p + k;
			u64 a = d->addr + k;
			struct trace_func *f;
			struct ks_func kf;

			memcpy(&kf, p, sizeof(kf));
			if (!kf.name && !kf.object && !kf.size)
				continue; /* padding */
			f = vec_push(&t->funcs);
			if (!f)
				return -ENOMEM;
			f->addr = a;
			f->size = kf.size;
			f->flags = kf.flags;
			f->name = trace__dump_str(t, a + rel32(p));
			f->object = trace__dump_str(t, a + 4 + rel32(p + 4));
			if (!f->name || !f->object)
				return trace__bad(t, "function descriptor names no string", 0);
		}
	}
	return mark_ambiguous(t);
}

static int func_cmp(const void *a, const void *b)
{
	const struct trace_func *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct trace_func *func_bsearch(struct trace *t, u64 addr)
{
	size_t lo = 0, hi = t->funcs.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->funcs.v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->funcs.n && t->funcs.v[lo].addr == addr ?
		       &t->funcs.v[lo] : NULL;
}

static int index_regions(struct trace *t)
{
	size_t i, k, total = 0;

	for (i = 0; i < t->regions_d.n; i++)
		total += t->regions_d.v[i].len / 8;
	t->cap = 16;
	while (t->cap < 2 * total + 16)
		t->cap *= 2;
	t->regions = calloc(t->cap, sizeof(*t->regions));
	if (!t->regions)
		return -ENOMEM;
	if (t->funcs.n)
		qsort(t->funcs.v, t->funcs.n, sizeof(struct trace_func), func_cmp);
	for (i = 0; i < t->regions_d.n; i++) {
		const struct dump *d = &t->regions_d.v[i];

		for (k = 0; k + sizeof(struct ks_region) <= d->len;) {
			struct ks_region kr;
			struct trace_region *r;
			u64 a = d->addr + k;
			size_t sz;

			memcpy(&kr, d->p + k, sizeof(kr));
			if (!kr.func && !kr.nsites && !kr.nslots) {
				k += 8; /* alignment padding between objects */
				continue;
			}
			sz = sizeof(kr) + (size_t)kr.nsites * sizeof(struct ks_site);
			if (sz > d->len - k || kr.nslots > KS_REGION_MAX_SLOTS)
				return trace__bad(t, "region descriptor out of bounds", 0);
			r = region_slot(t, (u32)a);
			if (r->addr)
				return trace__bad(t, "two region descriptors share the low half of their address", 0);
			r->addr = a;
			r->nsites = kr.nsites;
			r->nslots = kr.nslots;
			r->site = (const struct ks_site *)(d->p + k + sizeof(kr));
			r->func = func_bsearch(t, a + kr.func);
			if (!r->func)
				return trace__bad(t, "region descriptor names no function", 0);
			t->nregions++;
			k += sz;
		}
	}
	return 0;
}

int trace__open(const char *path, bool force, struct trace **tp)
{
	struct ks_file_hdr hdr;
	struct trace *t;
	size_t off, nchunks = 0;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->path = strdup(path);
	if (!t->path) {
		err = -ENOMEM;
		goto fail;
	}
	err = trace_input(t, path);
	if (err)
		goto fail;
	if (t->size < sizeof(hdr) || trace__read(t, 0, &hdr, sizeof(hdr)) ||
	    memcmp(hdr.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC))) {
		ks_err("%s: not a kstride trace (bad magic)", path);
		err = -EINVAL;
		goto fail;
	}
	t->kernel = hdr.flags & KS_FILE_KERNEL;
	t->tsc_khz = t->kernel ? hdr.tsc_khz : 0;
	t->mmio = hdr.flags & KS_FILE_MMIO;
	if (hdr.version < KS_ABI_VERSION_OLDEST || hdr.version > KS_ABI_VERSION) {
		ks_err("%s: trace format version %u; this kstride reads versions %u to %u",
		       path, hdr.version, KS_ABI_VERSION_OLDEST, KS_ABI_VERSION);
		err = -EINVAL;
		goto fail;
	}
	for (off = sizeof(hdr); off < t->size;) {
		struct ks_chunk_hdr ch;
		struct dump *d = NULL;

		if (t->size - off < sizeof(ch)) {
			err = trace__bad(t, "truncated chunk header", off);
			goto fail;
		}
		err = trace__read(t, off, &ch, sizeof(ch));
		if (err)
			goto fail;
		if (ch.len > t->size - off - sizeof(ch) || ch.len % 8) {
			if (force) {
				/* what precedes is read; an error only if nothing does */
				ks_warn("%s: the trace is cut at offset 0x%zx (a chunk of type %u, %lu bytes, has %zu): reading the %zu complete chunks before it",
					path, off, ch.type, (unsigned long)ch.len,
					t->size - off - sizeof(ch), nchunks);
				break;
			}
			ks_err("%s: truncated or corrupt chunk at offset 0x%zx (type %u, %lu bytes, %zu left); use --force to read the complete part",
			       path, off, ch.type, (unsigned long)ch.len,
			       t->size - off - sizeof(ch));
			err = -EINVAL;
			goto fail;
		}
		nchunks++;
		switch (ch.type) {
		case KS_CHUNK_DATA: {
			struct ks_data_hdr dh;
			struct data_chunk *dc;

			if (ch.len < sizeof(dh)) {
				err = trace__bad(t, "short data chunk", off);
				goto fail;
			}
			err = trace__read(t, off + sizeof(ch), &dh, sizeof(dh));
			if (err)
				goto fail;
			if (dh.records > ch.len - sizeof(dh) || dh.records % 4) {
				err = trace__bad(t, "data chunk records exceed the chunk", off);
				goto fail;
			}
			dc = vec_push(&t->chunks);
			if (!dc) {
				err = -ENOMEM;
				goto fail;
			}
			dc->off = off + sizeof(ch);
			dc->records = dh.records;
			dc->tid = dh.tid;
			dc->seq = dh.seq;
			dc->cpu = KS_KINFO_CPU(dh.kinfo);
			dc->stop = t->kernel ? KS_KINFO_STOP(dh.kinfo) :
					       (u32)dh.records;
			dc->flags = t->kernel ? KS_KINFO_FLAGS(dh.kinfo) : 0;
			dc->ts = dh.ts;
			dc->tsc = dh.tsc;
			if (dc->stop > dh.records) {
				err = trace__bad(t, "data chunk stops past its records", off);
				goto fail;
			}
			break;
		}
		case KS_CHUNK_PAD:
			break;
		case KS_CHUNK_NET:
			/* later writers may add counters at the end */
			err = trace__read(t, off + sizeof(ch), &t->net,
					 min((size_t)ch.len, sizeof(t->net)));
			if (err)
				goto fail;
			t->has_net = true;
			break;
		case KS_CHUNK_APERTURES:
			err = trace__read(t, off + sizeof(ch), &t->ap,
					 min((size_t)ch.len, sizeof(t->ap)));
			if (err)
				goto fail;
			t->has_ap = true;
			break;
		case KS_CHUNK_PCI: {
			u8 *txt;

			/* text, NUL-terminated inside the chunk */
			err = trace_load(t, off + sizeof(ch), ch.len, &txt);
			if (err)
				goto fail;
			if (memchr(txt, 0, ch.len)) {
				free(t->pci);
	free(t->ksyms);
	free(t->ksyms_txt);
				t->pci = (char *)txt;
				t->pci_len = ch.len;
			} else {
				free(txt);
			}
			break;
		}
		case KS_CHUNK_KSYMS: {
			u8 *txt;

			err = trace_load(t, off + sizeof(ch), ch.len, &txt);
			if (err)
				goto fail;
			if (!memchr(txt, 0, ch.len)) {
				free(txt);
				break; /* not terminated: no names */
			}
			err = trace__ksyms_load(t, (char *)txt, ch.len);
			if (err)
				goto fail;
			break;
		}
		case KS_CHUNK_REGIONS:
			d = vec_push(&t->regions_d);
			break;
		case KS_CHUNK_FUNCS:
			d = vec_push(&t->funcs_d);
			break;
		case KS_CHUNK_STRS:
			d = vec_push(&t->strs_d);
			break;
		case KS_CHUNK_END:
			if (ch.len < 24) {
				err = trace__bad(t, "short end chunk", off);
				goto fail;
			}
			/* older writers wrote fewer totals */
			err = trace__read(t, off + sizeof(ch), &t->end,
					 min((size_t)ch.len, sizeof(t->end)));
			if (err)
				goto fail;
			t->has_end = true;
			break;
		default:
			err = trace__bad(t, "unknown chunk type", off);
			goto fail;
		}
		if (ch.type >= KS_CHUNK_REGIONS && ch.type <= KS_CHUNK_STRS) {
			if (!d) {
				err = -ENOMEM;
				goto fail;
			}
			if (ch.len < 8) {
				err = trace__bad(t, "short descriptor chunk", off);
				goto fail;
			}
			err = trace__read(t, off + sizeof(ch), &d->addr, 8);
			err = err ?: trace_load(t, off + sizeof(ch) + 8,
						ch.len - 8, &d->p);
			if (err)
				goto fail;
			d->len = ch.len - 8;
		}
		off += sizeof(ch) + ch.len;
	}
	if (force && !t->chunks.n && !t->has_end) {
		ks_err("%s: nothing in the trace is complete: no buffer was written before it was cut",
		       path);
		err = -EINVAL;
		goto fail;
	}
	if (!t->has_end && !force) {
		ks_err("%s: the trace has no end marker: the program did not exit normally, or the file was cut (use --force to read what is there)",
		       path);
		err = -EINVAL;
		goto fail;
	}
	err = index_funcs(t);
	err = err ?: index_regions(t);
	if (err)
		goto fail;
	*tp = t;
	return 0;
fail:
	trace__close(t);
	return err;
}

void trace__close(struct trace *t)
{
	if (!t)
		return;
	free(t->path);
	if (t->fd >= 0)
		close(t->fd);
	free(t->whole);
	free(t->buf);
	free(t->pci);
	free(t->ksyms);
	free(t->ksyms_txt);
	vec_free(&t->chunks);
	for (size_t i = 0; i < t->regions_d.n; i++)
		free(t->regions_d.v[i].p);
	for (size_t i = 0; i < t->funcs_d.n; i++)
		free(t->funcs_d.v[i].p);
	for (size_t i = 0; i < t->strs_d.n; i++)
		free(t->strs_d.v[i].p);
	vec_free(&t->regions_d);
	vec_free(&t->funcs_d);
	vec_free(&t->strs_d);
	vec_free(&t->funcs);
	free(t->regions);
	free(t);
}

u64 trace__lost(const struct trace *t)
{
	return t->lost;
}

u64 trace__lost_bytes(const struct trace *t)
{
	return t->lost_bytes;
}

const struct ks_end *trace__end(const struct trace *t)
{
	return t->has_end ? &t->end : NULL;
}

void trace_func__label(const struct trace_func *f, char *buf, size_t len)
{
	if (f->ambiguous)
		snprintf(buf, len, "%s:%s", f->object, f->name);
	else
		snprintf(buf, len, "%s", f->name);
}
