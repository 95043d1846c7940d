// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector (race.h).  Two passes:
 *
 *  1. Read the trace into one list of events per thread: accesses, and the
 *     operations the semantics table gives calls (acquire, release, alloc,
 *     free, create, join), each keyed by its call's ticket.  A CALL_POST
 *     is paired with its thread's CALL_PRE.
 *  2. Replay the lists in one order consistent with the tickets: a thread
 *     runs its accesses up to its next operation; of the operations due,
 *     the one with the smallest ticket goes first.  Releases draw their
 *     ticket before the call, acquires after it returned, so an acquire
 *     always follows the release it saw.
 *
 * Shadow memory is one cell per aligned 8-byte word: the last write's
 * epoch (thread, clock), with the bytes it covered, and the last read of
 * each thread.  Two accesses race when their bytes overlap, one writes,
 * they are not both atomic, and neither happens before the other.
 */
#include <errno.h>

#include "race.h"
#include "sem.h"

enum rop {
	OP_R = 1, OP_W, OP_ACQ, OP_ACQ_SH, OP_REL, OP_REL_SH, OP_SIGNAL,
	OP_WAIT, OP_CREATE, OP_START, OP_END, OP_JOIN, OP_ALLOC, OP_FREE,
	OP_CACHE,
	/* kernel: queued, a callback starts and ends, waited for; aliases */
	OP_ASYNC, OP_CB_START, OP_CB_END, OP_ASYNC_JOIN, OP_ALIAS,
	/*
	 * As read, before pairing (pair_calls()): a call, its return, a
	 * function's entry and exit; their data in d->raws.  Pairing
	 * happens in each thread's time order, which in the kernel is not
	 * the order the trace is read in (CPU by CPU).
	 */
	OP_RAW_PRE, OP_RAW_POST, OP_RAW_ENTRY, OP_RAW_EXIT,
};

/* A call, return, entry or exit as read. */
struct raw {
	const char *callee;
	u64 args[6]; /* POST: rax, rdx; ENTRY: rdi, rsi */
	u64 seq;
	u32 pc, pc_free;
	u8 flags; /* the site's */
};

/* the clocks an object has, by what released into them */
enum { NS_SYNC, NS_ASYNC, NS_DONE };

/* One event of a thread: 16 bytes, for there are many. */
struct rev {
	u64 addr; /* accesses: address; operations: the object */
	u32 pc; /* accesses: index in the pc table; operations: in d->ops */
	u8 op; /* enum rop */
	u8 size; /* accesses: bytes in this word (1..8) */
	bool atomic;
	u8 pad;
};

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
	bool in_cb;
	u64 fs;
	VEC(struct rev) ev;
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
	size_t ncpu_idx;
	size_t nblocks, capblocks, ncaches, capcaches;
	VEC(struct race_report) reports;
	VEC(struct alias) aliases;
	bool have_calls, kernel;
	int err;
};

static u64 hash64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/*
 * Who runs an event: a user thread; in the kernel a task, or the softirq,
 * hardirq or NMI context of one CPU (each a thread of its own).  0: not
 * known (a kernel CPU's events before its first entry or switch).
 */
static u64 ctx_key(const struct trace_event *ev)
{
	if (!ev->kernel)
		return (u64)ev->tid + 1;
	switch (ev->ctx) {
	case KS_CTX_TASK:
		return ev->pid >= 0 ? (1ull << 40) | (u32)ev->pid : 0;
	case KS_CTX_SOFTIRQ:
	case KS_CTX_HARDIRQ:
	case KS_CTX_NMI:
		return ((u64)ev->ctx << 40) | ev->tid;
	default:
		return 0;
	}
}

static struct rthread *thread_of(struct det *d, const struct trace_event *ev,
				 u64 key)
{
	struct rthread *t;
	size_t i;

	for (i = d->th.n; i-- > 0;)
		if (d->th.v[i].key == key)
			return &d->th.v[i];
	t = vec_push(&d->th);
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->key = key;
	t->tid = ev->kernel && ev->ctx == KS_CTX_TASK ? (u32)ev->pid : ev->tid;
	t->ctx = ev->kernel ? ev->ctx : 0;
	if (ev->kernel && ev->comm)
		snprintf(t->comm, sizeof(t->comm), "%s", ev->comm);
	t->minsp = UINT64_MAX;
	t->lockset = UINT32_MAX;
	return t;
}

/*
 * The pc table's index of @ev's instruction: one entry per site (its
 * descriptor, which lives as long as the trace) and free-ness, found
 * through a hash of the site's address.
 */
static u32 pc_of(struct det *d, const struct trace_event *ev, bool fr)
{
	const struct trace_func *fn = ev->region ? ev->region->func : NULL;
	u64 key = (u64)(uintptr_t)ev->site | fr;
	struct rpc *p;
	size_t i;

	if (2 * (d->pcs.n + 1) > d->pcap) {
		size_t ncap = d->pcap ? 2 * d->pcap : 1024;
		u32 *nh = malloc(ncap * sizeof(*nh));

		if (!nh) {
			d->err = -ENOMEM;
			return 0;
		}
		memset(nh, 0xff, ncap * sizeof(*nh));
		for (size_t k = 0; k < d->pcs.n; k++) {
			i = hash64(d->pcs.v[k].key) & (ncap - 1);
			while (nh[i] != UINT32_MAX)
				i = (i + 1) & (ncap - 1);
			nh[i] = k;
		}
		free(d->phash);
		d->phash = nh;
		d->pcap = ncap;
	}
	i = hash64(key) & (d->pcap - 1);
	while (d->phash[i] != UINT32_MAX) {
		if (d->pcs.v[d->phash[i]].key == key)
			return d->phash[i];
		i = (i + 1) & (d->pcap - 1);
	}
	p = vec_push(&d->pcs);
	if (!p) {
		d->err = -ENOMEM;
		return 0;
	}
	p->key = key;
	p->func = fn;
	p->off = ev->site ? ev->site->off : 0;
	p->kind = ev->site ? ev->site->kind : 0;
	p->free = fr;
	d->phash[i] = d->pcs.n - 1;
	return d->pcs.n - 1;
}

