/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSTRIDE_KMOD_H
#define KSTRIDE_KMOD_H

#include <linux/percpu.h>
#include <linux/types.h>

#include <kstride/abi.h>

/*
 * Per-CPU recording state.  The first fields are reached by instrumented
 * code as %gs:__kstride_pcpu + KS_TLS_* (see abi.h): keep them first.
 */
struct ks_pcpu {
	u64 cur;
	u64 limit;
	u64 spill[KS_TLS_NSPILL];
	/* private */
	u64 buf, end;
	u64 wraps, bytes;
};

DECLARE_PER_CPU(struct ks_pcpu, __kstride_pcpu);

u64 ks_krefill(u64 start);

#endif /* KSTRIDE_KMOD_H */
