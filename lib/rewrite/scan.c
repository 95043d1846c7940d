// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 1: find the functions of every code section and decode them.
 *
 * A function is an STT_FUNC symbol with a size in an executable section.
 * Symbols at the same start with the same size are aliases; any other
 * overlap is malformed input and an error.
 */
#include "internal.h"

const char *const rw_skip_names[NR_SKIP] = {
	[SKIP_UNDECODABLE] = "undecodable-bytes",
	[SKIP_UNSUPPORTED_INSN] = "unsupported-instruction",
	[SKIP_BAD_BRANCH_TARGET] = "branch-into-instruction",
	[SKIP_UNKNOWN_DATA_REF] = "unresolved-reference-into-body",
	[SKIP_REF_MID_INSN] = "reference-into-instruction",
	[SKIP_RELOC_STRADDLE] = "relocation-straddles-instructions",
	[SKIP_REG_PRESSURE] = "no-scratch-register",
	[SKIP_EMPTY] = "empty",
	[SKIP_ALT_BRANCH] = "short-branch-in-alternative",
	[SKIP_NOINSTR] = "noinstr-section",
	[SKIP_MMIO_NONE] = "mmio: no device access",
	[SKIP_UNKNOWN_SECTION] = "unknown-kernel-section",
	[SKIP_VERIFY] = "copy-failed-stack-check",
	[SKIP_CFI] = "unwind-info-not-followed",
};

void func__skip(struct rw_ctx *ctx, struct func *f, enum rw_skip why,
		const char *detail, u64 at)
{
	if (f->skip)
		return;
	f->skip = rw_skip_names[why];
	f->skip_why = why;
	f->skip_at = at;
	if (ks_verbose)
		ks_info("%s: %s+0x%lx: left original: %s%s%s", ctx->obj->name,
			f->name, (unsigned long)(at - f->start),
			rw_skip_names[why], detail ? ": " : "",
			detail ? detail : "");
}

static int func_cmp(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if (x->sec->idx != y->sec->idx)
		return x->sec->idx < y->sec->idx ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

bool func__is_endbr(const struct func *f, u32 i)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	return i < f->ninsns && f->insns[i].len == 4 &&
	       !memcmp(f->sec->data + f->insns[i].off, endbr64, 4);
}

/*
 * An endbr64 holds no instruction that could be entered in its middle
 * and then run on: from +1 it decodes as a 3-byte nop, from +2 as an
 * invalid opcode, from +3 as cli, each ending where it ends.  So a place
 * inside one (a tagged code pointer, "fn + 2") is exact in the copy,
 * which holds the same four bytes; returns its instruction or NO_INSN.
 */
