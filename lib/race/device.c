// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector's device memory (det.h).  A kernel trace's MAP and
 * UNMAP records name the ioremap()ed areas and when each lived.  Loads and
 * stores there reach a device's registers, not memory: two of them do not
 * make a data race (the device orders them), so they are counted, never
 * checked.  After its UNMAP the same addresses may be memory again
 * (vmalloc reuses the space): the test is by time as well as by address.
 */
#include "det.h"

static int dev_collect(const struct trace_event *ev, void *arg)
{
	struct det *d = arg;
	const struct ks_site *s = ev->site;
	struct devrange *r;

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
	if (!trace__kernel(d->t))
		return 0;
	return trace__for_each(d->t, dev_collect, d);
}

bool det__is_device(const struct det *d, u64 addr, u64 ts)
{
	if (addr < d->devlo || addr >= d->devhi)
		return false;
	for (size_t i = 0; i < d->devs.n; i++) {
		const struct devrange *r = &d->devs.v[i];

		if (addr >= r->lo && addr < r->hi && ts >= r->ts0 && ts < r->ts1)
			return true;
	}
	return false;
}
