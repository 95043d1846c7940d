// SPDX-License-Identifier: GPL-2.0
/*
 * Planted data races for 'kstride race' in the kernel, each beside a
 * correctly synchronised twin (tests/vm/race-check.sh knows which
 * functions make which).  Writing "run" to /sys/kernel/debug/ks_race/run
 * runs them all, once:
 *
 *   kthreads  two kthreads increment a counter: plainly (race) and under
 *             a spinlock (twin)
 *   timer     a timer callback writes what process context reads: after
 *             a sleep (race) and after del_timer_sync() (twin)
 *   irq       a work item and a hard-irq hrtimer callback share a value:
 *             unlocked (race), under spin_lock_irqsave() (twin)
 *   uaf       a work item frees an object another work item used, with
 *             no order between them (race: the use really comes first, so
 *             nothing is used after its free); and after flush_work() of
 *             the user (twin)
 *
 * The planted races are all benign in fact (every access is to memory
 * that is live, and a lost increment is harmless): a happens-before
 * detector finds them because nothing orders the two accesses.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#define N 2000

static struct dentry *dir;
static DEFINE_SPINLOCK(count_lock);
static long count_racy, count_locked;

static noinline int race_kthread_racy(void *arg)
{
	int i;

	for (i = 0; i < N; i++)
		WRITE_ONCE(count_racy, count_racy + 1);
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static noinline int race_kthread_locked(void *arg)
{
	int i;

	for (i = 0; i < N; i++) {
		spin_lock(&count_lock);
		count_locked++;
		spin_unlock(&count_lock);
	}
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static void run_kthreads(int (*fn)(void *), const char *name)
{
	struct task_struct *a, *b;

	a = kthread_run(fn, NULL, "%s-a", name);
	b = kthread_run(fn, NULL, "%s-b", name);
	msleep(100);
	if (!IS_ERR(a))
		kthread_stop(a);
	if (!IS_ERR(b))
		kthread_stop(b);
}

static struct timer_list timer_racy, timer_synced;
static long tval_racy, tval_synced;

static noinline void race_timer_cb_racy(struct timer_list *t)
{
	WRITE_ONCE(tval_racy, 1);
}

static noinline void race_timer_cb_synced(struct timer_list *t)
{
	tval_synced = 1;
}

static noinline long race_timer_reader_racy(void)
{
	return READ_ONCE(tval_racy);
}

static noinline long race_timer_reader_synced(void)
{
	return tval_synced;
}

static void run_timers(void)
{
	timer_setup(&timer_racy, race_timer_cb_racy, 0);
	timer_setup(&timer_synced, race_timer_cb_synced, 0);
	mod_timer(&timer_racy, jiffies + 1);
	mod_timer(&timer_synced, jiffies + 1);
	msleep(100);
	race_timer_reader_racy(); /* the callback ran: nothing says so */
	del_timer_sync(&timer_synced);
	race_timer_reader_synced();
	del_timer_sync(&timer_racy);
}

static DEFINE_SPINLOCK(irq_lock);
static long irq_racy, irq_locked;
static struct hrtimer hr_racy, hr_locked;
static struct work_struct work_racy, work_locked;

static noinline enum hrtimer_restart race_hrtimer_racy(struct hrtimer *t)
{
	WRITE_ONCE(irq_racy, READ_ONCE(irq_racy) + 1);
	return HRTIMER_NORESTART;
}

static noinline enum hrtimer_restart race_hrtimer_locked(struct hrtimer *t)
{
	spin_lock(&irq_lock);
	irq_locked++;
	spin_unlock(&irq_lock);
	return HRTIMER_NORESTART;
}

static noinline void race_work_irq_racy(struct work_struct *w)
{
	int i;

	for (i = 0; i < 200; i++) {
		WRITE_ONCE(irq_racy, READ_ONCE(irq_racy) + 1);
		udelay(10);
	}
}

static noinline void race_work_irq_locked(struct work_struct *w)
{
	unsigned long flags;
	int i;

	for (i = 0; i < 200; i++) {
		spin_lock_irqsave(&irq_lock, flags);
		irq_locked++;
		spin_unlock_irqrestore(&irq_lock, flags);
		udelay(10);
	}
}

static void run_irq(void)
{
	INIT_WORK(&work_racy, race_work_irq_racy);
	INIT_WORK(&work_locked, race_work_irq_locked);
	hrtimer_init(&hr_racy, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_init(&hr_locked, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hr_racy.function = race_hrtimer_racy;
	hr_locked.function = race_hrtimer_locked;
	queue_work(system_wq, &work_racy);
	queue_work(system_wq, &work_locked);
	hrtimer_start(&hr_racy, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	hrtimer_start(&hr_locked, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	msleep(50);
	flush_work(&work_racy);
	flush_work(&work_locked);
	hrtimer_cancel(&hr_racy);
	hrtimer_cancel(&hr_locked);
}

struct obj {
	long v[8];
};

static struct obj *uaf_racy, *uaf_synced;
static struct work_struct w_use_racy, w_free_racy, w_use_synced, w_free_synced;

static noinline void race_uaf_user(struct work_struct *w)
{
	WRITE_ONCE(uaf_racy->v[3], 7);
}

static noinline void race_uaf_freer(struct work_struct *w)
{
	kfree(uaf_racy);
}

static noinline void race_uaf_user_synced(struct work_struct *w)
{
	uaf_synced->v[3] = 7;
}

static noinline void race_uaf_freer_synced(struct work_struct *w)
{
	kfree(uaf_synced);
}

static void run_uaf(void)
{
	uaf_racy = kzalloc(sizeof(*uaf_racy), GFP_KERNEL);
	uaf_synced = kzalloc(sizeof(*uaf_synced), GFP_KERNEL);
	if (!uaf_racy || !uaf_synced) {
		kfree(uaf_racy);
		kfree(uaf_synced);
		return;
	}
	INIT_WORK(&w_use_racy, race_uaf_user);
	INIT_WORK(&w_free_racy, race_uaf_freer);
	INIT_WORK(&w_use_synced, race_uaf_user_synced);
	INIT_WORK(&w_free_synced, race_uaf_freer_synced);
	/* the use runs, and is over, before the free is queued: no order */
	queue_work_on(1 % num_online_cpus(), system_wq, &w_use_racy);
	msleep(50);
	queue_work_on(0, system_wq, &w_free_racy);
	msleep(50);
	flush_work(&w_free_racy);
	flush_work(&w_use_racy);
	/* the twin: the free is queued after the use was flushed */
	queue_work_on(1 % num_online_cpus(), system_wq, &w_use_synced);
	flush_work(&w_use_synced);
	queue_work_on(0, system_wq, &w_free_synced);
	flush_work(&w_free_synced);
}

static ssize_t run_write(struct file *f, const char __user *buf, size_t n,
			 loff_t *pos)
{
	run_kthreads(race_kthread_racy, "ksr-racy");
	run_kthreads(race_kthread_locked, "ksr-locked");
	run_timers();
	run_irq();
	run_uaf();
	pr_info("ks_race: ran (%ld %ld %ld %ld)\n", count_racy, count_locked,
		irq_racy, irq_locked);
	return n;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static int __init ks_race_init(void)
{
	dir = debugfs_create_dir("ks_race", NULL);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
	return 0;
}

static void __exit ks_race_exit(void)
{
	debugfs_remove_recursive(dir);
}

module_init(ks_race_init);
module_exit(ks_race_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: planted data races and their twins");