static bool is_op_code(u8 op)
{
	return op > OP_W && op < OP_RAW_PRE;
}

static void add_ev(struct det *d, struct rthread *t, u8 op, u64 addr,
		   u64 len, u64 key, u32 pc)
{
	struct rev *e = vec_push(&t->ev);
	struct opx *o;

	if (!e) {
		d->err = -ENOMEM;
		return;
	}
	e->op = op;
	e->addr = addr;
	e->pc = pc;
	if (is_op_code(op)) {
		o = vec_push(&d->ops);
		if (!o) {
			d->err = -ENOMEM;
			return;
		}
		o->len = len;
		o->key = key;
		o->pc = pc;
		e->pc = d->ops.n - 1;
	}
}

static const struct opx *rop_of(const struct det *d, const struct rev *e)
{
	return &d->ops.v[e->pc];
}

/* An access of @len bytes, cut into aligned words. */
static void add_access(struct det *d, struct rthread *t, u8 op, u64 addr,
		       u64 len, bool atomic, u32 pc)
{
	while (len && !d->err) {
		u64 n = 8 - (addr & 7);
		struct rev *e;

		if (n > len)
			n = len;
		add_ev(d, t, op, addr, 0, 0, pc);
		if (d->err)
			return;
		e = &t->ev.v[t->ev.n - 1];
		e->size = n;
		e->atomic = atomic;
		addr += n;
		len -= n;
		d->st->accesses++;
	}
}

static u64 arg(const u64 *args, u8 i)
{
	return i < 6 ? args[i] : 0;
}

static bool ok(const struct sem *s, u64 ret)
{
	switch (s->ok) {
	case SEM_OK_RET0:
		return (s32)ret == 0;
	case SEM_OK_RET1:
		return (s32)ret != 0;
	case SEM_OK_RETPOS:
		return (s64)ret > 0;
	default:
		return true;
	}
}

/* The operations of a call that take effect before it (at its ticket). */
static void call_pre(struct det *d, struct rthread *t, const struct raw *ev,
		     const struct sem *s, u32 pc)
{
	u64 key = 2 * ev->seq, obj = s->obj == SEM_ARG_NONE ? 1 :
					      arg(ev->args, s->obj);
	bool tail = ev->flags & KS_F_CALL_TAIL;

	switch (s->op) {
	case SEM_RELEASE:
		add_ev(d, t, OP_REL, obj, 0, key, pc);
		break;
	case SEM_RELEASE_SHARED:
		add_ev(d, t, OP_REL_SH, obj, 0, key, pc);
		break;
	case SEM_SIGNAL:
		add_ev(d, t, OP_SIGNAL, obj, 0, key, pc);
		break;
	case SEM_ASYNC_START:
		add_ev(d, t, OP_ASYNC, obj, 0, key, pc);
		break;
	case SEM_WAIT_RELEASE:
		add_ev(d, t, OP_REL, obj, 0, key, pc);
		break;
	case SEM_THREAD_CREATE:
		add_ev(d, t, OP_CREATE, 0, 0, key, pc);
		break;
	case SEM_FREE:
		if (obj)
			add_ev(d, t, OP_FREE, obj, 0, key, ev->pc_free);
		break;
	case SEM_REALLOC:
		if (arg(ev->args, s->obj))
			add_ev(d, t, OP_FREE, arg(ev->args, s->obj), 0, key,
			       ev->pc_free);
		break;
	case SEM_ACQUIRE:
	case SEM_ACQUIRE_SHARED:
	case SEM_WAIT:
	case SEM_ASYNC_JOIN:
	case SEM_THREAD_JOIN:
		/*
		 * A tail call returns to our caller: it took the lock (or
		 * waited) by the time this thread does anything else: the
		 * key is fixed later (fix_keys()).  One that may fail waits
		 * for the return value (tail_needs_post()).
		 */
		if (tail && s->ok == SEM_OK_ALWAYS)
			add_ev(d, t, s->op == SEM_ACQUIRE ? OP_ACQ :
				     s->op == SEM_WAIT ? OP_WAIT :
				     s->op == SEM_ASYNC_JOIN ? OP_ASYNC_JOIN :
				     s->op == SEM_THREAD_JOIN ? OP_JOIN : OP_ACQ_SH,
			       obj, 0, UINT64_MAX, pc);
		break;
	default:
		break;
	}
}

