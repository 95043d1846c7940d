/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride timeline: a kernel trace as slices and instants per CPU.
 *
 * timeline.c turns the trace's events into a stream of struct tl_ev, each
 * CPU's slices properly nested and its times never going back, and hands
 * them to a sink: timeline-json.c (Chrome/Perfetto trace events) or
 * timeline-svg.c (a self-contained picture).
 */
#ifndef KS_TIMELINE_H
#define KS_TIMELINE_H

#include "../lib/trace/trace.h"
#include "pcibars.h"
#include "regmap.h"

enum tl_what {
	TL_META, /* a CPU is first seen (before any of its events) */
	TL_BEGIN, /* a slice opens on the CPU, at depth */
	TL_END, /* the slice at depth closes */
	TL_INSTANT,
};

enum tl_type {
	/* slices: the contexts (values of enum ks_ctx), then functions */
	TL_TASK = KS_CTX_TASK,
	TL_SOFTIRQ = KS_CTX_SOFTIRQ,
	TL_HARDIRQ = KS_CTX_HARDIRQ,
	TL_NMI = KS_CTX_NMI,
	TL_FUNC,
	/* instants */
	TL_DEV, /* an MMIO or port access */
	TL_MAP,
	TL_UNMAP,
	TL_MARK,
	TL_GAP, /* records were lost on this CPU here */
	TL_LONE_EXIT, /* an exit whose entry the trace does not hold */
};

struct tl_ev {
	enum tl_what what;
	enum tl_type type;
	u32 cpu;
	int depth; /* slices: 0 for the outermost */
	u64 ts; /* ns on local_clock()'s scale, never less than the CPU's last */
	const char *name; /* slice or instant name */
	/*
	 * The trace's event this one stands for: SWITCH, ENTRY, EXIT, device
	 * records, MAP, UNMAP, MARK.  NULL where the timeline made it up: a
	 * context opened by the first event seen in it, a slice closed because
	 * the trace moved on without its exit, the end of the trace.
	 */
	const struct trace_event *ev;
	/* TL_DEV */
	const char *func; /* the accessing instruction, "func+0xoff" */
	const char *dev; /* "00:03.0 8086:100e e1000", or NULL: in no BAR */
	u8 bar;
	u64 off;
	const char *reg; /* name from --map, or NULL */
};

typedef int (*tl_sink)(const struct tl_ev *e, void *arg);

struct tl_stats {
	u64 events; /* of the trace */
	u64 slices, devs; /* slices opened, device accesses */
	u64 accesses; /* ordinary memory accesses: not drawn */
	u64 lone_exits, unclosed; /* exits with no entry; slices closed unseen */
	u32 ncpu; /* highest CPU seen, plus one */
	u64 t0, t1; /* first and last time (ns), 0 if none */
};

struct tl_opts {
	const struct regmap *map;
	const struct pcibars *pb;
};

/*
 * Run the trace through the sink; 0, -errno or the sink's non-zero;
 * -EMEDIUMTYPE: a user-space trace, whose events have no times.
 */
int timeline__run(struct trace *t, const struct tl_opts *o, tl_sink sink,
		  void *arg, struct tl_stats *st);

/* Sinks: each writes to its FILE. */
struct tl_json;
int tl_json__begin(FILE *f, const char *trace_path, struct tl_json **jp);
int tl_json__event(const struct tl_ev *e, void *arg);
int tl_json__end(struct tl_json *j, const struct tl_stats *st, u64 lost);

struct tl_svg;
/* @st: the first pass's account (times, CPUs); @depths: per CPU */
/* @from, @to: the window drawn, ns; 0: the trace's first, last time */
int tl_svg__begin(FILE *f, const char *trace_path, const struct tl_stats *st,
		  const int *depths, u64 from, u64 to, struct tl_svg **sp);
int tl_svg__event(const struct tl_ev *e, void *arg);
int tl_svg__end(struct tl_svg *s);

#endif
