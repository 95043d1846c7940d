// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 6: make everything that entered the originals enter the copies.
 *
 *  - Symbols inside an instrumented function move to the same instruction
 *    in its copy, so every reference through a symbol (calls from other
 *    objects, function pointers, the kernel's module loader) follows.
 *  - Relocations through section symbols (static functions, jump tables,
 *    .cold parts) are pointed at the copy, computed exactly as in refs.c.
 *  - The original entry becomes "jmp copy", a safety net for anything that
 *    still reaches it.  Relocations under those five bytes are voided.
 *  - .eh_frame and debug sections keep describing the original code (the
 *    copies have FDEs of their own, cfi.c).
 */
#include "internal.h"

static struct func *instrumented_at(struct rw_ctx *ctx, struct elf_sec *sec,
				    u64 off)
{
	struct func *g = func__at(ctx, sec, off);

	return g && !g->skip && g->copy ? g : NULL;
}

static struct jump_table *table_of(struct rw_ctx *ctx, struct elf_sec *sec,
				   u64 off)
{
	size_t i;

	/* few tables per object: a scan is fine */
	for (i = 0; i < ctx->tables.n; i++) {
		struct jump_table *t = &ctx->tables.v[i];

		if (t->sec == sec && off >= t->base && off < t->base + 4 * t->nent)
			return t;
	}
	return NULL;
}

/* Point @r at @target's place in the copies; @anchor_delta is added back. */
static void retarget(struct rw_ctx *ctx, struct elf_reloc *r,
		     struct elf_sec *tsec, u64 target, s64 delta)
{
	struct elf_sym *sym;
	u64 off;

	if (r->sym->type != STT_SECTION && r->sym->value == target &&
	    r->addend - delta == 0)
		return; /* through the symbol, which moves by itself */
	emit__resolve(ctx, tsec, target, false, &sym, &off);
	r->sym = sym;
	r->addend = (s64)off + delta;
}

static void fix_data_reloc(struct rw_ctx *ctx, struct elf_sec *sec,
			   struct elf_reloc *r)
{
	struct jump_table *t;
	struct func *g;
	u64 target;

	if (!r->sym || !elf_sec__is_exec(r->sym->sec))
		return;
	target = r->sym->value + r->addend;
	if (reloc__is_abs(r->type)) {
		if (instrumented_at(ctx, r->sym->sec, target))
			retarget(ctx, r, r->sym->sec, target, 0);
		return;
	}
	if (r->type != R_X86_64_PC32 && r->type != R_X86_64_PC64)
		return;
	if (r->type == R_X86_64_PC32 && (t = table_of(ctx, sec, r->offset))) {
		s64 delta = r->offset - t->base;

		if (instrumented_at(ctx, r->sym->sec, target - delta))
			retarget(ctx, r, r->sym->sec, target - delta, delta);
		return;
	}
	g = instrumented_at(ctx, r->sym->sec, target);
	if (g && g->start == target)
		retarget(ctx, r, r->sym->sec, target, 0);
}

/* A relocation in code that is not an instrumented original body. */
static void fix_code_reloc(struct rw_ctx *ctx, struct elf_sec *sec,
			   struct elf_reloc *r)
{
	struct func *f = func__at(ctx, sec, r->offset);
	struct code_ref ref;
	u32 i;

	if (f && !f->skip && f->copy)
		return; /* dead original body */
	if (!f && r->sym && elf_sec__is_exec(r->sym->sec)) {
		const struct insn *in = refs__outside_insn(ctx, sec, r);

		if (in) {
			if (refs__code_target(ctx, sec, in, r, &ref) &&
			    instrumented_at(ctx, ref.sec, ref.off))
				retarget(ctx, r, ref.sec, ref.off,
					 -(s64)(in->off + in->len - r->offset));
			return;
		}
	}
	if (!f || !f->at || !r->sym || !elf_sec__is_exec(r->sym->sec)) {
		fix_data_reloc(ctx, sec, r);
		return;
	}
	for (i = 0; i < f->ninsns; i++) {
		const struct insn *in = &f->insns[i];

		if (r->offset < in->off || r->offset >= in->off + in->len)
			continue;
		if (refs__code_target(ctx, sec, in, r, &ref) &&
		    instrumented_at(ctx, ref.sec, ref.off)) {
			s64 bias = reloc__is_abs(r->type) ?
					   0 :
					   (s64)(in->off + in->len - r->offset);

			retarget(ctx, r, ref.sec, ref.off, -bias);
		}
		return;
	}
}

static int move_symbols(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i;

	for (i = 1; i < obj->syms.n; i++) {
		struct elf_sym *s = obj->syms.v[i];
		struct func *g;
		u32 k;

		if (!s->sec || s->type == STT_SECTION || s->type == STT_FILE ||
		    !elf_sec__is_exec(s->sec) || s->sec->is_new)
			continue;
		g = instrumented_at(ctx, s->sec, s->value);
		if (!g)
			continue;
		k = g->at[s->value - g->start];
		if (k == NO_INSN)
			continue;
		if (s->value == g->start && s->size == g->size)
			s->size = g->copy_size;
		s->sec = g->copy;
		s->value = g->copy_off + g->map_start[k];
	}
	return 0;
}

/* Where the jmp to the copy goes in @f's original, or UINT64_MAX. */
static u64 patch_at(const struct func *f)
{
	u64 at = f->start;

	if (f->skip || !f->copy)
		return UINT64_MAX;
	if (f->size >= 9 && func__is_endbr(f, 0))
		at += 4; /* keep the landing pad for indirect calls */
	return at + 5 <= f->start + f->size ? at : UINT64_MAX;
}

/*
 * Two passes: void what the five bytes cover while the relocations are
 * still sorted for lookup, then append the jumps' own relocations.
 */
static int patch_entries(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i;
	int err;

	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		struct elf_sec *rela = f->sec->rela;
		u64 at = patch_at(f), lo, hi;
		struct elf_reloc *r;
		u32 k;

		if (at == UINT64_MAX)
			continue;
		/*
		 * Every relocation of an instruction the jmp overwrites, even
		 * in part: the linker checks the bytes around some (a TLS
		 * sequence's lea, for one) and fails on what it does not find.
		 */
		lo = at;
		hi = at + 5;
		k = func__insn_containing(f, at);
		for (; k != NO_INSN && k < f->ninsns &&
		       f->insns[k].off < at + 5; k++) {
			lo = min(lo, f->insns[k].off);
			hi = max(hi, f->insns[k].off + f->insns[k].len);
		}
		for (r = elf_rela__find(rela, lo);
		     r && r < rela->relocs.v + rela->relocs.n &&
		     r->offset < hi;
		     r++) {
			r->type = R_X86_64_NONE;
			r->sym = NULL;
			r->addend = 0;
		}
	}
	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		u64 at = patch_at(f);
		u8 *p;

		if (at == UINT64_MAX)
			continue;
		p = f->sec->data + at;
		p[0] = 0xe9;
		memset(p + 1, 0, 4);
		err = elf_sec__add_reloc(obj, f->sec, at + 1, R_X86_64_PC32,
					 elf_obj__secsym(obj, f->copy),
					 (s64)f->copy_off - 4);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A module built with CONFIG_MODVERSIONS lists the CRC of every symbol it
 * imports in __versions, and the loader refuses imports missing there.
 * kstride.ko exports its symbols unversioned (CRC 0): list them so.
 * struct modversion_info: unsigned long crc; char name[56].
 */
static int add_versions(struct rw_ctx *ctx)
{
	static const char *const names[] = {
		KS_SYM_PCPU, KS_SYM_KREFILL, KS_SYM_PREEMPT, KS_SYM_KMMIO,
		KS_SYM_KPIO, KS_SYM_KHELPER, KS_SYM_IOMAP, KS_SYM_IOMAP_BASE,
		KS_SYM_IOMAP_LEN, KS_SYM_SEQ, KS_SYM_CURTASK, KS_SYM_SOFTIRQ_OFF,
	};
	struct elf_sec *v = elf_obj__find_sec(ctx->obj, "__versions");
	size_t i, k;

	if (!ctx->kernel || !v || v->sh.sh_type != SHT_PROGBITS ||
	    v->size % 64)
		return 0;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		u8 ent[64] = {};
		u8 *d;

		for (k = 0; k < v->size; k += 64)
			if (!strcmp((char *)v->data + k + 8, names[i]))
				break;
		if (k < v->size)
			continue;
		d = realloc(v->data, v->size + 64);
		if (!d)
			return -ENOMEM;
		strcpy((char *)ent + 8, names[i]);
		memcpy(d + v->size, ent, 64);
		v->data = d;
		v->size += 64;
	}
	return 0;
}

