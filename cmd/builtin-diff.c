// SPDX-License-Identifier: GPL-2.0
/*
 * kstride diff A B: the device accesses of two MMIO recordings, aligned,
 * and what differs, in context (as one diffs two mmiotrace logs by hand,
 * but by register and with the function that made each access).
 *
 * Each access becomes a token: device (vendor:device at bus:dev.fn),
 * BAR, offset, width, read or write, and the value for writes (a read's
 * value is the device's business: polls differ from run to run).  Runs of
 * the same token are one line with a count, so that a poll of STATUS 40
 * times against 38 is not a difference.  The two token sequences are
 * aligned by Myers' O(ND) algorithm; the exit status is 0 when they are
 * the same, 1 when they differ, 2 on trouble, as diff(1)'s.
 */
#include <getopt.h>
#include <inttypes.h>

#include "../lib/trace/trace.h"
#include "builtin.h"
#include "pcibars.h"
#include "regmap.h"

#define MAX_D 4000 /* differences the alignment goes to before it gives up */

static const char usage_text[] =
	"usage: kstride diff [-U N] [--map FILE] A.trace B.trace\n"
	"\n"
	"Align the device accesses of two MMIO traces (record --mmio) and show\n"
	"where they differ, in context: each line is an access, or a run of the\n"
	"same one, as DEVICE BARn+OFFSET WIDTH R|W [value] xCOUNT FUNCTION;\n"
	"'-' only in A, '+' only in B.  Reads are compared without their\n"
	"values.  Exit status 0: the same; 1: they differ; 2: trouble.\n"
	"\n"
	"Options:\n"
	"  -U N            lines of context around a difference (default 3)\n"
	"      --map FILE  register names: 'BAR0 0x0008 4 STATUS' lines\n"
	"  -h, --help      this text\n";

struct tok {
	u64 hash;
	u64 off, value, count;
	u16 dev;
	u8 bar, width;
	bool write;
	const char *func; /* of the first access of the run */
};

struct side {
	struct pcibars pb;
	VEC(struct tok) v;
	VEC(char *) names; /* interned function names */
	u64 accesses;
	struct {
		u64 seq, ts;
		struct tok t;
	} *raw;
	size_t nraw, capraw;
};

static const char *intern(struct side *s, const char *name)
{
	size_t i;
	char **slot;

	for (i = s->names.n; i-- > 0;)
		if (!strcmp(s->names.v[i], name))
			return s->names.v[i];
	slot = vec_push(&s->names);
	if (!slot)
		return NULL;
	*slot = strdup(name);
	return *slot;
}

static u64 tok_hash(const struct side *s, const struct tok *t)
{
	const struct pdev *d = &s->pb.dev[t->dev];
	u64 h = 1469598103934665603ull;
	const char *p;

	for (p = d->vendev; *p; p++)
		h = (h ^ (u8)*p) * 1099511628211ull;
	for (p = d->bdf; *p; p++)
		h = (h ^ (u8)*p) * 1099511628211ull;
	h = (h ^ t->bar) * 1099511628211ull;
	h = (h ^ t->off) * 1099511628211ull;
	h = (h ^ t->width) * 1099511628211ull;
	h = (h ^ t->write) * 1099511628211ull;
	if (t->write)
		h = (h ^ t->value) * 1099511628211ull;
	return h;
}

static int side_ev(const struct trace_event *ev, void *arg)
{
	struct side *s = arg;
	u8 k = ev->site->kind;
	bool port = k == KS_K_PIO_R || k == KS_K_PIO_W;
	struct tok t = { .count = 1 };
	char name[256];

	if (k < KS_K_MMIO_R || k > KS_K_PIO_W || (ev->mflags & KS_MF_BAD))
		return 0;
	if (!pcibars__place(&s->pb, ev->phys, port, &t.dev, &t.bar, &t.off))
		return 0;
	t.width = ev->mflags & KS_MF_WIDTH;
	t.write = ev->mflags & KS_MF_WRITE;
	t.value = ev->value;
	if (ev->mflags & KS_MF_NET)
		snprintf(name, sizeof(name), "%s", *ev->text ? ev->text : "?");
	else
		trace_func__label(ev->region->func, name, sizeof(name));
	t.func = intern(s, name);
	if (!t.func)
		return -ENOMEM;
	t.hash = tok_hash(s, &t);
	if (s->nraw == s->capraw) {
		size_t nc = s->capraw ? 2 * s->capraw : 1024;
		void *n = realloc(s->raw, nc * sizeof(*s->raw));

		if (!n)
			return -ENOMEM;
		s->raw = n;
		s->capraw = nc;
	}
	s->raw[s->nraw].seq = ev->seq;
	s->raw[s->nraw].ts = ev->ts;
	s->raw[s->nraw++].t = t;
	s->accesses++;
	return 0;
}

