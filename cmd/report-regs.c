// SPDX-License-Identifier: GPL-2.0
/*
 * kstride report --mmio, by register: every device access of the trace
 * placed in its PCI device's BAR (from the trace's PCIDEV lines), counted
 * by offset and width, with its first and last value and the values
 * written; and the registers each function touches.  Register names come
 * from an optional map file (regmap.h).  Output as a table, CSV or JSON (struct regs_opts).
 */
#include <inttypes.h>

#include "../lib/trace/trace.h"
#include "builtin.h"
#include "pcibars.h"
#include "regmap.h"

#define NVAL 64 /* distinct values written, kept per register */
#define NSHOW 8 /* ...and shown in the table and CSV */

struct reg {
	bool used;
	u16 dev;
	u8 bar, width;
	u64 off;
	u64 r, w, net;
	u64 first, last;
	u64 vals[NVAL];
	u32 nvals; /* distinct values written, in the order first written */
	bool overflow; /* more than NVAL distinct values */
};

struct fnreg {
	char *func;
	size_t reg; /* index in regs */
};


struct regs {
	struct pcibars pb;
	struct reg *tab;
	size_t cap, n;
	struct fnreg *fr;
	size_t nfr, capfr;
	struct regmap map;
	u64 outside; /* accesses in no BAR the trace knows */
};

static const char *name_of(const struct regs *g, const struct reg *r)
{
	const char *n = regmap__name(&g->map, r->bar, r->off, r->width);

	return n ? n : "";
}

static size_t reg_slot(struct regs *g, u16 dev, u8 bar, u64 off, u8 width)
{
	size_t i = (off * 0x9e3779b97f4a7c15ull ^ (dev << 8 | bar << 4 | width)) &
		   (g->cap - 1);

	while (g->tab[i].used && !(g->tab[i].dev == dev && g->tab[i].bar == bar &&
				   g->tab[i].off == off && g->tab[i].width == width))
		i = (i + 1) & (g->cap - 1);
	return i;
}

static int reg_grow(struct regs *g)
{
	struct regs n = { .cap = g->cap ? 2 * g->cap : 256 };
	size_t i;

	n.tab = calloc(n.cap, sizeof(*n.tab));
	if (!n.tab)
		return -ENOMEM;
	for (i = 0; i < g->cap; i++)
		if (g->tab[i].used)
			n.tab[reg_slot(&n, g->tab[i].dev, g->tab[i].bar,
				       g->tab[i].off, g->tab[i].width)] = g->tab[i];
	free(g->tab);
	g->tab = n.tab;
	g->cap = n.cap;
	/* fnreg indices point into the old table: none exist yet here */
	return 0;
}

/* Pass 1: every access counted under its register. */
static int regs_ev(const struct trace_event *ev, void *arg)
{
	struct regs *g = arg;
	u8 k = ev->site->kind, bar = 0, width = ev->mflags & KS_MF_WIDTH;
	bool port = k == KS_K_PIO_R || k == KS_K_PIO_W;
	struct reg *r;
	u16 dev = 0;
	u64 off = 0;
	size_t i;

	if (k < KS_K_MMIO_R || k > KS_K_PIO_W || (ev->mflags & KS_MF_BAD))
		return 0;
	if (!pcibars__place(&g->pb, ev->phys, port, &dev, &bar, &off)) {
		g->outside++;
		return 0;
	}
	if (2 * (g->n + 1) > g->cap && reg_grow(g))
		return -ENOMEM;
	i = reg_slot(g, dev, bar, off, width);
	r = &g->tab[i];
	if (!r->used) {
		*r = (struct reg){ .used = true, .dev = dev, .bar = bar,
				   .off = off, .width = width, .first = ev->value };
		g->n++;
	}
	if (ev->mflags & KS_MF_WRITE) {
		u32 v;

		r->w++;
		for (v = 0; v < r->nvals && r->vals[v] != ev->value; v++)
			;
		if (v == r->nvals) {
			if (r->nvals < NVAL)
				r->vals[r->nvals++] = ev->value;
			else
				r->overflow = true;
		}
	} else {
		r->r++;
	}
	r->net += !!(ev->mflags & KS_MF_NET);
	r->last = ev->value;
	return 0;
}

