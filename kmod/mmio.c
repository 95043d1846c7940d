// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO mode (include/kstride/abi.h, part 5): which virtual addresses are
 * device memory, and the C side of the stubs in kmmio.S.
 *
 * Mappings.  Every ioremap in the kernel while kstride.ko is loaded is
 * seen by kretprobes on the ioremap family (each variant calls the same
 * internal function once), every iounmap by a kprobe; ones that existed
 * before come from the reader (KS_IOC_ADD_MAP, out of /proc/vmallocinfo).
 * Each gets an id and a MAP record.  The table is a sorted array replaced
 * under a lock and read under RCU-sched, from any context; the granule
 * bitmap is set before a new mapping is handed to its caller.
 *
 * Accesses.  A stub performs the access itself, exactly once and at the
 * instruction's width (device reads have side effects), so the value it
 * records is the value the device gave or got.  Interrupts are off from
 * the access to its record: a device that interrupts at once (a doorbell
 * write) has its handler's accesses recorded after the write, on the same
 * CPU, as the device saw them.  Accessor calls are
 * performed access by access, in the order and widths the kernel's own
 * accessors use on x86, so a device sees the same traffic as without
 * kstride.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/msr.h>

#include "kstride.h"
#include "mmio.h"

#define IOMAP_BITS (8ul << 21) /* kmmio.S: 2 MiB of bitmap */
#define MAX_MAPS 8192

struct ks_maps {
	struct rcu_head rcu;
	unsigned int n;
	struct ks_map m[];
};

static struct ks_maps __rcu *maps;
static DEFINE_RAW_SPINLOCK(maps_lock);
static atomic_t next_id;
static u64 iomap_nbits; /* granules the bitmap covers, once set up */
static bool mmio_ready;

bool ks_mmio_ready(void)
{
	return mmio_ready;
}

/* ---- the table ---- */

/* Under RCU-sched (preemption off): the mapping holding @addr. */
const struct ks_map *ks_map_find(u64 addr)
{
	struct ks_maps *ms = rcu_dereference_sched(maps);
	unsigned int lo = 0, hi;

	if (!ms)
		return NULL;
	hi = ms->n;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (ms->m[mid].virt <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - ms->m[lo - 1].virt >= ms->m[lo - 1].len)
		return NULL;
	return &ms->m[lo - 1];
}

/* Bits of the granules [virt, virt + len) overlaps; under maps_lock. */
static void granules_update(const struct ks_maps *ms, u64 virt, u64 len)
{
	u64 base = __kstride_iomap_base, nbits = iomap_nbits;
	u64 g, g0 = (virt >> KS_IOMAP_SHIFT) - base;
	u64 g1 = ((virt + len - 1) >> KS_IOMAP_SHIFT) - base;

	for (g = g0; g <= g1 && g < nbits; g++) {
		u64 lo = (g + base) << KS_IOMAP_SHIFT;
		u64 hi = lo + (1ull << KS_IOMAP_SHIFT);
		unsigned int a = 0, b = ms ? ms->n : 0;
		bool used;

		/* sorted, disjoint: the first that ends above lo, if any */
		while (a < b) {
			unsigned int mid = (a + b) / 2;

			if (ms->m[mid].virt + ms->m[mid].len <= lo)
				a = mid + 1;
			else
				b = mid;
		}
		used = ms && a < ms->n && ms->m[a].virt < hi;
		if (used)
			set_bit(g, (unsigned long *)__kstride_iomap);
		else
			clear_bit(g, (unsigned long *)__kstride_iomap);
	}
}

static const struct ks_map *map_find(u64 addr)
{
	return ks_map_find(addr);
}

static void emit_map(const struct ks_map *m)
{
	u64 v[KS_MAP_SLOTS] = { rdtsc(), m->phys, m->virt, m->len,
		     m->id | (u64)(m->net | (m->aperture ? KS_MAP_APERTURE : 0)) << 32 };

	ks_emit(&ks_map_region, v, KS_MAP_SLOTS);
}

static void emit_unmap(const struct ks_map *m)
{
	u64 v[KS_MAP_SLOTS] = { rdtsc(), m->virt, m->id, 0, 0 };

	ks_emit(&ks_unmap_region, v, KS_MAP_SLOTS);
}

/*
 * Mappings that could not be tracked (no memory, the table full): their
 * accesses would go unrecorded, so it is said, once, and counted.
 */
static atomic_t map_failures;

