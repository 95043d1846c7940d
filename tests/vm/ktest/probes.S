/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test module's probes.  Every access is declared by hand right
 * before its instruction (EXP, as in tests/golden/fixtures.S); main.c
 * prints the declarations with their run-time addresses and how often
 * each probe ran, which is the ground truth check.py compares with the
 * trace.  Counters double as the accesses that count: each probe's first
 * access is its own counter's increment.
 *
 * EXP fn, kind, size, base, addr
 *   kind: 1 R, 2 W, 3 U      base: 0 absolute, 1 per-CPU (addr is the
 *   per-CPU symbol), 2 the user pointer the probe is given
 *   count: taken from the probe's counter at the end (COUNTER)
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/smap.h>
#include <asm/nospec-branch.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>

.macro EXP fn, kind, size, base, addr, counter
	.pushsection .rodata.ktest_exp, "a"
	.quad \fn
	.long .Lexp\@ - \fn
	.byte \kind, \base
	.short \size
	.quad \addr
	.quad \counter
	.popsection
.Lexp\@:
.endm

	/* modules get no __start_/__stop_ symbols: mark the table here */
	.pushsection .rodata.ktest_exp, "a"
	.globl	ktest_exp_start
ktest_exp_start:
	.popsection

	.data
	.balign 64
	.globl	ktest_buf
ktest_buf:
	.zero	256
	.globl	count_proc, count_timer, count_irqwork, count_key_off
	.globl	count_key_on, count_uaccess, count_nmi
count_proc:	.long 0
count_timer:	.long 0
count_irqwork:	.long 0
count_key_off:	.long 0
count_key_on:	.long 0
count_uaccess:	.long 0
count_nmi:	.long 0
	.globl	count_kc_off, count_kc_on, count_alt, count_alt_no
count_kc_off:	.long 0
count_kc_on:	.long 0
count_alt:	.long 0
count_alt_no:	.long 0

	.section .data..percpu, "aw"
	.balign 64
	.globl	ktest_pcpu
ktest_pcpu:
	.long	0
	.long	0
	.globl	ktest_stress_calls
ktest_stress_calls:
	.quad	0

	.text
/* process context: plain loads, a store, a read-modify-write */
SYM_FUNC_START(probe_proc)
	EXP probe_proc, 3, 4, 0, count_proc, count_proc
	incl	count_proc(%rip)
	leaq	ktest_buf(%rip), %rdx
	EXP probe_proc, 1, 8, 0, ktest_buf+8, count_proc
	movq	8(%rdx), %rax
	EXP probe_proc, 2, 4, 0, ktest_buf+16, count_proc
	movl	%eax, 16(%rdx)
	EXP probe_proc, 3, 8, 0, ktest_buf+24, count_proc
	addq	$3, 24(%rdx)
	RET
SYM_FUNC_END(probe_proc)

/* softirq: a timer callback calls it */
SYM_FUNC_START(probe_timer)
	EXP probe_timer, 3, 4, 0, count_timer, count_timer
	incl	count_timer(%rip)
	EXP probe_timer, 1, 4, 0, ktest_buf+32, count_timer
	movl	ktest_buf+32(%rip), %eax
	RET
SYM_FUNC_END(probe_timer)

/* hardirq: an irq_work callback calls it */
SYM_FUNC_START(probe_irqwork)
	EXP probe_irqwork, 3, 4, 0, count_irqwork, count_irqwork
	incl	count_irqwork(%rip)
	EXP probe_irqwork, 2, 8, 0, ktest_buf+40, count_irqwork
	movq	%rdi, ktest_buf+40(%rip)
	RET
SYM_FUNC_END(probe_irqwork)

/* NMI context: the test module's NMI handler calls it on every CPU */
SYM_FUNC_START(probe_nmi)
	EXP probe_nmi, 3, 4, 0, count_nmi, count_nmi
	lock incl count_nmi(%rip)
	RET
SYM_FUNC_END(probe_nmi)

/* per-CPU data through %gs, from a work item on every CPU */
SYM_FUNC_START(probe_pcpu)
	EXP probe_pcpu, 3, 4, 1, ktest_pcpu, 0
	incl	%gs:ktest_pcpu
	RET
SYM_FUNC_END(probe_pcpu)

