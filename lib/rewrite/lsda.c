// SPDX-License-Identifier: GPL-2.0
/*
 * C++ call-site tables (the LSDAs in .gcc_except_table) for the copies.
 *
 * An LSDA, as the C++ personality routine reads it:
 *
 *	u8	LPStart encoding (DW_EH_PE_omit: the function's start)
 *	u8	type table encoding, then uleb128 offset to its end ("base")
 *	u8	call-site encoding
 *	uleb128	call-site table length
 *	call sites: start, length, landing pad (function-relative), action
 *	action table, type table (ending at base), exception specifications
 *
 * Only the call-site table holds code offsets.  The copy's LSDA keeps
 * everything after that table byte for byte (and the relocations in it:
 * typeinfo references), at the same alignment, and gets a call-site table
 * in the copy's offsets.  Landing pads are reached by the unwinder, not by
 * a branch, so lsda__scan() makes each an entry of its function: a region
 * starts there, with the liveness of the landing pad's own code (the
 * exception pointer in %rax and the selector in %rdx are read there).
 */
#include "cfi.h"

struct cs_rec {
	u64 start, len, lp, action;
};

struct lsda_hdr {
	u8 tt_enc, cs_enc;
	u64 tt_base; /* section offset of the type table's end */
	u64 cs_start, cs_end; /* the call-site table */
};

static int lsda_header(const struct lsda_ref *l, struct lsda_hdr *h)
{
	const u8 *d = l->sec->data;
	struct dw_rd r = { d + l->off, d + l->end };
	u64 len, tt_off = 0;

	if (!d)
		return -EINVAL;
	if (dw__u8(&r) != PE_OMIT)
		return -EINVAL; /* an explicit LPStart: gcc never writes one */
	h->tt_enc = dw__u8(&r);
	if (h->tt_enc != PE_OMIT) {
		tt_off = dw__uleb(&r);
		h->tt_base = (r.p - d) + tt_off;
	}
	h->cs_enc = dw__u8(&r);
	len = dw__uleb(&r);
	h->cs_start = r.p - d;
	h->cs_end = h->cs_start + len;
	if (r.bad || h->cs_end > l->end ||
	    (h->tt_enc != PE_OMIT && h->tt_base > l->end))
		return -EINVAL;
	if (h->cs_enc != PE_ULEB128 && !dw__enc_size(h->cs_enc))
		return -EINVAL;
	return 0;
}

static u64 cs_value(struct dw_rd *r, u8 enc)
{
	if (enc == PE_ULEB128)
		return dw__uleb(r);
	return dw__fixed(r, dw__enc_size(enc));
}

/* Call site @k of the table (k counts from 0); false at the end or if bad. */
static bool cs_next(struct dw_rd *r, const struct lsda_hdr *h,
		    struct cs_rec *c)
{
	if (r->p >= r->end)
		return false;
	c->start = cs_value(r, h->cs_enc);
	c->len = cs_value(r, h->cs_enc);
	c->lp = cs_value(r, h->cs_enc);
	c->action = dw__uleb(r);
	return !r->bad;
}

/* No relocation may touch the header or call sites: they are constants. */
static bool header_unrelocated(const struct lsda_ref *l,
			       const struct lsda_hdr *h)
{
	struct elf_reloc *x = elf_rela__find(l->sec->rela, l->off);

	return !x || x->offset >= h->cs_end;
}

int lsda__scan(struct rw_ctx *ctx, struct func *f, const struct lsda_ref *l)
{
	struct lsda_hdr h;
	struct cs_rec c;
	struct dw_rd r;
	const char *why = NULL;
	u64 bad_at = f->start;

	if (lsda_header(l, &h) || !header_unrelocated(l, &h)) {
		why = "a C++ call-site table it cannot read";
		goto skip;
	}
	r = (struct dw_rd){ l->sec->data + h.cs_start, l->sec->data + h.cs_end };
	while (cs_next(&r, &h, &c)) {
		u64 to;

		if (!cfi__map(f, c.start, &to) ||
		    !cfi__map(f, c.start + c.len, &to)) {
			why = "a call site that does not start or end at an instruction";
			bad_at = f->start + c.start;
			goto skip;
		}
		if (!c.lp)
			continue;
		if (c.lp >= f->size || f->at[c.lp] == NO_INSN) {
			why = "a landing pad inside an instruction";
			bad_at = f->start + c.lp;
			goto skip;
		}
		f->entry_ref[f->at[c.lp]] = true;
	}
	if (r.bad) {
		why = "a C++ call-site table it cannot read";
		goto skip;
	}
	return 0;
skip:
	func__skip(ctx, f, SKIP_CFI, why, bad_at);
	return 0;
}

