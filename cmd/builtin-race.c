// SPDX-License-Identifier: GPL-2.0
/*
 * kstride race TRACE: the data races of a recording made with
 * 'instrument --calls', by happens-before (lib/race).
 */
#include <getopt.h>
#include <malloc.h>

#include "../lib/race/race.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride race [options] TRACE\n"
	"\n"
	"Report the data races in TRACE: pairs of accesses to the same bytes,\n"
	"at least one a write, not both atomic, by two threads, neither of\n"
	"which happens before the other.  Happens-before comes from the calls\n"
	"out of the traced code (lock and unlock, thread create and join,\n"
	"semaphores, completions, work and timers), which the objects must have\n"
	"been instrumented to record: 'kstride instrument --calls'.  Memory\n"
	"from an allocator is new when allocated, so its reuse is no race; a\n"
	"free is a write of the whole object.  Each race is reported once per\n"
	"pair of instructions, with how often it was seen, most frequent first.\n"
	"See kstride-race(1) for the semantics table and what is not seen.\n"
	"\n"
	"Options:\n"
	"      --stack        also check implicit stack accesses (push, pop,\n"
	"                     call, ret), which no other thread normally sees\n"
	"  -f, --force        read a trace whose recording did not finish\n"
	"  -q, --quiet        no summary line\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 no race, 1 races reported, 2 usage or trace errors.\n";

static void print_side(const char *what, const struct race_side *s)
{
	char fn[160] = "?", who[64];

	if (s->func)
		trace_func__label(s->func, fn, sizeof(fn));
	if (!s->ctx)
		snprintf(who, sizeof(who), "thread %u", s->tid);
	else if (s->ctx == KS_CTX_TASK)
		snprintf(who, sizeof(who), "task %s-%u", s->comm, s->tid);
	else
		snprintf(who, sizeof(who), "%s on CPU %u", ks_ctx__name(s->ctx),
			 s->tid);
	printf("  %-9s %s%s of %u by %s at %s+0x%x%s, locks held: %s\n",
	       what, s->atomic ? "atomic " : "",
	       s->kind == KS_K_W ? "write" : "read", s->size, who, fn,
	       s->off, s->free ? " (free)" : "", s->locks);
}

int cmd_race(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "stack", no_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct race_opts opts = {};
	struct race_report *rep = NULL;
	struct race_stats st;
	bool force = false, quiet = false;
	struct trace *t;
	size_t n = 0, i;
	u64 total = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "fqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			opts.stack = true;
			break;
		case 'f':
			force = true;
			break;
		case 'q':
			quiet = true;
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
		return 2;
	/*
	 * The per-thread event lists grow to gigabytes by doubling.  With
	 * malloc's threshold fixed, each stays a mapping of its own that
	 * realloc moves with mremap; with the default (a threshold that
	 * rises after frees) glibc copied them, and faulting in the copies
	 * was most of the detector's time.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	err = race__detect(t, &opts, &rep, &n, &st);
	if (err == -EMEDIUMTYPE) {
		ks_err("%s: no call records: instrument the objects with 'kstride instrument --calls', then record again",
		       argv[optind]);
		trace__close(t);
		return 2;
	}
	if (err) {
		ks_err("%s: %s", argv[optind], strerror(-err));
		trace__close(t);
		return 2;
	}
	for (i = 0; i < n; i++) {
		total += rep[i].count;
		printf("race %zu: %lu time%s, at 0x%lx\n", i + 1,
		       (unsigned long)rep[i].count, rep[i].count == 1 ? "" : "s",
		       (unsigned long)rep[i].addr);
		print_side("earlier", &rep[i].a);
		print_side("later", &rep[i].b);
	}
	if (!quiet)
		fprintf(stderr,
			"kstride race: %zu race%s (%lu times); %lu accesses, %lu calls (%lu known to the table), %lu allocations, %lu frees, %lu threads\n",
			n, n == 1 ? "" : "s", (unsigned long)total,
			(unsigned long)st.accesses, (unsigned long)st.calls,
			(unsigned long)(st.calls - st.unknown_calls),
			(unsigned long)st.allocs, (unsigned long)st.frees,
			(unsigned long)st.threads);
	if (!quiet && st.caller_locks)
		fprintf(stderr,
			"kstride race: %lu callbacks ran under what their kernel caller holds (rtnl, transmit locks, their own work, timer or NAPI)\n",
			(unsigned long)st.caller_locks);
	if (!quiet && st.netdevs)
		fprintf(stderr,
			"kstride race: %lu net devices' transmit queues located; %lu lock calls on one of them, each its device's transmit lock\n",
			(unsigned long)st.netdevs, (unsigned long)st.tx_locks);
	if (!quiet && st.device)
		fprintf(stderr,
			"kstride race: %lu accesses to device memory (ioremap) not checked: registers are not memory\n",
			(unsigned long)st.device);
	if (!quiet && st.device_signals)
		fprintf(stderr,
			"kstride race: %lu runs of stores to device memory ordered before the %lu interrupt handler starts and %lu runs of loads from DMA-coherent memory after them\n",
			(unsigned long)st.device_signals, (unsigned long)st.irq_waits,
			(unsigned long)st.dma_waits);
	if (!quiet && st.lost_marks)
		fprintf(stderr,
			"kstride race: records were dropped: %lu events of those CPUs left out up to their next task switch, and %lu contexts not checked from there until they enter a callback from the kernel again (%lu accesses left out)\n",
			(unsigned long)st.unsure_events, (unsigned long)st.lost_marks,
			(unsigned long)st.lost_accesses);
	/*
	 * A dropped record may have held a lock's release or a free: what
	 * followed can then look unordered.  Said always, even with -q.
	 */
	if (trace__end(t) && (trace__end(t)->dropped_regions || trace__end(t)->dropped_bytes))
		ks_warn("%s: %lu records (%lu events) were dropped while recording: races through them are missed, and a lost synchronisation can report a race that is not one; record with larger rings (kstride record -b N)",
			argv[optind], (unsigned long)trace__end(t)->dropped_regions,
			(unsigned long)trace__end(t)->dropped_events);
	free(rep);
	trace__close(t);
	if (fflush(stdout))
		return 2;
	return n ? 1 : 0;
}
