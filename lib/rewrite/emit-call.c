// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5, --calls (include/kstride/abi.h, part 6): the slots of a call
 * out of the object.  CALL_PRE stores the argument registers and the
 * target of an indirect call right before the call; CALL_POST stores the
 * return registers in a record of its own after the call returned.  Both
 * draw a ticket from __kstride_seq with one lock xadd, through a
 * borrowed register.  This runs where the psABI leaves the status flags
 * undefined (right before a call, right after it), so they are not saved.
 */
#include "../arch/x86/emit.h"
#include "emit.h"

static struct elf_sym *seq_sym(struct rw_ctx *ctx)
{
	if (!ctx->seq_sym)
		ctx->seq_sym = elf_obj__undef_sym(ctx->obj, KS_SYM_SEQ,
						  STT_NOTYPE);
	return ctx->seq_sym;
}

/* mov $1, T; lock xadd T, __kstride_seq(%rip); mov T, slot */
static int emit_ticket(struct emitter *e, const struct region *r, int t,
		       int slot)
{
	struct x86_mem rip = x86_mem_base(REG_RIP, 0);
	size_t fx;
	int err;

	err = x86__emit_mov_imm(e->b, t, 1);
	err = err ?: x86__emit_xadd(e->b, true, t, &rip, &fx);
	err = err ?: add_reloc(e, fx, R_X86_64_PC32, seq_sym(e->ctx), -4);
	return err ?: store_slot(e, r, t, slot);
}

/*
 * An indirect call through memory: load its target into @t, which was
 * just saved (a kernel push moved %rsp by @pushed bytes more).  A
 * RIP-relative pointer is reached through the instruction's relocation;
 * without one the target is not known (0).
 */
static int load_target(struct emitter *e, const struct insn *in,
		       const struct insn_access *a, int t, int pushed)
{
	struct x86_mem m = { .base = a->base, .index = a->index,
			     .scale = a->scale, .disp = (s32)a->disp };
	struct elf_reloc *r = NULL;
	size_t fx;
	int err;

	if (a->flags & KS_F_FS)
		m.seg = SEG_FS;
	else if (a->flags & KS_F_GS)
		m.seg = SEG_GS;
	if (a->base == REG_RSP)
		m.disp += pushed;
	if (a->base == REG_RIP) {
		u64 field = in->off + in->disp_off;

		r = elf_rela__find(e->f->sec->rela, field);
		if (!r || r->offset != field || !reloc__is_pcrel(r->type) ||
		    reloc__is_got(r->type))
			return x86__emit_mov_imm(e->b, t, 0);
		m.disp = 0;
	}
	err = x86__emit_load(e->b, t, &m, &fx);
	if (!err && r)
		err = add_reloc(e, fx, R_X86_64_PC32, r->sym,
				r->addend + (in->len - in->disp_off) - 4);
	return err;
}

int emit_call_site(struct emitter *e, const struct region *r,
		   const struct site *s)
{
	static const s8 args[6] = { REG_RDI, REG_RSI, REG_RDX, REG_RCX, 8, 9 };
	const struct insn *in = &e->f->insns[s->insn];
	int t = spill_reg(r), err = 0, k;
	/* kernel: the cursor and T are pushed while the target is read */
	int pushed = e->ctx->kernel ? 8 * (1 + r->bspill) : 0;

	if (s->kind == KS_K_CALL_POST) {
		err = store_slot(e, r, REG_RAX, s->slot + 1);
		err = err ?: store_slot(e, r, REG_RDX, s->slot + 2);
		err = err ?: spill_save(e, t, SPILL_A);
		err = err ?: emit_ticket(e, r, t, s->slot);
		return err ?: spill_restore(e, t, SPILL_A);
	}
	for (k = 0; k < 6 && !err; k++)
		err = store_slot(e, r, args[k], s->slot + 2 + k);
	if (!err && s->treg != REG_NONE)
		err = store_slot(e, r, s->treg, s->slot + 1);
	err = err ?: spill_save(e, t, SPILL_A);
	if (!err && s->tacc >= 0) {
		err = load_target(e, in, &in->acc[s->tacc], t, pushed);
		err = err ?: store_slot(e, r, t, s->slot + 1);
	} else if (!err && s->treg == REG_NONE) {
		struct x86_mem m = x86_mem_base(r->breg,
						KS_REC_HDR + 8 * (s->slot + 1));

		err = x86__emit_store_imm(e->b, true, &m, 0, NULL);
	}
	err = err ?: emit_ticket(e, r, t, s->slot);
	return err ?: spill_restore(e, t, SPILL_A);
}

int emit_site_ticket(struct emitter *e, const struct region *r, int slot)
{
	int t = spill_reg(r);
	int err = spill_save(e, t, SPILL_A);

	err = err ?: emit_ticket(e, r, t, slot);
	return err ?: spill_restore(e, t, SPILL_A);
}

int emit_entry_args(struct emitter *e, const struct region *r, int slot)
{
	/* kernel: the cursor (if borrowed) and T sit above the return address */
	struct x86_mem ret = x86_mem_base(REG_RSP, e->ctx->kernel ?
					  8 * (1 + r->bspill) : 0);
	int t = spill_reg(r), err;

	err = store_slot(e, r, REG_RDI, slot);
	err = err ?: store_slot(e, r, REG_RSI, slot + 1);
	err = err ?: spill_save(e, t, SPILL_A);
	err = err ?: emit_ticket(e, r, t, slot + 2);
	err = err ?: x86__emit_load(e->b, t, &ret, NULL);
	err = err ?: store_slot(e, r, t, slot + 3);
	return err ?: spill_restore(e, t, SPILL_A);
}
