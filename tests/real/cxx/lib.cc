// SPDX-License-Identifier: GPL-2.0
/*
 * The instrumented half of the C++ exception test: functions that throw,
 * that only clean up on the way out (a destructor), that catch and
 * rethrow, and that catch, each writing to the caller's buffer first.
 * What main (cxx-test.cc, not instrumented) checks is said there.
 */
#include <stdexcept>

#include "cxx.h"

long cxx_dtors;

namespace {
struct guard {
	int *p;
	explicit guard(int *q) : p(q) {}
	~guard() { *p += 1; cxx_dtors++; }
};
}

/* writes p[0..n-1], throws when n is over the limit */
__attribute__((noinline)) int cxx_thrower(int *p, int n, int limit)
{
	for (int i = 0; i < n; i++)
		p[i] = i * 3 + 1;
	if (n > limit)
		throw std::runtime_error("over the limit");
	return n;
}

/* no catch: the guard's destructor runs on the way out */
__attribute__((noinline)) int cxx_cleanup(int *p, int n, int limit)
{
	guard g(&p[n]);
	return cxx_thrower(p, n, limit) + 1;
}

/* catches, writes, rethrows */
__attribute__((noinline)) int cxx_rethrow(int *p, int n, int limit)
{
	try {
		return cxx_cleanup(p, n, limit);
	} catch (...) {
		p[n + 1] = -1;
		throw;
	}
}

/* catches by type: returns -1 for what was thrown */
int cxx_catcher(int *p, int n, int limit)
{
	try {
		return cxx_rethrow(p, n, limit);
	} catch (const std::runtime_error &e) {
		p[n + 2] = -2;
		return -1;
	}
}
