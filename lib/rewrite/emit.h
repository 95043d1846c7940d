/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emitter, shared by emit.c, emit-site.c (full mode) and emit-mmio.c
 * (MMIO mode): one function's copy being written.
 */
#ifndef KS_REWRITE_EMIT_H
#define KS_REWRITE_EMIT_H

#include "internal.h"

struct fixup {
	u32 pos; /* rel32 field in the copy buffer */
	u32 insn; /* target instruction */
	bool slow; /* target is region 'insn''s slow path */
	bool back; /* target is region 'insn''s return point */
	bool exit; /* target is exit stub 'insn' */
};

struct emitter {
	struct rw_ctx *ctx;
	struct func *f;
	struct buf *b; /* the copy section's bytes */
	u64 base; /* offset of f's copy in b */
	struct elf_sec *copy;
	VEC(struct fixup) fixups;
	u32 *slow_pos, *back_pos; /* per region */
	u32 *exit_pos; /* per region exit */
	s32 words; /* kernel, full mode: pushed by the stubs at this point */
};

/* Kernel, full mode: the stub just moved %rsp by @delta words (ORC). */
int emit__stack(struct emitter *e, int delta);

/* spill slots (user space: thread-local; kernel: pushes, nested) */
#define SPILL_B 0
#define SPILL_A 1
#define SPILL_RAX 2
#define SPILL_SLOW 3

int spill_save(struct emitter *e, int reg, int slot);
int spill_restore(struct emitter *e, int reg, int slot);
/* a register to borrow inside region @r: rax, or rcx if rax is its cursor */
int spill_reg(const struct region *r);
/* mov %src, slot @slot of @r's record */
int store_slot(struct emitter *e, const struct region *r, int src, int slot);
/* @s in the descriptor strings: its offset in @off */
int emit__str(struct rw_ctx *ctx, const char *s, u32 *off);
/* --calls: the slots of a CALL_PRE or CALL_POST site (emit-call.c) */
int emit_call_site(struct emitter *e, const struct region *r,
		   const struct site *s);
/* --calls: a ticket into @slot, through a borrowed register (a callback's
 * ENTRY and EXIT, where the status flags are undefined) */
int emit_site_ticket(struct emitter *e, const struct region *r, int slot);
/* --calls: a callback's ENTRY: rdi, rsi, a ticket, its return address */
int emit_entry_args(struct emitter *e, const struct region *r, int slot);

/* A relocation in @sec (index @idx) whose code target is resolved later. */
int add_pending(struct rw_ctx *ctx, struct elf_sec *sec, size_t idx,
		struct elf_sec *tsec, u64 toff, s64 bias);
/* A placeholder relocation in the regions section; returns its index. */
size_t pending_reloc(struct rw_ctx *ctx, u64 at, u32 type);
/* emit-desc.c: @f's struct ks_func; a region's (or an exit's) ks_region */
int emit_func_desc(struct rw_ctx *ctx, struct func *f);
int emit_region_desc(struct rw_ctx *ctx, struct func *f,
		     const struct region *r, u32 nsites, u32 *desc_off);

int add_reloc(struct emitter *e, u64 pos, u32 type, struct elf_sym *sym,
	      s64 addend);
/* Point the rel32 field at @pos where @in's branch went (emit.c). */
int emit__branch_target(struct emitter *e, const struct insn *in, size_t pos);
/* emit-site.c, full mode: region @ri's start, which reserves its record */
int emit__prologue(struct emitter *e, struct region *r, u32 ri);
/* the slots of site @s: before its instruction, and after it (post) */
int emit__site_pre(struct emitter *e, const struct region *r,
		   const struct site *s);
int emit__site_post(struct emitter *e, const struct region *r,
		    const struct site *s);
/* the header, written last: the record is complete */
int emit__commit(struct emitter *e, const struct region *r);
/* after the function's body: each region's refill path, each exit's stub */
int emit__slow_paths(struct emitter *e);
int emit__exit_stubs(struct emitter *e);
/* The original instruction, copied (relative branches re-encoded). */
int emit_insn(struct emitter *e, const struct insn *in);
/* MMIO mode: @e's function, its checks, stubs and site descriptors. */
int emit__func_mmio(struct emitter *e);

#endif /* KS_REWRITE_EMIT_H */
