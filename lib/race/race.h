/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 'kstride race': an offline happens-before race detector over a trace
 * recorded with --calls (abi.h, part 6).  Vector clocks per thread, in the
 * way of FastTrack (one epoch per last write, reads per thread); the
 * synchronisation order comes from the calls' tickets; what a call means
 * comes from the semantics table (sem.h).
 */
#ifndef KS_RACE_H
#define KS_RACE_H

#include "../trace/trace.h"

/* One side of a race: where, what, by whom, holding what. */
struct race_side {
	const struct trace_func *func; /* NULL: kstride's own (a free) */
	u32 off;
	u8 kind; /* KS_K_R, KS_K_W */
	u8 size;
	bool atomic;
	bool free; /* the access is a free() of the object */
	u32 tid; /* user: thread; kernel: pid, or an interrupt's CPU */
	int ctx; /* kernel: enum ks_ctx (task, softirq, hardirq, nmi); 0 user */
	char comm[17]; /* kernel tasks: the name */
	char locks[96]; /* "0x...,0x..." or "none" */
};

struct race_report {
	struct race_side a, b; /* a: the earlier access, b: the later */
	u64 addr; /* the first address it was seen at */
	u64 count; /* times seen (by this pair of instructions) */
};

struct race_stats {
	u64 accesses, syncs, calls, threads;
	u64 allocs, frees;
	u64 unknown_calls; /* calls to functions the table does not know */
	u64 device; /* accesses to ioremap()ed device memory, not checked */
	u64 device_signals; /* ...runs of stores there, each a signal (sem.h) */
	u64 irq_waits; /* interrupt handlers' starts, each waiting for them */
	u64 dma_waits; /* ...and runs of loads from DMA-coherent memory */
	u64 lost_marks; /* contexts that lost records: unchecked until a callback */
	u64 lost_accesses; /* ...and their accesses meanwhile, not checked */
	u64 unsure_events; /* a CPU's events from a loss to a task switch */
	u64 caller_locks; /* held by the kernel around callbacks (sem_caller) */
	u64 netdevs; /* net devices whose transmit queues the trace locates */
	u64 tx_locks; /* ...lock calls on one of their queues: tx(dev) */
};

struct race_opts {
	bool stack; /* also check accesses through the stack pointer (push...) */
};

/**
 * race__detect() - find the races in @t.
 * @reports: sorted (most frequent first), deduplicated by instruction pair;
 *           free with free()
 * Returns 0, -EMEDIUMTYPE if the trace has no call records, or -errno.
 */
int race__detect(struct trace *t, const struct race_opts *opts,
		 struct race_report **reports, size_t *nreports,
		 struct race_stats *st);

#endif /* KS_RACE_H */
