// SPDX-License-Identifier: GPL-2.0
/*
 * The ring consumer (kring.h).  It walks only record headers, to see that
 * every record of a sub-buffer was committed before it gives the
 * sub-buffer back; decoding is report's and script's work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kring.h"

struct kring_cpu {
	const struct ks_ring_ctl *ctl; /* NULL: no ring on this CPU id */
	volatile __u64 *consumed;
	const u8 *data;
	bool mapped; /* data is ours to unmap */
	u64 dropped_bytes, dropped_events, dropped_regions, lost_inflight;
};

/* Region record sizes by ref (low half of the descriptor's address). */
struct kref {
	u32 ref;
	u32 nslots;
};

struct kring {
	struct ks_info info;
	struct kring_cpu *cpu;
	struct kref *refs;
	size_t nrefs;
	unsigned int pending;
	u64 records; /* handed over, as far as their headers could be walked */
	void *ctl_map, *cons_map;
	size_t ctl_len, cons_len;
	bool mapped;
};

static void take_base(struct kring_cpu *c)
{
	/* whatever was recorded before we came is not ours */
	*c->consumed = c->ctl->produced;
	c->dropped_bytes = c->ctl->dropped_bytes;
	c->dropped_events = c->ctl->dropped_events;
	c->dropped_regions = c->ctl->dropped_regions;
	c->lost_inflight = c->ctl->lost_inflight;
}

static struct kring *kring_alloc(const struct ks_info *info)
{
	struct kring *kr;

	if (!info->ncpus || info->ncpus > (1u << 20) || !info->nsub ||
	    info->nsub > KS_MAX_SUBS || info->sub_map < 4096) {
		errno = EINVAL;
		return NULL;
	}
	kr = calloc(1, sizeof(*kr));
	if (!kr)
		return NULL;
	kr->info = *info;
	kr->cpu = calloc(info->ncpus, sizeof(*kr->cpu));
	if (!kr->cpu) {
		free(kr);
		return NULL;
	}
	return kr;
}

struct kring *kring__new_mem(const struct ks_info *info, void *ctl, void *cons,
			     void *const *data)
{
	struct kring *kr = kring_alloc(info);
	unsigned int i;

	if (!kr)
		return NULL;
	for (i = 0; i < info->ncpus; i++) {
		struct kring_cpu *c = &kr->cpu[i];

		if (!data[i])
			continue;
		c->ctl = (const void *)((u8 *)ctl + (size_t)i * KS_CTL_SIZE);
		c->consumed = (__u64 *)((u8 *)cons + (size_t)i * KS_CONS_STRIDE);
		c->data = data[i];
		take_base(c);
	}
	return kr;
}

struct kring *kring__new(int fd, struct ks_info *info)
{
	struct kring *kr;
	unsigned int i;
	int err;

	if (ioctl(fd, KS_IOC_INFO, info)) {
		ks_err("/dev/kstride: KS_IOC_INFO: %s", strerror(errno));
		return NULL;
	}
	if (info->abi != KS_ABI_VERSION) {
		ks_err("kstride.ko speaks ABI %u, this kstride %u: use the kstride.ko built with it",
		       info->abi, KS_ABI_VERSION);
		errno = EINVAL;
		return NULL;
	}
	kr = kring_alloc(info);
	if (!kr) {
		ks_err("/dev/kstride: KS_IOC_INFO says %u CPUs, %u sub-buffers of %u bytes",
		       info->ncpus, info->nsub, info->sub_map);
		return NULL;
	}
	kr->mapped = true;
	kr->ctl_len = (size_t)info->ncpus * KS_CTL_SIZE;
	kr->cons_len = ALIGN_UP((size_t)info->ncpus * KS_CONS_STRIDE, 4096);
	kr->ctl_map = mmap(NULL, kr->ctl_len, PROT_READ, MAP_SHARED, fd,
			   KS_MMAP_CTL);
	kr->cons_map = mmap(NULL, kr->cons_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, KS_MMAP_CONS);
	if (kr->ctl_map == MAP_FAILED || kr->cons_map == MAP_FAILED) {
		err = errno;
		ks_err("/dev/kstride: cannot map the control pages: %s%s",
		       strerror(err),
		       err == EBUSY ? " (another recording reads the rings)" : "");
		goto fail;
	}
	for (i = 0; i < info->ncpus; i++) {
		struct kring_cpu *c = &kr->cpu[i];
		const struct ks_ring_ctl *ctl =
			(const void *)((u8 *)kr->ctl_map + (size_t)i * KS_CTL_SIZE);
		void *d;

		/* a CPU id with a ring has its control page filled in */
		if (!ctl->nsub || ctl->cpu != i)
			continue;
		d = mmap(NULL, (size_t)info->nsub * info->sub_map, PROT_READ,
			 MAP_SHARED, fd, KS_MMAP_DATA(i));
		if (d == MAP_FAILED) {
			err = errno;
			ks_err("/dev/kstride: cannot map CPU %u's ring: %s", i,
			       strerror(err));
			goto fail;
		}
		c->ctl = ctl;
		c->consumed = (__u64 *)((u8 *)kr->cons_map +
					(size_t)i * KS_CONS_STRIDE);
		c->data = d;
		c->mapped = true;
		take_base(c);
	}
	return kr;
fail:
	kring__free(kr);
	errno = err;
	return NULL;
}

