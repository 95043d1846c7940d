// SPDX-License-Identifier: GPL-2.0
/*
 * The race detector (race.h).  Two passes:
 *
 *  1. Read the trace into one list of events per thread: accesses, and the
 *     operations the semantics table gives calls (acquire, release, alloc,
 *     free, create, join), each keyed by its call's ticket.  A CALL_POST
 *     is paired with its thread's CALL_PRE (collect.c, then pair.c).
 *  2. Replay the lists in one order consistent with the tickets: a thread
 *     runs its accesses up to its next operation; of the operations due,
 *     the one with the smallest ticket goes first.  Releases draw their
 *     ticket before the call, acquires after it returned, so an acquire
 *     always follows the release it saw (replay.c).
 *
 * Shadow memory is one cell per aligned 8-byte word: the last write's
 * epoch (thread, clock), with the bytes it covered, and the last read of
 * each thread.  Two accesses race when their bytes overlap, one writes,
 * they are not both atomic, and neither happens before the other.
 */
#include "det.h"

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

/* The phases after collect.c's: pairing, keys, clocks, the replay. */
int det__run(struct det *d)
{
	int err = 0;

	d->n = d->th.n;
	d->st->threads = d->n;
	for (u32 i = 0; !err && i < d->n; i++) {
		if (d->kernel)
			err = det__sort_by_time(&d->th.v[i]);
		err = err ?: det__pair_calls(d, &d->th.v[i]);
		det__fix_keys(d, &d->th.v[i]);
		d->th.v[i].vc = calloc(d->n, sizeof(u32));
		if (!d->th.v[i].vc)
			err = -ENOMEM;
		else
			d->th.v[i].vc[i] = 1;
	}
	if (!err && d->n) {
		/* the lockset of nothing held is id 0 */
		if (!vec_push(&d->locksets))
			err = -ENOMEM;
		else
			d->locksets.v[0].n = 0;
	}
	if (!err) {
		det__replay(d);
		err = d->err;
	}
	if (!err && d->reports.n)
		qsort(d->reports.v, d->reports.n, sizeof(*d->reports.v),
		      report_cmp);
	return err;
}

/* Everything @d holds but its reports. */
void det__free(struct det *d)
{
	for (u32 i = 0; i < d->th.n; i++) {
		evvec__free(&d->th.v[i].ev);
		vec_free(&d->th.v[i].segs);
		vec_free(&d->th.v[i].pres);
		vec_free(&d->th.v[i].held);
		free(d->th.v[i].vc);
		free(d->th.v[i].final);
	}
	vec_free(&d->th);
	vec_free(&d->pcs);
	vec_free(&d->ops);
	vec_free(&d->raws);
	free(d->cpu_idx);
	free(d->dev_pending);
	free(d->cpu_ticket);
	free(d->cpu_unsure);
	free(d->phash);
	for (size_t i = 0; i < d->cap; i++)
		free(d->cells[i].rd);
	free(d->cells);
	for (size_t i = 0; i < d->objs.n; i++) {
		free(d->objs.v[i].x);
		free(d->objs.v[i].sh);
	}
	vec_free(&d->objs);
	for (size_t i = 0; i < d->creates.n; i++)
		free(d->creates.v[i]);
	vec_free(&d->creates);
	vec_free(&d->locksets);
	vec_free(&d->aliases);
	vec_free(&d->devs);
	vec_free(&d->dmas);
	vec_free(&d->netdevs);
	vec_free(&d->netrecs);
	free(d->blocks);
	free(d->caches);
}

int race__detect(struct trace *t, const struct race_opts *opts,
		 struct race_report **reports, size_t *nreports,
		 struct race_stats *st)
{
	struct det d = { .t = t, .opts = opts, .st = st };
	int err;

	memset(st, 0, sizeof(*st));
	err = det__devices(&d);
	err = err ?: trace__for_each(t, det__collect, &d);
	if (!err)
		err = d.err;
	if (!err && !d.have_calls)
		err = -EMEDIUMTYPE;
	err = err ?: det__run(&d);
	det__free(&d);
	if (err) {
		vec_free(&d.reports);
		return err;
	}
	*reports = d.reports.v;
	*nreports = d.reports.n;
	return 0;
}
