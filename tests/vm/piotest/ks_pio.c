// SPDX-License-Identifier: GPL-2.0
/*
 * ks_pio.ko: a driver for QEMU's pci-testdev (1b36:0005) that reaches its
 * I/O BAR both ways: itself (instrumented, recorded by kstride's stubs)
 * and through ks_piohelp.ko (native code the safety net must watch).
 *
 *   debugfs ks_pio/run     write N: N times, outb(i) at BAR1 + 1 itself,
 *                          then through the helpers outb(i) at BAR1 + 2,
 *                          inb at BAR1 + 3 and outl(i) at BAR1 + 4
 *   debugfs ks_pio/result  "pio n N base PORT"
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

void ks_piohelp_outb(u8 v, u16 port);
u8 ks_piohelp_inb(u16 port);
void ks_piohelp_outl(u32 v, u16 port);

static u16 base;
static u64 runs;
static struct dentry *dir;

static ssize_t run_write(struct file *f, const char __user *u, size_t n,
			 loff_t *pos)
{
	char buf[24];
	u64 i, k;

	if (!n || n >= sizeof(buf) || copy_from_user(buf, u, n))
		return -EINVAL;
	buf[n] = 0;
	if (kstrtou64(strim(buf), 0, &k))
		return -EINVAL;
	for (i = 0; i < k; i++) {
		outb((u8)i, base + 1);
		ks_piohelp_outb((u8)i, base + 2);
		ks_piohelp_inb(base + 3);
		ks_piohelp_outl((u32)i, base + 4);
	}
	runs = k;
	return n;
}

static const struct file_operations run_fops = { .write = run_write };

static int result_show(struct seq_file *m, void *v)
{
	seq_printf(m, "pio n %llu base 0x%x\n", runs, base);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

static int pio_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err = pcim_enable_device(pdev);

	if (err)
		return err;
	if (!(pci_resource_flags(pdev, 1) & IORESOURCE_IO))
		return -ENODEV;
	base = pci_resource_start(pdev, 1);
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
	debugfs_create_file("result", 0400, dir, NULL, &result_fops);
	pr_info("pci-testdev ports at 0x%x\n", base);
	return 0;
}

static void pio_remove(struct pci_dev *pdev)
{
	debugfs_remove_recursive(dir);
}

static const struct pci_device_id pio_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0005) },
	{}
};
MODULE_DEVICE_TABLE(pci, pio_ids);

static struct pci_driver pio_driver = {
	.name = KBUILD_MODNAME,
	.id_table = pio_ids,
	.probe = pio_probe,
	.remove = pio_remove,
};
module_pci_driver(pio_driver);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: test driver for the safety net's port I/O");
