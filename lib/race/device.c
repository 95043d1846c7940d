// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector's device memory (det.h).  A kernel trace's MAP and
 * UNMAP records name the ioremap()ed areas and when each lived.  Loads and
 * stores there reach a device's registers, not memory: two of them do not
 * make a data race (the device orders them), so they are counted, never
 * checked.  After its UNMAP the same addresses may be memory again
 * (vmalloc reuses the space): the test is by time as well as by address.
 * DMA-coherent memory is memory, checked as any other, which the device
 * writes too: loads from it wait for the device (collect.c).
 */
#include "det.h"

/* a dma_alloc_attrs() call not yet returned, by who made it */
struct dma_call {
	u64 ctx, size;
};

struct dev_scan {
	struct det *d;
	VEC(struct dma_call) calls;
};

static bool is(const char *callee, const char *name)
{
	return callee && !strcmp(callee, name);
}

/*
 * DMA-coherent memory: from dma_alloc_attrs(dev, size, ...)'s return to
 * dma_free_attrs(dev, size, p, ...).  The device writes it too.
 */
static int dma_call(struct dev_scan *sc, const struct trace_event *ev)
{
	struct det *d = sc->d;
	u64 ctx = det__ctx_key(ev);
	struct devrange *r;
	struct dma_call *c;

	if (!ctx)
		return 0;
	if (ev->site->kind == KS_K_CALL_PRE && is(ev->callee, "dma_alloc_attrs")) {
		c = vec_push(&sc->calls);
		if (!c)
			return -ENOMEM;
		c->ctx = ctx;
		c->size = ev->args[1];
		return 0;
	}
	if (ev->site->kind == KS_K_CALL_PRE && is(ev->callee, "dma_free_attrs")) {
		for (size_t i = d->dmas.n; i-- > 0;) {
			r = &d->dmas.v[i];
			if (r->lo == ev->args[2] && r->ts1 == UINT64_MAX) {
				r->ts1 = ev->ts;
				break;
			}
		}
		return 0;
	}
	if (ev->site->kind != KS_K_CALL_POST || !is(ev->callee, "dma_alloc_attrs"))
		return 0;
	for (size_t i = sc->calls.n; i-- > 0;) {
		u64 size = sc->calls.v[i].size;

		if (sc->calls.v[i].ctx != ctx)
			continue;
		sc->calls.v[i] = sc->calls.v[--sc->calls.n];
		if (!ev->args[0] || !size || size > (1ull << 32) ||
		    ev->args[0] + size < ev->args[0])
			return 0;
		r = vec_push(&d->dmas);
		if (!r)
			return -ENOMEM;
		r->lo = ev->args[0];
		r->hi = ev->args[0] + size;
		r->ts0 = ev->ts;
		r->ts1 = UINT64_MAX;
		r->id = 0;
		if (d->dmas.n == 1 || r->lo < d->dmalo)
			d->dmalo = r->lo;
		if (r->hi > d->dmahi)
			d->dmahi = r->hi;
		return 0;
	}
	return 0;
}

