/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewriter internals, shared by the phase files:
 *   scan.c   find functions, decode them
 *   refs.c   classify every relocation that reaches code; jump tables
 *   live.c   basic blocks and register/flag liveness
 *   plan.c   group accesses into regions, pick scratch registers
 *   emit.c   write the instrumented copies and their descriptors
 *            (emit-site.c: a region's record; emit-mmio.c: MMIO mode;
 *            emit-call.c: --calls; emit-desc.c: the descriptors)
 *   cfi.c    unwind information for the copies (cfa.c: CFA programs;
 *            cfi-emit.c: the new FDEs; lsda.c: C++ tables; dwarf.c)
 *   finish.c retarget symbols and relocations, patch original entries
 */
#ifndef KS_REWRITE_INTERNAL_H
#define KS_REWRITE_INTERNAL_H

#include <kstride/abi.h>

#include "../arch/x86/insn.h"
#include "../elf/elf.h"
#include "rewrite.h"

#define NO_INSN UINT32_MAX
#define JL_OUTSIDE (UINT32_MAX - 1) /* jl_target: into another body */
enum { VB_INSIDE = 1, VB_START = 2 }; /* func->verbatim[] */

/* One recorded value in a region. */
struct site {
	u32 insn; /* index in func->insns */
	s8 acc; /* index in insn->acc, or -1 for ENTRY/EXIT */
	u8 kind; /* KS_K_* */
	u8 flags;
	u16 size;
	u8 slot; /* first slot */
	u8 nslots;
	u8 form; /* KS_A_* */
	u8 scale;
	s32 disp;
	s8 areg; /* lea scratch for base+index, REG_NONE: two slots */
	/* CALL_PRE/POST (--calls): see struct call_out */
	const char *callee;
	s8 treg, tacc;
};

/* MMIO mode: one instruction that may reach a device (see abi.h, 5.). */
struct msite {
	u32 insn;
	u8 op; /* enum ks_mop */
	u8 size;
	u8 kind; /* KS_K_MMIO_R/W, KS_K_PIO_R/W */
	bool check; /* a memory operand: inline check, stub out of line */
	bool tail; /* HELPER reached by a tail jump */
	s8 treg; /* the check's scratch register */
	bool tspill; /* ...pushed around the check: none was dead */
	bool fsave; /* flags live: pushfq/popfq around the check */
	u32 helper; /* enum ks_helper */
	struct elf_sym *fn; /* HELPER: the accessor */
	u32 region_off, msite_off; /* descriptors */
	u32 stub_pos, back_pos; /* in the copy, from its start */
	/* where its code moves %rsp: ORC entries for the copy (meta.c) */
	u8 norc;
	u32 orc_pos[12];
	s8 orc_push[12]; /* words pushed from there on */
};

/*
 * Kernel, full mode: from copy offset @pos on, the stubs have @words more
 * on the stack than the original had at that point (ORC, meta.c).
 */
struct orc_mark {
	u32 pos;
	s32 words;
};

struct region {
	u32 first, last; /* instruction indices */
	u32 site0, nsites; /* into func->sites */
	u8 nslots;
	s8 breg; /* cursor register */
	bool bspill; /* breg was live: saved in a spill slot around */
	bool fsave; /* flags live at the prologue: lahf/sahf */
	bool rax_spill; /* rax live and needed for fsave */
	s8 hreg; /* header scratch, REG_NONE: spilled */
	bool hfirst; /* header written in the prologue, not before 'last' */
	bool post; /* last insn has string sites stored after it */
	bool after; /* a CALL_POST's: emitted after its one insn, a call */
	bool before; /* an ENTRY's of its own: branches inside skip it */
	u32 desc_off; /* offset of its ks_region in the regions section */
	u32 exit0, nexits; /* into func->exits */
	u32 slow_off; /* copy offset of its slow path (emit-site.c) */
	s32 slow_words; /* kernel: pushed when its slow path is taken */
	/* user space: where its slow path has moved %rsp down past the red
	 * zone, and back up (cfi-emit.c) */
	u32 slow_down, slow_up;
};

/*
 * A conditional branch inside a region: its taken edge goes through a stub
 * that commits a header describing only the sites stored so far.
 */
