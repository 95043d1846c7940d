// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 2: every relocation that reaches code, classified exactly.
 *
 * A copy must be entered wherever the original could be entered.  Entries
 * at a function's start are fine (its symbol moves to the copy).  Entries
 * into the middle of a body come from jump tables, from .cold parts jumping
 * back, from computed gotos and the like: each is found here through its
 * relocation, its instruction becomes a block leader, and finish.c points
 * the relocation at the copy.  A reference whose target cannot be computed
 * exactly leaves the function it points into original.
 *
 * Jump tables: gcc's PIC tables are ".long .Lcase - .Ltable" words, i.e.
 * R_X86_64_PC32 relocations whose anchor is the table start, not the word.
 * A table start is found as the target of a RIP-relative operand in the
 * code; its words are the PC32 relocations that follow it, up to the next
 * table start, while they land in the function that uses the table.
 */
#include "internal.h"

bool reloc__is_pcrel(u32 type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 ||
	       type == R_X86_64_PC64;
}

bool reloc__is_abs(u32 type)
{
	return type == R_X86_64_64 || type == R_X86_64_32 ||
	       type == R_X86_64_32S;
}

bool reloc__is_got(u32 type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_GOTTPOFF ||
	       type == R_X86_64_TLSGD || type == R_X86_64_TLSLD;
}


bool refs__code_target(struct rw_ctx *ctx, struct elf_sec *sec,
		       const struct insn *insn, const struct elf_reloc *r,
		       struct code_ref *ref)
{
	u64 field = r->offset - insn->off;

	(void)ctx;
	(void)sec;
	if (!r->sym || !r->sym->sec)
		return false;
	ref->sec = r->sym->sec;
	if (reloc__is_abs(r->type)) {
		ref->off = r->sym->value + r->addend;
		return true;
	}
	if (reloc__is_pcrel(r->type) && r->type != R_X86_64_PC64 &&
	    ((insn->has_target && field == insn->rel_off &&
	      insn->rel_size == 4) ||
	     (insn->rip_rel && field == insn->disp_off))) {
		/* S + A - P is relative to P; the CPU adds the insn end */
		ref->off = r->sym->value + r->addend + (insn->len - field);
		return true;
	}
	return false;
}

static bool holds_funcs(struct rw_ctx *ctx, struct elf_sec *sec)
{
	size_t i;

	for (i = 0; i < ctx->funcs.n; i++)
		if (ctx->funcs.v[i].sec == sec)
			return true;
	return false;
}

static struct xcode *xcode_of(struct rw_ctx *ctx, struct elf_sec *sec)
{
	VEC(struct insn) v = {};
	struct xcode *x;
	size_t i;
	u64 off;

	for (i = 0; i < ctx->xcode.n; i++)
		if (ctx->xcode.v[i].sec == sec)
			return &ctx->xcode.v[i];
	x = vec_push(&ctx->xcode);
	if (!x)
		return NULL;
	x->sec = sec;
	x->bad = holds_funcs(ctx, sec) || sec->sh.sh_type != SHT_PROGBITS;
	for (off = 0; !x->bad && off < sec->size;) {
		struct insn *in = vec_push(&v);

		if (!in || x86__decode(sec->data + off, sec->size - off, off,
				       in) < 0) {
			x->bad = true;
			break;
		}
		off += in->len;
	}
	if (x->bad) {
		vec_free(&v);
		return x;
	}
	x->insns = v.v;
	x->n = v.n;
	return x;
}

const struct insn *refs__outside_insn(struct rw_ctx *ctx, struct elf_sec *sec,
				      const struct elf_reloc *r)
{
	struct xcode *x = xcode_of(ctx, sec);
	u32 lo = 0, hi;
	const struct insn *in;

	if (!x || x->bad)
		return NULL;
	hi = x->n;
	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (x->insns[mid].off + x->insns[mid].len <= r->offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= x->n)
		return NULL;
	in = &x->insns[lo];
	/* a linear decode out of step would not put the field there */
	if ((in->has_target && in->rel_size == 4 &&
	     r->offset == in->off + in->rel_off) ||
	    (in->rip_rel && in->disp_size == 4 &&
	     r->offset == in->off + in->disp_off))
		return in;
	return NULL;
}

/* Note that @f is entered at @off from outside its straight-line flow. */
static void mark_entry(struct rw_ctx *ctx, struct func *f, u64 off,
		       bool table)
{
	u32 i;

	if (f->skip || off == f->start)
		return;
	i = f->at[off - f->start];
	if (i == NO_INSN && func__endbr_around(f, off) != NO_INSN)
		return; /* the same byte in the copy (emit__resolve) */
	if (i == NO_INSN) {
		func__skip(ctx, f, SKIP_REF_MID_INSN, NULL, off);
		return;
	}
	f->entry_ref[i] = true;
	if (table)
		f->has_tables = true;
}

