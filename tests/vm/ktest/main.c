// SPDX-License-Identifier: GPL-2.0
/*
 * kstride_test.ko: runs its probes (probes.S) in every context on write
 * of "run" to debugfs kstride_test/run, then tells what they accessed in
 * kstride_test/truth: "FUNC+0xOFF KIND SIZE ADDR COUNT", independently of
 * kstride (from its own declarations and counters), and who ran them:
 * "ctx FUNC CONTEXT PID CPU CALLS", from the kernel's own preempt count
 * and current->pid as the module sees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/nmi.h>
#include <asm/pgtable.h>
#include <asm/special_insns.h>

#include "probes.h"

DEFINE_STATIC_KEY_FALSE(ktest_key);

#define N_PROC 1000
#define N_TIMER 20
#define N_IRQWORK 50
#define N_KEY 100
#define N_NMI 10
#define N_PV 100
#define N_HOP 4000000 /* calls at most; it stops after HOP_MOVES moves */
#define HOP_MOVES 1000
#define USER_BAD ((void __user *)0x10)

static struct dentry *dir;
static struct timer_list timer;
static int timer_left;
static DECLARE_COMPLETION(timer_done);
static struct irq_work iw;
static DECLARE_COMPLETION(iw_done);
static DEFINE_PER_CPU(struct work_struct, works);
static int uaccess_ret;
static u64 run_t0, run_t1; /* local_clock() around run_all() */

/* The context the module itself sees, from the kernel's preempt count. */
enum { C_TASK, C_SOFTIRQ, C_HARDIRQ, C_NMI, NCTX };
static const char *const ctx_names[NCTX] = { "task", "softirq", "hardirq",
					     "nmi" };

static __always_inline int ctx_now(void)
{
	if (in_nmi())
		return C_NMI;
	if (in_hardirq())
		return C_HARDIRQ;
	if (in_serving_softirq())
		return C_SOFTIRQ;
	return C_TASK;
}

#define MAX_CTX 64
static struct {
	const char *fn;
	int ctx, pid, cpu; /* pid -1: an interrupt; cpu -1: any */
	u32 n;
} ctx_tab[MAX_CTX];
static int ctx_n;
static DEFINE_RAW_SPINLOCK(ctx_lock);

/* A call of @fn is about to run on @cpu (never from NMI). */
static void note_ctx(const char *fn, int cpu)
{
	int c = ctx_now(), pid = c == C_TASK ? current->pid : -1, i;
	unsigned long flags;

	raw_spin_lock_irqsave(&ctx_lock, flags);
	for (i = 0; i < ctx_n; i++)
		if (ctx_tab[i].fn == fn && ctx_tab[i].ctx == c &&
		    ctx_tab[i].pid == pid && ctx_tab[i].cpu == cpu)
			break;
	if (i == ctx_n && ctx_n < MAX_CTX) {
		ctx_tab[i].fn = fn;
		ctx_tab[i].ctx = c;
		ctx_tab[i].pid = pid;
		ctx_tab[i].cpu = cpu;
		ctx_tab[i].n = 0;
		ctx_n++;
	}
	if (i < ctx_n)
		ctx_tab[i].n++;
	raw_spin_unlock_irqrestore(&ctx_lock, flags);
}

/*
 * Code kstride must not instrument is put in .noinstr.text: what drives
 * the stress test and the benchmark, so that the only records made
 * meanwhile are probe_stress's.
 */

static int stress_n;
static DEFINE_PER_CPU(struct work_struct, stress_works);
static u64 bench_ns, bench_iters, stress_ns;
static u64 bench_calls_ns, bench_calls_iters;
/*
 * Calls by context; task context is split by who runs: [C_TASK] the work
 * item's task, [NCTX] the writer (an IPI to its own CPU runs right there,
 * in its context), [NCTX + 1] the idle task (an idle CPU that polls runs
 * IPI functions from its idle loop, in task context).
 */
