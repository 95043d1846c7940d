// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal x86-64 encoder for the instrumentation's own instructions.
 * Original instructions are never re-encoded: they are copied, and only
 * their branch or RIP-relative fields are patched by the caller.
 */
#include "emit.h"

static bool fits8(s64 v)
{
	return v >= -128 && v <= 127;
}

/*
 * Encode [prefixes] REX opcode ModRM [SIB] [disp] for a register @reg and a
 * memory operand @m.  @rexw sets REX.W.
 */
static int emit_rm(struct buf *b, bool rexw, const u8 *opc, int nopc, int reg,
		   const struct x86_mem *m, size_t *fixup)
{
	u8 tmp[16], rex = 0x40 | (rexw ? 8 : 0), modrm, sib = 0;
	int n = 0, mod, rm, dispsz;
	bool need_sib = false;

	if (m->seg)
		tmp[n++] = m->seg;
	if (m->addr32)
		tmp[n++] = 0x67;
	if (reg & 8)
		rex |= 4;

	if (m->base == REG_RIP) {
		if (m->index != REG_NONE)
			return -EINVAL;
		mod = 0;
		rm = 5;
		dispsz = 4;
	} else if (m->base == REG_NONE) {
		mod = 0;
		rm = 4;
		need_sib = true;
		sib = 5; /* no base */
		dispsz = 4;
	} else {
		rm = m->base & 7;
		if (m->base & 8)
			rex |= 1;
		if (m->disp == 0 && rm != 5) {
			mod = 0;
			dispsz = 0;
		} else if (fits8(m->disp)) {
			mod = 1;
			dispsz = 1;
		} else {
			mod = 2;
			dispsz = 4;
		}
		if (rm == 4)
			need_sib = true;
		sib = rm;
	}
	if (m->index != REG_NONE) {
		int ss;

		if (m->index == REG_RSP || m->index == REG_RIP)
			return -EINVAL;
		switch (m->scale) {
		case 0:
		case 1:
			ss = 0;
			break;
		case 2:
			ss = 1;
			break;
		case 4:
			ss = 2;
			break;
		case 8:
			ss = 3;
			break;
		default:
			return -EINVAL;
		}
		need_sib = true;
		rm = 4;
		sib = (ss << 6) | ((m->index & 7) << 3) | (sib & 7);
		if (m->index & 8)
			rex |= 2;
	} else if (need_sib) {
		sib = (4 << 3) | (sib & 7);
	}
	modrm = (mod << 6) | ((reg & 7) << 3) | rm;
	if (rex != 0x40)
		tmp[n++] = rex;
	memcpy(tmp + n, opc, nopc);
	n += nopc;
	tmp[n++] = modrm;
	if (need_sib)
		tmp[n++] = sib;
	if (dispsz == 1) {
		tmp[n++] = (u8)m->disp;
	} else if (dispsz == 4) {
		if (fixup)
			*fixup = b->len + n;
		memcpy(tmp + n, &m->disp, 4);
		n += 4;
	}
	return buf__append(b, tmp, n);
}

int x86__emit_rm_op(struct buf *b, bool rexw, const u8 *opc, int nopc, int reg,
		    const struct x86_mem *m, size_t *fixup)
{
	return emit_rm(b, rexw, opc, nopc, reg, m, fixup);
}

int x86__emit_lea(struct buf *b, int dst, const struct x86_mem *m,
		  size_t *fixup)
{
	static const u8 op = 0x8d;
	struct x86_mem mm = *m;

	mm.seg = 0; /* lea ignores segments */
	return emit_rm(b, true, &op, 1, dst, &mm, fixup);
}

int x86__emit_load(struct buf *b, int dst, const struct x86_mem *m,
		   size_t *fixup)
{
	static const u8 op = 0x8b;

	return emit_rm(b, true, &op, 1, dst, m, fixup);
}

int x86__emit_store(struct buf *b, int src, const struct x86_mem *m,
		    size_t *fixup)
{
	static const u8 op = 0x89;

	return emit_rm(b, true, &op, 1, src, m, fixup);
}

int x86__emit_store32(struct buf *b, int src, const struct x86_mem *m,
		      size_t *fixup)
{
	static const u8 op = 0x89;

	return emit_rm(b, false, &op, 1, src, m, fixup);
}

