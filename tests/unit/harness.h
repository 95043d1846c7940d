/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A header-only test harness in the spirit of kselftest_harness.h:
 *   TEST(name) { ASSERT_EQ(a, b); EXPECT_TRUE(x); }
 * and TEST_MAIN() at the end.  Prints kselftest-style "ok N name" lines and
 * "# name: N passed, N failed, 0 skipped".
 */
#ifndef KS_HARNESS_H
#define KS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ks_test {
	const char *name;
	void (*fn)(int *failed);
};

#define KS_MAX_TESTS 256
static struct ks_test ks_tests[KS_MAX_TESTS];
static int ks_ntests;

#define TEST(tn)                                                               \
	static void test_##tn(int *__failed);                                  \
	__attribute__((constructor)) static void register_##tn(void)           \
	{                                                                      \
		ks_tests[ks_ntests].name = #tn;                                \
		ks_tests[ks_ntests++].fn = test_##tn;                          \
	}                                                                      \
	static void test_##tn(int *__failed)

#define __CHECK(cond, fatal, fmt, ...)                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__,     \
			       ##__VA_ARGS__);                                 \
			*__failed = 1;                                         \
			if (fatal)                                             \
				return;                                        \
		}                                                              \
	} while (0)

#define ASSERT_TRUE(c) __CHECK((c), 1, "expected %s", #c)
#define EXPECT_TRUE(c) __CHECK((c), 0, "expected %s", #c)
#define ASSERT_EQ(a, b)                                                        \
	__CHECK((long long)(a) == (long long)(b), 1,                           \
		"%s == %s: %lld != %lld", #a, #b, (long long)(a),              \
		(long long)(b))
#define EXPECT_EQ(a, b)                                                        \
	__CHECK((long long)(a) == (long long)(b), 0,                           \
		"%s == %s: %lld != %lld", #a, #b, (long long)(a),              \
		(long long)(b))
#define EXPECT_STREQ(a, b)                                                     \
	__CHECK(!strcmp((a), (b)), 0, "\"%s\" != \"%s\"", (a), (b))

#define TEST_MAIN(suite)                                                       \
	int main(void)                                                         \
	{                                                                      \
		int i, pass = 0, fail = 0;                                     \
		for (i = 0; i < ks_ntests; i++) {                              \
			int failed = 0;                                        \
			ks_tests[i].fn(&failed);                               \
			printf("%sok %d %s\n", failed ? "not " : "", i + 1,    \
			       ks_tests[i].name);                              \
			failed ? fail++ : pass++;                              \
		}                                                              \
		printf("# %s: %d passed, %d failed, 0 skipped\n", suite, pass, \
		       fail);                                                  \
		return fail ? 1 : 0;                                           \
	}

#endif /* KS_HARNESS_H */
