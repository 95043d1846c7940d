// SPDX-License-Identifier: GPL-2.0
/*
 * Instrumented code in a parent and in a forked child: both must run to
 * completion (the child's first full buffer used to wait forever for a
 * consumer thread it does not have) and the parent's trace must stay
 * whole.  Usage: fork-test KB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static unsigned long work(size_t kb)
{
	size_t n = kb * 1024;
	unsigned char *in = malloc(n);
	uLongf clen = compressBound(n);
	unsigned char *out = malloc(clen);

	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)(i * 31 / 7);
	if (compress(out, &clen, in, n) != Z_OK)
		exit(1);
	free(in);
	free(out);
	return clen;
}

int main(int argc, char **argv)
{
	size_t kb = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	int status;
	pid_t pid;

	printf("parent before: %lu\n", work(kb));
	fflush(stdout);
	pid = fork();
	if (!pid) {
		printf("child: %lu\n", work(kb));
		return 0;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	printf("parent after: %lu\n", work(kb));
	return 0;
}
