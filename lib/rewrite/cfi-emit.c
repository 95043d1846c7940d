// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5b (user-space objects): every instrumented copy's FDE, under its
 * original's CIE, appended to .eh_frame, with the original's rules stated at
 * the copy's offsets (see cfi.c); an LSDA for the copy where the original
 * has one (lsda.c).
 */
#include "cfi.h"

static int put_adv(struct buf *b, u64 delta)
{
	u8 t[5];

	if (delta < 64) {
		t[0] = 0x40 | delta;
		return buf__append(b, t, 1);
	}
	if (delta < 256) {
		t[0] = 0x02;
		t[1] = delta;
		return buf__append(b, t, 2);
	}
	if (delta < 65536) {
		u16 v = delta;

		t[0] = 0x03;
		memcpy(t + 1, &v, 2);
		return buf__append(b, t, 3);
	}
	{
		u32 v = delta;

		t[0] = 0x04;
		memcpy(t + 1, &v, 4);
		return buf__append(b, t, 5);
	}
}

static int put_op(struct buf *b, u8 op)
{
	return buf__append(b, &op, 1);
}

static int put_rule(struct buf *b, const struct cie *c, u32 reg,
		    const struct rule *to)
{
	s64 fo = to->off / c->data_align;
	int err;

	if (cfa__rule_eq(to, &c->init.r[reg])) {
		if (reg < 64)
			return put_op(b, 0xc0 | reg);
		err = put_op(b, 0x06);
		return err ?: dw__put_uleb(b, reg, 0);
	}
	switch (to->kind) {
	case RULE_OFF:
		if (fo >= 0 && reg < 64) {
			err = put_op(b, 0x80 | reg);
			return err ?: dw__put_uleb(b, fo, 0);
		}
		err = put_op(b, 0x11);
		err = err ?: dw__put_uleb(b, reg, 0);
		return err ?: dw__put_sleb(b, fo);
	case RULE_VALOFF:
		err = put_op(b, 0x15);
		err = err ?: dw__put_uleb(b, reg, 0);
		return err ?: dw__put_sleb(b, fo);
	case RULE_REG:
		err = put_op(b, 0x09);
		err = err ?: dw__put_uleb(b, reg, 0);
		return err ?: dw__put_uleb(b, to->reg, 0);
	case RULE_UNDEF:
		err = put_op(b, 0x07);
		return err ?: dw__put_uleb(b, reg, 0);
	case RULE_SAME:
	case RULE_UNSPEC: /* unspecified is the same value, for unwinders */
		err = put_op(b, 0x08);
		return err ?: dw__put_uleb(b, reg, 0);
	case RULE_EXPR:
	case RULE_VALEXPR:
		err = put_op(b, to->kind == RULE_EXPR ? 0x10 : 0x16);
		err = err ?: dw__put_uleb(b, reg, 0);
		err = err ?: dw__put_uleb(b, to->blen, 0);
		return err ?: buf__append(b, to->blob, to->blen);
	}
	return -EINVAL;
}

/* The instructions that turn rules @from into @to. */
static int put_delta(struct buf *b, const struct cie *c,
		     const struct cfa_state *from, const struct cfa_state *to)
{
	int err = 0;
	u32 i;

	if (!cfa__cfa_eq(from, to)) {
		if (to->cfa_blen) {
			err = put_op(b, 0x0f);
			err = err ?: dw__put_uleb(b, to->cfa_blen, 0);
			err = err ?: buf__append(b, to->cfa_blob, to->cfa_blen);
		} else if (to->cfa_off < 0) {
			err = put_op(b, 0x12);
			err = err ?: dw__put_uleb(b, to->cfa_reg, 0);
			err = err ?: dw__put_sleb(b, to->cfa_off / c->data_align);
		} else if (from->cfa_blen || from->cfa_reg != to->cfa_reg) {
			if (!from->cfa_blen && from->cfa_off == to->cfa_off) {
				err = put_op(b, 0x0d);
				err = err ?: dw__put_uleb(b, to->cfa_reg, 0);
			} else {
				err = put_op(b, 0x0c);
				err = err ?: dw__put_uleb(b, to->cfa_reg, 0);
				err = err ?: dw__put_uleb(b, to->cfa_off, 0);
			}
		} else {
			err = put_op(b, 0x0e);
			err = err ?: dw__put_uleb(b, to->cfa_off, 0);
		}
	}
	for (i = 0; !err && i < DW_NREG; i++)
		if (!cfa__rule_eq(&from->r[i], &to->r[i]))
			err = put_rule(b, c, i, &to->r[i]);
	if (!err && from->args != to->args) {
		err = put_op(b, 0x2e);
		err = err ?: dw__put_uleb(b, to->args, 0);
	}
	return err;
}

