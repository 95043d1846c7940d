// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net (include/kstride/abi.h, KS_IOC_NET_START): device
 * accesses that no instrumentation saw.
 *
 * Arming.  While a recording has the net on, every mapping of the traced
 * modules' devices is armed: the page-table entries that map it are
 * cleared, so any access faults.  Those mappings are the ioremaps of the
 * memory BARs of the PCI functions the modules bind (a bus notifier sees
 * each bind before the driver's probe runs), whoever makes them, and any
 * ioremap a traced module makes itself.  Before the entries are cleared,
 * an alias of the same physical pages with the same page attributes (so
 * the same memory type) is made in address space reserved when the net
 * starts; kstride.ko and instrumented code reach the device through it,
 * and never fault.  Arming runs where ioremap returns (atomic context),
 * so nothing here allocates page tables then: the reserve's are made at
 * the start.
 *
 * Catching.  A kernel page fault that nothing else resolves reaches
 * fixup_exception(); an ftrace hook there takes the faults on armed pages.
 * kstride.ko decodes the instruction (decode.c): a move is performed
 * through the alias, recorded with its value, context, time and pc in
 * the global order, and skipped; nothing is disarmed, so every CPU keeps
 * faulting on the page and none is taken offline.  Any other instruction
 * runs single-stepped with its page present for that one instruction,
 * and is recorded without a value; an access from another CPU in that
 * window is not seen, and such steps are counted (KS_MF_STEPPED).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/irq_work.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>
#include <asm/traps.h>

#include "mmio.h"
#include "net.h"

static unsigned int net_alias_mb = 128;
module_param(net_alias_mb, uint, 0444);
MODULE_PARM_DESC(net_alias_mb,
		 "address space for the safety net's alias mappings, MiB (128)");

#define NET_MAX_MAP (64ull << 20) /* larger mappings are not armed */
#define NET_APERTURE_MIN (4ull << 20) /* prefetchable BARs this large: VRAM */
#define NET_MAX_RANGES 256
#define NET_MAX_TRACED 64

struct net_range {
	u64 start, end;
};

static struct {
	struct mutex lock; /* start and stop */
	struct file *owner;
	bool on;
	u32 flags;
	unsigned int nmods;
	char mods[KS_NET_MAX_MODS][MODULE_NAME_LEN];
	/* physical ranges whose mappings are armed; append-only while on */
	struct net_range r[NET_MAX_RANGES];
	unsigned int nr;
	/* the prefetchable BARs among them: apertures, not registers */
	struct net_range ap[NET_MAX_RANGES];
	unsigned int nap;
	raw_spinlock_t rlock; /* adding ranges; the traced modules */
	struct module *traced[NET_MAX_TRACED];
	unsigned int ntraced;
	/* the alias reserve */
	u8 *alias;
	u64 alias_pages;
	atomic64_t alias_next;
	unsigned long fixup_addr;
	bool ftrace_on, die_on, bus_on, mod_on;
} net = {
	.lock = __MUTEX_INITIALIZER(net.lock),
	.rlock = __RAW_SPIN_LOCK_UNLOCKED(net.rlock),
};

struct ks_net_counts ks_nst;

void ks_net_count_pio(void)
{
	atomic64_inc(&ks_nst.pio);
}

/* ---- names ---- */

static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') &&
				  (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static bool name_traced(const char *name)
{
	unsigned int i;

	for (i = 0; i < net.nmods; i++)
		if (same_name(net.mods[i], name))
			return true;
	return false;
}

/* ---- which physical ranges ---- */

static bool phys_netted(u64 phys, u64 len)
{
	unsigned int i, n = smp_load_acquire(&net.nr);

	for (i = 0; i < n; i++)
		if (phys < net.r[i].end && net.r[i].start < phys + len)
			return true;
	return false;
}

static void range_add(u64 start, u64 len)
{
	unsigned long flags;
	unsigned int i;

	if (!len)
		return;
	raw_spin_lock_irqsave(&net.rlock, flags);
	for (i = 0; i < net.nr; i++)
		if (net.r[i].start == start && net.r[i].end == start + len)
			goto out;
	if (net.nr < NET_MAX_RANGES) {
		net.r[net.nr].start = start;
		net.r[net.nr].end = start + len;
		smp_store_release(&net.nr, net.nr + 1);
	} else {
		pr_warn_ratelimited("net: more than %d device ranges\n",
				    NET_MAX_RANGES);
	}
out:
	raw_spin_unlock_irqrestore(&net.rlock, flags);
}

/* Called in a kretprobe on ioremap: is a traced module among the callers? */
bool ks_net_caller_traced(void)
{
	unsigned long e[16], flags;
	unsigned int n, i, k;
	bool hit = false;

	if (!READ_ONCE(net.on))
		return false;
	n = stack_trace_save(e, ARRAY_SIZE(e), 0);
	raw_spin_lock_irqsave(&net.rlock, flags);
	for (i = 0; i < n && !hit; i++)
		for (k = 0; k < net.ntraced && !hit; k++)
			hit = within_module(e[i], net.traced[k]);
	raw_spin_unlock_irqrestore(&net.rlock, flags);
	return hit;
}

/* ---- page tables ---- */

u64 ks_ent_size(u8 level)
{
	return level == PG_LEVEL_1G ? PUD_SIZE : level == PG_LEVEL_2M ?
					  PMD_SIZE : PAGE_SIZE;
}

void ks_ent_write(pte_t *p, u8 level, u64 v)
{
	if (level == PG_LEVEL_4K)
		set_pte(p, __pte(v));
	else if (level == PG_LEVEL_2M)
		set_pmd((pmd_t *)p, __pmd(v));
	else
		set_pud((pud_t *)p, __pud(v));
}

/* The PAT memory type of a mapping entry: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC- */
static unsigned int ent_memtype(u64 v, u8 level)
{
	unsigned int idx = (v & _PAGE_PWT ? 1 : 0) | (v & _PAGE_PCD ? 2 : 0);
	u64 pat;

	if (v & (level == PG_LEVEL_4K ? _PAGE_PAT : _PAGE_PAT_LARGE))
		idx |= 4;
	if (!boot_cpu_has(X86_FEATURE_PAT)) {
		static const u8 legacy[4] = { 6, 4, 7, 0 };

		return legacy[idx & 3];
	}
	rdmsrl(MSR_IA32_CR_PAT, pat);
	return (pat >> (8 * idx)) & 7;
}

/* The 4 KiB entry that maps @va, taken from the entry @v of @level. */
static pte_t ent_page(u64 v, u8 level, u64 va)
{
	if (level == PG_LEVEL_4K)
		return __pte(v);
	if (level == PG_LEVEL_2M)
		return pfn_pte(pmd_pfn(__pmd(v)) + ((va & ~PMD_MASK) >> PAGE_SHIFT),
			       pgprot_large_2_4k(__pgprot(pmd_flags(__pmd(v)))));
	return pfn_pte(pud_pfn(__pud(v)) + ((va & ~PUD_MASK) >> PAGE_SHIFT),
		       pgprot_large_2_4k(__pgprot(pud_flags(__pud(v)))));
}

static void flush_local(void *unused)
{
	__flush_tlb_all();
}

static void flush_fn(struct work_struct *w)
{
	on_each_cpu(flush_local, NULL, 1);
}

static DECLARE_WORK(net_flush_work, flush_fn);

static void flush_irq_work(struct irq_work *w)
{
	queue_work(system_wq, &net_flush_work);
}

DEFINE_IRQ_WORK(ks_net_flush_iw, flush_irq_work);

/*
 * Arm @m: alias it, then clear the entries that map it.  Any context;
 * the caller holds the table's lock, and @m is not published yet or is a
 * copy about to be.  The local TLB is flushed; other CPUs' are flushed
 * soon after (a fresh ioremap is in no other CPU's TLB).
 */
static enum ks_net_map net_arm(struct ks_map *m, gfp_t gfp)
{
	u64 start = m->virt & PAGE_MASK, end = PAGE_ALIGN(m->virt + m->len);
	u64 npages = (end - start) >> PAGE_SHIFT, va, first;
	struct ks_armed *a;
	unsigned int n = 0, lvl, k, i;
	u8 *alias;
	pte_t *p;

	if (m->aperture && !(net.flags & KS_NET_WC))
		return KS_NETMAP_MEMTYPE;
	if (m->len > NET_MAX_MAP)
		return KS_NETMAP_LARGE;
	for (va = start; va < end; n++) {
		p = lookup_address(va, &lvl);
		if (!p || !(pte_val(*p) & _PAGE_PRESENT) || lvl > PG_LEVEL_1G)
			return KS_NETMAP_NOMEM;
		if (!(net.flags & KS_NET_WC)) {
			unsigned int t = ent_memtype(pte_val(*p), lvl);

			if (t == 1 || t == 5 || t == 6)
				return KS_NETMAP_MEMTYPE;
		}
		va = (va & ~(ks_ent_size(lvl) - 1)) + ks_ent_size(lvl);
	}
	if (!net.alias)
		return KS_NETMAP_NOSPACE;
	first = atomic64_fetch_add(npages, &net.alias_next);
	if (first + npages > net.alias_pages)
		return KS_NETMAP_NOSPACE;
	a = ks_counted(kmalloc(struct_size(a, e, n), gfp));
	if (!a)
		return KS_NETMAP_NOMEM;
	alias = net.alias + (first << PAGE_SHIFT);
	for (i = 0; i < npages; i++) {
		unsigned int alvl;
		pte_t *ap = lookup_address((unsigned long)alias + i * PAGE_SIZE,
					   &alvl);

		va = start + i * PAGE_SIZE;
		p = lookup_address(va, &lvl);
		if (!ap || alvl != PG_LEVEL_4K) {
			ks_uncount(a);
			kfree(a);
			return KS_NETMAP_NOMEM;
		}
		set_pte(ap, ent_page(pte_val(*p), lvl, va));
	}
	for (va = start, k = 0; va < end && k < n; k++) {
		p = lookup_address(va, &lvl);
		a->e[k].va = va & ~(ks_ent_size(lvl) - 1);
		a->e[k].level = lvl;
		a->e[k].old = pte_val(*p);
		ks_ent_write(p, lvl, 0);
		va = a->e[k].va + ks_ent_size(lvl);
	}
	a->n = k;
	__flush_tlb_all();
	irq_work_queue(&ks_net_flush_iw);
	m->alias = (u64)alias + (m->virt - start);
	m->arm = a;
	return KS_NETMAP_ARMED;
}

/* Put back what net_arm() cleared.  Any context. */
static void net_disarm(struct ks_armed *a)
{
	unsigned int k, lvl;

	for (k = 0; k < a->n; k++) {
		pte_t *p = lookup_address(a->e[k].va, &lvl);

		if (p && lvl == a->e[k].level)
			ks_ent_write(p, lvl, a->e[k].old);
	}
}

/* Does the kernel's page table map @virt to @phys (an ioremap's page)? */
bool ks_virt_maps_phys(u64 virt, u64 phys)
{
	unsigned int lvl;
	pte_t *p = lookup_address(virt, &lvl);

	if (!p || !(pte_val(*p) & _PAGE_PRESENT) || lvl > PG_LEVEL_1G)
		return false;
	return pte_pfn(ent_page(pte_val(*p), lvl, virt)) == phys >> PAGE_SHIFT;
}

/*
 * Is the mapping memory rather than registers (VRAM, a framebuffer)?  Its
 * memory type says so (write-combining, cached), or the BAR it maps does:
 * a prefetchable BAR has no side effects on reads, which registers have
 * (bochs maps its VRAM with a plain ioremap).
 */
bool ks_net_is_aperture(u64 virt, u64 phys, u64 len)
{
	unsigned int lvl, t, i, n = smp_load_acquire(&net.nap);
	pte_t *p = lookup_address(virt, &lvl);

	for (i = 0; i < n; i++)
		if (phys < net.ap[i].end && net.ap[i].start < phys + len)
			return true;
	if (!p || !(pte_val(*p) & _PAGE_PRESENT))
		return false;
	t = ent_memtype(pte_val(*p), lvl);
	return t == 1 || t == 5 || t == 6;
}

static bool wanted(const struct ks_map *m, bool by_traced)
{
	return by_traced || phys_netted(m->phys, m->len);
}

void ks_net_map_added(struct ks_map *m, bool by_traced, gfp_t gfp)
{
	m->net = KS_NETMAP_OFF;
	m->alias = 0;
	m->arm = NULL;
	if (!READ_ONCE(net.on) || !wanted(m, by_traced))
		return;
	if (by_traced)
		range_add(m->phys, m->len);
	m->net = net_arm(m, gfp);
	if (m->net == KS_NETMAP_ARMED)
		atomic64_inc(&ks_nst.armed);
	else
		atomic64_inc(&ks_nst.not_armed[m->net]);
}

void ks_net_map_removed(const struct ks_map *m)
{
	if (!m->arm)
		return;
	net_disarm(m->arm);
	ks_uncount(m->arm);
	kfree_rcu(m->arm, rcu);
}

/* ---- devices and modules ---- */

static void pci_add(struct pci_dev *pdev)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < PCI_NUM_RESOURCES; i++) {
		if (pci_resource_flags(pdev, i) & IORESOURCE_MEM)
			range_add(pci_resource_start(pdev, i),
				  pci_resource_len(pdev, i));
		/*
		 * A large prefetchable BAR is memory: VRAM.  Small ones may
		 * be registers that say prefetchable (QEMU's virtio-pci
		 * modern BAR does).
		 */
		if ((pci_resource_flags(pdev, i) &
		     (IORESOURCE_MEM | IORESOURCE_PREFETCH)) ==
		    (IORESOURCE_MEM | IORESOURCE_PREFETCH) &&
		    pci_resource_len(pdev, i) >= NET_APERTURE_MIN) {
			raw_spin_lock_irqsave(&net.rlock, flags);
			if (net.nap < NET_MAX_RANGES) {
				net.ap[net.nap].start = pci_resource_start(pdev, i);
				net.ap[net.nap].end = pci_resource_start(pdev, i) +
						      pci_resource_len(pdev, i);
				smp_store_release(&net.nap, net.nap + 1);
			}
			raw_spin_unlock_irqrestore(&net.rlock, flags);
		}
		if (!(pci_resource_flags(pdev, i) & IORESOURCE_IO))
			continue;
		raw_spin_lock_irqsave(&net.rlock, flags);
		ks_net_pio_range(pci_resource_start(pdev, i),
				 pci_resource_len(pdev, i));
		raw_spin_unlock_irqrestore(&net.rlock, flags);
	}
	atomic64_inc(&ks_nst.devices);
}

