// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net's decoder (decode.h).  x86-64 only; the instructions the
 * kernel's accessors compile to (mov, movzx, movsx, movsxd and the
 * absolute moffs forms) and the string moves memcpy_toio, memcpy_fromio
 * and memset_io use.  Anything else is refused: the net then runs the
 * instruction itself, single-stepped, and records it without a value.
 */
#include "decode.h"

#define REX_W 8
#define REX_R 4
#define REX_X 2
#define REX_B 1

/* ModRM (and SIB, disp) of a memory operand at @p; bytes used, or -1. */
static int modrm_mem(const u8 *p, unsigned int n, u8 rex, struct ks_dinsn *d,
		     u8 *regfield)
{
	unsigned int used = 1, mod, rm;

	if (n < 1)
		return -1;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	*regfield = (p[0] >> 3) & 7;
	if (mod == 3)
		return -1; /* a register operand: it cannot fault on a page */
	d->base = d->index = KS_DREG_NONE;
	d->scale = 1;
	if (rm == 4) {
		u8 sib, idx, b;

		if (n < 2)
			return -1;
		sib = p[1];
		used = 2;
		d->scale = 1 << (sib >> 6);
		idx = ((sib >> 3) & 7) | (rex & REX_X ? 8 : 0);
		b = sib & 7;
		if (idx != 4)
			d->index = idx;
		if (b == 5 && mod == 0)
			mod = 2; /* disp32, no base */
		else
			d->base = b | (rex & REX_B ? 8 : 0);
	} else if (rm == 5 && mod == 0) {
		d->rip = 1;
		mod = 2;
	} else {
		d->base = rm | (rex & REX_B ? 8 : 0);
	}
	if (mod == 1) {
		if (n < used + 1)
			return -1;
		d->disp = (signed char)p[used];
		used += 1;
	} else if (mod == 2) {
		if (n < used + 4)
			return -1;
		d->disp = (s32)((u64)p[used] | (u64)p[used + 1] << 8 |
				(u64)p[used + 2] << 16 | (u64)p[used + 3] << 24);
		used += 4;
	}
	return used;
}

static s64 le_signed(const u8 *p, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (u64)p[i] << (8 * i);
	if (bytes < 8 && (v >> (8 * bytes - 1)) & 1)
		v |= ~0ull << (8 * bytes);
	return (s64)v;
}

int ks_decode(const u8 *p, unsigned int n, struct ks_dinsn *d)
{
	unsigned int i = 0, osize;
	int used;
	u8 rex = 0, op, regfield;
	int opsize = 0;

	*d = (struct ks_dinsn){ .reg = KS_DREG_NONE, .base = KS_DREG_NONE,
				.index = KS_DREG_NONE, .scale = 1 };
	for (;; i++) {
		if (i >= n || i >= 14)
			return -1;
		switch (p[i]) {
		case 0x66:
			opsize = 1;
			continue;
		case 0x67:
			d->addr32 = 1;
			continue;
		case 0xf2:
		case 0xf3:
			d->rep = 1;
			continue;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			continue; /* null segments in 64-bit mode */
		case 0x64:
		case 0x65:
			d->seg = p[i];
			continue;
		case 0xf0:
			return -1; /* lock: no instruction here takes it */
		}
		break;
	}
	if ((p[i] & 0xf0) == 0x40) {
		rex = p[i++];
		if (i >= n)
			return -1;
	}
	op = p[i++];
	osize = rex & REX_W ? 8 : opsize ? 2 : 4;

	switch (op) {
	case 0x88: /* mov r8, m8 */
	case 0x89: /* mov r, m */
	case 0x8a: /* mov m8, r8 */
	case 0x8b: /* mov m, r */
		used = modrm_mem(p + i, n - i, rex, d, &regfield);
		if (used < 0)
			return -1;
		i += used;
		d->size = op & 1 ? osize : 1;
		d->dsize = d->size;
		d->op = op & 2 ? KS_DOP_LOAD : KS_DOP_STORE;
		d->reg = regfield | (rex & REX_R ? 8 : 0);
		if (d->size == 1 && !rex && regfield >= 4) {
			d->hi8 = 1; /* %ah, %ch, %dh, %bh */
			d->reg = regfield - 4;
		}
		break;
	case 0xc6: /* mov $imm8, m8 */
	case 0xc7: /* mov $imm, m */
		used = modrm_mem(p + i, n - i, rex, d, &regfield);
		if (used < 0 || regfield)
			return -1;
		i += used;
		d->size = op & 1 ? osize : 1;
		d->op = KS_DOP_STORE_IMM;
		{
			unsigned int ib = d->size == 8 ? 4 : d->size;

			if (n < i + ib)
				return -1;
			d->imm = le_signed(p + i, ib);
			i += ib;
		}
		break;
	case 0x63: /* movsxd m32, r */
		if (opsize && !(rex & REX_W))
			return -1;
		used = modrm_mem(p + i, n - i, rex, d, &regfield);
		if (used < 0)
			return -1;
		i += used;
		d->size = 4;
		d->dsize = rex & REX_W ? 8 : 4;
		d->op = rex & REX_W ? KS_DOP_LOAD_SX : KS_DOP_LOAD;
		d->reg = regfield | (rex & REX_R ? 8 : 0);
		break;
	case 0x0f:
		if (i >= n)
			return -1;
		op = p[i++];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -1;
		used = modrm_mem(p + i, n - i, rex, d, &regfield);
		if (used < 0)
			return -1;
		i += used;
		d->size = op & 1 ? 2 : 1;
		d->dsize = osize;
		d->op = op & 8 ? KS_DOP_LOAD_SX : KS_DOP_LOAD_ZX;
		d->reg = regfield | (rex & REX_R ? 8 : 0);
		break;
	case 0xa0: /* mov moffs8, %al */
	case 0xa1:
	case 0xa2: /* mov %al, moffs8 */
	case 0xa3: {
		unsigned int ab = d->addr32 ? 4 : 8;

		if (n < i + ab)
			return -1;
		d->moffs = (u64)le_signed(p + i, ab);
		if (ab == 4)
			d->moffs &= 0xffffffffull;
		i += ab;
		d->absolute = 1;
		d->size = op & 1 ? osize : 1;
		d->dsize = d->size;
		d->op = op & 2 ? KS_DOP_STORE : KS_DOP_LOAD;
		d->reg = 0;
		break;
	}
	case 0xa4: /* movs */
	case 0xa5:
	case 0xaa: /* stos */
	case 0xab:
	case 0xac: /* lods */
	case 0xad:
		d->size = op & 1 ? osize : 1;
		d->dsize = d->size;
		d->op = op < 0xaa ? KS_DOP_MOVS : op < 0xac ? KS_DOP_STOS :
				    KS_DOP_LODS;
		d->reg = d->op == KS_DOP_MOVS ? KS_DREG_NONE : 0;
		break;
	default:
		return -1;
	}
	if (d->op != KS_DOP_MOVS && d->op != KS_DOP_STOS &&
	    d->op != KS_DOP_LODS)
		d->rep = 0; /* f2/f3 before a mov: ignored by the CPU */
	d->len = i;
	return 0;
}
