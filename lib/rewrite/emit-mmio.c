// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5, MMIO mode (include/kstride/abi.h, part 5): the inline check of
 * each memory operand that may reach a device, the out-of-line stubs that
 * call into kstride.ko, and the site descriptors kstride.ko reads.
 */
#include "../arch/x86/emit.h"
#include "emit.h"

static int sym_reloc(struct emitter *e, size_t pos, u32 type, const char *name,
		     s64 addend)
{
	return add_reloc(e, pos, type,
			 elf_obj__undef_sym(e->ctx->obj, name, STT_NOTYPE),
			 addend);
}

/* The region (one site) and struct ks_msite of @m. */
static int emit_msite_desc(struct rw_ctx *ctx, struct func *f, struct msite *m)
{
	struct elf_obj *obj = ctx->obj;
	const struct insn *in = &f->insns[m->insn];
	const struct insn_access *a = in->nacc ? &in->acc[0] : NULL;
	struct ks_region d = { .nsites = 1, .nslots = KS_MMIO_SLOTS };
	struct ks_site ds = {
		.off = in->off - f->start,
		.size = m->size,
		.kind = m->kind,
		.form = KS_A_SLOT,
		.scale = 1,
		.nslots = KS_MMIO_SLOTS,
	};
	struct ks_msite ms = {
		.op = m->op,
		.size = m->size,
		.base = KS_REG_NONE,
		.index = KS_REG_NONE,
		.scale = 1,
		.reg = in->mm.reg >= 0 ? in->mm.reg : KS_REG_NONE,
		.dsize = in->mm.dsize,
		.flags = in->mm.rep ? KS_MSF_REP : 0,
		.imm = in->mm.imm,
		.helper = m->helper,
	};
	int err;

	if (m->check && a) {
		ms.base = a->base >= 0 ? a->base : KS_REG_NONE;
		ms.index = a->index >= 0 ? a->index : KS_REG_NONE;
		ms.scale = a->scale ? a->scale : 1;
		ms.disp = (s32)a->disp;
	}
	if (m->op == KS_MOP_HELPER)
		ms.reg = KS_REG_NONE;
	m->region_off = ctx->regions_buf.len;
	err = buf__append(&ctx->regions_buf, &d, sizeof(d));
	err = err ?: buf__append(&ctx->regions_buf, &ds, sizeof(ds));
	err = err ?: elf_sec__add_reloc(obj, ctx->regions, m->region_off,
					R_X86_64_PC32,
					elf_obj__secsym(obj, ctx->fdescs),
					f->func_desc);
	if (err)
		return err;
	m->msite_off = ctx->msites_buf.len;
	err = buf__append(&ctx->msites_buf, &ms, sizeof(ms));
	err = err ?: elf_sec__add_reloc(obj, ctx->msites, m->msite_off,
					R_X86_64_PC32,
					elf_obj__secsym(obj, ctx->regions),
					m->region_off);
	if (!err && m->fn)
		err = elf_sec__add_reloc(obj, ctx->msites,
					 m->msite_off + offsetof(struct ks_msite, fn),
					 R_X86_64_PC32, m->fn, 0);
	return err;
}

static void orc_point(struct emitter *e, struct msite *m, int words);

/* pushq $msite; call @fn; lea 8(%rsp), %rsp (flags untouched) */
static int emit_mcall(struct emitter *e, struct msite *m, const char *fn)
{
	struct x86_mem drop = x86_mem_base(REG_RSP, 8);
	size_t pos, fx;
	int err;

	err = x86__emit_push_imm32(e->b, &fx);
	err = err ?: add_reloc(e, fx, R_X86_64_32S,
			       elf_obj__secsym(e->ctx->obj, e->ctx->msites),
			       (s64)m->msite_off);
	orc_point(e, m, 1);
	err = err ?: x86__emit_call32(e->b, &pos);
	err = err ?: sym_reloc(e, pos, R_X86_64_PLT32, fn, -4);
	err = err ?: x86__emit_lea(e->b, REG_RSP, &drop, NULL);
	orc_point(e, m, 0);
	if (!err && e->ctx->opts->test_unbalance && m == e->f->msites.v)
		err = x86__emit_push(e->b, REG_RAX);
	return err;
}

/* From here on, @words are pushed beyond the original instruction's state. */
static void orc_point(struct emitter *e, struct msite *m, int words)
{
	if (m->norc < ARRAY_SIZE(m->orc_pos)) {
		m->orc_pos[m->norc] = e->b->len - e->base;
		m->orc_push[m->norc++] = words;
	}
}

static int emit_check_restore(struct emitter *e, struct msite *m)
{
	int err = 0, words = m->fsave + m->tspill;

	if (m->fsave) {
		err = x86__emit_byte(e->b, 0x9d) /* popf */;
		orc_point(e, m, --words);
	}
	if (!err && m->tspill) {
		err = x86__emit_pop(e->b, m->treg);
		orc_point(e, m, --words);
	}
	return err;
}

/*
 * The inline check of a memory operand: is its address in a granule of
 * vmalloc space that holds an ioremap?  @jc: where the jc to the stub is.
 */