static int kref_cmp(const void *a, const void *b)
{
	const struct kref *x = a, *y = b;

	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

int kring__index_regions(struct kring *kr, u64 addr, const u8 *d, size_t len)
{
	size_t o = 0;

	while (o + sizeof(struct ks_region) <= len) {
		struct ks_region h;
		struct kref *n;

		memcpy(&h, d + o, sizeof(h));
		if (!h.func && !h.nsites) {
			o += 8; /* padding between objects */
			continue;
		}
		n = realloc(kr->refs, (kr->nrefs + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		kr->refs = n;
		n[kr->nrefs].ref = (u32)(addr + o);
		n[kr->nrefs].nslots = h.nslots;
		kr->nrefs++;
		o += sizeof(h) + (size_t)h.nsites * sizeof(struct ks_site);
	}
	qsort(kr->refs, kr->nrefs, sizeof(*kr->refs), kref_cmp);
	return 0;
}

/*
 * Is every record below @len committed?  A zero header was reserved by a
 * writer that an interrupt or the scheduler stopped before its length
 * marker, a small one is being written: both will be finished, into this
 * very sub-buffer, which must not be given back before.  Records of
 * modules this recording does not know cannot be walked past.
 */
static bool sub_walk(const struct kring *kr, const u8 *d, u32 len, u64 *nrec)
{
	u32 p = 0;

	while (p < len) {
		/* pairs with the writer's header store, its last */
		u32 hdr = __atomic_load_n((const u32 *)(d + p), __ATOMIC_ACQUIRE);
		struct kref key = { .ref = hdr }, *r;

		if (hdr <= KS_REGION_MAX_BYTES)
			return false;
		r = bsearch(&key, kr->refs, kr->nrefs, sizeof(key), kref_cmp);
		if (!r)
			return true;
		p += KS_REC_BYTES(r->nslots);
		(*nrec)++;
	}
	return true;
}

int kring__consume(struct kring *kr, bool force, kring_sample_fn fn, void *ctx)
{
	const struct ks_info *in = &kr->info;
	unsigned int i;
	int n = 0, err;

	kr->pending = 0;
	for (i = 0; i < in->ncpus; i++) {
		struct kring_cpu *c = &kr->cpu[i];
		u64 prod, cons, nrec;

		if (!c->ctl)
			continue;
		/* pairs with the kernel's store-release in complete_sub() */
		prod = __atomic_load_n(&c->ctl->produced, __ATOMIC_ACQUIRE);
		cons = *c->consumed;
		for (; cons < prod; cons++) {
			const struct ks_sub_info *si = &c->ctl->sub[cons % in->nsub];
			const u8 *d = c->data + (cons % in->nsub) * (size_t)in->sub_map;
			size_t keep = si->len + 4096 < in->sub_map ?
					      si->len + 4096 : in->sub_map;

			if (si->len > in->sub_map)
				return -EIO; /* no sub-buffer is that long */
			nrec = 0;
			if (!sub_walk(kr, d, si->len, &nrec) && !force) {
				kr->pending++;
				break; /* in order: wait for its writer */
			}
			err = fn(ctx, i, c->ctl, si, d, keep);
			if (err) {
				__atomic_store_n(c->consumed, cons, __ATOMIC_RELEASE);
				return err;
			}
			n++;
			kr->records += nrec;
		}
		/* pairs with the kernel's load-acquire in next_frame() */
		__atomic_store_n(c->consumed, cons, __ATOMIC_RELEASE);
		if (cons < prod && !kr->pending)
			kr->pending++;
	}
	return n;
}

u64 kring__records(const struct kring *kr)
{
	return kr->records;
}

unsigned int kring__pending(const struct kring *kr)
{
	return kr->pending;
}

void kring__dropped(const struct kring *kr, struct ks_end *end)
{
	unsigned int i;

	for (i = 0; i < kr->info.ncpus; i++) {
		const struct kring_cpu *c = &kr->cpu[i];

		if (!c->ctl)
			continue;
		end->dropped_bytes += c->ctl->dropped_bytes - c->dropped_bytes;
		end->dropped_events += c->ctl->dropped_events - c->dropped_events;
		end->dropped_regions += c->ctl->dropped_regions - c->dropped_regions;
		end->lost_inflight += c->ctl->lost_inflight - c->lost_inflight;
	}
}

void kring__free(struct kring *kr)
{
	unsigned int i;

	if (!kr)
		return;
	for (i = 0; i < kr->info.ncpus; i++)
		if (kr->cpu[i].mapped)
			munmap((void *)kr->cpu[i].data,
			       (size_t)kr->info.nsub * kr->info.sub_map);
	if (kr->ctl_map && kr->ctl_map != MAP_FAILED)
		munmap(kr->ctl_map, kr->ctl_len);
	if (kr->cons_map && kr->cons_map != MAP_FAILED)
		munmap(kr->cons_map, kr->cons_len);
	free(kr->cpu);
	free(kr->refs);
	free(kr);
}
