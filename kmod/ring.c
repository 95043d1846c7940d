// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU rings of sub-buffers, filled by instrumented code without locks
 * (see "Kernel rings" in include/kstride/abi.h) and switched here.
 *
 * Context rules of ks_krefill(): it runs in any context, NMI included, on
 * any CPU.  Interrupts are off while it switches; an NMI that arrives then
 * finds ring->switching set and takes the bin.  A pointer that is not in
 * this CPU's current frame (the task migrated after reserving) also takes
 * the bin: only the owner CPU ever moves its own cursor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/vmalloc.h>

#include "kstride.h"

#define FRAME_ORDER (KS_SUB_SHIFT + 1 - PAGE_SHIFT)
#define KS_FRAME_SIZE (2ul << KS_SUB_SHIFT)
/* the first record of a sub-buffer may end this far past its half */
#define ZERO_SIZE (KS_SUB_SIZE + PAGE_SIZE)

static struct ks_ring *rings[NR_CPUS];
static void *ctl_pages; /* nr_cpu_ids pages */
static u64 *cons_page;

struct ks_ring *ks_ring_of(int cpu)
{
	return cpu >= 0 && cpu < nr_cpu_ids ? rings[cpu] : NULL;
}

static void *frame_alloc(int cpu)
{
	struct page *pg = alloc_pages_node(cpu_to_node(cpu),
					   GFP_KERNEL | __GFP_ZERO | __GFP_COMP,
					   FRAME_ORDER);
	void *p;

	if (!pg)
		return NULL;
	p = page_address(pg);
	/* the frame bit test needs natural alignment of the direct map */
	if ((unsigned long)p & (KS_FRAME_SIZE - 1)) {
		pr_err("a frame is not %lu-aligned\n", KS_FRAME_SIZE);
		__free_pages(pg, FRAME_ORDER);
		return NULL;
	}
	return p;
}

static void frame_free(void *p)
{
	if (p)
		free_pages((unsigned long)p, FRAME_ORDER);
}

static void ks_wake(struct irq_work *w)
{
	wake_up_interruptible(&ks_wait);
}

/* Kernel module addresses share their high half (see abi.h, records). */
static const struct ks_region *region_of(u32 ref)
{
	return (const struct ks_region *)(0xffffffff00000000ull | ref);
}

/* Count the records of a frame that will never be read. */
static void count_dropped(struct ks_ring *r, void *frame, u64 end)
{
	u8 *p = frame, *e = (u8 *)frame + min_t(u64, end, KS_SUB_SIZE);
	u64 regions = 0, events = 0, lost = 0;

	while (p < e) {
		u32 ref = *(u32 *)p;
		const struct ks_region *reg;

		if (!ref)
			break;
		if (ref <= KS_REGION_MAX_BYTES) {
			/* reserved but not committed: its length is there */
			lost++;
			p += ref;
			continue;
		}
		reg = region_of(ref);
		/* its module may be gone: only live descriptors are read */
		if (!ks_region_live((u64)reg, sizeof(*reg)) ||
		    !ks_region_live((u64)reg, sizeof(*reg) + reg->nsites *
					      sizeof(struct ks_site)))
			break;
		regions++;
		events += reg->nsites;
		p += KS_REC_BYTES(reg->nslots);
	}
	/* what could not be walked is still counted, in bytes */
	r->ctl->dropped_bytes += e - p > 0 ? e - p : 0;
	r->ctl->dropped_regions += regions + lost;
	r->ctl->dropped_events += events;
	r->ctl->lost_inflight += lost;
	r->ctl->dropped_bytes += p - (u8 *)frame;
}

