/*
 * A library with a vendor instruction Zydis does not decode (VIA
 * PadLock's rep xsha512, f3 0f a6 e0) beside ordinary code: by default
 * the one function stays original and the rest is instrumented.
 */
	.text
	.globl	plain
	.type	plain, @function
plain:
	mov	(%rdi), %eax
	add	4(%rdi), %eax
	ret
	.size	plain, . - plain
	.globl	padlock_sha512
	.type	padlock_sha512, @function
padlock_sha512:
	mov	(%rdi), %rax
	.byte	0xf3, 0x0f, 0xa6, 0xe0
	ret
	.size	padlock_sha512, . - padlock_sha512
	.section .note.GNU-stack, "", @progbits