int lsda__emit(struct rw_ctx *ctx, const struct func *f,
	       const struct lsda_ref *l, struct elf_sec *out, struct buf *ob,
	       u64 *at)
{
	struct elf_obj *obj = ctx->obj;
	struct buf cs = {};
	struct lsda_hdr h;
	struct cs_rec c;
	struct dw_rd r;
	struct elf_reloc *x;
	u64 rest, shift, tt_field = 0;
	unsigned int pad;
	int err;

	if (lsda_header(l, &h))
		return -EINVAL;
	/* the call sites, in the copy's offsets (uleb128) */
	r = (struct dw_rd){ l->sec->data + h.cs_start, l->sec->data + h.cs_end };
	err = 0;
	while (!err && cs_next(&r, &h, &c)) {
		u64 s, e, lp = 0;

		if (!cfi__map(f, c.start, &s) || !cfi__map(f, c.start + c.len, &e) ||
		    (c.lp && !cfi__map(f, c.lp, &lp))) {
			err = -EINVAL;
			break;
		}
		err = dw__put_uleb(&cs, s, 0);
		err = err ?: dw__put_uleb(&cs, e - s, 0);
		err = err ?: dw__put_uleb(&cs, lp, 0);
		err = err ?: dw__put_uleb(&cs, c.action, 0);
	}
	if (!err && r.bad)
		err = -EINVAL;
	if (err)
		goto out;

	err = buf__align(ob, 8, 0);
	*at = ob->len;
	{
		u8 hd[2] = { PE_OMIT, h.tt_enc };

		err = err ?: buf__append(ob, hd, 2);
	}
	if (!err && h.tt_enc != PE_OMIT) {
		tt_field = ob->len;
		err = dw__put_uleb(ob, 0, 4); /* filled below */
	}
	{
		u8 enc = PE_ULEB128;

		err = err ?: buf__append(ob, &enc, 1);
	}
	if (err)
		goto out;
	/*
	 * What follows the call sites keeps its alignment modulo 8 (the type
	 * table's entries are aligned): the padding goes into a longer
	 * encoding of the table's length, which uleb128 allows.
	 */
	for (pad = 0; pad < 8; pad++) {
		u64 end = ob->len + dw__uleb_len(cs.len) + pad + cs.len;

		if (end % 8 == h.cs_end % 8)
			break;
	}
	err = dw__put_uleb(ob, cs.len, dw__uleb_len(cs.len) + pad);
	err = err ?: buf__append(ob, cs.p, cs.len);
	if (err)
		goto out;
	rest = ob->len;
	shift = rest - h.cs_end;
	err = buf__append(ob, l->sec->data + h.cs_end, l->end - h.cs_end);
	if (!err && h.tt_enc != PE_OMIT) {
		struct buf v = {};
		u64 val = h.tt_base + shift - (tt_field + 4);

		err = dw__put_uleb(&v, val, 4);
		if (!err && v.len == 4)
			memcpy(ob->p + tt_field, v.p, 4);
		else if (!err)
			err = -EINVAL;
		buf__free(&v);
	}
	/* typeinfo references move with the bytes they are in */
	for (x = elf_rela__find(l->sec->rela, h.cs_end);
	     !err && x && x < l->sec->rela->relocs.v + l->sec->rela->relocs.n &&
	     x->offset < l->end;
	     x++)
		err = elf_sec__add_reloc(obj, out, x->offset + shift, x->type,
					 x->sym, x->addend);
out:
	buf__free(&cs);
	return err;
}
