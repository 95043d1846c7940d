// SPDX-License-Identifier: GPL-2.0
/*
 * kstride report TRACE: per-function summary, or --by-insn counts.
 */
#include <getopt.h>

#include "../lib/trace/trace.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride report [options] TRACE\n"
	"\n"
	"Summarise TRACE.  By default, one line per function: calls, reads,\n"
	"writes, updates (read-modify-write) and bytes, most active first; for\n"
	"a trace of device accesses (record --mmio): device reads and writes,\n"
	"port reads and writes, and their bytes.  A trace recorded with\n"
	"instrument --calls also counts the calls out of the traced code, per\n"
	"callee.\n"
	"\n"
	"Options:\n"
	"      --by-insn   one line per instruction and access kind:\n"
	"                  FUNCTION+0xOFF KIND SIZE COUNT, sorted by place;\n"
	"                  a string instruction counts its elements\n"
	"      --mmio      an MMIO trace (record --mmio): device accesses by\n"
	"                  function, and what the safety net caught, by the pc\n"
	"                  of the code outside the instrumentation that made\n"
	"                  them (the PCI core, functions left original); then\n"
	"                  every register by device and BAR (offset, width,\n"
	"                  reads, writes, first and last value, values written)\n"
	"                  and the registers each function touches\n"
	"      --map FILE  register names for --mmio, one a line:\n"
	"                  'BAR0 0x0008 4 STATUS' (# starts a comment)\n"
	"      --format F  --mmio's register table as table (default), csv or\n"
	"                  json (csv and json: the registers alone)\n"
	"  -f, --force     read a trace whose recording did not finish\n"
	"  -h, --help      this text\n";

struct acc {
	const struct ks_site *site; /* hash key */
	const struct trace_func *func;
	u64 count;
	u64 bytes; /* device records: each by its own width */
};

/* --calls: calls out of the traced code, per callee */
struct callee {
	const char *name; /* NULL: indirect */
	u64 calls, tail;
};

struct report {
	struct acc *tab;
	VEC(struct callee) callees;
	size_t cap, n;
	u64 events;
	const struct ks_end *end;
	bool kernel;
	u64 by_ctx[KS_CTX_NMI + 1]; /* kernel: events per context */
	u64 switches;
};

static size_t slot_of(struct report *r, const struct ks_site *s)
{
	size_t i = ((uintptr_t)s >> 3) * 0x9e3779b97f4a7c15ull & (r->cap - 1);

	while (r->tab[i].site && r->tab[i].site != s)
		i = (i + 1) & (r->cap - 1);
	return i;
}

static int grow(struct report *r)
{
	struct report n = { .cap = r->cap ? r->cap * 2 : 1024 };
	size_t i;

	n.tab = calloc(n.cap, sizeof(*n.tab));
	if (!n.tab)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++)
		if (r->tab[i].site)
			n.tab[slot_of(&n, r->tab[i].site)] = r->tab[i];
	free(r->tab);
	r->tab = n.tab;
	r->cap = n.cap;
	return 0;
}

static int count_ev(const struct trace_event *ev, void *arg)
{
	struct report *r = arg;
	size_t i;

	if (ev->kernel) {
		r->kernel = true;
		if (ev->site->kind == KS_K_SWITCH) {
			r->switches++; /* who ran, not what the module did */
			return 0;
		}
		if (ev->site->kind == KS_K_NETDEV)
			return 0; /* the kernel's layout, not an event */
		if (ev->ctx >= 0 && ev->ctx <= KS_CTX_NMI)
			r->by_ctx[ev->ctx] += ev->count;
	}
	if (ev->site->kind == KS_K_THREAD)
		return 0; /* the runtime's, not the program's */
	if (ev->site->kind == KS_K_CALL_PRE) {
		struct callee *c = NULL;

		for (size_t k = 0; k < r->callees.n && !c; k++) {
			const char *n = r->callees.v[k].name;

			if (n == ev->callee ||
			    (n && ev->callee && !strcmp(n, ev->callee)))
				c = &r->callees.v[k];
		}
		if (!c) {
			c = vec_push(&r->callees);
			if (!c)
				return -ENOMEM;
			memset(c, 0, sizeof(*c));
			c->name = ev->callee;
		}
		c->calls++;
		c->tail += !!(ev->site->flags & KS_F_CALL_TAIL);
	}
	if (2 * (r->n + 1) > r->cap && grow(r))
		return -ENOMEM;
	i = slot_of(r, ev->site);
	if (!r->tab[i].site) {
		r->tab[i].site = ev->site;
		r->tab[i].func = ev->region->func;
		r->n++;
	}
	r->tab[i].count += ev->count;
	if (ev->site->kind >= KS_K_MMIO_R && ev->site->kind <= KS_K_PIO_W)
		r->tab[i].bytes += ev->mflags & KS_MF_WIDTH;
	else
		r->tab[i].bytes += ev->count * ev->site->size;
	r->events++;
	return 0;
}

