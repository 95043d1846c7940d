// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector, phase 1 (det.h): the trace read into one list of
 * events per thread, accesses cut into aligned words, calls, returns,
 * entries and exits kept raw for pair.c; in the kernel, a task's runs on
 * different CPUs merged by time.
 */
#include "det.h"

/*
 * Who runs an event: a user thread; in the kernel a task, or the softirq,
 * hardirq or NMI context of one CPU (each a thread of its own).  0: not
 * known (a kernel CPU's events before its first entry or switch).
 */
u64 det__ctx_key(const struct trace_event *ev)
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

void det__add_ev(struct det *d, struct rthread *t, u8 op, u64 addr,
		   u64 len, u64 key, u32 pc)
{
	struct rev *e;
	struct opx *o;

	if (t->ev.n == t->ev.cap && evvec__reserve(&t->ev, t->ev.n + 1)) {
		d->err = -ENOMEM;
		return;
	}
	e = &t->ev.v[t->ev.n++];
	*e = (struct rev){ .op = op };
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

/* An access of @len bytes, cut into aligned words. */
static void add_access(struct det *d, struct rthread *t, u8 op, u64 addr,
		       u64 len, bool atomic, u32 pc)
{
	while (len && !d->err) {
		u64 n = 8 - (addr & 7);
		struct rev *e;

		if (n > len)
			n = len;
		det__add_ev(d, t, op, addr, 0, 0, pc);
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

/* *@p, of @n0 elements of @size bytes, grown to @n, zeroed beyond @n0 */
static int grow(void *p, size_t n0, size_t n, size_t size)
{
	void **v = p;
	char *nv = realloc(*v, n * size);

	if (!nv)
		return -ENOMEM;
	memset(nv + n0 * size, 0, (n - n0) * size);
	*v = nv;
	return 0;
}

/* The per-CPU arrays made to hold CPU @cpu. */
static int new_run_room(struct det *d, u32 cpu)
{
	size_t n0 = d->ncpu_idx, n = cpu + 64;

	if (cpu < n0)
		return 0;
	if (grow(&d->cpu_idx, n0, n, sizeof(*d->cpu_idx)) ||
	    grow(&d->dev_pending, n0, n, sizeof(*d->dev_pending)) ||
	    grow(&d->cpu_ticket, n0, n, sizeof(*d->cpu_ticket)) ||
	    grow(&d->cpu_unsure, n0, n, sizeof(*d->cpu_unsure)))
		return -ENOMEM;
	d->ncpu_idx = n;
	return 0;
}

static int new_run(struct det *d, struct rthread *t,
		   const struct trace_event *ev)
{
	u32 cpu = ev->tid;
	struct seg *g;
	u64 idx;

	if (new_run_room(d, cpu))
		return -ENOMEM;
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

/* A call, return, entry or exit, kept as read until det__pair_calls(). */
static int add_raw(struct det *d, struct rthread *t,
		   const struct trace_event *ev, u8 op)
{
	struct raw *r = vec_push(&d->raws);

	if (!r)
		return -ENOMEM;
	r->callee = ev->callee;
	/*
	 * An indirect call to a kernel function the trace's symbols name
	 * (one that starts at the target) means what a direct call to it
	 * would.
	 */
	if (op == OP_RAW_PRE && !r->callee && ev->target) {
		const char *mod = NULL, *k;
		u64 off = 1;

		k = trace__ksym(d->t, ev->target, &off, &mod);
		if (k && !off && !mod)
			r->callee = k;
	}
	memcpy(r->args, ev->args, sizeof(r->args));
	r->seq = ev->cseq;
	r->ts = ev->ts;
	r->flags = ev->site->flags;
	if (op == OP_RAW_ENTRY) /* rdi, rsi, and who called */
		r->args[2] = ev->caller;
	if (op == OP_RAW_PRE) {
		r->pc = pc_of(d, ev, false);
		r->pc_free = pc_of(d, ev, true);
	}
	det__add_ev(d, t, op, 0, 0, 0, 0);
	if (!d->err) /* its raw, not an operation */
		t->ev.v[t->ev.n - 1].pc = d->raws.n - 1;
	return d->err;
}

/* the kinds of record that carry a ticket when they have one */
static bool ticketed(const struct ks_site *s)
{
	return s->kind == KS_K_CALL_PRE || s->kind == KS_K_CALL_POST ||
	       s->kind == KS_K_THREAD || s->kind == KS_K_ENTRY ||
	       s->kind == KS_K_EXIT || s->kind == KS_K_TICKET;
}

/*
 * A store to device memory signals the module's devices (sem.h,
 * SEM_OBJ_DEVICE).  The signal takes the ticket right before the next one
 * drawn on the same CPU (the CPU's records are in the order it ran
 * them): the store's own TICKET, drawn after it (abi.h, part 6), or,
 * for a store without one, whatever comes next, which is the interrupt's
 * own entry when the device interrupts that CPU at once.  One signal
 * stands for a run of stores with nothing else of the thread between.
 */
static int device_store(struct det *d, struct rthread *t, u32 cpu)
{
	const struct rev *last = t->ev.n ? &t->ev.v[t->ev.n - 1] : NULL;

	if (cpu >= d->ncpu_idx)
		return 0; /* new_run() made room for every CPU it saw */
	if (last && last->op == OP_SIGNAL && last->addr == SEM_OBJ_DEVICE &&
	    d->dev_pending[cpu] == (u64)(rop_of(d, last) - d->ops.v) + 1 &&
	    t->segs.n && t->segs.v[t->segs.n - 1].start < t->ev.n)
		return 0;
	det__add_ev(d, t, OP_SIGNAL, SEM_OBJ_DEVICE, 0, UINT64_MAX, 0);
	if (d->err)
		return d->err;
	d->dev_pending[cpu] = d->ops.n; /* index + 1 */
	d->st->device_signals++;
	return 0;
}

/*
 * A load from DMA-coherent memory (a descriptor the device may have
 * written) waits for the device: it took its ticket after the last one
 * drawn on its CPU.  One wait stands for the loads after it up to the
 * thread's next operation or a new ticket on that CPU.
 */
static int dma_load(struct det *d, struct rthread *t, u32 cpu)
{
	u64 key;

	if (cpu >= d->ncpu_idx || !d->cpu_ticket[cpu])
		return 0;
	key = 2 * d->cpu_ticket[cpu] + 1;
	if (t->dw_key == key && t->dw_nops == d->ops.n)
		return 0;
	det__add_ev(d, t, OP_WAIT, SEM_OBJ_DEVICE, 0, key, 0);
	t->dw_key = key;
	t->dw_nops = d->ops.n;
	d->st->dma_waits++;
	return d->err;
}

static void device_ticket(struct det *d, u32 cpu, u64 seq)
{
	if (cpu >= d->ncpu_idx)
		return;
	d->cpu_ticket[cpu] = seq;
	if (d->dev_pending[cpu]) {
		d->ops.v[d->dev_pending[cpu] - 1].key = 2 * seq - 1;
		d->dev_pending[cpu] = 0;
	}
}

/*
 * Records of CPU @cpu were dropped right before this event: its interrupt
 * contexts, and the task now running there (@task, or NULL), may have lost
 * an entry or an exit, and with it which callback they are in (pair.c).
 */
static void lost_cpu(struct det *d, const struct trace_event *ev)
{
	u32 cpu = ev->tid;

	for (size_t i = 0; i < d->th.n && !d->err; i++) {
		struct rthread *t = &d->th.v[i];

		if (t->ctx != KS_CTX_TASK ? t->tid != cpu :
					    !t->segs.n || t->last_cpu != cpu)
			continue;
		/* in the thread's time order where the loss is */
		if (new_run(d, t, ev)) {
			d->err = -ENOMEM;
			return;
		}
		det__add_ev(d, t, OP_RAW_LOST, 0, 0, 0, 0);
		d->st->lost_marks++;
	}
}

/*
 * After a loss the CPU's context is not known for sure either: a lost
 * entry or exit shifts what the reader takes for an interrupt, a softirq
 * or the task (lib/trace/walk.c).  Its events are left out until the
 * next switch of tasks, which happens in a task and nowhere else.
 */
static bool cpu_unsure(struct det *d, const struct trace_event *ev)
{
	u32 cpu = ev->tid;

	if (cpu >= d->ncpu_idx) {
		if (!ev->gap)
			return false;
		/* room for it, as new_run() makes */
		if (new_run_room(d, cpu))
			return (d->err = -ENOMEM), true;
	}
	if (ev->gap) {
		d->cpu_unsure[cpu] = true;
		lost_cpu(d, ev);
	} else if (d->cpu_unsure[cpu] && ev->site->kind == KS_K_SWITCH &&
		   ev->ctx == KS_CTX_TASK) {
		d->cpu_unsure[cpu] = false;
	}
	if (!d->cpu_unsure[cpu])
		return false;
	d->cpu_idx[cpu]++; /* it still separates runs */
	d->st->unsure_events++;
	return true;
}

int det__collect(const struct trace_event *ev, void *arg)
{
	struct det *d = arg;
	const struct ks_site *s = ev->site;
	struct rthread *t;
	u32 pc;

	u64 key;

	if (!s || d->err)
		return d->err;
	if (ev->kernel && cpu_unsure(d, ev))
		return d->err;
	key = det__ctx_key(ev);
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
	if (ev->kernel && ev->cseq && ticketed(s))
		device_ticket(d, ev->tid, ev->cseq);
	switch (s->kind) {
	case KS_K_R:
	case KS_K_W:
	case KS_K_U:
	case KS_K_RANGE_R:
	case KS_K_RANGE_W:
		if ((s->flags & KS_F_STACK) && !d->opts->stack)
			return 0;
		if (d->devs.n && det__is_device(d, ev->addr, ev->ts)) {
			d->st->device++;
			if (s->kind != KS_K_R && s->kind != KS_K_RANGE_R)
				return device_store(d, t, ev->tid);
			return 0;
		}
		if (d->dmas.n && s->kind != KS_K_W && s->kind != KS_K_RANGE_W &&
		    det__is_dma(d, ev->addr, ev->ts) && dma_load(d, t, ev->tid))
			return d->err;
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
		det__add_ev(d, t, ev->args[0] == KS_THREAD_START ? OP_START : OP_END,
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
 * A task's events come CPU by CPU (the trace is read per CPU): its runs
 * merged in time order, each CPU's runs in the order read (the times of
 * one CPU's records are only as exact as each sub-buffer's clock pair,
 * so they never reorder one CPU's events).
 */
int det__sort_by_time(struct rthread *t)
{
	size_t ns = t->segs.n, n = t->ev.n, i, k, w = 0;
	size_t *next; /* per segment: the next one of its CPU */
	size_t *head; /* per segment that starts a CPU's list */
	bool moved = false;
	struct evvec tmp = {};
	struct rev *v;

	if (ns < 2)
		return 0;
	next = malloc(ns * sizeof(*next));
	head = malloc(ns * sizeof(*head));
	if (!next || !head || evvec__reserve(&tmp, n)) {
		free(next);
		free(head);
		return -ENOMEM;
	}
	v = tmp.v;
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
		evvec__free(&tmp);
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
	if (moved) { /* the sorted list takes the place of the one read */
		tmp.n = n;
		evvec__free(&t->ev);
		t->ev = tmp;
	} else {
		evvec__free(&tmp);
	}
	free(next);
	free(head);
	return 0;
}

/* A deferred acquire (a tail call) takes effect right before the next. */
