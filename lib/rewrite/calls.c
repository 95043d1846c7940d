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
 *
 * A function whose address the object takes (stored in data, loaded with
 * lea or mov $fn, passed as an argument) may be called back later by
 * code that is not traced: a work item, a timer, an interrupt handler, a
 * thread.  Its ENTRY and EXIT draw tickets too, which order the callback
 * against the call that queued it and the one that waits for it.
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

/*
 * A direct call to a function of this object that tail-calls out of it
 * (a wrapper: "return calloc(n, size)"): recorded as a call out, under
 * the wrapper's name, so that what the tail call returns is seen.
 */
static bool to_wrapper(struct rw_ctx *ctx, const struct func *f,
		       const struct insn *in, struct call_out *c)
{
	struct elf_reloc *r = reloc_at(f, in->off + in->rel_off);
	struct code_ref ref;
	struct func *g;

	if (in->type != INSN_CALL)
		return false;
	if (r) {
		if (!r->sym || !r->sym->sec ||
		    !refs__code_target(ctx, f->sec, in, r, &ref))
			return false;
		g = func__at(ctx, ref.sec, ref.off);
		if (!g || g->start != ref.off)
			return false;
	} else {
		g = func__at(ctx, f->sec, in->target);
		if (!g || g->start != (u64)in->target)
			return false;
	}
	if (!g->tails_out || g == f)
		return false;
	c->name = g->name;
	return true;
}

bool calls__out(struct rw_ctx *ctx, const struct func *f, u32 i,
		struct call_out *c)
{
	const struct insn *in = &f->insns[i];
	struct elf_reloc *r;
	u16 thunk;
	int k;

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
			return to_wrapper(ctx, f, in, c);
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

/* Does @r (in section @sec) name the start of a function: g, or NULL? */
static struct func *start_named(struct rw_ctx *ctx, struct elf_sec *sec,
				const struct elf_reloc *r)
{
	struct code_ref ref;
	struct func *g;
	u64 off;

	if (!r->sym || !r->sym->sec || !elf_sec__is_exec(r->sym->sec))
		return NULL;
	if (elf_sec__is_exec(sec)) {
		struct func *f = func__at(ctx, sec, r->offset);
		u32 k;

		if (!f || (k = func__insn_containing(f, r->offset)) == NO_INSN)
			return NULL;
		/* a direct call or jump is a call, not a pointer */
		if (f->insns[k].has_target &&
		    r->offset == f->insns[k].off + f->insns[k].rel_off)
			return NULL;
		if (!refs__code_target(ctx, sec, &f->insns[k], r, &ref))
			return NULL;
		g = func__at(ctx, ref.sec, ref.off);
		return g && g->start == ref.off ? g : NULL;
	}
	if (!reloc__is_abs(r->type) && r->type != R_X86_64_64)
		return NULL;
	off = r->sym->value + r->addend;
	g = func__at(ctx, r->sym->sec, off);
	return g && g->start == off ? g : NULL;
}

/*
 * The function of this object that @in, a direct jump out of @f, goes
 * to (at its start), or NULL: a tail call inside the object.
 */
struct func *calls__tail_target(struct rw_ctx *ctx, const struct func *f,
				const struct insn *in)
{
	struct elf_reloc *r;
	struct code_ref ref;
	struct func *g;

	if (in->type != INSN_JMP)
		return NULL;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (r && r->offset == in->off + in->rel_off) {
		if (!r->sym || !r->sym->sec ||
		    !refs__code_target(ctx, f->sec, in, r, &ref))
			return NULL;
		g = func__at(ctx, ref.sec, ref.off);
		return g && g != f && g->start == ref.off && !g->cold ? g : NULL;
	}
	if (in->target >= (s64)f->start && in->target < (s64)(f->start + f->size))
		return NULL;
	g = func__at(ctx, f->sec, in->target);
	return g && g != f && (u64)in->target == g->start && !g->cold ? g : NULL;
}

void calls__addr_taken(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, j;

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *rela = obj->secs.v[i], *sec = rela->base;

		/* unwind tables and the kernel's metadata name every function */
		if (rela->sh.sh_type != SHT_RELA || !sec ||
		    !(sec->sh.sh_flags & SHF_ALLOC) || meta__table(sec) ||
		    !strcmp(sec->name, ".eh_frame") ||
		    !strcmp(sec->name, ".ibt_endbr_seal") ||
		    !strcmp(sec->name, "__patchable_function_entries"))
			continue;
		for (j = 0; j < rela->relocs.n; j++) {
			struct func *g = start_named(ctx, sec, &rela->relocs.v[j]);

			if (g)
				g->addr_taken = true;
		}
	}
	/* lea fn(%rip) within one section needs no relocation */
	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];

		for (j = 0; j < f->ninsns; j++) {
			const struct insn *in = &f->insns[j];
			struct elf_reloc *r;
			struct func *g;
			s32 disp;
			u64 to;

			if (!in->rip_rel || in->has_target || in->disp_size != 4)
				continue;
			r = reloc_at(f, in->off + in->disp_off);
			if (r)
				continue; /* seen above */
			memcpy(&disp, f->sec->data + in->off + in->disp_off, 4);
			to = in->off + in->len + disp;
			g = func__at(ctx, f->sec, to);
			if (g && g->start == to)
				g->addr_taken = true;
		}
	}
	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		struct call_out c;

		ctx->st->callbacks += f->addr_taken;
		for (j = 0; j < f->ninsns && !f->tails_out; j++)
			f->tails_out = calls__out(ctx, f, j, &c) &&
				       (c.flags & KS_F_CALL_TAIL);
		/*
		 * A callback's tail jump to another function of the object:
		 * the callback ends with that one's exit, which must say when
		 */
		for (j = 0; f->addr_taken && j < f->ninsns; j++) {
			struct func *g = calls__tail_target(ctx, f, &f->insns[j]);

			if (g)
				g->tail_of_cb = true;
		}
	}
}