static void map_fail(bool add)
{
	if (add && atomic_inc_return(&map_failures) == 1)
		pr_warn("an ioremap could not be tracked (no memory, or %d mappings): accesses to it are not recorded\n",
			MAX_MAPS);
}

/*
 * A new table without the mappings that overlap [virt, virt + len) (an
 * unmap, or one we missed), and with a new one there if @add.
 */
static int map_change(u64 virt, u64 len, u64 phys, bool add, bool by_traced,
		      gfp_t gfp)
{
	struct ks_maps *old, *new = NULL;
	struct ks_map nm = { .virt = virt, .len = len, .phys = phys };
	unsigned long flags;
	unsigned int i, n = 0, room = 0;
	int err = 0;

	/* allocated before the lock, which keeps interrupts off */
	for (;;) {
		rcu_read_lock_sched_notrace();
		old = rcu_dereference_sched(maps);
		n = old ? old->n : 0;
		rcu_read_unlock_sched_notrace();
		if (n + 1 > room) {
			ks_uncount(new);
			kfree(new);
			room = n + 8;
			new = ks_counted(kmalloc(struct_size(new, m, room), gfp));
			if (!new) {
				map_fail(add);
				return -ENOMEM;
			}
		}
		raw_spin_lock_irqsave(&maps_lock, flags);
		old = rcu_dereference_protected(maps, lockdep_is_held(&maps_lock));
		if ((old ? old->n : 0) + 1 <= room)
			break;
		raw_spin_unlock_irqrestore(&maps_lock, flags); /* it grew: again */
	}
	n = 0;
	/* known already (a reader seeds what it finds): say it again */
	for (i = 0; add && old && i < old->n; i++) {
		if (old->m[i].virt == virt && old->m[i].len == len &&
		    old->m[i].phys == phys) {
			emit_map(&old->m[i]);
			goto out;
		}
	}
	if (add && old && old->n >= MAX_MAPS) {
		err = -ENOSPC;
		map_fail(add);
		goto out;
	}
	for (i = 0; old && i < old->n; i++) {
		const struct ks_map *m = &old->m[i];

		if (m->virt < virt + len && virt < m->virt + m->len) {
			ks_net_map_removed(m);
			emit_unmap(m);
			continue;
		}
		new->m[n++] = *m;
	}
	if (add) {
		/* sorted by address: insert before the first one above */
		for (i = 0; i < n && new->m[i].virt < virt; i++)
			;
		memmove(&new->m[i + 1], &new->m[i], (n - i) * sizeof(nm));
		nm.id = atomic_inc_return(&next_id);
		nm.aperture = ks_net_is_aperture(virt, phys, len);
		/* armed before anyone can use it: its ioremap has not returned */
		ks_net_map_added(&nm, by_traced, GFP_ATOMIC);
		new->m[i] = nm;
		n++;
	}
	new->n = n;
	/* the bits first: nobody can use a mapping before ioremap returns */
	granules_update(new, virt, len);
	if (add && ((virt + len - 1) >> KS_IOMAP_SHIFT) - __kstride_iomap_base >=
		   iomap_nbits)
		pr_warn_ratelimited("ioremap %#llx+%#llx lies above the inline checks' window: only the safety net sees its accesses\n",
				    virt, len);
	rcu_assign_pointer(maps, new);
	new = NULL;
	if (old) {
		ks_uncount(old);
		kfree_rcu(old, rcu);
	}
	if (add)
		emit_map(&nm);
out:
	raw_spin_unlock_irqrestore(&maps_lock, flags);
	ks_uncount(new);
	kfree(new);
	return err;
}

long ks_add_map(const struct ks_add_map *am)
{
	/* an ioremap of more than 64 GiB is no ioremap */
	if (!am->len || am->len > (1ull << 36) || am->virt + am->len < am->virt ||
	    am->phys + am->len < am->phys || !is_vmalloc_addr((void *)am->virt) ||
	    !is_vmalloc_addr((void *)(am->virt + am->len - 1)))
		return -EINVAL;
	/* an ioremap: its first and last pages map what the reader says */
	if (!ks_virt_maps_phys(am->virt, am->phys) ||
	    !ks_virt_maps_phys(am->virt + am->len - 1, am->phys + am->len - 1))
		return -EINVAL;
	return map_change(am->virt, am->len, am->phys, true, false, GFP_KERNEL);
}

