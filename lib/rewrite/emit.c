// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5: write the instrumented copy of every function, and the region
 * and function descriptors the trace readers decode records with.  The
 * code a region adds is emit-site.c's (full mode) or emit-mmio.c's.
 *
 * Original instructions are copied byte for byte; only relative branches
 * are re-encoded (always rel32) and RIP-relative fields get relocations.
 */
#include "../arch/x86/emit.h"
#include "emit.h"

int add_reloc(struct emitter *e, u64 pos, u32 type,
		     struct elf_sym *sym, s64 addend)
{
	if (!sym)
		return -ENOMEM;
	return elf_sec__add_reloc(e->ctx->obj, e->copy, pos, type, sym,
				  addend);
}

int add_pending(struct rw_ctx *ctx, struct elf_sec *sec, size_t idx,
		       struct elf_sec *tsec, u64 toff, s64 bias)
{
	struct pending *p;

	if (idx == SIZE_MAX)
		return -ENOMEM;
	p = vec_push(&ctx->pendings);
	if (!p)
		return -ENOMEM;
	p->sec = sec;
	p->idx = idx;
	p->tsec = tsec;
	p->toff = toff;
	p->bias = bias;
	return 0;
}

/* A placeholder relocation in @ctx->regions, returns its index. */
size_t pending_reloc(struct rw_ctx *ctx, u64 at, u32 type)
{
	struct elf_obj *obj = ctx->obj;

	if (elf_sec__add_reloc(obj, ctx->regions, at, type,
			       elf_obj__secsym(obj, ctx->regions), 0))
		return SIZE_MAX;
	return ctx->regions->rela->relocs.n - 1;
}

/* A relocation in the copy to a code place resolved later. */
static int add_code_reloc(struct emitter *e, u64 pos, u32 type,
			  struct elf_sec *tsec, u64 toff, s64 bias)
{
	struct rw_ctx *ctx = e->ctx;
	int err;

	err = add_reloc(e, pos, type, elf_obj__secsym(ctx->obj, tsec), 0);
	if (err)
		return err;
	return add_pending(ctx, e->copy, e->copy->rela->relocs.n - 1, tsec,
			   toff, bias);
}


/*
 * A relocation through a named symbol that points exactly at the symbol
 * keeps its symbol: the symbol itself moves to the copy (finish.c).
 */
static bool names_start(const struct elf_reloc *r, s64 bias)
{
	return r->sym->type != STT_SECTION && r->addend + bias == 0;
}

static bool branch_reloc(const struct func *f, const struct insn *in,
			 struct elf_reloc **rp)
{
	struct elf_reloc *r;

	if (!in->has_target)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (r && r->offset == in->off + in->rel_off) {
		*rp = r;
		return true;
	}
	return false;
}

/* Point the rel32 field at @pos where @in's branch went. */
int emit__branch_target(struct emitter *e, const struct insn *in, size_t pos)
{
	struct func *f = e->f;
	struct elf_reloc *r;
	struct fixup *fx;

	if (branch_reloc(f, in, &r)) {
		/* the original rel32 is last in its insn, as ours is: bias 4 */
		s64 bias = in->len - in->rel_off;

		if (r->sym && elf_sec__is_exec(r->sym->sec) &&
		    !names_start(r, bias))
			return add_code_reloc(e, pos, r->type, r->sym->sec,
					      r->sym->value + r->addend + bias,
					      4);
		return add_reloc(e, pos, r->type, r->sym, r->addend + bias - 4);
	}
	if (in->target >= (s64)f->start && in->target < (s64)(f->start + f->size)) {
		fx = vec_push(&e->fixups);
		if (!fx)
			return -ENOMEM;
		fx->pos = pos;
		fx->insn = f->at[in->target - f->start];
		return 0;
	}
	return add_code_reloc(e, pos, R_X86_64_PC32, f->sec, in->target, 4);
}

