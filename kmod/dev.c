// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kstride: the reader's way in.  Open requires CAP_SYS_ADMIN; every
 * ioctl argument is checked; mappings of producer state and data are
 * read-only, only the consumer positions are writable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <asm/tsc.h>

#include "kstride.h"
#include "mmio.h"

DECLARE_WAIT_QUEUE_HEAD(ks_wait);

static int ks_open(struct inode *inode, struct file *f)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static DEFINE_MUTEX(cons_lock);
static struct file *cons_owner; /* the one consumer: it mapped KS_MMAP_CONS */

/* a recorder that dies leaves no armed mappings behind */
static int ks_release(struct inode *inode, struct file *f)
{
	mutex_lock(&cons_lock);
	if (cons_owner == f)
		cons_owner = NULL;
	mutex_unlock(&cons_lock);
	ks_net_release(f);
	ks_mmio_release(f);
	return 0;
}

static long ks_info(void __user *arg)
{
	struct ks_ring *r0 = ks_ring_of(0);
	struct ks_info in = {
		.size = sizeof(in),
		.abi = KS_ABI_VERSION,
		.ncpus = nr_cpu_ids,
		.nsub = r0 ? r0->nsub : 0,
		.sub_shift = KS_SUB_SHIFT,
		.sub_map = KS_SUB_MAP,
		.tsc_khz = tsc_khz,
		.flags = (ks_mmio_ready() ? KS_INFO_MMIO : 0) |
			 (ks_mmio_ready() ? KS_INFO_NET : 0),
	};
	int cpu;

	for (cpu = 0; cpu < min_t(int, nr_cpu_ids, 64); cpu++)
		if (ks_ring_of(cpu))
			in.online_mask |= 1ull << cpu;
	return copy_to_user(arg, &in, sizeof(in)) ? -EFAULT : 0;
}

static long ks_read_desc_ioctl(void __user *arg)
{
	struct ks_read_desc rd;
	long ret;

	if (copy_from_user(&rd, arg, sizeof(rd)))
		return -EFAULT;
	if (rd.which >= KS_NDESC || rd.reserved ||
	    strnlen(rd.module, sizeof(rd.module)) == sizeof(rd.module))
		return -EINVAL;
	ret = ks_read_desc(&rd);
	if (ret)
		return ret;
	return copy_to_user(arg, &rd, sizeof(rd)) ? -EFAULT : 0;
}

static long ks_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	/* not only at open: a descriptor can be handed to anyone */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case KS_IOC_INFO:
		return ks_info((void __user *)arg);
	case KS_IOC_FLUSH:
		ks_flush_all();
		return 0;
	case KS_IOC_READ_DESC:
		return ks_read_desc_ioctl((void __user *)arg);
	case KS_IOC_ADD_MAP: {
		struct ks_add_map am;

		if (copy_from_user(&am, (void __user *)arg, sizeof(am)))
			return -EFAULT;
		return ks_add_map(&am);
	}
	case KS_IOC_NET_START: {
		struct ks_net_start *ns = kmalloc(sizeof(*ns), GFP_KERNEL);
		long ret;

		if (!ns)
			return -ENOMEM;
		ret = copy_from_user(ns, (void __user *)arg, sizeof(*ns)) ?
			      -EFAULT : ks_net_start(f, ns);
		kfree(ns);
		return ret;
	}
	case KS_IOC_NET_STOP: {
		struct ks_net_stats st;
		long ret = ks_net_stop(f, &st);

		if (ret)
			return ret;
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ?
			       -EFAULT : 0;
	}
	case KS_IOC_NET_PIO:
		return ks_net_pio(f, (struct ks_net_pio __user *)arg);
	case KS_IOC_MMIO_OPTS: {
		struct ks_mmio_opts o;

		if (copy_from_user(&o, (void __user *)arg, sizeof(o)))
			return -EFAULT;
		return ks_mmio_opts(f, &o);
	}
	case KS_IOC_APERTURES: {
		struct ks_aperture_stats st;

		ks_mmio_aperture_stats(&st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ?
			       -EFAULT : 0;
	}
	case KS_IOC_MARK: {
		struct ks_mark mk;

		if (copy_from_user(&mk, (void __user *)arg, sizeof(mk)))
			return -EFAULT;
		if (strnlen(mk.text, sizeof(mk.text)) == sizeof(mk.text))
			return -EINVAL;
		ks_mark(mk.text);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int map_data(struct vm_area_struct *vma, int cpu)
{
	struct ks_ring *r = ks_ring_of(cpu);
	unsigned long size = vma->vm_end - vma->vm_start, addr = vma->vm_start;
	unsigned int i, k;
	int err;

	if (!r || size != (unsigned long)r->nsub * KS_SUB_MAP)
		return -EINVAL;
	for (i = 0; i < r->nsub; i++) {
		for (k = 0; k < KS_SUB_MAP / PAGE_SIZE; k++) {
			err = vm_insert_page(vma, addr,
					     virt_to_page(r->sub[i] + k * PAGE_SIZE));
			if (err)
				return err;
			addr += PAGE_SIZE;
		}
	}
	return 0;
}

static int ks_mmap(struct file *f, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long size = vma->vm_end - vma->vm_start;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (off == KS_MMAP_CONS) {
		int err;

		if (size > PAGE_ALIGN(nr_cpu_ids * KS_CONS_STRIDE))
			return -EINVAL;
		/* one consumer: a second would corrupt the first's reads */
		mutex_lock(&cons_lock);
		if (cons_owner && cons_owner != f) {
			mutex_unlock(&cons_lock);
			return -EBUSY;
		}
		err = remap_vmalloc_range(vma, ks_cons_page(), 0);
		if (!err)
			cons_owner = f;
		mutex_unlock(&cons_lock);
		return err;
	}
	/* producer state and data: read-only */
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	/* vm_flags is read-only since 6.3: it changes through helpers */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, VM_MAYWRITE);
#else
	vma->vm_flags &= ~VM_MAYWRITE;
#endif
	if (off == KS_MMAP_CTL) {
		if (size > nr_cpu_ids * KS_CTL_SIZE)
			return -EINVAL;
		return remap_vmalloc_range(vma, ks_ctl_pages(), 0);
	}
	if (off >= KS_MMAP_DATA(0) && !(off & ((1ull << 28) - 1))) {
		u64 cpu = (off - KS_MMAP_DATA(0)) >> 28;

		if (cpu < nr_cpu_ids)
			return map_data(vma, cpu);
	}
	return -EINVAL;
}

static __poll_t ks_poll(struct file *f, struct poll_table_struct *pt)
{
	poll_wait(f, &ks_wait, pt);
	return ks_any_ready() ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations ks_fops = {
	.owner = THIS_MODULE,
	.open = ks_open,
	.release = ks_release,
	.unlocked_ioctl = ks_ioctl,
	.compat_ioctl = ks_ioctl,
	.mmap = ks_mmap,
	.poll = ks_poll,
	.llseek = noop_llseek,
};

static struct miscdevice ks_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kstride",
	.fops = &ks_fops,
	.mode = 0600,
};

int ks_dev_init(void)
{
	return misc_register(&ks_misc);
}

void ks_dev_exit(void)
{
	misc_deregister(&ks_misc);
}
