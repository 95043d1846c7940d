/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The neutral description of one x86-64 instruction that the rewriter works
 * with.  Only lib/arch/x86 includes Zydis; everything above sees this.
 *
 * Key: gpr = general-purpose register number in encoding order
 * (0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8..15 r8..r15),
 * REG_RIP for RIP-relative operands, REG_NONE for absent.
 * Flag masks use FL_* bits for the six arithmetic flags.
 */
#ifndef KS_X86_INSN_H
#define KS_X86_INSN_H

#include "../../util/util.h"

#define REG_NONE (-1)
#define REG_RAX 0
#define REG_RCX 1
#define REG_RDX 2
#define REG_RBX 3
#define REG_RSP 4
#define REG_RBP 5
#define REG_RSI 6
#define REG_RDI 7
#define REG_RIP 16
#define NR_GPRS 16
#define GPR_ALL 0xffffu

#define FL_CF 0x01
#define FL_PF 0x02
#define FL_AF 0x04
#define FL_ZF 0x08
#define FL_SF 0x10
#define FL_OF 0x20
#define FL_ALL 0x3f

enum insn_type {
	INSN_OTHER,
	INSN_JCC, /* conditional relative branch, condition in cc */
	INSN_JMP, /* unconditional relative branch */
	INSN_JMP_IND, /* indirect jump */
	INSN_CALL, /* relative call */
	INSN_CALL_IND, /* indirect call */
	INSN_RET,
	INSN_LOOP, /* jrcxz, jecxz, loop, loope, loopne: rel8 only */
	INSN_STOP, /* ud2, hlt: execution does not fall through */
};

enum acc_form {
	ACC_EA, /* ModRM/SIB/RIP operand: seg:[base + index*scale + disp] */
	ACC_STACK, /* implicit stack: [rsp + stack_off] before execution */
	ACC_LEAVE, /* leave: [rbp] */
	ACC_STRING, /* string op through strreg, recorded before and after */
};

struct insn_access {
	u8 form; /* enum acc_form */
	u8 kind; /* KS_K_R/W/U/RANGE_R/RANGE_W */
	u8 flags; /* KS_F_* */
	u16 size; /* bytes (element size for strings) */
	s8 base, index; /* ACC_EA */
	u8 scale;
	bool addr32; /* 0x67 prefix: 32-bit address arithmetic */
	s64 disp;
	s8 strreg; /* ACC_STRING: REG_RSI or REG_RDI */
	s8 bitreg; /* ACC_EA of bt* with a register offset, or REG_NONE */
	s16 stack_off; /* ACC_STACK */
};

#define INSN_MAX_ACC 4

/*
 * What an access does with its value, for MMIO mode: a device access is
 * performed by kstride.ko itself, which must know where the value comes
 * from or goes (see enum ks_mop in abi.h; 0: not one of these forms).
 */
struct insn_mmio {
	u8 op; /* enum ks_mop, or 0 */
	u8 size; /* access bytes */
	s8 reg; /* value register (al..r15 by its 64-bit number), REG_NONE */
	u8 dsize; /* loads: destination register bytes */
	s32 imm; /* STORE_IMM; IN/OUT with an immediate port */
	bool rep; /* INS/OUTS with a rep prefix */
};

struct insn {
	u64 off; /* offset in its section */
	u8 len;
	u8 type; /* enum insn_type */
	u8 cc; /* INSN_JCC condition code (0..15) */
	u8 rel_off, rel_size; /* relative branch immediate, if any */
	u8 disp_off, disp_size; /* ModRM displacement, if any */
	bool rip_rel; /* has a RIP-relative memory or lea operand */
	bool has_target; /* a relative branch: target is valid */
	s64 target; /* section offset the branch reaches if not relocated */
	u16 gpr_read; /* registers whose old value may be used */
	u16 gpr_kill; /* registers fully overwritten, never read */
	u16 gpr_write; /* registers written in any way */
	u8 fl_read, fl_kill;
	u8 nacc;
	struct insn_access acc[INSN_MAX_ACC];
	const char *bad; /* why this instruction cannot be instrumented */
	bool bad_access; /* ...because of a memory operand (MMIO mode copes) */
	bool lock;
	bool nop; /* nop, or a hint that touches no memory */
	s8 adj_reg; /* the one register it moves by a constant, or REG_NONE */
	s32 adj; /* ...by this much (push: -8, add $16,%rsp: +16) */
	/*
	 * What it does to %rsp, calls and returns aside: moves it by
	 * sp_delta (push, pop, add, sub, lea), or, if sp_unknown, by
	 * what cannot be told from the instruction (leave, mov, and).
	 */
	s32 sp_delta;
	bool sp_unknown;
	struct insn_mmio mm;
	u16 mnemonic; /* opaque, for x86__mnemonic_name() */
};

/**
 * x86__decode() - describe the instruction at @code.
 * @code: bytes at section offset @off
 * @avail: bytes available
 * @off: section offset (used for branch targets)
 * @insn: result
 *
 * Return: 0, or -EILSEQ if the bytes are not a valid instruction.  An
 * instruction that decodes but cannot be instrumented returns 0 with
 * insn->bad set to the reason.
 */
int x86__decode(const u8 *code, size_t avail, u64 off, struct insn *insn);

/* AT&T text of the instruction at @code, for diagnostics and tests. */
int x86__format(const u8 *code, size_t avail, u64 off, char *out,
		size_t outlen);

const char *x86__mnemonic_name(u16 mnemonic);
/* The decoder library's version, as "zydis MAJOR.MINOR.PATCH.BUILD". */
const char *x86__decoder_version(void);
const char *x86__gpr_name(int reg);

#endif /* KS_X86_INSN_H */
