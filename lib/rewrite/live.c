// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 3: basic blocks and liveness of the general registers and the six
 * arithmetic flags, so that instrumentation can borrow what is dead.
 *
 * Assumptions at the edges of a function:
 *   - a call may read every caller-saved register (retpoline thunks take
 *     r11, varargs take al) and preserves the callee-saved ones, as the
 *     psABI requires of every callee (__fentry__ preserves even more);
 *   - at ret, rax and rdx carry results and rbx, rbp, r12-r15 belong to
 *     the caller (psABI).  The other caller-saved registers are dead only
 *     if the function, or something it calls, may change them anyway: gcc's
 *     interprocedural register allocation (-fipa-ra) lets a caller keep a
 *     value in %rsi across a call to a same-file function that it knows
 *     leaves %rsi alone, so the copy must leave it alone too.  See
 *     live__clobbers();
 *   - tail calls and indirect jumps leaving the function read every
 *     register; the flags are dead at every exit, as the psABI does not
 *     preserve them across calls or returns;
 *   - a jump into the middle of another function (hot/cold parts) reads
 *     every register and every flag.
 * live[i] holds the registers live before insn i: gpr bits 0-15, flags in
 * bits 16-21.
 */
#include "internal.h"

#define LIVE_FLAGS(fl) ((u32)(fl) << 16)
#define LIVE_ALL (GPR_ALL | LIVE_FLAGS(FL_ALL))
/* rax, rdx, rbx, rsp, rbp, r12-r15 */
#define GPR_RET_LIVE 0xf03du
/* rax, rcx, rdx, rsi, rdi, r8-r11 */
#define GPR_CALL_READ 0x0fc7u

#define GPR_CALLER_SAVED GPR_CALL_READ

/*
 * With CONFIG_RETHUNK every kernel "ret" is "jmp __x86_return_thunk": a
 * return, not a tail call that might read every register.
 */
bool live__is_return_thunk(const struct func *f, const struct insn *in)
{
	struct elf_reloc *r;

	if (in->type != INSN_JMP || !in->has_target)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	return r && r->offset == in->off + in->rel_off && r->sym &&
	       !r->sym->sec && !strcmp(r->sym->name, "__x86_return_thunk");
}

/*
 * A call or jump to the kernel's indirect-branch thunks (retpolines,
 * __x86_indirect_thunk_rbp and the like, their call- and jump-only and
 * ITS variants) is an indirect branch through the register the thunk is
 * named for: it reads that register, callee-saved or not.  Returns its
 * bit, or 0.
 */
u16 live__thunk_reads(const struct func *f, const struct insn *in)
{
	static const char *const prefix[] = {
		"__x86_indirect_thunk_", "__x86_indirect_call_thunk_",
		"__x86_indirect_jump_thunk_", "__x86_indirect_its_thunk_",
	};
	static const char *const regs[NR_GPRS] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
	};
	struct elf_reloc *r;
	size_t k, n;
	int g;

	if ((in->type != INSN_CALL && in->type != INSN_JMP &&
	     in->type != INSN_JCC) || !in->has_target)
		return 0;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (!r || r->offset != in->off + in->rel_off || !r->sym ||
	    !r->sym->name)
		return 0;
	for (k = 0; k < ARRAY_SIZE(prefix); k++) {
		n = strlen(prefix[k]);
		if (strncmp(r->sym->name, prefix[k], n))
			continue;
		for (g = 0; g < NR_GPRS; g++)
			if (!strcmp(r->sym->name + n, regs[g]))
				return 1u << g;
	}
	return 0;
}

/* The function whose entry a direct call or jump in @f reaches, if known. */
static struct func *callee_of(struct rw_ctx *ctx, struct func *f,
			      const struct insn *in, bool *unknown)
{
	struct elf_reloc *r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	struct code_ref ref;
	struct func *g;

	*unknown = false;
	if (r && r->offset == in->off + in->rel_off) {
		if (!r->sym || !r->sym->sec ||
		    !refs__code_target(ctx, f->sec, in, r, &ref)) {
			*unknown = true; /* another object: psABI */
			return NULL;
		}
	} else {
		ref.sec = f->sec;
		ref.off = in->target;
	}
	g = func__at(ctx, ref.sec, ref.off);
	if (g == f)
		return NULL;
	if (!g) {
		*unknown = !(ref.sec == f->sec && ref.off >= f->start &&
			     ref.off < f->start + f->size);
		return NULL;
	}
	return g;
}

/*
 * clobber(f) = caller-saved registers written by f, by anything f calls
 * or jumps to, or all of them if f reaches code we cannot see.  A fixpoint
 * over the object's call graph; skipped functions count with what their
 * decodable part shows, undecodable ones with everything.
 */
void live__clobbers(struct rw_ctx *ctx)
{
	bool changed;
	size_t i;
	u32 k;

	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];
		u16 c = 0;

		if (f->skip_why == SKIP_UNDECODABLE && f->skip)
			c = GPR_CALLER_SAVED;
		for (k = 0; k < f->ninsns; k++) {
			const struct insn *in = &f->insns[k];
			bool unknown;

			c |= in->gpr_write;
			if (in->type == INSN_CALL_IND || in->type == INSN_JMP_IND)
				c |= GPR_CALLER_SAVED;
			if (in->has_target && !live__is_return_thunk(f, in) &&
			    (in->type == INSN_CALL || in->type == INSN_JMP ||
			     in->type == INSN_JCC)) {
				callee_of(ctx, f, in, &unknown);
				if (unknown)
					c |= GPR_CALLER_SAVED;
			}
		}
		f->clobber = c & GPR_CALLER_SAVED;
	}
	do {
		changed = false;
		for (i = 0; i < ctx->funcs.n; i++) {
			struct func *f = &ctx->funcs.v[i];
			u16 c = f->clobber;

			for (k = 0; k < f->ninsns; k++) {
				const struct insn *in = &f->insns[k];
				struct func *g;
				bool unknown;

				if (!in->has_target || in->type == INSN_LOOP)
					continue;
				g = callee_of(ctx, f, in, &unknown);
				if (g)
					c |= g->clobber;
			}
			if (c != f->clobber) {
				f->clobber = c;
				changed = true;
			}
		}
	} while (changed);
}

