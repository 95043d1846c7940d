/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO mode's entry points (include/kstride/abi.h, part 5): the granule
 * bitmap the inline checks test, and the three stubs instrumented code
 * calls with the address of a struct ks_msite pushed.  Each saves every
 * general register and the flags as a struct ks_mregs (mmio.c), calls C,
 * and restores them: C writes a load's result into the saved register.
 * Exports are unversioned, like krefill.S's.
 */
#include <linux/linkage.h>
#include "kexport.h"
#include <asm/nospec-branch.h>

/* one bit per 2 MiB granule of 32 TiB of vmalloc space (4-level paging) */
#define IOMAP_BYTES (1 << 21)

	.bss
	.balign 64
	.globl	__kstride_iomap
	.type	__kstride_iomap, @object
__kstride_iomap:
	.zero	IOMAP_BYTES
	.size	__kstride_iomap, IOMAP_BYTES
KS_EXPORT(__kstride_iomap)

	.data
	.balign 8
	.globl	__kstride_iomap_base, __kstride_iomap_len
__kstride_iomap_base:
	.quad	0
/* 0 until mmio.c sets it up: every check then fails */
__kstride_iomap_len:
	.quad	0
KS_EXPORT(__kstride_iomap_base)
KS_EXPORT(__kstride_iomap_len)

.macro STUB name, handler
SYM_FUNC_START(\name)
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* 15 registers and the flags, then the return address, the site */
	movq	%rsp, %rdi
	movq	136(%rsp), %rsi
	call	\handler
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	RET
SYM_FUNC_END(\name)
KS_EXPORT(\name)
.endm

	.text
	STUB	__kstride_kmmio, ks_kmmio
	STUB	__kstride_kpio, ks_kpio
	STUB	__kstride_khelper, ks_khelper
