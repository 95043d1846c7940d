/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading kstride traces: descriptors, records, decoded events.
 * Every structure read from the file is bounds-checked; a corrupt or
 * truncated file yields an error that says where and why.
 */
#ifndef KS_TRACE_H
#define KS_TRACE_H

#include <kstride/abi.h>

#include "../util/util.h"

struct trace_func {
	u64 addr; /* run-time address of its ks_func */
	const char *name, *object;
	u32 size, flags;
	bool ambiguous; /* another function has the same name */
};

struct trace_region {
	u64 addr; /* run-time address of its ks_region */
	u32 nsites, nslots;
	const struct ks_site *site; /* into the trace image */
	struct trace_func *func;
};

/* Kernel traces: what ran (see "Who ran, and when" in abi.h). */
enum ks_ctx {
	/* the values of KS_MF_CTX in device records too */
	KS_CTX_UNKNOWN = 0, /* before the CPU's first ENTRY or SWITCH */
	KS_CTX_TASK,
	KS_CTX_SOFTIRQ,
	KS_CTX_HARDIRQ,
	KS_CTX_NMI,
};

struct trace_event {
	u32 tid; /* user: thread id; kernel: CPU */
	const struct trace_region *region;
	const struct ks_site *site;
	u64 addr; /* linear address (range: lowest address) */
	u64 count; /* accesses: 1, or elements of a range */
	int dir; /* ranges: +1 up, -1 down, 0 empty */
	u64 sp; /* ENTRY/EXIT: stack pointer */
	/* kernel traces only */
	bool kernel;
	u64 ts; /* ns, local_clock() base; 0 if unknown */
	int ctx; /* enum ks_ctx */
	s32 pid, tgid; /* of the task the CPU ran; -1 if unknown */
	const char *comm; /* its name, "" if unknown */
	/* device records (KS_K_MMIO_R ... KS_K_MARK), ts their own */
	u64 phys, value, len; /* MAP: phys, virt in addr, len */
	u32 map_id, mflags; /* KS_MF_*; MAP: enum ks_net_map */
	u64 seq; /* MMIO/PIO: place in the global order, 0 if not known */
	u64 pc; /* MMIO/PIO: the instruction's run-time address, or 0 */
	/* MARK; net catches: the faulting pc; NETDEV: the device's name */
	char text[KS_MARK_TEXT + 1];
	bool gap; /* kernel: records were dropped on this CPU right before */
	/*
	 * CALL_PRE, CALL_POST (--calls) and THREAD (abi.h, part 6): the
	 * ticket, the callee's name (NULL: indirect), an indirect call's
	 * target, and the values: CALL_PRE rdi, rsi, rdx, rcx, r8, r9;
	 * CALL_POST rax, rdx; THREAD what (KS_THREAD_*), fs base, tid.
	 * NETDEV: the net_device in addr, args tx, queues, stride and the
	 * lock's offset, mflags KS_NETDEV_GONE.
	 */
	u64 cseq;
	const char *callee;
	u64 target;
	u64 args[6];
	/* a callback's ENTRY (KS_F_ENTRY_ARGS): its return address, or 0 */
	u64 caller;
};

struct trace;

/**
 * trace__open() - read and index a trace file.
 * @force: accept a trace without its end marker (interrupted recording)
 */
int trace__open(const char *path, bool force, struct trace **tp);
void trace__close(struct trace *t);

typedef int (*trace_cb)(const struct trace_event *ev, void *arg);
/* Decode every record in file order; stops at the first non-zero return. */
int trace__for_each(struct trace *t, trace_cb cb, void *arg);

/* "name" or "object:name" when the name is ambiguous. */
void trace_func__label(const struct trace_func *f, char *buf, size_t len);

const struct ks_end *trace__end(const struct trace *t);
/* Kernel records that were still being written when their buffer was copied. */
u64 trace__lost(const struct trace *t);
/* Kernel: bytes of records of modules whose descriptors the trace lacks. */
u64 trace__lost_bytes(const struct trace *t);
const char *ks_kind__name(u8 kind);
const char *ks_ctx__name(int ctx);
/* What the safety net did with a mapping (MAP records' enum ks_net_map). */
const char *ks_netmap__name(unsigned int v);
/* MMIO traces: the PCIDEV lines recorded with them, or "" */
const char *trace__pci(const struct trace *t);
/* MMIO traces: the safety net's account, NULL if it was off. */
const struct ks_net_stats *trace__net(const struct trace *t);
/* MMIO traces: accesses to apertures counted, not recorded; or NULL. */
const struct ks_aperture_stats *trace__apertures(const struct trace *t);
bool trace__mmio(const struct trace *t);
/*
 * Kernel traces with KS_CHUNK_KSYMS: the kernel text symbol holding
 * @addr, its offset in *@off and its module (NULL: vmlinux) in *@mod;
 * NULL when the trace has no such symbol.
 */
const char *trace__ksym(const struct trace *t, u64 addr, u64 *off,
			const char **mod);
/* a kernel trace (kstride.ko's rings), not a user program's */
bool trace__kernel(const struct trace *t);

#endif /* KS_TRACE_H */