static int emit_check(struct emitter *e, struct msite *m, size_t *jc)
{
	const struct insn_access *a = &e->f->insns[m->insn].acc[0];
	struct x86_mem ea = { .base = a->base, .index = a->index,
			      .scale = a->scale, .disp = (s32)a->disp };
	struct x86_mem rip = x86_mem_base(REG_RIP, 0);
	static const u8 op_sub = 0x2b, op_cmp = 0x3b;
	static const u8 op_bt[2] = { 0x0f, 0xa3 };
	int t = m->treg, err = 0;
	u8 jae[2] = { 0x73, 0 };
	size_t fx, at;

	if (m->tspill) {
		err = x86__emit_push(e->b, t);
		orc_point(e, m, 1);
	}
	if (!err && m->fsave) {
		err = x86__emit_byte(e->b, 0x9c) /* pushf */;
		orc_point(e, m, 1 + m->tspill);
	}
	err = err ?: x86__emit_lea(e->b, t, &ea, NULL);
	err = err ?: x86__emit_shr_imm(e->b, t, KS_IOMAP_SHIFT);
	err = err ?: x86__emit_rm_op(e->b, true, &op_sub, 1, t, &rip, &fx);
	err = err ?: sym_reloc(e, fx, R_X86_64_PC32, KS_SYM_IOMAP_BASE, -4);
	err = err ?: x86__emit_rm_op(e->b, true, &op_cmp, 1, t, &rip, &fx);
	err = err ?: sym_reloc(e, fx, R_X86_64_PC32, KS_SYM_IOMAP_LEN, -4);
	err = err ?: buf__append(e->b, jae, sizeof(jae));
	if (err)
		return err;
	at = e->b->len;
	err = x86__emit_rm_op(e->b, true, op_bt, 2, t, &rip, &fx);
	err = err ?: sym_reloc(e, fx, R_X86_64_PC32, KS_SYM_IOMAP, -4);
	err = err ?: x86__emit_jcc32(e->b, CC_B, jc);
	if (err)
		return err;
	e->b->p[at - 1] = (u8)(e->b->len - at); /* jae: past bt and jc */
	return emit_check_restore(e, m);
}

int emit__func_mmio(struct emitter *e)
{
	struct func *f = e->f;
	struct rw_ctx *ctx = e->ctx;
	size_t *jc = calloc(f->msites.n + 1, sizeof(*jc));
	u32 i, k = 0;
	int err = 0;

	if (!jc)
		return -ENOMEM;
	for (i = 0; i < f->msites.n && !err; i++)
		err = emit_msite_desc(ctx, f, &f->msites.v[i]);
	for (i = 0; !err && i < f->ninsns; i++) {
		struct msite *m = k < f->msites.n && f->msites.v[k].insn == i ?
					  &f->msites.v[k] : NULL;

		f->map_start[i] = e->b->len - e->base;
		if (!m) {
			f->map_insn[i] = f->map_start[i];
			err = emit_insn(e, &f->insns[i]);
			continue;
		}
		k++;
		if (m->check) {
			err = emit_check(e, m, &jc[k - 1]);
			f->map_insn[i] = e->b->len - e->base;
			err = err ?: emit_insn(e, &f->insns[i]);
			m->back_pos = e->b->len - e->base;
			continue;
		}
		f->map_insn[i] = f->map_start[i];
		if (m->op == KS_MOP_HELPER) {
			err = emit_mcall(e, m, KS_SYM_KHELPER);
			if (!err && m->tail)
				err = x86__emit_byte(e->b, 0xc3) /* ret */;
		} else {
			err = emit_mcall(e, m, KS_SYM_KPIO);
		}
	}
	/* each site names its instruction's place in the copy (its pc) */
	for (k = 0; !err && k < f->msites.n; k++) {
		const struct msite *m = &f->msites.v[k];

		err = elf_sec__add_reloc(ctx->obj, ctx->msites,
					 m->msite_off + offsetof(struct ks_msite, pc),
					 R_X86_64_PC32,
					 elf_obj__secsym(ctx->obj, e->copy),
					 (s64)(f->copy_off + f->map_insn[m->insn]));
	}
	/* stubs: the device path of each check */
	for (k = 0; !err && k < f->msites.n; k++) {
		struct msite *m = &f->msites.v[k];
		size_t pos;
		s32 rel;

		if (!m->check)
			continue;
		m->stub_pos = e->b->len - e->base;
		rel = (s32)(e->b->len - (jc[k] + 4));
		memcpy(e->b->p + jc[k], &rel, 4);
		orc_point(e, m, m->tspill + m->fsave);
		err = emit_check_restore(e, m);
		err = err ?: emit_mcall(e, m, KS_SYM_KMMIO);
		if (!err && m->op == KS_MOP_OTHER)
			err = emit_insn(e, &f->insns[m->insn]);
		err = err ?: x86__emit_jmp32(e->b, &pos);
		if (err)
			break;
		rel = (s32)((e->base + m->back_pos) - (pos + 4));
		memcpy(e->b->p + pos, &rel, 4);
	}
	free(jc);
	return err;
}