/* Give out @need bytes of the bin; it wraps, counting what it drops. */
static u64 bin_alloc(struct ks_ring *r, struct ks_pcpu *p, u64 need)
{
	u64 rec = this_cpu_add_return(__kstride_pcpu.bin_cur, need) - need;

	if (rec + need > (u64)r->bin + KS_SUB_SIZE) {
		count_dropped(r, r->bin, rec - (u64)r->bin);
		memset(r->bin, 0, ZERO_SIZE);
		this_cpu_write(__kstride_pcpu.bin_cur, (u64)r->bin + need);
		rec = (u64)r->bin;
	}
	return rec;
}

/* Complete the current sub-buffer; @len: where its records stop. */
static void complete_sub(struct ks_ring *r, u32 len)
{
	struct ks_ring_ctl *c = r->ctl;
	u64 n = c->produced;
	struct ks_sub_info *si = &c->sub[n % r->nsub];

	si->seq = n;
	si->ts = local_clock();
	si->len = len;
	c->switches++;
	/* pairs with the reader's load-acquire of produced */
	smp_store_release(&c->produced, n + 1);
	irq_work_queue(&r->wake);
}

/* Make the next free sub-buffer, or the scratch frame, current. */
static void *next_frame(struct ks_ring *r)
{
	struct ks_ring_ctl *c = r->ctl;
	/* pairs with the reader's store-release of consumed */
	u64 consumed = smp_load_acquire(r->consumed);

	if (c->produced - consumed < r->nsub) {
		r->in_scratch = false;
		r->base = r->sub[c->produced % r->nsub];
	} else {
		r->in_scratch = true;
		r->base = r->scratch;
	}
	memset(r->base, 0, ZERO_SIZE);
	return r->base;
}

/* Switch away from the current frame, whose records stop at @len. */
static void switch_locked(struct ks_ring *r, u64 len)
{
	if (r->in_scratch)
		count_dropped(r, r->scratch, len);
	else
		complete_sub(r, min_t(u64, len, KS_SUB_SIZE));
	next_frame(r);
}

/* Is @rec in one of this ring's frames (not another CPU's)? */
static bool owns(struct ks_ring *r, u64 rec)
{
	u64 frame = rec & ~(KS_FRAME_SIZE - 1);
	unsigned int i;

	if (frame == (u64)r->scratch)
		return true;
	for (i = 0; i < r->nsub; i++)
		if (frame == (u64)r->sub[i])
			return true;
	return false;
}

u64 ks_krefill(u64 start, u64 need)
{
	struct ks_pcpu *p;
	struct ks_ring *r;
	unsigned long flags;
	u64 rec;

	local_irq_save(flags);
	p = this_cpu_ptr(&__kstride_pcpu);
	r = p->ring;
	if (need > KS_REGION_MAX_BYTES)
		need = KS_REGION_MAX_BYTES;
	if (!r || r->switching || !owns(r, start)) {
		/* nested in a switch, or migrated: never touch the frames */
		rec = r ? bin_alloc(r, p, need) : 0;
		local_irq_restore(flags);
		return rec;
	}
	if ((start & ~(KS_FRAME_SIZE - 1)) != (u64)r->base) {
		/*
		 * Ours, but stale: an interrupt between our reservation and
		 * this call switched frames.  Reserve again in the current one.
		 */
		rec = this_cpu_add_return(__kstride_pcpu.cur, need) - need;
		if (!(rec & KS_SUB_SIZE)) {
			local_irq_restore(flags);
			return rec;
		}
		start = rec;
	}
	r->switching = 1;
	barrier();
	switch_locked(r, start - (u64)r->base);
	rec = (u64)r->base;
	this_cpu_write(__kstride_pcpu.cur, rec + need);
	barrier();
	r->switching = 0;
	local_irq_restore(flags);
	return rec;
}