/* Pass 2: which function touched which register (the table is final). */
static int fn_ev(const struct trace_event *ev, void *arg)
{
	struct regs *g = arg;
	u8 k = ev->site->kind, bar = 0, width = ev->mflags & KS_MF_WIDTH;
	bool port = k == KS_K_PIO_R || k == KS_K_PIO_W;
	char name[256];
	u16 dev = 0;
	u64 off = 0;
	size_t i;

	if (k < KS_K_MMIO_R || k > KS_K_PIO_W || (ev->mflags & KS_MF_BAD) ||
	    !pcibars__place(&g->pb, ev->phys, port, &dev, &bar, &off))
		return 0;
	i = reg_slot(g, dev, bar, off, width);
	if (ev->mflags & KS_MF_NET)
		snprintf(name, sizeof(name), "%s", *ev->text ? ev->text : "?");
	else
		trace_func__label(ev->region->func, name, sizeof(name));
	if (g->nfr && g->fr[g->nfr - 1].reg == i &&
	    !strcmp(g->fr[g->nfr - 1].func, name))
		return 0; /* the same as just before: common */
	if (g->nfr == g->capfr) {
		size_t nc = g->capfr ? 2 * g->capfr : 256;
		struct fnreg *nv = realloc(g->fr, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		g->fr = nv;
		g->capfr = nc;
	}
	g->fr[g->nfr].func = strdup(name);
	if (!g->fr[g->nfr].func)
		return -ENOMEM;
	g->fr[g->nfr++].reg = i;
	return 0;
}

static const struct regs *sort_ctx;

static int reg_cmp(const void *a, const void *b)
{
	const struct reg *x = &sort_ctx->tab[*(const size_t *)a];
	const struct reg *y = &sort_ctx->tab[*(const size_t *)b];

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->bar != y->bar)
		return x->bar < y->bar ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->width - (int)y->width;
}

static int fr_cmp(const void *a, const void *b)
{
	const struct fnreg *x = a, *y = b;
	int c = strcmp(x->func, y->func);

	if (c)
		return c;
	return reg_cmp(&x->reg, &y->reg);
}

/* The first NSHOW distinct values written, then how many others. */
static void print_written(FILE *f, const struct reg *r, const char *sep)
{
	u32 v, shown = r->nvals < NSHOW ? r->nvals : NSHOW;

	for (v = 0; v < shown; v++)
		fprintf(f, "%s0x%" PRIx64, v ? sep : "", r->vals[v]);
	if (r->nvals > shown)
		fprintf(f, " (+%u%s more)", r->nvals - shown,
			r->overflow ? " or" : "");
}

static void out_table(const struct regs *g, const size_t *ord)
{
	int lastdev = -1, lastbar = -1;
	size_t i;

	printf("\n# registers, by device and BAR: offset, width, name, reads, writes, first and last value, values written\n");
	for (i = 0; i < g->n; i++) {
		const struct reg *r = &g->tab[ord[i]];
		const struct pdev *d = &g->pb.dev[r->dev];

		if (r->dev != lastdev || r->bar != lastbar) {
			char lab[96];

			pcibars__label(d, lab, sizeof(lab));
			printf("%s BAR%u (%s 0x%" PRIx64 ", 0x%" PRIx64 " bytes)\n", lab,
			       r->bar, d->io[r->bar] ? "ports" : "memory",
			       d->start[r->bar], d->size[r->bar]);
			lastdev = r->dev;
			lastbar = r->bar;
		}
		printf("  0x%04" PRIx64 " %u %-10s r %-6" PRIu64 " w %-6" PRIu64
		       " first 0x%" PRIx64 " last 0x%" PRIx64, r->off, r->width,
		       name_of(g, r), r->r, r->w, r->first, r->last);
		if (r->w) {
			printf(" written ");
			print_written(stdout, r, ",");
		}
		if (r->net)
			printf(" (%" PRIu64 " by the net)", r->net);
		putchar('\n');
	}
	printf("\n# registers each function touches (net catches by pc)\n");
	for (i = 0; i < g->nfr;) {
		size_t j = i;

		printf("  %s:", g->fr[i].func);
		for (; j < g->nfr && !strcmp(g->fr[j].func, g->fr[i].func); j++) {
			const struct reg *r = &g->tab[g->fr[j].reg];
			const char *n = name_of(g, r);

			if (j > i && g->fr[j].reg == g->fr[j - 1].reg)
				continue;
			printf(" BAR%u+0x%" PRIx64 "%s%s", r->bar, r->off,
			       *n ? "=" : "", n);
		}
		putchar('\n');
		i = j;
	}
	if (g->outside)
		printf("\n# %" PRIu64 " accesses in no BAR of the trace's PCI devices\n",
		       g->outside);
}

