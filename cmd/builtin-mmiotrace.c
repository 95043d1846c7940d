// SPDX-License-Identifier: GPL-2.0
/*
 * kstride mmiotrace TRACE: a trace from 'record --mmio' in the text format
 * of the kernel's mmiotrace (kernel/trace/trace_mmiotrace.c, VERSION
 * 20070824), events of every CPU merged in time order.
 */
#include <getopt.h>
#include <unistd.h>

#include "../lib/trace/trace.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride mmiotrace [-o FILE] [--force] TRACE\n"
	"\n"
	"Write the device accesses of TRACE (recorded with 'kstride record\n"
	"--mmio') in mmiotrace's text format, as the kernel writes it, so that\n"
	"tools that read mmiotrace logs (envytools' demmio...) read it:\n"
	"  VERSION 20070824\n"
	"  PCIDEV bbdd vvvvdddd irq start*7 size*7 driver\n"
	"  MAP secs.usecs id phys virt len 0x0 0\n"
	"  UNMAP secs.usecs id 0x0 0\n"
	"  R|W width secs.usecs id phys value pc 0\n"
	"  UNKNOWN secs.usecs id phys 00,00,00 pc 0\n"
	"  MARK secs.usecs text\n"
	"Port I/O, which mmiotrace cannot see, has two line types of its own,\n"
	"which readers pass through as unknown lines:\n"
	"  IN|OUT width secs.usecs port value pc 0\n"
	"The pc field is where the instruction runs: its place in kstride's\n"
	"copy of the function, which the kernel's symbols name (FUNC+0xOFF in\n"
	"/proc/kallsyms); 'kstride script TRACE' gives the original\n"
	"instruction's offset.  Accesses are in the order the devices saw\n"
	"them, across CPUs (kstride.ko serialises traced accesses and numbers\n"
	"them).  Lost events (full rings) are MARK lines where they happened,\n"
	"and a last MARK gives their number.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write FILE (atomically) instead of standard output\n"
	"  -f, --force         read a trace whose recording did not finish\n"
	"  -h, --help          this text\n";

struct mev {
	u64 ts, phys, value, virt, len;
	u32 cpu, seq, map_id, flags;
	u64 order; /* the global order kstride.ko gave the access, or 0 */
	u64 pc; /* the instruction's run-time address, or 0 */
	u8 kind;
	bool gap;
	char text[KS_MARK_TEXT + 1];
};

struct mlog {
	VEC(struct mev) v;
	u32 seq;
};

static int collect(const struct trace_event *ev, void *arg)
{
	struct mlog *l = arg;
	u8 kind = ev->site->kind;
	struct mev *m;

	if ((kind < KS_K_MMIO_R || kind > KS_K_MARK) && !ev->gap)
		return 0;
	m = vec_push(&l->v);
	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	m->ts = ev->ts;
	m->cpu = ev->tid;
	m->seq = l->seq++;
	m->gap = ev->gap;
	m->kind = kind >= KS_K_MMIO_R && kind <= KS_K_MARK ? kind : 0;
	m->phys = ev->phys;
	m->value = ev->value;
	m->virt = ev->addr;
	m->len = ev->len;
	m->map_id = ev->map_id;
	m->flags = ev->mflags;
	m->order = ev->seq;
	m->pc = ev->pc;
	memcpy(m->text, ev->text, sizeof(m->text));
	return 0;
}

