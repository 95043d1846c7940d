// SPDX-License-Identifier: GPL-2.0
/*
 * Indirect calls through memory, a RIP-relative pointer and a register:
 * CALL_PRE must record the target each one reaches.  The program prints
 * the addresses it calls (tests/race/run.sh compares).
 */
#include <stdio.h>

struct ops {
	int (*a)(int);
	int (*b)(int);
};

__attribute__((noinline)) int fa(int x)
{
	return x + 1;
}

__attribute__((noinline)) int fb(int x)
{
	return x * 2;
}

struct ops gops = { fa, fb };
int (*gptr)(int) = fb;

__attribute__((noinline)) int via_mem(struct ops *o, int x)
{
	return o->b(x) + 1; /* call *8(%reg) */
}

__attribute__((noinline)) int via_rip(int x)
{
	return gptr(x) + 1; /* call *gptr(%rip) */
}

__attribute__((noinline)) int via_reg(int (*f)(int), int x)
{
	return f(x) + 1; /* call *%reg */
}

int main(int argc, char **argv)
{
	printf("via_mem %p\nvia_rip %p\nvia_reg %p\n", (void *)gops.b,
	       (void *)gptr, (void *)fa);
	printf("%d %d %d\n", via_mem(&gops, argc), via_rip(argc),
	       via_reg(fa, argc));
	return 0;
}
