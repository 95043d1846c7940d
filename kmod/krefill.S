/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __kstride_krefill: the slow path of instrumented module code.
 * The caller pushed the region's record pointer, then the address of its
 * struct ks_region; the new record pointer comes back in the region's
 * slot (the caller pops it, then drops the old pointer).  Every register
 * and the flags are preserved.
 *
 * __kstride_pcpu (struct ks_pcpu) is defined here, not in C, so that both
 * exports are unversioned (CRC 0): the rewriter, which adds references to
 * them to modules it never saw built, gives them __versions entries of CRC 0.
 */
#include <linux/linkage.h>
#include "kexport.h"
#include <asm/nospec-branch.h>

	.section .data..percpu, "aw"
	.balign 64
	.globl	__kstride_pcpu
	.type	__kstride_pcpu, @object
__kstride_pcpu:
	.zero	128
	.size	__kstride_pcpu, 128
KS_EXPORT(__kstride_pcpu)

/*
 * --calls: the tickets that order calls out of instrumented modules across
 * CPUs (include/kstride/abi.h, part 6), drawn with lock xadd; alone in its
 * cache line.
 */
	.data
	.balign 64
	.globl	__kstride_seq
	.type	__kstride_seq, @object
__kstride_seq:
	.quad	0
	.zero	56
	.size	__kstride_seq, 64
KS_EXPORT(__kstride_seq)

	.text
SYM_FUNC_START(__kstride_krefill)
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	/* 10 saved words, the return address, the region, the pointer */
	movq	96(%rsp), %rdi
	movq	88(%rsp), %rsi
	call	ks_krefill
	movq	%rax, 88(%rsp)
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	RET
SYM_FUNC_END(__kstride_krefill)
KS_EXPORT(__kstride_krefill)

/*
 * The kernel's __preempt_count, exported again as __kstride_preempt_count:
 * the same per-CPU variable under a name whose export is unversioned like
 * the two above, so that instrumented modules need no CRC for it.
 */
#if !KS_EXPORT_AS_IN_C
KS_EXPORT_AS(__kstride_preempt_count, KS_PREEMPT_COUNT_SYM)
KS_EXPORT_AS(__kstride_current_task, KS_CURRENT_TASK_SYM)
#endif

/* PREEMPT_RT's ENTRY records (abi.h): set by main.c, 0 elsewhere */
	.data
	.balign 8
	.globl	__kstride_softirq_off
	.type	__kstride_softirq_off, @object
__kstride_softirq_off:
	.quad	0
	.size	__kstride_softirq_off, 8
KS_EXPORT(__kstride_softirq_off)
