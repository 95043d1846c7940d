/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Golden fixtures: every addressing form and instruction class the
 * rewriter must trace.  Each access is declared, by hand, right before its
 * instruction with EXP; the declarations go to section .ksexp, which is data
 * that the rewriter leaves alone, and tests/golden/check.py compares them
 * with what 'kstride script' recorded.  Nothing here is derived from
 * kstride's output.
 *
 * EXP fn, kind, size, base, addr, count, flags
 *   kind:  R W U, EN (function entry), EX (function exit)
 *   base:  A  addr is an absolute expression (gbuf+8, .Ltab+4)
 *          S  addr is an offset from the function's entry stack pointer
 *          F  addr is an offset from the thread's %fs base
 *   count: accesses (string ops: elements)
 *   flags: LOCK CMPX REP STK DOWN RSP, or-ed
 * All fixtures are called once by golden-main.c unless said otherwise.
 * Link non-PIE: some forms use absolute 32-bit addresses of gbuf.
 */
	.set R, 1
	.set W, 2
	.set U, 3
	.set EN, 4
	.set EX, 5
	.set A, 0
	.set S, 1
	.set F, 2
	.set LOCK, 1
	.set CMPX, 2
	.set REP, 4
	.set STK, 8
	.set DOWN, 16
	.set RSP, 32	/* explicit %rsp-based operand: dropped by --no-stack */

.macro FUNC name
	.pushsection .rodata.ksnames, "a"
.Lname_\name:
	.asciz "\name"
	.popsection
	.globl \name
	.type \name, @function
\name:
.endm

.macro ENDF name
	.size \name, . - \name
.endm

.macro EXP fn, kind, size, base, addr, count=1, flags=0
	.pushsection ksexp, "a"
	.quad .Lname_\fn
	.long .Lexp\@ - \fn
	.byte \kind, \base
	.short \size
	.quad \addr
	.quad \count
	.quad \flags
	.popsection
.Lexp\@:
.endm

	.text

/* ModRM/SIB forms, RIP-relative, absolute, r12/r13 bases, 32-bit addressing */
FUNC fx_modrm
	EXP fx_modrm, EN, 8, S, 0
	EXP fx_modrm, W, 8, S, -8, 1, STK
	push	%r12
	EXP fx_modrm, W, 8, S, -16, 1, STK
	push	%r13
	lea	gbuf(%rip), %rdi
	EXP fx_modrm, R, 4, A, gbuf
	mov	(%rdi), %eax
	EXP fx_modrm, R, 4, A, gbuf+8
	add	8(%rdi), %eax
	EXP fx_modrm, R, 8, A, gbuf+0x200
	mov	0x200(%rdi), %rcx
	mov	$3, %esi
	EXP fx_modrm, W, 2, A, gbuf+0x40+24
	mov	%ax, 0x40(%rdi,%rsi,8)
	EXP fx_modrm, R, 1, A, gbuf+0x30+12
	movzbl	gbuf+0x30(,%rsi,4), %edx
	EXP fx_modrm, R, 8, A, gbuf+0x60
	mov	gbuf+0x60(%rip), %r8
	EXP fx_modrm, R, 4, A, gbuf+0x70
	mov	gbuf+0x70, %r9d
	mov	%rdi, %r12
	EXP fx_modrm, W, 4, A, gbuf+0x80
	mov	%eax, 0x80(%r12)
	mov	%rdi, %r13
	EXP fx_modrm, R, 4, A, gbuf
	mov	(%r13), %r10d
	EXP fx_modrm, R, 4, A, gbuf+0x84+3
	add	0x84(%r13,%rsi,1), %r10d
	EXP fx_modrm, R, 4, A, gbuf+0x10
	addr32 mov 0x10(%edi), %r11d
	EXP fx_modrm, W, 8, S, -24, 1, RSP
	mov	%r11, -8(%rsp)
	EXP fx_modrm, R, 8, S, -24, 1, RSP
	add	-8(%rsp), %rax
	EXP fx_modrm, R, 8, S, -16, 1, STK
	pop	%r13
	EXP fx_modrm, R, 8, S, -8, 1, STK
	pop	%r12
	EXP fx_modrm, EX, 8, S, 0
	EXP fx_modrm, R, 8, S, 0, 1, STK
	ret
