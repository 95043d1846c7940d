// SPDX-License-Identifier: GPL-2.0
/*
 * Who runs on each CPU: SWITCH records (see "Who ran, and when" in
 * include/kstride/abi.h), written from the sched_switch tracepoint while
 * kstride.ko is loaded, and once per CPU for the task it runs whenever an
 * instrumented module comes.  The probe is registered once: registering
 * it patches the scheduler's code, which is not done on every module load.  Interrupt contexts need no
 * record of their own: instrumented ENTRY records carry the preempt count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/msr.h>

#include "kstride.h"

static struct tracepoint *tp_switch;
static bool probing;

/* desc.S's REGION and FUNC macros write these layouts by hand */
static_assert(offsetof(struct ks_region, func) == 0);
static_assert(offsetof(struct ks_region, nsites) == 4);
static_assert(offsetof(struct ks_region, nslots) == 6);
static_assert(offsetof(struct ks_region, site) == 8);
static_assert(offsetof(struct ks_site, off) == 0);
static_assert(offsetof(struct ks_site, size) == 4);
static_assert(offsetof(struct ks_site, kind) == 6);
static_assert(offsetof(struct ks_site, flags) == 7);
static_assert(offsetof(struct ks_site, disp) == 8);
static_assert(offsetof(struct ks_site, form) == 12);
static_assert(offsetof(struct ks_site, scale) == 13);
static_assert(offsetof(struct ks_site, nslots) == 14);
static_assert(offsetof(struct ks_site, slot) == 15);
static_assert(sizeof(struct ks_site) == 16);
static_assert(sizeof(struct ks_func) == 16 && offsetof(struct ks_func, object) == 4);
/* the records kstride.ko fills itself */
static_assert(KS_SWITCH_SLOTS == 3 + sizeof_field(struct task_struct, comm) / 8);
static_assert(KS_NET_SLOTS * 8 == sizeof(struct ks_mmio_rec) + KS_NET_TEXT);
static_assert(KS_MMIO_SLOTS * 8 == sizeof(struct ks_mmio_rec));
static_assert(offsetof(struct ks_mmio_rec, seq) == 8 * KS_MMIO_SLOTS_V2);

bool ks_region_own(const struct ks_region *r)
{
	return (const u8 *)r >= ks_own_regions &&
	       (const u8 *)r < ks_own_regions_end;
}

/* Fill the SWITCH record at @rec: @t runs, in the context @pc names. */
static void switch_slots(u64 *v, struct task_struct *t, u32 pc)
{
	v[0] = rdtsc();
	v[1] = (u32)task_pid_nr(t) | (u64)(u32)task_tgid_nr(t) << 32;
	memcpy(&v[2], t->comm, sizeof(t->comm));
	v[4] = pc;
}

/* The SWITCH record at @rec, already reserved (the slow path's own). */
void ks_put_switch_at(u64 rec, struct task_struct *t, u32 pc)
{
	u64 v[KS_SWITCH_SLOTS];

	switch_slots(v, t, pc);
	ks_fill(rec, &ks_switch_region, v, KS_SWITCH_SLOTS);
}

/* One SWITCH record for @t, on this CPU's ring. */
static void put_switch(struct task_struct *t)
{
	u64 v[KS_SWITCH_SLOTS];

	/* PREEMPT_RT: a task may be in the middle of a softirq */
#ifdef CONFIG_PREEMPT_RT
	switch_slots(v, t, t->softirq_disable_cnt & SOFTIRQ_MASK);
#else
	switch_slots(v, t, 0);
#endif
	ks_emit(&ks_switch_region, v, KS_SWITCH_SLOTS);
}

static void ks_sched_switch(void *data, bool preempt, struct task_struct *prev,
			    struct task_struct *next, unsigned int prev_state)
{
	put_switch(next);
}

static void mark_current(void *unused)
{
	put_switch(current);
}

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		tp_switch = tp;
}

/* An instrumented module came: say which task each CPU runs now. */
void ks_ctx_mark(void)
{
	on_each_cpu(mark_current, NULL, 1);
}

/* kstride.ko came (after its rings): tell who runs from now on. */
int ks_ctx_init(void)
{
	int err;

	for_each_kernel_tracepoint(find_tp, NULL);
	if (!tp_switch) {
		pr_warn("no sched_switch tracepoint: tasks will not be named\n");
		return 0;
	}
	err = tracepoint_probe_register(tp_switch, ks_sched_switch, NULL);
	if (err) {
		pr_warn("sched_switch probe: error %d: tasks will not be named\n",
			err);
		return 0;
	}
	probing = true;
	return 0;
}

/* Before kstride.ko goes: no probe may still be running. */
void ks_ctx_exit(void)
{
	if (!probing)
		return;
	tracepoint_probe_unregister(tp_switch, ks_sched_switch, NULL);
	tracepoint_synchronize_unregister();
	probing = false;
}