void ks_maps_each(bool (*fn)(struct ks_map *m, void *arg), void *arg)
{
	struct ks_maps *old, *new;
	unsigned long flags;
	size_t sz;

	might_sleep();
	for (;;) {
		unsigned int n;

		rcu_read_lock_sched();
		old = rcu_dereference_sched(maps);
		n = old ? old->n : 0;
		rcu_read_unlock_sched();
		sz = struct_size(new, m, n);
		new = ks_counted(kmalloc(sz, GFP_KERNEL));
		if (!new)
			return;
		raw_spin_lock_irqsave(&maps_lock, flags);
		old = rcu_dereference_protected(maps, lockdep_is_held(&maps_lock));
		if ((old ? old->n : 0) == n)
			break;
		raw_spin_unlock_irqrestore(&maps_lock, flags);
		ks_uncount(new);
		kfree(new); /* it changed meanwhile: again */
	}
	new->n = old ? old->n : 0;
	if (old)
		memcpy(new->m, old->m, new->n * sizeof(new->m[0]));
	for (unsigned int i = 0; i < new->n; i++)
		if (fn(&new->m[i], arg))
			emit_map(&new->m[i]); /* what the net does with it now */
	rcu_assign_pointer(maps, new);
	raw_spin_unlock_irqrestore(&maps_lock, flags);
	if (old) {
		ks_uncount(old);
		kfree_rcu(old, rcu);
	}
}

/* ---- the ioremap family ---- */

struct ioremap_args {
	u64 phys, size;
	bool by_traced; /* called on behalf of a module the net covers */
};

static int ioremap_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ioremap_args *a = (void *)ri->data;

	a->phys = regs->di;
	a->size = regs->si;
	a->by_traced = ks_net_caller_traced();
	return 0;
}

static int ioremap_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ioremap_args *a = (void *)ri->data;
	u64 virt = regs_return_value(regs);

	if (virt && a->size && is_vmalloc_addr((void *)virt))
		map_change(virt, a->size, a->phys, true, a->by_traced,
			   GFP_ATOMIC);
	return 0;
}

static int iounmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	u64 virt = regs->di;
	const struct ks_map *m;
	u64 start = 0, len = 0;

	rcu_read_lock_sched_notrace();
	m = map_find(virt);
	if (m) {
		start = m->virt;
		len = m->len;
	}
	rcu_read_unlock_sched_notrace();
	if (len)
		map_change(start, len, 0, false, false, GFP_ATOMIC);
	return 0;
}

#define KRP(sym) {							\
	.kp.symbol_name = sym,						\
	.entry_handler = ioremap_entry,					\
	.handler = ioremap_ret,						\
	.data_size = sizeof(struct ioremap_args),			\
	.maxactive = 64,						\
}

static struct kretprobe krps[] = {
	KRP("ioremap"), KRP("ioremap_uc"), KRP("ioremap_wc"), KRP("ioremap_wt"),
	KRP("ioremap_cache"), KRP("ioremap_prot"), KRP("ioremap_encrypted"),
};

static bool krp_on[ARRAY_SIZE(krps)];

static struct kprobe kp_iounmap = {
	.symbol_name = "iounmap",
	.pre_handler = iounmap_pre,
};

static bool kp_on;

/* ---- accesses ---- */

static u64 *reg_of(struct ks_mregs *r, unsigned int n)
{
	u64 *const v[16] = { &r->ax, &r->cx, &r->dx, &r->bx, NULL, &r->bp,
			     &r->si, &r->di, &r->r8, &r->r9, &r->r10, &r->r11,
			     &r->r12, &r->r13, &r->r14, &r->r15 };

	return n < 16 ? v[n] : NULL;
}

static u64 reg_val(struct ks_mregs *r, unsigned int n)
{
	u64 *p = reg_of(r, n);

	if (n == 4)
		return (u64)&r->msite + 8; /* %rsp before the stub's call */
	return p ? *p : 0;
}


static const struct ks_region *region_of(const struct ks_msite *ms)
{
	return (const void *)((const u8 *)&ms->region + ms->region);
}

u64 ks_io_read(u64 addr, unsigned int size)
{
	void __iomem *p = (void __iomem *)addr;

	switch (size) {
	case 1:
		return readb(p);
	case 2:
		return readw(p);
	case 4:
		return readl(p);
	default:
		return readq(p);
	}
}