ENDF fx_modrm

/* access kinds: read, write, update, locked, exchange, compare-exchange */
FUNC fx_kinds
	EXP fx_kinds, EN, 8, S, 0
	EXP fx_kinds, W, 8, S, -8, 1, STK
	push	%rbx
	lea	gbuf(%rip), %rdi
	EXP fx_kinds, W, 4, A, gbuf+0x100
	movl	$7, 0x100(%rdi)
	EXP fx_kinds, U, 4, A, gbuf+0x100
	addl	$1, 0x100(%rdi)
	EXP fx_kinds, U, 4, A, gbuf+0x100
	incl	0x100(%rdi)
	EXP fx_kinds, U, 8, A, gbuf+0x108
	notq	0x108(%rdi)
	EXP fx_kinds, U, 4, A, gbuf+0x100, 1, LOCK
	lock addl $2, 0x100(%rdi)
	mov	$5, %eax
	EXP fx_kinds, U, 4, A, gbuf+0x104, 1, LOCK
	xchg	%eax, 0x104(%rdi)
	mov	$11, %eax
	EXP fx_kinds, U, 4, A, gbuf+0x100, 1, LOCK
	lock xadd %eax, 0x100(%rdi)
	EXP fx_kinds, R, 4, A, gbuf+0x104
	mov	0x104(%rdi), %eax
	mov	$99, %ecx
	EXP fx_kinds, U, 4, A, gbuf+0x104, 1, LOCK|CMPX
	lock cmpxchg %ecx, 0x104(%rdi)
	xor	%eax, %eax
	EXP fx_kinds, U, 4, A, gbuf+0x104, 1, CMPX
	cmpxchg	%ecx, 0x104(%rdi)
	xor	%eax, %eax
	xor	%edx, %edx
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	EXP fx_kinds, U, 16, A, gbuf+0x140, 1, LOCK|CMPX
	lock cmpxchg16b 0x140(%rdi)
	mov	$1, %eax
	test	%eax, %eax
	EXP fx_kinds, R, 8, A, gbuf+0x148
	cmovz	0x148(%rdi), %rax
	EXP fx_kinds, R, 4, A, gbuf+0x100
	btl	$3, 0x100(%rdi)
	mov	$69, %ecx
	EXP fx_kinds, U, 8, A, gbuf+0x108+8
	btsq	%rcx, 0x108(%rdi)
	mov	$-1, %rcx
	EXP fx_kinds, R, 4, A, gbuf+0x108-4
	btl	%ecx, 0x108(%rdi)
	mov	$130, %ecx
	EXP fx_kinds, U, 8, A, gbuf+0x118+16
	btrq	%rcx, gbuf+0x118(%rip)
	EXP fx_kinds, U, 4, A, gbuf+0x118+16
	btcl	%ecx, gbuf+0x118
	mov	$2, %edx
	EXP fx_kinds, R, 4, A, gbuf+0x118+8+16
	btl	%ecx, 0x118(%rdi,%rdx,4)
	EXP fx_kinds, W, 1, A, gbuf+0x10c
	setc	0x10c(%rdi)
	EXP fx_kinds, W, 8, A, gbuf+0x110
	movnti	%rax, 0x110(%rdi)
	EXP fx_kinds, R, 4, A, gbuf+0x100
	mov	0x100(%rdi), %eax
	EXP fx_kinds, R, 8, S, -8, 1, STK
	pop	%rbx
	EXP fx_kinds, EX, 8, S, 0
	EXP fx_kinds, R, 8, S, 0, 1, STK
	ret
ENDF fx_kinds