/* The rules in force at function-relative @loc. */
static const struct cfa_state *rules_at(const struct row *rows, size_t n,
					u64 loc)
{
	size_t lo = 0, hi = n;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;

		if (rows[mid].loc <= loc)
			lo = mid;
		else
			hi = mid;
	}
	return &rows[lo].st;
}

struct writer {
	struct buf *b;
	const struct cie *c;
	struct cfa_state cur;
	u64 pos;
};

static int move_to(struct writer *w, u64 pos, const struct cfa_state *st)
{
	int err = 0;

	if (cfa__state_eq(&w->cur, st))
		return 0;
	if (pos > w->pos)
		err = put_adv(w->b, pos - w->pos);
	err = err ?: put_delta(w->b, w->c, &w->cur, st);
	w->cur = *st;
	w->pos = max(w->pos, pos);
	return err;
}

/* The copy's CFA program, from the original's rows. */
static int copy_program(const struct cie *c, const struct func *f,
			const struct row *rows, size_t n, struct buf *b)
{
	struct writer w = { .b = b, .c = c, .cur = c->init };
	u32 i, k;
	int err = 0;

	for (i = 0; !err && i < f->ninsns; i++)
		err = move_to(&w, f->map_start[i],
			      rules_at(rows, n, f->insns[i].off - f->start));
	for (k = 0; !err && k < f->regions.n; k++) {
		const struct region *r = &f->regions.v[k];
		struct cfa_state down =
			*rules_at(rows, n, f->insns[r->first].off - f->start);

		err = move_to(&w, r->slow_off, &down);
		if (!down.cfa_blen && down.cfa_reg == DW_REG_SP) {
			down.cfa_off += 128; /* the call, past the red zone */
			err = err ?: move_to(&w, r->slow_down, &down);
			down.cfa_off -= 128;
			err = err ?: move_to(&w, r->slow_up, &down);
		}
	}
	for (k = 0; !err && k < f->exits.n; k++) {
		const struct region_exit *x = &f->exits.v[k];

		err = move_to(&w, x->stub_off,
			      rules_at(rows, n, f->insns[x->insn].off - f->start));
	}
	return err;
}

/* A new section for the LSDAs of copies whose originals are in @orig. */
static struct elf_sec *lsda_sec_new(struct rw_ctx *ctx, struct elf_sec *orig)
{
	char *name = xasprintf("%s.kstride", orig->name);
	struct elf_sec *s;

	if (!name)
		return NULL;
	s = elf_obj__new_sec(ctx->obj, name, SHT_PROGBITS,
			     orig->sh.sh_flags & ~SHF_GROUP, 8);
	free(name);
	if (s && orig->group) {
		struct elf_sec **m = vec_push(&orig->group->members);

		if (!m)
			return NULL;
		*m = s;
		s->group = orig->group;
		s->sh.sh_flags |= SHF_GROUP;
	}
	return s;
}

/* The copies' LSDA sections, one per original .gcc_except_table*. */
struct lsda_out {
	struct elf_sec *orig, *sec;
	struct buf b;
};

struct lsda_outs {
	struct lsda_out *v;
	size_t n, cap;
};

struct new_reloc {
	u64 off;
	u32 type;
	struct elf_sym *sym;
	s64 addend;
};

struct new_relocs {
	struct new_reloc *v;
	size_t n, cap;
};

static struct lsda_out *lsda_out_for(struct rw_ctx *ctx,
				     struct lsda_outs *outs,
				     struct elf_sec *orig)
{
	struct lsda_out *o;
	size_t i;

	for (i = 0; i < outs->n; i++)
		if (outs->v[i].orig == orig)
			return &outs->v[i];
	o = vec_push(outs);
	if (!o)
		return NULL;
	o->orig = orig;
	o->sec = lsda_sec_new(ctx, orig);
	return o->sec ? o : NULL;
}

static int add_new_reloc(struct new_relocs *rel, u64 off, u32 type,
			 struct elf_sym *sym, s64 addend)
{
	struct new_reloc *x = vec_push(rel);

	if (!x || !sym)
		return -ENOMEM;
	*x = (struct new_reloc){ off, type, sym, addend };
	return 0;
}

