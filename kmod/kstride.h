/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSTRIDE_KMOD_H
#define KSTRIDE_KMOD_H

#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <kstride/abi.h>

struct ks_ring;

/*
 * Per-CPU recording state.  The first field is reached by instrumented
 * code as %gs:__kstride_pcpu + KS_TLS_CUR (see abi.h): keep it first.
 * __kstride_pcpu is defined in krefill.S (an unversioned export).
 */
struct ks_pcpu {
	u64 cur; /* next record, inside the current frame */
	u64 limit; /* unused by kernel code: the frame bit is the limit */
	u64 spill[KS_TLS_NSPILL];
	struct ks_ring *ring;
};

DECLARE_PER_CPU(struct ks_pcpu, __kstride_pcpu);

/* defined in assembly: desc.S (own descriptors), kmmio.S (MMIO bitmap) */
extern const u8 ks_own_regions[], ks_own_regions_end[];
extern const u8 ks_own_funcs[], ks_own_funcs_end[];
extern const u8 ks_own_strs[], ks_own_strs_end[];
extern const struct ks_region ks_switch_region, ks_map_region;
extern const struct ks_region ks_unmap_region, ks_mark_region;
extern const struct ks_region ks_netdev_region;
extern u8 __kstride_iomap[];
extern u64 __kstride_iomap_base, __kstride_iomap_len;

/* One CPU's ring. */
struct ks_ring {
	int cpu;
	unsigned int nsub;
	void *sub[KS_MAX_SUBS]; /* frames: 2 << KS_SUB_SHIFT, aligned */
	void *sink; /* frame for dropped records, never read */
	struct ks_ring_ctl *ctl; /* this CPU's control page */
	u64 *consumed; /* written by the reader */
	void *base; /* frame of the current records */
	bool gap; /* the current sub-buffer follows dropped records */
	int switching; /* a switch is running on this CPU (NMI guard) */
	struct irq_work wake;
};

extern wait_queue_head_t ks_wait;

int ks_rings_init(unsigned int nsub);
void ks_rings_exit(void);
void *ks_ctl_pages(void);
extern u64 __kstride_softirq_off; /* krefill.S */
void *ks_cons_page(void);
struct ks_ring *ks_ring_of(int cpu);
void ks_flush_all(void);
bool ks_any_ready(void);
u64 ks_krefill(u64 start, const struct ks_region *reg);
void ks_emit(const struct ks_region *reg, const u64 *v, unsigned int nslots);
void ks_fill(u64 rec, const struct ks_region *reg, const u64 *v,
	     unsigned int nslots);

struct ks_mregs;
void ks_kmmio(struct ks_mregs *r, const struct ks_msite *ms);
void ks_kpio(struct ks_mregs *r, const struct ks_msite *ms);
void ks_khelper(struct ks_mregs *r, const struct ks_msite *ms);
bool ks_mmio_ready(void);
int ks_mmio_init(void);
void ks_helpers_init(void); /* helpers.c */
void ks_mmio_exit(void);
long ks_add_map(const struct ks_add_map *am);
void ks_mark(const char *text);

int ks_mods_init(void);
void ks_mods_exit(void);
long ks_read_desc(struct ks_read_desc *rd);
bool ks_region_live(u64 addr, u64 len);

bool ks_region_own(const struct ks_region *r);
#define KS_SWITCH_BYTES KS_REC_BYTES(KS_SWITCH_SLOTS)
struct task_struct;
void ks_put_switch_at(u64 rec, struct task_struct *t, u32 pc);
int ks_ctx_init(void);
void ks_ctx_mark(void);
void ks_ctx_exit(void);

void ks_netdev_init(void); /* netdev.c */
void ks_netdev_mark(void);
void ks_netdev_exit(void);

int ks_dev_init(void);
void ks_dev_exit(void);

/*
 * kstride.ko's allocations that come and go while it is loaded (module
 * descriptors and their copies, the map table, the net's arms and port
 * probes): one count per live object, exact, read as the module parameter
 * live_allocs.  The load/unload cycles test needs it back where it was.
 */
extern atomic_long_t ks_live_allocs;

static inline void *ks_counted(void *p)
{
	if (p)
		atomic_long_inc(&ks_live_allocs);
	return p;
}

static inline void ks_uncount(const void *p)
{
	if (p)
		atomic_long_dec(&ks_live_allocs);
}

#endif /* KSTRIDE_KMOD_H */
