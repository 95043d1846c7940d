// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5b (user-space objects): unwind information for the copies.
 * Reading .eh_frame is here; cfa.c runs the CFA programs, cfi-emit.c
 * writes the copies' FDEs.
 *
 * C++ exceptions, and every unwinder (gdb, perf, libunwind), find a frame's
 * rules through the FDE that covers its pc.  The originals keep theirs; each
 * copy gets a new FDE, under the original's CIE, appended to .eh_frame:
 *
 *  - The original CFA program is run (cfa.c, a small DWARF CFA interpreter) to
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
	c->ok = !cfa__run(c, c->ins, c->ins_len, &c->init, NULL);
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
		err = cfa__run(c, e->ins, e->ins_len, &st, &rows);
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
