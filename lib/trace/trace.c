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

#include "trace.h"

struct dump {
	u64 addr;
	u8 *p; /* owned */
	size_t len;
};

struct data_chunk {
	size_t off; /* of the ks_data_hdr */
	u64 records;
	u32 tid, seq;
	u32 cpu, stop; /* kernel: records start below stop */
	u32 flags; /* kernel: KS_SUB_* */
	u64 ts, tsc; /* kernel: completion time, ns and TSC */
};

#define CTX_DEPTH 8

/* Kernel: the state of one CPU's stream while it is walked. */
struct cpu_state {
	s32 pid, tgid;
	char comm[17];
	u64 tsc; /* of the latest ENTRY or SWITCH; 0: none yet */
	int top; /* stack of contexts nested by entries and exits */
	struct {
		int ctx;
		s64 depth;
	} st[CTX_DEPTH];
};

struct trace {
	char *path;
	VEC(struct data_chunk) chunks;
	int fd;
	u8 *whole; /* input that cannot seek, read whole */
	u64 size;
	u8 *buf; /* the DATA chunk being walked */
	size_t buf_cap;
	VEC(struct dump) regions_d, funcs_d, strs_d;
	VEC(struct trace_func) funcs;
	struct trace_region *regions; /* hash table, open addressing */
	size_t nregions, cap;
	struct ks_end end;
	bool has_end;
	bool kernel;
	u64 lost; /* kernel records still in flight when copied */
	u64 lost_bytes; /* kernel: bytes of other modules' records */
	u64 tsc_khz; /* kernel: TSC ticks per ms, for timestamps */
	char *pci; /* MMIO: PCIDEV lines (owned) */
	struct ks_net_stats net; /* MMIO: the safety net's account */
	bool has_net;
	struct ks_aperture_stats ap; /* MMIO: apertures counted */
	bool has_ap;
	bool mmio;
	size_t pci_len;
	struct cpu_state cs; /* kernel: the CPU being walked */
	u32 cs_cpu;
	u64 prev_ts, prev_tsc; /* kernel: the previous sub-buffer's pair */
};

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

static const struct trace_region *region_find(struct trace *t, u32 ref)
{
	struct trace_region *r;

	if (!ref || !t->cap)
		return NULL;
	r = region_slot(t, ref);
	return r->addr ? r : NULL;
}

static const char *dump_str(struct trace *t, u64 addr)
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

static int bad(struct trace *t, const char *what, u64 off)
{
	ks_err("%s: corrupt trace at offset 0x%lx: %s", t->path,
	       (unsigned long)off, what);
	return -EINVAL;
}