struct region_exit {
	u32 insn; /* the jcc */
	u32 nsites; /* sites of the region before it */
	s8 hreg; /* dead at the target, REG_NONE: spill */
	u32 desc_off;
	u32 stub_off; /* copy offset of its stub (emit-site.c) */
	s32 words; /* kernel: pushed when it is taken */
};

/* A place in code that another place refers to. */
struct code_ref {
	struct elf_sec *sec;
	u64 off;
};

struct jump_table {
	struct elf_sec *sec; /* where the table lives */
	u64 base; /* table start (anchor for entries) */
	u64 nent;
};

struct func {
	struct elf_sec *sec;
	u64 start, size;
	const char *name; /* primary name */
	struct elf_sym **syms; /* every symbol that names our start */
	size_t nsyms;
	bool cold;
	bool addr_taken; /* --calls: its address is stored or passed (calls.c) */
	bool tail_of_cb; /* --calls: a callback tail-jumps to it (calls.c) */
	bool tails_out; /* --calls: it tail-calls out of the object */

	struct insn *insns;
	u32 ninsns;
	u32 *at; /* byte offset -> insn index, NO_INSN if not a boundary */
	bool *join; /* insn is reached other than by falling through */
	bool *entry_ref; /* insn is reached from outside (jump table, cold) */
	bool *glue; /* no instrumentation before this insn (TLS sequences) */
	/* in a patch site: untouched, assume anything (VB_START: its first) */
	u8 *verbatim;
	bool *branchy; /* a jump label site: may become a jmp */
	u32 *jl_target; /* ...to this insn, or JL_OUTSIDE */
	u32 *live; /* live-in: gpr bits 0-15, flags << 16 */
	u16 clobber; /* caller-saved registers it may change, callees included */
	bool has_tables; /* indirect jumps may go to entry_ref insns */

	VEC(struct site) sites;
	VEC(struct region) regions;
	VEC(struct region_exit) exits;
	VEC(struct msite) msites; /* MMIO mode instead of sites and regions */
	VEC(struct orc_mark) marks; /* kernel, full mode: the stubs' pushes */

	const char *skip; /* reason (rw_skip_names), NULL if instrumented */
	enum rw_skip skip_why;
	u64 skip_at; /* the section offset the reason is about */

	/* emission */
	struct elf_sec *copy; /* copy section */
	u64 copy_off, copy_size;
	u64 body_size; /* the copied body; out-of-line code follows */
	u32 *map_start; /* insn -> copy offset of its instrumentation */
	u32 *map_insn; /* insn -> copy offset of the copied instruction */
	u32 func_desc; /* offset of its ks_func in the funcs section */
	/* the entry insn is a loop head: where branches inside go, past the
	 * ENTRY region (NO_INSN: it is not) */
	u32 loop_insn, loop_off;
};

/* A relocation whose target is decided once every copy is placed. */
struct pending {
	struct elf_sec *sec; /* section the relocation applies to */
	size_t idx; /* index in sec->rela->relocs */
	struct elf_sec *tsec;
	u64 toff; /* referenced place in the original layout */
	s64 bias; /* addend = resolved offset - bias */
};

/*
 * A code section that holds no function symbol (.altinstr_replacement,
 * .altinstr_aux), decoded once from its start: its branches may enter
 * bodies (refs__outside_insn()).
 */
struct xcode {
	struct elf_sec *sec;
	struct insn *insns;
	u32 n;
	bool bad; /* something did not decode: no reference is exact */
};

struct meta_table;

struct rw_ctx {
	struct elf_obj *obj;
	const struct rw_opts *opts;
	struct rw_stats *st;
	VEC(struct func) funcs;
	VEC(struct jump_table) tables;
	VEC(struct pending) pendings;
	VEC(struct xcode) xcode;
	/* new sections */
	struct elf_sec *regions, *fdescs, *strs, *msites;
	struct buf regions_buf, fdescs_buf, strs_buf, msites_buf;
	struct elf_sym *tls_sym, *refill_sym, *preempt_sym, *seq_sym;
	const char *objname; /* member name for descriptors */
	bool kernel; /* RW_TARGET_KERNEL, resolved */
	bool rt; /* ...for a PREEMPT_RT kernel (its vermagic) */
	/* .altinstructions as this object lays it out (meta.c), or NULL */
	const struct meta_table *alt;
	struct cfi *cfi; /* .eh_frame, user space (cfi.c) */
	u32 nunknown; /* functions with an unknown instruction (scan.c) */
	struct flow_cache *flows; /* verify.c's decoded copies, by bytes */
};