int x86__emit_cmp_reg_mem(struct buf *b, int reg, const struct x86_mem *m,
			  size_t *fixup)
{
	static const u8 op = 0x3b;

	return emit_rm(b, true, &op, 1, reg, m, fixup);
}

int x86__emit_mov_rr(struct buf *b, int dst, int src)
{
	u8 t[3];

	t[0] = 0x48 | ((src & 8) ? 4 : 0) | ((dst & 8) ? 1 : 0);
	t[1] = 0x89;
	t[2] = 0xc0 | ((src & 7) << 3) | (dst & 7);
	return buf__append(b, t, 3);
}

int x86__emit_jcc32(struct buf *b, int cc, size_t *fixup)
{
	u8 t[6] = { 0x0f, 0x80 | (cc & 0xf) };

	*fixup = b->len + 2;
	return buf__append(b, t, 6);
}

int x86__emit_jmp32(struct buf *b, size_t *fixup)
{
	u8 t[5] = { 0xe9 };

	*fixup = b->len + 1;
	return buf__append(b, t, 5);
}

int x86__emit_call32(struct buf *b, size_t *fixup)
{
	u8 t[5] = { 0xe8 };

	*fixup = b->len + 1;
	return buf__append(b, t, 5);
}

int x86__emit_flags_save(struct buf *b)
{
	/* lahf; seto %al */
	static const u8 t[] = { 0x9f, 0x0f, 0x90, 0xc0 };

	return buf__append(b, t, sizeof(t));
}

int x86__emit_flags_restore(struct buf *b)
{
	/* add $0x7f, %al (sets OF iff al was 1); sahf */
	static const u8 t[] = { 0x04, 0x7f, 0x9e };

	return buf__append(b, t, sizeof(t));
}

int x86__emit_push(struct buf *b, int reg)
{
	u8 t[2] = { 0x41, 0x50 | (reg & 7) };

	return reg & 8 ? buf__append(b, t, 2) : buf__append(b, t + 1, 1);
}

int x86__emit_pop(struct buf *b, int reg)
{
	u8 t[2] = { 0x41, 0x58 | (reg & 7) };

	return reg & 8 ? buf__append(b, t, 2) : buf__append(b, t + 1, 1);
}

int x86__emit_push_imm32(struct buf *b, size_t *fixup)
{
	static const u8 t[5] = { 0x68 };

	*fixup = b->len + 1;
	return buf__append(b, t, 5);
}

int x86__emit_mov_imm(struct buf *b, int reg, s32 imm)
{
	u8 t[7] = { 0x48 | ((reg & 8) ? 1 : 0), 0xc7, 0xc0 | (reg & 7) };

	memcpy(t + 3, &imm, 4);
	return buf__append(b, t, 7);
}

int x86__emit_store_imm(struct buf *b, bool rexw, const struct x86_mem *m,
			s32 imm, size_t *fixup)
{
	static const u8 op = 0xc7;
	int err = emit_rm(b, rexw, &op, 1, 0, m, fixup);

	return err ?: buf__append(b, &imm, 4);
}

int x86__emit_xadd(struct buf *b, bool lock, int reg, const struct x86_mem *m,
		   size_t *fixup)
{
	static const u8 op[2] = { 0x0f, 0xc1 };
	static const u8 pfx = 0xf0;
	int err = lock ? buf__append(b, &pfx, 1) : 0;

	return err ?: emit_rm(b, true, op, 2, reg, m, fixup);
}

int x86__emit_bt_imm(struct buf *b, int reg, u8 bit)
{
	u8 t[5] = { 0x48 | ((reg & 8) ? 1 : 0), 0x0f, 0xba, 0xe0 | (reg & 7),
		    bit };

	return buf__append(b, t, 5);
}

int x86__emit_shr_imm(struct buf *b, int reg, u8 n)
{
	u8 t[4] = { 0x48 | ((reg & 8) ? 1 : 0), 0xc1, 0xe8 | (reg & 7), n };

	return buf__append(b, t, 4);
}

int x86__emit_rdtsc(struct buf *b)
{
	static const u8 t[2] = { 0x0f, 0x31 };

	return buf__append(b, t, 2);
}

int x86__emit_byte(struct buf *b, u8 op)
{
	return buf__append(b, &op, 1);
}
