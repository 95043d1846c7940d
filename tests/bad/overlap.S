/* two function symbols that overlap without being aliases */
	.text
	.globl	a
	.type	a, @function
a:
	nop
	nop
	nop
	nop
	ret
	.size	a, 4
	.globl	b
	.type	b, @function
	b = a + 2
	.size	b, 3
	.section .note.GNU-stack, "", @progbits
