// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space runtime linked into instrumented programs.
 *
 * Instrumented code reserves records in its thread's current buffer through
 * %fs:__kstride_tls (see abi.h) and calls __kstride_refill when it is full.
 * A full buffer is handed to one consumer thread and the producer takes an
 * empty one from its own pool, so producing and consuming run on different
 * cores.  The consumer writes each buffer to $KSTRIDE_OUTPUT as one DATA
 * chunk, or, without KSTRIDE_OUTPUT, discards it ("collect").  With
 * KSTRIDE_STATS=1 it first walks the records to count events and regions.
 * (The walk, one dependent load chain per record, was slower than the
 * producer on zlib: the program waited for the consumer on half of its
 * buffers, so it runs only when its counts are asked for.)  (Buffers that are windows of a shared
 * mapping of the file were tried: page faults on tmpfs and page_mkwrite on
 * ext4 made them slower than one writev() per buffer.)  A producer whose buffers are all queued
 * waits for one: nothing is ever dropped silently.  At exit the descriptor
 * sections are dumped so that readers can decode the records offline.
 *
 * This code is compiled with -mgeneral-regs-only: refill.S saves the SSE
 * state, but nothing here should need it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../../lib/trace/twrite.h"
#include "rt.h"

#define NBUF_DEFAULT 4

/* the file header is padded to a page, for tools that map the file */
#define FIRST_HDR 4096

_Static_assert(__builtin_offsetof(struct ks_tls, cur) == KS_TLS_CUR, "abi");
_Static_assert(__builtin_offsetof(struct ks_tls, limit) == KS_TLS_LIMIT, "abi");
_Static_assert(__builtin_offsetof(struct ks_tls, spill) == KS_TLS_SPILL, "abi");
_Static_assert(__builtin_offsetof(struct ks_tls, th) == KS_TLS_SIZE, "abi");

/* cur > limit on first use sends the first region to the slow path */
__thread struct ks_tls __kstride_tls
	__attribute__((tls_model("initial-exec"), visibility("default"))) = {
	.cur = 1,
};

/*
 * --calls: the tickets that order calls out of instrumented code across
 * threads (abi.h, part 6), and THREAD records (desc.S).
 */
uint64_t __kstride_seq __attribute__((visibility("default")));
extern const char __kstride_rt_thread_region[];
extern const char __start_kstride_calls[] __attribute__((weak));

extern const char __start_kstride_regions[] __attribute__((weak));
extern const char __stop_kstride_regions[] __attribute__((weak));
extern const char __start_kstride_funcs[] __attribute__((weak));
extern const char __stop_kstride_funcs[] __attribute__((weak));
extern const char __start_kstride_strs[] __attribute__((weak));
extern const char __stop_kstride_strs[] __attribute__((weak));

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work; /* consumer: a buffer is queued, or stop */
	pthread_cond_t done; /* producers: a buffer came back */
	int fd; /* -1: consume and discard */
	struct ks_twriter w; /* the trace file, through the shared writer */
	int inited, stopping, finished, have_consumer;
	int count; /* KSTRIDE_STATS: walk the records to count events */
	size_t bufsize, nbuf;
	pthread_key_t key;
	pthread_t consumer;
	struct ks_buf *head, *tail; /* the queue, oldest first */
	unsigned queued, busy;
	struct ks_thread *threads;
	pthread_mutex_t io_lock; /* whole chunks */
	uint64_t bytes, dropped, events, regions, nthreads, waits;
} rt = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.io_lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.fd = -1,
};

/*
 * rt.lock is only ever taken with every signal blocked: a handler that runs
 * instrumented code may need it, and must never find it held by the code
 * it interrupted on the same thread.
 */
static void rt_lock(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	pthread_mutex_lock(&rt.lock);
}

static void rt_unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&rt.lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void ks_rt_msg(const char *what, int err)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "kstride runtime: %s%s%s\n", what,
		     err ? ": " : "", err ? strerror(err) : "");
	if (n > 0 && write(2, buf, n) < 0)
		return;
}

