/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __kstride_refill: the slow path of every instrumented region.
 *
 * Called from anywhere in instrumented code, after the caller has stepped
 * over the red zone.  Preserves every general register, the flags and the
 * x87/SSE state, so the caller needs no liveness to call it.  The region's
 * cursor is passed and returned in the thread's spill slot 3.
 */
	.text
	.globl	__kstride_refill
	.hidden	__kstride_refill
	.type	__kstride_refill, @function
__kstride_refill:
	.cfi_startproc
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
	pushq	%rbp
	movq	%rsp, %rbp
	subq	$512, %rsp
	andq	$-64, %rsp
	fxsave64 (%rsp)
	call	ks_rt_refill
	fxrstor64 (%rsp)
	movq	%rbp, %rsp
	popq	%rbp
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
	ret
	.cfi_endproc
	.size	__kstride_refill, . - __kstride_refill

	.section .note.GNU-stack, "", @progbits
