// SPDX-License-Identifier: GPL-2.0
/*
 * --calls: which calls and tail jumps leave the object (abi.h, part 6).
 *
 * A direct call leaves it when its relocation names an undefined symbol
 * (another object's function, through the PLT or the GOT).  A call to a
 * function of this object records nothing: the callee's own ENTRY says
 * it ran.  An indirect call may go anywhere and records its target.  The
 * kernel's indirect-branch thunks are indirect calls through the register
 * they are named for; __fentry__ and kstride's own symbols are not calls
 * anyone made.
 */
#include "internal.h"

static bool not_a_call(const char *name)
{
	return !strcmp(name, "__fentry__") || !strcmp(name, "mcount") ||
	       !strcmp(name, "__x86_return_thunk") ||
	       !strncmp(name, "__kstride_", 10);
}

/* The relocation of @in's rel32 or RIP-relative field at @field, or NULL. */
static struct elf_reloc *reloc_at(const struct func *f, u64 field)
{
	struct elf_reloc *r = elf_rela__find(f->sec->rela, field);

	return r && r->offset == field ? r : NULL;
}

bool calls__out(struct rw_ctx *ctx, const struct func *f, u32 i,
		struct call_out *c)
{
	const struct insn *in = &f->insns[i];
	struct elf_reloc *r;
	u16 thunk;
	int k;

	(void)ctx;
	memset(c, 0, sizeof(*c));
	c->treg = REG_NONE;
	c->tacc = -1;
	if (f->glue[i] || f->verbatim[i])
		return false;
	switch (in->type) {
	case INSN_CALL:
	case INSN_JMP:
		if (!in->has_target || !in->rel_size)
			return false;
		r = reloc_at(f, in->off + in->rel_off);
		if (!r || !r->sym || r->sym->sec || r->sym->type == STT_SECTION ||
		    !r->sym->name || !*r->sym->name || not_a_call(r->sym->name))
			return false;
		thunk = live__thunk_reads(f, in);
		if (thunk) {
			c->flags = KS_F_CALL_IND;
			c->treg = __builtin_ctz(thunk);
		} else {
			c->name = r->sym->name;
		}
		if (in->type == INSN_JMP)
			c->flags |= KS_F_CALL_TAIL;
		return true;
	case INSN_CALL_IND:
	case INSN_JMP_IND:
		if (in->type == INSN_JMP_IND && f->has_tables)
			return false; /* a switch's jump table */
		for (k = 0; k < in->nacc; k++)
			if (in->acc[k].form == ACC_EA)
				break;
		if (k < in->nacc && in->acc[k].base == REG_RIP) {
			/* call *sym@GOTPCREL(%rip): the callee by name */
			r = in->disp_size == 4 ?
				    reloc_at(f, in->off + in->disp_off) : NULL;
			if (r && reloc__is_got(r->type) && r->sym &&
			    r->sym->type != STT_SECTION && r->sym->name &&
			    *r->sym->name) {
				if (r->sym->sec || not_a_call(r->sym->name))
					return false; /* this object's own */
				c->name = r->sym->name;
				c->flags = in->type == INSN_JMP_IND ?
						   KS_F_CALL_TAIL : 0;
				return true;
			}
		}
		c->flags = KS_F_CALL_IND |
			   (in->type == INSN_JMP_IND ? KS_F_CALL_TAIL : 0);
		if (k < in->nacc)
			c->tacc = k;
		else if (in->gpr_read & ~(1u << REG_RSP))
			c->treg = __builtin_ctz(in->gpr_read & ~(1u << REG_RSP));
		return true;
	default:
		return false;
	}
}
