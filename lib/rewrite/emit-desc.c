// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5, the descriptors the trace readers decode records with
 * (include/kstride/abi.h, part 1): one struct ks_func per copy, one struct
 * ks_region with its struct ks_site per region (and per region exit), the
 * strings they name.
 */
#include "emit.h"

int emit__str(struct rw_ctx *ctx, const char *s, u32 *off)
{
	*off = ctx->strs_buf.len;
	return buf__append(&ctx->strs_buf, s, strlen(s) + 1);
}

/* The ks_func descriptor of @f. */
int emit_func_desc(struct rw_ctx *ctx, struct func *f)
{
	struct elf_obj *obj = ctx->obj;
	struct ks_func d = { .size = f->size,
			     .flags = f->cold ? KS_FUNC_COLD : 0 };
	u32 name, objn, at;
	int err;

	err = emit__str(ctx, f->name, &name);
	err = err ?: emit__str(ctx, ctx->objname, &objn);
	if (err)
		return err;
	at = ctx->fdescs_buf.len;
	f->func_desc = at;
	err = buf__append(&ctx->fdescs_buf, &d, sizeof(d));
	err = err ?: elf_sec__add_reloc(obj, ctx->fdescs, at, R_X86_64_PC32,
					elf_obj__secsym(obj, ctx->strs), name);
	err = err ?: elf_sec__add_reloc(obj, ctx->fdescs, at + 4,
					R_X86_64_PC32,
					elf_obj__secsym(obj, ctx->strs), objn);
	return err;
}

/*
 * The site's disp field: for RIP-relative accesses a PC-relative pointer to
 * what the instruction reaches; for others the instruction's displacement,
 * with the instruction's own relocation when it has one (e.g. "sym(,%rax,8)").
 */
static int site_disp_reloc(struct rw_ctx *ctx, struct func *f,
			   const struct site *s, u64 at)
{
	const struct insn *in = &f->insns[s->insn];
	struct elf_obj *obj = ctx->obj;
	struct elf_reloc *r = NULL;
	u64 field = in->off + in->disp_off;

	bool rip = s->form == KS_A_RIP || s->form == KS_A_BITOFF_RIP;

	if (s->form == KS_A_CALL && s->callee) {
		u32 name;
		int err = emit__str(ctx, s->callee, &name);

		return err ?: elf_sec__add_reloc(obj, ctx->regions, at,
						 R_X86_64_PC32,
						 elf_obj__secsym(obj, ctx->strs),
						 name);
	}
	if (s->acc < 0 || (!rip && !in->disp_size))
		return 0;
	if (in->disp_size == 4 && in->acc[s->acc].form == ACC_EA) {
		r = elf_rela__find(f->sec->rela, field);
		if (r && r->offset != field)
			r = NULL;
	}
	if (rip) {
		s64 bias = in->len - in->disp_off;

		if (!r) {
			/* within this section: what the copied insn reaches */
			return add_pending(ctx, ctx->regions,
					   pending_reloc(ctx, at, R_X86_64_PC32),
					   f->sec, in->off + in->len + s->disp, 0);
		}
		if (r->sym && elf_sec__is_exec(r->sym->sec))
			return add_pending(ctx, ctx->regions,
					   pending_reloc(ctx, at, R_X86_64_PC32),
					   r->sym->sec,
					   r->sym->value + r->addend + bias, 0);
		return elf_sec__add_reloc(obj, ctx->regions, at, R_X86_64_PC32,
					  r->sym, r->addend + bias);
	}
	if (!r)
		return 0;
	if (r->type != R_X86_64_32S && r->type != R_X86_64_32 &&
	    r->type != R_X86_64_TPOFF32 && r->type != R_X86_64_DTPOFF32)
		return 0; /* leave the raw displacement */
	return elf_sec__add_reloc(obj, ctx->regions, at, r->type, r->sym,
				  r->addend);
}

/*
 * The descriptor of @r's first @nsites sites (all of them, or the prefix an
 * exit stub commits); a prefix keeps the full slot count, which is what
 * was reserved.
 */
int emit_region_desc(struct rw_ctx *ctx, struct func *f,
			    const struct region *r, u32 nsites, u32 *desc_off)
{
	struct elf_obj *obj = ctx->obj;
	struct ks_region d = { .nsites = nsites, .nslots = r->nslots };
	u32 k, at;
	int err;

	at = ctx->regions_buf.len;
	*desc_off = at;
	err = buf__append(&ctx->regions_buf, &d, sizeof(d));
	for (k = 0; !err && k < nsites; k++) {
		const struct site *s = &f->sites.v[r->site0 + k];
		struct ks_site ds = {
			.off = f->insns[s->insn].off - f->start,
			.size = s->size,
			.kind = s->kind,
			.flags = s->flags,
			.disp = s->form == KS_A_RIP || s->form == KS_A_BITOFF_RIP ?
					0 : s->disp,
			.form = s->form,
			.scale = s->scale,
			.nslots = s->nslots,
			.slot = s->slot,
		};
		u64 dat = ctx->regions_buf.len + offsetof(struct ks_site, disp);

		err = buf__append(&ctx->regions_buf, &ds, sizeof(ds));
		err = err ?: site_disp_reloc(ctx, f, s, dat);
	}
	err = err ?: elf_sec__add_reloc(obj, ctx->regions, at, R_X86_64_PC32,
					elf_obj__secsym(obj, ctx->fdescs),
					f->func_desc);
	return err;
}