/* ...and those that take effect once it returned. */
static void call_post(struct det *d, struct rthread *t, const struct raw *ev,
		      const struct pre *p)
{
	const struct sem *s = p->sem;
	u64 key = 2 * ev->seq, ret = ev->args[0];
	u64 obj = s->obj == SEM_ARG_NONE ? 1 : arg(p->args, s->obj);
	u64 size;

	if (!ok(s, ret))
		return;
	switch (s->op) {
	case SEM_ACQUIRE:
	case SEM_WAIT_RELEASE:
		add_ev(d, t, OP_ACQ, obj, 0, key, p->pc);
		break;
	case SEM_ACQUIRE_SHARED:
		add_ev(d, t, OP_ACQ_SH, obj, 0, key, p->pc);
		break;
	case SEM_WAIT:
		add_ev(d, t, OP_WAIT, obj, 0, key, p->pc);
		break;
	case SEM_ASYNC_JOIN:
		add_ev(d, t, OP_ASYNC_JOIN, obj, 0, key, p->pc);
		break;
	case SEM_ASYNC_START:
		if (s->ret_alias && ret)
			add_ev(d, t, OP_ALIAS, ret, obj, key, p->pc);
		break;
	case SEM_THREAD_JOIN:
		add_ev(d, t, OP_JOIN, obj, 0, key, p->pc);
		break;
	case SEM_ALLOC:
	case SEM_REALLOC:
		size = arg(p->args, s->size);
		if (s->nmemb != SEM_ARG_NONE)
			size *= arg(p->args, s->nmemb);
		if (ret)
			add_ev(d, t, OP_ALLOC, ret, size, key, p->pc);
		break;
	case SEM_CACHE_CREATE:
		if (ret)
			add_ev(d, t, OP_CACHE, ret, arg(p->args, s->size), key,
			       p->pc);
		break;
	case SEM_CACHE_ALLOC:
		/* its size is the cache's: looked up when replayed */
		if (!ret)
			break;
		add_ev(d, t, OP_ALLOC, ret, obj, key, p->pc);
		if (!d->err)
			t->ev.v[t->ev.n - 1].size = 0xff; /* len: the cache */
		break;
	default:
		break;
	}
}

/* A kernel event of @t: does it start a run of its own (struct seg)? */
static int new_run(struct det *d, struct rthread *t,
		   const struct trace_event *ev)
{
	u32 cpu = ev->tid;
	struct seg *g;
	u64 idx;

	if (cpu >= d->ncpu_idx) {
		size_t n = cpu + 64;
		u64 *v = realloc(d->cpu_idx, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + d->ncpu_idx, 0, (n - d->ncpu_idx) * sizeof(*v));
		d->cpu_idx = v;
		d->ncpu_idx = n;
	}
	idx = ++d->cpu_idx[cpu];
	if (!t->segs.n || t->last_cpu != cpu || t->last_idx + 1 != idx) {
		g = vec_push(&t->segs);
		if (!g)
			return -ENOMEM;
		g->start = t->ev.n;
		g->cpu = cpu;
		g->ts = ev->ts;
	}
	t->last_cpu = cpu;
	t->last_idx = idx;
	return 0;
}

/* A call, return, entry or exit, kept as read until pair_calls(). */
static int add_raw(struct det *d, struct rthread *t,
		   const struct trace_event *ev, u8 op)
{
	struct raw *r = vec_push(&d->raws);

	if (!r)
		return -ENOMEM;
	r->callee = ev->callee;
	memcpy(r->args, ev->args, sizeof(r->args));
	r->seq = ev->cseq;
	r->flags = ev->site->flags;
	if (op == OP_RAW_PRE) {
		r->pc = pc_of(d, ev, false);
		r->pc_free = pc_of(d, ev, true);
	}
	add_ev(d, t, op, 0, 0, 0, 0);
	if (!d->err) /* its raw, not an operation */
		t->ev.v[t->ev.n - 1].pc = d->raws.n - 1;
	return d->err;
}

static int collect(const struct trace_event *ev, void *arg)
{
	struct det *d = arg;
	const struct ks_site *s = ev->site;
	struct rthread *t;
	u32 pc;

	u64 key;

	if (!s || d->err)
		return d->err;
	key = ctx_key(ev);
	if (!key) {
		/* who ran it is not known; it still separates runs */
		if (ev->kernel && ev->tid < d->ncpu_idx)
			d->cpu_idx[ev->tid]++;
		return 0;
	}
	d->kernel |= ev->kernel;
	t = thread_of(d, ev, key);
	if (!t)
		return -ENOMEM;
	if (ev->kernel && new_run(d, t, ev))
		return -ENOMEM;
	switch (s->kind) {
	case KS_K_R:
	case KS_K_W:
	case KS_K_U:
	case KS_K_RANGE_R:
	case KS_K_RANGE_W:
		if ((s->flags & KS_F_STACK) && !d->opts->stack)
			return 0;
		pc = pc_of(d, ev, false);
		if (s->kind != KS_K_W && s->kind != KS_K_RANGE_W)
			add_access(d, t, OP_R, ev->addr,
				   (u64)s->size * ev->count,
				   s->flags & KS_F_LOCK, pc);
		if (s->kind != KS_K_R && s->kind != KS_K_RANGE_R)
			add_access(d, t, OP_W, ev->addr,
				   (u64)s->size * ev->count,
				   s->flags & KS_F_LOCK, pc);
		return d->err;
	case KS_K_ENTRY:
	case KS_K_EXIT:
		if (ev->sp < t->minsp)
			t->minsp = ev->sp;
		if (ev->sp > t->maxsp)
			t->maxsp = ev->sp;
		if (!ev->kernel)
			return 0;
		return add_raw(d, t, ev, s->kind == KS_K_ENTRY ? OP_RAW_ENTRY :
								OP_RAW_EXIT);
	case KS_K_THREAD:
		t->fs = ev->args[1];
		add_ev(d, t, ev->args[0] == KS_THREAD_START ? OP_START : OP_END,
		       ev->args[1], 0, 2 * ev->cseq, 0);
		return d->err;
	case KS_K_CALL_PRE:
		d->have_calls = true;
		d->st->calls++;
		return add_raw(d, t, ev, OP_RAW_PRE);
	case KS_K_CALL_POST:
		return add_raw(d, t, ev, OP_RAW_POST);
	default:
		return 0;
	}
}