/* @len bytes at file offset @off into @dst. */
static int trace_read(struct trace *t, u64 off, void *dst, size_t len)
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
	err = trace_read(t, off, p, len);
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
			f->name = dump_str(t, a + rel32(p));
			f->object = dump_str(t, a + 4 + rel32(p + 4));
			if (!f->name || !f->object)
				return bad(t, "function descriptor names no string", 0);
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
				return bad(t, "region descriptor out of bounds", 0);
			r = region_slot(t, (u32)a);
			if (r->addr)
				return bad(t, "two region descriptors share the low half of their address", 0);
			r->addr = a;
			r->nsites = kr.nsites;
			r->nslots = kr.nslots;
			r->site = (const struct ks_site *)(d->p + k + sizeof(kr));
			r->func = func_bsearch(t, a + kr.func);
			if (!r->func)
				return bad(t, "region descriptor names no function", 0);
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
	if (t->size < sizeof(hdr) || trace_read(t, 0, &hdr, sizeof(hdr)) ||
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
			err = bad(t, "truncated chunk header", off);
			goto fail;
		}
		err = trace_read(t, off, &ch, sizeof(ch));
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
				err = bad(t, "short data chunk", off);
				goto fail;
			}
			err = trace_read(t, off + sizeof(ch), &dh, sizeof(dh));
			if (err)
				goto fail;
			if (dh.records > ch.len - sizeof(dh) || dh.records % 4) {
				err = bad(t, "data chunk records exceed the chunk", off);
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
				err = bad(t, "data chunk stops past its records", off);
				goto fail;
			}
			break;
		}
		case KS_CHUNK_PAD:
			break;
		case KS_CHUNK_NET:
			/* later writers may add counters at the end */
			err = trace_read(t, off + sizeof(ch), &t->net,
					 min((size_t)ch.len, sizeof(t->net)));
			if (err)
				goto fail;
			t->has_net = true;
			break;
		case KS_CHUNK_APERTURES:
			err = trace_read(t, off + sizeof(ch), &t->ap,
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
				t->pci = (char *)txt;
				t->pci_len = ch.len;
			} else {
				free(txt);
			}
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
				err = bad(t, "short end chunk", off);
				goto fail;
			}
			/* older writers wrote fewer totals */
			err = trace_read(t, off + sizeof(ch), &t->end,
					 min((size_t)ch.len, sizeof(t->end)));
			if (err)
				goto fail;
			t->has_end = true;
			break;
		default:
			err = bad(t, "unknown chunk type", off);
			goto fail;
		}
		if (ch.type >= KS_CHUNK_REGIONS && ch.type <= KS_CHUNK_STRS) {
			if (!d) {
				err = -ENOMEM;
				goto fail;
			}
			if (ch.len < 8) {
				err = bad(t, "short descriptor chunk", off);
				goto fail;
			}
			err = trace_read(t, off + sizeof(ch), &d->addr, 8);
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

static u64 site_addr(const struct trace_region *r, u32 k,
		     const struct ks_site *s, const u64 *slot, u64 fs, u64 gs)
{
	u64 a;

	switch (s->form) {
	case KS_A_SLOT:
		a = slot[0] * (s->scale ? s->scale : 1) + (s64)s->disp;
		break;
	case KS_A_SLOT2:
		a = slot[0] + slot[1] * (s->scale ? s->scale : 1) + (s64)s->disp;
		break;
	case KS_A_ABS:
		a = (u64)(s64)s->disp;
		break;
	case KS_A_BITOFF:
	case KS_A_BITOFF_IDX:
	case KS_A_BITOFF_RIP:
	case KS_A_BITOFF_ABS: {
		unsigned bits = 8 * (s->size ? s->size : 1), sh = __builtin_ctz(bits);
		u64 bit, base;
		s64 off;

		switch (s->form) {
		case KS_A_BITOFF:
			base = slot[0] + (s64)s->disp;
			bit = slot[1];
			break;
		case KS_A_BITOFF_IDX:
			base = slot[0] + slot[1] * (s->scale ? s->scale : 1) +
			       (s64)s->disp;
			bit = slot[2];
			break;
		case KS_A_BITOFF_RIP:
			base = r->addr + sizeof(struct ks_region) +
			       k * sizeof(struct ks_site) +
			       offsetof(struct ks_site, disp) + (s64)s->disp;
			bit = slot[0];
			break;
		default:
			base = (u64)(s64)s->disp;
			bit = slot[0];
			break;
		}
		off = (s64)(bit << (64 - bits)) >> (64 - bits);
		a = base + (u64)((off >> sh) * (s64)s->size);
		break;
	}
	case KS_A_RIP:
		a = r->addr + sizeof(struct ks_region) +
		    k * sizeof(struct ks_site) +
		    offsetof(struct ks_site, disp) + (s64)s->disp;
		break;
	default:
		a = 0;
	}
	if (s->flags & KS_F_ADDR32)
		a &= 0xffffffffu;
	/* the chunk's segment base: %fs for threads, %gs for CPUs */
	if (s->flags & KS_F_FS)
		a += fs;
	if (s->flags & KS_F_GS)
		a += gs;
	return a;
}

static void cpu_reset(struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = s->tgid = -1;
	s->st[0].ctx = KS_CTX_UNKNOWN;
}

/*
 * The context a preempt count names.  The layout is the kernel's own
 * (include/linux/preempt.h): preemption 0-7, softirq 8-15 (bit 8 while
 * serving), hardirq 16-19, NMI 20-23; bit 31 is x86's need-resched.
 */
static int ctx_of(u64 pc)
{
	if (pc & 0xf00000)
		return KS_CTX_NMI;
	if (pc & 0xf0000)
		return KS_CTX_HARDIRQ;
	if (pc & 0x100)
		return KS_CTX_SOFTIRQ;
	return KS_CTX_TASK;
}

/* A function entry in context @c: nest, or unwind exits never seen. */
static void ctx_enter(struct cpu_state *s, int c)
{
	while (s->top > 0 && (s->st[s->top].ctx > c ||
			      s->st[s->top].ctx == KS_CTX_UNKNOWN))
		s->top--;
	if (s->top == 0 && (s->st[0].ctx == KS_CTX_UNKNOWN ||
			    s->st[0].ctx > c))
		s->st[0].ctx = c;
	if (s->st[s->top].ctx == c) {
		s->st[s->top].depth++;
		return;
	}
	if (s->top < CTX_DEPTH - 1)
		s->top++;
	s->st[s->top].ctx = c;
	s->st[s->top].depth = 1;
}

static void ctx_exit(struct cpu_state *s)
{
	if (--s->st[s->top].depth <= 0 && s->top > 0)
		s->top--;
}

/*
 * ns on local_clock()'s scale.  Between the completion of the previous
 * sub-buffer of the CPU and that of this one, both (ts, tsc) pairs are
 * known: interpolate, so that times stay in record order across
 * sub-buffers even where the clock and the TSC disagree on their rates
 * (a VM).  Otherwise, from this pair and the TSC's nominal rate.
 */
static u64 tsc_ns(const struct trace *t, const struct data_chunk *dc, u64 tsc)
{
	__int128 d;

	if (!tsc || !dc->tsc)
		return 0;
	if (t->prev_tsc && t->prev_tsc < dc->tsc && t->prev_ts <= dc->ts &&
	    tsc >= t->prev_tsc && tsc <= dc->tsc) {
		d = (__int128)(tsc - t->prev_tsc) * (dc->ts - t->prev_ts) /
		    (dc->tsc - t->prev_tsc);
		return t->prev_ts + (u64)d;
	}
	if (!t->tsc_khz)
		return 0;
	d = (__int128)(s64)(dc->tsc - tsc) * 1000000 / (__int128)t->tsc_khz;
	return (u64)((__int128)dc->ts - d);
}

static void ev_ctx(struct trace *t, const struct data_chunk *dc,
		   struct trace_event *ev)
{
	const struct cpu_state *s = &t->cs;

	ev->kernel = true;
	ev->ts = tsc_ns(t, dc, s->tsc);
	ev->ctx = s->st[s->top].ctx;
	ev->pid = s->pid;
	ev->tgid = s->tgid;
	ev->comm = s->comm;
}

/* The slots of a device record, or of kstride.ko's MAP, UNMAP, MARK. */
static void dev_event(struct trace *t, const struct data_chunk *dc,
		      struct trace_event *ev, u8 kind, const u64 *v)
{
	ev->ts = tsc_ns(t, dc, v[0]);
	ev->map_id = 0;
	ev->mflags = 0;
	ev->len = 0;
	ev->text[0] = 0;
	switch (kind) {
	case KS_K_MAP:
		ev->phys = v[1];
		ev->addr = v[2];
		ev->len = v[3];
		ev->map_id = (u32)v[4];
		ev->mflags = (u32)(v[4] >> 32); /* enum ks_net_map */
		break;
	case KS_K_UNMAP:
		ev->addr = v[1];
		ev->map_id = (u32)v[2];
		break;
	case KS_K_MARK:
		memcpy(ev->text, &v[1], KS_MARK_TEXT);
		ev->text[KS_MARK_TEXT] = 0;
		break;
	default:
		ev->phys = v[1];
		ev->value = v[2];
		ev->addr = v[3];
		ev->map_id = (u32)v[4];
		ev->mflags = (u32)(v[4] >> 32);
		/* kstride.ko says who made it (values as enum ks_ctx) */
		if (ev->mflags & KS_MF_CTX)
			ev->ctx = (ev->mflags & KS_MF_CTX) >> KS_MF_CTX_SHIFT;
		break;
	}
}

const struct ks_aperture_stats *trace__apertures(const struct trace *t)
{
	return t->has_ap ? &t->ap : NULL;
}

const struct ks_net_stats *trace__net(const struct trace *t)
{
	return t->has_net ? &t->net : NULL;
}

const char *trace__pci(const struct trace *t)
{
	return t->pci ? t->pci : "";
}

bool trace__mmio(const struct trace *t)
{
	return t->mmio;
}

/* CALL_PRE, CALL_POST, THREAD: @v holds the site's slots (abi.h, part 6) */
static void call_event(struct trace *t, const struct trace_region *r, u32 k,
		       const struct ks_site *s, const u64 *v,
		       struct trace_event *ev)
{
	u64 field = r->addr + sizeof(struct ks_region) +
		    k * sizeof(struct ks_site) + offsetof(struct ks_site, disp);

	memset(ev->args, 0, sizeof(ev->args));
	ev->addr = 0;
	ev->cseq = v[0];
	ev->callee = s->disp ? dump_str(t, field + (s64)s->disp) : NULL;
	ev->target = 0;
	switch (s->kind) {
	case KS_K_CALL_PRE:
		ev->target = v[1];
		memcpy(ev->args, v + 2, 6 * sizeof(u64));
		break;
	case KS_K_CALL_POST:
		ev->args[0] = v[1];
		ev->args[1] = v[2];
		break;
	default: /* THREAD */
		memcpy(ev->args, v + 1, 3 * sizeof(u64));
		break;
	}
}

/* where struct ks_mmio_rec's seq and pc are, in slots */
#define SLOT_SEQ (offsetof(struct ks_mmio_rec, seq) / 8)
#define SLOT_PC (offsetof(struct ks_mmio_rec, pc) / 8)

/* the file offset of @p, in the chunk walk_chunk() read into t->buf */
#define FOFF(p) (dc->off + (u64)((p) - t->buf))

static int walk_chunk(struct trace *t, const struct data_chunk *dc,
		      trace_cb cb, void *arg)
{
	struct ks_data_hdr dh;
	size_t need = sizeof(dh) + dc->records;
	const u8 *p, *end, *stop;
	struct trace_event ev;
	int rerr;

	if (need > t->buf_cap) {
		u8 *nb = realloc(t->buf, need);

		if (!nb)
			return -ENOMEM;
		t->buf = nb;
		t->buf_cap = need;
	}
	rerr = trace_read(t, dc->off, t->buf, need);
	if (rerr)
		return rerr;
	p = t->buf + sizeof(dh);
	end = p + dc->records;
	stop = p + dc->stop;
	memcpy(&dh, t->buf, sizeof(dh));
	memset(&ev, 0, sizeof(ev));
	ev.tid = t->kernel ? dc->cpu : dh.tid;
	ev.gap = t->kernel && (dc->flags & KS_SUB_GAP);
	if (t->kernel && dc->cpu != t->cs_cpu)
		t->prev_ts = t->prev_tsc = 0;
	if (t->kernel && (dc->cpu != t->cs_cpu || (dc->flags & KS_SUB_GAP))) {
		/* another CPU, or records were lost: nothing is known */
		cpu_reset(&t->cs);
		t->cs_cpu = dc->cpu;
	}
	while (p < stop) {
		const struct trace_region *r;
		u64 slots[KS_REGION_MAX_SLOTS];
		u32 k, used = 0, hdr;
		int err;

		if (end - p < KS_REC_HDR)
			return bad(t, "record cut short", FOFF(p));
		memcpy(&hdr, p, KS_REC_HDR);
		if (t->kernel && hdr <= KS_REGION_MAX_BYTES) {
			/* reserved, still in flight when copied: its length
			 * marker says how far to skip; 0: nothing more */
			t->lost++;
			if (!hdr)
				break;
			p += hdr;
			continue;
		}
		r = region_find(t, hdr);
		if (!r && t->kernel) {
			/* another instrumented module shares the rings and
			 * its descriptors are not in this trace: the rest of
			 * this buffer cannot be walked */
			t->lost_bytes += stop - p;
			break;
		}
		if (!r)
			return bad(t, hdr ? "record names an unknown region" :
					    "uncommitted record (a signal interrupted a flush?)",
				   FOFF(p));
		if ((size_t)(end - p) < KS_REC_BYTES((size_t)r->nslots))
			return bad(t, "record cut short", FOFF(p));
		memcpy(slots, p + KS_REC_HDR, 8 * r->nslots);
		ev.region = r;
		if (t->kernel && r->nsites) {
			/* who runs: a SWITCH, or an ENTRY's preempt count */
			struct ks_site s0;

			memcpy(&s0, &r->site[0], sizeof(s0));
			if (s0.kind == KS_K_SWITCH) {
				if ((u32)s0.slot + KS_SWITCH_SLOTS > r->nslots)
					return bad(t, "short SWITCH record",
						   FOFF(p));
				cpu_reset(&t->cs);
				t->cs.tsc = slots[s0.slot];
				t->cs.pid = (s32)slots[s0.slot + 1];
				t->cs.tgid = (s32)(slots[s0.slot + 1] >> 32);
				memcpy(t->cs.comm, &slots[s0.slot + 2], 16);
				t->cs.comm[16] = 0;
				t->cs.st[0].ctx = KS_CTX_TASK;
				if (ctx_of(slots[s0.slot + 4] & 0x7fffffff) !=
				    KS_CTX_TASK) {
					/* an interrupt, nested how deep is
					 * not known: unknown until an entry */
					t->cs.top = 1;
					t->cs.st[1].ctx = KS_CTX_UNKNOWN;
					t->cs.st[1].depth = 1ll << 40;
				}
			} else if (s0.kind == KS_K_ENTRY &&
				   (s0.flags & KS_F_CTX)) {
				if ((u32)s0.slot + 3 > r->nslots)
					return bad(t, "short ENTRY record",
						   FOFF(p));
				t->cs.tsc = slots[s0.slot + 1];
				ctx_enter(&t->cs, ctx_of(slots[s0.slot + 2] &
							 0x7fffffff));
			}
			ev_ctx(t, dc, &ev);
		}
		for (k = 0; k < r->nsites; k++) {
			struct ks_site s;

			memcpy(&s, &r->site[k], sizeof(s));
			used = s.slot;
			if (used + max(s.nslots, (u8)(s.form == KS_A_BITOFF_IDX ? 3 :
						 s.form == KS_A_SLOT2 || s.form == KS_A_BITOFF ? 2 :
						 s.form == KS_A_RIP || s.form == KS_A_ABS ? 0 : 1)) >
			    r->nslots)
				return bad(t, "site slots exceed the record",
					   FOFF(p));
			ev.site = &r->site[k];
			ev.count = 1;
			ev.dir = 0;
			ev.sp = 0;
			if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_MARK) {
				if ((u32)s.slot + (s.kind == KS_K_MARK ? KS_MARK_SLOTS :
						   s.kind >= KS_K_MAP ? KS_MAP_SLOTS :
						   KS_MMIO_SLOTS_V2) >
				    r->nslots)
					return bad(t, "short device record",
						   FOFF(p));
				dev_event(t, dc, &ev, s.kind, slots + s.slot);
				/* its place in the global order, if recorded */
				ev.seq = ev.pc = 0;
				if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_PIO_W &&
				    (u32)s.slot + SLOT_SEQ + 1 <= r->nslots)
					ev.seq = slots[s.slot + SLOT_SEQ];
				if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_PIO_W &&
				    (u32)s.slot + SLOT_PC + 1 <= r->nslots)
					ev.pc = slots[s.slot + SLOT_PC];
				/* caught by the net: where, as kstride.ko named it */
				if ((ev.mflags & KS_MF_NET) &&
				    (u32)s.slot + KS_NET_SLOTS <= r->nslots) {
					memcpy(ev.text, slots + s.slot + KS_MMIO_SLOTS,
					       KS_NET_TEXT);
					ev.text[KS_NET_TEXT] = 0;
				}
			} else if (s.kind >= KS_K_CALL_PRE && s.kind <= KS_K_THREAD) {
				u32 want = s.kind == KS_K_CALL_PRE ? KS_CALL_PRE_SLOTS :
					   s.kind == KS_K_CALL_POST ? KS_CALL_POST_SLOTS :
					   KS_THREAD_SLOTS;

				if (s.form != KS_A_CALL || s.nslots != want ||
				    (u32)s.slot + want > r->nslots)
					return bad(t, "malformed call or thread record",
						   FOFF(p));
				call_event(t, r, k, &s, slots + s.slot, &ev);
			} else if (s.kind == KS_K_SWITCH) {
				ev.addr = 0;
			} else if (s.kind == KS_K_ENTRY || s.kind == KS_K_EXIT) {
				u32 a = s.flags & KS_F_CTX ? 3 : 1;

				ev.sp = slots[used] + (s64)s.disp;
				ev.addr = 0;
				ev.callee = NULL;
				ev.args[0] = ev.args[1] = 0;
				ev.cseq = 0;
				/* --calls: a callback's two arguments, tickets */
				if (s.kind == KS_K_ENTRY &&
				    (s.flags & KS_F_ENTRY_ARGS)) {
					if (s.nslots < a + 3)
						return bad(t, "short ENTRY record",
							   FOFF(p));
					ev.args[0] = slots[used + a];
					ev.args[1] = slots[used + a + 1];
					ev.cseq = slots[used + a + 2];
				}
				if (s.kind == KS_K_EXIT &&
				    (s.flags & KS_F_EXIT_SEQ)) {
					if (s.nslots < 2)
						return bad(t, "short EXIT record",
							   FOFF(p));
					ev.cseq = slots[used + 1];
				}
			} else if (s.form == KS_A_RANGE) {
				u64 before = slots[used], after = slots[used + 1];
				u64 size = s.size ? s.size : 1;

				if (after >= before) {
					ev.addr = before;
					ev.count = (after - before) / size;
					ev.dir = ev.count ? 1 : 0;
				} else {
					ev.addr = after + size;
					ev.count = (before - after) / size;
					ev.dir = -1;
				}
			} else {
				ev.addr = site_addr(r, k, &s, slots + used,
						    t->kernel ? 0 : dh.fs_base,
						    t->kernel ? dh.fs_base : 0);
			}
			err = cb(&ev, arg);
			if (err)
				return err;
			ev.gap = false;
			if (t->kernel && s.kind == KS_K_EXIT)
				ctx_exit(&t->cs);
		}
		p += KS_REC_BYTES(r->nslots);
	}
	if (t->kernel) {
		t->prev_ts = dc->ts;
		t->prev_tsc = dc->tsc;
	}
	return 0;
}

static int chunk_cmp(const void *a, const void *b)
{
	const struct data_chunk *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int trace__for_each(struct trace *t, trace_cb cb, void *arg)
{
	size_t i;
	int err;

	/* each thread's buffers in the order it filled them */
	cpu_reset(&t->cs);
	t->cs_cpu = UINT32_MAX; /* the first chunk resets it */
	if (t->chunks.n)
		qsort(t->chunks.v, t->chunks.n, sizeof(struct data_chunk),
		      chunk_cmp);
	for (i = 0; i < t->chunks.n; i++) {
		err = walk_chunk(t, &t->chunks.v[i], cb, arg);
		if (err)
			return err;
	}
	return 0;
}
