// SPDX-License-Identifier: GPL-2.0
/*
 * A small DWARF CFA interpreter: the rules in force at each location of a
 * CIE's initial instructions and an FDE's program (DWARF 5, section 6.4).
 * Anything it does not know is -EINVAL, and the function stays original.
 */
#include "cfi.h"

#define STACK_DEPTH 8 /* DW_CFA_remember_state nesting */

bool cfa__rule_eq(const struct rule *a, const struct rule *b)
{
	return a->kind == b->kind && a->reg == b->reg && a->off == b->off &&
	       a->blen == b->blen &&
	       (!a->blen || !memcmp(a->blob, b->blob, a->blen));
}

bool cfa__cfa_eq(const struct cfa_state *a, const struct cfa_state *b)
{
	return a->cfa_reg == b->cfa_reg && a->cfa_off == b->cfa_off &&
	       a->cfa_blen == b->cfa_blen &&
	       (!a->cfa_blen || !memcmp(a->cfa_blob, b->cfa_blob, a->cfa_blen));
}

bool cfa__state_eq(const struct cfa_state *a, const struct cfa_state *b)
{
	u32 i;

	if (!cfa__cfa_eq(a, b) || a->args != b->args)
		return false;
	for (i = 0; i < DW_NREG; i++)
		if (!cfa__rule_eq(&a->r[i], &b->r[i]))
			return false;
	return true;
}

/* A register's rule: the operations that name one (after @op's register). */
static int cfa_reg_op(const struct cie *c, struct dw_rd *r, u8 op,
		      struct cfa_state *st)
{
	u64 reg = dw__uleb(r), n;
	struct rule *ru;

	if (r->bad || reg >= DW_NREG)
		return -EINVAL;
	ru = &st->r[reg];
	switch (op) {
	case 0x05: /* offset_extended */
		*ru = (struct rule){ RULE_OFF, 0, (s64)dw__uleb(r) * c->data_align };
		return 0;
	case 0x11: /* offset_extended_sf */
		*ru = (struct rule){ RULE_OFF, 0, dw__sleb(r) * c->data_align };
		return 0;
	case 0x2f: /* GNU_negative_offset_extended */
		*ru = (struct rule){ RULE_OFF, 0, -(s64)dw__uleb(r) * c->data_align };
		return 0;
	case 0x14: /* val_offset */
		*ru = (struct rule){ RULE_VALOFF, 0,
				     (s64)dw__uleb(r) * c->data_align };
		return 0;
	case 0x15: /* val_offset_sf */
		*ru = (struct rule){ RULE_VALOFF, 0, dw__sleb(r) * c->data_align };
		return 0;
	case 0x06: /* restore_extended */
		*ru = c->init.r[reg];
		return 0;
	case 0x07: /* undefined */
		*ru = (struct rule){ RULE_UNDEF };
		return 0;
	case 0x08: /* same_value */
		*ru = (struct rule){ RULE_SAME };
		return 0;
	case 0x09: /* register */
		*ru = (struct rule){ RULE_REG, dw__uleb(r) };
		return 0;
	case 0x10: /* expression */
	case 0x16: /* val_expression */
		n = dw__uleb(r);
		if (r->bad || n > (u64)(r->end - r->p))
			return -EINVAL;
		*ru = (struct rule){ op == 0x10 ? RULE_EXPR : RULE_VALEXPR, 0, 0,
				     r->p, (u32)n };
		r->p += n;
		return 0;
	default: /* set_loc, window_save, vendor: not here */
		return -EINVAL;
	}
}

struct cfa_stack {
	struct cfa_state v[STACK_DEPTH];
	unsigned int depth;
};

static void cfa_set(struct cfa_state *st, u64 reg, s64 off)
{
	st->cfa_reg = reg;
	st->cfa_off = off;
	st->cfa_blob = NULL;
	st->cfa_blen = 0;
}

