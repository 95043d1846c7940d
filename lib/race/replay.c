// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector, phase 3 (det.h): the threads' lists replayed in one
 * order consistent with the tickets, against vector clocks, lock sets and
 * one shadow cell per aligned 8-byte word.
 */
#include "det.h"

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
	for (u32 i = 0; i < ls->n && n + 20 < sizeof(s->locks); i++) {
		char nb[40];
		const char *nm = sem_held__name(ls->objs[i], nb, sizeof(nb));

		if (nm)
			n += snprintf(s->locks + n, sizeof(s->locks) - n, "%s%s",
				      i ? "," : "", nm);
		else
			n += snprintf(s->locks + n, sizeof(s->locks) - n, "%s0x%lx",
				      i ? "," : "", (unsigned long)ls->objs[i]);
		if (n >= sizeof(s->locks))
			break;
	}
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

/*
 * Two accesses race unless both are atomic (locked) or, in the kernel,
 * one is a locked write and the other a load: atomic_read(), test_bit()
 * and READ_ONCE() are plain loads in the binary, as the kernel's memory
 * model allows for a word a locked instruction updates, so a load
 * against a locked write is taken as marked.  A plain store against
 * either is always checked.
 */
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
	    !(c->watomic && (e->atomic || (!w && d->kernel))) &&
	    c->wclk > t->vc[c->wtid])
		report(d, c->wpc, c->wtid, KS_K_W, c->watomic, c->wlockset,
		       e->pc, tix, w ? KS_K_W : KS_K_R, e->atomic, ls,
		       e->addr, e->size);
	if (w) {
		for (i = 0; i < c->nr; i++) {
			const struct rread *r = &c->rd[i];

			if (r->tid != tix && (r->mask & mask) &&
			    !((r->atomic || d->kernel) && e->atomic) &&
			    r->clk > t->vc[r->tid])
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

/* @t's clock, published into @obj's clock of namespace @ns */
static int publish(struct det *d, u32 tix, u64 obj, int ns)
{
	struct rthread *t = &d->th.v[tix];
	struct objclock *o = objclock_ns(d, obj, ns, true);

	if (!o)
		return -ENOMEM;
	vc_join(o->x, t->vc, d->n);
	t->vc[tix]++;
	return 0;
}

/* ...and seen by @t, if anything was published there: was it? */
static bool see(struct det *d, struct rthread *t, u64 obj, int ns)
{
	struct objclock *o = objclock_ns(d, obj, ns, false);

	if (o)
		vc_join(t->vc, o->x, d->n);
	return o;
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
		if (publish(d, tix, e->addr, NS_ASYNC + !!x->len))
			goto nomem;
		break;
	case OP_CB_START:
		/*
		 * Named by its first or second argument; and an argument the
		 * module gave away earlier came back
		 */
		t->cb_tied = false;
		for (int k = 0; k < 2; k++) {
			if (see(d, t, k ? x->len : e->addr, NS_ASYNC + k))
				t->cb_tied = true;
			see(d, t, k ? x->len : e->addr, NS_HANDOFF);
		}
		/*
		 * After the registrations before it: an ops table's callback
		 * runs only once registered.  Every callback, since one that
		 * names a queued object (ndo_open(dev) after request_irq(dev)
		 * of an earlier open) may still be an ops table's.
		 */
		see(d, t, SEM_OBJ_REGISTRY, NS_SYNC);
		break;
	case OP_HANDOFF:
		if (publish(d, tix, e->addr, NS_HANDOFF))
			goto nomem;
		break;
	case OP_TAKE:
		see(d, t, e->addr, NS_HANDOFF);
		break;
	case OP_CB_END:
		if (!t->cb_tied) {
			o = objclock_ns(d, SEM_OBJ_RETIRED, NS_SYNC, true);
			if (!o)
				goto nomem;
			vc_join(o->x, t->vc, d->n);
		}
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


/* Does @op publish the thread's clock (a release of some kind)? */
static bool releases(u8 op)
{
	switch (op) {
	case OP_REL:
	case OP_REL_SH:
	case OP_SIGNAL:
	case OP_ASYNC:
	case OP_CREATE:
	case OP_CB_END:
	case OP_HANDOFF:
		return true;
	default:
		return false;
	}
}

/*
 * Of the operations due, the smallest key first; of equal keys, which
 * only the odd ones that stand between two tickets share across threads
 * (collect.c), an acquire before a release, so that no order is made up
 * between two events the tickets do not order.
 */
void det__replay(struct det *d)
{
	for (;;) {
		u64 best = UINT64_MAX;
		u32 bt = UINT32_MAX;
		bool brel = false;

		for (u32 i = 0; i < d->n && !d->err; i++) {
			struct rthread *t = &d->th.v[i];
			const struct rev *e;
			u64 k;

			while (t->pos < t->ev.n && !is_op(&t->ev.v[t->pos]))
				access(d, i, &t->ev.v[t->pos++]);
			if (t->pos >= t->ev.n)
				continue;
			e = &t->ev.v[t->pos];
			k = rop_of(d, e)->key;
			if (k < best || (k == best && brel && !releases(e->op))) {
				best = k;
				brel = releases(e->op);
				bt = i;
			}
		}
		if (d->err || bt == UINT32_MAX)
			return;
		operation(d, bt, &d->th.v[bt].ev.v[d->th.v[bt].pos++]);
	}
}