/* SSE, AVX and AVX-512 operands at their full width */
FUNC fx_simd
	EXP fx_simd, EN, 8, S, 0
	lea	gbuf(%rip), %rdi
	EXP fx_simd, R, 16, A, gbuf+0x200
	movdqu	0x200(%rdi), %xmm0
	EXP fx_simd, W, 16, A, gbuf+0x210
	movups	%xmm0, 0x210(%rdi)
	EXP fx_simd, R, 4, A, gbuf+0x220
	movss	0x220(%rdi), %xmm1
	EXP fx_simd, R, 8, A, gbuf+0x228
	movsd	0x228(%rdi), %xmm2
	EXP fx_simd, R, 8, A, gbuf+0x230
	movhps	0x230(%rdi), %xmm2
	EXP fx_simd, R, 2, A, gbuf+0x238
	pinsrw	$1, 0x238(%rdi), %xmm3
	EXP fx_simd, W, 1, A, gbuf+0x23a
	pextrb	$0, %xmm3, 0x23a(%rdi)
	EXP fx_simd, R, 32, A, gbuf+0x240
	vmovdqu	0x240(%rdi), %ymm4
	EXP fx_simd, R, 32, A, gbuf+0x260
	vpaddd	0x260(%rdi), %ymm4, %ymm5
	EXP fx_simd, W, 32, A, gbuf+0x280
	vmovdqu	%ymm5, 0x280(%rdi)
	vzeroupper
	movd	%xmm3, %eax
	EXP fx_simd, EX, 8, S, 0
	EXP fx_simd, R, 8, S, 0, 1, STK
	ret
ENDF fx_simd

/*
 * EVEX: 64-byte operands.  A fixture of its own, which golden-main.c calls
 * only where the CPU and the OS have AVX-512 (many AMD CPUs do not).
 */
FUNC fx_avx512
	EXP fx_avx512, EN, 8, S, 0
	lea	gbuf(%rip), %rdi
	EXP fx_avx512, R, 64, A, gbuf+0x2c0
	vmovdqu64 0x2c0(%rdi), %zmm6
	EXP fx_avx512, W, 64, A, gbuf+0x300
	vmovdqu64 %zmm6, 0x300(%rdi)
	vzeroupper
	EXP fx_avx512, R, 4, A, gbuf+0x300
	movl	0x300(%rdi), %eax
	EXP fx_avx512, EX, 8, S, 0
	EXP fx_avx512, R, 8, S, 0, 1, STK
	ret
ENDF fx_avx512

/* a leaf, called from fx_stack and tail-called from fx_tail */
FUNC fx_leaf
	EXP fx_leaf, EN, 8, S, 0, 2
	EXP fx_leaf, R, 4, A, gbuf+0x20, 2
	mov	gbuf+0x20(%rip), %eax
	EXP fx_leaf, EX, 8, S, 0, 2
	EXP fx_leaf, R, 8, S, 0, 2, STK
	ret
ENDF fx_leaf

/* implicit stack accesses */
FUNC fx_stack
	EXP fx_stack, EN, 8, S, 0
	EXP fx_stack, W, 8, S, -8, 1, STK
	push	%rbx
	lea	gbuf(%rip), %rdi
	EXP fx_stack, R, 8, A, gbuf+8
	EXP fx_stack, W, 8, S, -16, 1, STK
	push	8(%rdi)
	EXP fx_stack, R, 8, S, -16, 1, STK
	pop	%rax
	EXP fx_stack, W, 8, S, -16, 1, STK
	pushfq
	EXP fx_stack, R, 8, S, -16, 1, STK
	popfq
	EXP fx_stack, W, 8, S, -16, 1, STK
	push	%rax
	EXP fx_stack, R, 8, S, -16, 1, STK
	EXP fx_stack, W, 8, A, gbuf+0x18
	pop	0x18(%rdi)
	EXP fx_stack, W, 8, S, -16, 1, STK
	call	fx_leaf
	EXP fx_stack, W, 8, S, -16, 1, STK
	enter	$16, $0
	EXP fx_stack, W, 8, S, -24
	mov	%rax, -8(%rbp)
	EXP fx_stack, R, 8, S, -16, 1, STK
	leave
	EXP fx_stack, R, 8, S, -8, 1, STK
	pop	%rbx
	EXP fx_stack, EX, 8, S, 0
	EXP fx_stack, R, 8, S, 0, 1, STK
	ret
