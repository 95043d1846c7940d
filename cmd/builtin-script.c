// SPDX-License-Identifier: GPL-2.0
/*
 * kstride script TRACE: one event per line.
 */
#include <getopt.h>

#include "../lib/race/sem.h"
#include "../lib/trace/trace.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride script [options] TRACE\n"
	"\n"
	"Print every event of TRACE, in recording order per thread (user\n"
	"space) or per CPU (kernel):\n"
	"  TID  FUNCTION+0xOFF  KIND  SIZE  ADDRESS  [FLAGS]\n"
	"  [CPU]  SECONDS.NS  COMM-PID  CONTEXT  FUNCTION+0xOFF  KIND  ...\n"
	"CONTEXT is task, softirq, hardirq or nmi; COMM-PID names the task the\n"
	"CPU ran (the interrupted one in interrupt contexts), '?' before the\n"
	"trace tells.  The time is that of the latest function entry or task\n"
	"switch on the CPU, on the kernel's local_clock() scale.  SWITCH\n"
	"lines mark the CPU starting to run COMM-PID.\n"
	"KIND is R (read), W (write) or U (read-modify-write); a string\n"
	"instruction prints one range line, 'xCOUNT' elements going up or down.\n"
	"ENTRY and EXIT lines carry the stack pointer.  FUNCTION+0xOFF is the\n"
	"instruction's place in the original object; 'object.o:FUNCTION' is\n"
	"used where a static name is not unique.\n"
	"\n"
	"Options:\n"
	"  -f, --force   read a trace whose recording did not finish\n"
	"  -h, --help    this text\n";

/*
 * A net catch's pc as kstride.ko named it, "func+0xoff/0xsize [module]",
 * as one field: "func+0xoff/0xsize[module]" (symbols have no spaces).
 */
static void print_pc_text(FILE *f, const char *t)
{
	if (!*t)
		t = "?";
	for (; *t; t++)
		if (*t != ' ')
			fputc(*t, f);
	fputc(' ', f);
}

/*
 * --calls: "fn+0xoff CALL_PRE callee(name=value, ...) seq=N", arguments
 * named by the semantics table (all six registers for other callees);
 * "CALL_POST callee = rax"; the runtime's THREAD start and end.
 */
static int print_call(FILE *f, const struct trace *t,
		      const struct trace_event *ev, const char *name)
{
	const struct ks_site *s = ev->site;
	const struct sem *sem = sem__find(ev->callee);
	char callee[320];
	const char *cn = ev->callee;

	if (s->kind == KS_K_THREAD) {
		fprintf(f, "THREAD %s fs=0x%lx tid=%lu seq=%lu\n",
			ev->args[0] == KS_THREAD_START ? "start" :
			ev->args[0] == KS_THREAD_END ? "end" : "?",
			(unsigned long)ev->args[1], (unsigned long)ev->args[2],
			(unsigned long)ev->cseq);
		return ferror(f) ? -EIO : 0;
	}
	if (!cn) {
		/* a kernel target named by the trace's symbols, if it has them */
		const char *mod = NULL;
		u64 off = 0;
		const char *k = ev->target ? trace__ksym(t, ev->target, &off, &mod) : NULL;

		if (k && !off)
			snprintf(callee, sizeof(callee), "*0x%lx<%s%s%s%s>",
				 (unsigned long)ev->target, k, mod ? " [" : "",
				 mod ? mod : "", mod ? "]" : "");
		else
			snprintf(callee, sizeof(callee), "*0x%lx",
				 (unsigned long)ev->target);
		cn = callee;
	}
	fprintf(f, "%s+0x%x %s %s", name, s->off, ks_kind__name(s->kind), cn);
	if (s->kind == KS_K_CALL_POST) {
		fprintf(f, " = 0x%lx", (unsigned long)ev->args[0]);
	} else if (sem) {
		const char *a = sem->args;
		int k = 0;

		fputc('(', f);
		while (*a && k < 6) {
			size_t n = strcspn(a, ",");

			fprintf(f, "%s%.*s=0x%lx", k ? ", " : "", (int)n, a,
				(unsigned long)ev->args[k]);
			a += n + (a[n] == ',');
			k++;
		}
		fputc(')', f);
	} else {
		fprintf(f, "(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)",
			(unsigned long)ev->args[0], (unsigned long)ev->args[1],
			(unsigned long)ev->args[2], (unsigned long)ev->args[3],
			(unsigned long)ev->args[4], (unsigned long)ev->args[5]);
	}
	if (s->flags & KS_F_CALL_TAIL)
		fputs(" tail", f);
	fprintf(f, " seq=%lu\n", (unsigned long)ev->cseq);
	return ferror(f) ? -EIO : 0;
}

