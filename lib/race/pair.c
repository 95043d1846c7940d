// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector, phase 2 (det.h): each thread's calls paired with
 * their returns in its time order, giving the operations the semantics
 * table says they mean, each keyed by its call's ticket.
 */
#include "det.h"

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

/*
 * The object a call names: an argument, or one of the fixed ones (sem.h);
 * a lock a net device's transmit queue holds is that device's tx(dev)
 */
static u64 obj_of(struct det *d, const struct sem *s, const u64 *args,
		  u64 ts, bool count)
{
	switch (s->obj) {
	case SEM_ARG_NONE:
		return SEM_OBJ_NONE;
	case SEM_ARG_REGISTRY:
		return SEM_OBJ_REGISTRY;
	case SEM_ARG_RETIRED:
		return SEM_OBJ_RETIRED;
	case SEM_ARG_RTNL:
		return SEM_OBJ_RTNL;
	case SEM_ARG_TXLOCK:
		return sem_held__obj(SEM_HELD_TX, args[0]);
	default:
		break;
	}
	switch (s->op) {
	case SEM_ACQUIRE:
	case SEM_ACQUIRE_SHARED:
	case SEM_RELEASE:
	case SEM_RELEASE_SHARED:
	case SEM_WAIT_RELEASE:
		if (d->netdevs.n) {
			u64 lock = arg(args, s->obj);
			u64 obj = det__lock_obj(d, lock, ts);

			if (count)
				d->st->tx_locks += obj != lock;
			return obj;
		}
		break;
	default:
		break;
	}
	return arg(args, s->obj);
}