/* A net device's transmit queues, if the layout adds up. */
int det__netdev_record(struct det *d, const struct trace_event *ev)
{
	struct netdev_rec *r;
	bool gone = ev->mflags & KS_NETDEV_GONE;

	if (!gone && (!ev->args[0] || !ev->args[1] || ev->args[1] > 4096 ||
		      ev->args[2] < 8 || ev->args[2] > 65536 ||
		      ev->args[3] + 8 > ev->args[2] ||
		      ev->args[0] + ev->args[1] * ev->args[2] < ev->args[0]))
		return 0;
	r = vec_push(&d->netrecs);
	if (!r)
		return -ENOMEM;
	r->n = (struct netdev){ .dev = ev->addr, .tx = ev->args[0],
				.nq = ev->args[1], .stride = ev->args[2],
				.lock = ev->args[3], .ts0 = ev->ts,
				.ts1 = UINT64_MAX };
	r->gone = gone;
	r->order = d->netrecs.n;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct netdev_rec *x = a, *y = b;

	if (x->n.ts0 != y->n.ts0)
		return x->n.ts0 < y->n.ts0 ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The records in time order make each device's lifetimes: from a record
 * of it (registered, or there when an instrumented module came) to its
 * unregistration, after which its memory may hold anything else.
 */
int det__netdev_lives(struct det *d)
{
	qsort(d->netrecs.v, d->netrecs.n, sizeof(*d->netrecs.v), by_time);
	for (size_t i = 0; i < d->netrecs.n; i++) {
		const struct netdev_rec *r = &d->netrecs.v[i];
		struct netdev *open = NULL, *n;

		for (size_t k = 0; k < d->netdevs.n && !open; k++)
			if (d->netdevs.v[k].dev == r->n.dev &&
			    d->netdevs.v[k].ts1 == UINT64_MAX)
				open = &d->netdevs.v[k];
		if (r->gone || (open && (open->tx != r->n.tx ||
					 open->nq != r->n.nq ||
					 open->stride != r->n.stride ||
					 open->lock != r->n.lock))) {
			if (open)
				open->ts1 = r->n.ts0;
			open = NULL;
		}
		if (r->gone || open)
			continue; /* gone, or the same life told again */
		n = vec_push(&d->netdevs);
		if (!n)
			return -ENOMEM;
		*n = r->n;
		d->st->netdevs++;
	}
	vec_free(&d->netrecs);
	return 0;
}

static int dev_collect(const struct trace_event *ev, void *arg)
{
	struct dev_scan *sc = arg;
	struct det *d = sc->d;
	const struct ks_site *s = ev->site;
	struct devrange *r;

	if (s && (s->kind == KS_K_CALL_PRE || s->kind == KS_K_CALL_POST))
		return dma_call(sc, ev);
	if (s && s->kind == KS_K_NETDEV)
		return det__netdev_record(d, ev);
	if (!s || (s->kind != KS_K_MAP && s->kind != KS_K_UNMAP))
		return 0;
	if (s->kind == KS_K_UNMAP) {
		/* the latest mapping of that address still open */
		for (size_t i = d->devs.n; i-- > 0;) {
			r = &d->devs.v[i];
			if (r->id == ev->map_id && r->ts1 == UINT64_MAX) {
				r->ts1 = ev->ts;
				break;
			}
		}
		return 0;
	}
	if (!ev->len || ev->addr + ev->len < ev->addr)
		return 0;
	r = vec_push(&d->devs);
	if (!r)
		return -ENOMEM;
	r->lo = ev->addr;
	r->hi = ev->addr + ev->len;
	r->ts0 = ev->ts;
	r->ts1 = UINT64_MAX;
	r->id = ev->map_id;
	if (d->devs.n == 1 || r->lo < d->devlo)
		d->devlo = r->lo;
	if (r->hi > d->devhi)
		d->devhi = r->hi;
	return 0;
}

/*
 * Every MAP and UNMAP of @d's trace.  Records come CPU by CPU: an UNMAP
 * read before its MAP (another CPU's) is lost, and the area then stays
 * device memory to the end; that errs towards fewer reports, not more.
 */
int det__devices(struct det *d)
{
	struct dev_scan sc = { .d = d };
	int err;

	if (!trace__kernel(d->t))
		return 0;
	err = trace__for_each(d->t, dev_collect, &sc);
	err = err ?: det__netdev_lives(d);
	vec_free(&sc.calls);
	return err;
}

static bool in_ranges(const struct devrange *v, size_t n, u64 addr, u64 ts)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= v[i].lo && addr < v[i].hi && ts >= v[i].ts0 &&
		    ts < v[i].ts1)
			return true;
	return false;
}

bool det__is_dma(const struct det *d, u64 addr, u64 ts)
{
	if (addr < d->dmalo || addr >= d->dmahi)
		return false;
	return in_ranges(d->dmas.v, d->dmas.n, addr, ts);
}

/*
 * The kernel holds a queue's _xmit_lock around ndo_start_xmit(), which
 * the detector names tx(dev) (sem.c's callers[]): a driver that takes
 * one itself, by address (netif_tx_disable() inline), takes the same.
 * Every queue of a device is the one tx(dev), as netif_tx_lock() has it.
 */
u64 det__lock_obj(const struct det *d, u64 lock, u64 ts)
{
	for (size_t i = 0; i < d->netdevs.n; i++) {
		const struct netdev *n = &d->netdevs.v[i];
		u64 off = lock - n->tx;

		/* a call of unknown time (0) is taken to be in its life */
		if (ts && (ts < n->ts0 || ts >= n->ts1))
			continue;
		if (lock >= n->tx && off < n->nq * n->stride &&
		    off % n->stride == n->lock)
			return sem_held__obj(SEM_HELD_TX, n->dev);
	}
	return lock;
}

bool det__is_device(const struct det *d, u64 addr, u64 ts)
{
	if (addr < d->devlo || addr >= d->devhi)
		return false;
	return in_ranges(d->devs.v, d->devs.n, addr, ts);
}
