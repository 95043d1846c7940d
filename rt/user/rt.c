// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space runtime linked into instrumented programs.
 *
 * Each thread owns a buffer; instrumented code reserves records in it
 * through %fs:__kstride_tls (see abi.h) and calls __kstride_refill when it
 * is full.  A full buffer is written to $KSTRIDE_OUTPUT as one DATA chunk,
 * or, without KSTRIDE_OUTPUT, walked and counted ("consumed") and reused.
 * At exit the descriptor sections are dumped so that readers can decode
 * the records offline.
 *
 * This code is compiled with -mgeneral-regs-only: refill.S saves the SSE
 * state, but nothing here should need it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kstride/abi.h>

struct ks_tls {
	/* ABI part: offsets used by instrumented code */
	uint64_t cur;
	uint64_t limit;
	uint64_t spill[KS_TLS_NSPILL];
	/* private part */
	uint64_t buf, end;
	struct ks_tls *next; /* all threads, for the exit flush */
	int registered;
};

_Static_assert(__builtin_offsetof(struct ks_tls, cur) == KS_TLS_CUR, "abi");
_Static_assert(__builtin_offsetof(struct ks_tls, limit) == KS_TLS_LIMIT, "abi");
_Static_assert(__builtin_offsetof(struct ks_tls, spill) == KS_TLS_SPILL, "abi");

/* cur > limit on first use sends the first region to the slow path */
__thread struct ks_tls __kstride_tls
	__attribute__((tls_model("initial-exec"), visibility("default"))) = {
	.cur = 1,
};

extern const char __start_kstride_regions[] __attribute__((weak));
extern const char __stop_kstride_regions[] __attribute__((weak));
extern const char __start_kstride_funcs[] __attribute__((weak));
extern const char __stop_kstride_funcs[] __attribute__((weak));
extern const char __start_kstride_strs[] __attribute__((weak));
extern const char __stop_kstride_strs[] __attribute__((weak));

static struct {
	pthread_mutex_t lock;
	int fd; /* -1: consume and discard */
	int inited, failed, finished;
	size_t bufsize;
	pthread_key_t key;
	struct ks_tls *threads;
	uint64_t bytes, dropped, events, regions, nthreads;
} rt = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
};

static void rt_msg(const char *what, int err)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "kstride runtime: %s%s%s\n", what,
		     err ? ": " : "", err ? strerror(err) : "");
	if (n > 0 && write(2, buf, n) < 0)
		return;
}

