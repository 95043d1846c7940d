// SPDX-License-Identifier: GPL-2.0
/*
 * kstride timeline TRACE -o FILE.json [--svg FILE.svg]: what each CPU ran,
 * and when, as Chrome/Perfetto trace events and as a picture.
 */
#include <getopt.h>
#include <sys/stat.h>

#include "builtin.h"
#include "timeline.h"

static const char usage_text[] =
	"usage: kstride timeline [options] TRACE -o FILE.json\n"
	"       kstride timeline [options] TRACE --svg FILE.svg\n"
	"\n"
	"Write what each CPU of a kernel trace ran, and when.  -o writes\n"
	"Chrome/Perfetto trace-event JSON (open it in ui.perfetto.dev or\n"
	"chrome://tracing): one track per CPU, the task it ran (named from\n"
	"SWITCH records), the softirqs, hardirqs and NMIs that interrupted it,\n"
	"and the traced functions entered in each, as nested slices; MMIO and\n"
	"port accesses as instant events with register, width and value; MAP,\n"
	"UNMAP, markers and lost records as events.  --svg writes one\n"
	"self-contained SVG picture of the same, for a browser.\n"
	"\n"
	"A function's end is the latest time its CPU's records tell at its\n"
	"exit: records other than device accesses carry the time of the latest\n"
	"function entry or switch.  Ordinary memory accesses are not shown\n"
	"(they are counted in otherData).  A task switched out inside functions\n"
	"shows them again, '(continued)', when it runs next.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  trace-event JSON\n"
	"      --svg FILE     an SVG timeline\n"
	"      --map FILE     register names, 'BAR0 0x0008 4 STATUS' lines\n"
	"                     (see kstride report --mmio)\n"
	"      --from S, --to S  the SVG shows only this window, in seconds on\n"
	"                     the trace's clock (as kstride script prints them)\n"
	"  -f, --force        read a trace whose recording did not finish\n"
	"  -q, --quiet        no summary line\n"
	"  -h, --help         this text\n";

/* First pass for --svg: how deep each CPU's slices nest. */
struct depths {
	int *d;
	size_t n;
	tl_sink next; /* the JSON sink, when both are written */
	void *next_arg;
};

static int depth_sink(const struct tl_ev *e, void *arg)
{
	struct depths *ds = arg;

	if (e->cpu >= ds->n) {
		size_t n = e->cpu + 1, i;
		int *d = realloc(ds->d, n * sizeof(*d));

		if (!d)
			return -ENOMEM;
		for (i = ds->n; i < n; i++)
			d[i] = -1;
		ds->d = d;
		ds->n = n;
	}
	if (ds->d[e->cpu] < 0)
		ds->d[e->cpu] = 0;
	if (e->what == TL_BEGIN && e->depth + 1 > ds->d[e->cpu])
		ds->d[e->cpu] = e->depth + 1;
	return ds->next ? ds->next(e, ds->next_arg) : 0;
}

/* "12.5" seconds to ns */
static int parse_secs(const char *s, u64 *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 1e9)
		return -EINVAL;
	*ns = (u64)(v * 1e9 + 0.5);
	return 0;
}