/* a uaccess that faults: the copy must reach the fixup, return -EFAULT */
SYM_FUNC_START(probe_uaccess)
	EXP probe_uaccess, 3, 4, 0, count_uaccess, count_uaccess
	incl	count_uaccess(%rip)
	ASM_STAC
	EXP probe_uaccess, 1, 4, 2, 0, count_uaccess
1:	movl	(%rdi), %eax
	ASM_CLAC
	xorl	%eax, %eax
	RET
2:	ASM_CLAC
	movl	$-14, %eax
	RET
	_ASM_EXTABLE_UA(1b, 2b)
SYM_FUNC_END(probe_uaccess)

/* a static key (default off), toggled after load */
SYM_FUNC_START(probe_key)
1:	.byte	0x0f, 0x1f, 0x44, 0x00, 0x00	/* jump label site: nop5 */
	.pushsection __jump_table, "aw"
	.balign	8
	.long	1b - .
	.long	.Lkey_on - .
	.quad	ktest_key - .
	.popsection
	EXP probe_key, 3, 4, 0, count_key_off, count_key_off
	incl	count_key_off(%rip)
	RET
.Lkey_on:
	EXP probe_key, 3, 4, 0, count_key_on, count_key_on
	incl	count_key_on(%rip)
	EXP probe_key, 1, 4, 0, ktest_buf+48, count_key_on
	movl	ktest_buf+48(%rip), %eax
	RET
SYM_FUNC_END(probe_key)

/*
 * The same key, with its target in another body: a .cold part, as gcc
 * makes them, which jumps back.  The kernel patches the copy's site into
 * a jmp to the cold part's copy.
 */
SYM_FUNC_START(probe_keycold)
1:	.byte	0x0f, 0x1f, 0x44, 0x00, 0x00	/* jump label site: nop5 */
	.pushsection __jump_table, "aw"
	.balign	8
	.long	1b - .
	.long	.Lkc_on - .
	.quad	ktest_key - .
	.popsection
	EXP probe_keycold, 3, 4, 0, count_kc_off, count_kc_off
	incl	count_kc_off(%rip)
.Lkc_back:
	RET
SYM_FUNC_END(probe_keycold)

	.pushsection .text.unlikely, "ax"
	.type	probe_keycold.cold, @function
probe_keycold.cold:
.Lkc_on:
	EXP probe_keycold.cold, 3, 4, 0, count_kc_on, count_kc_on
	incl	count_kc_on(%rip)
	jmp	.Lkc_back
	.size	probe_keycold.cold, . - probe_keycold.cold
	.popsection

/*
 * An alternative whose replacement jumps into the body (as
 * static_cpu_has() does): applied on every CPU, so only the path it
 * jumps to runs - in the copy.
 */
SYM_FUNC_START(probe_alt)
	ALTERNATIVE "", "jmp .Lalt_yes", X86_FEATURE_ALWAYS
	EXP probe_alt, 3, 4, 0, count_alt_no, count_alt_no
	incl	count_alt_no(%rip)
	RET
.Lalt_yes:
	EXP probe_alt, 3, 4, 0, count_alt, count_alt
	incl	count_alt(%rip)
	RET
SYM_FUNC_END(probe_alt)

/*
 * The stress probe: entry, one per-CPU update, exit - three events a call
 * (RET is a jmp to the return thunk) - and nothing else instrumented runs while it is
 * hammered (its drivers live in .noinstr.text, which kstride leaves alone).
 * Not declared with EXP: the stress check counts, it does not place.
 */
SYM_FUNC_START(probe_stress)
	incq	%gs:ktest_stress_calls
	RET
SYM_FUNC_END(probe_stress)

/*
 * The benchmark's hot loop: %edi iterations of a load, a store, an add.
 * Like compiled code, it uses up the caller-saved registers it may: the
 * rewriter only borrows registers a function is allowed to change.
 */
SYM_FUNC_START(probe_bench)
	xorl	%esi, %esi
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	leaq	ktest_buf(%rip), %rdx
	xorl	%eax, %eax
1:	movl	(%rdx), %ecx
	addl	%ecx, %eax
	movl	%eax, 4(%rdx)
	addl	$1, 8(%rdx)
	decl	%edi
	jnz	1b
	RET
SYM_FUNC_END(probe_bench)

	.pushsection .rodata.ktest_exp, "a"
	.globl	ktest_exp_end
ktest_exp_end:
	.popsection
