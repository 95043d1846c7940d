/* SPDX-License-Identifier: GPL-2.0 */
/*
 * valgrind-quirks.S: the instructions for which valgrind lackey's memory
 * trace differs from what the CPU does, next to controls that it gets
 * right.  tests/fidelity/valgrind-quirks.sh runs this under lackey and
 * checks lackey's accesses for each q_* label against the expectations
 * that tests/fidelity/compare.py's normalisations rely on.
 *
 * Each q_* label marks exactly one instruction; the loop runs them
 * LOOPS (5) times, so every count lackey shows should be 5.
 *
 *  bt-reg      bt/bts/btr/btc with only register operands touch no memory,
 *              but VEX's amd64 front end puts the register on the stack
 *              (below the red zone) and does the bit operation there:
 *              lackey shows the spill store, a 1-byte load (bt, when CF is
 *              used) or modify (bts/btr/btc) and, for bts/btr/btc, the
 *              reload of the register.  The forms with an immediate bit
 *              offset are translated without memory.
 *  dead-pop    pop REG whose loaded value is overwritten before any use:
 *              VEX's IR optimiser drops the (side-effect-free) load, lackey
 *              instruments the optimised IR and shows nothing; the CPU
 *              reads 8 bytes.  The same removal hits other loads whose
 *              result is dead (q_bt_mem_dead: bt with CF unused); only pop
 *              is normalised, the one class seen in zlib and sqlite.
 *  locked-rmw  lock-prefixed read-modify-write, and xchg with memory
 *              (implicitly locked): VEX emits a plain load, then a CAS;
 *              lackey counts the CAS as a load plus a store (merged into
 *              M), so it shows L n + M n for one locked update.  lock
 *              cmpxchg is a bare CAS: M n only, nothing to fold.
 */
#define LOOPS 5

	.text
	.globl	main
	.type	main, @function
main:
	push	%rbx
	push	%r12
	push	%r13
	mov	$LOOPS, %r12d
1:
	mov	$5, %rax
	mov	$3, %rbx

	/* bt-reg */
q_bt_reg_live:
	bt	%rbx, %rax
	setc	%r13b
q_bt_reg32_live:
	bt	%ebx, %eax
	adc	$0, %r13d
q_bts_reg:
	bts	%rbx, %rax
q_btr_reg:
	btr	%rbx, %rax
q_btc_reg:
	btc	%rbx, %rax
q_bt_imm:
	bt	$3, %rax
	adc	$0, %r13d
q_bts_imm:
	bts	$3, %rax
	/* controls: a memory operand, not normalised */
q_bt_mem_live:
	bt	%rbx, (%rsp)
	adc	$0, %r13d
q_bt_mem_dead:
	bt	%rbx, (%rsp)		/* CF dead: lackey drops the load */
q_bts_mem:
	bts	%rbx, (%rsp)

	/* dead-pop */
	push	%rax
q_pop_dead:
	pop	%rcx
	mov	$1, %rcx
	push	%rax
q_pop_live:
	pop	%rdx
	add	%rdx, %rcx

	/* locked-rmw */
q_lock_or:
	lock orq $0, (%rsp)
q_lock_add:
	lock addq $0, (%rsp)
q_lock_incl:
	lock incl (%rsp)
q_lock_decl:
	lock decl (%rsp)
q_lock_xadd:
	lock xadd %rax, (%rsp)
q_xchg_mem:
	xchg	%rax, (%rsp)
	xchg	%rax, (%rsp)		/* restore */
q_xchg_mem32:
	xchg	%eax, (%rsp)
	xchg	%eax, (%rsp)		/* restore */
	mov	(%rsp), %rax
q_lock_cmpxchg:
	lock cmpxchg %rbx, (%rsp)	/* succeeds: %rax == (%rsp) */
	/* control: no lock, one M */
q_or_mem:
	orq	$0, (%rsp)

	dec	%r12d
	jnz	1b
	xor	%eax, %eax
	pop	%r13
	pop	%r12
	pop	%rbx
	ret
	.size	main, .-main

	.section .note.GNU-stack,"",@progbits
