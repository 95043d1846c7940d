// SPDX-License-Identifier: GPL-2.0
/*
 * kstride timeline --svg: the timeline as one self-contained SVG file,
 * for people with no trace viewer.  A band per CPU: a row per nesting
 * depth (task, interrupts, functions), and below them a lane of device
 * accesses, MMIO reads blue, writes red, port I/O green, counted per
 * pixel column.  The idle task is grey.  Markers are dashed lines
 * across all CPUs.  Every shape
 * has a tooltip (<title>).
 *
 * The size stays bounded whatever the trace: slices narrower than a pixel
 * are drawn once per pixel column and row, device accesses once per
 * column and kind.
 */
#include <inttypes.h>

#include "timeline.h"

#define SVG_LEFT 96
#define SVG_W 1400 /* the chart's width in pixels */
#define SVG_RIGHT 24
#define SVG_TOP 84
#define SVG_ROW 14
#define SVG_LANE 16
#define SVG_GAP 10
#define SVG_DMAX 24 /* rows drawn per CPU; deeper slices are counted */
#define SVG_MARKS 1000

static const char *const fn_colors[] = {
	"#a1d99b", "#c7e9c0", "#fdd49e", "#d9d9d9", "#c6dbef", "#fcbba1",
	"#dadaeb", "#e5f5e0", "#fee391", "#d4b9da", "#ccebc5", "#bcbddc",
};

static const char *const ctx_colors[] = {
	[TL_TASK] = "#9ecae1", [TL_SOFTIRQ] = "#fdae6b",
	[TL_HARDIRQ] = "#fb6a4a", [TL_NMI] = "#807dba",
};

#define COL_MMIO_R "#2171b5"
#define COL_MMIO_W "#cb181d"
#define COL_PIO "#238b45"
#define COL_IDLE "#e0e0e0"

struct svg_open {
	u64 ts;
	enum tl_type type;
	char name[96];
};

struct svg_cpu {
	int y, rows; /* top of the band, rows drawn */
	struct svg_open open[SVG_DMAX];
	int tiny[SVG_DMAX]; /* the column of the last sub-pixel slice drawn */
	u32 *cnt; /* [3][SVG_W]: MMIO reads, MMIO writes, port accesses */
};

struct svg_mark {
	double x;
	char text[KS_MARK_TEXT + 1];
};

struct tl_svg {
	FILE *f;
	u64 t0, t1;
	double px; /* pixels per ns */
	u32 ncpu;
	int height;
	struct svg_cpu *cpu;
	VEC(struct svg_mark) marks;
	u64 hidden; /* slices deeper than SVG_DMAX rows */
};

static void svg_text(FILE *f, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s && n < max; s++, n++) {
		unsigned char c = *s;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
	if (s && *s)
		fputs("..", f);
}

static double svg_x(const struct tl_svg *s, u64 ts)
{
	double x = ts > s->t0 ? (double)(ts - s->t0) * s->px : 0;

	return x > SVG_W ? SVG_W : x;
}

