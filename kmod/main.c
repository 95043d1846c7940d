// SPDX-License-Identifier: GPL-2.0
/*
 * kstride.ko: the kernel runtime that instrumented modules link to.
 *
 * This first version gives each CPU a buffer that instrumented code fills
 * through __kstride_pcpu and that wraps when full, counting wraps and
 * bytes; it is what lets instrumented modules load and run.  The mmap'ed
 * rings, the reader and the control device come with issue 3's runtime.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>

#include "kstride.h"

#define KS_BUF_SIZE (1 << 20)

/* __kstride_pcpu itself is defined in krefill.S */
static_assert(sizeof(struct ks_pcpu) <= 128);

static struct dentry *ks_dir;

/*
 * The record at @start did not fit: start the buffer over.  Called from
 * __kstride_krefill in any context, with every register saved.
 */
u64 ks_krefill(u64 start)
{
	struct ks_pcpu *p;
	unsigned long flags;
	u64 need, rec;

	local_irq_save(flags);
	p = this_cpu_ptr(&__kstride_pcpu);
	need = p->cur - start;
	if (start < p->buf || start > p->end || need > KS_REGION_MAX_BYTES)
		need = KS_REGION_MAX_BYTES; /* reserved on another CPU */
	p->bytes += start - p->buf > p->end - p->buf ? 0 : start - p->buf;
	p->wraps++;
	rec = p->buf;
	p->cur = p->buf + need;
	local_irq_restore(flags);
	return rec;
}

static int ks_stats_show(struct seq_file *m, void *v)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ks_pcpu *p = per_cpu_ptr(&__kstride_pcpu, cpu);

		seq_printf(m, "cpu%d wraps %llu bytes %llu\n", cpu, p->wraps,
			   p->bytes + (p->cur - p->buf));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ks_stats);

static void ks_free_buffers(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ks_pcpu *p = per_cpu_ptr(&__kstride_pcpu, cpu);

		vfree((void *)p->buf);
		p->buf = 0;
	}
}

static int __init ks_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ks_pcpu *p = per_cpu_ptr(&__kstride_pcpu, cpu);
		void *b = vzalloc(KS_BUF_SIZE);

		if (!b)
			goto err_free_buffers;
		p->buf = (u64)b;
		p->end = p->buf + KS_BUF_SIZE;
		p->cur = p->buf;
		p->limit = p->end - KS_REGION_MAX_BYTES;
	}
	ks_dir = debugfs_create_dir("kstride", NULL);
	debugfs_create_file("stats", 0400, ks_dir, NULL, &ks_stats_fops);
	pr_info("ready, %d KiB per CPU\n", KS_BUF_SIZE >> 10);
	return 0;

err_free_buffers:
	ks_free_buffers();
	return -ENOMEM;
}

static void __exit ks_exit(void)
{
	debugfs_remove_recursive(ks_dir);
	ks_free_buffers();
}

module_init(ks_init);
module_exit(ks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: runtime for instrumented modules");
