// SPDX-License-Identifier: GPL-2.0
/*
 * Zydis -> struct insn.  This is the only place that knows Zydis' types; the
 * conversions below are the arch boundary the house style asks for.
 */
#include <Zydis/Zydis.h>
#include <kstride/abi.h>

#include "insn.h"

static ZydisDecoder decoder;
static ZydisFormatter formatter;
static bool inited;

static void x86_init(void)
{
	if (inited)
		return;
	ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64,
			 ZYDIS_STACK_WIDTH_64);
	ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_ATT);
	inited = true;
}

/* Zydis register -> gpr number, or REG_NONE / REG_RIP. */
static int gpr_of(ZydisRegister r)
{
	ZydisRegister big;

	if (r == ZYDIS_REGISTER_NONE)
		return REG_NONE;
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
		return REG_RIP;
	big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15)
		return big - ZYDIS_REGISTER_RAX;
	return REG_NONE;
}

static int reg_width(ZydisRegister r)
{
	return ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, r);
}

static u8 flags_of(ZydisAccessedFlagsMask m)
{
	u8 f = 0;

	if (m & ZYDIS_CPUFLAG_CF)
		f |= FL_CF;
	if (m & ZYDIS_CPUFLAG_PF)
		f |= FL_PF;
	if (m & ZYDIS_CPUFLAG_AF)
		f |= FL_AF;
	if (m & ZYDIS_CPUFLAG_ZF)
		f |= FL_ZF;
	if (m & ZYDIS_CPUFLAG_SF)
		f |= FL_SF;
	if (m & ZYDIS_CPUFLAG_OF)
		f |= FL_OF;
	return f;
}

static bool is_nop_like(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_NOP:
	case ZYDIS_MNEMONIC_PREFETCH:
	case ZYDIS_MNEMONIC_PREFETCHNTA:
	case ZYDIS_MNEMONIC_PREFETCHT0:
	case ZYDIS_MNEMONIC_PREFETCHT1:
	case ZYDIS_MNEMONIC_PREFETCHT2:
	case ZYDIS_MNEMONIC_PREFETCHW:
	case ZYDIS_MNEMONIC_PREFETCHWT1:
	case ZYDIS_MNEMONIC_CLDEMOTE:
	case ZYDIS_MNEMONIC_CLFLUSH:
	case ZYDIS_MNEMONIC_CLFLUSHOPT:
	case ZYDIS_MNEMONIC_CLWB:
		return true;
	default:
		return false;
	}
}

