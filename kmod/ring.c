// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU rings of sub-buffers, filled by instrumented code without locks
 * (see "Kernel rings" in include/kstride/abi.h) and switched here.
 *
 * Context rules of ks_krefill(): it runs in any context, NMI included, on
 * any CPU.  Interrupts are off while it switches; an NMI that arrives then
 * finds ring->switching set and drops its record.  A pointer that is in
 * another CPU's frame (the task migrated after reserving) is dropped too:
 * only the owner CPU ever moves its own cursor.  Every drop is counted
 * here, from the region the caller names; nothing walks frames.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/vmalloc.h>
#include <asm/msr.h>

#include "kstride.h"

#define FRAME_ORDER (KS_SUB_SHIFT + 1 - PAGE_SHIFT)
#define KS_FRAME_SIZE (2ul << KS_SUB_SHIFT)
/* the first record of a sub-buffer may end this far past its half */
#define ZERO_SIZE (KS_SUB_SIZE + PAGE_SIZE)

static struct ks_ring *rings[NR_CPUS];
static void *ctl_pages; /* nr_cpu_ids * KS_CTL_SIZE bytes */
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

/*
 * A record that cannot go into the ring: counted here, exactly, from its
 * region (the caller told us which), and written into this CPU's sink,
 * which nobody reads.
 */
static u64 drop(struct ks_ring *r, const struct ks_region *reg, u64 need)
{
	struct ks_ring_ctl *c = r->ctl;

	c->dropped_regions++;
	/* kstride's own SWITCH records are not the module's events */
	if (!ks_region_own(reg))
		c->dropped_events += reg->nsites;
	c->dropped_bytes += need;
	return (u64)r->sink;
}

/* Complete the current sub-buffer; @len: where its records stop. */
static void complete_sub(struct ks_ring *r, u32 len)
{
	struct ks_ring_ctl *c = r->ctl;
	u64 n = c->produced;
	struct ks_sub_info *si = &c->sub[n % r->nsub];

	si->seq = n;
	si->ts = local_clock();
	si->tsc = rdtsc();
	si->len = len;
	si->flags = r->gap ? KS_SUB_GAP : 0;
	r->gap = false;
	c->switches++;
	/* pairs with the reader's load-acquire of produced */
	smp_store_release(&c->produced, n + 1);
	irq_work_queue(&r->wake);
}

/*
 * Make the next free sub-buffer current; false if there is none, and
 * the sink is current: every reservation then fails the frame bit test
 * and comes here, to be counted.
 */
static bool next_frame(struct ks_ring *r)
{
	struct ks_ring_ctl *c = r->ctl;
	/* pairs with the reader's store-release of consumed */
	u64 consumed = smp_load_acquire(r->consumed);

	if (c->produced - consumed >= r->nsub) {
		r->base = r->sink;
		return false;
	}
	/* the reader must not nest contexts across what was dropped */
	if (r->base == r->sink)
		r->gap = true;
	r->base = r->sub[c->produced % r->nsub];
	/* a zero header is a record not even reserved yet (the reader) */
	memset(r->base, 0, ZERO_SIZE);
	return true;
}

/* Is the frame @frame one of this ring's (not another CPU's)? */
static bool owns(struct ks_ring *r, u64 frame)
{
	unsigned int i;

	if (frame == (u64)r->sink)
		return true;
	for (i = 0; i < r->nsub; i++)
		if (frame == (u64)r->sub[i])
			return true;
	return false;
}

static u8 ks_void[KS_REGION_MAX_BYTES] __aligned(8);

/*
 * A record of @reg with @nslots slots @v, written from C (kstride.ko's own
 * records, and device accesses), in any context, like instrumented code.
 */
void ks_emit(const struct ks_region *reg, const u64 *v, unsigned int nslots)
{
	u64 need = KS_REC_BYTES(nslots), rec;
	unsigned long flags;

	local_irq_save(flags);
	rec = this_cpu_add_return(__kstride_pcpu.cur, need) - need;
	if (rec & KS_SUB_SIZE)
		rec = ks_krefill(rec, reg);
	ks_fill(rec, reg, v, nslots);
	local_irq_restore(flags);
}

/* Write the reserved record @rec: length marker, slots, then the ref. */
void ks_fill(u64 rec, const struct ks_region *reg, const u64 *v,
	     unsigned int nslots)
{
	/* in flight until the ref is stored, as in instrumented code */
	WRITE_ONCE(*(u32 *)rec, (u32)KS_REC_BYTES(nslots));
	memcpy((u8 *)rec + KS_REC_HDR, v, 8 * nslots);
	barrier();
	WRITE_ONCE(*(u32 *)rec, (u32)(unsigned long)reg);
}

