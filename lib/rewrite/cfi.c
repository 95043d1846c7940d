// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5b (user-space objects): unwind information for the copies.
 *
 * C++ exceptions, and every unwinder (gdb, perf, libunwind), find a frame's
 * rules through the FDE that covers its pc.  The originals keep theirs; each
 * copy gets a new FDE, under the original's CIE, appended to .eh_frame:
 *
 *  - The original CFA program is run (a small DWARF CFA interpreter) to
 *    get the rules in force at each original instruction.
 *  - Instrumentation in user space never moves %rsp and never saves a
 *    register on the stack (borrowed registers go to thread-local slots),
 *    so the code kstride puts before an instruction runs under that
 *    instruction's rules.  The copy's program states them at the copy's
 *    offsets: at each instruction's instrumentation, and in the out-of-line
 *    code at the end, under the rules of the instruction it came from (the
 *    slow path's call is 128 bytes further down, past the red zone).
 *  - An FDE with an LSDA gets one for the copy (lsda.c).
 *
 * A function whose unwind information kstride cannot follow exactly stays
 * original (SKIP_CFI); its own FDE then still describes the code that runs.
 */
#include "cfi.h"

#define NREG 33 /* DWARF x86-64: 0-15 gprs, 16 return address, 17-32 xmm */
#define REG_SP 7 /* DWARF number of %rsp */
#define STACK_DEPTH 8 /* DW_CFA_remember_state nesting */

u64 dw__uleb(struct dw_rd *r)
{
	u64 v = 0;
	unsigned int shift = 0;
	u8 b;

	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (u64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

s64 dw__sleb(struct dw_rd *r)
{
	s64 v = 0;
	unsigned int shift = 0;
	u8 b;

	do {
		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (s64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((s64)1 << shift);
	return v;
}

u8 dw__u8(struct dw_rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

u64 dw__fixed(struct dw_rd *r, unsigned int size)
{
	u64 v = 0;

	if (!size || r->end - r->p < (ptrdiff_t)size) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, size);
	r->p += size;
	return v;
}

unsigned int dw__enc_size(u8 enc)
{
	switch (enc & 0x0f) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return 8;
	case PE_UDATA4:
	case PE_SDATA4:
		return 4;
	case PE_UDATA2:
	case PE_SDATA2:
		return 2;
	default:
		return 0;
	}
}

unsigned int dw__uleb_len(u64 v)
{
	unsigned int n = 1;

	while (v >>= 7)
		n++;
	return n;
}

/* uleb128 of @v in at least @min_len bytes (padded with 0x80s) */
int dw__put_uleb(struct buf *b, u64 v, unsigned int min_len)
{
	unsigned int n = 0;
	int err = 0;

	do {
		u8 c = v & 0x7f;

		v >>= 7;
		n++;
		if (v || n < min_len)
			c |= 0x80;
		err = buf__append(b, &c, 1);
	} while (!err && (v || n < min_len));
	return err;
}

int dw__put_sleb(struct buf *b, s64 v)
{
	bool more;
	int err = 0;

	do {
		u8 c = v & 0x7f;

		v >>= 7;
		more = !((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40)));
		if (more)
			c |= 0x80;
		err = buf__append(b, &c, 1);
	} while (!err && more);
	return err;
}

bool cfi__map(const struct func *f, u64 off, u64 *to)
{
	u32 i;

	if (off == f->size) {
		*to = f->body_size;
		return true;
	}
	if (off > f->size || (i = f->at[off]) == NO_INSN)
		return false;
	*to = f->map_start ? f->map_start[i] : 0;
	return true;
}

/* ---- the CFA program ---- */

enum { RULE_UNSPEC, RULE_UNDEF, RULE_SAME, RULE_OFF, RULE_VALOFF, RULE_REG,
       RULE_EXPR, RULE_VALEXPR };

struct rule {
	u8 kind;
	u32 reg;
	s64 off; /* bytes, not factored */
	const u8 *blob; /* expressions, in the original .eh_frame */
	u32 blen;
};

struct cfa_state {
	u32 cfa_reg;
	s64 cfa_off;
	const u8 *cfa_blob; /* DW_CFA_def_cfa_expression */
	u32 cfa_blen;
	u64 args; /* DW_CFA_GNU_args_size */
	struct rule r[NREG];
};

struct row {
	u64 loc; /* function-relative, where these rules start */
	struct cfa_state st;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

struct cie {
	u64 off;
	bool ok, has_z, has_l;
	u8 fde_enc, lsda_enc;
	u64 code_align;
	s64 data_align;
	const u8 *ins;
	size_t ins_len;
	struct cfa_state init;
};

struct fde {
	struct func *f;
	u32 cie; /* index in struct cfi's cies */
	const u8 *ins;
	size_t ins_len;
	struct lsda_ref lsda; /* .sec NULL: none */
};

struct cfi {
	struct elf_sec *sec; /* .eh_frame */
	VEC(struct cie) cies;
	VEC(struct fde) fdes;
	u64 append_at; /* where new entries go: the end, or a terminator */
};

static bool rule_eq(const struct rule *a, const struct rule *b)
{
	return a->kind == b->kind && a->reg == b->reg && a->off == b->off &&
	       a->blen == b->blen &&
	       (!a->blen || !memcmp(a->blob, b->blob, a->blen));
}

static bool cfa_eq(const struct cfa_state *a, const struct cfa_state *b)
{
	return a->cfa_reg == b->cfa_reg && a->cfa_off == b->cfa_off &&
	       a->cfa_blen == b->cfa_blen &&
	       (!a->cfa_blen || !memcmp(a->cfa_blob, b->cfa_blob, a->cfa_blen));
}

static bool state_eq(const struct cfa_state *a, const struct cfa_state *b)
{
	u32 i;

	if (!cfa_eq(a, b) || a->args != b->args)
		return false;
	for (i = 0; i < NREG; i++)
		if (!rule_eq(&a->r[i], &b->r[i]))
			return false;
	return true;
}

/* A register's rule: the operations that name one (after @op's register). */
static int cfa_reg_op(const struct cie *c, struct dw_rd *r, u8 op,
		      struct cfa_state *st)
{
	u64 reg = dw__uleb(r), n;
	struct rule *ru;

	if (r->bad || reg >= NREG)
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
		if (low >= NREG)
			return -EINVAL;
		st->r[low] = (struct rule){ RULE_OFF, 0,
					    (s64)dw__uleb(r) * c->data_align };
		return 0;
	case 3: /* restore */
		if (low >= NREG)
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
static int cfa_run(const struct cie *c, const u8 *p, size_t len,
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

static struct elf_reloc *reloc_at(struct elf_sec *sec, u64 off)
{
	struct elf_reloc *x = elf_rela__find(sec->rela, off);

	return x && x->offset == off ? x : NULL;
}

/*
 * An encoded pointer at @off in @sec, relocated: the place it names.
 * Only what a compiler writes in an object is taken: pcrel sdata4/udata4
 * through R_X86_64_PC32, or absptr through R_X86_64_64.
 */
static bool enc_target(struct elf_sec *sec, u64 off, u8 enc,
		       struct code_ref *to)
{
	struct elf_reloc *x = reloc_at(sec, off);
	bool pc4 = (enc & 0x70) == PE_PCREL &&
		   ((enc & 0x0f) == PE_SDATA4 || (enc & 0x0f) == PE_UDATA4);

	if (!x || !x->sym || !x->sym->sec)
		return false;
	if (!(pc4 && x->type == R_X86_64_PC32) &&
	    !(enc == PE_ABSPTR && x->type == R_X86_64_64))
		return false;
	to->sec = x->sym->sec;
	to->off = x->sym->value + x->addend;
	return true;
}

static bool enc_supported(u8 enc)
{
	return enc == PE_ABSPTR ||
	       ((enc & 0x70) == PE_PCREL &&
		((enc & 0x0f) == PE_SDATA4 || (enc & 0x0f) == PE_UDATA4));
}

static int read_cie(struct cfi *cf, u64 off, u64 end, u32 *idx)
{
	const u8 *d = cf->sec->data;
	struct dw_rd r = { d + off + 8, d + end };
	struct cie *c;
	const char *aug;
	size_t i;
	u8 ver;

	for (i = 0; i < cf->cies.n; i++) {
		if (cf->cies.v[i].off == off) {
			*idx = i;
			return 0;
		}
	}
	c = vec_push(&cf->cies);
	if (!c)
		return -ENOMEM;
	*idx = cf->cies.n - 1;
	memset(c, 0, sizeof(*c));
	c->off = off;
	ver = dw__u8(&r);
	aug = (const char *)r.p;
	while (r.p < r.end && *r.p)
		r.p++;
	dw__u8(&r);
	if (r.bad || (ver != 1 && ver != 3))
		return 0;
	c->code_align = dw__uleb(&r);
	c->data_align = dw__sleb(&r);
	if (ver == 1)
		dw__u8(&r);
	else
		dw__uleb(&r);
	c->fde_enc = PE_ABSPTR;
	c->lsda_enc = PE_OMIT;
	if (*aug == 'z') {
		u64 alen = dw__uleb(&r);
		const u8 *aend = r.p + alen;

		if (r.bad || alen > (u64)(r.end - r.p))
			return 0;
		c->has_z = true;
		for (aug++; *aug; aug++) {
			if (*aug == 'L') {
				c->lsda_enc = dw__u8(&r);
				c->has_l = true;
			} else if (*aug == 'R') {
				c->fde_enc = dw__u8(&r);
			} else if (*aug == 'P') {
				u8 pe = dw__u8(&r);

				if (!dw__enc_size(pe))
					return 0;
				r.p += dw__enc_size(pe);
			} else if (*aug != 'S') {
				return 0;
			}
		}
		if (r.p > aend)
			return 0;
		r.p = aend;
	} else if (*aug) {
		return 0;
	}
	if (r.bad || c->code_align != 1 || !enc_supported(c->fde_enc) ||
	    (c->has_l && !enc_supported(c->lsda_enc)))
		return 0;
	c->ins = r.p;
	c->ins_len = r.end - r.p;
	c->ok = !cfa_run(c, c->ins, c->ins_len, &c->init, NULL);
	return 0;
}

static int lsda_cmp(const void *a, const void *b)
{
	const struct lsda_ref *x = *(struct lsda_ref *const *)a;
	const struct lsda_ref *y = *(struct lsda_ref *const *)b;

	if (x->sec != y->sec)
		return x->sec->idx < y->sec->idx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The extent of each LSDA: up to the next one in its section, or the end. */
static int lsda_extents(struct cfi *cf)
{
	struct lsda_ref **v = calloc(cf->fdes.n + 1, sizeof(*v));
	size_t i, j, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < cf->fdes.n; i++)
		if (cf->fdes.v[i].lsda.sec)
			v[n++] = &cf->fdes.v[i].lsda;
	qsort(v, n, sizeof(*v), lsda_cmp);
	for (i = 0; i < n; i++) {
		v[i]->end = v[i]->sec->size;
		for (j = i + 1; j < n && v[j]->sec == v[i]->sec; j++) {
			if (v[j]->off > v[i]->off) {
				v[i]->end = v[j]->off;
				break;
			}
		}
	}
	free(v);
	return 0;
}

static int read_fde(struct rw_ctx *ctx, struct cfi *cf, u64 off, u64 end,
		    u32 cie_idx)
{
	const struct cie *c = &cf->cies.v[cie_idx];
	const u8 *d = cf->sec->data;
	u64 q = off + 8, aug_end;
	struct code_ref at, lsda = {};
	unsigned int psz;
	struct dw_rd r;
	struct func *f;
	struct fde *e;
	u64 range;

	struct elf_reloc *x = reloc_at(cf->sec, q);
	size_t i;

	if (!x || !x->sym || !x->sym->sec)
		return 0; /* describes no code of this object */
	f = func__at(ctx, x->sym->sec, x->sym->value + x->addend);
	if (!f || f->skip)
		return 0;
	if (!c->ok || !enc_target(cf->sec, q, c->fde_enc, &at) ||
	    f->start != at.off || at.sec != f->sec)
		goto bad;
	for (i = 0; i < cf->fdes.n; i++)
		if (cf->fdes.v[i].f == f)
			goto bad; /* two FDEs for one function */
	psz = dw__enc_size(c->fde_enc);
	r = (struct dw_rd){ d + q + psz, d + end };
	range = dw__fixed(&r, psz);
	if (c->has_z) {
		u64 alen = dw__uleb(&r);

		if (r.bad || alen > (u64)(r.end - r.p))
			goto bad;
		aug_end = (r.p - d) + alen;
		if (c->has_l && alen >= dw__enc_size(c->lsda_enc)) {
			u64 v;

			if (!enc_target(cf->sec, r.p - d, c->lsda_enc, &lsda)) {
				memcpy(&v, r.p, min(sizeof(v),
						    (size_t)dw__enc_size(c->lsda_enc)));
				if (v)
					goto bad;
			}
		}
		r.p = d + aug_end;
	}
	if (r.bad || range != f->size)
		goto bad;
	e = vec_push(&cf->fdes);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->f = f;
	e->cie = cie_idx;
	e->ins = r.p;
	e->ins_len = r.end - r.p;
	if (lsda.sec) {
		if (!lsda.sec->data || lsda.off >= lsda.sec->size)
			goto bad;
		e->lsda.sec = lsda.sec;
		e->lsda.off = lsda.off;
	}
	return 0;
bad:
	func__skip(ctx, f, SKIP_CFI, "an FDE it cannot read", f->start);
	return 0;
}

int cfi__scan(struct rw_ctx *ctx)
{
	struct elf_sec *sec = elf_obj__find_sec(ctx->obj, ".eh_frame");
	struct cfi *cf;
	const char *why = NULL;
	u64 off = 0;
	size_t i;
	int err = 0;

	if (ctx->kernel || !sec || !sec->data || !sec->size)
		return 0;
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return -ENOMEM;
	ctx->cfi = cf;
	cf->sec = sec;
	cf->append_at = sec->size;
	while (!err && off + 4 <= sec->size) {
		u32 len, id;
		u64 end;

		memcpy(&len, sec->data + off, 4);
		if (!len) { /* a terminator: only at the very end */
			if (off + 4 != sec->size)
				why = "a terminator before its end";
			cf->append_at = off;
			break;
		}
		if (len == 0xffffffff) {
			why = "64-bit DWARF entries";
			break;
		}
		end = off + 4 + len;
		if (end > sec->size || len < 4) {
			why = "an entry past its end";
			break;
		}
		memcpy(&id, sec->data + off + 4, 4);
		if (!id) {
			u32 idx;

			err = read_cie(cf, off, end, &idx);
		} else if (id <= off + 4) {
			u64 coff = off + 4 - id;
			u32 idx, clen, cid;

			/* the CIE's own extent, and that it is one */
			memcpy(&clen, sec->data + coff, 4);
			memcpy(&cid, sec->data + coff + 4, 4);
			if (coff + 8 > off || clen < 4 || clen == 0xffffffff ||
			    coff + 4 + clen > off || cid) {
				why = "an FDE whose CIE is not one";
				break;
			}
			err = read_cie(cf, coff, coff + 4 + clen, &idx);
			err = err ?: read_fde(ctx, cf, off, end, idx);
		} else {
			why = "an FDE whose CIE is not before it";
			break;
		}
		off = end;
	}
	if (err)
		return err;
	if (why) {
		/* copies would have no unwind information: keep originals */
		ks_warn("%s: .eh_frame has %s; functions it describes are left original",
			ctx->obj->name, why);
		for (i = 0; i < ctx->funcs.n; i++)
			func__skip(ctx, &ctx->funcs.v[i], SKIP_CFI,
				   ".eh_frame not followed", ctx->funcs.v[i].start);
		vec_free(&cf->fdes);
		return 0;
	}
	err = lsda_extents(cf);
	if (err)
		return err;
	for (i = 0; i < cf->fdes.n; i++) {
		struct fde *e = &cf->fdes.v[i];
		const struct cie *c = &cf->cies.v[e->cie];
		struct cfa_state st = c->init;
		struct rows rows = {};

		if (e->f->skip)
			continue;
		err = cfa_run(c, e->ins, e->ins_len, &st, &rows);
		if (err == -ENOMEM)
			return err;
		if (!err && rows.n && rows.v[rows.n - 1].loc > e->f->size)
			err = -EINVAL;
		vec_free(&rows);
		if (err) {
			func__skip(ctx, e->f, SKIP_CFI,
				   "a CFA program it cannot follow", e->f->start);
			err = 0;
			continue;
		}
		if (e->lsda.sec) {
			err = lsda__scan(ctx, e->f, &e->lsda);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- writing the copies' FDEs ---- */

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

	if (rule_eq(to, &c->init.r[reg])) {
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

	if (!cfa_eq(from, to)) {
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
	for (i = 0; !err && i < NREG; i++)
		if (!rule_eq(&from->r[i], &to->r[i]))
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

	if (state_eq(&w->cur, st))
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
		if (!down.cfa_blen && down.cfa_reg == REG_SP) {
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

	err = cfa_run(c, e->ins, e->ins_len, &st, &rows);
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

void cfi__free(struct rw_ctx *ctx)
{
	struct cfi *cf = ctx->cfi;

	if (!cf)
		return;
	vec_free(&cf->cies);
	vec_free(&cf->fdes);
	free(cf);
	ctx->cfi = NULL;
}
