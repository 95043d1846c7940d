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

/*
 * A net device's transmit queues.  Only the newest record of a device
 * counts: its queues never move while it lives, and after it went
 * (KS_NETDEV_GONE) its memory may hold anything.
 */
static int netdev_rec(struct det *d, const struct trace_event *ev)
{
	struct netdev *n = NULL;

	for (size_t i = 0; i < d->netdevs.n && !n; i++)
		if (d->netdevs.v[i].dev == ev->addr)
			n = &d->netdevs.v[i];
	if (ev->mflags & KS_NETDEV_GONE) {
		if (n)
			*n = d->netdevs.v[--d->netdevs.n];
		return 0;
	}
	/* a layout that does not add up is not used */
	if (!ev->args[0] || !ev->args[1] || ev->args[1] > 4096 ||
	    ev->args[2] < 8 || ev->args[3] + 8 > ev->args[2] ||
	    ev->args[0] + ev->args[1] * ev->args[2] < ev->args[0])
		return 0;
	if (!n) {
		n = vec_push(&d->netdevs);
		if (!n)
			return -ENOMEM;
		d->st->netdevs++;
	}
	n->dev = ev->addr;
	n->tx = ev->args[0];
	n->nq = ev->args[1];
	n->stride = ev->args[2];
	n->lock = ev->args[3];
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
		return netdev_rec(d, ev);
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
u64 det__lock_obj(const struct det *d, u64 lock)
{
	for (size_t i = 0; i < d->netdevs.n; i++) {
		const struct netdev *n = &d->netdevs.v[i];
		u64 off = lock - n->tx;

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