static DEFINE_PER_CPU(u64, stress_by_ctx[NCTX + 2]);
static DEFINE_PER_CPU(int, stress_pid); /* the work item's task */
static int stress_writer; /* the writer's pid */

/* NMIs: 1 asks for probe_nmi, 2 for a stress burst; cleared when done */
static DEFINE_PER_CPU(int, nmi_want);
static DEFINE_PER_CPU(u32, nmi_calls);

static noinline __section(".noinstr.text") void stress_loop(int n)
{
	int i;

	int c = ctx_now();

	if (c == C_TASK && current->pid != this_cpu_read(stress_pid))
		c = current->pid ? NCTX : NCTX + 1;
	this_cpu_add(stress_by_ctx[c], n);
	for (i = 0; i < n; i++)
		probe_stress();
}

static noinline __section(".noinstr.text") void stress_work_fn(struct work_struct *w)
{
	this_cpu_write(stress_pid, current->pid);
	stress_loop(stress_n);
}

static noinline __section(".noinstr.text") int ktest_nmi(unsigned int type,
							  struct pt_regs *regs)
{
	int want = this_cpu_read(nmi_want);

	if (!want)
		return NMI_DONE;
	if (want == 1) {
		probe_nmi();
		this_cpu_inc(nmi_calls);
	} else {
		stress_loop(8);
	}
	this_cpu_write(nmi_want, 0);
	return NMI_HANDLED;
}

/*
 * An NMI to @cpu that runs what @want says; if @wait, waits for it (1 s
 * at most).  Stress bursts do not wait: the stress loop counts what ran.
 */
static noinline __section(".noinstr.text") void send_nmi(int cpu, int want,
							  bool wait)
{
	int t;

	WRITE_ONCE(*per_cpu_ptr(&nmi_want, cpu), want);
	apic->send_IPI(cpu, NMI_VECTOR);
	for (t = 0; wait && t < 1000000 && READ_ONCE(*per_cpu_ptr(&nmi_want, cpu)); t++)
		udelay(1);
}

/*
 * An NMI in a ring switch, on purpose: kstride.ko calls this hook (never
 * instrumented: .noinstr.text) with interrupts off, where 0 just before
 * it sets its ring's "switching" (the NMI's records cross the sub-buffer
 * end too, so the NMI switches first: nothing may be lost), where 1 inside
 * the switch (the NMI's records must all be dropped, and counted).  The
 * NMI runs stress_loop(8).  The hook is kstride.ko's, found when armed, so
 * this module loads without kstride.ko too.
 */
extern void (*ks_test_switch_hook)(int where);
static atomic_t switch_budget;
static int switch_where;
static atomic64_t switch_nmis, switch_late;

static noinline __section(".noinstr.text") void switch_hook(int where)
{
	int t;

	/* never from the NMI itself: a second one would wait for its iret */
	if (in_nmi() || where != READ_ONCE(switch_where) ||
	    atomic_dec_if_positive(&switch_budget) < 0)
		return;
	this_cpu_write(nmi_want, 2);
	apic->send_IPI_self(NMI_VECTOR);
	for (t = 0; t < 1000000 && this_cpu_read(nmi_want); t++)
		cpu_relax();
	if (this_cpu_read(nmi_want))
		atomic64_inc(&switch_late); /* not taken in the window */
	else
		atomic64_inc(&switch_nmis);
}

static noinline __section(".noinstr.text") void stress_ipi_fn(void *unused)
{
	stress_loop(64); /* hardirq context, from an IPI */
}

/*
 * Work items on every CPU, IPIs meanwhile, and with @nmis NMIs too.  An
 * NMI that lands in a ring switch has its records dropped (counted): the
 * throughput figure is taken without them.
 */