void ks_io_write(u64 addr, u64 v, unsigned int size)
{
	void __iomem *p = (void __iomem *)addr;

	switch (size) {
	case 1:
		writeb(v, p);
		break;
	case 2:
		writew(v, p);
		break;
	case 4:
		writel(v, p);
		break;
	default:
		writeq(v, p);
		break;
	}
}

u64 ks_port_in(u16 port, unsigned int size)
{
	switch (size) {
	case 1:
		return inb(port);
	case 2:
		return inw(port);
	default:
		return inl(port);
	}
}

void ks_port_out(u16 port, u64 v, unsigned int size)
{
	switch (size) {
	case 1:
		outb(v, port);
		break;
	case 2:
		outw(v, port);
		break;
	default:
		outl(v, port);
		break;
	}
}

/*
 * Traced device accesses are serialised, and each record takes the next
 * sequence number while the lock is held: the numbers' order is the order
 * in which the devices saw the accesses, across CPUs.  Interrupts are off
 * meanwhile.  An NMI that finds the lock taken (by the CPU it interrupted,
 * or by another) goes without it, and its records carry no number (0).
 */
static DEFINE_RAW_SPINLOCK(ks_order_lock);
static u64 ks_order_seq; /* under ks_order_lock */
static DEFINE_PER_CPU(bool, ks_order_held); /* by this CPU's current level */

/*
 * order=0 turns the global order off (records then carry no sequence
 * numbers, and mmiotrace merges CPUs by time): for measuring what the
 * lock costs (tests/vm/scenarios/mmio-edu.sh), and for machines where
 * serialising every traced device access is too dear.
 */
static bool order = true;
module_param(order, bool, 0644);
MODULE_PARM_DESC(order, "serialise traced device accesses for their global order (1)");

void ks_order_begin(struct ks_order *o)
{
	local_irq_save(o->flags);
	o->prev = this_cpu_read(ks_order_held);
	if (!READ_ONCE(order) && !o->prev) {
		o->locked = false; /* interrupts off, no number */
		return;
	}
	if (o->prev) {
		/* this CPU holds it already: the net caught our own access,
		 * or an NMI came in between; nobody else can take it now */
		o->locked = false;
		return;
	}
	if (in_nmi())
		o->locked = raw_spin_trylock(&ks_order_lock);
	else
		o->locked = (raw_spin_lock(&ks_order_lock), true);
	this_cpu_write(ks_order_held, o->locked);
}

void ks_order_end(struct ks_order *o)
{
	if (o->locked)
		raw_spin_unlock(&ks_order_lock);
	this_cpu_write(ks_order_held, o->prev);
	local_irq_restore(o->flags);
}

/* Who makes the access, for KS_MF_CTX: an interrupt handler or a task. */
static u32 ctx_bits(void)
{
	u32 c = in_nmi() ? 4 : in_hardirq() ? 3 : in_serving_softirq() ? 2 : 1;

	return c << KS_MF_CTX_SHIFT;
}

void ks_emit_dev(const struct ks_region *reg, u64 phys, u64 v, u64 virt,
		 u32 id, u32 fl, u64 pc, const u64 *tail, unsigned int ntail)
{
	u64 s[KS_NET_SLOTS] = { rdtsc(), phys, v, virt,
				id | (u64)(fl | ctx_bits()) << 32,
				this_cpu_read(ks_order_held) ? ++ks_order_seq : 0,
				pc };
	unsigned int n = min_t(unsigned int, reg->nslots, KS_MMIO_SLOTS);

	BUILD_BUG_ON(KS_NET_SLOTS < KS_MMIO_SLOTS);
	if (ntail && n == KS_MMIO_SLOTS) {
		ntail = min_t(unsigned int, ntail, KS_NET_SLOTS - KS_MMIO_SLOTS);
		memcpy(s + KS_MMIO_SLOTS, tail, ntail * 8);
		n = min_t(unsigned int, reg->nslots, KS_MMIO_SLOTS + ntail);
	}
	/* as many slots as its region has room for (older modules: 5, 6) */
	ks_emit(reg, s, n);
}

static void emit_access(const struct ks_msite *ms, u64 phys, u64 v, u64 virt,
			u32 id, u32 fl)
{
	ks_emit_dev(region_of(ms), phys, v, virt, id, fl,
		    ms->pc ? (u64)&ms->pc + ms->pc : 0, NULL, 0);
}

/*
 * Apertures (abi.h, KS_MMIO_COUNT_APERTURES): counted instead of recorded
 * while the recorder that asked has /dev/kstride open.
 */