u32 func__insn_containing(const struct func *f, u64 off)
{
	u32 lo = 0, hi = f->ninsns;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (f->insns[mid].off + f->insns[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->ninsns && off >= f->insns[lo].off ? lo : NO_INSN;
}

u32 func__endbr_around(const struct func *f, u64 off)
{
	u32 i = func__insn_containing(f, off);

	if (i != NO_INSN && off > f->insns[i].off && func__is_endbr(f, i))
		return i;
	return NO_INSN;
}

struct func *func__at(struct rw_ctx *ctx, struct elf_sec *sec, u64 off)
{
	size_t lo = 0, hi = ctx->funcs.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct func *f = &ctx->funcs.v[mid];

		if (f->sec->idx < sec->idx ||
		    (f->sec == sec && f->start + f->size <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ctx->funcs.n) {
		struct func *f = &ctx->funcs.v[lo];

		if (f->sec == sec && off >= f->start && off < f->start + f->size)
			return f;
	}
	return NULL;
}

static bool is_func_sym(const struct elf_sym *s)
{
	return (s->type == STT_FUNC || s->type == STT_GNU_IFUNC) && s->sec &&
	       elf_sec__is_exec(s->sec) && s->size;
}

static int add_sym(struct func *f, struct elf_sym *s)
{
	struct elf_sym **n = realloc(f->syms, (f->nsyms + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->syms = n;
	f->syms[f->nsyms++] = s;
	/* prefer a global name as the primary one */
	if (s->bind != STB_LOCAL && f->syms[0]->bind == STB_LOCAL) {
		f->syms[f->nsyms - 1] = f->syms[0];
		f->syms[0] = s;
	}
	f->name = f->syms[0]->name;
	return 0;
}

/*
 * CONFIG_CALL_PADDING (6.2+): __pfx_<fn> names the NOPs before each
 * function, an STT_FUNC of its own.  Padding is not a function: nothing
 * runs it but what the kernel may write there at load (call depth
 * accounting), so it is never copied, instrumented or patched.  Only
 * bytes that are all NOP or INT3 count as padding.
 */
static bool is_padding(const struct elf_sym *s)
{
	const u8 *p = s->sec->data ? s->sec->data + s->value : NULL;
	u64 k;

	if (strncmp(s->name, "__pfx_", 6) || !p)
		return false;
	for (k = 0; k < s->size; k++)
		if (p[k] != 0x90 && p[k] != 0xcc)
			return false;
	return true;
}

static int collect(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, n;

	for (i = 1; i < obj->syms.n; i++) {
		struct elf_sym *s = obj->syms.v[i];
		struct func *f;

		if (!is_func_sym(s))
			continue;
		if (s->value > s->sec->size ||
		    s->size > s->sec->size - s->value) {
			ks_err("%s: symbol %s [0x%lx, +0x%lx) extends past the end of %s (0x%zx bytes)",
			       obj->name, s->name, (unsigned long)s->value,
			       (unsigned long)s->size, s->sec->name,
			       s->sec->size);
			return -EINVAL;
		}
		if (ctx->kernel && is_padding(s)) {
			ctx->st->padding++;
			continue;
		}
		f = vec_push(&ctx->funcs);
		if (!f)
			return -ENOMEM;
		memset(f, 0, sizeof(*f));
		f->sec = s->sec;
		f->start = s->value;
		f->size = s->size;
		f->loop_insn = NO_INSN;
		if (add_sym(f, s))
			return -ENOMEM;
	}
	if (ctx->funcs.n)
		qsort(ctx->funcs.v, ctx->funcs.n, sizeof(struct func), func_cmp);

	/* merge aliases, reject overlaps */
	for (i = 0, n = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		struct func *prev = n ? &ctx->funcs.v[n - 1] : NULL;

		if (prev && prev->sec == f->sec && prev->start == f->start &&
		    prev->size == f->size) {
			if (add_sym(prev, f->syms[0]))
				return -ENOMEM;
			free(f->syms);
			continue;
		}
		if (prev && prev->sec == f->sec &&
		    prev->start + prev->size > f->start) {
			ks_err("%s: overlapping function symbols in %s: %s [0x%lx, 0x%lx) and %s [0x%lx, 0x%lx)",
			       obj->name, f->sec->name, prev->name,
			       (unsigned long)prev->start,
			       (unsigned long)(prev->start + prev->size),
			       f->name, (unsigned long)f->start,
			       (unsigned long)(f->start + f->size));
			free(f->syms);
			for (size_t k = i + 1; k < ctx->funcs.n; k++)
				free(ctx->funcs.v[k].syms);
			ctx->funcs.n = n;
			return -EINVAL;
		}
		ctx->funcs.v[n++] = *f;
	}
	ctx->funcs.n = n;
	return 0;
}

static int decode(struct rw_ctx *ctx, struct func *f)
{
	const u8 *code = f->sec->data + f->start;
	VEC(struct insn) v = {};
	u64 off = 0;

	f->at = malloc(f->size * sizeof(*f->at));
	if (!f->at)
		return -ENOMEM;
	memset(f->at, 0xff, f->size * sizeof(*f->at));
	while (off < f->size) {
		struct insn *in = vec_push(&v);

		if (!in)
			return -ENOMEM;
		if (x86__decode(code + off, f->size - off, f->start + off,
				in)) {
			char bytes[64] = "";
			size_t k, m = min((u64)8, f->size - off);

			for (k = 0; k < m; k++)
				snprintf(bytes + 3 * k, sizeof(bytes) - 3 * k,
					 "%02x ", code[off + k]);
			v.n--;
			if (ctx->opts->strict) {
				ks_err("%s: %s+0x%lx (%s+0x%lx): unknown instruction: %s(--strict; without it such functions are left original)",
				       ctx->obj->name, f->name,
				       (unsigned long)off, f->sec->name,
				       (unsigned long)(f->start + off), bytes);
				free(v.v);
				return -EILSEQ;
			}
			if (!ctx->nunknown++ && !ctx->opts->allow_unknown)
				ks_warn("%s: %s+0x%lx (%s+0x%lx): unknown instruction: %sleft original (--strict to fail instead)",
					ctx->obj->name, f->name,
					(unsigned long)off, f->sec->name,
					(unsigned long)(f->start + off), bytes);
			func__skip(ctx, f, SKIP_UNDECODABLE, bytes,
				   f->start + off);
			break;
		}
		f->at[off] = v.n - 1;
		/* MMIO mode copies what it cannot record, and counts it */
		if (in->bad && !f->skip &&
		    !(ctx->opts->mmio && in->bad_access))
			func__skip(ctx, f, SKIP_UNSUPPORTED_INSN, in->bad,
				   in->off);
		off += in->len;
	}
	f->insns = v.v;
	f->ninsns = v.n;
	if (!f->ninsns && !f->skip)
		func__skip(ctx, f, SKIP_EMPTY, NULL, f->start);
	ctx->st->insns += f->ninsns;
	return 0;
}

/*
 * What unknown instructions mean for the object: more than one function
 * is told in one line; none decoding at all is no code kstride knows.
 */
static int unknown_verdict(struct rw_ctx *ctx)
{
	size_t i, sized = 0;

	if (!ctx->nunknown || ctx->opts->allow_unknown)
		return 0;
	for (i = 0; i < ctx->funcs.n; i++)
		if (ctx->funcs.v[i].size)
			sized++;
	if (ctx->nunknown == sized) {
		ks_err("%s: none of its %zu functions decodes as x86-64 code (--allow-unknown passes it through unchanged)",
		       ctx->obj->name, sized);
		return -EILSEQ;
	}
	if (ctx->nunknown > 1)
		ks_warn("%s: %u functions with unknown instructions left original in all (counted as undecodable-bytes; -v names them)",
			ctx->obj->name, ctx->nunknown);
	return 0;
}

int scan__functions(struct rw_ctx *ctx)
{
	size_t i;
	int err;

	err = collect(ctx);
	if (err)
		return err;
	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		const char *c = strstr(f->name, ".cold");

		f->cold = c && (c[5] == 0 || c[5] == '.');
		err = decode(ctx, f);
		if (err)
			return err;
		/* code the kernel runs where instrumentation must not be */
		if (ctx->kernel && (!strncmp(f->sec->name, ".noinstr.text", 13) ||
				    !strncmp(f->sec->name, ".entry.text", 11) ||
				    !strncmp(f->sec->name, ".cpuidle.text", 13)))
			func__skip(ctx, f, SKIP_NOINSTR, f->sec->name, f->start);
		f->join = calloc(f->ninsns + 1, sizeof(bool));
		f->entry_ref = calloc(f->ninsns + 1, sizeof(bool));
		f->glue = calloc(f->ninsns + 1, sizeof(bool));
		f->verbatim = calloc(f->ninsns + 1, sizeof(u8));
		f->branchy = calloc(f->ninsns + 1, sizeof(bool));
		f->jl_target = malloc((f->ninsns + 1) * sizeof(u32));
		if (!f->join || !f->entry_ref || !f->glue || !f->verbatim ||
		    !f->branchy || !f->jl_target)
			return -ENOMEM;
		memset(f->jl_target, 0xff, (f->ninsns + 1) * sizeof(u32));
	}
	ctx->st->funcs += ctx->funcs.n;
	return unknown_verdict(ctx);
}