/*
 * A tail call whose meaning needs its return value (an allocation, a
 * trylock): it takes effect when the call that holds it returns, with
 * that call's value.  Others took effect when made (call_pre()).
 */
static bool tail_needs_post(const struct sem *s)
{
	switch (s->op) {
	case SEM_ALLOC:
	case SEM_REALLOC:
	case SEM_CACHE_ALLOC:
	case SEM_CACHE_CREATE:
		return true;
	case SEM_ACQUIRE:
	case SEM_ACQUIRE_SHARED:
	case SEM_WAIT:
	case SEM_ASYNC_JOIN:
	case SEM_THREAD_JOIN:
		return s->ok != SEM_OK_ALWAYS;
	default:
		return false;
	}
}

/* One call, return, entry or exit made the operations it means, on t->ev. */
static void pair_one(struct det *d, struct rthread *t, const struct rev *e)
{
	const struct raw *r = &d->raws.v[e->pc];
	struct pre *p;

	switch (e->op) {
	case OP_RAW_PRE:
		if (t->pres.n >= MAX_PRES) { /* forget the oldest */
			memmove(t->pres.v, t->pres.v + 1,
				(t->pres.n - 1) * sizeof(*t->pres.v));
			t->pres.n--;
		}
		p = vec_push(&t->pres);
		if (!p) {
			d->err = -ENOMEM;
			break;
		}
		p->callee = r->callee;
		p->sem = sem__find(r->callee);
		memcpy(p->args, r->args, sizeof(p->args));
		p->pc = r->pc;
		p->tail = r->flags & KS_F_CALL_TAIL;
		if (!p->sem) {
			d->st->unknown_calls++;
		} else {
			d->st->syncs++;
			call_pre(d, t, r, p->sem, p->pc);
		}
		break;
	case OP_RAW_POST:
		/*
		 * The innermost call still open in this thread, by
		 * its name.  Tail calls made inside it return with
		 * it, with its value: "return calloc(n, size)" in a
		 * wrapper allocates what the wrapper returns.
		 */
		p = NULL;
		for (size_t k = t->pres.n; k-- > 0 && !p;) {
			struct pre *q = &t->pres.v[k];

			if (!q->tail &&
			    (q->callee == r->callee ||
			     (q->callee && r->callee &&
			      !strcmp(q->callee, r->callee))))
				p = q;
		}
		while (p && t->pres.n) {
			struct pre *q = &t->pres.v[--t->pres.n];

			if (q == p)
				break;
			if (q->tail && q->sem && tail_needs_post(q->sem))
				call_post(d, t, r, q);
		}
		if (p && p->sem)
			call_post(d, t, r, p);
		break;
	case OP_RAW_ENTRY:
		/*
		 * A callback entered from code that is not traced
		 * (the outermost function of its context): it starts
		 * after the call that queued its object, and ends
		 * before the one that waits for it.
		 */
		if (!t->depth++ && (r->flags & KS_F_ENTRY_ARGS)) {
			t->cb[0] = r->args[0];
			t->cb[1] = r->args[1];
			t->in_cb = true;
			add_ev(d, t, OP_CB_START, r->args[0], r->args[1],
			       2 * r->seq, 0);
		}
		break;
	case OP_RAW_EXIT:
		if (t->depth && !--t->depth && t->in_cb) {
			t->in_cb = false;
			if (r->flags & KS_F_EXIT_SEQ)
				add_ev(d, t, OP_CB_END, t->cb[0],
				       t->cb[1], 2 * r->seq, 0);
		}
		break;
	}
}

/*
 * The calls, returns, entries and exits of @t, in its order, made the
 * operations they mean (the table's).  In place, as each makes at most
 * one operation or the ones before it made none; else the rest goes to a
 * new list.
 */
static int pair_calls(struct det *d, struct rthread *t)
{
	struct rev *v = t->ev.v;
	size_t n = t->ev.n, cap = t->ev.cap, i, w = 0;
	VEC(struct rev) nv = {};
	bool copy = false;

	memset(&t->ev, 0, sizeof(t->ev)); /* scratch for each one's output */
	for (i = 0; i < n && !d->err; i++) {
		struct rev e = v[i];
		const struct rev *out = &e;
		size_t nout = 1;

		if (e.op >= OP_RAW_PRE) {
			t->ev.n = 0;
			pair_one(d, t, &e);
			out = t->ev.v;
			nout = t->ev.n;
		}
		if (!copy && w + nout > i + 1) {
			copy = true;
			if (vec_reserve(&nv, w + nout + (n - i))) {
				d->err = -ENOMEM;
				break;
			}
			memcpy(nv.v, v, w * sizeof(*v));
			nv.n = w;
		}
		if (copy) {
			if (vec_reserve(&nv, nv.n + nout)) {
				d->err = -ENOMEM;
				break;
			}
			memcpy(nv.v + nv.n, out, nout * sizeof(*out));
			nv.n += nout;
		} else {
			memcpy(v + w, out, nout * sizeof(*out));
			w += nout;
		}
	}
	vec_free(&t->ev);
	if (copy) {
		free(v);
		t->ev.v = nv.v;
		t->ev.n = nv.n;
		t->ev.cap = nv.cap;
	} else {
		t->ev.v = v;
		t->ev.n = w;
		t->ev.cap = cap;
	}
	return d->err;
}