static int raw_cmp(const void *a, const void *b)
{
	const typeof(((struct side *)0)->raw[0]) *x = a, *y = b;

	/* the global order when recorded, else time */
	if (x->seq && y->seq && x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return 0;
}

static int load(const char *path, struct side *s)
{
	struct trace *t;
	size_t i;
	int err;

	if (trace__open(path, false, &t))
		return -EINVAL;
	if (!trace__mmio(t)) {
		ks_err("%s: not an MMIO trace (record --mmio)", path);
		trace__close(t);
		return -EINVAL;
	}
	pcibars__parse(&s->pb, trace__pci(t));
	err = trace__for_each(t, side_ev, s);
	trace__close(t);
	if (err)
		return err;
	if (s->nraw)
		qsort(s->raw, s->nraw, sizeof(*s->raw), raw_cmp);
	/* runs of one token are one */
	for (i = 0; i < s->nraw; i++) {
		struct tok *last = s->v.n ? &s->v.v[s->v.n - 1] : NULL;

		if (last && last->hash == s->raw[i].t.hash) {
			last->count++;
			last->value = s->raw[i].t.value; /* a read's latest */
			continue;
		}
		last = vec_push(&s->v);
		if (!last)
			return -ENOMEM;
		*last = s->raw[i].t;
	}
	return 0;
}

static void print_tok(const struct regmap *map, char c, const struct side *s,
		      const struct tok *t)
{
	const struct pdev *d = &s->pb.dev[t->dev];
	const char *n = regmap__name(map, t->bar, t->off, t->width);
	char lab[96];

	pcibars__label(d, lab, sizeof(lab));
	*strchrnul(lab, ' ') = 0;
	printf("%c %s %.4s:%.4s BAR%u+0x%04" PRIx64 "%s%s %u %c", c, lab,
	       d->vendev, d->vendev + 4, t->bar, t->off, n ? "=" : "", n ? n : "",
	       t->width, t->write ? 'W' : 'R');
	if (t->write)
		printf(" 0x%" PRIx64, t->value);
	if (t->count > 1)
		printf(" x%" PRIu64, t->count);
	printf("  %s\n", t->func);
}

/* Myers: the edit script, as per-token marks (0 common, 1 only here). */
static int align(const struct side *a, const struct side *b, u8 *ma, u8 *mb)
{
	long n = a->v.n, m = b->v.n, max = n + m, d, k;
	long *vs = NULL, *off = NULL; /* V of each step, packed */
	size_t used = 0, cap = 0;
	long *vbase, *v;
	int err = 1;

	vbase = calloc(2 * (size_t)max + 3, sizeof(*vbase));
	off = calloc(MAX_D + 2, sizeof(*off));
	v = vbase ? vbase + max + 1 : NULL;
	if (!vbase || !off) {
		err = -ENOMEM;
		goto out;
	}
	for (d = 0; d <= max && d <= MAX_D; d++) {
		/* save V's diagonals -d..d before step d */
		if (used + 2 * d + 1 > cap) {
			size_t nc = 2 * (used + 2 * d + 1) + 1024;
			long *n2 = realloc(vs, nc * sizeof(*vs));

			if (!n2) {
				err = -ENOMEM;
				goto out;
			}
			vs = n2;
			cap = nc;
		}
		for (k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < n && y < m && a->v.v[x].hash == b->v.v[y].hash) {
				x++;
				y++;
			}
			v[k] = x;
			if (x >= n && y >= m) {
				/* save this step too, then walk back */
				off[d] = used;
				for (long j = -d; j <= d; j++)
					vs[used++] = v[j];
				err = 0;
				goto back;
			}
		}
		off[d] = used;
		for (k = -d; k <= d; k++)
			vs[used++] = v[k];
	}
	err = -E2BIG;
	goto out;
back:
	{
		long x = n, y = m;

		for (; d > 0; d--) {
			long *pv = vs + off[d - 1] + (d - 1); /* index by k */
			long kk = x - y, pk, px, py;

			if (kk == -d || (kk != d && pv[kk - 1] < pv[kk + 1]))
				pk = kk + 1;
			else
				pk = kk - 1;
			px = pv[pk];
			py = px - pk;
			while (x > px && y > py) {
				x--;
				y--;
			}
			if (x == px)
				mb[--y] = 1; /* down: an insertion from b */
			else
				ma[--x] = 1; /* right: a deletion from a */
		}
	}
out:
	free(vs);
	free(off);
	free(vbase);
	return err;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct side a = {}, b = {};
	struct regmap map = {};
	long ctx = 3, i, j, hunks = 0, wa = 0, wb = 0;
	u8 *ma = NULL, *mb = NULL;
	int c, err, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+U:h", lo, NULL)) != -1) {
		switch (c) {
		case 'U': {
			char *end;

			errno = 0;
			ctx = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || ctx < 0 || ctx > 1000000) {
				fprintf(stderr, "kstride diff: -U takes a number of lines: %s\n\n",
					optarg);
				fputs(usage_text, stderr);
				return 2;
			}
			break;
		}
		case 'm':
			if (regmap__load(&map, optarg))
				return 2;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 2 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (load(argv[optind], &a) || load(argv[optind + 1], &b))
		goto out;
	ma = calloc(a.v.n + 1, 1);
	mb = calloc(b.v.n + 1, 1);
	if (!ma || !mb)
		goto out;
	err = align(&a, &b, ma, mb);
	if (err == -E2BIG) {
		ks_err("%s and %s differ in more than %d places: not aligned",
		       argv[optind], argv[optind + 1], MAX_D);
		goto out;
	}
	if (err)
		goto out;
	printf("--- %s: %" PRIu64 " device accesses, %zu lines\n+++ %s: %" PRIu64
	       " device accesses, %zu lines\n", argv[optind], a.accesses, a.v.n,
	       argv[optind + 1], b.accesses, b.v.n);
	/* the edit script as lines, then hunks of changes with ctx around */
	{
		size_t nl = 0, cap = a.v.n + b.v.n + 1;
		struct { char c; const struct side *s; const struct tok *t; } *l =
			calloc(cap, sizeof(*l));
		long last_change = -1, printed = -1;

		if (!l)
			goto out;
		for (i = 0, j = 0; i < (long)a.v.n || j < (long)b.v.n;) {
			if (i < (long)a.v.n && ma[i]) {
				l[nl++] = (typeof(*l)){ '-', &a, &a.v.v[i++] };
			} else if (j < (long)b.v.n && mb[j]) {
				l[nl++] = (typeof(*l)){ '+', &b, &b.v.v[j++] };
			} else {
				l[nl++] = (typeof(*l)){ ' ', &a, &a.v.v[i++] };
				j++;
			}
		}
		for (i = 0; i < (long)nl; i++) {
			long k, from;

			if (l[i].c == ' ')
				continue;
			wa += l[i].c == '-' && l[i].t->write;
			wb += l[i].c == '+' && l[i].t->write;
			from = i - ctx > printed ? i - ctx : printed + 1;
			if (from < 0)
				from = 0;
			if (last_change < 0 || i - last_change > 2 * ctx) {
				if (last_change >= 0)
					for (k = last_change + 1; k <= last_change + ctx &&
					     k < (long)nl && k > printed; k++)
						print_tok(&map, l[k].c, l[k].s, l[k].t), printed = k;
				hunks++;
				printf("@@ line %ld of the aligned sequences @@\n", from + 1);
			}
			for (k = from; k <= i; k++)
				print_tok(&map, l[k].c, l[k].s, l[k].t);
			printed = i;
			last_change = i;
		}
		for (i = last_change + 1; last_change >= 0 && i <= last_change + ctx &&
		     i < (long)nl; i++)
			print_tok(&map, l[i].c, l[i].s, l[i].t);
		free(l);
	}
	printf("diff: %ld hunk%s; lines with writes only in A %ld, only in B %ld\n",
	       hunks, hunks == 1 ? "" : "s", wa, wb);
	rc = hunks ? 1 : 0;
out:
	free(ma);
	free(mb);
	for (size_t k = 0; k < a.names.n; k++)
		free(a.names.v[k]);
	for (size_t k = 0; k < b.names.n; k++)
		free(b.names.v[k]);
	vec_free(&a.names);
	vec_free(&b.names);
	vec_free(&a.v);
	vec_free(&b.v);
	free(a.raw);
	free(b.raw);
	regmap__free(&map);
	return rc;
}
