/* a function with a byte that is no instruction in 64-bit mode */
	.text
	.globl	good
	.type	good, @function
good:
	mov	(%rdi), %eax
	ret
	.size	good, . - good
	.globl	bad
	.type	bad, @function
bad:
	mov	(%rdi), %eax
	.byte	0x06		/* push %es: invalid in 64-bit mode */
	ret
	.size	bad, . - bad
	.section .note.GNU-stack, "", @progbits