static int mev_cmp(const void *a, const void *b)
{
	const struct mev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int order_cmp(const void *a, const void *b)
{
	const struct mev *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Device accesses that carry their place in the global order take the
 * places such accesses hold in the time order, by that order; the rest
 * (maps, marks, accesses of older traces) keep theirs.  Then times are
 * made to rise, as readers of mmiotrace's logs expect.
 */
static int order_globally(struct mlog *l)
{
	size_t n = 0, i, k = 0;
	struct mev *v;
	size_t *at;

	for (i = 0; i < l->v.n; i++)
		n += !!l->v.v[i].order;
	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	at = malloc(n * sizeof(*at));
	if (!v || !at) {
		free(v);
		free(at);
		return -ENOMEM;
	}
	for (i = 0; i < l->v.n; i++)
		if (l->v.v[i].order) {
			at[k] = i;
			v[k++] = l->v.v[i];
		}
	qsort(v, n, sizeof(*v), order_cmp);
	for (k = 0; k < n; k++)
		l->v.v[at[k]] = v[k];
	for (i = 1; i < l->v.n; i++)
		if (l->v.v[i].ts < l->v.v[i - 1].ts)
			l->v.v[i].ts = l->v.v[i - 1].ts;
	free(v);
	free(at);
	return 0;
}

static void print_ts(FILE *f, u64 ns)
{
	/* seconds and microseconds, as mmiotrace prints them */
	fprintf(f, "%lu.%06lu", (unsigned long)(ns / 1000000000),
		(unsigned long)(ns / 1000 % 1000000));
}

static void print_mev(FILE *f, const struct mev *m)
{
	unsigned int w = m->flags & KS_MF_WIDTH;

	if (m->gap) {
		fputs("MARK ", f);
		print_ts(f, m->ts);
		fprintf(f, " Lost events on CPU %u.\n", m->cpu);
	}
	switch (m->kind) {
	case KS_K_MAP:
		fputs("MAP ", f);
		print_ts(f, m->ts);
		fprintf(f, " %u 0x%lx 0x%lx 0x%lx 0x0 0\n", m->map_id,
			(unsigned long)m->phys, (unsigned long)m->virt,
			(unsigned long)m->len);
		return;
	case KS_K_UNMAP:
		fputs("UNMAP ", f);
		print_ts(f, m->ts);
		fprintf(f, " %u 0x0 0\n", m->map_id);
		return;
	case KS_K_MARK:
		fputs("MARK ", f);
		print_ts(f, m->ts);
		fprintf(f, " %s\n", m->text);
		return;
	case 0:
		return;
	default:
		break;
	}
	if (m->flags & KS_MF_PORT) {
		fprintf(f, "%s %u ", m->flags & KS_MF_WRITE ? "OUT" : "IN", w);
		print_ts(f, m->ts);
		fprintf(f, " 0x%lx 0x%lx 0x%lx 0\n", (unsigned long)m->phys,
			(unsigned long)m->value, (unsigned long)m->pc);
		return;
	}
	if (m->flags & (KS_MF_NOVALUE | KS_MF_UNMAPPED) || !w) {
		/* what mmiotrace says of an instruction it cannot decode */
		fputs("UNKNOWN ", f);
		print_ts(f, m->ts);
		fprintf(f, " %u 0x%lx 00,00,00 0x%lx 0\n", m->map_id,
			(unsigned long)m->phys, (unsigned long)m->pc);
		return;
	}
	fprintf(f, "%s %u ", m->flags & KS_MF_WRITE ? "W" : "R", w);
	print_ts(f, m->ts);
	fprintf(f, " %u 0x%lx 0x%lx 0x%lx 0\n", m->map_id,
		(unsigned long)m->phys, (unsigned long)m->value,
		(unsigned long)m->pc);
}

int cmd_mmiotrace(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *out = NULL;
	struct mlog l = {};
	struct trace *t;
	char *tmp = NULL;
	bool force = false;
	FILE *f = stdout;
	int c, err;

	while ((c = getopt_long(argc, argv, "o:fh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (trace__open(argv[optind], force, &t))
		return 1;
	if (!trace__mmio(t)) {
		ks_err("%s: not an MMIO trace (record it with 'kstride record --mmio -m MODULE')",
		       argv[optind]);
		trace__close(t);
		return 1;
	}
	err = trace__for_each(t, collect, &l);
	if (err)
		goto done;
	/*
	 * Merge the CPUs by time, but never reorder one CPU's events: their
	 * record order is the order the device saw them in.  Accesses that
	 * carry their global order are then put in it (order_globally()).
	 */
	for (size_t i = 1; i < l.v.n; i++) {
		struct mev *m = &l.v.v[i], *p = &l.v.v[i - 1];

		if (m->cpu == p->cpu && m->ts < p->ts)
			m->ts = p->ts;
	}
	if (l.v.n)
		qsort(l.v.v, l.v.n, sizeof(*l.v.v), mev_cmp);
	err = order_globally(&l);
	if (err)
		goto done;
	if (out) {
		tmp = xasprintf("%s.kstride-tmp", out);
		f = fopen(tmp, "w");
		if (!f) {
			ks_err("%s: %s", tmp, strerror(errno));
			err = -errno;
			goto done;
		}
	}
	fputs("VERSION 20070824\n", f);
	fputs(trace__pci(t), f);
	for (size_t i = 0; i < l.v.n; i++)
		print_mev(f, &l.v.v[i]);
	if (trace__end(t) && trace__end(t)->dropped_events) {
		fputs("MARK ", f);
		print_ts(f, l.v.n ? l.v.v[l.v.n - 1].ts : 0);
		fprintf(f, " Lost %lu events.\n",
			(unsigned long)trace__end(t)->dropped_events);
	}
	if (fflush(f) || ferror(f))
		err = -EIO;
	if (out) {
		if (fclose(f))
			err = -EIO;
		if (!err && rename(tmp, out))
			err = -errno;
		if (err) {
			ks_err("%s: %s", out, strerror(-err));
			unlink(tmp);
		}
	}
done:
	vec_free(&l.v);
	free(tmp);
	trace__close(t);
	return err ? 1 : 0;
}