ENDF fx_stack

/* a tail call leaves through jmp: exit event, then the callee's entry */
FUNC fx_tail
	EXP fx_tail, EN, 8, S, 0
	EXP fx_tail, EX, 8, S, 0
	jmp	fx_leaf
ENDF fx_tail

/* string instructions, with and without rep, both directions */
FUNC fx_string
	EXP fx_string, EN, 8, S, 0
	lea	gbuf(%rip), %rsi
	lea	gbuf+0x400(%rip), %rdi
	mov	$10, %ecx
	EXP fx_string, R, 1, A, gbuf, 10, REP
	EXP fx_string, W, 1, A, gbuf+0x400, 10, REP
	rep movsb
	lea	gbuf+0x800(%rip), %rdi
	mov	$4, %ecx
	xor	%eax, %eax
	EXP fx_string, W, 8, A, gbuf+0x800, 4, REP
	rep stosq
	std
	lea	gbuf+0x10f(%rip), %rsi
	lea	gbuf+0x60f(%rip), %rdi
	mov	$16, %ecx
	EXP fx_string, R, 1, A, gbuf+0x100, 16, REP|DOWN
	EXP fx_string, W, 1, A, gbuf+0x600, 16, REP|DOWN
	rep movsb
	cld
	lea	gbuf+0x20(%rip), %rsi
	lea	gbuf+0x28(%rip), %rdi
	EXP fx_string, R, 8, A, gbuf+0x20
	EXP fx_string, W, 8, A, gbuf+0x28
	movsq
	lea	gbuf+0xa00(%rip), %rsi
	lea	gbuf+0xa10(%rip), %rdi
	mov	$8, %ecx
	EXP fx_string, R, 1, A, gbuf+0xa00, 4, REP
	EXP fx_string, R, 1, A, gbuf+0xa10, 4, REP
	repe cmpsb
	lea	gbuf+0xa00(%rip), %rdi
	mov	$'c', %eax
	mov	$16, %ecx
	EXP fx_string, R, 1, A, gbuf+0xa00, 3, REP
	repne scasb
	lea	gbuf+0xa01(%rip), %rsi
	EXP fx_string, R, 1, A, gbuf+0xa01
	lodsb
	xor	%ecx, %ecx
	EXP fx_string, R, 4, A, gbuf+0xa02, 0, REP
	EXP fx_string, W, 4, A, gbuf+0xa03, 0, REP
	rep movsl
	movzbl	%al, %eax
	EXP fx_string, EX, 8, S, 0
	EXP fx_string, R, 8, S, 0, 1, STK
	ret
ENDF fx_string

/* %fs-relative: the reported address is the linear one */
FUNC fx_fs
	EXP fx_fs, EN, 8, S, 0
	EXP fx_fs, R, 8, F, 0x28
	mov	%fs:0x28, %rax
	EXP fx_fs, R, 8, F, 0
	mov	%fs:0, %rdx
	mov	$0x10, %ecx
	xor	%eax, %eax
	EXP fx_fs, R, 8, F, 0x10
	cmp	%fs:(%rcx), %rdx
	sete	%al
	EXP fx_fs, EX, 8, S, 0
	EXP fx_fs, R, 8, S, 0, 1, STK
	ret
ENDF fx_fs

/* things that are not memory accesses */
	.balign 16	/* fx_tagged's tags live in its two low bits */
FUNC fx_noacc
	endbr64		/* stays first in the copy, ahead of the entry event */
	EXP fx_noacc, EN, 8, S, 0
	lea	gbuf(%rip), %rdi
	lea	0x10(%rdi,%rdi,2), %rax
	nopw	0x0(%rax,%rax,1)
	prefetcht0 0x40(%rdi)
	prefetchnta (%rdi)
	xor	%eax, %eax
	EXP fx_noacc, EX, 8, S, 0
	EXP fx_noacc, R, 8, S, 0, 1, STK
	ret
ENDF fx_noacc