static struct file *ap_owner;
static bool ap_count;
static DEFINE_PER_CPU(u64, ap_reads);
static DEFINE_PER_CPU(u64, ap_writes);
static DEFINE_PER_CPU(u64, ap_bytes);
static DEFINE_MUTEX(ap_lock);

/* true if the access to @m is counted, not recorded (interrupts off) */
static bool ap_counted(const struct ks_map *m, u32 fl)
{
	if (!m || !m->aperture || !READ_ONCE(ap_count))
		return false;
	if (fl & KS_MF_WRITE)
		this_cpu_inc(ap_writes);
	else
		this_cpu_inc(ap_reads);
	this_cpu_add(ap_bytes, fl & KS_MF_WIDTH);
	return true;
}

long ks_mmio_opts(struct file *f, const struct ks_mmio_opts *o)
{
	int cpu;

	if (o->reserved || (o->flags & ~KS_MMIO_COUNT_APERTURES))
		return -EINVAL;
	mutex_lock(&ap_lock);
	if (ap_owner && ap_owner != f) {
		mutex_unlock(&ap_lock);
		return -EBUSY;
	}
	ap_owner = o->flags ? f : NULL;
	for_each_possible_cpu(cpu) {
		per_cpu(ap_reads, cpu) = 0;
		per_cpu(ap_writes, cpu) = 0;
		per_cpu(ap_bytes, cpu) = 0;
	}
	WRITE_ONCE(ap_count, !!(o->flags & KS_MMIO_COUNT_APERTURES));
	mutex_unlock(&ap_lock);
	return 0;
}

void ks_mmio_aperture_stats(struct ks_aperture_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		st->reads += per_cpu(ap_reads, cpu);
		st->writes += per_cpu(ap_writes, cpu);
		st->bytes += per_cpu(ap_bytes, cpu);
	}
}

void ks_mmio_release(struct file *f)
{
	mutex_lock(&ap_lock);
	if (ap_owner == f) {
		ap_owner = NULL;
		WRITE_ONCE(ap_count, false);
	}
	mutex_unlock(&ap_lock);
}

/* Where kstride.ko reaches memory @addr (interrupts off). */
u64 ks_io_of(u64 addr)
{
	return ks_map_io(map_find(addr), addr);
}

/* An accessor's token: ports as they are, memory through its alias. */
u64 ks_token_io(u64 addr)
{
	if (addr < PIO_RESERVED && addr > PIO_OFFSET)
		return addr;
	return ks_io_of(addr);
}

/*
 * One access of an accessor to @addr: a port token or memory; memory that
 * no mapping knows is recorded too, flagged, since the module said so.
 */
void ks_rec_token(const struct ks_msite *ms, u64 addr, u64 v, u32 fl)
{
	const struct ks_map *m;

	/* the caller keeps interrupts off since the access */
	if (addr < PIO_RESERVED && addr > PIO_OFFSET) {
		emit_access(ms, addr & PIO_MASK, v, addr, 0, fl | KS_MF_PORT);
		return;
	}
	m = map_find(addr);
	if (ap_counted(m, fl))
		return;
	if (m)
		emit_access(ms, m->phys + (addr - m->virt), v, addr, m->id, fl);
	else
		emit_access(ms, 0, v, addr, 0, fl | KS_MF_UNMAPPED);
}

/* The loaded value into the destination register, as the CPU would. */
static void set_dest(struct ks_mregs *r, const struct ks_msite *ms, u64 v)
{
	u64 *p = reg_of(r, ms->reg);

	if (!p)
		return;
	if (ms->op == KS_MOP_LOAD_SX)
		v = (u64)sign_extend64(v, 8 * ms->size - 1);
	ks_reg_put(p, v, ms->dsize);
}


/*
 * A site whose descriptor does not check out: recorded as such, and what
 * it names is not done.  Interrupts off.
 */
void ks_site_bad(const struct ks_msite *ms, u64 addr, const char *why)
{
	struct ks_order ord;

	pr_err_ratelimited("a device site's descriptor is wrong (%s): not performed\n",
			   why);
	ks_order_begin(&ord);
	emit_access(ms, 0, 0, addr, 0,
		    ms->size | KS_MF_NOVALUE | KS_MF_UNMAPPED | KS_MF_BAD);
	ks_order_end(&ord);
}