/* "12.5 ms" for a duration or an offset in ns */
static void svg_dur(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.6g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.6g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.6g us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

static const char *fn_color(const char *name)
{
	u32 h = 2166136261u;

	for (; *name && strncmp(name, " (continued)", 12); name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return fn_colors[h % (sizeof(fn_colors) / sizeof(fn_colors[0]))];
}

static void svg_axis(struct tl_svg *s)
{
	static const double nice[] = { 1, 2, 5 };
	double span = (double)(s->t1 - s->t0), step = 1, dec = 1, x;
	char buf[48];
	int i;

	/* 1, 2, 5 times a power of ten: at most 10 ticks */
	for (i = 0; span / step > 10; i = (i + 1) % 3) {
		if (i == 2)
			dec *= 10;
		step = nice[(i + 1) % 3] * dec;
	}
	fprintf(s->f, "<g font-size=\"10\" fill=\"#444\">\n");
	for (i = 0; i * step <= span && i < 64; i++) {
		x = SVG_LEFT + i * step * s->px;
		svg_dur(buf, sizeof(buf), i * step);
		fprintf(s->f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\">%s%s</text>\n",
			x, SVG_TOP - 6, x, s->height - 10, x + 2, SVG_TOP - 10, i ? "+" : "",
			i ? buf : "0");
	}
	fputs("</g>\n", s->f);
}

static void svg_legend(FILE *f)
{
	static const struct {
		const char *col, *text;
	} l[] = {
		{ "#9ecae1", "task" },	     { COL_IDLE, "idle" },
		{ "#fdae6b", "softirq" },
		{ "#fb6a4a", "hardirq" },    { "#807dba", "NMI" },
		{ "#a1d99b", "function" },   { COL_MMIO_R, "MMIO read" },
		{ COL_MMIO_W, "MMIO write" }, { COL_PIO, "port I/O" },
		{ "#000", "records lost" },
	};
	size_t i;

	fputs("<g font-size=\"11\">\n", f);
	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		fprintf(f, "<rect x=\"%zu\" y=\"34\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%zu\" y=\"44\">%s</text>\n",
			SVG_LEFT + i * 100, l[i].col, SVG_LEFT + i * 100 + 16, l[i].text);
	fputs("</g>\n", f);
}

static void svg_free(struct tl_svg *s)
{
	u32 i;

	for (i = 0; i < s->ncpu; i++)
		free(s->cpu[i].cnt);
	free(s->cpu);
	vec_free(&s->marks);
	free(s);
}

int tl_svg__begin(FILE *f, const char *trace_path, const struct tl_stats *st,
		  const int *depths, u64 from, u64 to, struct tl_svg **sp)
{
	struct tl_svg *s = calloc(1, sizeof(*s));
	char span[48];
	int y = SVG_TOP;
	u32 i;

	if (!s)
		return -ENOMEM;
	s->f = f;
	s->t0 = from ? from : st->t0;
	s->t1 = to ? to : st->t1;
	if (s->t1 <= s->t0)
		s->t1 = s->t0 + 1;
	s->px = (double)SVG_W / (double)(s->t1 - s->t0);
	s->ncpu = st->ncpu;
	s->cpu = calloc(s->ncpu ? s->ncpu : 1, sizeof(*s->cpu));
	if (!s->cpu) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < s->ncpu; i++) {
		struct svg_cpu *c = &s->cpu[i];
		int d;

		if (depths[i] < 0)
			continue; /* not in the trace */
		c->rows = depths[i] < 1 ? 1 : min(depths[i], SVG_DMAX);
		c->y = y;
		y += c->rows * SVG_ROW + SVG_LANE + SVG_GAP;
		for (d = 0; d < SVG_DMAX; d++)
			c->tiny[d] = -1;
		c->cnt = calloc(3 * SVG_W, sizeof(*c->cnt));
		if (!c->cnt) {
			svg_free(s);
			return -ENOMEM;
		}
	}
	s->height = y + 20;
	svg_dur(span, sizeof(span), (double)(s->t1 - s->t0));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
		   "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">kstride timeline: ",
		SVG_LEFT + SVG_W + SVG_RIGHT, s->height, SVG_LEFT + SVG_W + SVG_RIGHT,
		s->height, SVG_LEFT);
	svg_text(f, trace_path, 200);
	fprintf(f, " (%s from %" PRIu64 ".%09" PRIu64 " s)</text>\n", span,
		s->t0 / 1000000000, s->t0 % 1000000000);
	svg_legend(f);
	svg_axis(s);
	for (i = 0; i < s->ncpu; i++)
		if (s->cpu[i].cnt)
			fprintf(f, "<text x=\"8\" y=\"%d\" font-size=\"12\">CPU %u</text>\n",
				s->cpu[i].y + 11, i);
	*sp = s;
	return ferror(f) ? -EIO : 0;
}

static void svg_slice(struct tl_svg *s, struct svg_cpu *c, int depth, u64 end)
{
	const struct svg_open *o = &c->open[depth];
	double x0 = svg_x(s, o->ts), x1 = svg_x(s, end), w = x1 - x0;
	int y = c->y + depth * SVG_ROW;
	const char *col = o->type == TL_FUNC ? fn_color(o->name) : ctx_colors[o->type];

	if (o->type == TL_TASK && !strncmp(o->name, "swapper/", 8))
		col = COL_IDLE; /* the idle task */
	char dur[48];

	if (end < s->t0 || o->ts > s->t1)
		return; /* outside the window */
	if (w < 1) {
		/* once per column and row */
		if (c->tiny[depth] == (int)x0)
			return;
		c->tiny[depth] = (int)x0;
		w = 1;
	}
	svg_dur(dur, sizeof(dur), (double)(end - o->ts));
	fprintf(s->f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" "
		      "stroke=\"#fff\" stroke-width=\"0.3\"><title>",
		SVG_LEFT + x0, y, w, SVG_ROW - 1, col);
	svg_text(s->f, o->name, 200);
	fprintf(s->f, " (%s)</title></rect>\n", dur);
	if (w >= 40) {
		fprintf(s->f, "<text x=\"%.2f\" y=\"%d\" font-size=\"9\">", SVG_LEFT + x0 + 2,
			y + SVG_ROW - 4);
		svg_text(s->f, o->name, (size_t)((w - 4) / 5.5));
		fputs("</text>\n", s->f);
	}
}