static bool is_var_shift(const ZydisDecodedInstruction *in,
			 const ZydisDecodedOperand *op)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_SHL:
	case ZYDIS_MNEMONIC_SHR:
	case ZYDIS_MNEMONIC_SAR:
	case ZYDIS_MNEMONIC_ROL:
	case ZYDIS_MNEMONIC_ROR:
	case ZYDIS_MNEMONIC_RCL:
	case ZYDIS_MNEMONIC_RCR:
	case ZYDIS_MNEMONIC_SHLD:
	case ZYDIS_MNEMONIC_SHRD:
		break;
	default:
		return false;
	}
	/* a count of zero (by %cl, or an immediate 0) leaves flags alone */
	for (int i = 0; i < in->operand_count_visible; i++) {
		if (op[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			return (op[i].imm.value.u & 0x3f) == 0;
	}
	return true;
}

static bool is_zero_idiom(const ZydisDecodedInstruction *in,
			  const ZydisDecodedOperand *op)
{
	if (in->mnemonic != ZYDIS_MNEMONIC_XOR &&
	    in->mnemonic != ZYDIS_MNEMONIC_SUB)
		return false;
	return in->operand_count_visible == 2 &&
	       op[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       op[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       op[0].reg.value == op[1].reg.value && reg_width(op[0].reg.value) >= 32;
}

static void decode_regs(struct insn *insn, const ZydisDecodedInstruction *in,
			const ZydisDecodedOperand *op)
{
	bool zero = is_zero_idiom(in, op);

	for (int i = 0; i < in->operand_count; i++) {
		const ZydisDecodedOperand *o = &op[i];
		int g;

		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			g = gpr_of(o->mem.base);
			if (g >= 0 && g < NR_GPRS)
				insn->gpr_read |= 1u << g;
			g = gpr_of(o->mem.index);
			if (g >= 0 && g < NR_GPRS)
				insn->gpr_read |= 1u << g;
			continue;
		}
		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		g = gpr_of(o->reg.value);
		if (g < 0 || g >= NR_GPRS)
			continue;
		if ((o->actions & (ZYDIS_OPERAND_ACTION_READ |
				   ZYDIS_OPERAND_ACTION_CONDREAD)) && !zero)
			insn->gpr_read |= 1u << g;
		if (o->actions & (ZYDIS_OPERAND_ACTION_WRITE |
				  ZYDIS_OPERAND_ACTION_CONDWRITE)) {
			insn->gpr_write |= 1u << g;
			/*
			 * Only a plain 32/64-bit write replaces the whole
			 * register; 8/16-bit and conditional writes keep
			 * part of the old value, so they also read it.
			 */
			if ((o->actions & ZYDIS_OPERAND_ACTION_WRITE) &&
			    !(o->actions & ZYDIS_OPERAND_ACTION_CONDWRITE) &&
			    reg_width(o->reg.value) >= 32)
				insn->gpr_kill |= 1u << g;
			else
				insn->gpr_read |= 1u << g;
		}
	}
	insn->gpr_kill &= ~insn->gpr_read;

	insn->fl_read = flags_of(in->cpu_flags->tested);
	insn->fl_kill = flags_of(in->cpu_flags->modified | in->cpu_flags->set_0 |
				 in->cpu_flags->set_1 |
				 in->cpu_flags->undefined);
	if (is_var_shift(in, op)) {
		/* may leave every flag unchanged: not a kill */
		insn->fl_read |= insn->fl_kill;
		insn->fl_kill = 0;
	}
}

static void decode_flow(struct insn *insn, const ZydisDecodedInstruction *in,
			const ZydisDecodedOperand *op)
{
	bool rel = false;

	for (int i = 0; i < in->operand_count_visible; i++) {
		if (op[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    op[i].imm.is_relative) {
			rel = true;
			insn->has_target = true;
			insn->target = insn->off + in->length + op[i].imm.value.s;
			insn->rel_off = in->raw.imm[0].offset;
			insn->rel_size = in->raw.imm[0].size / 8;
		}
		if (op[i].type == ZYDIS_OPERAND_TYPE_POINTER)
			insn->bad = "far control transfer";
	}

	switch (in->meta.category) {
	case ZYDIS_CATEGORY_COND_BR:
		switch (in->mnemonic) {
		case ZYDIS_MNEMONIC_JRCXZ:
		case ZYDIS_MNEMONIC_JECXZ:
		case ZYDIS_MNEMONIC_JCXZ:
		case ZYDIS_MNEMONIC_LOOP:
		case ZYDIS_MNEMONIC_LOOPE:
		case ZYDIS_MNEMONIC_LOOPNE:
			insn->type = INSN_LOOP;
			if (in->attributes & ZYDIS_ATTRIB_HAS_ADDRESSSIZE)
				insn->bad = "loop/jrcxz with an address-size prefix";
			break;
		default:
			insn->type = INSN_JCC;
			insn->cc = in->opcode & 0xf;
			break;
		}
		break;
	case ZYDIS_CATEGORY_UNCOND_BR:
		insn->type = rel ? INSN_JMP : INSN_JMP_IND;
		break;
	case ZYDIS_CATEGORY_CALL:
		insn->type = rel ? INSN_CALL : INSN_CALL_IND;
		break;
	case ZYDIS_CATEGORY_RET:
		insn->type = INSN_RET;
		if (in->opcode == 0xca || in->opcode == 0xcb)
			insn->bad = "far return";
		break;
	default:
		break;
	}
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_UD0:
	case ZYDIS_MNEMONIC_UD1:
	case ZYDIS_MNEMONIC_UD2:
	case ZYDIS_MNEMONIC_HLT:
		insn->type = INSN_STOP;
		break;
	case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_SYSRET:
	case ZYDIS_MNEMONIC_SYSEXIT:
		insn->bad = "privilege-level return";
		break;
	case ZYDIS_MNEMONIC_XBEGIN:
		insn->bad = "transactional region (xbegin)";
		break;
	default:
		break;
	}
	if ((insn->type == INSN_JMP_IND || insn->type == INSN_CALL_IND) &&
	    op[0].type == ZYDIS_OPERAND_TYPE_MEMORY && op[0].size != 64)
		insn->bad = "far control transfer";
}

static int add_access(struct insn *insn, const ZydisDecodedInstruction *in,
		      const ZydisDecodedOperand *op, int opi)
{
	const ZydisDecodedOperand *o = &op[opi];
	bool rd = o->actions & (ZYDIS_OPERAND_ACTION_READ |
				ZYDIS_OPERAND_ACTION_CONDREAD);
	bool wr = o->actions & (ZYDIS_OPERAND_ACTION_WRITE |
				ZYDIS_OPERAND_ACTION_CONDWRITE);
	struct insn_access *a;
	int base = gpr_of(o->mem.base);

	if (!rd && !wr)
		return 0;
	if (insn->nacc == INSN_MAX_ACC) {
		insn->bad = "too many memory operands";
		insn->bad_access = true;
		return 0;
	}
	a = &insn->acc[insn->nacc++];
	memset(a, 0, sizeof(*a));
	a->bitreg = REG_NONE;
	a->kind = rd && wr ? KS_K_U : rd ? KS_K_R : KS_K_W;
	a->size = o->size / 8;
	a->base = base;
	a->index = gpr_of(o->mem.index);
	a->scale = o->mem.scale;
	a->disp = o->mem.disp.has_displacement ? o->mem.disp.value : 0;
	a->addr32 = in->address_width == 32;
	if (o->mem.segment == ZYDIS_REGISTER_FS)
		a->flags |= KS_F_FS;
	else if (o->mem.segment == ZYDIS_REGISTER_GS)
		a->flags |= KS_F_GS;
	if (in->attributes & ZYDIS_ATTRIB_HAS_LOCK)
		a->flags |= KS_F_LOCK;
	if (in->mnemonic == ZYDIS_MNEMONIC_XCHG)
		a->flags |= KS_F_LOCK; /* implicitly locked with memory */
	if (in->mnemonic == ZYDIS_MNEMONIC_CMPXCHG ||
	    in->mnemonic == ZYDIS_MNEMONIC_CMPXCHG8B ||
	    in->mnemonic == ZYDIS_MNEMONIC_CMPXCHG16B)
		a->flags |= KS_F_CMPXCHG;

	if (o->mem.type == ZYDIS_MEMOP_TYPE_VSIB) {
		insn->bad = "gather/scatter (VSIB) operand";
		insn->bad_access = true;
		return 0;
	}
	if (o->mem.type == ZYDIS_MEMOP_TYPE_MIB) {
		insn->bad = "MPX (MIB) operand";
		insn->bad_access = true;
		return 0;
	}
	if (!a->size) {
		insn->bad = "memory operand of unknown size";
		insn->bad_access = true;
		return 0;
	}

	if (in->meta.category == ZYDIS_CATEGORY_STRINGOP) {
		a->form = ACC_STRING;
		a->strreg = base;
		a->kind = rd && !wr ? KS_K_RANGE_R : KS_K_RANGE_W;
		if (rd && wr) {
			insn->bad = "string operand both read and written";
			insn->bad_access = true;
		}
		if (base != REG_RSI && base != REG_RDI) {
			insn->bad = "string operand not through rsi/rdi";
			insn->bad_access = true;
		}
		if (in->attributes & (ZYDIS_ATTRIB_HAS_REP |
				      ZYDIS_ATTRIB_HAS_REPE |
				      ZYDIS_ATTRIB_HAS_REPNE))
			a->flags |= KS_F_REP;
		if (a->addr32) {
			insn->bad = "string op with 32-bit addressing";
			insn->bad_access = true;
		}
		return 0;
	}
	if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN &&
	    base == REG_RSP) {
		/* push-like writes below rsp, pop-like reads at rsp */
		a->form = ACC_STACK;
		a->flags |= KS_F_STACK;
		a->stack_off = wr ? -(s16)a->size : 0;
		if (in->mnemonic == ZYDIS_MNEMONIC_ENTER &&
		    (op[1].imm.value.u & 0x1f) != 0) {
			insn->bad = "enter with a nesting level";
			insn->bad_access = true;
		}
		return 0;
	}
	if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN &&
	    in->mnemonic == ZYDIS_MNEMONIC_LEAVE) {
		a->form = ACC_LEAVE;
		a->flags |= KS_F_STACK;
		return 0;
	}
	if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
		insn->bad = "implicit memory operand";
		insn->bad_access = true;
		return 0;
	}
	a->form = ACC_EA;
	if (in->mnemonic == ZYDIS_MNEMONIC_POP && base == REG_RSP)
		a->disp += 8; /* pop computes its address after rsp moves */
	a->bitreg = REG_NONE;
	if ((in->mnemonic == ZYDIS_MNEMONIC_BT ||
	     in->mnemonic == ZYDIS_MNEMONIC_BTS ||
	     in->mnemonic == ZYDIS_MNEMONIC_BTR ||
	     in->mnemonic == ZYDIS_MNEMONIC_BTC) &&
	    in->operand_count_visible == 2 && opi == 0 &&
	    op[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		/* the word that holds the bit: see KS_A_BITOFF */
		a->bitreg = gpr_of(op[1].reg.value);
		if ((a->base == REG_NONE && a->index != REG_NONE) ||
		    a->addr32) {
			insn->bad = "bit test with a register offset and an index without base, or 32-bit addressing";
			insn->bad_access = true;
		}
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_XLAT) {
		insn->bad = "xlat";
		insn->bad_access = true;
	}
	return 0;
}