/* The operations of a call that take effect before it (at its ticket). */
static void call_pre(struct det *d, struct rthread *t, const struct raw *ev,
		     const struct sem *s, u32 pc)
{
	u64 key = 2 * ev->seq, obj = obj_of(d, s, ev->args, ev->ts, true);
	bool tail = ev->flags & KS_F_CALL_TAIL;

	switch (s->op) {
	case SEM_RELEASE:
		det__add_ev(d, t, OP_REL, obj, 0, key, pc);
		break;
	case SEM_RELEASE_SHARED:
		det__add_ev(d, t, OP_REL_SH, obj, 0, key, pc);
		break;
	case SEM_SIGNAL:
		det__add_ev(d, t, OP_SIGNAL, obj, 0, key, pc);
		break;
	case SEM_ASYNC_START:
		det__add_ev(d, t, OP_ASYNC, obj, s->cbarg, key, pc);
		break;
	case SEM_WAIT_RELEASE:
		det__add_ev(d, t, OP_REL, obj, 0, key, pc);
		break;
	case SEM_THREAD_CREATE:
		det__add_ev(d, t, OP_CREATE, 0, 0, key, pc);
		break;
	case SEM_FREE:
		if (obj)
			det__add_ev(d, t, OP_FREE, obj, 0, key, ev->pc_free);
		break;
	case SEM_HANDOFF:
		if (obj)
			det__add_ev(d, t, OP_HANDOFF, obj, 0, key, pc);
		break;
	case SEM_REALLOC:
		if (arg(ev->args, s->obj))
			det__add_ev(d, t, OP_FREE, arg(ev->args, s->obj), 0, key,
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
		 * key is fixed later (det__fix_keys()).  One that may fail waits
		 * for the return value (tail_needs_post()).
		 */
		if (tail && s->ok == SEM_OK_ALWAYS)
			det__add_ev(d, t, s->op == SEM_ACQUIRE ? OP_ACQ :
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
	u64 obj = obj_of(d, s, p->args, ev->ts, false);
	u64 size;

	if (!ok(s, ret))
		return;
	switch (s->op) {
	case SEM_ACQUIRE:
	case SEM_WAIT_RELEASE:
		det__add_ev(d, t, OP_ACQ, obj, 0, key, p->pc);
		break;
	case SEM_ACQUIRE_SHARED:
		det__add_ev(d, t, OP_ACQ_SH, obj, 0, key, p->pc);
		break;
	case SEM_WAIT:
		det__add_ev(d, t, OP_WAIT, obj, 0, key, p->pc);
		break;
	case SEM_ASYNC_JOIN:
		det__add_ev(d, t, OP_ASYNC_JOIN, obj, 0, key, p->pc);
		break;
	case SEM_ASYNC_START:
		if (s->ret_alias && ret)
			det__add_ev(d, t, OP_ALIAS, ret, obj, key, p->pc);
		break;
	case SEM_THREAD_JOIN:
		det__add_ev(d, t, OP_JOIN, obj, 0, key, p->pc);
		break;
	case SEM_ALLOC:
	case SEM_REALLOC:
		size = arg(p->args, s->size);
		if (s->nmemb != SEM_ARG_NONE)
			size *= arg(p->args, s->nmemb);
		if (ret)
			det__add_ev(d, t, OP_ALLOC, ret, size, key, p->pc);
		break;
	case SEM_TAKE:
		if (ret)
			det__add_ev(d, t, OP_TAKE, ret, 0, key, p->pc);
		break;
	case SEM_DEVICE_WRITE:
		det__add_ev(d, t, OP_SIGNAL, SEM_OBJ_DEVICE, 0, key, p->pc);
		break;
	case SEM_CACHE_CREATE:
		if (ret)
			det__add_ev(d, t, OP_CACHE, ret, arg(p->args, s->size), key,
			       p->pc);
		break;
	case SEM_CACHE_ALLOC:
		/* its size is the cache's: looked up when replayed */
		if (!ret)
			break;
		det__add_ev(d, t, OP_ALLOC, ret, obj, key, p->pc);
		if (!d->err)
			t->ev.v[t->ev.n - 1].size = 0xff; /* len: the cache */
		break;
	default:
		break;
	}
}

/* A kernel event of @t: does it start a run of its own (struct seg)? */

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
	case SEM_TAKE:
	case SEM_DEVICE_WRITE:
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

/*
 * A callback entered by the kernel: what its caller holds while it runs
 * (sem.c's callers[]), acquired at its start.  Only with the kernel's
 * symbols, which name the caller (abi.h, KS_CHUNK_KSYMS).
 */
/* The callers[] entry of the kernel function that entered @r, or NULL. */
static const struct sem_caller *entry_caller(struct det *d, const struct raw *r)
{
	const struct sem_caller *c;
	const char *mod = NULL;

	if (!r->args[2])
		return NULL;
	c = sem__caller(trace__ksym(d->t, r->args[2], NULL, &mod));
	return mod ? NULL : c;
}

static u8 caller_holds(struct det *d, struct rthread *t, const struct raw *r,
		       const struct sem_caller *c, u64 held[2])
{
	u8 n = 0;
	int i;

	if (!c)
		return 0;
	for (i = 0; i < 2 && c->held[i]; i++) {
		u64 obj = sem_held__obj(c->held[i], r->args[c->arg[i]]);

		held[n++] = obj;
		det__add_ev(d, t, OP_ACQ, obj, 0, 2 * r->seq, 0);
		d->st->caller_locks++;
	}
	return n;
}

/*
 * An interrupt handler's start (hardirq, or an irq thread's handler):
 * after the stores to device memory before it (sem.h, SEM_OBJ_DEVICE).
 */
static void irq_waits(struct det *d, struct rthread *t, const struct raw *r,
		      const struct sem_caller *c)
{
	if (t->ctx != KS_CTX_HARDIRQ &&
	    !(c && (c->held[0] == SEM_HELD_IRQ ||
		    c->held[0] == SEM_HELD_IRQ_THREAD)))
		return;
	det__add_ev(d, t, OP_WAIT, SEM_OBJ_DEVICE, 0, 2 * r->seq, 0);
	d->st->irq_waits++;
}

/*
 * An exit's key: its ticket, or, for an exit that has none (a function
 * whose address is not taken, ended by a callback's tail jump into it),
 * right before the thread's next operation (det__fix_keys())
 */
static u64 exit_key(const struct raw *r)
{
	return r->flags & KS_F_EXIT_SEQ ? 2 * r->seq : UINT64_MAX;
}

/* ...released at the callback's exit */
static void release_held(struct det *d, struct rthread *t, const struct raw *r,
			 const u64 *held, u8 n)
{
	while (n)
		det__add_ev(d, t, OP_REL, held[--n], 0, exit_key(r), 0);
}

/* Is @r a callback entered from the kernel (not from the module)? */
static bool from_kernel(struct det *d, const struct raw *r)
{
	const char *mod = NULL;

	if (!(r->flags & KS_F_ENTRY_ARGS))
		return false;
	if (!r->args[2] || !trace__ksym(d->t, r->args[2], NULL, &mod))
		return true; /* not named: take it as the kernel's */
	return !mod;
}

/*
 * Records of @t were dropped: what it was in ends (its locks, its
 * callback, with deferred keys: after the loss), and nothing of it is
 * checked until a callback is entered from the kernel again.
 */
static void lose(struct det *d, struct rthread *t)
{
	static const struct raw none = { .flags = 0 };

	while (t->nnest) {
		t->nnest--;
		release_held(d, t, &none, t->nest[t->nnest].held,
			     t->nest[t->nnest].n);
	}
	if (t->in_cb) {
		release_held(d, t, &none, t->cb_held, t->ncb_held);
		det__add_ev(d, t, OP_CB_END, t->cb[0], t->cb[1], UINT64_MAX, 0);
	}
	t->ncb_held = 0;
	t->in_cb = t->tail_cont = false;
	t->depth = 0;
	t->pres.n = 0;
	t->lost = true;
}

/* One call, return, entry or exit made the operations it means, on t->ev. */
static void pair_one(struct det *d, struct rthread *t, const struct rev *e)
{
	const struct raw *r;
	struct pre *p;

	if (e->op == OP_RAW_LOST) {
		lose(d, t);
		return;
	}
	r = &d->raws.v[e->pc];
	if (t->lost) {
		if (e->op != OP_RAW_ENTRY || !from_kernel(d, r))
			return;
		t->lost = false; /* a callback starts: known again */
	}
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
		if (t->tail_cont) {
			/* the function the callback's tail jump went to */
			t->tail_cont = false;
			break;
		}
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
			const struct sem_caller *c = entry_caller(d, r);

			det__add_ev(d, t, OP_CB_START, r->args[0], r->args[1],
			       2 * r->seq, 0);
			irq_waits(d, t, r, c);
			t->ncb_held = caller_holds(d, t, r, c, t->cb_held);
			t->nnest = 0;
		} else if (t->depth > 1 && t->in_cb && (r->flags & KS_F_ENTRY_ARGS) &&
			   t->nnest < ARRAY_SIZE(t->nest)) {
			/* entered again from the kernel, inside a callback */
			u8 n = caller_holds(d, t, r, entry_caller(d, r),
					    t->nest[t->nnest].held);

			if (n) {
				t->nest[t->nnest].n = n;
				t->nest[t->nnest++].depth = t->depth;
			}
		}
		break;
	case OP_RAW_EXIT:
		/*
		 * The outermost callback's tail jump to a function of the
		 * module: the callback goes on there, up to that one's exit
		 */
		if (t->depth == 1 && t->in_cb && (r->flags & KS_F_EXIT_TAIL)) {
			t->tail_cont = true;
			break;
		}
		t->tail_cont = false;
		/* a nested callback's exit; at the outermost, any left open */
		while (t->nnest && (t->nest[t->nnest - 1].depth == t->depth ||
				    t->depth == 1)) {
			t->nnest--;
			release_held(d, t, r, t->nest[t->nnest].held,
				     t->nest[t->nnest].n);
		}
		if (t->depth && !--t->depth && t->in_cb) {
			t->in_cb = false;
			release_held(d, t, r, t->cb_held, t->ncb_held);
			t->ncb_held = 0;
			det__add_ev(d, t, OP_CB_END, t->cb[0], t->cb[1],
				    exit_key(r), 0);
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
int det__pair_calls(struct det *d, struct rthread *t)
{
	struct evvec in = t->ev, nv = {};
	struct rev *v = in.v;
	size_t n = in.n, i, w = 0;
	bool copy = false;

	memset(&t->ev, 0, sizeof(t->ev)); /* scratch for each one's output */
	for (i = 0; i < n && !d->err; i++) {
		struct rev e = v[i];
		const struct rev *out = &e;
		size_t nout = 1;

		if (t->lost && e.op <= OP_W) { /* not checked (lose()) */
			d->st->lost_accesses++;
			continue; /* in place or copied, it is left out */
		}
		if (e.op < OP_RAW_PRE && !copy) { /* most: stays where it is */
			if (w != i)
				v[w] = e;
			w++;
			continue;
		}
		if (e.op >= OP_RAW_PRE) {
			t->ev.n = 0;
			pair_one(d, t, &e);
			out = t->ev.v;
			nout = t->ev.n;
		}
		if (!copy && w + nout > i + 1) {
			copy = true;
			if (evvec__reserve(&nv, w + nout + (n - i))) {
				d->err = -ENOMEM;
				break;
			}
			memcpy(nv.v, v, w * sizeof(*v));
			nv.n = w;
		}
		if (copy) {
			if (evvec__reserve(&nv, nv.n + nout)) {
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
	evvec__free(&t->ev);
	if (copy) {
		evvec__free(&in);
		t->ev = nv;
	} else {
		evvec__free(&nv);
		in.n = w;
		t->ev = in;
	}
	return d->err;
}

/* ---- replay ---- */


/*
 * Deferred keys (UINT64_MAX) take effect right before the thread's next
 * operation; a device signal's key (collect.c) never after it, for a
 * thread's keys must not decrease along its list.
 */
void det__fix_keys(struct det *d, struct rthread *t)
{
	u64 next = UINT64_MAX - 1;

	for (size_t i = t->ev.n; i-- > 0;) {
		struct rev *e = &t->ev.v[i];
		struct opx *o;

		if (!is_op(e))
			continue;
		o = &d->ops.v[e->pc];
		if (o->key == UINT64_MAX ||
		    (e->op == OP_SIGNAL && e->addr == SEM_OBJ_DEVICE &&
		     o->key >= next))
			o->key = next ? next - 1 : 0;
		next = o->key;
	}
}