/*
 * One CFA instruction of @r into @st; an advance of the location leaves
 * its (unfactored) delta in *@adv, anything else 0.
 */
static int cfa_op(const struct cie *c, struct dw_rd *r, struct cfa_state *st,
		  struct cfa_stack *stk, u64 *adv)
{
	u8 op = dw__u8(r), low = op & 0x3f;
	u64 n;

	*adv = 0;
	switch (op >> 6) {
	case 1: /* advance_loc */
		*adv = low * c->code_align;
		return 0;
	case 2: /* offset */
		if (low >= DW_NREG)
			return -EINVAL;
		st->r[low] = (struct rule){ RULE_OFF, 0,
					    (s64)dw__uleb(r) * c->data_align };
		return 0;
	case 3: /* restore */
		if (low >= DW_NREG)
			return -EINVAL;
		st->r[low] = c->init.r[low];
		return 0;
	}
	switch (op) {
	case 0x00: /* nop */
		return 0;
	case 0x02: /* advance_loc1, 2, 4 */
	case 0x03:
	case 0x04:
		*adv = dw__fixed(r, op == 0x02 ? 1 : op == 0x03 ? 2 : 4) *
		       c->code_align;
		return 0;
	case 0x0a: /* remember_state */
		if (stk->depth == STACK_DEPTH)
			return -EINVAL;
		stk->v[stk->depth++] = *st;
		return 0;
	case 0x0b: /* restore_state: the whole row, CFA too */
		if (!stk->depth)
			return -EINVAL;
		*st = stk->v[--stk->depth];
		return 0;
	case 0x0c: /* def_cfa */
		n = dw__uleb(r);
		cfa_set(st, n, dw__uleb(r));
		return 0;
	case 0x12: /* def_cfa_sf */
		n = dw__uleb(r);
		cfa_set(st, n, dw__sleb(r) * c->data_align);
		return 0;
	case 0x0d: /* def_cfa_register */
		if (st->cfa_blen)
			return -EINVAL;
		st->cfa_reg = dw__uleb(r);
		return 0;
	case 0x0e: /* def_cfa_offset */
	case 0x13: /* def_cfa_offset_sf */
		if (st->cfa_blen)
			return -EINVAL;
		st->cfa_off = op == 0x0e ? (s64)dw__uleb(r) :
					   dw__sleb(r) * c->data_align;
		return 0;
	case 0x0f: /* def_cfa_expression */
		n = dw__uleb(r);
		if (r->bad || n > (u64)(r->end - r->p))
			return -EINVAL;
		cfa_set(st, 0, 0);
		st->cfa_blob = r->p;
		st->cfa_blen = n;
		r->p += n;
		return 0;
	case 0x2e: /* GNU_args_size */
		st->args = dw__uleb(r);
		return 0;
	default:
		return cfa_reg_op(c, r, op, st);
	}
}

/*
 * Run a CFA program.  @rows NULL: a CIE's initial instructions (no
 * location may advance).  Returns 0 or -EINVAL for what we do not know.
 */
int cfa__run(const struct cie *c, const u8 *p, size_t len,
		   struct cfa_state *st, struct rows *rows)
{
	struct cfa_stack stk = { .depth = 0 };
	struct dw_rd r = { p, p + len };
	struct row *w;
	u64 loc = 0, adv;
	int err;

	while (r.p < r.end && !r.bad) {
		err = cfa_op(c, &r, st, &stk, &adv);
		if (err)
			return err;
		if (!adv)
			continue;
		/* an advance: the rules so far hold from loc on */
		if (!rows)
			return -EINVAL;
		w = vec_push(rows);
		if (!w)
			return -ENOMEM;
		w->loc = loc;
		w->st = *st;
		loc += adv;
	}
	if (r.bad)
		return -EINVAL;
	if (rows) {
		w = vec_push(rows);
		if (!w)
			return -ENOMEM;
		w->loc = loc;
		w->st = *st;
	}
	return 0;
}

/* ---- reading .eh_frame ---- */
