/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handful of instruction forms the instrumentation is made of.  Each
 * emitter appends to a struct buf and, where a relocation is needed, returns
 * the buffer offset of the 32-bit field through @fixup.
 */
#ifndef KS_X86_EMIT_H
#define KS_X86_EMIT_H

#include "insn.h"

#define SEG_NONE 0
#define SEG_FS 0x64
#define SEG_GS 0x65

/* A memory operand: seg:[base + index * scale + disp]; base may be REG_RIP
 * or REG_NONE (absolute disp32). */
struct x86_mem {
	s8 base, index;
	u8 scale;
	u8 seg;
	bool addr32;
	s32 disp;
};

int x86__emit_lea(struct buf *b, int dst, const struct x86_mem *m,
		  size_t *fixup);
int x86__emit_load(struct buf *b, int dst, const struct x86_mem *m,
		   size_t *fixup);
int x86__emit_store(struct buf *b, int src, const struct x86_mem *m,
		    size_t *fixup);
/* mov %src32, mem32 */
int x86__emit_store32(struct buf *b, int src, const struct x86_mem *m,
		      size_t *fixup);
/* cmp r/m64, reg: flags of (reg - mem) */
int x86__emit_cmp_reg_mem(struct buf *b, int reg, const struct x86_mem *m,
			  size_t *fixup);
int x86__emit_mov_rr(struct buf *b, int dst, int src);
int x86__emit_jcc32(struct buf *b, int cc, size_t *fixup);
int x86__emit_jmp32(struct buf *b, size_t *fixup);
int x86__emit_call32(struct buf *b, size_t *fixup);
/* Save/restore the six arithmetic flags in %ah/%al (needs %rax). */
int x86__emit_flags_save(struct buf *b);
int x86__emit_flags_restore(struct buf *b);

int x86__emit_push(struct buf *b, int reg);
int x86__emit_pop(struct buf *b, int reg);
/* pushq $imm32 (sign-extended): the field for a relocation in @fixup */
int x86__emit_push_imm32(struct buf *b, size_t *fixup);
/* mov $imm32, %reg64 (sign-extended) */
int x86__emit_mov_imm(struct buf *b, int reg, s32 imm);
/* mov{q,l} $imm32, mem */
int x86__emit_store_imm(struct buf *b, bool rexw, const struct x86_mem *m,
			s32 imm, size_t *fixup);
/* [lock] xadd %reg64, mem64 */
int x86__emit_xadd(struct buf *b, bool lock, int reg, const struct x86_mem *m,
		   size_t *fixup);
/* bt $bit, %reg64 */
int x86__emit_bt_imm(struct buf *b, int reg, u8 bit);
/* shr $n, %reg64 */
int x86__emit_shr_imm(struct buf *b, int reg, u8 n);
int x86__emit_rdtsc(struct buf *b);
/* a one-byte instruction: pushf (0x9c), popf (0x9d), ret (0xc3) */
int x86__emit_byte(struct buf *b, u8 op);

/* A raw opcode with a ModRM memory operand; @reg is the /digit or register. */
int x86__emit_rm_op(struct buf *b, bool rexw, const u8 *opc, int nopc, int reg,
		    const struct x86_mem *m, size_t *fixup);

#define CC_O 0x0
#define CC_B 0x2
#define CC_A 0x7
#define CC_NE 0x5

static inline struct x86_mem x86_mem_base(int base, s32 disp)
{
	struct x86_mem m = { .base = base, .index = REG_NONE, .disp = disp };

	return m;
}

static inline struct x86_mem x86_mem_seg_abs(int seg, s32 disp)
{
	struct x86_mem m = { .base = REG_NONE, .index = REG_NONE,
			     .seg = seg, .disp = disp };

	return m;
}

#endif /* KS_X86_EMIT_H */
