/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The safety net's instruction decoder: what an instruction that faulted
 * on an armed device page does to memory, for the instructions the net
 * performs itself (the MOV family and the string moves).  Freestanding:
 * kstride.ko builds it, and so does a host test (tests/unit/test-kdecode.c)
 * that checks it against Zydis over real module code.
 */
#ifndef KSTRIDE_KMOD_DECODE_H
#define KSTRIDE_KMOD_DECODE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint8_t u8;
typedef int32_t s32;
typedef int64_t s64;
typedef uint64_t u64;
#endif

enum ks_dop {
	KS_DOP_LOAD = 1, /* mov m, reg: reg gets size bytes */
	KS_DOP_LOAD_ZX, /* movzx: dsize register bytes, zero-extended */
	KS_DOP_LOAD_SX, /* movsx, movsxd: sign-extended */
	KS_DOP_STORE, /* mov reg, m */
	KS_DOP_STORE_IMM, /* mov $imm, m */
	KS_DOP_MOVS, /* movs: (%rsi) to (%rdi), one element */
	KS_DOP_STOS, /* stos: %rax's low size bytes to (%rdi) */
	KS_DOP_LODS, /* lods: (%rsi) into %al/%ax/%eax/%rax */
};

#define KS_DREG_NONE 0xff

struct ks_dinsn {
	u8 len; /* bytes */
	u8 op; /* enum ks_dop */
	u8 size; /* memory operand bytes: 1, 2, 4, 8 */
	u8 dsize; /* loads: destination register bytes */
	u8 reg; /* value register 0 (rax) ... 15 (r15), KS_DREG_NONE */
	u8 hi8; /* reg is %ah, %ch, %dh or %bh (then reg is 0..3) */
	u8 base, index, scale; /* KS_DREG_NONE if absent */
	u8 rip; /* RIP-relative: the address is disp + the next insn */
	u8 seg; /* 0, or the segment override 0x64 (%fs), 0x65 (%gs) */
	u8 addr32; /* 0x67: 32-bit address arithmetic */
	u8 rep; /* string ops: a rep prefix */
	s32 disp;
	s64 imm; /* STORE_IMM, sign-extended to 64 bits */
	u64 moffs; /* 0xa0-0xa3: the absolute address (no base, no index) */
	u8 absolute; /* moffs form */
};

/**
 * ks_decode() - decode one x86-64 instruction the net can perform
 * @p: its bytes
 * @n: how many bytes may be read at @p (15 suffice)
 * @d: the result
 *
 * Return: 0 if it is one of enum ks_dop with a memory operand, -1 for
 * anything else (another instruction, a register operand, a lock prefix,
 * an instruction longer than @n).
 */
int ks_decode(const u8 *p, unsigned int n, struct ks_dinsn *d);

#endif
