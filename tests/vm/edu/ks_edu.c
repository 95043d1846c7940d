// SPDX-License-Identifier: GPL-2.0
/*
 * ks_edu.ko: a small driver for QEMU's "edu" teaching device (1234:11e8,
 * BAR0: 1 MiB of registers) that knows how many device accesses it makes,
 * for kstride's MMIO tests and benchmark:
 *
 *   debugfs ks_edu/bench   write N: N times, write the liveness register
 *                          and read it back (2N accesses, timed)
 *   debugfs ks_edu/remap   write N: N times ioremap BAR0, read the
 *                          identification register, iounmap
 *   debugfs ks_edu/irqs    write N: raise N interrupts, one at a time; the
 *                          handler reads the status and acknowledges
 *   debugfs ks_edu/pio     write: rep outsb of 16 known bytes to port 0x80
 *                          (the POST port), then rep insb of 16 from it
 *   debugfs ks_edu/copy    write: memset_io, memcpy_toio and memcpy_fromio
 *                          on unaligned places and odd lengths of BAR0
 *                          (edu ignores those offsets: QEMU's trace shows
 *                          the accesses, native or traced, to compare)
 *   debugfs ks_edu/net     write N: device accesses the module does not
 *                          instrument, for the safety net: (a) a kernel
 *                          function kstride does not intercept reads the
 *                          identification and liveness registers
 *                          (__ioread32_copy); (b) edu_orig(), which kstride
 *                          must leave original, writes and reads the
 *                          liveness register N times; (c) edu_two(), also
 *                          original, runs on every online CPU at once: N
 *                          liveness writes of cpu << 24 | i and N reads of
 *                          the identification register each; (e)
 *                          edu_strings(), original, has the kernel's
 *                          memset_io and memcpy_fromio (string moves)
 *                          set 8 bytes at 0x40 to 0x5a and copy the 8 at 0
 *   debugfs ks_edu/netstep write N: on every online CPU at once, N reads of
 *                          the identification register by an instruction
 *                          the net cannot perform (cmpl): it single-steps
 *                          them, and another CPU may slip through meanwhile
 *   debugfs ks_edu/badtoken   write: ioread8_rep on a NULL token and
 *                          iowrite16_rep on token 0x100, which are neither
 *                          ports nor memory: the kernel warns, natively
 *                          and under kstride alike, and touches nothing
 *   debugfs ks_edu/benchorig  write N: the benchmark's loop in edu_orig(),
 *                          which kstride leaves original: under the net,
 *                          the cost of a caught access (2N, timed)
 *   debugfs ks_edu/result  what was done: accesses per kind and per CPU
 *   parameter probe_live   if not 0: the probe writes it to the liveness
 *                          register and reads it back (a bring-up setting,
 *                          for kstride diff: two recordings that differ
 *                          in exactly one register write)
 *
 * edu's liveness register (0x04) reads back the bitwise inverse of the
 * last value written: every read's value is known in advance.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#define EDU_IDENT 0x00
#define EDU_LIVE 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

static struct pci_dev *edu_pdev;
static void __iomem *regs;
static struct dentry *dir;
static u64 bench_n, bench_ns, bench_bad, remap_n, remap_bad;
static u32 ident;
static uint probe_live;
module_param(probe_live, uint, 0444);
MODULE_PARM_DESC(probe_live, "written to the liveness register at probe (0: nothing)");
static DEFINE_PER_CPU(u64, irq_count);
static u64 irqs_raised;
static DECLARE_COMPLETION(irq_done);
static u8 pio_out[16], pio_in[16];
static bool pio_done;
static u64 net_n, net_orig_bad, net_two_bad, orig_n, orig_ns, step_n;
static DEFINE_PER_CPU(u64, net_step_done);
static u32 net_copy[2];
static u8 net_strings[8];
static atomic_t net_two_in;
static DEFINE_PER_CPU(u64, net_two_done);

static noinline void edu_loop(u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		writel((u32)i, regs + EDU_LIVE);
		if (readl(regs + EDU_LIVE) != ~(u32)i)
			bench_bad++;
	}
}

/*
 * kstride must leave these two original: a section it does not know
 * refers into their code ("unknown-kernel-section"), as a table of some
 * kernel mechanism kstride has not heard of would.
 */
static noinline void edu_orig(u64 n)
{
	static void *const inside __used __section("ks_edu_untraced") = &&loop;
	u64 i;

loop:
	for (i = 0; i < n; i++) {
		writel((u32)i, regs + EDU_LIVE);
		if (readl(regs + EDU_LIVE) != ~(u32)i)
			net_orig_bad++;
	}
}

/* also original: the kernel's own string moves, caught element by element */
static noinline void edu_strings(void)
{
	static void *const inside __used __section("ks_edu_untraced") = &&go;

go:
	memset_io(regs + 0x40, 0x5a, 8);
	memcpy_fromio(net_strings, regs + EDU_IDENT, 8);
}

