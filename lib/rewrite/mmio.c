// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO mode, planning: which instructions of a kernel function may reach
 * a device (include/kstride/abi.h, part 5).  Everything else is copied as
 * it is and costs nothing.
 *
 *   - a memory operand that is not %rsp-, RIP- or segment-based, and whose
 *     displacement is no relocated address, gets the inline check;
 *   - in, out, ins and outs always record (the port is the device);
 *   - a call or tail jump to one of the kernel's MMIO accessors goes
 *     through kstride.ko, which performs the accesses and records them.
 */
#include "internal.h"

static const struct {
	const char *name;
	u32 id;
} helpers[] = {
	{ "ioread8", KS_H_IOREAD8 },
	{ "ioread16", KS_H_IOREAD16 },
	{ "ioread16be", KS_H_IOREAD16BE },
	{ "ioread32", KS_H_IOREAD32 },
	{ "ioread32be", KS_H_IOREAD32BE },
	{ "ioread64_lo_hi", KS_H_IOREAD64_LO_HI },
	{ "ioread64_hi_lo", KS_H_IOREAD64_HI_LO },
	{ "iowrite8", KS_H_IOWRITE8 },
	{ "iowrite16", KS_H_IOWRITE16 },
	{ "iowrite16be", KS_H_IOWRITE16BE },
	{ "iowrite32", KS_H_IOWRITE32 },
	{ "iowrite32be", KS_H_IOWRITE32BE },
	{ "iowrite64_lo_hi", KS_H_IOWRITE64_LO_HI },
	{ "iowrite64_hi_lo", KS_H_IOWRITE64_HI_LO },
	{ "ioread8_rep", KS_H_IOREAD8_REP },
	{ "ioread16_rep", KS_H_IOREAD16_REP },
	{ "ioread32_rep", KS_H_IOREAD32_REP },
	{ "iowrite8_rep", KS_H_IOWRITE8_REP },
	{ "iowrite16_rep", KS_H_IOWRITE16_REP },
	{ "iowrite32_rep", KS_H_IOWRITE32_REP },
	{ "memcpy_fromio", KS_H_MEMCPY_FROMIO },
	{ "memcpy_toio", KS_H_MEMCPY_TOIO },
	{ "memset_io", KS_H_MEMSET_IO },
	{ "__iowrite32_copy", KS_H_IOWRITE32_COPY },
	{ "__iowrite64_copy", KS_H_IOWRITE64_COPY },
};

/* The accessor a relative call or jump at @in reaches, or 0. */
static u32 helper_of(const struct func *f, const struct insn *in,
		     struct elf_sym **fn)
{
	struct elf_reloc *r;
	size_t k;

	if ((in->type != INSN_CALL && in->type != INSN_JMP) || !in->rel_size)
		return 0;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (!r || r->offset != in->off + in->rel_off || !r->sym ||
	    r->sym->type == STT_SECTION || r->sym->sec || !r->sym->name)
		return 0;
	for (k = 0; k < ARRAY_SIZE(helpers); k++) {
		if (!strcmp(r->sym->name, helpers[k].name)) {
			*fn = r->sym;
			return helpers[k].id;
		}
	}
	return 0;
}

/* Does a relocation patch any byte of @in (e.g. "movq $sym, 8(%rdi)")? */
static bool relocated(const struct func *f, const struct insn *in)
{
	struct elf_reloc *r = elf_rela__find(f->sec->rela, in->off);

	return r && r < f->sec->rela->relocs.v + f->sec->rela->relocs.n &&
	       r->offset < in->off + in->len;
}

static bool disp_relocated(const struct func *f, const struct insn *in)
{
	struct elf_reloc *r;

	if (!in->disp_size)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->disp_off);
	return r && r->offset == in->off + in->disp_off;
}

/* The one memory operand a check can be formed for, or NULL. */
static const struct insn_access *checkable(const struct func *f,
					   const struct insn *in)
{
	const struct insn_access *a;

	if (in->nacc != 1 || in->nop || in->type == INSN_CALL_IND ||
	    in->type == INSN_JMP_IND || in->type == INSN_RET)
		return NULL;
	a = &in->acc[0];
	if (a->form != ACC_EA || a->addr32 ||
	    (a->flags & (KS_F_FS | KS_F_GS | KS_F_STACK)))
		return NULL;
	if (a->base == REG_RSP || a->base == REG_RIP || a->index == REG_RSP)
		return NULL;
	if (a->base == REG_NONE && a->index == REG_NONE)
		return NULL; /* an absolute address: never ioremap space */
	if (disp_relocated(f, in))
		return NULL; /* sym(%reg): the module's own data */
	return a;
}