static bool falls_through(const struct insn *in)
{
	return in->type != INSN_JMP && in->type != INSN_JMP_IND &&
	       in->type != INSN_RET && in->type != INSN_STOP;
}

static bool target_inside(const struct func *f, const struct insn *in)
{
	return in->has_target && in->target >= (s64)f->start &&
	       in->target < (s64)(f->start + f->size) &&
	       f->at[in->target - f->start] != NO_INSN;
}

/* Is this relative branch relocated (to another function or section)? */
static bool branch_relocated(const struct func *f, const struct insn *in)
{
	struct elf_reloc *r = elf_rela__find(f->sec->rela, in->off + in->rel_off);

	return r && r->offset == in->off + in->rel_off;
}

/* Liveness demanded by leaving the function through @in. */
static u32 exit_live(struct rw_ctx *ctx, const struct func *f,
		     const struct insn *in)
{
	if (in->type == INSN_RET || live__is_return_thunk(f, in))
		return GPR_RET_LIVE | (GPR_CALLER_SAVED & ~f->clobber);
	if (in->type == INSN_JMP_IND)
		return GPR_ALL;
	if (in->type == INSN_JMP || in->type == INSN_JCC ||
	    in->type == INSN_LOOP) {
		struct code_ref ref;
		struct elf_reloc *r;
		struct func *g;

		if (!branch_relocated(f, in)) {
			g = func__at(ctx, f->sec, in->target);
			if (g && (u64)in->target == g->start)
				return GPR_ALL;
			return LIVE_ALL;
		}
		r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
		if (refs__code_target(ctx, f->sec, in, r, &ref)) {
			g = func__at(ctx, ref.sec, ref.off);
			if (g && ref.off == g->start)
				return GPR_ALL; /* tail call */
			/*
			 * Into data, into code outside any function (the
			 * out-of-line part of static_cpu_has(), which jumps
			 * back into this body) or into another body.
			 */
			if (!g || ref.off != g->start)
				return LIVE_ALL;
		}
		/* to an undefined symbol: a tail call */
		return GPR_ALL;
	}
	return LIVE_ALL;
}

int live__compute(struct rw_ctx *ctx, struct func *f)
{
	u32 n = f->ninsns, i, entry_live = 0;
	u32 *live, *exits;
	bool changed;

	live = calloc(n + 1, sizeof(*live));
	exits = calloc(n + 1, sizeof(*exits));
	if (!live || !exits) {
		free(live);
		free(exits);
		return -ENOMEM;
	}
	f->join[0] = true;
	for (i = 0; i < n; i++) {
		const struct insn *in = &f->insns[i];

		if (f->entry_ref[i])
			f->join[i] = true;
		if (f->jl_target[i] < JL_OUTSIDE)
			f->join[f->jl_target[i]] = true;
		if (target_inside(f, in) && !branch_relocated(f, in))
			f->join[f->at[in->target - f->start]] = true;
		else if (in->type == INSN_JMP || in->type == INSN_JCC ||
			 in->type == INSN_LOOP || in->type == INSN_RET ||
			 in->type == INSN_JMP_IND)
			exits[i] = exit_live(ctx, f, in);
		if (in->type == INSN_JMP_IND && f->has_tables)
			exits[i] |= 0; /* successors added below */
	}
	/* registers needed at any table target, for indirect jumps */
	do {
		changed = false;
		if (f->has_tables) {
			entry_live = 0;
			for (i = 0; i < n; i++)
				if (f->entry_ref[i])
					entry_live |= live[i];
		}
		for (i = n; i-- > 0;) {
			const struct insn *in = &f->insns[i];
			u32 out = exits[i], in_live, rd, kill;

			if (falls_through(in)) {
				if (i + 1 < n)
					out |= live[i + 1];
				else
					out |= LIVE_ALL; /* runs off the end */
			}
			if (target_inside(f, in) && !branch_relocated(f, in))
				out |= live[f->at[in->target - f->start]];
			if (in->type == INSN_JMP_IND && f->has_tables)
				out |= entry_live;
			if (f->jl_target[i] < JL_OUTSIDE)
				out |= live[f->jl_target[i]];
			else if (f->jl_target[i] == JL_OUTSIDE)
				out |= LIVE_ALL; /* into another body */

			rd = in->gpr_read | LIVE_FLAGS(in->fl_read);
			kill = in->gpr_kill | LIVE_FLAGS(in->fl_kill);
			if (f->verbatim[i]) {
				/* an alternative may become anything */
				rd = LIVE_ALL;
				kill = 0;
			}
			if (in->type == INSN_CALL || in->type == INSN_CALL_IND) {
				rd |= GPR_CALL_READ;
				kill = 0;
			}
			/* the register a retpoline thunk branches through */
			rd |= live__thunk_reads(f, in);
			in_live = (out & ~kill) | rd;
			in_live |= 1u << REG_RSP;
			if (in_live != live[i]) {
				live[i] = in_live;
				changed = true;
			}
		}
	} while (changed);
	free(exits);
	free(f->live);
	f->live = live;
	return 0;
}
