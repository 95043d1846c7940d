// SPDX-License-Identifier: GPL-2.0
/*
 * Every copy checked against its original before anything is pointed at
 * it: along every path through the copy, %rsp must be where the original
 * has it at each copied instruction that depends on it (stack_bound()).
 * Instrumentation, stubs and spills
 * push and pop in pairs; a pair broken on one path (a stub that returns
 * one word off, a spill restored twice) makes a later `ret` jump through
 * whatever sits there.
 *
 * Depths are followed through pushes, pops and constant adjustments of
 * %rsp, from the function's start in both.  Calls are taken to return
 * where they were made; an unknown change of %rsp (leave, mov, and) ends
 * the comparison on that path.  Branches with a relocation leave the
 * function.  A copy that fails is never used: its function is left
 * original, and the place is named.
 */
#include "internal.h"

#define D_UNSEEN INT32_MIN
#define D_UNKNOWN (INT32_MIN + 1)

static bool known(s32 d)
{
	return d != D_UNSEEN && d != D_UNKNOWN;
}

static s32 step(const struct insn *in, s32 d)
{
	if (!known(d) || in->sp_unknown)
		return D_UNKNOWN;
	return d + in->sp_delta;
}

/*
 * Must @in run with %rsp where the original has it?  Any instruction that
 * reads or writes %rsp (a stack operand, push, pop, call, ret) or leaves
 * the flow: the others may run with words pushed under them (a borrowed
 * register kept across a string instruction, whose sites are stored
 * after it).
 */
static bool stack_bound(const struct insn *in)
{
	return ((in->gpr_read | in->gpr_write) & (1u << REG_RSP)) ||
	       in->type != INSN_OTHER;
}

/* A branch whose target is a successor (a call's returns here). */
static bool branches(const struct insn *in)
{
	return in->has_target && (in->type == INSN_JMP || in->type == INSN_JCC ||
				  in->type == INSN_LOOP);
}

static bool falls_through(const struct insn *in)
{
	return in->type != INSN_JMP && in->type != INSN_JMP_IND &&
	       in->type != INSN_RET && in->type != INSN_STOP;
}

/*
 * What the walk needs of an instruction, cached by its bytes: the stubs
 * repeat a few sequences thousands of times (a relocated field holds its
 * addend until the loader fills it), and decoding them again was most of
 * a rewrite's time.  x86 decoding is prefix-free: code that starts with
 * an instruction's complete bytes is that instruction, so an entry
 * matches when its bytes lead the code.  A branch's target is kept
 * relative to the instruction.
 */
#define FLOW_BITS 12
#define FLOW_WAYS 4

struct flow {
	u8 bytes[15];
	u8 len; /* 0: empty */
	u8 type, rel_off;
	bool has_target, sp_unknown;
	s32 sp_delta;
	s64 rel; /* target - offset */
};

struct flow_cache {
	struct flow e[1u << FLOW_BITS][FLOW_WAYS];
	u8 next[1u << FLOW_BITS]; /* the way to replace */
};

static void flow_to_insn(const struct flow *fl, u64 off, struct insn *in)
{
	in->off = off;
	in->len = fl->len;
	in->type = fl->type;
	in->rel_off = fl->rel_off;
	in->has_target = fl->has_target;
	in->target = (s64)off + fl->rel;
	in->sp_delta = fl->sp_delta;
	in->sp_unknown = fl->sp_unknown;
}

/* x86__decode() for the fields the walk reads (see flow_to_insn()) */
static int flow_decode(struct flow_cache *c, const u8 *code, size_t avail,
		       u64 off, struct insn *in)
{
	struct flow *b, *fl;
	u32 h, w;

	if (!c || avail < 4)
		return x86__decode(code, avail, off, in);
	h = (u32)(code[0] | code[1] << 8 | code[2] << 16 | (u32)code[3] << 24);
	h = (h * 0x9e3779b1u) >> (32 - FLOW_BITS);
	b = c->e[h];
	for (w = 0; w < FLOW_WAYS; w++)
		if (b[w].len && b[w].len <= avail &&
		    !memcmp(b[w].bytes, code, b[w].len)) {
			flow_to_insn(&b[w], off, in);
			return 0;
		}
	if (x86__decode(code, avail, off, in) < 0)
		return -EILSEQ;
	fl = &b[c->next[h]];
	c->next[h] = (c->next[h] + 1) % FLOW_WAYS;
	memcpy(fl->bytes, code, in->len);
	fl->len = in->len;
	fl->type = in->type;
	fl->rel_off = in->rel_off;
	fl->has_target = in->has_target;
	fl->sp_delta = in->sp_delta;
	fl->sp_unknown = in->sp_unknown;
	fl->rel = in->target - (s64)off;
	return 0;
}

/* Is the field at @off of @rela relocated?  @v: sorted offsets. */
static bool has_reloc(const u64 *v, size_t n, u64 off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == off;
}

static int u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* %rsp relative to the entry at each original instruction. */
static int orig_depths(const struct func *f, s32 *d)
{
	struct elf_sec *rela = f->sec->rela;
	u32 *work, n = 0, i;

	work = malloc((f->ninsns + 1) * sizeof(*work));
	if (!work)
		return -ENOMEM;
	for (i = 0; i < f->ninsns; i++)
		d[i] = D_UNSEEN;
	d[0] = 0;
	work[n++] = 0;
	while (n) {
		const struct insn *in;
		s32 out;
		u32 succ[2], ns = 0, k;
		struct elf_reloc *r;

		i = work[--n];
		in = &f->insns[i];
		out = step(in, d[i]);
		if (falls_through(in) && i + 1 < f->ninsns)
			succ[ns++] = i + 1;
		if (branches(in) && in->target >= (s64)f->start &&
		    in->target < (s64)(f->start + f->size) &&
		    f->at[in->target - f->start] != NO_INSN) {
			r = rela ? elf_rela__find(rela, in->off + in->rel_off) :
				   NULL;
			if (!r || r->offset != in->off + in->rel_off)
				succ[ns++] = f->at[in->target - f->start];
		}
		for (k = 0; k < ns; k++) {
			s32 *t = &d[succ[k]];

			if (*t == D_UNSEEN) {
				*t = out;
				work[n++] = succ[k];
			} else if (*t != out && known(*t)) {
				/* paths disagree in the original: compare nothing */
				*t = D_UNKNOWN;
				work[n++] = succ[k];
			}
		}
	}
	free(work);
	return 0;
}