/* scan.c */
int scan__functions(struct rw_ctx *ctx);
struct func *func__at(struct rw_ctx *ctx, struct elf_sec *sec, u64 off);
bool func__is_endbr(const struct func *f, u32 i);
u32 func__endbr_around(const struct func *f, u64 off);
/* The instruction of @f that holds section offset @off, or NO_INSN. */
u32 func__insn_containing(const struct func *f, u64 off);
void func__skip(struct rw_ctx *ctx, struct func *f, enum rw_skip why,
		const char *detail, u64 at);

/* refs.c */
int refs__scan(struct rw_ctx *ctx);
/*
 * The section offset a relocation in code refers to, if exact: returns
 * true and sets *ref.  For PC-relative fields the instruction end is used.
 */
bool refs__code_target(struct rw_ctx *ctx, struct elf_sec *sec,
		       const struct insn *insn, const struct elf_reloc *r,
		       struct code_ref *ref);
/*
 * The instruction of a function-less code section whose relocated field
 * @r is (a rel32 or RIP-relative displacement), or NULL.
 */
const struct insn *refs__outside_insn(struct rw_ctx *ctx, struct elf_sec *sec,
				      const struct elf_reloc *r);
bool reloc__is_pcrel(u32 type);
bool reloc__is_abs(u32 type);
bool reloc__is_got(u32 type);

/* live.c */
void live__clobbers(struct rw_ctx *ctx);
bool live__is_return_thunk(const struct func *f, const struct insn *in);
u16 live__thunk_reads(const struct func *f, const struct insn *in);
int live__compute(struct rw_ctx *ctx, struct func *f);

/* calls.c: a call or tail jump out of the object (abi.h, part 6) */
struct call_out {
	const char *name; /* the callee, NULL if indirect */
	u8 flags; /* KS_F_CALL_* */
	s8 treg; /* indirect through this register, or REG_NONE */
	s8 tacc; /* ...or through this memory operand (insn->acc), or -1 */
};
bool calls__out(struct rw_ctx *ctx, const struct func *f, u32 i,
		struct call_out *c);
/*
 * Mark the functions whose address the object takes (callbacks), and
 * those that tail-call out of it (wrappers: their callers record too).
 */
void calls__addr_taken(struct rw_ctx *ctx);
struct func *calls__tail_target(struct rw_ctx *ctx, const struct func *f,
				const struct insn *in);

/* plan.c */
int plan__func(struct rw_ctx *ctx, struct func *f);
int mmio__plan_func(struct rw_ctx *ctx, struct func *f);
/* Might @f reach a device (what mmio__plan_func() would record)? */
bool mmio__may_reach_device(const struct func *f);

/* emit.c */
int emit__all(struct rw_ctx *ctx);
/* Where (section symbol, offset) a code reference must now point. */
void emit__resolve(struct rw_ctx *ctx, struct elf_sec *sec, u64 off,
		   bool exact_insn, struct elf_sym **sym, u64 *newoff);

/* verify.c */
/*
 * Check @f's copy (its bytes at @code, its relocations from index @nrel0
 * of the copy section's) against the original; a copy that fails leaves
 * @f original (SKIP_VERIFY), with a warning.
 */
int verify__copy(struct rw_ctx *ctx, struct func *f, const u8 *code,
		 size_t nrel0);

/* meta.c */
struct meta_table;
const struct meta_table *meta__table(const struct elf_sec *sec);
void meta__patch_sites(struct rw_ctx *ctx);
bool meta__ref(struct rw_ctx *ctx, struct elf_sec *sec,
	       const struct elf_reloc *r);
int meta__finish(struct rw_ctx *ctx);
int meta__check_layouts(struct rw_ctx *ctx, const char *name);
/* A module section whose references into code are understood. */
bool meta__section_known(const struct elf_sec *sec);

/* cfi.c: .eh_frame and .gcc_except_table for the copies (user space) */
int cfi__scan(struct rw_ctx *ctx);
int cfi__emit(struct rw_ctx *ctx);
void cfi__free(struct rw_ctx *ctx);

/* finish.c */
int finish__retarget(struct rw_ctx *ctx);

#endif /* KS_REWRITE_INTERNAL_H */