/* Re-encode a relative branch with a rel32; @stub: a region exit's jcc. */
static int emit_branch(struct emitter *e, const struct insn *in, int stub)
{
	const u8 *src = e->f->sec->data + in->off;
	size_t pos;
	int err;

	switch (in->type) {
	case INSN_JCC:
		err = x86__emit_jcc32(e->b, in->cc, &pos);
		break;
	case INSN_JMP:
		err = x86__emit_jmp32(e->b, &pos);
		break;
	case INSN_CALL:
		err = x86__emit_call32(e->b, &pos);
		break;
	case INSN_LOOP: {
		/* loop/jrcxz have only rel8: hop over a rel32 jmp */
		u8 t[4] = { src[in->len - 2], 2, 0xeb, 5 };

		err = buf__append(e->b, t, 4);
		err = err ?: x86__emit_jmp32(e->b, &pos);
		break;
	}
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	if (stub >= 0) {
		struct fixup *fx = vec_push(&e->fixups);

		if (!fx)
			return -ENOMEM;
		e->f->exits.v[stub].words = e->words;
		fx->pos = pos;
		fx->insn = stub;
		fx->exit = true;
		return 0;
	}
	return emit__branch_target(e, in, pos);
}

/* Copy one original instruction, fixing what refers to addresses. */
int emit_insn(struct emitter *e, const struct insn *in)
{
	struct func *f = e->f;
	struct elf_sec *rela = f->sec->rela;
	u64 at = e->b->len;
	struct elf_reloc *r;
	bool rip_done = false;
	int err;

	if (in->has_target)
		return emit_branch(e, in, -1);
	err = buf__append(e->b, f->sec->data + in->off, in->len);
	if (err)
		return err;
	for (r = elf_rela__find(rela, in->off);
	     r && r < rela->relocs.v + rela->relocs.n &&
	     r->offset < in->off + in->len;
	     r++) {
		u64 field = r->offset - in->off;
		struct code_ref ref;

		if (in->rip_rel && field == in->disp_off)
			rip_done = true;
		if (r->sym && elf_sec__is_exec(r->sym->sec) &&
		    refs__code_target(e->ctx, f->sec, in, r, &ref) &&
		    !(r->sym->type != STT_SECTION && ref.off == r->sym->value)) {
			s64 bias = reloc__is_abs(r->type) ? 0 :
							    in->len - field;

			err = add_code_reloc(e, at + field, r->type, ref.sec,
					     ref.off, bias);
		} else {
			err = add_reloc(e, at + field, r->type, r->sym,
					r->addend);
		}
		if (err)
			return err;
	}
	if (in->rip_rel && !rip_done) {
		s32 disp;

		memcpy(&disp, f->sec->data + in->off + in->disp_off, 4);
		memset(e->b->p + at + in->disp_off, 0, 4);
		err = add_code_reloc(e, at + in->disp_off, R_X86_64_PC32,
				     f->sec, in->off + in->len + disp,
				     in->len - in->disp_off);
	}
	return err;
}

static int emit_func(struct rw_ctx *ctx, struct func *f, struct buf *b,
		     struct elf_sec *copy)
{
	struct emitter e = { .ctx = ctx, .f = f, .b = b, .copy = copy };
	u32 i, ri = 0, k, xi;
	int err;

	size_t nrel0 = copy->rela ? copy->rela->relocs.n : 0;

	err = buf__align(b, 16, 0xcc);
	if (err)
		return err;
	e.base = b->len;
	f->copy = copy;
	f->marks.n = 0;
	f->copy_off = b->len;
	f->map_start = calloc(f->ninsns, sizeof(u32));
	f->map_insn = calloc(f->ninsns, sizeof(u32));
	e.slow_pos = calloc(f->regions.n + 1, sizeof(u32));
	e.back_pos = calloc(f->regions.n + 1, sizeof(u32));
	e.exit_pos = calloc(f->exits.n + 1, sizeof(u32));
	if (!f->map_start || !f->map_insn || !e.slow_pos || !e.back_pos ||
	    !e.exit_pos) {
		err = -ENOMEM;
		goto out;
	}
	err = emit_func_desc(ctx, f);
	if (!err && ctx->opts->mmio) {
		err = emit__func_mmio(&e);
		goto fixups;
	}
	for (ri = 0; !err && ri < f->regions.n; ri++) {
		struct region *r = &f->regions.v[ri];

		err = emit_region_desc(ctx, f, r, r->nsites, &r->desc_off);
		for (k = r->exit0; !err && k < r->exit0 + r->nexits; k++)
			err = emit_region_desc(ctx, f, r, f->exits.v[k].nsites,
					       &f->exits.v[k].desc_off);
	}
	ri = 0;
	xi = 0;
	for (i = 0; !err && i < f->ninsns; i++) {
		struct region *r = ri < f->regions.n ? &f->regions.v[ri] : NULL;
		bool in_r = r && i >= r->first && i <= r->last;

		f->map_start[i] = b->len - e.base;
		if (r && r->before && r->first == i) {
			/* the entry, which branches to this insn skip */
			err = emit__prologue(&e, r, ri);
			err = err ?: emit__site_pre(&e, r, &f->sites.v[r->site0]);
			err = err ?: emit__commit(&e, r);
			f->loop_off = b->len - e.base;
			r = ++ri < f->regions.n ? &f->regions.v[ri] : NULL;
			in_r = r && i >= r->first && i <= r->last;
		}
		if (in_r && i == r->first)
			err = emit__prologue(&e, r, ri);
		if (in_r) {
			for (k = r->site0; !err && k < r->site0 + r->nsites; k++)
				if (f->sites.v[k].insn == i)
					err = emit__site_pre(&e, r,
							    &f->sites.v[k]);
			if (!err && i == r->last && !r->post)
				err = emit__commit(&e, r);
		}
		f->map_insn[i] = b->len - e.base;
		if (!err && xi < f->exits.n && f->exits.v[xi].insn == i)
			err = emit_branch(&e, &f->insns[i], xi++);
		else
			err = err ?: emit_insn(&e, &f->insns[i]);
		if (in_r && i == r->last) {
			if (r->post) {
				for (k = r->site0; !err && k < r->site0 + r->nsites; k++)
					if (f->sites.v[k].insn == i)
						err = emit__site_post(&e, r, &f->sites.v[k]);
				err = err ?: emit__commit(&e, r);
			}
			ri++;
		}
		/* a call's CALL_POST: a record of its own once it returned */
		if (ri < f->regions.n && f->regions.v[ri].after &&
		    f->regions.v[ri].first == i) {
			r = &f->regions.v[ri];
			err = err ?: emit__prologue(&e, r, ri);
			err = err ?: emit_call_site(&e, r, &f->sites.v[r->site0]);
			err = err ?: emit__commit(&e, r);
			ri++;
		}
	}
	f->body_size = b->len - e.base;
	err = err ?: emit__slow_paths(&e);
	err = err ?: emit__exit_stubs(&e);
fixups:
	if (err)
		goto out;
	for (k = 0; k < e.fixups.n; k++) {
		struct fixup *fx = &e.fixups.v[k];
		u32 to;
		s32 rel;

		if (fx->exit)
			to = e.exit_pos[fx->insn];
		else if (fx->slow)
			to = e.slow_pos[fx->insn];
		else if (fx->back)
			to = e.back_pos[fx->insn];
		else if (fx->insn == f->loop_insn)
			to = f->loop_off; /* past the ENTRY: a loop */
		else
			to = f->map_start[fx->insn];
		rel = (s32)(e.base + to) - (s32)(fx->pos + 4);
		memcpy(b->p + fx->pos, &rel, 4);
	}
	f->copy_size = b->len - e.base;
	err = verify__copy(ctx, f, b->p + e.base, nrel0);
	/* one trap byte: nothing else starts where a copy ends (ORC) */
	err = err ?: buf__fill(b, 0xcc, 1);
out:
	vec_free(&e.fixups);
	free(e.slow_pos);
	free(e.back_pos);
	free(e.exit_pos);
	return err;
}

static char *copy_name(const char *name)
{
	return xasprintf("%s.kstride", name);
}

static int emit_section(struct rw_ctx *ctx, struct elf_sec *sec)
{
	struct elf_obj *obj = ctx->obj;
	struct elf_sec *copy = NULL;
	struct buf b = {};
	size_t i;
	int err = 0;

	for (i = 0; i < ctx->funcs.n && !err; i++) {
		struct func *f = &ctx->funcs.v[i];

		if (f->sec != sec || f->skip)
			continue;
		if (!copy) {
			char *name = copy_name(sec->name);

			if (!name)
				return -ENOMEM;
			copy = elf_obj__new_sec(obj, name, SHT_PROGBITS,
						sec->sh.sh_flags & ~SHF_GROUP,
						max(sec->sh.sh_addralign,
						    (u64)16));
			free(name);
			if (!copy)
				return -ENOMEM;
			if (sec->group) {
				struct elf_sec **m =
					vec_push(&sec->group->members);

				if (!m)
					return -ENOMEM;
				*m = copy;
				copy->group = sec->group;
				copy->sh.sh_flags |= SHF_GROUP;
			}
		}
		err = emit_func(ctx, f, &b, copy);
		if (!err && !f->skip) {
			ctx->st->funcs_done++;
		} else if (!err) { /* its copy failed verify__copy() */
			ctx->st->funcs_skipped++;
			ctx->st->skip[f->skip_why]++;
		}
	}
	if (copy) {
		copy->data = b.p;
		copy->size = b.len;
		ctx->st->bytes_out += b.len;
	} else {
		buf__free(&b);
	}
	return err;
}

void emit__resolve(struct rw_ctx *ctx, struct elf_sec *sec, u64 off,
		   bool exact_insn, struct elf_sym **sym, u64 *newoff)
{
	struct func *g = func__at(ctx, sec, off);
	u32 i;

	if (g && !g->skip && g->copy &&
	    (i = g->at[off - g->start]) != NO_INSN) {
		*sym = elf_obj__secsym(ctx->obj, g->copy);
		*newoff = g->copy_off +
			  (exact_insn ? g->map_insn[i] : g->map_start[i]);
		return;
	}
	if (g && !g->skip && g->copy &&
	    (i = func__endbr_around(g, off)) != NO_INSN) {
		*sym = elf_obj__secsym(ctx->obj, g->copy);
		*newoff = g->copy_off + g->map_insn[i] +
			  (off - g->insns[i].off);
		return;
	}
	*sym = elf_obj__secsym(ctx->obj, sec);
	*newoff = off;
}

static int new_data_sec(struct rw_ctx *ctx, const char *name, u64 flags,
			struct elf_sec **sec)
{
	*sec = elf_obj__new_sec(ctx->obj, name, SHT_PROGBITS, flags, 8);
	return *sec ? 0 : -ENOMEM;
}

int emit__all(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, nsec = obj->secs.n;
	int err;

	err = new_data_sec(ctx, KS_SEC_REGIONS, SHF_ALLOC, &ctx->regions);
	err = err ?: new_data_sec(ctx, KS_SEC_FUNCS, SHF_ALLOC, &ctx->fdescs);
	err = err ?: new_data_sec(ctx, KS_SEC_STRS, SHF_ALLOC, &ctx->strs);
	if (!err && ctx->opts->mmio)
		err = new_data_sec(ctx, KS_SEC_MSITES, SHF_ALLOC, &ctx->msites);
	if (!err && ctx->opts->calls) {
		/* tells the runtime to record THREAD events (abi.h, part 6) */
		struct elf_sec *mark;

		err = new_data_sec(ctx, KS_SEC_CALLS, SHF_ALLOC, &mark);
		if (!err && !(mark->data = calloc(1, 8)))
			err = -ENOMEM;
		if (!err)
			mark->size = 8;
	}
	if (err)
		return err;
	for (i = 1; i < nsec && !err; i++) {
		struct elf_sec *sec = obj->secs.v[i];

		if (elf_sec__is_exec(sec) && !sec->is_new)
			err = emit_section(ctx, sec);
	}
	if (err)
		return err;
	/* keep the three descriptor sections 8-aligned and complete */
	if (buf__align(&ctx->regions_buf, 8, 0) ||
	    buf__align(&ctx->strs_buf, 8, 0))
		return -ENOMEM;
	ctx->regions->data = ctx->regions_buf.p;
	ctx->regions->size = ctx->regions_buf.len;
	/*
	 * Name the descriptor sections with sized symbols, which kallsyms
	 * keeps for modules: kstride.ko finds them by name (KS_DESC_SYMS).
	 */
	if (!elf_obj__new_sym(obj, "__kstride_regions", STB_LOCAL, STT_OBJECT,
			      ctx->regions, 0, ctx->regions_buf.len) ||
	    !elf_obj__new_sym(obj, "__kstride_funcs", STB_LOCAL, STT_OBJECT,
			      ctx->fdescs, 0, ctx->fdescs_buf.len) ||
	    !elf_obj__new_sym(obj, "__kstride_strs", STB_LOCAL, STT_OBJECT,
			      ctx->strs, 0, ctx->strs_buf.len))
		return -ENOMEM;
	ctx->fdescs->data = ctx->fdescs_buf.p;
	ctx->fdescs->size = ctx->fdescs_buf.len;
	ctx->strs->data = ctx->strs_buf.p;
	ctx->strs->size = ctx->strs_buf.len;
	if (ctx->msites) {
		ctx->msites->data = ctx->msites_buf.p;
		ctx->msites->size = ctx->msites_buf.len;
		memset(&ctx->msites_buf, 0, sizeof(struct buf));
	}
	memset(&ctx->regions_buf, 0, sizeof(struct buf));
	memset(&ctx->fdescs_buf, 0, sizeof(struct buf));
	memset(&ctx->strs_buf, 0, sizeof(struct buf));

	/* now every copy is placed: resolve code references */
	for (i = 0; i < ctx->pendings.n; i++) {
		struct pending *p = &ctx->pendings.v[i];
		struct elf_reloc *r = &p->sec->rela->relocs.v[p->idx];
		struct elf_sym *sym;
		u64 off;

		emit__resolve(ctx, p->tsec, p->toff, false, &sym, &off);
		r->sym = sym;
		r->addend = (s64)off - p->bias;
	}
	vec_free(&ctx->pendings);
	return 0;
}