int tl_svg__event(const struct tl_ev *e, void *arg)
{
	struct tl_svg *s = arg;
	struct svg_cpu *c = e->cpu < s->ncpu ? &s->cpu[e->cpu] : NULL;
	int col;

	if (!c || !c->cnt)
		return 0; /* not seen by the first pass: cannot happen */
	switch (e->what) {
	case TL_META:
		break;
	case TL_BEGIN:
		if (e->depth >= SVG_DMAX) {
			s->hidden++;
			break;
		}
		c->open[e->depth].ts = e->ts;
		c->open[e->depth].type = e->type;
		snprintf(c->open[e->depth].name, sizeof(c->open[0].name), "%s", e->name);
		break;
	case TL_END:
		if (e->depth < SVG_DMAX)
			svg_slice(s, c, e->depth, e->ts);
		break;
	case TL_INSTANT:
		if (e->ts < s->t0 || e->ts > s->t1)
			break; /* outside the window */
		col = (int)svg_x(s, e->ts);
		if (col >= SVG_W)
			col = SVG_W - 1;
		switch (e->type) {
		case TL_DEV:
			if (e->ev->mflags & KS_MF_PORT)
				c->cnt[2 * SVG_W + col]++;
			else
				c->cnt[(e->ev->mflags & KS_MF_WRITE ? SVG_W : 0) + col]++;
			break;
		case TL_MARK:
			if (s->marks.n < SVG_MARKS) {
				struct svg_mark *m = vec_push(&s->marks);

				if (!m)
					return -ENOMEM;
				m->x = SVG_LEFT + svg_x(s, e->ts);
				snprintf(m->text, sizeof(m->text), "%s", e->name);
			}
			break;
		case TL_GAP:
			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"2\" height=\"%d\" "
				      "fill=\"#000\"><title>records lost</title></rect>\n",
				SVG_LEFT + col, c->y, c->rows * SVG_ROW);
			break;
		case TL_MAP:
		case TL_UNMAP:
			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"1\" height=\"%d\" "
				      "fill=\"#969696\"><title>",
				SVG_LEFT + col, c->y + c->rows * SVG_ROW, SVG_LANE);
			svg_text(s->f, e->name, 80);
			fputs("</title></rect>\n", s->f);
			break;
		default:
			break;
		}
		break;
	}
	return ferror(s->f) ? -EIO : 0;
}

static void svg_lane(struct tl_svg *s, struct svg_cpu *c)
{
	static const struct {
		const char *col, *what;
		int dy, h;
	} k[3] = {
		{ COL_MMIO_R, "MMIO reads", 8, 7 },
		{ COL_MMIO_W, "MMIO writes", 0, 7 },
		{ COL_PIO, "port accesses", 4, 8 },
	};
	int y = c->y + c->rows * SVG_ROW, i, x;
	char at[48];

	fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f4f4\"/>\n",
		SVG_LEFT, y, SVG_W, SVG_LANE - 1);
	for (i = 0; i < 3; i++)
		for (x = 0; x < SVG_W; x++) {
			u32 n = c->cnt[i * SVG_W + x];

			if (!n)
				continue;
			svg_dur(at, sizeof(at), x / s->px);
			/* 2 px wide: a lone burst stays visible */
			fprintf(s->f, "<rect x=\"%d\" y=\"%d\" width=\"2\" height=\"%d\" "
				      "fill=\"%s\"><title>%u %s at +%s</title></rect>\n",
				SVG_LEFT + x, y + k[i].dy, k[i].h, k[i].col, n, k[i].what, at);
		}
}

int tl_svg__end(struct tl_svg *s)
{
	int err;
	size_t i;

	for (i = 0; i < s->ncpu; i++)
		if (s->cpu[i].cnt)
			svg_lane(s, &s->cpu[i]);
	for (i = 0; i < s->marks.n; i++) {
		fprintf(s->f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#111\" "
			      "stroke-dasharray=\"4 3\"/><text x=\"%.2f\" y=\"%d\" font-size=\"10\">",
			s->marks.v[i].x, SVG_TOP - 4, s->marks.v[i].x, s->height - 16,
			s->marks.v[i].x + 2, s->height - 6);
		svg_text(s->f, s->marks.v[i].text, 40);
		fputs("</text>\n", s->f);
	}
	if (s->hidden)
		fprintf(s->f, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%" PRIu64
			      " slices nested deeper than %d rows are not drawn</text>\n",
			SVG_LEFT, s->height - 4, s->hidden, SVG_DMAX);
	fputs("</svg>\n", s->f);
	err = ferror(s->f) ? -EIO : 0;
	svg_free(s);
	return err;
}
