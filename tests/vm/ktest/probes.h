/* SPDX-License-Identifier: GPL-2.0 */
/* The probes of probes.S, and the table of their declared accesses. */
#ifndef KSTRIDE_TEST_PROBES_H
#define KSTRIDE_TEST_PROBES_H

#include <linux/percpu.h>
#include <linux/types.h>

struct exp {
	void *fn;
	s32 off;
	u8 kind, base;
	u16 size;
	unsigned long addr;
	u32 *counter;
} __packed;

extern const struct exp ktest_exp_start[], ktest_exp_end[];
void probe_proc(void);
void probe_timer(void);
void probe_irqwork(unsigned long v);
void probe_pcpu(void);
void probe_nmi(void);
int probe_uaccess(const void __user *p);
void probe_key(void);
void probe_keycold(void);
void probe_alt(void);
void probe_stress(void);
void probe_bench(int n);
DECLARE_PER_CPU(u64, ktest_stress_calls);
extern u32 count_proc, count_timer, count_irqwork, count_key_off;
extern u32 count_key_on, count_uaccess, count_nmi;
DECLARE_PER_CPU(u32, ktest_pcpu);

#endif /* KSTRIDE_TEST_PROBES_H */
