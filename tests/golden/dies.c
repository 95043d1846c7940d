// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the fixture fx_hot over and over, then dies the way argv[1] says:
 * "kill" (SIGKILL, nothing runs after it) or "segv" (a NULL store).  The
 * trace must stay readable up to its last flushed buffer.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

unsigned char gbuf[8192] __attribute__((aligned(64)));
long fx_hot(void);

int main(int argc, char **argv)
{
	long sum = 0;

	for (int i = 0; i < 2000; i++)
		sum += fx_hot();
	printf("%ld\n", sum);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		raise(SIGKILL);
	*(volatile int *)0 = 1;
	return 0;
}
