/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mmio.c (the mappings, the stubs' accesses) and net.c (the safety
 * net) share inside kstride.ko.
 */
#ifndef KSTRIDE_KMOD_MMIO_H
#define KSTRIDE_KMOD_MMIO_H

#include <linux/fs.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include "kstride.h"

struct ks_armed;

/* what kmmio.S saves: the stubs' order of pushes, then what the caller pushed */
struct ks_mregs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 di, si, bp, bx, dx, cx, ax;
	u64 flags;
	u64 ret; /* into the instrumented copy */
	u64 msite;
};

/* x86's ioread/iowrite tokens for ports (lib/iomap.c) */
#define PIO_OFFSET 0x10000ul
#define PIO_MASK 0xfffful
#define PIO_RESERVED 0x40000ul

static inline u64 ks_mask_of(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/*
 * @v, loaded at @dsize bytes, into the register at @p, as the CPU writes
 * it: a 32-bit write zeroes the upper half, 8- and 16-bit ones keep it.
 */
static inline void ks_reg_put(u64 *p, u64 v, unsigned int dsize)
{
	switch (dsize) {
	case 8:
		*p = v;
		break;
	case 4:
		*p = (u32)v;
		break;
	case 2:
		*p = (*p & ~0xffffull) | (u16)v;
		break;
	default:
		*p = (*p & ~0xffull) | (u8)v;
		break;
	}
}

/* One ioremap'd area; entries of an RCU-sched table (mmio.c). */
struct ks_map {
	u64 virt, len, phys;
	u32 id;
	u16 net; /* enum ks_net_map */
	u16 aperture; /* write-combining or cached: VRAM, framebuffers */
	u64 alias; /* armed: where kstride.ko reaches the same pages */
	struct ks_armed *arm; /* armed: the page-table entries it cleared */
};

/* Under RCU-sched (preemption or interrupts off): the mapping of @addr. */
const struct ks_map *ks_map_find(u64 addr);

/* The address kstride.ko uses for @addr: its alias if the net armed it. */
static inline u64 ks_map_io(const struct ks_map *m, u64 addr)
{
	return m && m->alias ? m->alias + (addr - m->virt) : addr;
}

/*
 * Process context: calls @fn on each mapping, in a copy of the table
 * that is then published; @fn may change the entry's net fields, and
 * returns true if it did (a new MAP record then says so).
 */
void ks_maps_each(bool (*fn)(struct ks_map *m, void *arg), void *arg);

/* The global order of traced accesses (mmio.c): interrupts off inside. */
struct ks_order {
	unsigned long flags;
	bool locked, prev;
};

void ks_order_begin(struct ks_order *o);
void ks_order_end(struct ks_order *o);

u64 ks_io_read(u64 addr, unsigned int size);
u64 ks_io_of(u64 addr); /* where kstride.ko reaches @addr (its alias) */
u64 ks_token_io(u64 addr); /* an accessor's token: ports as they are */
void ks_rec_token(const struct ks_msite *ms, u64 addr, u64 v, u32 fl);
void ks_site_bad(const struct ks_msite *ms, u64 addr, const char *why);
u64 ks_port_in(u16 port, unsigned int size);
void ks_port_out(u16 port, u64 v, unsigned int size);
void ks_io_write(u64 addr, u64 v, unsigned int size);

/*
 * A device access record in @reg: the KS_MMIO_SLOTS slots of struct
 * ks_mmio_rec, then @ntail slots of @tail (up to the region's size).
 * Inside ks_order_begin() ... ks_order_end().
 */
void ks_emit_dev(const struct ks_region *reg, u64 phys, u64 v, u64 virt,
		 u32 id, u32 fl, u64 pc, const u64 *tail, unsigned int ntail);

/* net.c: called by mmio.c */
bool ks_net_is_aperture(u64 virt, u64 phys, u64 len);
bool ks_virt_maps_phys(u64 virt, u64 phys);
void ks_net_map_added(struct ks_map *m, bool by_traced, gfp_t gfp);
void ks_net_map_removed(const struct ks_map *m);
bool ks_net_caller_traced(void);
void ks_net_expect(u64 ret, u64 addr, const struct ks_msite *ms);
int ks_net_init(void);
void ks_net_exit(void);
long ks_net_start(struct file *f, const struct ks_net_start *ns);
long ks_net_stop(struct file *f, struct ks_net_stats *st);
void ks_net_release(struct file *f);

extern const struct ks_region ks_net_region_r, ks_net_region_w;

/* netpio.c */
DECLARE_PER_CPU(int, ks_in_helper);

/* This CPU's context, as a level > 0: task 1, softirq 2, hardirq 3, NMI 4 */
static inline int ks_ctx_level(void)
{
	return in_nmi() ? 4 : in_hardirq() ? 3 : in_serving_softirq() ? 2 : 1;
}
void ks_net_pio_range(u64 start, u64 len);
long ks_net_pio_watch(const u64 *addrs, unsigned int n, unsigned int *refused);
void ks_net_pio_unwatch(void);
void ks_net_count_pio(void);
long ks_net_pio(struct file *f, struct ks_net_pio __user *arg);
extern const struct ks_region ks_net_region_pr, ks_net_region_pw;

long ks_mmio_opts(struct file *f, const struct ks_mmio_opts *o);
void ks_mmio_aperture_stats(struct ks_aperture_stats *st);
void ks_mmio_release(struct file *f);

#endif