static char kind_letter(u8 kind)
{
	switch (kind) {
	case KS_K_R:
	case KS_K_RANGE_R:
		return 'R';
	case KS_K_W:
	case KS_K_RANGE_W:
		return 'W';
	case KS_K_U:
		return 'U';
	default:
		return 0;
	}
}

struct line {
	const struct trace_func *func;
	u32 off;
	char kind;
	u16 size;
	u64 count;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = strcmp(x->func->name, y->func->name);

	if (c)
		return c;
	c = strcmp(x->func->object, y->func->object);
	if (c)
		return c;
	if (x->func->addr != y->func->addr)
		return x->func->addr < y->func->addr ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return (int)x->size - (int)y->size;
}

static int by_insn(struct report *r)
{
	struct line *v = calloc(r->n + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++) {
		const struct acc *a = &r->tab[i];
		char k;

		if (!a->site || !a->count)
			continue;
		k = kind_letter(a->site->kind);
		if (!k)
			continue;
		v[n++] = (struct line){ a->func, a->site->off, k, a->site->size,
					a->count };
	}
	if (n)
		qsort(v, n, sizeof(*v), line_cmp);
	for (i = 0; i < n;) {
		struct line l = v[i];
		char name[256];

		/* one instruction may have several sites of one kind */
		for (i++; i < n && !line_cmp(&v[i], &l); i++)
			l.count += v[i].count;
		trace_func__label(l.func, name, sizeof(name));
		printf("%s+0x%x %c %u %lu\n", name, l.off, l.kind, l.size,
		       (unsigned long)l.count);
	}
	free(v);
	return 0;
}

struct fsum {
	const struct trace_func *func;
	u64 calls, r, w, u, rbytes, wbytes;
	u64 mr, mw, pr, pw; /* device reads, writes; port reads, writes */
};

static int fsum_cmp(const void *a, const void *b)
{
	const struct fsum *x = a, *y = b;
	u64 tx = x->r + x->w + x->u + x->mr + x->mw + x->pr + x->pw;
	u64 ty = y->r + y->w + y->u + y->mr + y->mw + y->pr + y->pw;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->func->name, y->func->name);
}