static int write_failed(const char *path, int err)
{
	ks_err("%s: cannot write: %s", path, strerror(-err));
	return 1;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "svg", required_argument, NULL, 's' },
		{ "map", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *json = NULL, *svg = NULL, *mapf = NULL, *path;
	struct afile aj = {}, as = {};
	struct regmap map = {};
	struct pcibars pb = {};
	struct tl_opts o = { .map = &map, .pb = &pb };
	struct depths ds = {};
	struct tl_json *j = NULL;
	struct tl_svg *sv = NULL;
	struct tl_stats st;
	struct trace *t;
	bool force = false, quiet = false;
	u64 from = 0, to = 0;
	int c, err, rc = 1;

	while ((c = getopt_long(argc, argv, "o:fqh", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			json = optarg;
			break;
		case 's':
			svg = optarg;
			break;
		case 'm':
			mapf = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'F':
		case 'T':
			if (parse_secs(optarg, c == 'F' ? &from : &to)) {
				ks_err("timeline: --%s takes seconds on the trace's clock, as "
				       "kstride script prints them: %s", c == 'F' ? "from" : "to",
				       optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (!json && !svg)) {
		if (optind == argc - 1)
			ks_err("timeline: say where to write it: -o FILE.json or --svg FILE.svg");
		fputs(usage_text, stderr);
		return 2;
	}
	path = argv[optind];
	if (to && from >= to) {
		ks_err("timeline: --from must come before --to");
		return 2;
	}
	if ((from || to) && !svg) {
		ks_err("timeline: --from and --to choose what the SVG shows (in Perfetto, zoom)");
		return 2;
	}
	if (json && svg && !strcmp(json, svg)) {
		ks_err("timeline: -o and --svg name the same file, %s", json);
		return 2;
	}
	if (mapf && regmap__load(&map, mapf))
		return 1;
	if (trace__open(path, force, &t)) {
		regmap__free(&map);
		return 1;
	}
	if (!trace__mmio(t))
		o.pb = NULL;
	else
		pcibars__parse(&pb, trace__pci(t));
	if (json) {
		err = file__create(&aj, json);
		if (err) {
			write_failed(json, err);
			goto out;
		}
		err = tl_json__begin(aj.f, path, &j);
		if (err)
			goto out_json;
	}
	/* pass 1: the JSON if asked for, and the depths and times --svg needs */
	ds.next = json ? tl_json__event : NULL;
	ds.next_arg = j;
	err = timeline__run(t, &o, depth_sink, &ds, &st);
	if (err == -EMEDIUMTYPE)
		ks_err("%s: a user-space trace; its events have no times, and timeline "
		       "draws kernel traces (kstride record -m MODULE)", path);
	if (err)
		goto out_json;
	if (json) {
		err = tl_json__end(j, &st, trace__lost(t));
		j = NULL;
		if (!err)
			err = file__commit(&aj, 0644);
		if (err) {
			write_failed(json, err);
			goto out;
		}
	}
	if (svg) {
		struct tl_stats st2;

		err = file__create(&as, svg);
		if (err) {
			write_failed(svg, err);
			goto out;
		}
		err = tl_svg__begin(as.f, path, &st, ds.d, from, to, &sv);
		if (!err)
			err = timeline__run(t, &o, tl_svg__event, sv, &st2);
		if (sv) {
			int e2 = tl_svg__end(sv);

			err = err ? err : e2;
		}
		if (!err)
			err = file__commit(&as, 0644);
		if (err) {
			if (err == -EIO || err == -ENOSPC)
				write_failed(svg, err);
			file__abort(&as);
			goto out;
		}
	}
	if (!quiet) {
		char cpus[32] = "";
		u32 i, n = 0;

		for (i = 0; i < ds.n; i++)
			n += ds.d[i] >= 0;
		snprintf(cpus, sizeof(cpus), "%u CPU%s", n, n == 1 ? "" : "s");
		fprintf(stderr, "kstride timeline: %s: %lu records on %s over %.3f s: %lu slices, "
				"%lu device accesses -> %s%s%s\n",
			path, (unsigned long)st.events, cpus, (st.t1 - st.t0) / 1e9,
			(unsigned long)st.slices, (unsigned long)st.devs, json ? json : "",
			json && svg ? ", " : "", svg ? svg : "");
		if (st.lone_exits || st.unclosed)
			fprintf(stderr, "kstride timeline: %lu exits without their entry, %lu "
					"functions closed without an exit (records lost or cut)\n",
				(unsigned long)st.lone_exits, (unsigned long)st.unclosed);
	}
	rc = 0;
	goto out;
out_json:
	if (j)
		tl_json__end(j, &st, 0);
	if (json && (err == -EIO || err == -ENOSPC))
		write_failed(json, err);
	file__abort(&aj);
out:
	trace__close(t);
	regmap__free(&map);
	free(ds.d);
	return rc;
}