/*
 * Tagged code pointers into a leading endbr64 (fx_noacc+1, +2, +3): they
 * must name the same bytes as fx_noacc itself does, in the copy as in the
 * original; untagged, each must equal the function's address.  Returns 0.
 */
FUNC fx_tagged
	EXP fx_tagged, EN, 8, S, 0
	lea	fx_noacc(%rip), %rdx
	xor	%eax, %eax
	mov	$fx_noacc+1, %rcx
	and	$-4, %rcx
	cmp	%rdx, %rcx
	setne	%al
	lea	fx_noacc+2(%rip), %rcx
	and	$-4, %rcx
	cmp	%rdx, %rcx
	setne	%cl
	or	%cl, %al
	movabs	$fx_noacc+3, %rcx
	and	$-4, %rcx
	cmp	%rdx, %rcx
	setne	%cl
	or	%cl, %al
	EXP fx_tagged, EX, 8, S, 0
	EXP fx_tagged, R, 8, S, 0, 1, STK
	ret
ENDF fx_tagged

/*
 * A call through a retpoline thunk reads the register the thunk is named
 * for, even a callee-saved one: between its load and the call, %rbp is
 * the only register nothing else needs, so a cursor taken from the dead
 * registers would land in it and the call would go astray.  Returns 42.
 */
FUNC fx_thunk
	EXP fx_thunk, EN, 8, S, 0
	EXP fx_thunk, W, 8, S, -8, 1, STK
	push	%rbp
	lea	fx_thunk_target(%rip), %rbp
	/* a call ends the region: the next one starts where %rbp is loaded */
	EXP fx_thunk, W, 8, S, -16, 1, STK
	call	fx_thunk_target
	EXP fx_thunk, W, 4, A, gbuf+0xb00
	movl	$1, gbuf+0xb00(%rip)
	EXP fx_thunk, W, 8, S, -16, 1, STK
	call	__x86_indirect_thunk_rbp
	EXP fx_thunk, R, 8, S, -8, 1, STK
	pop	%rbp
	EXP fx_thunk, EX, 8, S, 0
	EXP fx_thunk, R, 8, S, 0, 1, STK
	ret
ENDF fx_thunk

/*
 * A function that compares a pointer with its own address, taken through
 * the GOT (as -fPIC code does: cmp fn@GOTPCREL(%rip)): the relocation
 * names the function itself, its addend only the field's place.  Called
 * with its own address: returns 7, and 9 otherwise.
 */
FUNC fx_gotself
	EXP fx_gotself, EN, 8, S, 0
	mov	$9, %eax
	cmpq	fx_gotself@GOTPCREL(%rip), %rdi
	jne	1f
	mov	$7, %eax
1:	EXP fx_gotself, W, 4, A, gbuf+0xb40
	movl	%eax, gbuf+0xb40(%rip)
	EXP fx_gotself, EX, 8, S, 0
	EXP fx_gotself, R, 8, S, 0, 1, STK
	ret
ENDF fx_gotself

FUNC fx_thunk_target /* called twice, from the same depth */
	EXP fx_thunk_target, EN, 8, S, 0, 2
	mov	$42, %eax
	EXP fx_thunk_target, EX, 8, S, 0, 2
	EXP fx_thunk_target, R, 8, S, 0, 2, STK
	ret
ENDF fx_thunk_target

/* a retpoline as simple as can be (no function symbol: not traced) */
	.globl	__x86_indirect_thunk_rbp
__x86_indirect_thunk_rbp:
	jmp	*%rbp

/* flags live across instrumented accesses must survive */
FUNC fx_flags
	EXP fx_flags, EN, 8, S, 0
	lea	gbuf(%rip), %rdi
	EXP fx_flags, W, 4, A, gbuf+0x180
	movl	$5, 0x180(%rdi)
	mov	$1, %eax
	cmp	$2, %eax
	EXP fx_flags, R, 4, A, gbuf+0x180
	mov	0x180(%rdi), %edx
	setb	%cl
	mov	$0x7fffffff, %eax
	add	$1, %eax
	EXP fx_flags, R, 4, A, gbuf+0x180
	mov	0x180(%rdi), %esi
	seto	%ch
	movzbl	%cl, %eax
	movzbl	%ch, %ecx
	lea	(%rax,%rcx,2), %eax
	lea	(%rax,%rdx,4), %eax
	add	%esi, %eax
	EXP fx_flags, EX, 8, S, 0
	EXP fx_flags, R, 8, S, 0, 1, STK
	ret