/* A store the CPU would make at @addr, or -EFAULT instead of an oops. */
static int put_nofault(u64 addr, u64 v, unsigned int size)
{
	u8 b = v;
	u16 w = v;
	u32 l = v;
	int err = 0;

	pagefault_disable();
	switch (size) {
	case 1:
		__put_kernel_nofault((void *)addr, &b, u8, fault);
		break;
	case 2:
		__put_kernel_nofault((void *)addr, &w, u16, fault);
		break;
	case 4:
		__put_kernel_nofault((void *)addr, &l, u32, fault);
		break;
	default:
		__put_kernel_nofault((void *)addr, &v, u64, fault);
		break;
	}
out:
	pagefault_enable();
	return err;
fault:
	err = -EFAULT;
	goto out;
}

/*
 * The operand is in a granule that holds a mapping, but in none: memory
 * the instruction reaches anyway (vmalloc space shared with an ioremap),
 * accessed as it would be.  If the address faults, which a descriptor that
 * lies (a rewriter bug) would give, it is recorded as bad, not an oops.
 */
static void kmmio_plain(struct ks_mregs *r, const struct ks_msite *ms, u64 addr)
{
	unsigned int size = ms->size;
	u64 v = 0;
	int err = 0;

	switch (ms->op) {
	case KS_MOP_LOAD:
	case KS_MOP_LOAD_ZX:
	case KS_MOP_LOAD_SX:
		err = copy_from_kernel_nofault(&v, (void *)addr, size);
		if (!err)
			set_dest(r, ms, v);
		break;
	case KS_MOP_STORE:
		err = put_nofault(addr, reg_val(r, ms->reg), size);
		break;
	case KS_MOP_STORE_IMM:
		err = put_nofault(addr, (u64)(s64)ms->imm, size);
		break;
	default:
		break; /* the stub runs the instruction itself */
	}
	if (err)
		ks_site_bad(ms, addr, "faulting address");
}

/* The stub of a checked memory operand: the granule holds an ioremap. */
__visible void ks_kmmio(struct ks_mregs *r, const struct ks_msite *ms)
{
	u64 addr = (s64)ms->disp, v = 0, io;
	unsigned int size = ms->size;
	const struct ks_map *m;
	struct ks_order ord;
	u32 fl = size;

	if (ms->base != KS_REG_NONE)
		addr += reg_val(r, ms->base);
	if (ms->index != KS_REG_NONE)
		addr += reg_val(r, ms->index) * ms->scale;
	ks_order_begin(&ord);
	m = map_find(addr);
	if (!m) {
		kmmio_plain(r, ms, addr);
		ks_order_end(&ord);
		return;
	}
	/* an armed mapping: through its alias, which never faults */
	io = ks_map_io(m, addr);
	switch (ms->op) {
	case KS_MOP_LOAD:
	case KS_MOP_LOAD_ZX:
	case KS_MOP_LOAD_SX:
		v = ks_io_read(io, size);
		set_dest(r, ms, v);
		break;
	case KS_MOP_STORE:
		v = reg_val(r, ms->reg) & ks_mask_of(size);
		ks_io_write(io, v, size);
		fl |= KS_MF_WRITE;
		break;
	case KS_MOP_STORE_IMM:
		v = (u64)(s64)ms->imm & ks_mask_of(size);
		ks_io_write(io, v, size);
		fl |= KS_MF_WRITE;
		break;
	default:
		/*
		 * The stub runs the instruction itself, after us.  On an
		 * armed page it faults, and the net records it for this
		 * site, with its value if the net can perform it.
		 */
		if (m && m->arm) {
			ks_net_expect(r->ret, addr, ms);
			m = NULL;
			break;
		}
		fl |= KS_MF_NOVALUE;
		if (region_of(ms)->site[0].kind == KS_K_MMIO_W)
			fl |= KS_MF_WRITE;
		break;
	}
	if (m && !ap_counted(m, fl))
		emit_access(ms, m->phys + (addr - m->virt), v, addr, m->id, fl);
	ks_order_end(&ord);
}