/* One FDE for @e's copy at the end of @add (which starts at append_at). */
static int copy_fde(struct rw_ctx *ctx, struct cfi *cf, const struct fde *e,
		    struct buf *add, struct new_relocs *rel,
		    struct lsda_outs *outs)
{
	const struct cie *c = &cf->cies.v[e->cie];
	const struct func *f = e->f;
	struct elf_obj *obj = ctx->obj;
	unsigned int psz = dw__enc_size(c->fde_enc);
	u64 start = add->len, at = cf->append_at + start, lsda_at = 0;
	struct cfa_state st = c->init;
	struct lsda_out *lo = NULL;
	struct rows rows = {};
	u8 zero[8] = {};
	u32 cptr, len;
	int err;

	err = cfa__run(c, e->ins, e->ins_len, &st, &rows);
	if (!err && e->lsda.sec) {
		lo = lsda_out_for(ctx, outs, e->lsda.sec);
		err = lo ? lsda__emit(ctx, f, &e->lsda, lo->sec, &lo->b,
				      &lsda_at) : -ENOMEM;
		if (err == -EINVAL)
			ks_err("%s: %s: the C++ call-site table of its copy cannot be written",
			       obj->name, f->name);
	}
	/* length (below), CIE pointer, pc_begin, pc_range */
	cptr = at + 4 - c->off;
	err = err ?: buf__append(add, zero, 4);
	err = err ?: buf__append(add, &cptr, 4);
	err = err ?: add_new_reloc(rel, cf->append_at + add->len,
				   psz == 8 ? R_X86_64_64 : R_X86_64_PC32,
				   elf_obj__secsym(obj, f->copy), f->copy_off);
	err = err ?: buf__append(add, zero, psz);
	err = err ?: buf__append(add, &f->copy_size, psz);
	if (!err && c->has_z) {
		unsigned int lsz = c->has_l ? dw__enc_size(c->lsda_enc) : 0;

		err = dw__put_uleb(add, lsz, 0);
		if (!err && lsz && lo)
			err = add_new_reloc(rel, cf->append_at + add->len,
					    lsz == 8 ? R_X86_64_64 : R_X86_64_PC32,
					    elf_obj__secsym(obj, lo->sec),
					    lsda_at);
		err = err ?: buf__append(add, zero, lsz);
	}
	err = err ?: copy_program(c, f, rows.v, rows.n, add);
	/* DW_CFA_nop up to the address size */
	while (!err && (add->len - start) % 8)
		err = buf__fill(add, 0, 1);
	if (!err) {
		len = add->len - start - 4;
		memcpy(add->p + start, &len, 4);
	}
	vec_free(&rows);
	return err;
}

int cfi__emit(struct rw_ctx *ctx)
{
	struct cfi *cf = ctx->cfi;
	struct lsda_outs outs = {};
	struct new_relocs rel = {};
	struct buf add = {};
	size_t i;
	int err = 0;

	if (!cf || !cf->fdes.n)
		return 0;
	for (i = 0; !err && i < cf->fdes.n; i++) {
		const struct fde *e = &cf->fdes.v[i];

		if (!e->f->skip && e->f->copy)
			err = copy_fde(ctx, cf, e, &add, &rel, &outs);
	}
	if (!err && add.len) {
		struct elf_sec *sec = cf->sec;
		size_t tail = sec->size - cf->append_at;
		u8 *d = realloc(sec->data, sec->size + add.len);

		if (!d) {
			err = -ENOMEM;
		} else {
			/* before the terminator, if there is one */
			memmove(d + cf->append_at + add.len, d + cf->append_at,
				tail);
			memcpy(d + cf->append_at, add.p, add.len);
			sec->data = d;
			sec->size += add.len;
		}
		for (i = 0; !err && i < rel.n; i++)
			err = elf_sec__add_reloc(ctx->obj, sec, rel.v[i].off,
						 rel.v[i].type, rel.v[i].sym,
						 rel.v[i].addend);
		if (!err && sec->rela)
			elf_rela__sort(sec->rela);
	}
	for (i = 0; i < outs.n; i++) {
		struct lsda_out *o = &outs.v[i];

		if (!err) {
			o->sec->data = o->b.p;
			o->sec->size = o->b.len;
			if (o->sec->rela)
				elf_rela__sort(o->sec->rela);
		} else {
			buf__free(&o->b);
		}
	}
	vec_free(&outs);
	vec_free(&rel);
	buf__free(&add);
	return err;
}