/* ---- replay ---- */

static void vc_join(u32 *to, const u32 *from, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (from[i] > to[i])
			to[i] = from[i];
}

static struct objclock *objclock_ns(struct det *d, u64 obj, int ns, bool make)
{
	struct objclock *o;
	size_t i;

	for (i = 0; i < d->objs.n; i++)
		if (d->objs.v[i].obj == obj && d->objs.v[i].ns == ns)
			return &d->objs.v[i];
	if (!make)
		return NULL;
	o = vec_push(&d->objs);
	if (!o)
		return NULL;
	o->obj = obj;
	o->ns = ns;
	o->x = calloc(d->n, sizeof(u32));
	o->sh = calloc(d->n, sizeof(u32));
	if (!o->x || !o->sh) {
		free(o->x);
		free(o->sh);
		d->objs.n--;
		return NULL;
	}
	return o;
}

static struct objclock *objclock(struct det *d, u64 obj)
{
	return objclock_ns(d, obj, NS_SYNC, true);
}

/* kthread_stop(task) waits for the thread made with data: its name */
static u64 unalias(struct det *d, u64 obj)
{
	for (size_t i = d->aliases.n; i-- > 0;)
		if (d->aliases.v[i].alias == obj)
			return d->aliases.v[i].obj;
	return obj;
}

static struct cell *cell_find(struct det *d, u64 word, bool make)
{
	size_t i;

	if (d->ncells * 2 >= d->cap && make) {
		size_t ncap = d->cap ? 2 * d->cap : 1 << 16;
		struct cell *nc = calloc(ncap, sizeof(*nc));

		if (!nc) {
			d->err = -ENOMEM;
			return NULL;
		}
		for (i = 0; i < d->cap; i++) {
			struct cell *c = &d->cells[i];
			size_t j;

			if (!c->word)
				continue;
			j = hash64(c->word) & (ncap - 1);
			while (nc[j].word)
				j = (j + 1) & (ncap - 1);
			nc[j] = *c;
		}
		free(d->cells);
		d->cells = nc;
		d->cap = ncap;
	}
	if (!d->cap)
		return NULL;
	i = hash64(word) & (d->cap - 1);
	while (d->cells[i].word && d->cells[i].word != word)
		i = (i + 1) & (d->cap - 1);
	if (d->cells[i].word)
		return &d->cells[i];
	if (!make)
		return NULL;
	d->cells[i].word = word;
	d->ncells++;
	return &d->cells[i];
}

/* A cell forgotten (the memory is new): kept as an empty cell. */
static void cell_reset(struct cell *c)
{
	u64 w = c->word;

	free(c->rd);
	memset(c, 0, sizeof(*c));
	c->word = w;
}

static void reset_range(struct det *d, u64 addr, u64 len)
{
	u64 w;

	if (!len || len > (1ull << 32))
		return;
	for (w = addr / 8; w <= (addr + len - 1) / 8; w++) {
		struct cell *c = cell_find(d, w + 1, false);

		if (c)
			cell_reset(c);
	}
}

static u32 lockset_of(struct det *d, struct rthread *t)
{
	struct lockset ls = { .n = 0 };
	size_t i;

	if (t->lockset != UINT32_MAX)
		return t->lockset;
	for (i = 0; i < t->held.n && ls.n < 8; i++)
		ls.objs[ls.n++] = t->held.v[i].obj;
	for (i = 0; i < d->locksets.n; i++)
		if (d->locksets.v[i].n == ls.n &&
		    !memcmp(d->locksets.v[i].objs, ls.objs, 8 * ls.n))
			return t->lockset = i;
	if (!vec_push(&d->locksets)) {
		d->err = -ENOMEM;
		return 0;
	}
	d->locksets.v[d->locksets.n - 1] = ls;
	return t->lockset = d->locksets.n - 1;
}

static void side(struct det *d, struct race_side *s, u32 pc, u32 tix,
		 u8 kind, bool atomic, u32 lockset, u8 size)
{
	const struct rpc *p = &d->pcs.v[pc];
	const struct lockset *ls = &d->locksets.v[lockset];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->func = p->func;
	s->off = p->off;
	s->kind = kind;
	s->size = size;
	s->atomic = atomic;
	s->free = p->free;
	s->tid = d->th.v[tix].tid;
	s->ctx = d->th.v[tix].ctx;
	snprintf(s->comm, sizeof(s->comm), "%s", d->th.v[tix].comm);
	if (!ls->n)
		snprintf(s->locks, sizeof(s->locks), "none");
	for (u32 i = 0; i < ls->n && n + 20 < sizeof(s->locks); i++)
		n += snprintf(s->locks + n, sizeof(s->locks) - n, "%s0x%lx",
			      i ? "," : "", (unsigned long)ls->objs[i]);
}

