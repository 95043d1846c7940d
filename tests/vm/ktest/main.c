// SPDX-License-Identifier: GPL-2.0
/*
 * kstride_test.ko: runs its probes (probes.S) in every context on write
 * of "run" to debugfs kstride_test/run, then tells what they accessed in
 * kstride_test/truth: "FUNC+0xOFF KIND SIZE ADDR COUNT", independently of
 * kstride (from its own declarations and counters).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "probes.h"

DEFINE_STATIC_KEY_FALSE(ktest_key);

#define N_PROC 1000
#define N_TIMER 20
#define N_IRQWORK 50
#define N_KEY 100
#define USER_BAD ((void __user *)0x10)

static struct dentry *dir;
static struct timer_list timer;
static int timer_left;
static DECLARE_COMPLETION(timer_done);
static struct irq_work iw;
static DECLARE_COMPLETION(iw_done);
static DEFINE_PER_CPU(struct work_struct, works);
static int uaccess_ret;

/*
 * Code kstride must not instrument is put in .noinstr.text: what drives
 * the stress test and the benchmark, so that the only records made
 * meanwhile are probe_stress's.
 */

static int stress_n;
static DEFINE_PER_CPU(struct work_struct, stress_works);
static u64 bench_ns, bench_iters, stress_ns;

static noinline __section(".noinstr.text") void stress_loop(int n)
{
	int i;

	for (i = 0; i < n; i++)
		probe_stress();
}

static noinline __section(".noinstr.text") void stress_work_fn(struct work_struct *w)
{
	stress_loop(stress_n);
}

static noinline __section(".noinstr.text") void stress_ipi_fn(void *unused)
{
	stress_loop(64); /* hardirq context, from an IPI */
}

static noinline __section(".noinstr.text") void run_stress(int n)
{
	int cpu, k;

	stress_n = n;
	for_each_online_cpu(cpu)
		schedule_work_on(cpu, per_cpu_ptr(&stress_works, cpu));
	/* interrupts on every CPU while the work items run */
	for (k = 0; k < 20; k++)
		for_each_online_cpu(cpu)
			smp_call_function_single(cpu, stress_ipi_fn, NULL, 1);
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&stress_works, cpu));
}

static noinline __section(".noinstr.text") u64 stress_calls(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(&ktest_stress_calls, cpu);
	return sum;
}

static noinline __section(".noinstr.text") ssize_t stress_write(struct file *f, const char __user *u,
				    size_t n, loff_t *pos)
{
	u64 t0 = ktime_get_ns();

	run_stress(100000);
	stress_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations stress_fops = {
	.write = stress_write,
};

static noinline __section(".noinstr.text") ssize_t bench_write(struct file *f, const char __user *u,
				   size_t n, loff_t *pos)
{
	u64 t0;

	bench_iters = 200000;
	t0 = ktime_get_ns();
	probe_bench(bench_iters);
	bench_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations bench_fops = {
	.write = bench_write,
};

/* a WARN two frames down in instrumented copies: location and unwinding */
static noinline void ktest_warn_inner(void)
{
	WARN(1, "kstride_test: warning from an instrumented copy");
}

static noinline void ktest_warn_outer(void)
{
	ktest_warn_inner();
	barrier();
}

static ssize_t warn_write(struct file *f, const char __user *u, size_t n,
			  loff_t *pos)
{
	ktest_warn_outer();
	return n;
}

static const struct file_operations warn_fops = {
	.write = warn_write,
};

static void timer_fn(struct timer_list *t)
{
	probe_timer();
	if (--timer_left > 0)
		mod_timer(&timer, jiffies + 1);
	else
		complete(&timer_done);
}

static void iw_fn(struct irq_work *w)
{
	probe_irqwork(in_hardirq());
	complete(&iw_done);
}

static void work_fn(struct work_struct *w)
{
	probe_pcpu();
}

static void run_all(void)
{
	int i, cpu;

	for (i = 0; i < N_PROC; i++)
		probe_proc();
	for (i = 0; i < N_KEY; i++)
		probe_key();
	static_branch_enable(&ktest_key);
	for (i = 0; i < N_KEY; i++)
		probe_key();
	static_branch_disable(&ktest_key);
	uaccess_ret = probe_uaccess(USER_BAD);

	timer_left = N_TIMER;
	reinit_completion(&timer_done);
	mod_timer(&timer, jiffies + 1);
	wait_for_completion(&timer_done);

	for (i = 0; i < N_IRQWORK; i++) {
		reinit_completion(&iw_done);
		irq_work_queue(&iw);
		wait_for_completion(&iw_done);
	}

	for_each_online_cpu(cpu)
		schedule_work_on(cpu, per_cpu_ptr(&works, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&works, cpu));
}

static ssize_t run_write(struct file *f, const char __user *u, size_t n,
			 loff_t *pos)
{
	run_all();
	return n;
}

static const struct file_operations run_fops = {
	.write = run_write,
};

static int truth_show(struct seq_file *m, void *v)
{
	const struct exp *e;
	char name[KSYM_NAME_LEN];
	int cpu;

	seq_printf(m, "uaccess_ret %d\n", uaccess_ret);
	seq_printf(m, "stress_calls %llu ns %llu\n", stress_calls(), stress_ns);
	seq_printf(m, "bench_ns %llu iters %llu\n", bench_ns, bench_iters);
	for (e = ktest_exp_start; e < ktest_exp_end; e++) {
		sprint_symbol_no_offset(name, (unsigned long)e->fn);
		if (e->base == 1) {
			for_each_online_cpu(cpu) {
				u32 c = *per_cpu_ptr((u32 *)e->addr, cpu);

				if (c)
					seq_printf(m, "%s+0x%x %u %u 0x%lx %u\n",
						   name, e->off, e->kind, e->size,
						   (unsigned long)per_cpu_ptr((u32 *)e->addr, cpu),
						   c);
			}
			continue;
		}
		seq_printf(m, "%s+0x%x %u %u 0x%lx %u\n", name, e->off, e->kind,
			   e->size,
			   e->base == 2 ? (unsigned long)USER_BAD : e->addr,
			   *e->counter);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(truth);

static int __init ktest_init(void)
{
	int cpu;

	timer_setup(&timer, timer_fn, 0);
	init_irq_work(&iw, iw_fn);
	for_each_possible_cpu(cpu) {
		INIT_WORK(per_cpu_ptr(&works, cpu), work_fn);
		INIT_WORK(per_cpu_ptr(&stress_works, cpu), stress_work_fn);
	}
	dir = debugfs_create_dir("kstride_test", NULL);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
	debugfs_create_file("truth", 0400, dir, NULL, &truth_fops);
	debugfs_create_file("stress", 0200, dir, NULL, &stress_fops);
	debugfs_create_file("bench", 0200, dir, NULL, &bench_fops);
	debugfs_create_file("warn", 0200, dir, NULL, &warn_fops);
	return 0;
}

static void __exit ktest_exit(void)
{
	debugfs_remove_recursive(dir);
	del_timer_sync(&timer);
	irq_work_sync(&iw);
}

module_init(ktest_init);
module_exit(ktest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: test module that knows its own accesses");