/* IPI: publish what the current sub-buffer holds, so a reader can stop. */
static void flush_cpu(void *unused)
{
	struct ks_pcpu *p = this_cpu_ptr(&__kstride_pcpu);
	struct ks_ring *r = p->ring;
	u64 cur;

	if (!r || r->switching)
		return;
	r->switching = 1;
	barrier();
	cur = this_cpu_read(__kstride_pcpu.cur);
	if (cur != (u64)r->base) {
		switch_locked(r, cur - (u64)r->base);
		this_cpu_write(__kstride_pcpu.cur, (u64)r->base);
	}
	/* the bin's records are dropped ones: count them now */
	cur = this_cpu_read(__kstride_pcpu.bin_cur);
	if (cur != (u64)r->bin) {
		count_dropped(r, r->bin, cur - (u64)r->bin);
		memset(r->bin, 0, ZERO_SIZE);
		this_cpu_write(__kstride_pcpu.bin_cur, (u64)r->bin);
	}
	barrier();
	r->switching = 0;
}

void ks_flush_all(void)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (rings[cpu])
			smp_call_function_single(cpu, flush_cpu, NULL, 1);
	cpus_read_unlock();
}

bool ks_any_ready(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct ks_ring *r = rings[cpu];

		/* pairs with the store-release in complete_sub() */
		if (r && smp_load_acquire(&r->ctl->produced) !=
				 READ_ONCE(*r->consumed))
			return true;
	}
	return false;
}

static void ring_free(struct ks_ring *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->nsub; i++)
		frame_free(r->sub[i]);
	frame_free(r->scratch);
	frame_free(r->bin);
	kfree(r);
}

int ks_rings_init(unsigned int nsub)
{
	int cpu;

	if (nsub < 2 || nsub > KS_MAX_SUBS)
		return -EINVAL;
	ctl_pages = vmalloc_user(nr_cpu_ids * PAGE_SIZE);
	cons_page = vmalloc_user(PAGE_ALIGN(nr_cpu_ids * KS_CONS_STRIDE));
	if (!ctl_pages || !cons_page)
		goto err_free;
	for_each_possible_cpu(cpu) {
		struct ks_pcpu *p = per_cpu_ptr(&__kstride_pcpu, cpu);
		struct ks_ring *r = kzalloc_node(sizeof(*r), GFP_KERNEL,
						 cpu_to_node(cpu));
		unsigned int i;

		if (!r)
			goto err_free;
		rings[cpu] = r;
		r->cpu = cpu;
		r->nsub = nsub;
		for (i = 0; i < nsub; i++) {
			r->sub[i] = frame_alloc(cpu);
			if (!r->sub[i])
				goto err_free;
		}
		r->scratch = frame_alloc(cpu);
		r->bin = frame_alloc(cpu);
		if (!r->scratch || !r->bin)
			goto err_free;
		r->ctl = ctl_pages + cpu * PAGE_SIZE;
		r->ctl->nsub = nsub;
		r->ctl->cpu = cpu;
		r->ctl->percpu_base = per_cpu_offset(cpu);
		r->consumed = (u64 *)((u8 *)cons_page + cpu * KS_CONS_STRIDE);
		init_irq_work(&r->wake, ks_wake);
		r->base = r->sub[0];
		p->bin_cur = (u64)r->bin;
		p->cur = (u64)r->base;
		/*
		 * Instrumented code may run from here on: its slow path must
		 * see the ring initialised (pairs with its load of p->ring
		 * with interrupts off, ordered by the release).
		 */
		smp_store_release(&p->ring, r);
	}
	return 0;

err_free:
	ks_rings_exit();
	return -ENOMEM;
}

/* Only when nothing can record: no instrumented module is loaded. */
void ks_rings_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ks_pcpu *p = per_cpu_ptr(&__kstride_pcpu, cpu);

		p->ring = NULL;
		if (rings[cpu])
			irq_work_sync(&rings[cpu]->wake);
		ring_free(rings[cpu]);
		rings[cpu] = NULL;
	}
	vfree(ctl_pages);
	vfree(cons_page);
	ctl_pages = NULL;
	cons_page = NULL;
}

void *ks_ctl_pages(void)
{
	return ctl_pages;
}

void *ks_cons_page(void)
{
	return cons_page;
}
