// SPDX-License-Identifier: GPL-2.0
/*
 * kstride timeline: Chrome/Perfetto trace events (the JSON object form of
 * the Trace Event Format).  One process, "kernel"; one thread per CPU.
 * Slices are B/E pairs; device accesses, lost records and exits without
 * an entry are thread-scoped instants, MAP and UNMAP process-scoped ones,
 * markers global ones.
 * ts is in microseconds with nanosecond decimals.  Every event made from
 * a trace record says which in args.kind; numbers that may pass 2^53 are
 * hex strings.
 */
#include <inttypes.h>

#include "timeline.h"

#define TL_PID 1

struct tl_json {
	FILE *f;
	bool first;
};

/* A JSON string: bytes outside printable ASCII escaped, so always valid. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_ts(FILE *f, u64 ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void open_ev(struct tl_json *j, const char *ph, u32 tid)
{
	fputs(j->first ? "\n" : ",\n", j->f);
	j->first = false;
	fprintf(j->f, "{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u", ph, TL_PID, tid);
}

int tl_json__begin(FILE *f, const char *trace_path, struct tl_json **jp)
{
	struct tl_json *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->f = f;
	j->first = true;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	open_ev(j, "M", 0);
	fputs(",\"name\":\"process_name\",\"args\":{\"name\":", f);
	{
		char *n = xasprintf("kernel (%s)", trace_path);

		json_str(f, n ? n : "kernel");
		free(n);
	}
	fputs("}}", f);
	*jp = j;
	return ferror(f) ? -EIO : 0;
}

static void args_task(FILE *f, const struct trace_event *ev)
{
	fprintf(f, ",\"context\":\"%s\",\"pid\":%d,\"tgid\":%d,\"comm\":",
		ks_ctx__name(ev->ctx), ev->pid, ev->tgid);
	json_str(f, ev->comm);
	if (ev->ts)
		fprintf(f, ",\"trace_ns\":%" PRIu64, ev->ts);
}

static void ev_dev(FILE *f, const struct tl_ev *e)
{
	const struct trace_event *ev = e->ev;
	bool port = ev->mflags & KS_MF_PORT, w = ev->mflags & KS_MF_WRITE;

	fprintf(f, ",\"s\":\"t\",\"cat\":\"%s\",\"name\":", port ? "pio" : "mmio");
	json_str(f, e->name);
	fputs(",\"args\":{", f);
	fprintf(f, "\"kind\":\"%s_%c\",\"width\":%u,\"%s\":\"0x%" PRIx64 "\"",
		port ? "PIO" : "MMIO", w ? 'W' : 'R', ev->mflags & KS_MF_WIDTH,
		port ? "port" : "phys", ev->phys);
	if (ev->mflags & KS_MF_NOVALUE)
		fputs(",\"value\":null", f);
	else
		fprintf(f, ",\"value\":\"0x%" PRIx64 "\"", ev->value);
	if (e->dev) {
		fputs(",\"device\":", f);
		json_str(f, e->dev);
		fprintf(f, ",\"bar\":%u,\"offset\":\"0x%" PRIx64 "\"", e->bar, e->off);
	}
	if (e->reg) {
		fputs(",\"register\":", f);
		json_str(f, e->reg);
	}
	if (!port)
		fprintf(f, ",\"map\":%u", ev->map_id);
	fputs(",\"func\":", f);
	json_str(f, e->func);
	if (ev->seq)
		fprintf(f, ",\"seq\":%" PRIu64, ev->seq);
	if (ev->mflags & KS_MF_NET)
		fputs(",\"net\":true", f);
	if (ev->mflags & KS_MF_UNMAPPED)
		fputs(",\"unmapped\":true", f);
	if (ev->mflags & KS_MF_BAD)
		fputs(",\"bad\":true", f);
	args_task(f, ev);
	fputs("}}", f);
}

int tl_json__event(const struct tl_ev *e, void *arg)
{
	struct tl_json *j = arg;
	const struct trace_event *ev = e->ev;
	FILE *f = j->f;

	switch (e->what) {
	case TL_META:
		open_ev(j, "M", e->cpu);
		fprintf(f, ",\"name\":\"thread_name\",\"args\":{\"name\":\"CPU %u\"}}", e->cpu);
		open_ev(j, "M", e->cpu);
		fprintf(f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}",
			e->cpu);
		break;
	case TL_BEGIN:
		open_ev(j, "B", e->cpu);
		fputs(",\"ts\":", f);
		json_ts(f, e->ts);
		fprintf(f, ",\"cat\":\"%s\",\"name\":",
			e->type == TL_FUNC ? "function" : "context");
		json_str(f, e->name);
		fputs(",\"args\":{", f);
		if (!ev)
			fprintf(f, "\"kind\":\"%s\"",
				e->type == TL_FUNC ? "continued" : "context");
		else if (e->type == TL_FUNC)
			fprintf(f, "\"kind\":\"ENTRY\",\"sp\":\"0x%" PRIx64 "\"", ev->sp);
		else
			fputs("\"kind\":\"SWITCH\"", f);
		if (ev)
			args_task(f, ev);
		fputs("}}", f);
		break;
	case TL_END:
		open_ev(j, "E", e->cpu);
		fputs(",\"ts\":", f);
		json_ts(f, e->ts);
		if (ev)
			fprintf(f, ",\"args\":{\"kind\":\"EXIT\",\"exit_sp\":\"0x%" PRIx64 "\"}}",
				ev->sp);
		else
			fputs(",\"args\":{\"end\":\"not seen\"}}", f);
		break;
	case TL_INSTANT:
		open_ev(j, "i", e->cpu);
		fputs(",\"ts\":", f);
		json_ts(f, e->ts);
		switch (e->type) {
		case TL_DEV:
			ev_dev(f, e);
			break;
		case TL_MAP:
			fputs(",\"s\":\"p\",\"cat\":\"map\",\"name\":", f);
			json_str(f, e->name);
			fprintf(f, ",\"args\":{\"kind\":\"MAP\",\"id\":%u,\"phys\":\"0x%" PRIx64
				   "\",\"virt\":\"0x%" PRIx64 "\",\"len\":\"0x%" PRIx64 "\"",
				ev->map_id, ev->phys, ev->addr, ev->len);
			if (ev->mflags & 0xff)
				fprintf(f, ",\"net\":\"%s\"", ks_netmap__name(ev->mflags & 0xff));
			if (ev->mflags & KS_MAP_APERTURE)
				fputs(",\"aperture\":true", f);
			fputs("}}", f);
			break;
		case TL_UNMAP:
			fputs(",\"s\":\"p\",\"cat\":\"map\",\"name\":", f);
			json_str(f, e->name);
			fprintf(f, ",\"args\":{\"kind\":\"UNMAP\",\"id\":%u,\"virt\":\"0x%" PRIx64
				   "\"}}",
				ev->map_id, ev->addr);
			break;
		case TL_MARK:
			fputs(",\"s\":\"g\",\"cat\":\"mark\",\"name\":", f);
			json_str(f, e->name);
			fputs(",\"args\":{\"kind\":\"MARK\",\"text\":", f);
			json_str(f, ev->text);
			fputs("}}", f);
			break;
		case TL_GAP:
			fputs(",\"s\":\"t\",\"cat\":\"lost\",\"name\":\"records lost\","
			      "\"args\":{\"kind\":\"GAP\"}}",
			      f);
			break;
		case TL_LONE_EXIT:
			fputs(",\"s\":\"t\",\"cat\":\"function\",\"name\":", f);
			{
				char *n = xasprintf("%s (exit)", e->name);

				json_str(f, n ? n : e->name);
				free(n);
			}
			fprintf(f, ",\"args\":{\"kind\":\"EXIT\",\"exit_sp\":\"0x%" PRIx64
				   "\",\"entry\":\"not in the trace\"}}",
				ev->sp);
			break;
		default:
			fputs("}", f);
			break;
		}
		break;
	}
	return ferror(f) ? -EIO : 0;
}

int tl_json__end(struct tl_json *j, const struct tl_stats *st, u64 lost)
{
	FILE *f = j->f;

	fprintf(f, "\n],\"otherData\":{\"tool\":\"kstride timeline\",\"version\":\"%s\","
		   "\"trace_events\":%" PRIu64 ",\"accesses_not_shown\":%" PRIu64
		   ",\"exits_without_entry\":%" PRIu64 ",\"slices_closed_unseen\":%" PRIu64
		   ",\"records_lost_in_flight\":%" PRIu64 "}}\n",
		KS_VERSION, st->events, st->accesses, st->lone_exits, st->unclosed, lost);
	free(j);
	return ferror(f) ? -EIO : 0;
}