static void report(struct det *d, u32 pca, u32 ta, u8 ka, bool aa, u32 lsa,
		   u32 pcb, u32 tb, u8 kb, bool ab, u32 lsb, u64 addr, u8 size)
{
	struct race_report *r;
	size_t i;

	const struct rpc *x = &d->pcs.v[pca], *y = &d->pcs.v[pcb];

	/* one report per pair of instructions, whichever came first */
	for (i = 0; i < d->reports.n; i++) {
		r = &d->reports.v[i];
		if ((r->a.func == x->func && r->a.off == x->off &&
		     r->a.kind == ka && r->b.func == y->func &&
		     r->b.off == y->off && r->b.kind == kb) ||
		    (r->a.func == y->func && r->a.off == y->off &&
		     r->a.kind == kb && r->b.func == x->func &&
		     r->b.off == x->off && r->b.kind == ka)) {
			r->count++;
			return;
		}
	}
	r = vec_push(&d->reports);
	if (!r) {
		d->err = -ENOMEM;
		return;
	}
	side(d, &r->a, pca, ta, ka, aa, lsa, size);
	side(d, &r->b, pcb, tb, kb, ab, lsb, size);
	r->addr = addr;
	r->count = 1;
}

static void access(struct det *d, u32 tix, const struct rev *e)
{
	struct rthread *t = &d->th.v[tix];
	struct cell *c = cell_find(d, e->addr / 8 + 1, true);
	u8 mask = (u8)(((1u << e->size) - 1) << (e->addr & 7));
	u32 ls = lockset_of(d, t);
	u32 clk = t->vc[tix];
	bool w = e->op == OP_W;
	u32 i;

	if (!c)
		return;
	if (c->has_w && c->wtid != tix && (c->wmask & mask) &&
	    !(c->watomic && e->atomic) && c->wclk > t->vc[c->wtid])
		report(d, c->wpc, c->wtid, KS_K_W, c->watomic, c->wlockset,
		       e->pc, tix, w ? KS_K_W : KS_K_R, e->atomic, ls,
		       e->addr, e->size);
	if (w) {
		for (i = 0; i < c->nr; i++) {
			const struct rread *r = &c->rd[i];

			if (r->tid != tix && (r->mask & mask) &&
			    !(r->atomic && e->atomic) && r->clk > t->vc[r->tid])
				report(d, r->pc, r->tid, KS_K_R, r->atomic,
				       r->lockset, e->pc, tix, KS_K_W,
				       e->atomic, ls, e->addr, e->size);
		}
		c->nr = 0;
		c->has_w = true;
		c->wtid = tix;
		c->wclk = clk;
		c->wpc = e->pc;
		c->wmask = mask;
		c->watomic = e->atomic;
		c->wlockset = ls;
		return;
	}
	for (i = 0; i < c->nr && c->rd[i].tid != tix; i++)
		;
	if (i == c->nr) {
		struct rread *nr = realloc(c->rd, (c->nr + 1) * sizeof(*nr));

		if (!nr) {
			d->err = -ENOMEM;
			return;
		}
		c->rd = nr;
		c->nr++;
		c->rd[i].mask = 0;
	}
	c->rd[i].tid = tix;
	c->rd[i].clk = clk;
	c->rd[i].pc = e->pc;
	c->rd[i].mask = mask;
	c->rd[i].atomic = e->atomic;
	c->rd[i].lockset = ls;
}

static u64 *map_slot(struct det *d, bool cache, u64 key, bool make)
{
	struct { u64 key, size; } **m = cache ? (void *)&d->caches : (void *)&d->blocks;
	size_t *n = cache ? &d->ncaches : &d->nblocks;
	size_t *cap = cache ? &d->capcaches : &d->capblocks;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*m)[i].key == key)
			return &(*m)[i].size;
	if (!make)
		return NULL;
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		void *p = realloc(*m, nc * sizeof(**m));

		if (!p) {
			d->err = -ENOMEM;
			return NULL;
		}
		*m = p;
		*cap = nc;
	}
	(*m)[*n].key = key;
	return &(*m)[(*n)++].size;
}

static void map_del(struct det *d, u64 key)
{
	for (size_t i = 0; i < d->nblocks; i++)
		if (d->blocks[i].key == key) {
			d->blocks[i] = d->blocks[--d->nblocks];
			return;
		}
}

static void held_add(struct rthread *t, u64 obj, bool shared, struct det *d)
{
	struct held *h = vec_push(&t->held);

	if (!h) {
		d->err = -ENOMEM;
		return;
	}
	h->obj = obj;
	h->shared = shared;
	t->lockset = UINT32_MAX;
}

/* Drop @obj from what @t holds; was it held shared? */
static bool held_del(struct rthread *t, u64 obj)
{
	for (size_t i = t->held.n; i-- > 0;) {
		if (t->held.v[i].obj == obj) {
			bool sh = t->held.v[i].shared;

			memmove(&t->held.v[i], &t->held.v[i + 1],
				(t->held.n - i - 1) * sizeof(t->held.v[0]));
			t->held.n--;
			t->lockset = UINT32_MAX;
			return sh;
		}
	}
	return false;
}