static int write_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (cnt && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

static void rt_exit(void);
static void thread_exit(void *arg);

/* Called with rt.lock held. */
static void rt_init_locked(void)
{
	struct ks_file_hdr hdr = { .version = KS_ABI_VERSION };
	const char *out = getenv("KSTRIDE_OUTPUT");
	const char *bs = getenv("KSTRIDE_BUFSIZE");
	struct iovec iov;

	rt.inited = 1;
	rt.bufsize = 1 << 20;
	if (bs && atol(bs) >= 4096)
		rt.bufsize = (size_t)atol(bs) & ~(size_t)4095;
	pthread_key_create(&rt.key, thread_exit);
	atexit(rt_exit);
	if (!out || !*out)
		return;
	rt.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rt.fd < 0) {
		rt_msg("cannot open $KSTRIDE_OUTPUT; events are counted, not saved",
		       errno);
		rt.failed = 1;
		return;
	}
	memcpy(hdr.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
	hdr.pid = getpid();
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	if (write_all(rt.fd, &iov, 1)) {
		rt_msg("cannot write the trace", errno);
		close(rt.fd);
		rt.fd = -1;
		rt.failed = 1;
	}
}

static uint64_t fs_base(void)
{
	uint64_t v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

/* Walk complete records: this is what "consumed" means in discard mode. */
static void consume(const uint64_t *p, const uint64_t *end)
{
	while (p < end) {
		const struct ks_region *r = (const struct ks_region *)*p;

		if (!r)
			break; /* reserved but never committed (signal) */
		rt.regions++;
		rt.events += r->nsites;
		p += 1 + r->nslots;
	}
}

/* Write or consume [t->buf, upto).  Called with rt.lock held. */
static void flush_locked(struct ks_tls *t, uint64_t upto)
{
	struct ks_chunk_hdr ch = { .type = KS_CHUNK_DATA };
	struct ks_data_hdr dh = { .tid = gettid(), .fs_base = fs_base() };
	size_t len = upto - t->buf;
	struct iovec iov[3];

	if (!len)
		return;
	if (rt.fd < 0) {
		consume((const uint64_t *)t->buf, (const uint64_t *)upto);
		rt.bytes += len;
		return;
	}
	ch.len = sizeof(dh) + len;
	iov[0] = (struct iovec){ &ch, sizeof(ch) };
	iov[1] = (struct iovec){ &dh, sizeof(dh) };
	iov[2] = (struct iovec){ (void *)t->buf, len };
	if (write_all(rt.fd, iov, 3)) {
		if (!rt.dropped)
			rt_msg("cannot write the trace; dropping records",
			       errno);
		rt.dropped += len;
		return;
	}
	rt.bytes += len;
}

void ks_rt_refill(void);

void ks_rt_refill(void)
{
	struct ks_tls *t = &__kstride_tls;
	uint64_t start = t->spill[3];
	uint64_t need = t->cur - start;

	pthread_mutex_lock(&rt.lock);
	if (!rt.inited)
		rt_init_locked();
	if (!t->buf) {
		void *p = mmap(NULL, rt.bufsize, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			rt_msg("cannot allocate a trace buffer", errno);
			abort();
		}
		t->buf = (uint64_t)p;
		t->end = t->buf + rt.bufsize;
		t->next = rt.threads;
		rt.threads = t;
		rt.nthreads++;
	} else if (!rt.finished) {
		flush_locked(t, start);
	}
	if (!t->registered) {
		t->registered = 1;
		pthread_setspecific(rt.key, t);
	}
	pthread_mutex_unlock(&rt.lock);
	if (need > KS_REGION_MAX_BYTES)
		need = KS_REGION_MAX_BYTES;
	t->spill[3] = t->buf;
	t->cur = t->buf + need;
	t->limit = t->end - KS_REGION_MAX_BYTES;
}

static void thread_exit(void *arg)
{
	struct ks_tls *t = arg;

	pthread_mutex_lock(&rt.lock);
	if (!rt.finished && t->buf && t->cur <= t->end)
		flush_locked(t, t->cur);
	t->cur = t->buf;
	pthread_mutex_unlock(&rt.lock);
}

static void dump_section(uint32_t type, const char *start, const char *stop)
{
	struct ks_chunk_hdr ch = { .type = type };
	uint64_t addr = (uint64_t)start;
	static const char zero[8];
	size_t len = stop - start, pad = (8 - len % 8) % 8;
	struct iovec iov[4];

	ch.len = 8 + len + pad;
	iov[0] = (struct iovec){ &ch, sizeof(ch) };
	iov[1] = (struct iovec){ &addr, 8 };
	iov[2] = (struct iovec){ (void *)start, len };
	iov[3] = (struct iovec){ (void *)zero, pad };
	if (write_all(rt.fd, iov, 4))
		rt.dropped += len;
}

static void rt_exit(void)
{
	struct ks_chunk_hdr ch = { .type = KS_CHUNK_END, .len = sizeof(struct ks_end) };
	struct ks_end end;
	struct ks_tls *t;
	struct iovec iov[2];

	pthread_mutex_lock(&rt.lock);
	/* every thread's complete records; others may still be running */
	for (t = rt.threads; t; t = t->next) {
		uint64_t upto = t == &__kstride_tls ? t->cur : t->spill[3];

		if (t != &__kstride_tls)
			upto = t->cur; /* best effort for live threads */
		if (upto > t->end)
			upto = t->end;
		flush_locked(t, upto);
		t->cur = t->buf;
	}
	rt.finished = 1;
	if (rt.fd >= 0) {
		if (__start_kstride_regions)
			dump_section(KS_CHUNK_REGIONS, __start_kstride_regions,
				     __stop_kstride_regions);
		if (__start_kstride_funcs)
			dump_section(KS_CHUNK_FUNCS, __start_kstride_funcs,
				     __stop_kstride_funcs);
		if (__start_kstride_strs)
			dump_section(KS_CHUNK_STRS, __start_kstride_strs,
				     __stop_kstride_strs);
		memset(&end, 0, sizeof(end));
		end.records_bytes = rt.bytes;
		end.dropped_bytes = rt.dropped;
		end.nthreads = rt.nthreads;
		iov[0] = (struct iovec){ &ch, sizeof(ch) };
		iov[1] = (struct iovec){ &end, sizeof(end) };
		if (write_all(rt.fd, iov, 2))
			rt_msg("cannot finish the trace", errno);
		close(rt.fd);
		rt.fd = -1;
	}
	if (getenv("KSTRIDE_STATS")) {
		char buf[200];
		int n = snprintf(buf, sizeof(buf),
				 "kstride runtime: %llu events, %llu record bytes, %llu dropped, %llu threads\n",
				 (unsigned long long)rt.events,
				 (unsigned long long)rt.bytes,
				 (unsigned long long)rt.dropped,
				 (unsigned long long)rt.nthreads);

		if (n > 0 && write(2, buf, n) < 0)
			n = 0;
	}
	pthread_mutex_unlock(&rt.lock);
}