/*
 * A module's .modinfo says what instrumented it, for modinfo(8) and for
 * 'kstride record -m', which loads a module instrumented ahead of time
 * as it is when its ABI and mode are the ones asked for (abi.h).
 */
static int add_stamp(struct rw_ctx *ctx)
{
	struct elf_sec *mi = elf_obj__find_sec(ctx->obj, ".modinfo");
	char stamp[64];
	int n;
	u8 *d;

	if (!ctx->kernel || !mi || mi->rela || mi->sh.sh_type != SHT_PROGBITS)
		return 0;
	n = snprintf(stamp, sizeof(stamp), "%s=%d%c%s=%s", KS_MODINFO_ABI,
		     KS_ABI_VERSION, 0, KS_MODINFO_MODE,
		     ctx->opts->mmio ? "mmio" : ctx->opts->calls ? "calls" :
							    "full");
	d = realloc(mi->data, mi->size + n + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d + mi->size, stamp, n + 1);
	mi->data = d;
	mi->size += n + 1;
	return 0;
}

int finish__retarget(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, j, nsec = obj->secs.n;
	int err;

	for (i = 1; i < nsec; i++) {
		struct elf_sec *rela = obj->secs.v[i], *sec = rela->base;

		if (rela->sh.sh_type != SHT_RELA || !sec || sec->is_new ||
		    rela->is_new || !(sec->sh.sh_flags & SHF_ALLOC) ||
		    !strcmp(sec->name, ".eh_frame") || meta__table(sec))
			continue;
		for (j = 0; j < rela->relocs.n; j++) {
			struct elf_reloc *r = &rela->relocs.v[j];

			if (elf_sec__is_exec(sec))
				fix_code_reloc(ctx, sec, r);
			else
				fix_data_reloc(ctx, sec, r);
		}
	}
	err = meta__finish(ctx);
	if (err)
		return err;
	move_symbols(ctx);
	err = add_versions(ctx);
	err = err ?: add_stamp(ctx);
	return err ?: patch_entries(ctx);
}