/* on every CPU at once, interrupts off (on_each_cpu) */
static noinline void edu_two(void *arg)
{
	u64 i, n = *(u64 *)arg;
	static void *const inside __used __section("ks_edu_untraced") = &&loop;
	u32 cpu = smp_processor_id();
	int spins = 0;

loop:
	/* all CPUs in before any access: they hammer the page together */
	atomic_inc(&net_two_in);
	while (atomic_read(&net_two_in) < num_online_cpus() &&
	       spins++ < 100000000)
		cpu_relax();
	for (i = 0; i < n; i++) {
		writel(cpu << 24 | (u32)i, regs + EDU_LIVE);
		if (readl(regs + EDU_IDENT) != ident)
			net_two_bad++;
	}
	this_cpu_write(net_two_done, n);
}

/* also original; cmpl is no move: the net single-steps it */
static noinline void edu_step(void *arg)
{
	static void *const inside __used __section("ks_edu_untraced") = &&loop;
	u64 i, n = *(u64 *)arg;
	int spins = 0;

	atomic_inc(&net_two_in);
	while (atomic_read(&net_two_in) < num_online_cpus() &&
	       spins++ < 100000000)
		cpu_relax();
loop:
	for (i = 0; i < n; i++)
		asm volatile("cmpl $0, %0" : : "m"(*(u32 __force *)(regs + EDU_IDENT))
			     : "cc", "memory");
	this_cpu_write(net_step_done, n);
}

static int parse_n(const char __user *u, size_t n, u64 *out)
{
	char buf[24];

	if (!n || n >= sizeof(buf) || copy_from_user(buf, u, n))
		return -EINVAL;
	buf[n] = 0;
	return kstrtou64(strim(buf), 0, out);
}

