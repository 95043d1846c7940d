// SPDX-License-Identifier: GPL-2.0
/*
 * kstride report --mmio TRACE: the device accesses of an MMIO trace, by
 * function, and apart what the safety net caught, by the pc that made
 * them: which code outside the instrumented modules touched the devices.
 */
#include "../lib/trace/trace.h"
#include "builtin.h"

struct mrow {
	char *name; /* function, or "func+0xoff/0xsize [module]" */
	u64 r, w, stepped;
	u64 first_phys;
};

struct mrep {
	struct mrow *own, *net; /* instrumented sites; net catches */
	size_t nown, nnet, capown, capnet;
	u64 maps, armed, unarmed;
};

static struct mrow *row_of(struct mrow **v, size_t *n, size_t *cap,
			   const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return &(*v)[i];
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct mrow *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n] = (struct mrow){ .name = strdup(name) };
	if (!(*v)[*n].name)
		return NULL;
	return &(*v)[(*n)++];
}

static int mmio_ev(const struct trace_event *ev, void *arg)
{
	struct mrep *m = arg;
	const struct ks_site *s = ev->site;
	struct mrow *row;
	char name[256];

	if (s->kind == KS_K_MAP) {
		m->maps++;
		m->armed += (ev->mflags & 0xff) == KS_NETMAP_ARMED;
		m->unarmed += (ev->mflags & 0xff) > KS_NETMAP_ARMED;
		return 0;
	}
	if (s->kind < KS_K_MMIO_R || s->kind > KS_K_PIO_W)
		return 0;
	if (ev->mflags & KS_MF_NET) {
		row = row_of(&m->net, &m->nnet, &m->capnet,
			     *ev->text ? ev->text : "?");
	} else {
		trace_func__label(ev->region->func, name, sizeof(name));
		row = row_of(&m->own, &m->nown, &m->capown, name);
	}
	if (!row)
		return -ENOMEM;
	if (!row->r && !row->w)
		row->first_phys = ev->phys;
	if (ev->mflags & KS_MF_WRITE)
		row->w++;
	else
		row->r++;
	row->stepped += !!(ev->mflags & KS_MF_STEPPED);
	return 0;
}

static int mrow_cmp(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;
	u64 nx = x->r + x->w, ny = y->r + y->w;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void print_rows(struct mrow *v, size_t n, bool net)
{
	size_t i;

	if (n)
		qsort(v, n, sizeof(*v), mrow_cmp);
	printf("  %-52s %10s %10s %s\n", net ? "pc (function+off/size [module])" :
					       "function", "reads", "writes",
	       net ? "first phys" : "");
	for (i = 0; i < n; i++) {
		printf("  %-52s %10lu %10lu", v[i].name, (unsigned long)v[i].r,
		       (unsigned long)v[i].w);
		if (net)
			printf(" 0x%lx", (unsigned long)v[i].first_phys);
		if (v[i].stepped)
			printf(" (%lu single-stepped)", (unsigned long)v[i].stepped);
		putchar('\n');
	}
}

int report__mmio(struct trace *t)
{
	const struct ks_net_stats *ns = trace__net(t);
	struct mrep m = {};
	size_t i;
	int err = trace__for_each(t, mmio_ev, &m);

	if (err)
		goto out;
	printf("# device accesses of instrumented code, by function\n");
	print_rows(m.own, m.nown, false);
	printf("\n# caught by the safety net: code kstride did not instrument, by pc\n");
	if (!ns) {
		printf("  (the net was off: recorded with --no-net, or before kstride had one)\n");
	} else {
		print_rows(m.net, m.nnet, true);
		printf("\n# net: %lu PCI functions, %lu mappings armed of %lu seen, %lu not armed; %lu caught, %lu single-stepped; %lu faults of kstride.ko itself\n",
		       (unsigned long)ns->devices, (unsigned long)ns->armed,
		       (unsigned long)m.maps, (unsigned long)m.unarmed,
		       (unsigned long)(ns->emulated + ns->stepped - ns->own),
		       (unsigned long)ns->stepped, (unsigned long)ns->own);
	}
	if (trace__apertures(t) && (trace__apertures(t)->reads || trace__apertures(t)->writes))
		printf("# apertures (write-combining or cached: VRAM, framebuffers): %lu reads, %lu writes, %lu bytes counted, not recorded\n",
		       (unsigned long)trace__apertures(t)->reads,
		       (unsigned long)trace__apertures(t)->writes,
		       (unsigned long)trace__apertures(t)->bytes);
out:
	for (i = 0; i < m.nown; i++)
		free(m.own[i].name);
	for (i = 0; i < m.nnet; i++)
		free(m.net[i].name);
	free(m.own);
	free(m.net);
	return err;
}