/* ins and outs, one element at a time, as the CPU would step them */
static void kpio_string(struct ks_mregs *r, const struct ks_msite *ms)
{
	u16 port = (u16)r->dx;
	unsigned int size = ms->size;
	s64 step = (r->flags & X86_EFLAGS_DF) ? -(s64)size : size;
	u64 n = (ms->flags & KS_MSF_REP) ? r->cx : 1, v;
	struct ks_order ord;

	for (; n; n--) {
		v = 0;
		ks_order_begin(&ord);
		if (ms->op == KS_MOP_INS) {
			v = ks_port_in(port, size);
			memcpy((void *)r->di, &v, size);
			r->di += step;
			emit_access(ms, port, v, port, 0, size | KS_MF_PORT);
		} else {
			memcpy(&v, (void *)r->si, size);
			ks_port_out(port, v, size);
			r->si += step;
			emit_access(ms, port, v, port, 0,
				    size | KS_MF_PORT | KS_MF_WRITE);
		}
		if (ms->flags & KS_MSF_REP)
			r->cx--;
		ks_order_end(&ord);
	}
}

/* in and out: the port is the device. */
__visible void ks_kpio(struct ks_mregs *r, const struct ks_msite *ms)
{
	u16 port = ms->reg == KS_REG_NONE ? (u16)ms->imm : (u16)r->dx;
	unsigned int size = ms->size;
	struct ks_order ord;
	u64 v;

	if (ms->op == KS_MOP_INS || ms->op == KS_MOP_OUTS) {
		kpio_string(r, ms);
		return;
	}
	ks_order_begin(&ord);
	if (ms->op == KS_MOP_IN) {
		v = ks_port_in(port, size);
		if (size == 4)
			r->ax = (u32)v;
		else
			r->ax = (r->ax & ~ks_mask_of(size)) | v;
		emit_access(ms, port, v, port, 0, size | KS_MF_PORT);
	} else {
		v = r->ax & ks_mask_of(size);
		ks_port_out(port, v, size);
		emit_access(ms, port, v, port, 0,
			    size | KS_MF_PORT | KS_MF_WRITE);
	}
	ks_order_end(&ord);
}

void ks_mark(const char *text)
{
	u64 v[KS_MARK_SLOTS] = { rdtsc() };

	strscpy((char *)&v[1], text, KS_MARK_TEXT);
	ks_emit(&ks_mark_region, v, ARRAY_SIZE(v));
}

int ks_mmio_init(void)
{
	u64 granules = ((VMALLOC_END - VMALLOC_START) >> KS_IOMAP_SHIFT) + 1;
	unsigned int i, on = 0;
	int err;

	/*
	 * 5-level paging: 12.5 PiB of vmalloc space, more than the bitmap's
	 * 32 TiB.  It covers the space's first 32 TiB, where vmalloc, which
	 * allocates bottom up, puts ioremaps; a mapping above that is not
	 * checked inline (ks_map_add() says so) and the safety net has it.
	 */
	if (granules > IOMAP_BITS) {
		pr_info("vmalloc space of %llu TiB (5-level paging): device accesses are checked inline in its first %lu TiB\n",
			(u64)(VMALLOC_END - VMALLOC_START) >> 40,
			(IOMAP_BITS << KS_IOMAP_SHIFT) >> 40);
		granules = IOMAP_BITS;
	}
	/*
	 * The bitmap's geometry before the probes, which set bits from their
	 * first ioremap on; the checks' length last, below: until then every
	 * check fails.
	 */
	__kstride_iomap_base = VMALLOC_START >> KS_IOMAP_SHIFT;
	iomap_nbits = granules;
	for (i = 0; i < ARRAY_SIZE(krps); i++) {
		err = register_kretprobe(&krps[i]);
		krp_on[i] = !err;
		on += !err;
		if (err && i == 0) {
			pr_warn("cannot probe ioremap (%d): MMIO mode disabled\n",
				err);
			iomap_nbits = 0;
			return 0;
		}
	}
	err = register_kprobe(&kp_iounmap);
	kp_on = !err;
	if (err)
		pr_warn("cannot probe iounmap (%d): unmaps will not be seen\n",
			err);
	smp_store_release(&__kstride_iomap_len, granules);
	mmio_ready = true;
	pr_info("MMIO mode: %u ioremap variants probed\n", on);
	return 0;
}

void ks_mmio_exit(void)
{
	struct ks_maps *old;
	unsigned int i;

	WRITE_ONCE(__kstride_iomap_len, 0);
	if (kp_on)
		unregister_kprobe(&kp_iounmap);
	for (i = 0; i < ARRAY_SIZE(krps); i++)
		if (krp_on[i])
			unregister_kretprobe(&krps[i]);
	old = rcu_replace_pointer(maps, NULL, true);
	synchronize_rcu();
	ks_uncount(old);
	kfree(old);
}
