/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rewriter: public interface.
 */
#ifndef KS_REWRITE_H
#define KS_REWRITE_H

#include "../util/util.h"

enum rw_target {
	RW_TARGET_AUTO, /* kernel if the object is a module (.modinfo) */
	RW_TARGET_USER, /* %fs-based thread state, red zone respected */
	RW_TARGET_KERNEL, /* %gs-based per-CPU state, spills on the stack */
};

struct rw_opts {
	size_t sz; /* sizeof(struct rw_opts), so the struct can grow */
	enum rw_target target;
	bool no_stack; /* drop implicit and rsp-based stack accesses */
	bool no_func_events; /* no entry/exit events */
	/*
	 * Unknown instructions.  By default a function that holds one is left
	 * original (warned once per object, counted), and only an object in
	 * which no function decodes is refused; strict refuses any,
	 * allow_unknown none.
	 */
	bool allow_unknown;
	bool strict;
	bool mmio; /* kernel: record device accesses only, with values */
	bool calls; /* CALL_PRE/POST around calls out of the object */
	/*
	 * MMIO mode: called for each function left original that may
	 * reach a device (its accesses go untraced), e.g. to warn.
	 */
	void (*lost)(void *arg, const char *obj, const char *func, u64 off,
		     const char *reason);
	void *lost_arg;
	/* an archive's member @i of @n is next (NULL: no progress shown) */
	void (*progress)(void *arg, size_t i, size_t n, const char *member);
	void *progress_arg;
	/* tests only: one unpaired push in each copy's first region or
	 * MMIO stub, which the stack check must catch */
	bool test_unbalance;
};

/* Why a function was left original.  Keep in sync with rw_skip_names[]. */
enum rw_skip {
	SKIP_UNDECODABLE,
	SKIP_UNSUPPORTED_INSN,
	SKIP_BAD_BRANCH_TARGET,
	SKIP_UNKNOWN_DATA_REF,
	SKIP_REF_MID_INSN,
	SKIP_RELOC_STRADDLE,
	SKIP_REG_PRESSURE,
	SKIP_EMPTY,
	SKIP_ALT_BRANCH,
	SKIP_NOINSTR,
	SKIP_MMIO_NONE,
	SKIP_UNKNOWN_SECTION,
	SKIP_VERIFY,
	SKIP_CFI,
	NR_SKIP,
};

extern const char *const rw_skip_names[NR_SKIP];

struct rw_stats {
	u64 objects;
	u64 funcs, funcs_done, funcs_skipped;
	u64 skip[NR_SKIP];
	u64 insns, sites, regions;
	u64 spills, flag_saves;
	u64 got_loads_dropped;
	u64 jump_tables, cold_parts;
	u64 bytes_in, bytes_out;
	/* MMIO mode: checked memory operands (emulated or not), port I/O
	 * instructions, accessor calls, operands never checked (strings) */
	u64 mmio_checked, mmio_emulated, mmio_pio, mmio_helpers;
	u64 mmio_unchecked;
	u64 calls_out; /* --calls: call sites that record */
	u64 callbacks; /* --calls: functions whose address is taken */
	u64 tickets; /* --calls, kernel: stores followed by a TICKET */
	u64 padding; /* __pfx_ symbols of call padding: not functions */
};

void rw_stats__add(struct rw_stats *to, const struct rw_stats *from);
void rw_stats__print(const struct rw_stats *st, FILE *f, const char *indent);

/**
 * rewrite__object() - instrument one ELF relocatable object image.
 * @name: display name ("libz.a(deflate.o)")
 * @in/@insize: the input image
 * @opts: options
 * @out: receives the output image
 * @stats: counters are added here
 * @syms: if non-NULL, receives the defined global symbol names (for an
 *        archive index); free with rewrite__free_syms()
 */
int rewrite__object(const char *name, const u8 *in, size_t insize,
		    const struct rw_opts *opts, struct buf *out,
		    struct rw_stats *stats, char ***syms, size_t *nsyms);
void rewrite__free_syms(char **syms, size_t n);

/**
 * rewrite__file() - instrument a .o, .ko or .a file into @outpath.
 * The output is written atomically: on any error @outpath is untouched.
 */
int rewrite__file(const char *inpath, const char *outpath,
		  const struct rw_opts *opts, struct rw_stats *stats);

/*
 * What a rewrite's output depends on besides its input and options: this
 * kstride's version and ABI, and its decoder's version (a cache key part).
 */
const char *rewrite__version(void);

#endif /* KS_REWRITE_H */