static int table_cmp(const void *a, const void *b)
{
	const struct jump_table *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec->idx < y->sec->idx ? -1 : 1;
	return x->base < y->base ? -1 : x->base > y->base;
}

static struct jump_table *table_at(struct rw_ctx *ctx, struct elf_sec *sec,
				   u64 off)
{
	size_t lo = 0, hi = ctx->tables.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct jump_table *t = &ctx->tables.v[mid];

		if (t->sec->idx < sec->idx ||
		    (t->sec == sec && t->base + 4 * t->nent <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ctx->tables.n) {
		struct jump_table *t = &ctx->tables.v[lo];

		if (t->sec == sec && off >= t->base && off < t->base + 4 * t->nent)
			return t;
	}
	return NULL;
}

/* Candidate table starts: data targets of RIP-relative operands. */
static int find_table_bases(struct rw_ctx *ctx)
{
	size_t i;
	u32 k;

	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		struct elf_sec *rela = f->sec->rela;

		if (!rela)
			continue;
		for (k = 0; k < f->ninsns; k++) {
			const struct insn *in = &f->insns[k];
			struct elf_reloc *r;
			struct code_ref ref;
			struct jump_table *t;

			if (!in->rip_rel)
				continue;
			r = elf_rela__find(rela, in->off + in->disp_off);
			if (!r || r->offset != in->off + in->disp_off ||
			    r->type != R_X86_64_PC32 ||
			    !refs__code_target(ctx, f->sec, in, r, &ref) ||
			    elf_sec__is_exec(ref.sec) || !ref.sec->rela)
				continue;
			t = vec_push(&ctx->tables);
			if (!t)
				return -ENOMEM;
			t->sec = ref.sec;
			t->base = ref.off;
		}
	}
	if (ctx->tables.n)
		qsort(ctx->tables.v, ctx->tables.n, sizeof(struct jump_table),
	      table_cmp);
	return 0;
}

/* Walk each candidate's words; keep the candidates that are tables. */
static void measure_tables(struct rw_ctx *ctx)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->tables.n; i++) {
		struct jump_table *t = &ctx->tables.v[i];
		u64 limit = UINT64_MAX;
		struct func *owner = NULL;
		struct elf_reloc *r;
		u64 k;

		if (n && ctx->tables.v[n - 1].sec == t->sec &&
		    ctx->tables.v[n - 1].base == t->base)
			continue; /* duplicate anchor */
		if (i + 1 < ctx->tables.n && ctx->tables.v[i + 1].sec == t->sec)
			limit = ctx->tables.v[i + 1].base;
		for (k = 0;; k++) {
			u64 p = t->base + 4 * k;
			struct func *g;
			u64 target;

			if (p >= limit)
				break;
			r = elf_rela__find(t->sec->rela, p);
			if (!r || r->offset != p || r->type != R_X86_64_PC32 ||
			    !r->sym || !elf_sec__is_exec(r->sym->sec))
				break;
			target = r->sym->value + r->addend - 4 * k;
			g = func__at(ctx, r->sym->sec, target);
			if (!g || (owner && g != owner))
				break;
			owner = g;
		}
		if (!k)
			continue;
		t->nent = k;
		ctx->tables.v[n++] = *t;
	}
	ctx->tables.n = n;
	ctx->st->jump_tables += n;
}

static void ref_data(struct rw_ctx *ctx, struct elf_sec *sec,
		     const struct elf_reloc *r)
{
	struct jump_table *t;
	struct func *g;
	u64 target;

	/* no effect: e.g. objtool's mark where it NOPed a jump label's jmp */
	if (r->type == R_X86_64_NONE)
		return;
	if (!r->sym || !elf_sec__is_exec(r->sym->sec))
		return;
	target = r->sym->value + r->addend;
	if (ctx->kernel && !elf_sec__is_exec(sec) && !meta__section_known(sec)) {
		/* the kernel may patch code through it: never copy */
		g = func__at(ctx, r->sym->sec, target);
		if (g && !g->skip)
			func__skip(ctx, g, SKIP_UNKNOWN_SECTION, sec->name,
				   target);
		return;
	}
	if (reloc__is_abs(r->type)) {
		g = func__at(ctx, r->sym->sec, target);
		if (g)
			mark_entry(ctx, g, target, true);
		return;
	}
	if (r->type == R_X86_64_PC32 &&
	    (t = table_at(ctx, sec, r->offset))) {
		target -= r->offset - t->base;
		g = func__at(ctx, r->sym->sec, target);
		if (g)
			mark_entry(ctx, g, target, true);
		return;
	}
	if (!strcmp(sec->name, ".eh_frame"))
		return; /* describes the original code; see finish.c */
	g = func__at(ctx, r->sym->sec, target);
	if (g && target != g->start && !g->skip) {
		char what[96];

		snprintf(what, sizeof(what), "%s from %s+0x%lx",
			 elf_reloc__type_name(r->type), sec->name,
			 (unsigned long)r->offset);
		func__skip(ctx, g, SKIP_UNKNOWN_DATA_REF, what, target);
	}
}