static noinline __section(".noinstr.text") void run_stress(int n, bool nmis)
{
	int cpu, k;

	stress_n = n;
	stress_writer = current->pid;
	for_each_online_cpu(cpu) {
		/* kworkers are bound: one per CPU runs the work item */
		*per_cpu_ptr(&stress_pid, cpu) = -1;
		schedule_work_on(cpu, per_cpu_ptr(&stress_works, cpu));
	}
	/* interrupts and NMIs on every CPU while the work items run */
	for (k = 0; k < 20; k++) {
		for_each_online_cpu(cpu) {
			smp_call_function_single(cpu, stress_ipi_fn, NULL, 1);
			if (nmis)
				send_nmi(cpu, 2, false);
		}
	}
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
	char c = 0;

	/* "1": with NMIs; "2": without */
	if (n && get_user(c, u))
		return -EFAULT;
	run_stress(100000, c != '2');
	stress_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations stress_fops = {
	.write = stress_write,
};

/*
 * "in N" or "pre N": the stress run without random NMIs, and N NMIs in
 * ring switches, inside them or just before.
 */
static noinline __section(".noinstr.text") ssize_t switchnmi_write(struct file *f,
				const char __user *u, size_t n, loff_t *pos)
{
	void (**hook)(int) = symbol_get(ks_test_switch_hook);
	char buf[16] = {};
	int budget;

	if (!hook)
		return -ENOENT; /* kstride.ko is not loaded */
	if (copy_from_user(buf, u, min(n, sizeof(buf) - 1)) ||
	    (strncmp(buf, "in ", 3) && strncmp(buf, "pre ", 4)) ||
	    kstrtoint(strim(strchr(buf, ' ')), 10, &budget) || budget < 0) {
		symbol_put(ks_test_switch_hook);
		return -EINVAL;
	}
	WRITE_ONCE(switch_where, buf[0] == 'i');
	atomic_set(&switch_budget, budget);
	WRITE_ONCE(*hook, switch_hook);
	run_stress(100000, false);
	WRITE_ONCE(*hook, NULL);
	synchronize_rcu(); /* no switch still runs the hook */
	symbol_put(ks_test_switch_hook);
	return n;
}

static const struct file_operations switchnmi_fops = {
	.write = switchnmi_write,
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

/*
 * The benchmark of calls out of the module ('record --calls'): each
 * iteration takes and drops a spinlock (two calls out, _raw_spin_lock()
 * and _raw_spin_unlock() on x86) around two accesses, as driver code
 * does.  Instrumented, unlike the loop that drives it.
 */
static DEFINE_SPINLOCK(bench_lock);
static u64 bench_calls_val[2];

static noinline void probe_bench_calls(u64 n)
{
	while (n--) {
		spin_lock(&bench_lock);
		WRITE_ONCE(bench_calls_val[1], READ_ONCE(bench_calls_val[0]) + n);
		spin_unlock(&bench_lock);
	}
}

static noinline __section(".noinstr.text") ssize_t bench_calls_write(struct file *f,
		const char __user *u, size_t n, loff_t *pos)
{
	u64 t0;

	bench_calls_iters = 20000;
	t0 = ktime_get_ns();
	probe_bench_calls(bench_calls_iters);
	bench_calls_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations bench_calls_fops = {
	.write = bench_calls_write,
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

/*
 * Paravirt call sites (.parainstructions), which the kernel patches at
 * load, the copy's as the original's: rdmsrl (pv_ops.cpu.read_msr)
 * becomes a direct call; __read_cr3 and the irq flag operations become
 * inline instructions.  Each value is read through its paravirt site and
 * natively, by the instruction itself; they must agree.  A site patched
 * in the wrong place runs stale bytes: a crash, or a wrong value.
 */
static u32 pv_calls, pv_bad;

/* a plain paravirt call site: no alternative shares it */
static noinline void pv_probe_msr(void)
{
	u64 pat;
	u32 lo, hi;

	rdmsrl(MSR_IA32_CR_PAT, pat);
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_IA32_CR_PAT));
	if (pat != ((u64)hi << 32 | lo))
		WRITE_ONCE(pv_bad, pv_bad + 1);
}

/* paravirt sites that alternatives patch too (objtool's ORC inside) */
static noinline void pv_probe(void)
{
	unsigned long flags, nflags;
	u64 cr3, ncr3;

	pv_probe_msr();
	cr3 = __read_cr3();
	asm volatile("mov %%cr3, %0" : "=r"(ncr3));
	flags = arch_local_irq_save();
	asm volatile("pushf; pop %0" : "=r"(nflags));
	arch_local_irq_restore(flags);
	WRITE_ONCE(pv_calls, pv_calls + 1);
	if (cr3 != ncr3 || (nflags & X86_EFLAGS_IF) || !(flags & X86_EFLAGS_IF))
		WRITE_ONCE(pv_bad, pv_bad + 1);
}

static void timer_fn(struct timer_list *t)
{
	note_ctx("probe_timer", smp_processor_id());
	probe_timer();
	if (--timer_left > 0)
		mod_timer(&timer, jiffies + 1);
	else
		complete(&timer_done);
}

static void iw_fn(struct irq_work *w)
{
	note_ctx("probe_irqwork", smp_processor_id());
	probe_irqwork(in_hardirq());
	complete(&iw_done);
}

static void work_fn(struct work_struct *w)
{
	note_ctx("probe_pcpu", smp_processor_id());
	probe_pcpu();
}

static void run_all(void)
{
	int i, cpu;

	run_t0 = local_clock();
	for (i = 0; i < N_PROC; i++) {
		cpu = get_cpu();
		note_ctx("probe_proc", cpu);
		probe_proc();
		put_cpu();
	}
	for (i = 0; i < N_KEY; i++) {
		cpu = get_cpu();
		note_ctx("probe_key", cpu);
		probe_key();
		note_ctx("probe_keycold", cpu);
		probe_keycold();
		note_ctx("probe_alt", cpu);
		probe_alt();
		put_cpu();
	}
	static_branch_enable(&ktest_key);
	for (i = 0; i < N_KEY; i++) {
		cpu = get_cpu();
		note_ctx("probe_key", cpu);
		probe_key();
		note_ctx("probe_keycold", cpu);
		probe_keycold();
		note_ctx("probe_alt", cpu);
		probe_alt();
		put_cpu();
	}
	static_branch_disable(&ktest_key);
	for (i = 0; i < N_PV; i++) {
		cpu = get_cpu();
		note_ctx("pv_probe", cpu);
		note_ctx("pv_probe_msr", cpu);
		pv_probe();
		put_cpu();
	}
	/* may sleep in the fault: on whichever CPU */
	note_ctx("probe_uaccess", -1);
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

	for (i = 0; i < N_NMI; i++)
		for_each_online_cpu(cpu)
			send_nmi(cpu, 1, true);
	run_t1 = local_clock();
}

/*
 * Migration in the middle of records: a kthread calls probe_stress while
 * the writer moves it from CPU to CPU (with preempt=full, a move preempts
 * it wherever it is, inside instrumentation code too).
 */
static u64 hop_calls, hop_moves;
static int hop_pid;
static DECLARE_COMPLETION(hop_done);

static noinline __section(".noinstr.text") int hop_fn(void *unused)
{
	int i, last = raw_smp_processor_id();

	hop_pid = current->pid;
	for (i = 0; i < N_HOP && hop_moves < HOP_MOVES; i++) {
		probe_stress();
		if (raw_smp_processor_id() != last) {
			last = raw_smp_processor_id();
			hop_moves++;
		}
		if (!(i & 1023))
			cond_resched();
	}
	hop_calls = i;
	complete(&hop_done);
	return 0;
}

static noinline __section(".noinstr.text") ssize_t hop_write(struct file *f, const char __user *u,
				 size_t n, loff_t *pos)
{
	struct task_struct *t;
	int k = 0;

	reinit_completion(&hop_done);
	hop_moves = 0;
	t = kthread_create(hop_fn, NULL, "ktest_hop");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	wake_up_process(t);
	while (!try_wait_for_completion(&hop_done)) {
		set_cpus_allowed_ptr(t, cpumask_of(k++ % num_online_cpus()));
		usleep_range(100, 200);
	}
	put_task_struct(t);
	return n;
}

/*
 * For the load/unload cycles' memory readings: free what vmalloc holds
 * lazily (unloaded modules' areas wait for a purge), so that MemFree
 * shows what is really still in use.
 */
static ssize_t purge_write(struct file *f, const char __user *u, size_t n,
			   loff_t *pos)
{
	vm_unmap_aliases();
	return n;
}

static const struct file_operations purge_fops = {
	.write = purge_write,
};

/*
 * Page-table pages of the module space: one for each 2 MiB of it that a
 * module was ever mapped in.  The kernel allocates them as modules come
 * and never frees them (vunmap leaves page tables), no counter of
 * /proc/vmstat has them, and they are bounded by the space's size: the
 * cycles test counts them apart from what leaks.
 */
static int ptpages_show(struct seq_file *m, void *v)
{
	unsigned long a, n = 0;
	unsigned int level;

	for (a = MODULES_VADDR; a < MODULES_END && a >= MODULES_VADDR; a += PMD_SIZE)
		if (lookup_address(a, &level) && level == PG_LEVEL_4K)
			n++;
	seq_printf(m, "%lu\n", n);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ptpages);

/*
 * A leak on purpose, to show that the cycles test fails on one: while
 * "leak" says page, slab or vmalloc, every load of a module named e1000
 * leaks one page that way (kept on a list, freed when this module goes).
 */
enum { LEAK_NONE, LEAK_PAGE, LEAK_SLAB, LEAK_VMALLOC };
static int leak_mode;
static LIST_HEAD(leaked);
static DEFINE_MUTEX(leak_lock);
static unsigned long leak_count;

struct leak {
	struct list_head list;
	int mode;
	void *p;
};

static noinline __section(".noinstr.text") int leak_notify(struct notifier_block *nb,
			       unsigned long state, void *data)
{
	struct module *mod = data;
	struct leak *l;

	if (state != MODULE_STATE_COMING || strcmp(mod->name, "e1000"))
		return NOTIFY_OK;
	mutex_lock(&leak_lock);
	if (leak_mode != LEAK_NONE) {
		l = kmalloc(sizeof(*l), GFP_KERNEL); /* 64 bytes, beside */
		if (l) {
			l->mode = leak_mode;
			l->p = leak_mode == LEAK_PAGE ? (void *)__get_free_page(GFP_KERNEL) :
			       leak_mode == LEAK_SLAB ? kmalloc(PAGE_SIZE, GFP_KERNEL) :
			       vmalloc(PAGE_SIZE);
			list_add(&l->list, &leaked);
			leak_count++;
		}
	}
	mutex_unlock(&leak_lock);
	return NOTIFY_OK;
}

static struct notifier_block leak_nb = {
	.notifier_call = leak_notify,
};

static noinline __section(".noinstr.text") void leak_free_all(void)
{
	struct leak *l, *t;

	list_for_each_entry_safe(l, t, &leaked, list) {
		if (l->mode == LEAK_PAGE)
			free_page((unsigned long)l->p);
		else if (l->mode == LEAK_SLAB)
			kfree(l->p);
		else
			vfree(l->p);
		list_del(&l->list);
		kfree(l);
	}
}

static noinline __section(".noinstr.text") ssize_t leak_write(struct file *f,
			  const char __user *u, size_t n, loff_t *pos)
{
	char buf[16] = {};

	if (copy_from_user(buf, u, min(n, sizeof(buf) - 1)))
		return -EFAULT;
	mutex_lock(&leak_lock);
	leak_mode = sysfs_streq(buf, "page") ? LEAK_PAGE :
		    sysfs_streq(buf, "slab") ? LEAK_SLAB :
		    sysfs_streq(buf, "vmalloc") ? LEAK_VMALLOC : LEAK_NONE;
	mutex_unlock(&leak_lock);
	return n;
}

static const struct file_operations leak_fops = {
	.write = leak_write,
};

static const struct file_operations hop_fops = {
	.write = hop_write,
};

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
	int cpu, i;

	seq_printf(m, "uaccess_ret %d\n", uaccess_ret);
	seq_printf(m, "stress_calls %llu ns %llu\n", stress_calls(), stress_ns);
	seq_printf(m, "bench_ns %llu iters %llu\n", bench_ns, bench_iters);
	seq_printf(m, "bench_calls_ns %llu iters %llu\n", bench_calls_ns, bench_calls_iters);
	seq_printf(m, "window %llu %llu\n", run_t0, run_t1);
	seq_printf(m, "pv %u %u %u\n", pv_calls, pv_bad, N_PV);
	for (i = 0; i < ctx_n; i++)
		seq_printf(m, "ctx %s %s %d %d %u\n", ctx_tab[i].fn,
			   ctx_names[ctx_tab[i].ctx], ctx_tab[i].pid,
			   ctx_tab[i].cpu, ctx_tab[i].n);
	for_each_online_cpu(cpu) {
		if (*per_cpu_ptr(&nmi_calls, cpu))
			seq_printf(m, "ctx probe_nmi nmi -1 %d %u\n", cpu,
				   *per_cpu_ptr(&nmi_calls, cpu));
		for (i = 0; i <= NCTX + 1; i++)
			if (per_cpu_ptr(stress_by_ctx, cpu)[i])
				seq_printf(m, "stress_ctx %d %s %d %llu\n", cpu,
					   ctx_names[i < NCTX ? i : C_TASK],
					   i == C_TASK ? *per_cpu_ptr(&stress_pid, cpu) :
					   i == NCTX ? stress_writer :
					   i == NCTX + 1 ? 0 : -1,
					   per_cpu_ptr(stress_by_ctx, cpu)[i]);
	}
	seq_printf(m, "leak %lu\n", leak_count);
	seq_printf(m, "switch_nmis %lld late %lld\n",
		   (long long)atomic64_read(&switch_nmis),
		   (long long)atomic64_read(&switch_late));
	seq_printf(m, "hop calls %llu moves %llu pid %d\n", hop_calls,
		   hop_moves, hop_pid);
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
	int cpu, err;

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
	debugfs_create_file("bench_calls", 0200, dir, NULL, &bench_calls_fops);
	debugfs_create_file("warn", 0200, dir, NULL, &warn_fops);
	debugfs_create_file("hop", 0200, dir, NULL, &hop_fops);
	debugfs_create_file("switchnmi", 0200, dir, NULL, &switchnmi_fops);
	debugfs_create_file("purge", 0200, dir, NULL, &purge_fops);
	debugfs_create_file("ptpages", 0400, dir, NULL, &ptpages_fops);
	debugfs_create_file("leak", 0200, dir, NULL, &leak_fops);
	err = register_nmi_handler(NMI_LOCAL, ktest_nmi, 0, "kstride_test");
	if (err) {
		debugfs_remove_recursive(dir);
		return err;
	}
	err = register_module_notifier(&leak_nb);
	if (err) {
		unregister_nmi_handler(NMI_LOCAL, "kstride_test");
		debugfs_remove_recursive(dir);
	}
	return err;
}

static void __exit ktest_exit(void)
{
	unregister_nmi_handler(NMI_LOCAL, "kstride_test");
	debugfs_remove_recursive(dir);
	unregister_module_notifier(&leak_nb);
	leak_free_all();
	del_timer_sync(&timer);
	irq_work_sync(&iw);
}

module_init(ktest_init);
module_exit(ktest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: test module that knows its own accesses");
