/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The race detector's insides, shared by its phases (race.c):
 * collect.c reads the trace into per-thread event lists, pair.c turns
 * each thread's calls and returns into the operations they mean, and
 * replay.c runs the lists against vector clocks and shadow memory.
 */
#ifndef KS_RACE_DET_H
#define KS_RACE_DET_H

#include <errno.h>

#include "race.h"
#include "sem.h"


enum rop {
	OP_R = 1, OP_W, OP_ACQ, OP_ACQ_SH, OP_REL, OP_REL_SH, OP_SIGNAL,
	OP_WAIT, OP_CREATE, OP_START, OP_END, OP_JOIN, OP_ALLOC, OP_FREE,
	OP_CACHE,
	/* kernel: queued, a callback starts and ends, waited for; aliases */
	OP_ASYNC, OP_CB_START, OP_CB_END, OP_ASYNC_JOIN, OP_ALIAS,
	/* kernel: an object given to the kernel, one had from it (sem.h) */
	OP_HANDOFF, OP_TAKE,
	/*
	 * As read, before pairing (pair_calls()): a call, its return, a
	 * function's entry and exit; their data in d->raws.  Pairing
	 * happens in each thread's time order, which in the kernel is not
	 * the order the trace is read in (CPU by CPU).
	 */
	OP_RAW_PRE, OP_RAW_POST, OP_RAW_ENTRY, OP_RAW_EXIT,
	OP_RAW_LOST, /* kernel: records of this context were dropped here */
};

/* A call, return, entry or exit as read. */
struct raw {
	const char *callee;
	u64 args[6]; /* POST: rax, rdx; ENTRY: rdi, rsi, return address */
	u64 seq;
	u64 ts; /* kernel: ns, 0 if not known */
	u32 pc, pc_free;
	u8 flags; /* the site's */
};

/* the clocks an object has, by what released into them */
enum {
	NS_SYNC, NS_DONE, NS_HANDOFF,
	NS_ASYNC, NS_ASYNC1, /* started, for a callback's argument 0 or 1 */
};

/* One event of a thread: 16 bytes, for there are many. */
struct rev {
	u64 addr; /* accesses: address; operations: the object */
	u32 pc; /* accesses: index in the pc table; operations: in d->ops */
	u8 op; /* enum rop */
	u8 size; /* accesses: bytes in this word (1..8) */
	bool atomic;
	u8 pad;
};

/*
 * A thread's events (evmem.c): capacities are powers of two, and lists
 * of 2 MiB or more are mappings of their own; never realloc() or free()
 * one directly.
 */
struct evvec {
	struct rev *v;
	size_t n, cap;
};

int evvec__reserve(struct evvec *e, size_t need);
void evvec__free(struct evvec *e);

/* What an operation has beyond a struct rev. */
struct seg {
	size_t start; /* its first event in ev */
	u32 cpu;
	u64 ts;
};

struct opx {
	u64 len; /* ALLOC, CACHE: bytes; CB_*: the second argument */
	u64 key; /* 2 * ticket (2 * next - 1: deferred) */
	u32 pc;
};

struct pre {
	const char *callee;
	const struct sem *sem;
	u64 args[6];
	u32 pc;
	bool tail; /* a tail jump: it returns with the call that holds it */
};

/* open calls a thread keeps, at most (tail calls never closed, a longjmp) */
#define MAX_PRES 256

struct held {
	u64 obj;
	bool shared;
};

struct rthread {
	u64 key; /* user: tid; kernel: the context (ctx_key()) */
	u32 tid; /* user: tid; kernel: pid, or the CPU of an interrupt */
	int ctx; /* kernel: enum ks_ctx; 0 in user space */
	char comm[17];
	int depth; /* kernel: function nesting */
	u64 cb[2]; /* ...the running callback's arguments */
	u64 cb_held[2]; /* ...what its caller holds meanwhile (sem_caller) */
	u8 ncb_held;
	/*
	 * ...and of callbacks entered again from the kernel inside it (a
	 * NAPI poll whose receive path transmits: ndo_start_xmit under the
	 * transmit lock), each released at its own exit
	 */
	struct { int depth; u64 held[2]; u8 n; } nest[4];
	u8 nnest;
	bool in_cb;
	bool tail_cont; /* ...which jumped to a function of the module */
	bool lost; /* records dropped: not checked until a callback starts */
	bool cb_tied; /* ...started by a queue, timer or irq (replay.c) */
	u64 fs;
	struct evvec ev; /* evmem.c */
	/*
	 * Kernel: runs of its events read from one CPU without another
	 * task's between, each with its time: a task's runs on different
	 * CPUs are merged by time, each CPU's kept in the order read.
	 */
	VEC(struct seg) segs;
	u32 last_cpu;
	u64 last_idx;
	size_t pos;
	u32 *vc;
	u32 *final; /* its clock when it ended */
	bool ended;
	u64 minsp, maxsp;
	VEC(struct pre) pres;
	VEC(struct held) held;
	u32 lockset; /* interned id of held, or UINT32_MAX: recompute */
	u64 dw_key; /* kernel: its last DMA wait's key (collect.c) */
	size_t dw_nops; /* ...and the operations made by then */
};

