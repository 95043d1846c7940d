// SPDX-License-Identifier: GPL-2.0
/*
 * kstride timeline: from a kernel trace's events to nested slices per CPU
 * (see timeline.h).
 *
 * Each CPU has a stack of open slices: at the bottom the task it runs,
 * then the softirq, hardirq and NMI that interrupted it, each with the
 * functions entered in it.  An event in context C closes whatever is
 * open above C (an interrupt that returned without the trace seeing its
 * last exit), and opens C if it is not open.  A SWITCH closes everything
 * and opens the new task.  An EXIT closes the function it leaves, and
 * the functions entered after it whose exits were lost.
 *
 * Times: a device record, MAP, UNMAP or MARK carries its own; every other
 * record carries the time of the latest ENTRY or SWITCH on its CPU.  So a
 * function's end is placed at the latest time known on its CPU when it
 * exits, a lower bound.  Times never go back on a CPU: one that would is
 * raised to the CPU's latest (the trace's own time is in its args).
 */
#include <inttypes.h>

#include "timeline.h"

#define TL_MAX_CPUS 65536
#define TL_MAX_DEPTH 512 /* deeper entries are counted, not opened */

struct tl_open {
	enum tl_type type;
	int lvl; /* the context it belongs to (enum ks_ctx) */
	s32 pid; /* TL_TASK */
	const struct trace_func *fn; /* TL_FUNC */
	char name[128];
};

struct tl_cpu {
	bool seen;
	u64 last;
	VEC(struct tl_open) st;
	int skipped; /* entries not opened, beyond TL_MAX_DEPTH */
};

/* A task: when it was last seen, and its functions while switched out. */
struct tl_parked {
	s32 pid;
	u64 last; /* the latest time of its records, on any CPU */
	VEC(struct tl_open) st;
};

struct tl {
	const struct tl_opts *o;
	tl_sink sink;
	void *arg;
	struct tl_stats *st;
	VEC(struct tl_cpu) cpu;
	VEC(struct tl_parked) parked;
	size_t hint; /* the entry of the latest task_of() */
};

static const char *const ctx_names[] = {
	[TL_TASK] = "task", [TL_SOFTIRQ] = "softirq",
	[TL_HARDIRQ] = "hardirq", [TL_NMI] = "nmi",
};

static int tl_emit(struct tl *tl, struct tl_ev *e)
{
	if (e->what == TL_BEGIN)
		tl->st->slices++;
	if (e->what == TL_INSTANT && e->type == TL_DEV)
		tl->st->devs++;
	if (e->what != TL_META) {
		if (!tl->st->t0 || (e->ts && e->ts < tl->st->t0))
			tl->st->t0 = e->ts;
		if (e->ts > tl->st->t1)
			tl->st->t1 = e->ts;
	}
	return tl->sink(e, tl->arg);
}

static int tl_open(struct tl *tl, struct tl_cpu *c, u32 cpu, enum tl_type type,
		   int lvl, const char *name, const struct trace_event *ev)
{
	struct tl_ev e = { .what = TL_BEGIN, .type = type, .cpu = cpu,
			   .ts = c->last, .ev = ev };
	struct tl_open *o;

	if (c->st.n >= TL_MAX_DEPTH) {
		c->skipped++;
		return 0;
	}
	o = vec_push(&c->st);
	if (!o)
		return -ENOMEM;
	o->type = type;
	o->lvl = lvl;
	o->pid = ev ? ev->pid : -1;
	o->fn = ev && type == TL_FUNC ? ev->region->func : NULL;
	snprintf(o->name, sizeof(o->name), "%s", name);
	e.depth = c->st.n - 1;
	e.name = o->name;
	return tl_emit(tl, &e);
}

/* Close the top slice; @ev is the EXIT that closes it, or NULL. */
static int tl_close(struct tl *tl, struct tl_cpu *c, u32 cpu,
		    const struct trace_event *ev)
{
	struct tl_ev e = { .what = TL_END, .cpu = cpu, .ts = c->last, .ev = ev };
	struct tl_open *o = &c->st.v[c->st.n - 1];
	int err;

	e.type = o->type;
	e.depth = c->st.n - 1;
	e.name = o->name;
	if (!ev && o->type == TL_FUNC)
		tl->st->unclosed++;
	err = tl_emit(tl, &e);
	c->st.n--;
	return err;
}