static void ref_code(struct rw_ctx *ctx, struct elf_sec *sec,
		     const struct elf_reloc *r)
{
	struct func *f = func__at(ctx, sec, r->offset), *g;
	const struct insn *in;
	struct code_ref ref;
	u32 i;

	if (r->type == R_X86_64_NONE)
		return; /* no effect (see ref_data()) */

	if (!f) {
		/*
		 * Code outside any function symbol: an alternative's
		 * replacement or the out-of-line part of static_cpu_has(),
		 * which jump into bodies; else treat it like data.
		 */
		in = refs__outside_insn(ctx, sec, r);
		if (in && r->sym && elf_sec__is_exec(r->sym->sec) &&
		    refs__code_target(ctx, sec, in, r, &ref)) {
			g = func__at(ctx, ref.sec, ref.off);
			if (g)
				mark_entry(ctx, g, ref.off, false);
			return;
		}
		ref_data(ctx, sec, r);
		return;
	}
	if (!f->insns || !f->ninsns) {
		return;
	}
	i = func__insn_containing(f, r->offset);
	if (i == NO_INSN) {
		/* past an undecodable point: f is skipped already */
		return;
	}
	in = &f->insns[i];
	if (r->offset + 4 > in->off + in->len &&
	    r->type != R_X86_64_8 && r->type != R_X86_64_PC8 &&
	    r->type != R_X86_64_16 && r->type != R_X86_64_PC16) {
		func__skip(ctx, f, SKIP_RELOC_STRADDLE,
			   elf_reloc__type_name(r->type), r->offset);
		return;
	}
	if (r->type == R_X86_64_TLSGD || r->type == R_X86_64_TLSLD) {
		/* the linker rewrites this insn and the call after it
		 * as one sequence: nothing may come between them */
		if (i + 1 < f->ninsns)
			f->glue[i + 1] = true;
	}
	if (!r->sym || !elf_sec__is_exec(r->sym->sec))
		return;
	if (reloc__is_got(r->type)) {
		/*
		 * The GOT entry holds the symbol's own address (the addend
		 * only places the field in the instruction): a pointer to
		 * the function's start, as a function pointer is.
		 */
		g = func__at(ctx, r->sym->sec, r->sym->value);
		if (g)
			mark_entry(ctx, g, r->sym->value, true);
		return;
	}
	if (!refs__code_target(ctx, sec, in, r, &ref)) {
		g = func__at(ctx, r->sym->sec, r->sym->value + r->addend);
		if (g && !g->skip)
			func__skip(ctx, g, SKIP_UNKNOWN_DATA_REF,
				   elf_reloc__type_name(r->type),
				   r->sym->value + r->addend);
		return;
	}
	g = func__at(ctx, ref.sec, ref.off);
	if (g)
		mark_entry(ctx, g, ref.off, false);
}

/* Intra-section branches carry no relocation: check their targets. */
static void check_branches(struct rw_ctx *ctx, struct func *f)
{
	struct elf_sec *rela = f->sec->rela;
	u32 i;

	for (i = 0; i < f->ninsns && !f->skip; i++) {
		const struct insn *in = &f->insns[i];
		struct elf_reloc *r;
		struct func *g;

		if (!in->has_target)
			continue;
		r = elf_rela__find(rela, in->off + in->rel_off);
		if (r && r->offset == in->off + in->rel_off)
			continue; /* relocated: handled by ref_code() */
		if (in->target >= (s64)f->start && in->target < (s64)(f->start + f->size)) {
			if (f->at[in->target - f->start] == NO_INSN)
				func__skip(ctx, f, SKIP_BAD_BRANCH_TARGET,
					   NULL, in->off);
			else
				f->join[f->at[in->target - f->start]] = true;
			continue;
		}
		g = func__at(ctx, f->sec, in->target);
		if (g)
			mark_entry(ctx, g, in->target, false);
	}
}

int refs__scan(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, j;
	int err;

	err = find_table_bases(ctx);
	if (err)
		return err;
	measure_tables(ctx);

	for (i = 0; i < ctx->funcs.n; i++)
		check_branches(ctx, &ctx->funcs.v[i]);
	meta__patch_sites(ctx);

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *rela = obj->secs.v[i], *sec = rela->base;

		if (rela->sh.sh_type != SHT_RELA || !sec ||
		    !(sec->sh.sh_flags & SHF_ALLOC))
			continue; /* debug info describes the original code */
		for (j = 0; j < rela->relocs.n; j++) {
			if (meta__ref(ctx, sec, &rela->relocs.v[j]))
				continue;
			if (elf_sec__is_exec(sec))
				ref_code(ctx, sec, &rela->relocs.v[j]);
			else
				ref_data(ctx, sec, &rela->relocs.v[j]);
		}
	}
	return 0;
}