struct rpc {
	u64 key; /* the site's address | free */
	const struct trace_func *func;
	u32 off;
	u8 kind;
	bool free;
};

struct rread {
	u32 tid, clk, pc, lockset;
	u8 mask;
	bool atomic;
};

struct cell {
	u64 word; /* address / 8 + 1; 0: empty */
	u32 wtid, wclk, wpc, wlockset;
	u8 wmask;
	bool watomic, has_w;
	u8 nr;
	struct rread *rd;
};

struct objclock {
	u64 obj;
	int ns;
	u32 *x, *sh; /* exclusive releases, shared releases */
};

struct alias {
	u64 alias, obj;
};

/* an ioremap()ed area, from its MAP to its UNMAP (device.c) */
struct devrange {
	u64 lo, hi, ts0, ts1;
	u32 id;
};

/*
 * A net device's transmit locks (kstride.ko's NETDEV records): nq
 * queues from tx on, stride bytes apart, each with its lock at byte lock,
 * from its record's time ts0 to its unregistration's ts1
 */
struct netdev {
	u64 dev, tx, nq, stride, lock, ts0, ts1;
};

/* a NETDEV record as read (CPU by CPU, so not in time order) */
struct netdev_rec {
	struct netdev n;
	bool gone;
	size_t order;
};

struct lockset {
	u32 n;
	u64 objs[8];
};

struct det {
	struct trace *t;
	const struct race_opts *opts;
	struct race_stats *st;
	VEC(struct rthread) th;
	VEC(struct rpc) pcs;
	VEC(struct opx) ops;
	VEC(struct raw) raws;
	u32 *phash; /* pcs by key, UINT32_MAX: empty */
	size_t pcap;
	u32 n; /* threads */
	struct cell *cells;
	size_t ncells, cap;
	VEC(struct objclock) objs;
	VEC(u32 *) creates;
	VEC(struct lockset) locksets;
	struct { u64 key, size; } *blocks, *caches;
	u64 *cpu_idx; /* kernel: events read from each CPU so far */
	u64 *dev_pending; /* ...its device signal awaiting a ticket: ops index + 1 */
	u64 *cpu_ticket; /* ...the last ticket read from it */
	u8 *cpu_unsure; /* ...records lost: left out up to a task switch */
	size_t ncpu_idx;
	size_t nblocks, capblocks, ncaches, capcaches;
	VEC(struct race_report) reports;
	VEC(struct alias) aliases;
	VEC(struct devrange) devs;
	VEC(struct devrange) dmas; /* DMA-coherent memory (dma_alloc_attrs) */
	u64 dmalo, dmahi;
	u64 devlo, devhi; /* the span of every one */
	VEC(struct netdev) netdevs;
	VEC(struct netdev_rec) netrecs; /* ...as read, until det__netdev_lives() */
	bool have_calls, kernel;
	int err;
};


static inline u64 hash64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}


static inline bool is_op_code(u8 op)
{
	return op > OP_W && op < OP_RAW_PRE;
}

static inline bool is_op(const struct rev *e)
{
	return is_op_code(e->op);
}

static inline const struct opx *rop_of(const struct det *d,
				       const struct rev *e)
{
	return &d->ops.v[e->pc];
}

/* collect.c */
u64 det__ctx_key(const struct trace_event *ev);
int det__collect(const struct trace_event *ev, void *arg);
void det__add_ev(struct det *d, struct rthread *t, u8 op, u64 addr, u64 len,
		 u64 key, u32 pc);
int det__sort_by_time(struct rthread *t);

/* device.c */
int det__devices(struct det *d);
bool det__is_device(const struct det *d, u64 addr, u64 ts);
/*
 * NETDEV records: each as read, then, once all are, the devices' lives
 * from them in time order (d->netdevs)
 */
int det__netdev_record(struct det *d, const struct trace_event *ev);
int det__netdev_lives(struct det *d);
/* @lock's object at @ts: a net device's transmit lock stands for tx(dev) */
u64 det__lock_obj(const struct det *d, u64 lock, u64 ts);
bool det__is_dma(const struct det *d, u64 addr, u64 ts);

/* pair.c */
int det__pair_calls(struct det *d, struct rthread *t);
void det__fix_keys(struct det *d, struct rthread *t);

/* replay.c */
void det__replay(struct det *d);

/* race.c: after det__collect() of every event; det__free() in any case */
int det__run(struct det *d);
void det__free(struct det *d);

#endif /* KS_RACE_DET_H */