static int tl_close_all(struct tl *tl, struct tl_cpu *c, u32 cpu)
{
	int err = 0;

	c->skipped = 0;
	while (!err && c->st.n)
		err = tl_close(tl, c, cpu, NULL);
	return err;
}

static void task_name(const struct trace_event *ev, char *buf, size_t len)
{
	if (ev->pid >= 0)
		snprintf(buf, len, "%s-%d", *ev->comm ? ev->comm : "?", ev->pid);
	else
		snprintf(buf, len, "task ?");
}

/* Make context @x the innermost one open on the CPU. */
static int tl_ctx(struct tl *tl, struct tl_cpu *c, u32 cpu,
		  const struct trace_event *ev)
{
	int x = ev->ctx, err = 0;
	char name[64];

	if (x < TL_TASK || x > TL_NMI)
		return 0; /* not known yet: leave things as they are */
	while (!err && c->st.n && c->st.v[c->st.n - 1].lvl > x)
		err = tl_close(tl, c, cpu, NULL);
	if (err)
		return err;
	if (x == TL_TASK && c->st.n && c->st.v[0].type == TL_TASK &&
	    ev->pid >= 0 && c->st.v[0].pid != ev->pid) {
		/* another task without a SWITCH the trace kept */
		err = tl_close_all(tl, c, cpu);
		if (err)
			return err;
	}
	if (c->st.n && c->st.v[c->st.n - 1].lvl == x)
		return 0;
	if (x == TL_TASK)
		task_name(ev, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", ctx_names[x]);
	return tl_open(tl, c, cpu, (enum tl_type)x, x, name, NULL);
}

static int tl_exit(struct tl *tl, struct tl_cpu *c, u32 cpu,
		   const struct trace_event *ev, const char *label)
{
	struct tl_ev e = { .what = TL_INSTANT, .type = TL_LONE_EXIT, .cpu = cpu,
			   .ts = c->last, .name = label, .ev = ev };
	size_t i = c->st.n;
	int err = 0;

	if (c->skipped > 0 && c->st.n >= TL_MAX_DEPTH) {
		c->skipped--; /* the exit of an entry not opened */
		return 0;
	}
	while (i > 0 && c->st.v[i - 1].type == TL_FUNC &&
	       c->st.v[i - 1].lvl == c->st.v[c->st.n - 1].lvl &&
	       c->st.v[i - 1].fn != ev->region->func)
		i--;
	if (i == 0 || c->st.v[i - 1].type != TL_FUNC ||
	    c->st.v[i - 1].fn != ev->region->func) {
		tl->st->lone_exits++;
		return tl_emit(tl, &e);
	}
	while (!err && c->st.n > i)
		err = tl_close(tl, c, cpu, NULL);
	return err ? err : tl_close(tl, c, cpu, ev);
}

static struct tl_parked *task_of(struct tl *tl, s32 pid)
{
	struct tl_parked *p;
	size_t i;

	if (tl->hint < tl->parked.n && tl->parked.v[tl->hint].pid == pid)
		return &tl->parked.v[tl->hint];
	for (i = 0; i < tl->parked.n; i++)
		if (tl->parked.v[i].pid == pid) {
			tl->hint = i;
			return &tl->parked.v[i];
		}
	p = vec_push(&tl->parked);
	if (p) {
		p->pid = pid;
		tl->hint = tl->parked.n - 1;
	}
	return p;
}

/*
 * A task switched out in the middle of functions (it slept): keep them,
 * so that they open again, marked continued, when it runs next, and its
 * exits close them.  The file holds each CPU's records in order, but the
 * CPUs' buffers interleave as they filled: if the task's records on
 * another CPU, already read, are later than this switch, it ran on since,
 * and what it had open here is history, not to be opened again.
 */
static int tl_park(struct tl *tl, struct tl_cpu *c)
{
	struct tl_parked *p;
	size_t i;

	if (c->st.n < 2 || c->st.v[0].type != TL_TASK || c->st.v[0].pid < 0)
		return 0;
	p = task_of(tl, c->st.v[0].pid);
	if (!p)
		return -ENOMEM;
	p->st.n = 0;
	if (p->last > c->last)
		return 0;
	for (i = 1; i < c->st.n && c->st.v[i].type == TL_FUNC &&
		    c->st.v[i].lvl == TL_TASK; i++) {
		struct tl_open *o = vec_push(&p->st);

		if (!o)
			return -ENOMEM;
		*o = c->st.v[i];
	}
	return 0;
}

static int tl_unpark(struct tl *tl, struct tl_cpu *c, u32 cpu, s32 pid)
{
	struct tl_parked *p;
	int err = 0;
	size_t i;

	if (pid < 0)
		return 0;
	p = task_of(tl, pid);
	if (!p)
		return -ENOMEM;
	for (i = 0; !err && i < p->st.n; i++) {
		static const char more[] = " (continued)";
		const char *n = p->st.v[i].name;
		size_t l = strlen(n);
		char name[160];

		if (l >= sizeof(more) - 1 && !strcmp(n + l - (sizeof(more) - 1), more))
			snprintf(name, sizeof(name), "%s", n);
		else
			snprintf(name, sizeof(name), "%s%s", n, more);
		err = tl_open(tl, c, cpu, TL_FUNC, TL_TASK, name, NULL);
		if (!err && c->st.n)
			c->st.v[c->st.n - 1].fn = p->st.v[i].fn;
	}
	p->st.n = 0;
	return err;
}

static void dev_place(const struct tl *tl, const struct trace_event *ev,
		      struct tl_ev *e, char *dev, size_t len)
{
	bool port = ev->mflags & KS_MF_PORT;
	u16 d;

	if (!tl->o->pb || !pcibars__place(tl->o->pb, ev->phys, port, &d, &e->bar,
					  &e->off))
		return;
	pcibars__label(&tl->o->pb->dev[d], dev, len);
	e->dev = dev;
	if (tl->o->map)
		e->reg = regmap__name(tl->o->map, e->bar, e->off,
				      ev->mflags & KS_MF_WIDTH);
}

/* An ordinary memory access: counted, not shown. */
static bool tl_plain(u8 kind)
{
	return kind == KS_K_R || kind == KS_K_W || kind == KS_K_U ||
	       kind == KS_K_RANGE_R || kind == KS_K_RANGE_W || kind == KS_K_NONE;
}

static int tl_event(const struct trace_event *ev, void *arg)
{
	struct tl *tl = arg;
	u8 kind = ev->site->kind;
	struct tl_ev e = { .what = TL_INSTANT, .cpu = ev->tid, .ev = ev };
	char label[128], func[160], dev[96], name[160];
	struct tl_cpu *c;
	int err;

	if (!ev->kernel)
		return -EMEDIUMTYPE; /* a user-space trace: no times */
	if (ev->tid >= TL_MAX_CPUS) {
		ks_err("timeline: CPU %u is beyond the %u this tool handles", ev->tid,
		       TL_MAX_CPUS);
		return -ERANGE;
	}
	tl->st->events++;
	if (ev->tid >= tl->cpu.n) {
		if (vec_reserve(&tl->cpu, ev->tid + 1))
			return -ENOMEM;
		memset(tl->cpu.v + tl->cpu.n, 0,
		       (ev->tid + 1 - tl->cpu.n) * sizeof(*tl->cpu.v));
		tl->cpu.n = ev->tid + 1;
		tl->st->ncpu = tl->cpu.n;
	}
	c = &tl->cpu.v[ev->tid];
	if (!c->seen) {
		struct tl_ev m = { .what = TL_META, .cpu = ev->tid };

		c->seen = true;
		err = tl_emit(tl, &m);
		if (err)
			return err;
	}
	/*
	 * Only what is shown moves the CPU's time on: an ordinary access
	 * carries its entry's time, which another sub-buffer's clock pair
	 * may convert a little later than the entry itself.
	 */
	if (ev->ts > c->last && !tl_plain(kind))
		c->last = ev->ts;
	e.ts = c->last;
	if (ev->pid >= 0 && kind != KS_K_SWITCH) {
		struct tl_parked *p = task_of(tl, ev->pid);

		if (!p)
			return -ENOMEM;
		if (c->last > p->last)
			p->last = c->last;
	}
	if (ev->gap) {
		struct tl_ev g = { .what = TL_INSTANT, .type = TL_GAP, .cpu = ev->tid,
				   .ts = c->last, .name = "records lost" };

		err = tl_emit(tl, &g);
		if (err)
			return err;
	}
	trace_func__label(ev->region->func, label, sizeof(label));
	switch (kind) {
	case KS_K_SWITCH:
		err = tl_park(tl, c);
		if (!err)
			err = tl_close_all(tl, c, ev->tid);
		if (err)
			return err;
		task_name(ev, name, sizeof(name));
		err = tl_open(tl, c, ev->tid, TL_TASK, TL_TASK, name, ev);
		return err ? err : tl_unpark(tl, c, ev->tid, ev->pid);
	case KS_K_MAP:
	case KS_K_UNMAP:
		e.type = kind == KS_K_MAP ? TL_MAP : TL_UNMAP;
		snprintf(name, sizeof(name), "%s %u 0x%" PRIx64,
			 kind == KS_K_MAP ? "map" : "unmap", ev->map_id,
			 kind == KS_K_MAP ? ev->phys : ev->addr);
		e.name = name;
		return tl_emit(tl, &e);
	case KS_K_MARK:
		e.type = TL_MARK;
		e.name = ev->text;
		return tl_emit(tl, &e);
	case KS_K_NETDEV:
		return 0; /* where a device's locks are: nothing that ran */
	}
	err = tl_ctx(tl, c, ev->tid, ev);
	if (err)
		return err;
	switch (kind) {
	case KS_K_ENTRY:
		return tl_open(tl, c, ev->tid, TL_FUNC,
			       ev->ctx >= TL_TASK && ev->ctx <= TL_NMI ? ev->ctx : 0,
			       label, ev);
	case KS_K_EXIT:
		return tl_exit(tl, c, ev->tid, ev, label);
	case KS_K_MMIO_R:
	case KS_K_MMIO_W:
	case KS_K_PIO_R:
	case KS_K_PIO_W:
		e.type = TL_DEV;
		if (ev->mflags & KS_MF_NET)
			snprintf(func, sizeof(func), "%s", *ev->text ? ev->text : "?");
		else
			snprintf(func, sizeof(func), "%s+0x%x", label, ev->site->off);
		e.func = func;
		dev_place(tl, ev, &e, dev, sizeof(dev));
		if (e.reg)
			snprintf(name, sizeof(name), "%c%u %s",
				 ev->mflags & KS_MF_WRITE ? 'W' : 'R',
				 8 * (ev->mflags & KS_MF_WIDTH), e.reg);
		else if (e.dev)
			snprintf(name, sizeof(name), "%c%u BAR%u+0x%" PRIx64,
				 ev->mflags & KS_MF_WRITE ? 'W' : 'R',
				 8 * (ev->mflags & KS_MF_WIDTH), e.bar, e.off);
		else
			snprintf(name, sizeof(name), "%c%u %s0x%" PRIx64,
				 ev->mflags & KS_MF_WRITE ? 'W' : 'R',
				 8 * (ev->mflags & KS_MF_WIDTH),
				 ev->mflags & KS_MF_PORT ? "port " : "",
				 ev->phys);
		e.name = name;
		return tl_emit(tl, &e);
	default:
		tl->st->accesses++;
		return 0;
	}
}

int timeline__run(struct trace *t, const struct tl_opts *o, tl_sink sink,
		  void *arg, struct tl_stats *st)
{
	struct tl tl = { .o = o, .sink = sink, .arg = arg, .st = st };
	u64 unclosed;
	int err;
	size_t i;

	memset(st, 0, sizeof(*st));
	err = trace__for_each(t, tl_event, &tl);
	unclosed = st->unclosed; /* the end of the trace closes the rest */
	for (i = 0; !err && i < tl.cpu.n; i++)
		err = tl_close_all(&tl, &tl.cpu.v[i], i);
	st->unclosed = unclosed;
	for (i = 0; i < tl.cpu.n; i++)
		vec_free(&tl.cpu.v[i].st);
	vec_free(&tl.cpu);
	for (i = 0; i < tl.parked.n; i++)
		vec_free(&tl.parked.v[i].st);
	vec_free(&tl.parked);
	return err;
}