struct script_ctx {
	FILE *f;
	const struct trace *t;
};

static int print_ev(const struct trace_event *ev, void *arg)
{
	const struct script_ctx *sc = arg;
	const struct ks_site *s = ev->site;
	char name[256];
	FILE *f = sc->f;

	trace_func__label(ev->region->func, name, sizeof(name));
	if (ev->kernel) {
		char comm[17], *c;

		snprintf(comm, sizeof(comm), "%s", *ev->comm ? ev->comm : "?");
		for (c = comm; *c; c++)
			if (*c == ' ' || (unsigned char)*c < 0x21)
				*c = '_'; /* one field */
		fprintf(f, "[%03u] ", ev->tid);
		if (ev->ts)
			fprintf(f, "%lu.%09lu ", (unsigned long)(ev->ts / 1000000000),
				(unsigned long)(ev->ts % 1000000000));
		else
			fputs("? ", f);
		if (ev->pid >= 0)
			fprintf(f, "%s-%d ", comm, ev->pid);
		else
			fputs("?-? ", f);
		if (s->kind == KS_K_SWITCH) {
			fputs("task SWITCH\n", f);
			return ferror(f) ? -EIO : 0;
		}
		fprintf(f, "%s ", ks_ctx__name(ev->ctx));
	} else {
		fprintf(f, "%7u ", ev->tid);
	}
	if (s->kind >= KS_K_MMIO_R && s->kind <= KS_K_PIO_W) {
		if (ev->mflags & KS_MF_NET) /* caught by the safety net */
			print_pc_text(f, ev->text);
		else
			fprintf(f, "%s+0x%x ", name, s->off);
		fprintf(f, "%s%s %u", ev->mflags & KS_MF_PORT ? "PIO_" : "MMIO_",
			ev->mflags & KS_MF_WRITE ? "W" : "R",
			ev->mflags & KS_MF_WIDTH);
		if (ev->mflags & KS_MF_PORT)
			fprintf(f, " port=0x%lx", (unsigned long)ev->phys);
		else
			fprintf(f, " phys=0x%lx map=%u virt=0x%lx",
				(unsigned long)ev->phys, ev->map_id,
				(unsigned long)ev->addr);
		if (ev->mflags & KS_MF_NOVALUE)
			fputs(" value=?", f);
		else
			fprintf(f, " value=0x%lx", (unsigned long)ev->value);
		if (ev->mflags & KS_MF_UNMAPPED)
			fputs(" unmapped", f);
		if (ev->mflags & KS_MF_NET)
			fputs(" net", f);
		if (ev->mflags & KS_MF_STEPPED)
			fputs(" stepped", f);
		if (ev->mflags & KS_MF_BAD)
			fputs(" bad", f);
		if (ev->seq)
			fprintf(f, " seq=%lu", (unsigned long)ev->seq);
		if (ev->pc)
			fprintf(f, " pc=0x%lx", (unsigned long)ev->pc);
		fputc('\n', f);
		return ferror(f) ? -EIO : 0;
	}
	if (s->kind == KS_K_MAP || s->kind == KS_K_UNMAP) {
		if (s->kind == KS_K_MAP)
			fprintf(f, "MAP id=%u phys=0x%lx virt=0x%lx len=0x%lx%s%s%s\n",
				ev->map_id, (unsigned long)ev->phys,
				(unsigned long)ev->addr, (unsigned long)ev->len,
				ev->mflags & 0xff ? " net=" : "",
				ev->mflags & 0xff ? ks_netmap__name(ev->mflags & 0xff) : "",
				ev->mflags & KS_MAP_APERTURE ? " aperture" : "");
		else
			fprintf(f, "UNMAP id=%u virt=0x%lx\n", ev->map_id,
				(unsigned long)ev->addr);
		return ferror(f) ? -EIO : 0;
	}
	if (s->kind == KS_K_NETDEV) {
		fprintf(f, "NETDEV %s dev=0x%lx tx=0x%lx queues=%lu stride=0x%lx lock=0x%lx%s\n",
			ev->text, (unsigned long)ev->addr,
			(unsigned long)ev->args[0], (unsigned long)ev->args[1],
			(unsigned long)ev->args[2], (unsigned long)ev->args[3],
			ev->mflags & KS_NETDEV_GONE ? " gone" : "");
		return ferror(f) ? -EIO : 0;
	}
	if (s->kind == KS_K_MARK) {
		fprintf(f, "MARK %s\n", ev->text);
		return ferror(f) ? -EIO : 0;
	}
	if (s->kind == KS_K_CALL_PRE || s->kind == KS_K_CALL_POST ||
	    s->kind == KS_K_THREAD)
		return print_call(f, sc->t, ev, name);
	if (s->kind == KS_K_TICKET) {
		fprintf(f, "%s+0x%x TICKET seq=%lu\n", name, s->off,
			(unsigned long)ev->cseq);
		return ferror(f) ? -EIO : 0;
	}
	if (s->kind == KS_K_ENTRY || s->kind == KS_K_EXIT) {
		fprintf(f, "%s+0x%x %s sp=0x%lx", name, s->off,
			ks_kind__name(s->kind), (unsigned long)ev->sp);
		if (s->kind == KS_K_ENTRY && (s->flags & KS_F_ENTRY_ARGS))
			fprintf(f, " args=0x%lx,0x%lx seq=%lu",
				(unsigned long)ev->args[0],
				(unsigned long)ev->args[1],
				(unsigned long)ev->cseq);
		if (s->kind == KS_K_ENTRY && ev->caller) {
			const char *mod = NULL, *k;
			u64 off = 0;

			k = trace__ksym(sc->t, ev->caller, &off, &mod);
			if (k)
				fprintf(f, " from=%s+0x%lx%s%s%s", k,
					(unsigned long)off, mod ? " [" : "",
					mod ? mod : "", mod ? "]" : "");
			else
				fprintf(f, " from=0x%lx",
					(unsigned long)ev->caller);
		}
		if (s->kind == KS_K_EXIT && (s->flags & KS_F_EXIT_SEQ))
			fprintf(f, " seq=%lu", (unsigned long)ev->cseq);
		fputc('\n', f);
		return ferror(f) ? -EIO : 0;
	}
	fprintf(f, "%s+0x%x %s %u 0x%lx", name, s->off,
		ks_kind__name(s->kind), s->size, (unsigned long)ev->addr);
	if (s->form == KS_A_RANGE)
		fprintf(f, " x%lu %s", (unsigned long)ev->count,
			ev->dir < 0 ? "down" : "up");
	if (s->flags & KS_F_LOCK)
		fputs(" lock", f);
	if (s->flags & KS_F_CMPXCHG)
		fputs(" cmpxchg", f);
	if (s->flags & KS_F_STACK)
		fputs(" stack", f);
	if (s->flags & KS_F_REP)
		fputs(" rep", f);
	if (s->flags & (KS_F_FS | KS_F_GS))
		fputs(s->flags & KS_F_FS ? " fs" : " gs", f);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cmd_script(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct script_ctx sc = { .f = stdout };
	struct trace *t;
	bool force = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "fh", lopts, NULL)) != -1) {
		switch (c) {
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
	sc.t = t;
	err = trace__for_each(t, print_ev, &sc);
	trace__close(t);
	if (fflush(stdout) || err)
		return 1;
	return 0;
}
