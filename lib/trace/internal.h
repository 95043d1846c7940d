/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace reader's insides, shared by its two halves: trace.c opens a
 * trace and indexes its chunks and descriptors, walk.c decodes DATA
 * chunks into events (trace__for_each()).
 */
#ifndef KS_TRACE_INTERNAL_H
#define KS_TRACE_INTERNAL_H

#include "trace.h"

struct dump {
	u64 addr;
	u8 *p; /* owned */
	size_t len;
};

struct data_chunk {
	size_t off; /* of the ks_data_hdr */
	u64 records;
	u32 tid, seq;
	u32 cpu, stop; /* kernel: records start below stop */
	u32 flags; /* kernel: KS_SUB_* */
	u64 ts, tsc; /* kernel: completion time, ns and TSC */
};

/* a kernel text symbol (ksyms.c) */
struct ksym {
	u64 addr;
	const char *name, *mod; /* in trace.ksyms_txt; mod NULL: vmlinux */
};

#define CTX_DEPTH 8

/* Kernel: the state of one CPU's stream while it is walked. */
struct cpu_state {
	s32 pid, tgid;
	char comm[17];
	u64 tsc; /* of the latest ENTRY or SWITCH; 0: none yet */
	int top; /* stack of contexts nested by entries and exits */
	struct {
		int ctx;
		s64 depth;
	} st[CTX_DEPTH];
};

struct trace {
	char *path;
	VEC(struct data_chunk) chunks;
	int fd;
	u8 *whole; /* input that cannot seek, read whole */
	u64 size;
	u8 *buf; /* the DATA chunk being walked */
	size_t buf_cap;
	VEC(struct dump) regions_d, funcs_d, strs_d;
	VEC(struct trace_func) funcs;
	struct trace_region *regions; /* hash table, open addressing */
	size_t nregions, cap;
	struct ks_end end;
	bool has_end;
	bool kernel;
	u64 lost; /* kernel records still in flight when copied */
	u64 lost_bytes; /* kernel: bytes of other modules' records */
	u64 tsc_khz; /* kernel: TSC ticks per ms, for timestamps */
	char *pci; /* MMIO: PCIDEV lines (owned) */
	struct ks_net_stats net; /* MMIO: the safety net's account */
	bool has_net;
	struct ks_aperture_stats ap; /* MMIO: apertures counted */
	bool has_ap;
	bool mmio;
	size_t pci_len;
	char *ksyms_txt; /* --calls kernel traces: KS_CHUNK_KSYMS (owned) */
	struct ksym *ksyms; /* sorted by address */
	size_t nksyms;
	struct cpu_state cs; /* kernel: the CPU being walked */
	u32 cs_cpu;
	u64 prev_ts, prev_tsc; /* kernel: the previous sub-buffer's pair */
};

/* trace.c */
const struct trace_region *trace__region_find(struct trace *t, u32 ref);
const char *trace__dump_str(struct trace *t, u64 addr);
int trace__bad(struct trace *t, const char *what, u64 off);
int trace__read(struct trace *t, u64 off, void *dst, size_t len);
/* ksyms.c */
int trace__ksyms_load(struct trace *t, char *txt, size_t len);

#endif /* KS_TRACE_INTERNAL_H */
