/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What net.c (arming, devices, start and stop) and netcatch.c (taking
 * the faults) share inside kstride.ko.
 */
#ifndef KSTRIDE_KMOD_NET_H
#define KSTRIDE_KMOD_NET_H

#include <linux/ftrace.h>
#include <linux/irq_work.h>
#include <linux/notifier.h>
#include <asm/pgtable.h>

/* One page-table entry the net cleared, of whatever level. */
struct net_ent {
	u64 va; /* the first address it maps */
	u64 old; /* its value */
	u8 level; /* PG_LEVEL_4K, _2M, _1G */
};

struct ks_armed {
	struct rcu_head rcu;
	unsigned int n;
	struct net_ent e[];
};

struct ks_net_counts {
	atomic64_t armed, not_armed[6], emulated, stepped, own, own_expected;
	atomic64_t overlap, devices, pio, pio_watched, pio_refused;
};

extern struct ks_net_counts ks_nst;
extern struct irq_work ks_net_flush_iw; /* every CPU's TLB, soon */
extern struct ftrace_ops ks_net_ops; /* at fixup_exception() */
extern struct notifier_block ks_net_die_nb; /* a step's #DB */

u64 ks_ent_size(u8 level);
void ks_ent_write(pte_t *p, u8 level, u64 v);

#endif
