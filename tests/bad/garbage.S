/* "functions" that are no x86-64 code at all: refused by default */
	.text
	.globl	one
	.type	one, @function
one:
	.byte	0x06, 0x07, 0x06, 0x07
	.size	one, . - one
	.globl	two
	.type	two, @function
two:
	.byte	0x16, 0x17, 0x1e, 0x1f
	.size	two, . - two
	.section .note.GNU-stack, "", @progbits