ENDF fx_flags

/* every register live across accesses: the rewriter must borrow and give back */
FUNC fx_pressure
	EXP fx_pressure, EN, 8, S, 0
	EXP fx_pressure, W, 8, S, -8, 1, STK
	push	%rbx
	EXP fx_pressure, W, 8, S, -16, 1, STK
	push	%rbp
	EXP fx_pressure, W, 8, S, -24, 1, STK
	push	%r12
	EXP fx_pressure, W, 8, S, -32, 1, STK
	push	%r13
	EXP fx_pressure, W, 8, S, -40, 1, STK
	push	%r14
	EXP fx_pressure, W, 8, S, -48, 1, STK
	push	%r15
	lea	gbuf(%rip), %rdi
	mov	$1, %eax
	mov	$2, %ebx
	mov	$3, %ecx
	mov	$4, %edx
	mov	$5, %esi
	mov	$6, %ebp
	mov	$7, %r8d
	mov	$8, %r9d
	mov	$9, %r10d
	mov	$10, %r11d
	mov	$11, %r12d
	mov	$12, %r13d
	mov	$13, %r14d
	mov	$14, %r15d
	cmp	%ebx, %eax
	EXP fx_pressure, W, 8, A, gbuf+0x1c0
	mov	%r15, 0x1c0(%rdi)
	EXP fx_pressure, R, 8, A, gbuf+0x1c0
	adc	0x1c0(%rdi), %r14
	EXP fx_pressure, U, 8, A, gbuf+0x1c0+8*3
	add	%rax, 0x1c0(%rdi,%rcx,8)
	add	%rbx, %rax
	add	%rcx, %rax
	add	%rdx, %rax
	add	%rsi, %rax
	add	%rbp, %rax
	add	%r8, %rax
	add	%r9, %rax
	add	%r10, %rax
	add	%r11, %rax
	add	%r12, %rax
	add	%r13, %rax
	add	%r14, %rax
	add	%r15, %rax
	add	%rdi, %rax
	lea	gbuf(%rip), %rdi
	sub	%rdi, %rax
	EXP fx_pressure, R, 8, S, -48, 1, STK
	pop	%r15
	EXP fx_pressure, R, 8, S, -40, 1, STK
	pop	%r14
	EXP fx_pressure, R, 8, S, -32, 1, STK
	pop	%r13
	EXP fx_pressure, R, 8, S, -24, 1, STK
	pop	%r12
	EXP fx_pressure, R, 8, S, -16, 1, STK
	pop	%rbp
	EXP fx_pressure, R, 8, S, -8, 1, STK
	pop	%rbx
	EXP fx_pressure, EX, 8, S, 0
	EXP fx_pressure, R, 8, S, 0, 1, STK
	ret
ENDF fx_pressure

/* the red zone below %rsp survives instrumentation and the slow path */
FUNC fx_redzone
	EXP fx_redzone, EN, 8, S, 0
	EXP fx_redzone, W, 8, S, -8, 1, RSP
	movq	$0x1111, -8(%rsp)
	EXP fx_redzone, W, 8, S, -128, 1, RSP
	movq	$0x2222, -128(%rsp)
	lea	gbuf(%rip), %rdi
	mov	$64, %ecx
1:
	EXP fx_redzone, R, 4, A, gbuf, 64
	mov	(%rdi), %eax
	dec	%ecx
	jnz	1b
	EXP fx_redzone, R, 8, S, -8, 1, RSP
	mov	-8(%rsp), %rax
	EXP fx_redzone, R, 8, S, -128, 1, RSP
	add	-128(%rsp), %rax
	EXP fx_redzone, EX, 8, S, 0
	EXP fx_redzone, R, 8, S, 0, 1, STK
	ret