static u8 kind_of(u8 op, u8 acc_kind)
{
	switch (op) {
	case KS_MOP_LOAD:
	case KS_MOP_LOAD_ZX:
	case KS_MOP_LOAD_SX:
		return KS_K_MMIO_R;
	case KS_MOP_STORE:
	case KS_MOP_STORE_IMM:
		return KS_K_MMIO_W;
	case KS_MOP_IN:
	case KS_MOP_INS:
		return KS_K_PIO_R;
	case KS_MOP_OUT:
	case KS_MOP_OUTS:
		return KS_K_PIO_W;
	default:
		return acc_kind == KS_K_W ? KS_K_MMIO_W : KS_K_MMIO_R;
	}
}

static int add_msite(struct func *f, struct msite **out)
{
	struct msite *m = vec_push(&f->msites);

	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	m->treg = REG_NONE;
	*out = m;
	return 0;
}

bool mmio__may_reach_device(const struct func *f)
{
	struct elf_sym *fn;
	u32 i;

	for (i = 0; i < f->ninsns; i++) {
		const struct insn *in = &f->insns[i];

		if (helper_of(f, in, &fn) || in->mm.op == KS_MOP_IN ||
		    in->mm.op == KS_MOP_OUT || in->mm.op == KS_MOP_INS ||
		    in->mm.op == KS_MOP_OUTS || in->bad_access ||
		    (in->nacc && (checkable(f, in) ||
				  in->acc[0].form == ACC_STRING)))
			return true;
	}
	return false;
}

int mmio__plan_func(struct rw_ctx *ctx, struct func *f)
{
	u32 i;
	int err;

	for (i = 0; i < f->ninsns; i++) {
		const struct insn *in = &f->insns[i];
		const struct insn_access *a;
		struct elf_sym *fn = NULL;
		struct msite *m;
		u32 h, busy;

		if (f->glue[i] || f->verbatim[i])
			continue;
		h = helper_of(f, in, &fn);
		if (h) {
			err = add_msite(f, &m);
			if (err)
				return err;
			m->insn = i;
			m->op = KS_MOP_HELPER;
			m->helper = h;
			m->fn = fn;
			m->tail = in->type == INSN_JMP;
			m->kind = KS_K_MMIO_R;
			ctx->st->mmio_helpers++;
			continue;
		}
		if (in->mm.op == KS_MOP_IN || in->mm.op == KS_MOP_OUT ||
		    in->mm.op == KS_MOP_INS || in->mm.op == KS_MOP_OUTS) {
			err = add_msite(f, &m);
			if (err)
				return err;
			m->insn = i;
			m->op = in->mm.op;
			m->size = in->mm.size;
			m->kind = kind_of(m->op, 0);
			ctx->st->mmio_pio++;
			continue;
		}
		if (in->bad_access) {
			ctx->st->mmio_unchecked++; /* copied, not checked */
			continue;
		}
		if (!in->nacc)
			continue;
		a = checkable(f, in);
		if (!a) {
			if (in->nacc && in->acc[0].form == ACC_STRING)
				ctx->st->mmio_unchecked++;
			continue;
		}
		err = add_msite(f, &m);
		if (err)
			return err;
		m->insn = i;
		m->check = true;
		m->op = in->mm.op ? in->mm.op : KS_MOP_OTHER;
		/* kstride.ko would see the immediate before relocation */
		if (m->op == KS_MOP_STORE_IMM && relocated(f, in))
			m->op = KS_MOP_OTHER;
		m->size = m->op == KS_MOP_OTHER ? a->size : in->mm.size;
		m->kind = kind_of(m->op, a->kind);
		m->fsave = (f->live[i] >> 16) & FL_ALL;
		busy = 1u << REG_RSP;
		if (a->base >= 0 && a->base < NR_GPRS)
			busy |= 1u << a->base;
		if (a->index >= 0 && a->index < NR_GPRS)
			busy |= 1u << a->index;
		h = ~f->live[i] & GPR_ALL & ~busy;
		if (h) {
			m->treg = __builtin_ctz(h);
		} else {
			m->tspill = true;
			m->treg = __builtin_ctz(GPR_ALL & ~busy);
		}
		ctx->st->mmio_checked++;
		if (m->op != KS_MOP_OTHER)
			ctx->st->mmio_emulated++;
	}
	return 0;
}
