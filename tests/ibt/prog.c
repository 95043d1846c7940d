// SPDX-License-Identifier: GPL-2.0
/*
 * The IBT plugin's own test program (tests/ibt/run.sh): three indirect
 * calls to a function that starts with endbr64 (-fcf-protection), then
 * one to a function that does not.
 */
#include <stdio.h>

__attribute__((noinline)) int ibt_good(int x)
{
	return x + 1;
}

/* no endbr64: written in assembly */
__asm__(".text\n.globl ibt_bad\n.type ibt_bad, @function\nibt_bad:\n"
	"\tleal 2(%rdi), %eax\n\tret\n.size ibt_bad, .-ibt_bad\n");
int ibt_bad(int x);

int (*volatile ibt_fp)(int);

int main(void)
{
	int s = 0, i;

	ibt_fp = ibt_good;
	for (i = 0; i < 3; i++)
		s += ibt_fp(i);
	ibt_fp = ibt_bad;
	s += ibt_fp(1);
	printf("%d\n", s);
	return s != 9;
}
