// SPDX-License-Identifier: GPL-2.0
/*
 * Planted races for 'kstride race', each beside a correctly synchronised
 * twin, and the same program built with -fsanitize=thread as the oracle
 * (tests/race/run.sh).  Each scenario names its functions after what they
 * do: a race is reported between two functions, never inside a twin.
 *
 *   counter      two threads increment a shared counter: unlocked (race)
 *                and under a mutex (twin)
 *   flag         a result published through a plain flag (race) and
 *                through pthread_join (twin)
 *   uaf          one thread frees what another used without ordering
 *                (race), and after a join (twin)
 *   reuse        memory freed and allocated again in another thread after
 *                a join: the new object is not the old (no race); it is
 *                allocated through a wrapper that tail-calls calloc
 *   rwlock       readers and a writer under a rwlock (twin), and a writer
 *                that skips it (race)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 2000
#define NOINLINE __attribute__((noinline))

static volatile int counter_racy, counter_locked;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static NOINLINE void *counter_racy_thread(void *arg)
{
	for (int i = 0; i < N; i++)
		counter_racy++;
	return arg;
}

static NOINLINE void *counter_locked_thread(void *arg)
{
	for (int i = 0; i < N; i++) {
		pthread_mutex_lock(&m);
		counter_locked++;
		pthread_mutex_unlock(&m);
	}
	return arg;
}

static void run2(void *(*fn)(void *), void *arg)
{
	pthread_t a, b;

	pthread_create(&a, NULL, fn, arg);
	pthread_create(&b, NULL, fn, arg);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static int result_racy, result_joined;
static volatile int flag;

static NOINLINE void *flag_writer(void *arg)
{
	result_racy = 42;
	flag = 1;
	return arg;
}

static NOINLINE void flag_reader(void)
{
	while (!flag)
		;
	if (result_racy != 42)
		abort();
}

static NOINLINE void *joined_writer(void *arg)
{
	result_joined = 42;
	return arg;
}

static NOINLINE void joined_reader(void)
{
	if (result_joined != 42)
		abort();
}

struct obj {
	long v[8];
};

static NOINLINE void *uaf_user(void *arg)
{
	struct obj *o = arg;

	o->v[3] = 7;
	return NULL;
}

static NOINLINE void uaf_freer(struct obj *o)
{
	free(o);
}

/* a wrapper that tail-calls the allocator ("jmp calloc"), also at -O1 */
static NOINLINE __attribute__((optimize("optimize-sibling-calls")))
struct obj *obj_new(void)
{
	return calloc(1, sizeof(struct obj));
}

static NOINLINE void *reuse_user(void *arg)
{
	struct obj *o = arg;

	for (int i = 0; i < 8; i++)
		o->v[i] = i;
	return NULL;
}

static NOINLINE void reuse_main_touch(struct obj *o)
{
	for (int i = 0; i < 8; i++)
		o->v[i] += 1;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long table[4], table_racy[4];

static NOINLINE void *rw_reader(void *arg)
{
	long s = 0;

	for (int i = 0; i < N / 10; i++) {
		pthread_rwlock_rdlock(&rw);
		s += table[i & 3];
		pthread_rwlock_unlock(&rw);
		s += table_racy[i & 3];
	}
	return (void *)s;
}

static NOINLINE void *rw_writer(void *arg)
{
	for (int i = 0; i < N / 10; i++) {
		pthread_rwlock_wrlock(&rw);
		table[i & 3]++;
		pthread_rwlock_unlock(&rw);
		table_racy[i & 3]++; /* outside the lock: races with readers */
	}
	return arg;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "";
	pthread_t t, r1, r2;
	struct obj *o;

	if (!*only || !strcmp(only, "counter")) {
		run2(counter_racy_thread, NULL);
		run2(counter_locked_thread, NULL);
	}
	if (!*only || !strcmp(only, "flag")) {
		pthread_create(&t, NULL, flag_writer, NULL);
		flag_reader();
		pthread_join(t, NULL);
		pthread_create(&t, NULL, joined_writer, NULL);
		pthread_join(t, NULL);
		joined_reader();
	}
	if (!*only || !strcmp(only, "uaf")) {
		/* zeroed: main waits for the thread's write */
		o = calloc(1, sizeof(*o));
		pthread_create(&t, NULL, uaf_user, o);
		/* no join before the free: the race; joined below */
		while (!__atomic_load_n(&o->v[3], __ATOMIC_RELAXED))
			;
		uaf_freer(o);
		pthread_join(t, NULL);
	}
	if (!*only || !strcmp(only, "reuse")) {
		for (int k = 0; k < 4; k++) {
			o = obj_new();
			pthread_create(&t, NULL, reuse_user, o);
			pthread_join(t, NULL);
			reuse_main_touch(o);
			free(o);
		}
	}
	if (!*only || !strcmp(only, "rwlock")) {
		pthread_create(&r1, NULL, rw_reader, NULL);
		pthread_create(&r2, NULL, rw_reader, NULL);
		pthread_create(&t, NULL, rw_writer, NULL);
		pthread_join(r1, NULL);
		pthread_join(r2, NULL);
		pthread_join(t, NULL);
	}
	printf("%d %d\n", counter_racy > 0, counter_locked);
	return 0;
}