ENDF fx_redzone

/* a PIC jump table; called with 1 and 3 */
FUNC fx_table
	EXP fx_table, EN, 8, S, 0, 2
	lea	.Ltab(%rip), %rdx
	mov	%edi, %eax
	EXP fx_table, R, 4, A, .Ltab+4
	EXP fx_table, R, 4, A, .Ltab+12
	movslq	(%rdx,%rax,4), %rax
	add	%rdx, %rax
	jmp	*%rax
.Lc0:
	mov	$10, %eax
	ret
.Lc1:
	lea	gbuf(%rip), %rcx
	EXP fx_table, R, 4, A, gbuf+4
	mov	4(%rcx), %eax
	EXP fx_table, EX, 8, S, 0
	EXP fx_table, R, 8, S, 0, 1, STK
	ret
.Lc2:
	mov	$12, %eax
	ret
.Lc3:
	lea	gbuf(%rip), %rcx
	EXP fx_table, W, 4, A, gbuf+0xc
	movl	$33, 0xc(%rcx)
	mov	$13, %eax
	EXP fx_table, EX, 8, S, 0
	EXP fx_table, R, 8, S, 0, 1, STK
	ret
ENDF fx_table

	.section .rodata
	.p2align 2
.Ltab:
	.long	.Lc0 - .Ltab
	.long	.Lc1 - .Ltab
	.long	.Lc2 - .Ltab
	.long	.Lc3 - .Ltab

/* a hot/cold split: the cold part is entered and left by jumps */
	.section .text.unlikely, "ax", @progbits
	.type	fx_hot.cold, @function
fx_hot.cold:
	EXP fx_hot.cold, R, 4, A, gbuf+0x30
	mov	0x30(%rdi), %eax
	jmp	.Lhot_back
	.size	fx_hot.cold, . - fx_hot.cold
	.pushsection .rodata.ksnames, "a"
.Lname_fx_hot.cold:
	.asciz "fx_hot.cold"
	.popsection

	.text
FUNC fx_hot
	EXP fx_hot, EN, 8, S, 0
	lea	gbuf(%rip), %rdi
	jmp	fx_hot.cold
.Lhot_back:
	add	$1, %eax
	EXP fx_hot, EX, 8, S, 0
	EXP fx_hot, R, 8, S, 0, 1, STK
	ret
ENDF fx_hot

/* loop and jrcxz have only 8-bit displacements */
FUNC fx_loop
	EXP fx_loop, EN, 8, S, 0
	lea	gbuf+0x40(%rip), %rdi
	xor	%eax, %eax
	mov	$3, %ecx
1:
	EXP fx_loop, R, 4, A, gbuf+0x40
	EXP fx_loop, R, 4, A, gbuf+0x44
	EXP fx_loop, R, 4, A, gbuf+0x48
	add	(%rdi), %eax
	add	$4, %rdi
	loop	1b
	jrcxz	2f
	ud2
2:
	EXP fx_loop, EX, 8, S, 0
	EXP fx_loop, R, 8, S, 0, 1, STK
	ret
ENDF fx_loop

/*
 * A loop whose head is the function's first instruction (a spin loop, a
 * tail call made a loop): one entry per call, not one per iteration.
 */
	.data
ghead:
	.long	0
	.text
FUNC fx_loophead
.Lhead:
	EXP fx_loophead, EN, 8, S, 0
	EXP fx_loophead, U, 4, A, ghead, 3
	incl	ghead(%rip)
	EXP fx_loophead, R, 4, A, ghead, 3
	cmpl	$3, ghead(%rip)
	jb	.Lhead
	EXP fx_loophead, R, 4, A, ghead
	mov	ghead(%rip), %eax
	EXP fx_loophead, EX, 8, S, 0
	EXP fx_loophead, R, 8, S, 0, 1, STK
	ret
ENDF fx_loophead

	.section .note.GNU-stack, "", @progbits
