// SPDX-License-Identifier: GPL-2.0
/*
 * C++ exceptions thrown and caught through instrumented frames (lib.cc).
 * For each n in 0..ROUNDS-1, cxx_catcher(buf, n % 16, 7) must return
 * n % 16 + 1, or -1 when n % 16 > 7, having written what lib.cc says.
 * Prints the bytes lib.cc wrote in buf and where it is, for the trace
 * check (tests/tools/readcover.c).
 *
 * Usage: cxx-test [ROUNDS]
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cxx.h"

static int buf[32];

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 1000;
	long bad = 0, thrown = 0, words = 0;

	for (long r = 0; r < rounds; r++) {
		int n = r % 16, want = n > 7 ? -1 : n + 1;

		memset(buf, 0, sizeof(buf));
		int got = cxx_catcher(buf, n, 7);
		if (got != want)
			bad++;
		for (int i = 0; i < n; i++)
			if (buf[i] != i * 3 + 1)
				bad++;
		/* the guard's += 1 reads and writes buf[n] */
		if (buf[n] != 1)
			bad++;
		if (n > 7) {
			thrown++;
			if (buf[n + 1] != -1 || buf[n + 2] != -2)
				bad++;
		}
		/* p[0..n-1], the guard's p[n], p[n+1] and p[n+2] if thrown */
		words += n + (n > 7 ? 3 : 1);
	}
	if (cxx_dtors != rounds)
		bad++;
	printf("thrown %ld of %ld, destructors %ld\n", thrown, rounds, cxx_dtors);
	printf("buf %ld %p %zu W\n", words * 4, (void *)buf, sizeof(buf));
	printf("wrong %ld\n", bad);
	return bad != 0;
}