static ssize_t bench_write(struct file *f, const char __user *u, size_t n,
			   loff_t *pos)
{
	u64 t0;
	int err = parse_n(u, n, &bench_n);

	if (err)
		return err;
	t0 = ktime_get_ns();
	edu_loop(bench_n);
	bench_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations bench_fops = { .write = bench_write };

static ssize_t remap_write(struct file *f, const char __user *u, size_t n,
			   loff_t *pos)
{
	resource_size_t phys = pci_resource_start(edu_pdev, 0);
	u64 i, k;
	int err = parse_n(u, n, &k);

	if (err)
		return err;
	for (i = 0; i < k; i++) {
		void __iomem *p = ioremap(phys, PAGE_SIZE);

		if (!p)
			return -ENOMEM;
		if (readl(p + EDU_IDENT) != ident)
			remap_bad++;
		iounmap(p);
		remap_n++;
	}
	return n;
}

static const struct file_operations remap_fops = { .write = remap_write };

static irqreturn_t edu_irq(int irq, void *data)
{
	u32 st = readl(regs + EDU_IRQ_STATUS);

	if (!st)
		return IRQ_NONE;
	writel(st, regs + EDU_IRQ_ACK);
	this_cpu_inc(irq_count);
	complete(&irq_done);
	return IRQ_HANDLED;
}

static ssize_t irqs_write(struct file *f, const char __user *u, size_t n,
			  loff_t *pos)
{
	u64 i, k;
	int err = parse_n(u, n, &k);

	if (err)
		return err;
	for (i = 0; i < k; i++) {
		reinit_completion(&irq_done);
		writel(1, regs + EDU_IRQ_RAISE);
		if (!wait_for_completion_timeout(&irq_done, HZ))
			return -ETIMEDOUT;
		irqs_raised++;
	}
	return n;
}

static const struct file_operations irqs_fops = { .write = irqs_write };

static ssize_t pio_write(struct file *f, const char __user *u, size_t n,
			 loff_t *pos)
{
	int i;

	for (i = 0; i < 16; i++)
		pio_out[i] = 0xa0 + i;
	outsb(0x80, pio_out, 16);
	insb(0x80, pio_in, 16);
	pio_done = true;
	return n;
}

static const struct file_operations pio_fops = { .write = pio_write };

static ssize_t copy_write(struct file *f, const char __user *u, size_t n,
			  loff_t *pos)
{
	u8 buf[64];
	int i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 0x30 + i;
	memset_io(regs + 0x101, 0x5a, 37);
	memset_io(regs + 0x180, 0xa5, 16);
	memcpy_toio(regs + 0x203, buf, 29);
	memcpy_fromio(buf, regs + 0x305, 23);
	return n;
}

static const struct file_operations copy_fops = { .write = copy_write };

static ssize_t net_write(struct file *f, const char __user *u, size_t n,
			 loff_t *pos)
{
	int err = parse_n(u, n, &net_n);

	if (err)
		return err;
	__ioread32_copy(net_copy, regs + EDU_IDENT, 2);
	edu_strings();
	edu_orig(net_n);
	atomic_set(&net_two_in, 0);
	on_each_cpu(edu_two, &net_n, 1);
	return n;
}

static const struct file_operations net_fops = { .write = net_write };

static ssize_t netstep_write(struct file *f, const char __user *u, size_t n,
			     loff_t *pos)
{
	int err = parse_n(u, n, &step_n);

	if (err)
		return err;
	atomic_set(&net_two_in, 0);
	on_each_cpu(edu_step, &step_n, 1);
	return n;
}

static const struct file_operations netstep_fops = { .write = netstep_write };

static ssize_t badtoken_write(struct file *f, const char __user *u, size_t n,
			      loff_t *pos)
{
	u8 buf[8] = {};

	ioread8_rep(NULL, buf, 4);
	iowrite16_rep((void __iomem *)0x100ul, buf, 2);
	return n;
}

static const struct file_operations badtoken_fops = { .write = badtoken_write };

static ssize_t benchorig_write(struct file *f, const char __user *u, size_t n,
			       loff_t *pos)
{
	u64 t0;
	int err = parse_n(u, n, &orig_n);

	if (err)
		return err;
	net_orig_bad = 0;
	t0 = ktime_get_ns();
	edu_orig(orig_n);
	orig_ns = ktime_get_ns() - t0;
	return n;
}

static const struct file_operations benchorig_fops = { .write = benchorig_write };

static int result_show(struct seq_file *m, void *v)
{
	int cpu;

	seq_printf(m, "ident 0x%x\n", ident);
	seq_printf(m, "bench %llu iterations %llu ns %llu bad\n", bench_n,
		   bench_ns, bench_bad);
	seq_printf(m, "remap %llu cycles %llu bad\n", remap_n, remap_bad);
	seq_printf(m, "irqs %llu raised\n", irqs_raised);
	for_each_online_cpu(cpu)
		seq_printf(m, "irq cpu %d %llu\n", cpu,
			   *per_cpu_ptr(&irq_count, cpu));
	seq_printf(m, "irq %d\n", edu_pdev ? edu_pdev->irq : -1);
	if (step_n)
		for_each_online_cpu(cpu)
			seq_printf(m, "netstep cpu %d %llu\n", cpu,
				   *per_cpu_ptr(&net_step_done, cpu));
	if (orig_n)
		seq_printf(m, "benchorig %llu iterations %llu ns %llu bad\n",
			   orig_n, orig_ns, net_orig_bad);
	if (net_n) {
		seq_printf(m, "net n %llu copy 0x%x 0x%x orig_bad %llu two_bad %llu\n",
			   net_n, net_copy[0], net_copy[1], net_orig_bad,
			   net_two_bad);
		seq_printf(m, "net strings %*phN\n", 8, net_strings);
		for_each_online_cpu(cpu)
			seq_printf(m, "net two cpu %d %llu\n", cpu,
				   *per_cpu_ptr(&net_two_done, cpu));
	}
	if (pio_done)
		seq_printf(m, "pio out %*phN in %*phN\n", 16, pio_out, 16,
			   pio_in);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err = pcim_enable_device(pdev);

	if (err)
		return err;
	err = pcim_iomap_regions(pdev, 1, KBUILD_MODNAME);
	if (err)
		return err;
	regs = pcim_iomap_table(pdev)[0];
	edu_pdev = pdev;
	ident = readl(regs + EDU_IDENT);
	if (probe_live) {
		writel(probe_live, regs + EDU_LIVE);
		if (readl(regs + EDU_LIVE) != ~probe_live)
			pr_warn("liveness register: not the inverse of 0x%x\n", probe_live);
	}
	err = devm_request_irq(&pdev->dev, pdev->irq, edu_irq, IRQF_SHARED,
			       KBUILD_MODNAME, pdev);
	if (err)
		return err;
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("bench", 0200, dir, NULL, &bench_fops);
	debugfs_create_file("remap", 0200, dir, NULL, &remap_fops);
	debugfs_create_file("irqs", 0200, dir, NULL, &irqs_fops);
	debugfs_create_file("pio", 0200, dir, NULL, &pio_fops);
	debugfs_create_file("copy", 0200, dir, NULL, &copy_fops);
	debugfs_create_file("net", 0200, dir, NULL, &net_fops);
	debugfs_create_file("benchorig", 0200, dir, NULL, &benchorig_fops);
	debugfs_create_file("netstep", 0200, dir, NULL, &netstep_fops);
	debugfs_create_file("badtoken", 0200, dir, NULL, &badtoken_fops);
	debugfs_create_file("result", 0400, dir, NULL, &result_fops);
	pr_info("edu 0x%x at irq %d\n", ident, pdev->irq);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	debugfs_remove_recursive(dir);
	edu_pdev = NULL;
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{}
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: test driver for QEMU's edu device");