/* Walk complete records: this is what "consumed" means in discard mode. */
static void consume(const char *p, const char *end)
{
	uint64_t regions = 0, events = 0;
	uint64_t lo = (uint64_t)__start_kstride_regions;

	while (p + KS_REC_HDR <= end) {
		const struct ks_region *r;
		uint32_t ref;
		uint64_t a;

		memcpy(&ref, p, sizeof(ref));
		if (!ref)
			break; /* reserved but never committed (signal) */
		/* the section is < 4 GiB: one high half, or the next one */
		a = (lo & ~0xffffffffull) | ref;
		if (a < lo)
			a += 1ull << 32;
		r = (const struct ks_region *)a;
		regions++;
		events += r->nsites;
		p += KS_REC_BYTES(r->nslots);
	}
	__atomic_fetch_add(&rt.regions, regions, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rt.events, events, __ATOMIC_RELAXED);
}

static int anon_map(struct ks_buf *b)
{
	void *p = mmap(NULL, rt.bufsize, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	b->base = (uint64_t)p;
	b->cap = rt.bufsize;
	return 0;
}

/* One DATA chunk. */
static void write_chunk(struct ks_buf *b)
{
	struct ks_data_hdr dh = { .tid = b->owner->tid, .seq = b->seq,
				  .fs_base = b->owner->fs_base,
				  .records = b->len, .kinfo = b->kinfo };
	struct iovec iov[2] = { { &dh, sizeof(dh) },
				{ (void *)b->base, b->len } };
	int err;

	pthread_mutex_lock(&rt.io_lock);
	err = ks_twrite__chunk(&rt.w, KS_CHUNK_DATA, iov, 2);
	if (err) {
		if (!rt.dropped)
			ks_rt_msg("cannot write the trace; records are counted as dropped",
			       -err);
		__atomic_fetch_add(&rt.dropped, b->len, __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_add(&rt.bytes, b->len, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&rt.io_lock);
}

/* Write or consume one buffer.  Called without rt.lock. */
static void process(struct ks_buf *b)
{
	if (!b->len)
		return;
	if (rt.count)
		consume((const char *)b->base,
			(const char *)(b->base + b->len));
	if (rt.fd >= 0) {
		write_chunk(b);
		return;
	}
	__atomic_fetch_add(&rt.bytes, b->len, __ATOMIC_RELAXED);
}

/* Give a processed buffer back to its owner.  Called with rt.lock held. */
static void give_back_locked(struct ks_buf *b)
{
	b->len = 0;
	b->out = 0;
	b->owner->nout--;
	b->next = b->owner->free;
	b->owner->free = b;
	pthread_cond_broadcast(&rt.done);
}

static void *consumer_main(void *arg)
{
	pthread_mutex_lock(&rt.lock);
	for (;;) {
		struct ks_buf *b = rt.head;

		if (!b) {
			if (rt.stopping)
				break;
			pthread_cond_wait(&rt.work, &rt.lock);
			continue;
		}
		rt.head = b->next;
		if (!rt.head)
			rt.tail = NULL;
		rt.queued--;
		rt.busy++;
		pthread_mutex_unlock(&rt.lock);
		process(b);
		pthread_mutex_lock(&rt.lock);
		rt.busy--;
		give_back_locked(b);
	}
	pthread_mutex_unlock(&rt.lock);
	return arg;
}

/* Called with rt.lock held. */
static void enqueue_locked(struct ks_buf *b)
{
	b->out = 1;
	b->owner->nout++;
	if (!rt.have_consumer) {
		/* no consumer thread (it could not start): do it inline */
		pthread_mutex_unlock(&rt.lock);
		process(b);
		pthread_mutex_lock(&rt.lock);
		give_back_locked(b);
		return;
	}
	b->next = NULL;
	if (rt.tail)
		rt.tail->next = b;
	else
		rt.head = b;
	rt.tail = b;
	rt.queued++;
	pthread_cond_signal(&rt.work);
}

static void rt_exit(void);
static void thread_exit(void *arg);

/*
 * A forked child has none of the parent's threads, its consumer among
 * them, and shares the parent's trace file.  It keeps running its
 * instrumented code, but its records are walked and discarded: the
 * parent's trace stays whole.  (Per-process traces are future work.)
 */
static void rt_atfork_child(void)
{
	struct ks_tls *me = &__kstride_tls;

	pthread_mutex_init(&rt.lock, NULL);
	pthread_mutex_init(&rt.io_lock, NULL);
	pthread_cond_init(&rt.work, NULL);
	pthread_cond_init(&rt.done, NULL);
	rt.fd = -1;
	rt.w.fd = -1;
	rt.have_consumer = 0;
	rt.finished = 1;
	rt.head = rt.tail = NULL;
	rt.queued = rt.busy = 0;
	rt.threads = NULL;
	me->cur = 1;
	me->limit = 0;
	me->th = NULL;
	me->depth = 0;
}

static void dump_section(uint32_t type, const char *start, const char *stop)
{
	uint64_t addr = (uint64_t)start;
	struct iovec iov[2] = { { &addr, 8 },
				{ (void *)start, (size_t)(stop - start) } };

	if (ks_twrite__chunk(&rt.w, type, iov, 2))
		rt.dropped += stop - start;
}

static void dump_descriptors(void)
{
	if (__start_kstride_regions)
		dump_section(KS_CHUNK_REGIONS, __start_kstride_regions,
			     __stop_kstride_regions);
	if (__start_kstride_funcs)
		dump_section(KS_CHUNK_FUNCS, __start_kstride_funcs,
			     __stop_kstride_funcs);
	if (__start_kstride_strs)
		dump_section(KS_CHUNK_STRS, __start_kstride_strs,
			     __stop_kstride_strs);
}

/* Called with rt.lock held. */
static void rt_init_locked(void)
{
	struct ks_file_hdr hdr = { .version = KS_ABI_VERSION };
	const char *out = getenv("KSTRIDE_OUTPUT");
	const char *bs = getenv("KSTRIDE_BUFSIZE");
	const char *nb = getenv("KSTRIDE_NBUF");
	sigset_t all, old;

	rt.inited = 1;
	rt.count = getenv("KSTRIDE_STATS") != NULL;
	rt.bufsize = 1 << 20;
	if (bs && atol(bs) >= 4096)
		rt.bufsize = (size_t)atol(bs) & ~(size_t)4095;
	rt.nbuf = NBUF_DEFAULT;
	if (nb && atol(nb) >= 1 && atol(nb) <= 64)
		rt.nbuf = atol(nb);
	pthread_key_create(&rt.key, thread_exit);
	pthread_atfork(NULL, NULL, rt_atfork_child);
	atexit(rt_exit);
	if (out && *out) {
		rt.fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		rt.w.fd = rt.fd;
		if (rt.fd < 0) {
			ks_rt_msg("cannot open $KSTRIDE_OUTPUT; events are counted, not saved",
			       errno);
		} else {
			int err;

			memcpy(hdr.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
			hdr.pid = getpid();
			err = ks_twrite__header(&rt.w, &hdr, FIRST_HDR);
			if (err) {
				ks_rt_msg("cannot write the trace", -err);
				close(rt.fd);
				rt.fd = rt.w.fd = -1;
			}
			/*
			 * The descriptors now, not at exit: a program that
			 * crashes or is killed leaves every buffer it flushed
			 * readable (script --force).
			 */
			if (rt.fd >= 0)
				dump_descriptors();
		}
	}
	ks_rt_sig_adopt();
	/* the consumer takes no signals meant for the program */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rt.have_consumer = !pthread_create(&rt.consumer, NULL, consumer_main,
					   NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!rt.have_consumer)
		ks_rt_msg("no consumer thread; buffers are processed inline", 0);
}

static uint64_t fs_base(void)
{
	uint64_t v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

/*
 * Memory for the pool comes from mmap, never malloc: a thread's first
 * instrumented code may run in a signal handler that interrupted malloc.
 * Called with rt.lock held.
 */
static struct ks_buf *buf_new_locked(struct ks_thread *th)
{
	struct ks_buf *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	if (b == MAP_FAILED)
		return NULL;
	pthread_mutex_unlock(&rt.lock);
	err = anon_map(b);
	pthread_mutex_lock(&rt.lock);
	if (err) {
		munmap(b, sizeof(*b));
		return NULL;
	}
	b->owner = th;
	return b;
}

/* Called with rt.lock held. */
static struct ks_thread *thread_new_locked(void)
{
	struct ks_thread *th = mmap(NULL, sizeof(*th), PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (th == MAP_FAILED)
		return NULL;
	th->tid = gettid();
	th->fs_base = fs_base();
	for (i = 0; i < rt.nbuf; i++) {
		struct ks_buf *b = buf_new_locked(th);

		if (!b) {
			if (!i) {
				munmap(th, sizeof(*th));
				return NULL;
			}
			break;
		}
		b->next = th->free;
		th->free = b;
	}
	th->next = rt.threads;
	rt.threads = th;
	rt.nthreads++;
	return th;
}

/*
 * An empty buffer for @th.  Waits for the consumer to give one back; but a
 * signal handler whose thread has none coming back (the buffers are held
 * by the code it interrupted) gets a new one instead of waiting forever.
 */
static struct ks_buf *take_free_locked(struct ks_thread *th, int depth)
{
	struct ks_buf *b;

	while (!th->free) {
		if (depth && !th->nout) {
			b = buf_new_locked(th);
			if (b)
				return b;
		}
		rt.waits++;
		pthread_cond_wait(&rt.done, &rt.lock);
	}
	b = th->free;
	th->free = b->next;
	return b;
}

void ks_rt_refill(void);

/* A THREAD record at @at: what, and which thread (abi.h, part 6). */
static void thread_record(uint64_t at, uint64_t what, const struct ks_thread *th)
{
	uint64_t v[KS_THREAD_SLOTS] = {
		__atomic_fetch_add(&__kstride_seq, 1, __ATOMIC_SEQ_CST),
		what, th->fs_base, th->tid,
	};
	uint32_t ref = (uint32_t)(uintptr_t)__kstride_rt_thread_region;

	memcpy((void *)(uintptr_t)(at + KS_REC_HDR), v, sizeof(v));
	__atomic_store_n((uint32_t *)(uintptr_t)at, ref, __ATOMIC_RELEASE);
}

/*
 * Signals are blocked from here until the new cursor is in place: the lock
 * is taken, and a handler must not see the thread half way.
 */
void ks_rt_refill(void)
{
	struct ks_tls *t = &__kstride_tls;
	uint64_t start = t->spill[3];
	uint64_t need = t->cur - start, at;
	struct ks_thread *th;
	struct ks_buf *b;
	int fresh = 0;
	sigset_t old;

	rt_lock(&old);
	if (!rt.inited)
		rt_init_locked();
	th = t->th;
	if (!th) {
		th = t->th = thread_new_locked();
		if (!th) {
			ks_rt_msg("cannot allocate trace buffers", ENOMEM);
			abort();
		}
		th->tls = t;
		fresh = 1;
	}
	if (th->cur && rt.finished) {
		/* after exit, or in a forked child: discard and reuse */
		b = th->cur;
	} else {
		if (th->cur) {
			th->cur->len = start - th->cur->base;
			enqueue_locked(th->cur);
			th->cur = NULL;
		}
		b = take_free_locked(th, t->depth);
		b->seq = th->seq++;
		b->kinfo = t->depth ?
			KS_UINFO(t->frames[t->depth - 1].sig, t->depth) : 0;
		th->cur = b;
	}
	if (!t->registered) {
		t->registered = 1;
		pthread_setspecific(rt.key, t);
	}
	pthread_mutex_unlock(&rt.lock);
	if (need > KS_REGION_MAX_BYTES)
		need = KS_REGION_MAX_BYTES;
	at = b->base;
	if (fresh && __start_kstride_calls) {
		/* the thread's first record says it started */
		thread_record(at, KS_THREAD_START, th);
		at += KS_REC_BYTES(KS_THREAD_SLOTS);
	}
	t->spill[3] = at;
	t->cur = at + need;
	t->limit = b->base + b->cap - KS_REGION_MAX_BYTES;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Hand @b's records up to @upto to the consumer, if it is still ours. */
static void flush_upto_locked(struct ks_buf *b, uint64_t upto)
{
	if (!b || b->out)
		return;
	if (upto < b->base || upto > b->base + b->cap)
		upto = b->base;
	b->len = upto - b->base;
	enqueue_locked(b);
}

/*
 * A thread that ends, or a program that exits, inside signal handlers
 * (exit(), pthread_exit() or a longjmp out of one): the buffers of the
 * code they interrupted are flushed first, oldest first, then the current
 * one.  Records still in flight in them were never committed; readers stop
 * at such a record, as after a crash.  Called with rt.lock held.
 */
static void flush_thread_locked(struct ks_thread *th, struct ks_tls *t)
{
	int d;

	if (t) {
		for (d = 0; d < t->depth && d < KS_SIG_DEPTH; d++) {
			flush_upto_locked(t->frames[d].buf, t->frames[d].cur);
			t->frames[d].buf = NULL;
		}
	}
	if (th->cur)
		flush_upto_locked(th->cur, t ? t->cur : th->cur->base);
	th->cur = NULL;
}

/*
 * A handler that ran instrumented code returns: its buffer goes to the
 * consumer, and the interrupted code gets back exactly what it had (see
 * signal.c).
 */
void ks_rt_sig_leave(struct ks_tls *t, const struct ks_sigframe *f)
{
	struct ks_thread *th = t->th;
	sigset_t old;

	rt_lock(&old);
	if (th && th->cur && th->cur != f->buf && !rt.finished)
		flush_upto_locked(th->cur, t->cur);
	if (th)
		th->cur = f->buf;
	if (f->buf && f->buf->out) {
		/* taken at exit by another thread: start over */
		th->cur = NULL;
		t->cur = 1;
		t->limit = 0;
	} else {
		t->cur = f->cur;
		t->limit = f->limit;
	}
	memcpy(t->spill, f->spill, sizeof(t->spill));
	pthread_mutex_unlock(&rt.lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->depth--;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * Handlers nested KS_SIG_DEPTH deep: they were left by longjmp and will
 * never return.  What they interrupted is flushed and forgotten.
 */
void ks_rt_sig_reset(struct ks_tls *t)
{
	static int told;
	sigset_t old;
	int d;

	rt_lock(&old);
	for (d = 0; d < KS_SIG_DEPTH; d++) {
		if (!rt.finished)
			flush_upto_locked(t->frames[d].buf, t->frames[d].cur);
		t->frames[d].buf = NULL;
	}
	t->depth = 0;
	if (!told++)
		ks_rt_msg("signal handlers were left without returning (longjmp?); what they interrupted is flushed", 0);
	rt_unlock(&old);
}

static void thread_exit(void *arg)
{
	struct ks_tls *t = arg;
	struct ks_thread *th = t->th;
	sigset_t old;

	rt_lock(&old);
	/* its last record says it ended, if its buffer has the room */
	if (th && th->cur && !rt.finished && !t->depth && __start_kstride_calls &&
	    t->cur >= th->cur->base &&
	    t->cur + KS_REC_BYTES(KS_THREAD_SLOTS) <=
		    th->cur->base + th->cur->cap) {
		thread_record(t->cur, KS_THREAD_END, th);
		t->cur += KS_REC_BYTES(KS_THREAD_SLOTS);
	}
	if (th && !rt.finished)
		flush_thread_locked(th, t);
	t->cur = 1; /* anything recorded later starts over */
	t->limit = 0;
	t->depth = 0;
	if (th)
		th->tls = NULL;
	t->th = NULL;
	rt_unlock(&old);
}

static void rt_exit(void)
{
	if (rt.finished && rt.fd < 0 && !rt.have_consumer && !rt.threads)
		return; /* a forked child: nothing of ours to finish */
	struct ks_tls *me = &__kstride_tls;
	struct ks_thread *th;
	struct ks_end end;
	struct iovec iov[1];
	sigset_t old;

	rt_lock(&old);
	/*
	 * This thread's records, then whatever other threads have so far:
	 * they may still be running, so take what they have reserved (best
	 * effort; the trace says how many threads there were).
	 */
	for (th = rt.threads; th; th = th->next)
		flush_thread_locked(th, th->tls);
	me->cur = 1;
	me->limit = 0;
	me->th = NULL;
	me->depth = 0;
	rt.finished = 1;
	rt.stopping = 1;
	pthread_cond_signal(&rt.work);
	rt_unlock(&old);
	if (rt.have_consumer)
		pthread_join(rt.consumer, NULL);
	if (rt.fd >= 0) {
		memset(&end, 0, sizeof(end));
		end.records_bytes = rt.bytes;
		end.dropped_bytes = rt.dropped;
		end.nthreads = rt.nthreads;
		iov[0] = (struct iovec){ &end, sizeof(end) };
		int err = ks_twrite__chunk(&rt.w, KS_CHUNK_END, iov, 1);

		if (err)
			ks_rt_msg("cannot finish the trace", -err);
		close(rt.fd);
		rt.fd = -1;
	}
	if (getenv("KSTRIDE_STATS")) {
		char buf[256];
		int n = snprintf(buf, sizeof(buf),
				 "kstride runtime: %llu events, %llu regions, %llu record bytes, %llu dropped, %llu threads, %llu waits for the consumer\n",
				 (unsigned long long)rt.events,
				 (unsigned long long)rt.regions,
				 (unsigned long long)rt.bytes,
				 (unsigned long long)rt.dropped,
				 (unsigned long long)rt.nthreads,
				 (unsigned long long)rt.waits);

		if (n > 0 && write(2, buf, n) < 0)
			n = 0;
	}
}