/*
 * Instructions that move one 64-bit register by a constant and write no
 * other general register: the planner can then express later addresses
 * through an earlier value of that register.
 */
static void decode_adjust(struct insn *insn, const ZydisDecodedInstruction *in,
			  const ZydisDecodedOperand *op)
{
	int r0 = in->operand_count_visible ? gpr_of(op[0].reg.value) : REG_NONE;
	bool reg64 = in->operand_count_visible &&
		     op[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		     reg_width(op[0].reg.value) == 64;

	insn->adj_reg = REG_NONE;
	insn->sp_delta = 0;
	insn->sp_unknown = insn->type != INSN_CALL && insn->type != INSN_CALL_IND &&
			   insn->type != INSN_RET &&
			   (insn->gpr_write & (1u << REG_RSP));
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_PUSH:
	case ZYDIS_MNEMONIC_PUSHFQ:
		insn->adj_reg = REG_RSP;
		insn->adj = -(s32)(in->operand_width / 8);
		break;
	case ZYDIS_MNEMONIC_POP:
	case ZYDIS_MNEMONIC_POPFQ:
		if (r0 == REG_RSP && op[0].type == ZYDIS_OPERAND_TYPE_REGISTER)
			return; /* pop %rsp */
		insn->adj_reg = REG_RSP;
		insn->adj = in->operand_width / 8;
		break;
	case ZYDIS_MNEMONIC_ADD:
	case ZYDIS_MNEMONIC_SUB:
		if (!reg64 || in->operand_count_visible != 2 ||
		    op[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
			return;
		insn->adj_reg = r0;
		insn->adj = in->mnemonic == ZYDIS_MNEMONIC_ADD ?
				    (s32)op[1].imm.value.s :
				    -(s32)op[1].imm.value.s;
		break;
	case ZYDIS_MNEMONIC_INC:
	case ZYDIS_MNEMONIC_DEC:
		if (!reg64)
			return;
		insn->adj_reg = r0;
		insn->adj = in->mnemonic == ZYDIS_MNEMONIC_INC ? 1 : -1;
		break;
	case ZYDIS_MNEMONIC_LEA:
		if (!reg64 || op[1].mem.base != op[0].reg.value ||
		    op[1].mem.index != ZYDIS_REGISTER_NONE ||
		    in->address_width != 64)
			return;
		insn->adj_reg = r0;
		insn->adj = (s32)op[1].mem.disp.value;
		break;
	default:
		return;
	}
	if (insn->adj_reg < 0 || insn->adj_reg >= NR_GPRS)
		insn->adj_reg = REG_NONE;
	if (insn->adj_reg == REG_RSP) {
		insn->sp_delta = insn->adj;
		insn->sp_unknown = false;
	}
	/* it must write nothing else */
	if (insn->adj_reg != REG_NONE &&
	    (insn->gpr_write & ~(1u << insn->adj_reg)))
		insn->adj_reg = REG_NONE;
}

static bool high_byte(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_BH ||
	       r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH;
}

static bool plain_gpr(const ZydisDecodedOperand *o)
{
	int g;

	if (o->type != ZYDIS_OPERAND_TYPE_REGISTER || high_byte(o->reg.value))
		return false;
	g = gpr_of(o->reg.value);
	return g != REG_NONE && g != REG_RIP && g != REG_RSP;
}

/*
 * The forms kstride.ko can perform itself on a device: mov to and from a
 * general register, mov of an immediate, movzx/movsx/movsxd loads, and
 * in/out.  Anything else with a memory operand is KS_MOP_OTHER.
 */
static void decode_mmio(struct insn *insn, const ZydisDecodedInstruction *in,
			const ZydisDecodedOperand *op)
{
	struct insn_mmio *m = &insn->mm;
	int n = in->operand_count_visible;

	m->reg = REG_NONE;
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_INSD:
	case ZYDIS_MNEMONIC_OUTSB:
	case ZYDIS_MNEMONIC_OUTSW:
	case ZYDIS_MNEMONIC_OUTSD:
		m->op = (in->mnemonic == ZYDIS_MNEMONIC_INSB ||
			 in->mnemonic == ZYDIS_MNEMONIC_INSW ||
			 in->mnemonic == ZYDIS_MNEMONIC_INSD) ? KS_MOP_INS :
								 KS_MOP_OUTS;
		m->size = in->mnemonic == ZYDIS_MNEMONIC_INSB ||
				  in->mnemonic == ZYDIS_MNEMONIC_OUTSB ? 1 :
			  in->mnemonic == ZYDIS_MNEMONIC_INSW ||
				  in->mnemonic == ZYDIS_MNEMONIC_OUTSW ? 2 : 4;
		m->rep = in->attributes & ZYDIS_ATTRIB_HAS_REP;
		m->reg = REG_RDX;
		return;
	case ZYDIS_MNEMONIC_IN:
	case ZYDIS_MNEMONIC_OUT: {
		const ZydisDecodedOperand *port, *val;

		if (n != 2)
			return;
		port = in->mnemonic == ZYDIS_MNEMONIC_IN ? &op[1] : &op[0];
		val = in->mnemonic == ZYDIS_MNEMONIC_IN ? &op[0] : &op[1];
		if (val->type != ZYDIS_OPERAND_TYPE_REGISTER)
			return;
		m->op = in->mnemonic == ZYDIS_MNEMONIC_IN ? KS_MOP_IN :
							     KS_MOP_OUT;
		m->size = val->size / 8;
		if (port->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			m->imm = (s32)port->imm.value.u;
		else
			m->reg = REG_RDX; /* the port is %dx */
		return;
	}
	case ZYDIS_MNEMONIC_MOV:
		if (n != 2 || insn->nacc != 1)
			break;
		if (op[0].type == ZYDIS_OPERAND_TYPE_MEMORY && plain_gpr(&op[1])) {
			m->op = KS_MOP_STORE;
			m->reg = gpr_of(op[1].reg.value);
		} else if (op[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			   op[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			m->op = KS_MOP_STORE_IMM;
			m->imm = (s32)op[1].imm.value.s;
		} else if (op[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			   plain_gpr(&op[0])) {
			m->op = KS_MOP_LOAD;
			m->reg = gpr_of(op[0].reg.value);
			m->dsize = op[0].size / 8;
		} else {
			break;
		}
		m->size = (op[0].type == ZYDIS_OPERAND_TYPE_MEMORY ? op[0].size :
								     op[1].size) / 8;
		return;
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
		if (n != 2 || insn->nacc != 1 || !plain_gpr(&op[0]) ||
		    op[1].type != ZYDIS_OPERAND_TYPE_MEMORY)
			break;
		m->op = in->mnemonic == ZYDIS_MNEMONIC_MOVZX ? KS_MOP_LOAD_ZX :
							       KS_MOP_LOAD_SX;
		m->reg = gpr_of(op[0].reg.value);
		m->dsize = op[0].size / 8;
		m->size = op[1].size / 8;
		return;
	default:
		break;
	}
	if (insn->nacc)
		m->op = KS_MOP_OTHER;
}

int x86__decode(const u8 *code, size_t avail, u64 off, struct insn *insn)
{
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;

	x86_init();
	memset(insn, 0, sizeof(*insn));
	insn->off = off;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code, avail, &in,
						 op)))
		return -EILSEQ;
	insn->len = in.length;
	insn->mnemonic = in.mnemonic;
	insn->lock = in.attributes & ZYDIS_ATTRIB_HAS_LOCK;
	if (in.raw.disp.size) {
		insn->disp_off = in.raw.disp.offset;
		insn->disp_size = in.raw.disp.size / 8;
	}
	decode_regs(insn, &in, op);
	decode_flow(insn, &in, op);
	decode_adjust(insn, &in, op);
	insn->nop = is_nop_like(in.mnemonic);

	for (int i = 0; i < in.operand_count; i++) {
		const ZydisDecodedOperand *o = &op[i];

		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (o->mem.base == ZYDIS_REGISTER_RIP ||
		    o->mem.base == ZYDIS_REGISTER_EIP)
			insn->rip_rel = true;
		if (o->mem.type == ZYDIS_MEMOP_TYPE_AGEN || insn->nop)
			continue;
		add_access(insn, &in, op, i);
	}
	if (insn->rip_rel && insn->disp_size != 4)
		insn->bad = "RIP-relative operand without a 32-bit displacement";
	decode_mmio(insn, &in, op);
	return 0;
}

int x86__format(const u8 *code, size_t avail, u64 off, char *out,
		size_t outlen)
{
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;

	x86_init();
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code, avail, &in,
						 op))) {
		snprintf(out, outlen, "(bad)");
		return -EILSEQ;
	}
	if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(
		    &formatter, &in, op, in.operand_count_visible, out, outlen,
		    off, NULL))) {
		snprintf(out, outlen, "(unformattable)");
		return -EINVAL;
	}
	return 0;
}

const char *x86__mnemonic_name(u16 mnemonic)
{
	const char *s = ZydisMnemonicGetString((ZydisMnemonic)mnemonic);

	return s ? s : "?";
}

const char *x86__gpr_name(int reg)
{
	static const char *const n[] = { "rax", "rcx", "rdx", "rbx",
					 "rsp", "rbp", "rsi", "rdi",
					 "r8",	"r9",  "r10", "r11",
					 "r12", "r13", "r14", "r15" };

	if (reg == REG_RIP)
		return "rip";
	if (reg < 0 || reg >= NR_GPRS)
		return "none";
	return n[reg];
}

const char *x86__decoder_version(void)
{
	static char v[48];

	if (!v[0]) {
		ZyanU64 z = ZydisGetVersion();

		snprintf(v, sizeof(v), "zydis %u.%u.%u.%u",
			 (unsigned int)ZYDIS_VERSION_MAJOR(z),
			 (unsigned int)ZYDIS_VERSION_MINOR(z),
			 (unsigned int)ZYDIS_VERSION_PATCH(z),
			 (unsigned int)ZYDIS_VERSION_BUILD(z));
	}
	return v;
}