/*
 * For kstride_test.ko only, to land an NMI exactly at the two places that
 * matter, interrupts off: KS_HOOK_PRE just before r->switching is set
 * (an NMI there switches itself, and this path must see it), KS_HOOK_IN
 * inside the switch (the NMI's records are dropped).  NULL otherwise.
 */
void (*ks_test_switch_hook)(int where);
EXPORT_SYMBOL_GPL(ks_test_switch_hook);
#define KS_HOOK_PRE 0
#define KS_HOOK_IN 1

static __always_inline void test_hook(int where)
{
	void (*hook)(int) = READ_ONCE(ks_test_switch_hook);

	if (unlikely(hook))
		hook(where);
}

u64 ks_krefill(u64 start, const struct ks_region *reg)
{
	u64 need = KS_REC_BYTES(min_t(u32, reg->nslots, KS_REGION_MAX_SLOTS));
	u64 frame = start & ~(KS_FRAME_SIZE - 1), rec;
	struct ks_ring *r;
	unsigned long flags;

	local_irq_save(flags);
	r = this_cpu_read(__kstride_pcpu.ring);
	if (!r) {
		/* before the rings exist: nothing can record (see init) */
		rec = (u64)ks_void;
		goto out;
	}
	if (r->switching) {
		/* an NMI in the middle of a switch: never touch the frames */
		rec = drop(r, reg, need);
		goto out;
	}
	test_hook(KS_HOOK_PRE);
	/*
	 * From here an NMI drops its record.  One that came before (after
	 * the test above) may have switched frames itself: what we see of
	 * r->base is read after the flag is set, so that is seen below.
	 */
	r->switching = 1;
	barrier();
	if (frame != (u64)r->base) {
		if (!owns(r, frame)) {
			/*
			 * Reserved on another CPU, then migrated: that CPU's
			 * cursor is past its end, its next record switches.
			 */
			rec = drop(r, reg, need);
			goto done;
		}
		/*
		 * Ours, but stale: an interrupt or NMI between our
		 * reservation and here switched frames.  Reserve again in the
		 * current one.
		 */
		rec = this_cpu_add_return(__kstride_pcpu.cur, need) - need;
		if (!(rec & KS_SUB_SIZE))
			goto done;
		start = rec;
	}
	test_hook(KS_HOOK_IN);
	if (r->base != r->sink)
		complete_sub(r, min_t(u64, start - (u64)r->base, KS_SUB_SIZE));
	if (next_frame(r)) {
		rec = (u64)r->base;
		if (r->gap) {
			/* after a drop, say again who runs, and in what */
			ks_put_switch_at(rec, current, preempt_count() | softirq_count());
			rec += KS_SWITCH_BYTES;
		}
		this_cpu_write(__kstride_pcpu.cur, rec + need);
	} else {
		rec = drop(r, reg, need);
		/* every record fails the bit test until a sub-buffer frees */
		this_cpu_write(__kstride_pcpu.cur, (u64)r->sink + KS_SUB_SIZE);
	}
done:
	barrier();
	r->switching = 0;
out:
	local_irq_restore(flags);
	return rec;
}

/* IPI: publish what the current sub-buffer holds, so a reader can stop. */
static void flush_cpu(void *unused)
{
	struct ks_pcpu *p = this_cpu_ptr(&__kstride_pcpu);
	struct ks_ring *r = p->ring;
	u64 cur;

	if (!r || r->switching || r->base == r->sink)
		return;
	r->switching = 1;
	barrier();
	cur = this_cpu_read(__kstride_pcpu.cur);
	if (cur != (u64)r->base) {
		complete_sub(r, min_t(u64, cur - (u64)r->base, KS_SUB_SIZE));
		if (next_frame(r))
			this_cpu_write(__kstride_pcpu.cur, (u64)r->base);
		else
			this_cpu_write(__kstride_pcpu.cur,
				       (u64)r->sink + KS_SUB_SIZE);
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
	frame_free(r->sink);
	kfree(r);
}

int ks_rings_init(unsigned int nsub)
{
	int cpu;

	if (nsub < 2 || nsub > KS_MAX_SUBS)
		return -EINVAL;
	ctl_pages = vmalloc_user(nr_cpu_ids * KS_CTL_SIZE);
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
		r->sink = frame_alloc(cpu);
		if (!r->sink)
			goto err_free;
		r->ctl = ctl_pages + cpu * KS_CTL_SIZE;
		r->ctl->nsub = nsub;
		r->ctl->cpu = cpu;
		r->ctl->percpu_base = per_cpu_offset(cpu);
		r->consumed = (u64 *)((u8 *)cons_page + cpu * KS_CONS_STRIDE);
		init_irq_work(&r->wake, ks_wake);
		r->base = r->sub[0];
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