static void out_csv(const struct regs *g, const size_t *ord)
{
	size_t i;

	printf("device,bar,offset,width,name,reads,writes,net,first,last,written\n");
	for (i = 0; i < g->n; i++) {
		const struct reg *r = &g->tab[ord[i]];
		char lab[96];

		pcibars__label(&g->pb.dev[r->dev], lab, sizeof(lab));
		*strchrnul(lab, ' ') = 0; /* the address alone */
		printf("%s,%u,0x%" PRIx64 ",%u,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		       ",0x%" PRIx64 ",0x%" PRIx64 ",", lab, r->bar, r->off,
		       r->width, name_of(g, r), r->r, r->w, r->net, r->first,
		       r->last);
		print_written(stdout, r, " ");
		putchar('\n');
	}
}

static void out_json(const struct regs *g, const size_t *ord)
{
	size_t i;
	u32 v;

	printf("{\"registers\": [");
	for (i = 0; i < g->n; i++) {
		const struct reg *r = &g->tab[ord[i]];
		const struct pdev *d = &g->pb.dev[r->dev];
		char lab[96];

		pcibars__label(d, lab, sizeof(lab));
		*strchrnul(lab, ' ') = 0;
		printf("%s\n {\"device\": \"%s\", \"vendor_device\": \"%s\", \"bar\": %u, "
		       "\"offset\": %" PRIu64 ", \"width\": %u, \"name\": \"%s\", "
		       "\"reads\": %" PRIu64 ", \"writes\": %" PRIu64 ", \"net\": %" PRIu64
		       ", \"first\": %" PRIu64 ", \"last\": %" PRIu64 ", \"written\": [",
		       i ? "," : "", lab, d->vendev, r->bar, r->off, r->width,
		       name_of(g, r), r->r, r->w, r->net, r->first, r->last);
		for (v = 0; v < r->nvals; v++)
			printf("%s%" PRIu64, v ? ", " : "", r->vals[v]);
		printf("], \"written_overflow\": %s}", r->overflow ? "true" : "false");
	}
	printf("\n], \"outside\": %" PRIu64 "}\n", g->outside);
}

int report__regs(struct trace *t, const struct regs_opts *o)
{
	struct regs g = {};
	size_t *ord = NULL, i;
	int err = 0;

	pcibars__parse(&g.pb, trace__pci(t));
	if (o->map)
		err = regmap__load(&g.map, o->map);
	err = err ?: reg_grow(&g);
	err = err ?: trace__for_each(t, regs_ev, &g);
	if (!err && !o->format)
		err = trace__for_each(t, fn_ev, &g);
	if (err)
		goto out;
	ord = calloc(g.n + 1, sizeof(*ord));
	if (!ord) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, g.n = 0; i < g.cap; i++)
		if (g.tab[i].used)
			ord[g.n++] = i;
	sort_ctx = &g;
	if (g.n)
		qsort(ord, g.n, sizeof(*ord), reg_cmp);
	if (g.nfr)
		qsort(g.fr, g.nfr, sizeof(*g.fr), fr_cmp);
	if (o->format == REGS_CSV)
		out_csv(&g, ord);
	else if (o->format == REGS_JSON)
		out_json(&g, ord);
	else
		out_table(&g, ord);
out:
	for (i = 0; i < g.nfr; i++)
		free(g.fr[i].func);
	free(g.fr);
	free(g.tab);
	regmap__free(&g.map);
	free(ord);
	return err;
}
