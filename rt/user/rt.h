/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space runtime's shared state: rt.c (buffers, the consumer, the
 * trace file) and signal.c (handlers that run instrumented code).
 */
#ifndef KSTRIDE_RT_H
#define KSTRIDE_RT_H

#include <signal.h>
#include <stdint.h>

#include <kstride/abi.h>

/* One buffer: records in [base, base + len), capacity cap. */
struct ks_buf {
	uint64_t base, len, cap;
	uint32_t seq;
	uint32_t kinfo; /* KS_UINFO() of the records in it */
	int out; /* queued or being written: not the owner's to fill */
	struct ks_thread *owner;
	struct ks_buf *next;
};

/* A producer thread's pool; outlives the thread until the exit flush. */
struct ks_thread {
	uint32_t tid, seq;
	uint64_t fs_base;
	struct ks_buf *cur; /* being filled */
	struct ks_buf *free; /* empty, ready */
	unsigned nout; /* buffers of this pool queued or being written */
	struct ks_tls *tls; /* while the thread runs */
	struct ks_thread *next;
};

/*
 * What a signal handler borrows from the code it interrupted, and gives
 * back when it returns: the record cursor and limit, the spill slots
 * (instrumented code may be between a spill and its restore, or between
 * the slow path's handing of its cursor and the refill's reply), and the
 * buffer being filled, which may hold a record in flight.
 */
#define KS_SIG_DEPTH 16

struct ks_sigframe {
	uint64_t cur, limit;
	uint64_t spill[KS_TLS_NSPILL];
	struct ks_buf *buf;
	int sig;
};

struct ks_tls {
	/* ABI part: offsets used by instrumented code */
	uint64_t cur;
	uint64_t limit;
	uint64_t spill[KS_TLS_NSPILL];
	/* private part */
	struct ks_thread *th;
	int registered;
	int depth; /* signal handlers running on this thread, nested */
	struct ks_sigframe frames[KS_SIG_DEPTH];
};

extern __thread struct ks_tls __kstride_tls
	__attribute__((tls_model("initial-exec"), visibility("default")));

/* rt.c */
void ks_rt_sig_leave(struct ks_tls *t, const struct ks_sigframe *f);
void ks_rt_sig_reset(struct ks_tls *t);
void ks_rt_msg(const char *what, int err);

/* signal.c */
void ks_rt_sig_adopt(void);

#endif
