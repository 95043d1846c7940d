// SPDX-License-Identifier: GPL-2.0
/*
 * kstride.ko: the kernel runtime that instrumented modules link to.
 * It owns the per-CPU rings (ring.c) and the reader's device (dev.c);
 * instrumented modules hold a reference to it through their symbols, so
 * it cannot go away under them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "kexport.h"
#include "kstride.h"
#include "mmio.h"

#if KS_EXPORT_AS_IN_C
#include <linux/export-internal.h>
/*
 * The kernel's __preempt_count exported again as __kstride_preempt_count
 * (krefill.S says why), with its CRC entry of 0: modpost sees no
 * .export_symbol note for it, and the CRC table must stay parallel.
 */
#define KS_KSYMTAB(name, sym) __KSYMTAB(name, sym, "", "")
KS_KSYMTAB(__kstride_preempt_count, KS_PREEMPT_COUNT_SYM);
KS_KSYMTAB(__kstride_current_task, KS_CURRENT_TASK_SYM);
#ifdef CONFIG_MODVERSIONS
SYMBOL_CRC(__kstride_preempt_count, 0, "");
SYMBOL_CRC(__kstride_current_task, 0, "");
#endif
#endif

atomic_long_t ks_live_allocs = ATOMIC_LONG_INIT(0);

static int live_allocs_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ks_live_allocs));
}

static const struct kernel_param_ops live_allocs_ops = {
	.get = live_allocs_get,
};
module_param_cb(live_allocs, &live_allocs_ops, NULL, 0444);
MODULE_PARM_DESC(live_allocs, "kstride.ko's own objects allocated now (read only)");

static unsigned int nsub = 32;
module_param(nsub, uint, 0444);
MODULE_PARM_DESC(nsub, "sub-buffers per CPU ring (2-160, 32 KiB each)");

/* __kstride_pcpu itself is defined in krefill.S */
static_assert(sizeof(struct ks_pcpu) <= 128);
static_assert(offsetof(struct ks_pcpu, cur) == KS_TLS_CUR);
static_assert(sizeof(struct ks_ring_ctl) <= KS_CTL_SIZE);
static_assert(KS_CTL_SIZE % PAGE_SIZE == 0);

static struct dentry *ks_dir;

static int ks_stats_show(struct seq_file *m, void *v)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ks_ring *r = ks_ring_of(cpu);

		if (!r)
			continue;
		seq_printf(m, "cpu%d produced %llu consumed %llu dropped_regions %llu dropped_events %llu\n",
			   cpu, r->ctl->produced, READ_ONCE(*r->consumed),
			   r->ctl->dropped_regions, r->ctl->dropped_events);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ks_stats);

static int __init ks_init(void)
{
	int err;

#ifdef KS_PREEMPT_COUNT_OFF
	BUILD_BUG_ON(offsetof(struct pcpu_hot, preempt_count) != KS_PREEMPT_COUNT_OFF);
	BUILD_BUG_ON(offsetof(struct pcpu_hot, current_task) != 0);
#endif
#ifdef CONFIG_PREEMPT_RT
	__kstride_softirq_off = offsetof(struct task_struct, softirq_disable_cnt);
#endif
	err = ks_rings_init(nsub);
	if (err)
		return err;
	err = ks_mods_init();
	if (err)
		goto err_rings;
	ks_ctx_init();
	ks_netdev_init();
	ks_helpers_init();
	err = ks_mmio_init();
	if (err)
		goto err_mods;
	err = ks_dev_init();
	if (err)
		goto err_mmio;
	ks_dir = debugfs_create_dir("kstride", NULL);
	debugfs_create_file("stats", 0400, ks_dir, NULL, &ks_stats_fops);
	pr_info("ready: %u sub-buffers of %u KiB per CPU\n", nsub,
		KS_SUB_SIZE >> 10);
	return 0;

err_mmio:
	ks_mmio_exit();
err_mods:
	ks_netdev_exit();
	ks_ctx_exit();
	ks_mods_exit();
err_rings:
	ks_rings_exit();
	return err;
}

static void __exit ks_exit(void)
{
	debugfs_remove_recursive(ks_dir);
	ks_dev_exit();
	ks_net_exit();
	ks_mmio_exit();
	ks_netdev_exit();
	ks_ctx_exit();
	ks_mods_exit();
	ks_rings_exit();
}

module_init(ks_init);
module_exit(ks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: runtime for instrumented modules");