static void operation(struct det *d, u32 tix, const struct rev *e)
{
	const struct opx *x = rop_of(d, e);
	struct rthread *t = &d->th.v[tix];
	struct objclock *o;
	u32 **c;
	u64 *sz, size;

	switch (e->op) {
	case OP_ACQ:
	case OP_ACQ_SH:
	case OP_WAIT:
		o = objclock(d, e->addr);
		if (!o)
			goto nomem;
		vc_join(t->vc, o->x, d->n);
		if (e->op == OP_ACQ)
			vc_join(t->vc, o->sh, d->n);
		if (e->op != OP_WAIT)
			held_add(t, e->addr, e->op == OP_ACQ_SH, d);
		break;
	case OP_REL:
	case OP_REL_SH:
	case OP_SIGNAL:
		o = objclock(d, e->addr);
		if (!o)
			goto nomem;
		if (e->op == OP_SIGNAL)
			vc_join(o->x, t->vc, d->n);
		else if (held_del(t, e->addr) || e->op == OP_REL_SH)
			vc_join(o->sh, t->vc, d->n);
		else
			vc_join(o->x, t->vc, d->n);
		t->vc[tix]++;
		break;
	case OP_CREATE:
		c = vec_push(&d->creates);
		if (!c || !(*c = malloc(d->n * sizeof(u32))))
			goto nomem;
		memcpy(*c, t->vc, d->n * sizeof(u32));
		t->vc[tix]++;
		break;
	case OP_START:
		/* after every thread creation so far (none later) */
		for (size_t i = 0; i < d->creates.n; i++)
			vc_join(t->vc, d->creates.v[i], d->n);
		/* its stack may be an ended thread's: new memory */
		if (t->minsp != UINT64_MAX && t->maxsp - t->minsp < (64u << 20))
			reset_range(d, t->minsp - 4096,
				    t->maxsp - t->minsp + 8192);
		break;
	case OP_END:
		t->final = malloc(d->n * sizeof(u32));
		if (!t->final)
			goto nomem;
		memcpy(t->final, t->vc, d->n * sizeof(u32));
		t->ended = true;
		break;
	case OP_JOIN:
		/* the thread whose pthread_t (its %fs base) this is, ended */
		for (size_t i = d->th.n; i-- > 0;) {
			struct rthread *u = &d->th.v[i];

			if (i != tix && u->fs == e->addr && u->ended) {
				vc_join(t->vc, u->final, d->n);
				break;
			}
		}
		break;
	case OP_ASYNC:
		o = objclock_ns(d, e->addr, NS_ASYNC, true);
		if (!o)
			goto nomem;
		vc_join(o->x, t->vc, d->n);
		t->vc[tix]++;
		break;
	case OP_CB_START:
		/* named by its first or second argument */
		for (int k = 0; k < 2; k++) {
			o = objclock_ns(d, k ? x->len : e->addr, NS_ASYNC, false);
			if (o)
				vc_join(t->vc, o->x, d->n);
		}
		break;
	case OP_CB_END:
		for (int k = 0; k < 2; k++) {
			o = objclock_ns(d, k ? x->len : e->addr, NS_DONE, true);
			if (!o)
				goto nomem;
			vc_join(o->x, t->vc, d->n);
		}
		t->vc[tix]++;
		break;
	case OP_ASYNC_JOIN:
		o = objclock_ns(d, unalias(d, e->addr), NS_DONE, false);
		if (o)
			vc_join(t->vc, o->x, d->n);
		break;
	case OP_ALIAS: {
		struct alias *a = vec_push(&d->aliases);

		if (!a)
			goto nomem;
		a->alias = e->addr;
		a->obj = x->len;
		break;
	}
	case OP_CACHE:
		sz = map_slot(d, true, e->addr, true);
		if (sz)
			*sz = x->len;
		break;
	case OP_ALLOC:
		size = x->len;
		if (e->size == 0xff) {
			sz = map_slot(d, true, x->len, false);
			size = sz ? *sz : 8;
		}
		reset_range(d, e->addr, size);
		sz = map_slot(d, false, e->addr, true);
		if (sz)
			*sz = size;
		d->st->allocs++;
		break;
	case OP_FREE: {
		/* a write of the whole object, checked like any other */
		struct rev w = { .op = OP_W, .pc = x->pc };
		u64 a, end;

		sz = map_slot(d, false, e->addr, false);
		size = sz ? *sz : 1;
		end = e->addr + (size < (1ull << 30) ? size : 8);
		for (a = e->addr; a < end && !d->err;) {
			w.addr = a;
			w.size = 8 - (a & 7) < end - a ? 8 - (a & 7) : end - a;
			access(d, tix, &w);
			a += w.size;
		}
		map_del(d, e->addr);
		d->st->frees++;
		break;
	}
	default:
		break;
	}
	return;
nomem:
	d->err = -ENOMEM;
}

static bool is_op(const struct rev *e)
{
	return is_op_code(e->op);
}

/*
 * A task's events come CPU by CPU (the trace is read per CPU): its runs
 * merged in time order, each CPU's runs in the order read (the times of
 * one CPU's records are only as exact as each sub-buffer's clock pair,
 * so they never reorder one CPU's events).
 */