static int callee_cmp(const void *a, const void *b)
{
	const struct callee *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* --calls traces: the calls out of the traced code, by callee */
static void print_callees(struct report *r)
{
	if (!r->callees.n)
		return;
	qsort(r->callees.v, r->callees.n, sizeof(*r->callees.v), callee_cmp);
	printf("# %-38s %10s %10s\n", "calls out (callee)", "calls",
	       "tail calls");
	for (size_t i = 0; i < r->callees.n; i++)
		printf("  %-38s %10lu %10lu\n",
		       r->callees.v[i].name ? r->callees.v[i].name : "(indirect)",
		       (unsigned long)r->callees.v[i].calls,
		       (unsigned long)r->callees.v[i].tail);
}

static int by_func(struct report *r, bool dev)
{
	struct fsum *v = calloc(r->n + 1, sizeof(*v));
	size_t i, j, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++) {
		const struct acc *a = &r->tab[i];
		struct fsum *s = NULL;
		u64 bytes = a->bytes;

		if (!a->site)
			continue;
		for (j = 0; j < n; j++)
			if (v[j].func == a->func) {
				s = &v[j];
				break;
			}
		if (!s) {
			s = &v[n++];
			s->func = a->func;
		}
		switch (a->site->kind) {
		case KS_K_ENTRY:
			s->calls += a->count;
			break;
		case KS_K_R:
		case KS_K_RANGE_R:
			s->r += a->count;
			s->rbytes += bytes;
			break;
		case KS_K_W:
		case KS_K_RANGE_W:
			s->w += a->count;
			s->wbytes += bytes;
			break;
		case KS_K_U:
			s->u += a->count;
			s->rbytes += bytes;
			s->wbytes += bytes;
			break;
		case KS_K_MMIO_R:
		case KS_K_PIO_R:
			*(a->site->kind == KS_K_MMIO_R ? &s->mr : &s->pr) += a->count;
			s->rbytes += bytes;
			break;
		case KS_K_MMIO_W:
		case KS_K_PIO_W:
			*(a->site->kind == KS_K_MMIO_W ? &s->mw : &s->pw) += a->count;
			s->wbytes += bytes;
			break;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), fsum_cmp);
	printf("# %lu events\n", (unsigned long)r->events);
	if (r->kernel) {
		printf("# contexts:");
		for (i = KS_CTX_TASK; i <= KS_CTX_NMI; i++)
			printf(" %s %lu", ks_ctx__name(i),
			       (unsigned long)r->by_ctx[i]);
		printf(" unknown %lu; %lu task switches\n",
		       (unsigned long)r->by_ctx[KS_CTX_UNKNOWN],
		       (unsigned long)r->switches);
	}
	if (r->end && (r->end->dropped_regions || r->end->lost_inflight))
		printf("# dropped: %lu events in %lu records (%lu in flight), counted by kstride.ko\n",
		       (unsigned long)r->end->dropped_events,
		       (unsigned long)r->end->dropped_regions,
		       (unsigned long)r->end->lost_inflight);
	if (dev) {
		/* device accesses: what an MMIO trace holds */
		printf("# %-38s %12s %12s %10s %10s %14s %14s\n", "function",
		       "dev reads", "dev writes", "port reads", "port writes",
		       "bytes read", "bytes written");
		for (i = 0; i < n; i++) {
			char name[256];

			if (!(v[i].mr + v[i].mw + v[i].pr + v[i].pw))
				continue;
			trace_func__label(v[i].func, name, sizeof(name));
			printf("  %-38s %12lu %12lu %10lu %10lu %14lu %14lu\n", name,
			       (unsigned long)v[i].mr, (unsigned long)v[i].mw,
			       (unsigned long)v[i].pr, (unsigned long)v[i].pw,
			       (unsigned long)v[i].rbytes,
			       (unsigned long)v[i].wbytes);
		}
		free(v);
		return 0;
	}
	printf("# %-38s %10s %12s %12s %10s %14s %14s\n", "function", "calls",
	       "reads", "writes", "updates", "bytes read", "bytes written");
	for (i = 0; i < n; i++) {
		char name[256];

		trace_func__label(v[i].func, name, sizeof(name));
		printf("  %-38s %10lu %12lu %12lu %10lu %14lu %14lu\n", name,
		       (unsigned long)v[i].calls, (unsigned long)v[i].r,
		       (unsigned long)v[i].w, (unsigned long)v[i].u,
		       (unsigned long)v[i].rbytes, (unsigned long)v[i].wbytes);
	}
	free(v);
	print_callees(r);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "by-insn", no_argument, NULL, 'i' },
		{ "mmio", no_argument, NULL, 'M' },
		{ "map", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct regs_opts ro = {};
	struct report r = {};
	bool force = false, insn = false, mmio = false, format_set = false;
	struct trace *t;
	int c, err;

	while ((c = getopt_long(argc, argv, "fh", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			insn = true;
			break;
		case 'M':
			mmio = true;
			break;
		case 'm':
			ro.map = optarg;
			break;
		case 'F':
			format_set = true;
			if (!strcmp(optarg, "table"))
				ro.format = REGS_TABLE;
			else if (!strcmp(optarg, "csv"))
				ro.format = REGS_CSV;
			else if (!strcmp(optarg, "json"))
				ro.format = REGS_JSON;
			else {
				fprintf(stderr, "kstride report: --format: '%s' is not table, csv or json\n",
					optarg);
				return 2;
			}
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
	if ((ro.map || format_set) && !mmio) {
		fprintf(stderr, "kstride report: --map and --format go with --mmio\n");
		trace__close(t);
		return 2;
	}
	if (mmio) {
		err = ro.format == REGS_TABLE ? report__mmio(t) : 0;
		err = err ?: report__regs(t, &ro);
		trace__close(t);
		return err || fflush(stdout) ? 1 : 0;
	}
	r.end = trace__end(t);
	err = grow(&r);
	err = err ?: trace__for_each(t, count_ev, &r);
	if (!err)
		err = insn ? by_insn(&r) : by_func(&r, trace__mmio(t));
	if (!err && (trace__lost(t) || trace__lost_bytes(t)))
		fprintf(stderr, "kstride report: warning: %lu records were still being written when copied; %lu bytes belong to modules not in this trace\n",
			(unsigned long)trace__lost(t),
			(unsigned long)trace__lost_bytes(t));
	if (!err && trace__end(t) && trace__end(t)->dropped_bytes)
		fprintf(stderr, "kstride report: warning: %lu record bytes were lost while recording\n",
			(unsigned long)trace__end(t)->dropped_bytes);
	trace__close(t);
	free(r.tab);
	vec_free(&r.callees);
	return err || fflush(stdout) ? 1 : 0;
}
