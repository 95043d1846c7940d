/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emitter, shared by emit.c (full mode) and emit-mmio.c (MMIO mode):
 * one function's copy being written.
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
};

int add_reloc(struct emitter *e, u64 pos, u32 type, struct elf_sym *sym,
	      s64 addend);
/* The original instruction, copied (relative branches re-encoded). */
int emit_insn(struct emitter *e, const struct insn *in);
/* MMIO mode: @e's function, its checks, stubs and site descriptors. */
int emit__func_mmio(struct emitter *e);

#endif /* KS_REWRITE_EMIT_H */