static int sort_by_time(struct rthread *t)
{
	size_t ns = t->segs.n, n = t->ev.n, i, k, w = 0;
	size_t *next; /* per segment: the next one of its CPU */
	size_t *head; /* per segment that starts a CPU's list */
	bool moved = false;
	struct rev *v;

	if (ns < 2)
		return 0;
	next = malloc(ns * sizeof(*next));
	head = malloc(ns * sizeof(*head));
	v = malloc(n * sizeof(*v));
	if (!next || !head || !v) {
		free(next);
		free(head);
		free(v);
		return -ENOMEM;
	}
	/* each CPU's segments, linked in the order read */
	size_t nh = 0, *last = NULL;
	u32 maxcpu = 0;

	for (i = 0; i < ns; i++)
		if (t->segs.v[i].cpu > maxcpu)
			maxcpu = t->segs.v[i].cpu;
	last = malloc((maxcpu + 1) * sizeof(*last));
	if (!last) {
		free(next);
		free(head);
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i <= maxcpu; i++)
		last[i] = SIZE_MAX;
	for (i = 0; i < ns; i++) {
		u32 c = t->segs.v[i].cpu;

		next[i] = SIZE_MAX;
		if (last[c] == SIZE_MAX)
			head[nh++] = i;
		else
			next[last[c]] = i;
		last[c] = i;
	}
	free(last);
	for (size_t done = 0; done < ns; done++) {
		size_t best = SIZE_MAX, bh = 0;

		for (k = 0; k < nh; k++)
			if (head[k] != SIZE_MAX &&
			    (best == SIZE_MAX ||
			     t->segs.v[head[k]].ts < t->segs.v[best].ts)) {
				best = head[k];
				bh = k;
			}
		size_t end = best + 1 < ns ? t->segs.v[best + 1].start : n;

		if (best != done)
			moved = true;
		memcpy(v + w, t->ev.v + t->segs.v[best].start,
		       (end - t->segs.v[best].start) * sizeof(*v));
		w += end - t->segs.v[best].start;
		head[bh] = next[best];
	}
	if (moved)
		memcpy(t->ev.v, v, n * sizeof(*v));
	free(next);
	free(head);
	free(v);
	return 0;
}

/* A deferred acquire (a tail call) takes effect right before the next. */
static void fix_keys(struct det *d, struct rthread *t)
{
	u64 next = UINT64_MAX - 1;

	for (size_t i = t->ev.n; i-- > 0;) {
		struct rev *e = &t->ev.v[i];
		struct opx *o;

		if (!is_op(e))
			continue;
		o = &d->ops.v[e->pc];
		if (o->key == UINT64_MAX)
			o->key = next ? next - 1 : 0;
		next = o->key;
	}
}

static void replay(struct det *d)
{
	for (;;) {
		u64 best = UINT64_MAX;
		u32 bt = UINT32_MAX;

		for (u32 i = 0; i < d->n && !d->err; i++) {
			struct rthread *t = &d->th.v[i];

			while (t->pos < t->ev.n && !is_op(&t->ev.v[t->pos]))
				access(d, i, &t->ev.v[t->pos++]);
			if (t->pos < t->ev.n &&
			    rop_of(d, &t->ev.v[t->pos])->key < best) {
				best = rop_of(d, &t->ev.v[t->pos])->key;
				bt = i;
			}
		}
		if (d->err || bt == UINT32_MAX)
			return;
		operation(d, bt, &d->th.v[bt].ev.v[d->th.v[bt].pos++]);
	}
}

static int report_cmp(const void *a, const void *b)
{
	const struct race_report *x = a, *y = b;
	const char *xn = x->a.func ? x->a.func->name : "";
	const char *yn = y->a.func ? y->a.func->name : "";
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(xn, yn);
	if (c)
		return c;
	return x->a.off < y->a.off ? -1 : x->a.off > y->a.off;
}

int race__detect(struct trace *t, const struct race_opts *opts,
		 struct race_report **reports, size_t *nreports,
		 struct race_stats *st)
{
	struct det d = { .t = t, .opts = opts, .st = st };
	int err;

	memset(st, 0, sizeof(*st));
	err = trace__for_each(t, collect, &d);
	if (!err)
		err = d.err;
	if (!err && !d.have_calls)
		err = -EMEDIUMTYPE;
	d.n = d.th.n;
	st->threads = d.n;
	for (u32 i = 0; !err && i < d.n; i++) {
		if (d.kernel)
			err = sort_by_time(&d.th.v[i]);
		err = err ?: pair_calls(&d, &d.th.v[i]);
		fix_keys(&d, &d.th.v[i]);
		d.th.v[i].vc = calloc(d.n, sizeof(u32));
		if (!d.th.v[i].vc)
			err = -ENOMEM;
		else
			d.th.v[i].vc[i] = 1;
	}
	if (!err && d.n) {
		/* the lockset of nothing held is id 0 */
		if (!vec_push(&d.locksets))
			err = -ENOMEM;
		else
			d.locksets.v[0].n = 0;
	}
	if (!err) {
		replay(&d);
		err = d.err;
	}
	if (!err && d.reports.n)
		qsort(d.reports.v, d.reports.n, sizeof(*d.reports.v),
		      report_cmp);
	for (u32 i = 0; i < d.th.n; i++) {
		vec_free(&d.th.v[i].ev);
		vec_free(&d.th.v[i].segs);
		vec_free(&d.th.v[i].pres);
		vec_free(&d.th.v[i].held);
		free(d.th.v[i].vc);
		free(d.th.v[i].final);
	}
	vec_free(&d.th);
	vec_free(&d.pcs);
	vec_free(&d.ops);
	vec_free(&d.raws);
	free(d.cpu_idx);
	free(d.phash);
	for (size_t i = 0; i < d.cap; i++)
		free(d.cells[i].rd);
	free(d.cells);
	for (size_t i = 0; i < d.objs.n; i++) {
		free(d.objs.v[i].x);
		free(d.objs.v[i].sh);
	}
	vec_free(&d.objs);
	for (size_t i = 0; i < d.creates.n; i++)
		free(d.creates.v[i]);
	vec_free(&d.creates);
	vec_free(&d.locksets);
	vec_free(&d.aliases);
	free(d.blocks);
	free(d.caches);
	if (err) {
		vec_free(&d.reports);
		return err;
	}
	*reports = d.reports.v;
	*nreports = d.reports.n;
	return 0;
}