long ks_net_pio(struct file *f, struct ks_net_pio __user *arg)
{
	struct ks_net_pio np;
	unsigned int refused = 0;
	u64 *addrs;
	long err;

	if (copy_from_user(&np, arg, sizeof(np)))
		return -EFAULT;
	if (!np.n || np.n > KS_NET_PIO_MAX)
		return -EINVAL;
	addrs = kvmalloc_array(np.n, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	if (copy_from_user(addrs, u64_to_user_ptr(np.addrs),
			   np.n * sizeof(*addrs))) {
		kvfree(addrs);
		return -EFAULT;
	}
	mutex_lock(&net.lock);
	err = net.owner == f ? ks_net_pio_watch(addrs, np.n, &refused) : -EINVAL;
	mutex_unlock(&net.lock);
	kvfree(addrs);
	if (err)
		return err;
	atomic64_add(np.n - refused, &ks_nst.pio_watched);
	atomic64_add(refused, &ks_nst.pio_refused);
	np.refused = refused;
	return copy_to_user(arg, &np, sizeof(np)) ? -EFAULT : 0;
}

static bool arm_existing(struct ks_map *m, void *arg)
{
	if (m->net != KS_NETMAP_OFF || !wanted(m, false))
		return false;
	/* a BAR now known to be prefetchable makes it an aperture */
	m->aperture = ks_net_is_aperture(m->virt, m->phys, m->len);
	ks_net_map_added(m, false, GFP_ATOMIC);
	return true;
}

static bool disarm_all(struct ks_map *m, void *arg)
{
	if (m->arm) {
		net_disarm(m->arm);
		ks_uncount(m->arm);
		kfree_rcu(m->arm, rcu);
	}
	m->arm = NULL;
	m->alias = 0;
	return false;
}

static int net_bus(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;

	/* before the driver's probe, which maps the device */
	if (action != BUS_NOTIFY_BIND_DRIVER || !READ_ONCE(net.on) ||
	    !dev->driver || !dev->driver->owner ||
	    !name_traced(dev->driver->owner->name))
		return NOTIFY_DONE;
	pci_add(to_pci_dev(dev));
	ks_maps_each(arm_existing, NULL);
	on_each_cpu(flush_local, NULL, 1);
	return NOTIFY_DONE;
}

static struct notifier_block net_bus_nb = { .notifier_call = net_bus };

/*
 * A PCI function's driver may make child devices on buses of their own (a
 * virtio device on virtio-pci, auxiliary devices, MFD cells) and drive the
 * hardware for their drivers: when a traced module's driver binds a
 * direct child of a PCI function, that function is a traced device, as if
 * the module had bound it.  One notifier block per bus: a block sits on
 * one chain only.
 */
#define NET_MAX_BUSES 8
static struct {
	const void *bus; /* struct bus_type, const from 6.4 on */
	struct notifier_block nb;
} child_bus[NET_MAX_BUSES];
static unsigned int nchild_bus;

static bool child_traced(const struct device *dev)
{
	return dev->driver && dev->driver->owner &&
	       name_traced(dev->driver->owner->name) && dev->parent &&
	       dev_is_pci(dev->parent);
}

static int net_child_bus(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct device *dev = data;

	/* before the child's probe, which asks its parent's driver for I/O */
	if (action != BUS_NOTIFY_BIND_DRIVER || !READ_ONCE(net.on) ||
	    !child_traced(dev))
		return NOTIFY_DONE;
	/* a traced parent driver: net_bus() has the function already */
	if (dev->parent->driver && dev->parent->driver->owner &&
	    name_traced(dev->parent->driver->owner->name))
		return NOTIFY_DONE;
	pci_add(to_pci_dev(dev->parent));
	ks_maps_each(arm_existing, NULL);
	on_each_cpu(flush_local, NULL, 1);
	return NOTIFY_DONE;
}

/* For each child of a PCI function: watch its bus; say if it is traced. */
static int watch_child(struct device *child, void *traced)
{
	const void *bus = child->bus;
	unsigned int i;

	if (child_traced(child))
		*(bool *)traced = true;
	if (!bus || bus == &pci_bus_type)
		return 0;
	for (i = 0; i < nchild_bus; i++)
		if (child_bus[i].bus == bus)
			return 0;
	if (nchild_bus >= NET_MAX_BUSES)
		return 0;
	child_bus[nchild_bus].nb.notifier_call = net_child_bus;
	if (bus_register_notifier((void *)bus, &child_bus[nchild_bus].nb))
		return 0;
	child_bus[nchild_bus++].bus = bus;
	return 0;
}

static void unwatch_children(void)
{
	while (nchild_bus) {
		nchild_bus--;
		bus_unregister_notifier((void *)child_bus[nchild_bus].bus,
					&child_bus[nchild_bus].nb);
	}
}

static int net_module(struct notifier_block *nb, unsigned long action,
		      void *data)
{
	struct module *mod = data;
	unsigned long flags;
	unsigned int i;

	if (!name_traced(mod->name))
		return NOTIFY_DONE;
	raw_spin_lock_irqsave(&net.rlock, flags);
	for (i = 0; i < net.ntraced && net.traced[i] != mod; i++)
		;
	if (action == MODULE_STATE_COMING && i == net.ntraced &&
	    net.ntraced < NET_MAX_TRACED)
		net.traced[net.ntraced++] = mod;
	if (action == MODULE_STATE_GOING && i < net.ntraced)
		net.traced[i] = net.traced[--net.ntraced];
	raw_spin_unlock_irqrestore(&net.rlock, flags);
	return NOTIFY_DONE;
}

static struct notifier_block net_mod_nb = { .notifier_call = net_module };

/* ---- start and stop ---- */

static int alias_reserve(void)
{
	u64 n = (u64)net_alias_mb << (20 - PAGE_SHIFT), i;
	unsigned long *pfns;
	/* a page frame no RAM has: the top of physical space */
	unsigned long none = (1ul << (boot_cpu_data.x86_phys_bits - PAGE_SHIFT)) - 1;

	if (!n || n > (4ull << (30 - PAGE_SHIFT)))
		return -EINVAL;
	pfns = kvmalloc_array(n, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pfns[i] = none;
	/* not present: the page tables are what we want now */
	net.alias = vmap_pfn(pfns, n, PAGE_NONE);
	kvfree(pfns);
	if (!net.alias)
		return -ENOMEM;
	net.alias_pages = n;
	atomic64_set(&net.alias_next, 0);
	return 0;
}

static unsigned long symbol_addr(const char *name)
{
	struct kprobe kp = { .symbol_name = name, .flags = KPROBE_FLAG_DISABLED };
	unsigned long a;

	if (register_kprobe(&kp))
		return 0;
	a = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return a;
}

static void net_teardown(void)
{
	if (net.bus_on)
		bus_unregister_notifier(&pci_bus_type, &net_bus_nb);
	unwatch_children();
	if (net.mod_on)
		unregister_module_notifier(&net_mod_nb);
	net.bus_on = net.mod_on = false;
	WRITE_ONCE(net.on, false);
	/* every armed mapping back as it was, then nobody faults on them */
	ks_maps_each(disarm_all, NULL);
	synchronize_rcu();
	if (net.ftrace_on) {
		unregister_ftrace_function(&ks_net_ops);
		ftrace_set_filter_ip(&ks_net_ops, net.fixup_addr, 1, 0);
	}
	ks_net_pio_unwatch();
	if (net.die_on)
		unregister_die_notifier(&ks_net_die_nb);
	net.ftrace_on = net.die_on = false;
	irq_work_sync(&ks_net_flush_iw);
	flush_work(&net_flush_work);
	if (net.alias)
		vunmap(net.alias);
	net.alias = NULL;
	net.nr = net.nap = net.ntraced = net.nmods = 0;
	net.owner = NULL;
}

long ks_net_start(struct file *f, const struct ks_net_start *ns)
{
	struct pci_dev *pdev = NULL;
	unsigned int i;
	long err;

	if (ns->nmods > KS_NET_MAX_MODS || (ns->flags & ~KS_NET_WC))
		return -EINVAL;
	for (i = 0; i < ns->nmods; i++)
		if (!strnlen(ns->mods[i], sizeof(ns->mods[i])) ||
		    strnlen(ns->mods[i], sizeof(ns->mods[i])) >= MODULE_NAME_LEN)
			return -EINVAL;
	if (!ks_mmio_ready())
		return -EOPNOTSUPP;
	mutex_lock(&net.lock);
	if (net.owner) {
		mutex_unlock(&net.lock);
		return -EBUSY;
	}
	memset(&ks_nst, 0, sizeof(ks_nst));
	net.flags = ns->flags;
	net.nmods = ns->nmods;
	for (i = 0; i < ns->nmods; i++)
		strscpy(net.mods[i], ns->mods[i], sizeof(net.mods[i]));
	net.owner = f;
	err = alias_reserve();
	if (err)
		goto fail;
	net.fixup_addr = symbol_addr("fixup_exception");
	err = net.fixup_addr ? ftrace_set_filter_ip(&ks_net_ops, net.fixup_addr,
						    0, 0) : -ENOENT;
	if (!err) {
		err = register_ftrace_function(&ks_net_ops);
		if (err)
			ftrace_set_filter_ip(&ks_net_ops, net.fixup_addr, 1, 0);
	}
	if (err) {
		pr_warn("net: cannot hook fixup_exception (%ld)\n", err);
		goto fail;
	}
	net.ftrace_on = true;
	err = register_die_notifier(&ks_net_die_nb);
	if (err)
		goto fail;
	net.die_on = true;
	err = register_module_notifier(&net_mod_nb);
	if (err)
		goto fail;
	net.mod_on = true;
	WRITE_ONCE(net.on, true);
	err = bus_register_notifier(&pci_bus_type, &net_bus_nb);
	if (err)
		goto fail;
	net.bus_on = true;
	/* functions bound already, to a traced module, or with such a child */
	for_each_pci_dev(pdev) {
		bool traced = pdev->dev.driver && pdev->dev.driver->owner &&
			      name_traced(pdev->dev.driver->owner->name);

		device_for_each_child(&pdev->dev, &traced, watch_child);
		if (traced)
			pci_add(pdev);
	}
	ks_maps_each(arm_existing, NULL);
	on_each_cpu(flush_local, NULL, 1);
	mutex_unlock(&net.lock);
	pr_info("net: on for %u modules, %llu MiB of alias space\n",
		ns->nmods, net.alias_pages >> (20 - PAGE_SHIFT));
	return 0;

fail:
	net_teardown();
	mutex_unlock(&net.lock);
	return err;
}

static void stats_of(struct ks_net_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->armed = atomic64_read(&ks_nst.armed);
	for (i = 0; i < ARRAY_SIZE(st->not_armed); i++)
		st->not_armed[i] = atomic64_read(&ks_nst.not_armed[i]);
	st->emulated = atomic64_read(&ks_nst.emulated);
	st->stepped = atomic64_read(&ks_nst.stepped);
	st->own = atomic64_read(&ks_nst.own);
	st->own_expected = atomic64_read(&ks_nst.own_expected);
	st->overlap = atomic64_read(&ks_nst.overlap);
	st->devices = atomic64_read(&ks_nst.devices);
	st->pio = atomic64_read(&ks_nst.pio);
	st->pio_watched = atomic64_read(&ks_nst.pio_watched);
	st->pio_refused = atomic64_read(&ks_nst.pio_refused);
}

long ks_net_stop(struct file *f, struct ks_net_stats *st)
{
	mutex_lock(&net.lock);
	if (net.owner != f) {
		mutex_unlock(&net.lock);
		return -EINVAL;
	}
	net_teardown();
	stats_of(st);
	mutex_unlock(&net.lock);
	pr_info("net: off: %llu mappings armed, %llu accesses caught, %llu stepped\n",
		st->armed, st->emulated, st->stepped);
	return 0;
}

void ks_net_release(struct file *f)
{
	mutex_lock(&net.lock);
	if (net.owner == f)
		net_teardown();
	mutex_unlock(&net.lock);
}

int ks_net_init(void)
{
	return 0;
}

void ks_net_exit(void)
{
	mutex_lock(&net.lock);
	if (net.owner)
		net_teardown();
	mutex_unlock(&net.lock);
}