int verify__copy(struct rw_ctx *ctx, struct func *f, const u8 *code,
		 size_t nrel0)
{
	const struct elf_sec *rela = f->copy->rela;
	size_t size = f->copy_size, nrel = 0, i;
	s32 *od = NULL, *cd = NULL;
	u32 *kat = NULL, *kst = NULL, *work = NULL, n = 0;
	u64 *rel = NULL;
	char why[128];
	int err = -ENOMEM;
	bool failed = false;
	u64 bad = 0;

	why[0] = 0;
	if (!ctx->flows)
		ctx->flows = calloc(1, sizeof(*ctx->flows)); /* or decode all */
	od = malloc((f->ninsns + 1) * sizeof(*od));
	cd = malloc((size + 1) * sizeof(*cd));
	kat = malloc((size + 1) * sizeof(*kat));
	kst = malloc((size + 1) * sizeof(*kst));
	work = malloc((size + 1) * sizeof(*work));
	if (rela && rela->relocs.n > nrel0)
		rel = malloc((rela->relocs.n - nrel0) * sizeof(*rel));
	if (!od || !cd || !kat || !kst || !work ||
	    (rela && rela->relocs.n > nrel0 && !rel))
		goto out;
	/* this copy's relocations, relative to its start */
	for (i = nrel0; rela && i < rela->relocs.n; i++) {
		u64 o = rela->relocs.v[i].offset;

		if (o >= f->copy_off && o < f->copy_off + size)
			rel[nrel++] = o - f->copy_off;
	}
	if (nrel)
		qsort(rel, nrel, sizeof(*rel), u64_cmp);
	err = orig_depths(f, od);
	if (err)
		goto out;
	for (i = 0; i < size; i++) {
		cd[i] = D_UNSEEN;
		kat[i] = kst[i] = NO_INSN;
	}
	for (i = 0; i < f->ninsns; i++)
		if (f->map_insn[i] < size)
			kat[f->map_insn[i]] = i;
	/* where each instruction's instrumentation starts, for joins */
	for (i = 0; i < f->ninsns; i++)
		if (f->map_start[i] < size && kst[f->map_start[i]] == NO_INSN)
			kst[f->map_start[i]] = i;
	cd[0] = 0;
	work[n++] = 0;
	while (n && !failed) {
		u32 p = work[--n], succ[2], ns = 0, k;
		struct insn in;
		s32 out;

		if (kat[p] != NO_INSN && known(cd[p]) && known(od[kat[p]]) &&
		    cd[p] != od[kat[p]] && stack_bound(&f->insns[kat[p]])) {
			bad = p;
			failed = true;
			snprintf(why, sizeof(why),
				 "%%rsp %d bytes off at the copy of +0x%lx",
				 cd[p] - od[kat[p]],
				 (unsigned long)(f->insns[kat[p]].off - f->start));
			break;
		}
		if (flow_decode(ctx->flows, code + p, size - p, p, &in) < 0) {
			bad = p;
			failed = true;
			snprintf(why, sizeof(why), "undecodable bytes in the copy");
			break;
		}
		out = step(&in, cd[p]);
		/*
		 * The original's last instruction runs into nothing (a call
		 * of a noreturn function): in the copy, stubs follow it.
		 */
		if (falls_through(&in) && p + in.len < size &&
		    (kat[p] == NO_INSN || kat[p] + 1 < f->ninsns))
			succ[ns++] = p + in.len;
		if (branches(&in) && !has_reloc(rel, nrel, p + in.rel_off) &&
		    in.target >= 0 && (u64)in.target < size)
			succ[ns++] = (u32)in.target;
		for (k = 0; k < ns; k++) {
			s32 *t = &cd[succ[k]];

			u32 j = kst[succ[k]] != NO_INSN ? kst[succ[k]] :
							  kat[succ[k]];

			if (*t == D_UNSEEN) {
				*t = out;
				work[n++] = succ[k];
			} else if (*t != out && known(*t) && known(out) &&
				   j != NO_INSN && od[j] == D_UNKNOWN) {
				/*
				 * The original's paths disagree there too (the
				 * fall-through after a call that never returns,
				 * with its stack arguments still pushed)
				 */
				*t = D_UNKNOWN;
				work[n++] = succ[k];
			} else if (*t != out && known(*t) && known(out)) {
				bad = succ[k];
				failed = true;
				snprintf(why, sizeof(why),
					 "paths meet in the copy with %%rsp %d bytes apart",
					 out - *t);
				break;
			}
		}
	}
	if (failed) {
		ks_warn("%s: %s: internal check failed: %s (%s+0x%lx); left original",
			ctx->obj->name, f->name, why, f->copy->name,
			(unsigned long)(f->copy_off + bad));
		func__skip(ctx, f, SKIP_VERIFY, why, f->start);
	}
	err = 0;
out:
	free(od);
	free(cd);
	free(kat);
	free(kst);
	free(work);
	free(rel);
	return err;
}
