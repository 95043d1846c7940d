// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 4: decide what each instruction records and group the records.
 *
 * A region is a run of instructions inside one basic block whose accesses
 * share one buffer record.  Its prologue reserves the record with one xadd
 * on the thread's cursor (so a signal or interrupt that records in between
 * gets its own space), every access stores one slot, and the header word
 * is written last: it is the commit.  The cursor lives in a register B that
 * is dead at the region's start and that no instruction of the region
 * writes.  Address computations borrow a register that is dead at their
 * instruction; where none is, one is spilled to a thread-local slot.
 */
#include "internal.h"

static int lowest(u32 mask)
{
	return mask ? __builtin_ctz(mask) : REG_NONE;
}

static u32 free_at(const struct func *f, u32 i)
{
	return ~f->live[i] & GPR_ALL & ~(1u << REG_RSP);
}

static u32 free_after(const struct func *f, u32 i)
{
	if (i + 1 < f->ninsns)
		return free_at(f, i + 1);
	return 0;
}

static bool flags_live(const struct func *f, u32 i)
{
	return (f->live[i] >> 16) & FL_ALL;
}

static bool is_stack_ea(const struct insn_access *a)
{
	return a->form == ACC_EA && (a->base == REG_RSP || a->index == REG_RSP);
}

/*
 * How the site's address reaches the trace (see KS_A_* in abi.h): as many
 * values as possible are left for the reader to add, so that most accesses
 * cost one register store and no scratch register.
 */
static void site_form(struct site *s, const struct insn *in)
{
	const struct insn_access *a = s->acc >= 0 ? &in->acc[s->acc] : NULL;

	s->form = KS_A_SLOT;
	s->scale = 1;
	s->nslots = 1;
	s->disp = 0;
	if (!a)
		return; /* ENTRY/EXIT: the stack pointer */
	switch (a->form) {
	case ACC_STACK:
		s->disp = a->stack_off;
		return;
	case ACC_LEAVE:
		return;
	case ACC_STRING:
		s->form = KS_A_RANGE;
		s->nslots = 2;
		return;
	}
	s->disp = (s32)a->disp;
	if (a->addr32)
		s->flags |= KS_F_ADDR32;
	if (a->bitreg != REG_NONE) {
		/* the bit offset, and the base as the other forms take it */
		if (a->base == REG_RIP) {
			s->form = KS_A_BITOFF_RIP;
			s->nslots = 1;
		} else if (a->base == REG_NONE) {
			s->form = KS_A_BITOFF_ABS;
			s->nslots = 1;
		} else if (a->index != REG_NONE) {
			s->form = KS_A_BITOFF_IDX;
			s->scale = a->scale;
			s->nslots = 3;
		} else {
			s->form = KS_A_BITOFF;
			s->nslots = 2;
		}
	} else if (a->base == REG_RIP) {
		s->form = KS_A_RIP;
		s->nslots = 0;
	} else if (a->base == REG_NONE && a->index == REG_NONE) {
		s->form = KS_A_ABS;
		s->nslots = 0;
	} else if (a->index == REG_NONE) {
		/* slot = base */
	} else if (a->base == REG_NONE) {
		s->scale = a->scale; /* slot = index */
	} else {
		s->form = KS_A_SLOT2; /* lea into areg, or base and index */
		s->scale = a->scale;
		s->nslots = 2;
	}
}

static bool got_load(const struct func *f, const struct insn *in,
		     const struct insn_access *a)
{
	struct elf_reloc *r;

	if (a->form != ACC_EA || a->base != REG_RIP)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->disp_off);
	return r && r->offset == in->off + in->disp_off &&
	       reloc__is_got(r->type);
}

static bool is_tail_exit(struct rw_ctx *ctx, const struct func *f,
			 const struct insn *in)
{
	struct elf_reloc *r;
	struct code_ref ref;
	struct func *g;

	if (in->type == INSN_RET)
		return true;
	if (in->type == INSN_JMP_IND)
		return !f->has_tables;
	if (in->type != INSN_JMP)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (r && r->offset == in->off + in->rel_off) {
		if (!r->sym || !r->sym->sec)
			return true; /* undefined: another object's function */
		if (!refs__code_target(ctx, f->sec, in, r, &ref))
			return false;
		g = func__at(ctx, ref.sec, ref.off);
		return g && g->start == ref.off && !g->cold;
	}
	if (in->target >= (s64)f->start && in->target < (s64)(f->start + f->size))
		return false;
	g = func__at(ctx, f->sec, in->target);
	return g && (u64)in->target == g->start && !g->cold;
}

/*
 * A kernel function's first instruction is its ftrace site (call
 * __fentry__, or the nop ftrace left): it stays first in the copy, and the
 * entry event is recorded after it.
 */
static u32 entry_insn(const struct func *f)
{
	u32 e = 0;
	const struct insn *in;
	struct elf_reloc *r;

	/* the landing pad of indirect branches stays first (IBT) */
	if (f->ninsns >= 2 && func__is_endbr(f, 0) && !f->join[1])
		e = 1;
	in = &f->insns[e];
	if (f->ninsns < e + 2 || in->type != INSN_CALL || f->join[e + 1])
		return e;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (r && r->offset == in->off + in->rel_off && r->sym &&
	    (!strcmp(r->sym->name, "__fentry__") ||
	     !strcmp(r->sym->name, "mcount")))
		return e + 1;
	return e;
}

static int add_site(struct func *f, u32 i, int acc, u8 kind, u8 flags,
		    u16 size)
{
	struct site *s = vec_push(&f->sites);

	if (!s)
		return -ENOMEM;
	s->insn = i;
	s->acc = acc;
	s->kind = kind;
	s->flags = flags;
	s->size = size;
	s->areg = REG_NONE;
	site_form(s, &f->insns[i]);
	return 0;
}

/*
 * --calls, kernel: does insn @i, a store, get a TICKET after it (abi.h,
 * part 6)?  A plain mov through a register, which may reach device
 * memory, with the status flags dead after it (the ticket's lock xadd
 * clobbers them; after an MMIO accessor, an asm statement, they are).
 */
static bool wants_ticket(struct rw_ctx *ctx, const struct func *f, u32 i)
{
	const struct insn *in = &f->insns[i];
	const struct insn_access *a = in->nacc == 1 ? &in->acc[0] : NULL;

	if (!ctx->kernel || !ctx->opts->calls || !a || i + 1 >= f->ninsns)
		return false;
	if (in->mm.op != KS_MOP_STORE && in->mm.op != KS_MOP_STORE_IMM)
		return false;
	if (a->form != ACC_EA || a->kind != KS_K_W || is_stack_ea(a) ||
	    a->base == REG_RIP || (a->base == REG_NONE && a->index == REG_NONE) ||
	    (a->flags & (KS_F_FS | KS_F_GS | KS_F_LOCK)) || in->lock)
		return false;
	/* a store with a fixup may leave by it: the ticket would not run */
	return !flags_live(f, i + 1) && !f->glue[i + 1] && !f->branchy[i];
}

/* --calls: a CALL_PRE or CALL_POST site of insn @i (abi.h, part 6) */
static int add_call_site(struct rw_ctx *ctx, struct func *f, u32 i, u8 kind,
			 const struct call_out *c)
{
	struct site *s;
	int err = add_site(f, i, -1, kind, c->flags, 0);

	if (err)
		return err;
	s = &f->sites.v[f->sites.n - 1];
	s->form = KS_A_CALL;
	s->nslots = kind == KS_K_CALL_PRE ? KS_CALL_PRE_SLOTS :
					    KS_CALL_POST_SLOTS;
	s->callee = c->name;
	s->treg = c->treg;
	s->tacc = c->tacc;
	if (kind == KS_K_CALL_PRE)
		ctx->st->calls_out++;
	return 0;
}

/*
 * Registers an ENTRY site @s needs that the cursor cannot be: a kernel
 * ENTRY runs rdtsc (rax, rdx); one with arguments stores rdi and rsi.
 */
static u32 entry_busy(const struct site *s)
{
	u32 m = 0;

	if (s->kind != KS_K_ENTRY)
		return 0;
	if (s->flags & KS_F_CTX)
		m |= 1u << REG_RAX | 1u << REG_RDX;
	if (s->flags & KS_F_ENTRY_ARGS)
		m |= 1u << REG_RDI | 1u << REG_RSI;
	return m;
}

static bool is_call_site(const struct site *s)
{
	return s->kind == KS_K_CALL_PRE || s->kind == KS_K_CALL_POST;
}

/* Sites of insn @i, appended to f->sites in slot order. */
static int collect_sites(struct rw_ctx *ctx, struct func *f, u32 i)
{
	const struct insn *in = &f->insns[i];
	/* kernel entries and exits tell interrupt contexts apart: always */
	bool events = !ctx->opts->no_func_events || ctx->kernel;
	struct call_out co;
	bool call = ctx->opts->calls && calls__out(ctx, f, i, &co);
	int err = 0, k;

	if (f->glue[i])
		return 0;
	/*
	 * A patch site's own instructions record nothing (the kernel may
	 * make them anything), but the function's entry may come before
	 * the first of them: the site's entries name the copied bytes.
	 */
	if (i == entry_insn(f) && events && !f->cold &&
	    f->verbatim[i] != VB_INSIDE) {
		bool args = ctx->opts->calls && f->addr_taken;
		u8 fl = (ctx->kernel ? KS_F_CTX : 0) | (ctx->rt ? KS_F_CTX_RT : 0) |
			(args ? KS_F_ENTRY_ARGS : 0);

		err = add_site(f, i, -1, KS_K_ENTRY, fl, 8);
		/*
		 * sp; kernel: TSC, preempt count; callbacks: rdi, rsi,
		 * ticket, return address (KS_ENTRY_ARGS_SLOTS)
		 */
		if (!err)
			f->sites.v[f->sites.n - 1].nslots =
				1 + (ctx->kernel ? 2 : 0) +
				(args ? KS_ENTRY_ARGS_SLOTS : 0);
	}
	if (f->verbatim[i])
		return err;
	/* a tail call: the call, then this function's exit */
	if (!err && call && (co.flags & KS_F_CALL_TAIL))
		err = add_call_site(ctx, f, i, KS_K_CALL_PRE, &co);
	if (!err && events && is_tail_exit(ctx, f, in)) {
		bool seq = ctx->opts->calls && (f->addr_taken || f->tail_of_cb) &&
			   !f->cold;

		u8 fl = (seq ? KS_F_EXIT_SEQ : 0) |
			(ctx->opts->calls && calls__tail_target(ctx, f, in) ? KS_F_EXIT_TAIL : 0);

		err = add_site(f, i, -1, KS_K_EXIT, fl, 8);
		if (!err && seq)
			f->sites.v[f->sites.n - 1].nslots = 2; /* sp, ticket */
	}
	for (k = 0; !err && k < in->nacc; k++) {
		const struct insn_access *a = &in->acc[k];

		if (ctx->opts->no_stack &&
		    (a->form == ACC_STACK || a->form == ACC_LEAVE ||
		     is_stack_ea(a)))
			continue;
		if (got_load(f, in, a)) {
			ctx->st->got_loads_dropped++;
			continue;
		}
		err = add_site(f, i, k, a->kind, a->flags, a->size);
	}
	if (!err && wants_ticket(ctx, f, i)) {
		err = add_site(f, i, -1, KS_K_TICKET, 0, 8);
		if (!err) {
			f->sites.v[f->sites.n - 1].form = KS_A_SLOT;
			f->sites.v[f->sites.n - 1].nslots = 1;
			ctx->st->tickets++;
		}
	}
	/* a call: its accesses (the return address), the call; its return
	 * last, in a region of its own after it (plan__func()) */
	if (!err && call && !(co.flags & KS_F_CALL_TAIL)) {
		err = add_call_site(ctx, f, i, KS_K_CALL_PRE, &co);
		err = err ?: add_call_site(ctx, f, i, KS_K_CALL_POST, &co);
	}
	return err;
}

/* Sites of insn @k that its region holds: all but a trailing CALL_POST. */
static u32 nsites_at(const struct func *f, const u32 *first_site, u32 k)
{
	u32 n = first_site[k + 1] - first_site[k];

	if (n && f->sites.v[first_site[k + 1] - 1].kind == KS_K_CALL_POST)
		n--;
	return n;
}

/* The registers a CALL_PRE site of insn @k stores: never the cursor. */
static u32 call_mask(const struct func *f, u32 k, u32 nsites,
		     const u32 *first_site)
{
	u32 m = 0;

	for (u32 j = 0; j < nsites; j++) {
		const struct site *s = &f->sites.v[first_site[k] + j];

		if (s->kind != KS_K_CALL_PRE)
			continue;
		m |= 1u << REG_RDI | 1u << REG_RSI | 1u << REG_RDX |
		     1u << REG_RCX | 1u << 8 | 1u << 9;
		if (s->treg != REG_NONE)
			m |= 1u << s->treg;
	}
	return m;
}

static int site_slots(const struct site *s)
{
	return s->nslots;
}

static bool has_post(const struct func *f, u32 site0, u32 n)
{
	for (u32 k = 0; k < n; k++) {
		u8 kind = f->sites.v[site0 + k].kind;

		if (kind == KS_K_RANGE_R || kind == KS_K_RANGE_W ||
		    kind == KS_K_TICKET)
			return true;
	}
	return false;
}

/* Registers B may not be in while @k is the region's last insn. */
static u32 last_mask(const struct func *f, u32 k, bool spill, u32 nsites,
		     const u32 *first_site)
{
	u32 m = spill ? f->insns[k].gpr_read : 0;

	m |= call_mask(f, k, nsites, first_site);
	if (nsites && has_post(f, first_site[k], nsites))
		m |= f->insns[k].gpr_write | (spill ? f->insns[k].gpr_read : 0);
	return m;
}

/* Registers B may not be in while @k runs inside the region. */
static u32 use_mask(const struct func *f, u32 k, bool spill)
{
	return f->insns[k].gpr_write | (spill ? f->insns[k].gpr_read : 0);
}

static bool ends_region(const struct func *f, u32 k)
{
	return f->insns[k].type != INSN_OTHER || f->branchy[k] ||
	       f->verbatim[k];
}

/*
 * A region may run on through a conditional branch when the instruction
 * after it is entered only by falling through: the taken edge leaves
 * through an exit stub (emit-site.c).
 */
static bool passes(const struct func *f, u32 k)
{
	const struct insn *in = &f->insns[k];

	/* backward branches close loops and are usually taken: stop there */
	return in->type == INSN_JCC && k + 1 < f->ninsns && !f->join[k + 1] &&
	       in->target > (s64)in->off;
}

static int add_exits(struct rw_ctx *ctx, struct func *f, struct region *r,
		     const u32 *first_site)
{
	u32 k, bmask = 1u << r->breg;

	r->exit0 = f->exits.n;
	for (k = r->first; k < r->last; k++) {
		const struct insn *in = &f->insns[k];
		struct region_exit *x;

		if (in->type != INSN_JCC)
			continue;
		x = vec_push(&f->exits);
		if (!x)
			return -ENOMEM;
		x->insn = k;
		x->nsites = first_site[k + 1] - r->site0;
		x->hreg = REG_NONE;
		if (in->target >= (s64)f->start &&
		    in->target < (s64)(f->start + f->size) &&
		    f->at[in->target - f->start] != NO_INSN)
			x->hreg = lowest(free_at(f, f->at[in->target - f->start]) &
					 ~bmask);
		if (x->hreg == REG_NONE)
			ctx->st->spills++;
		r->nexits++;
	}
	return 0;
}

/*
 * Pick scratch registers: a base+index access whose address can be formed
 * with lea in a dead register takes one slot instead of two; the header
 * needs a register that is dead either in the prologue or where it is
 * written last.
 */
/* The register a one-register site stores, or REG_NONE. */
static int site_reg(const struct func *f, const struct site *s)
{
	const struct insn_access *a;

	if (s->acc < 0) /* ENTRY/EXIT; a call's and a ticket's no address */
		return is_call_site(s) || s->kind == KS_K_TICKET ? REG_NONE :
								  REG_RSP;
	a = &f->insns[s->insn].acc[s->acc];
	switch (a->form) {
	case ACC_STACK:
		return REG_RSP;
	case ACC_LEAVE:
		return REG_RBP;
	case ACC_EA:
		if (s->form != KS_A_SLOT || s->areg != REG_NONE)
			return REG_NONE;
		return a->base != REG_NONE ? a->base : a->index;
	default:
		return REG_NONE;
	}
}

static void pick_scratch(struct rw_ctx *ctx, struct func *f, struct region *r)
{
	struct {
		bool ok;
		u8 slot;
		s32 delta; /* register now = slot value + delta */
	} avail[NR_GPRS] = {};
	u32 k, bmask = 1u << r->breg, slot = 0, hmask, i;

	/*
	 * Slots: a register stored once serves every later access through
	 * it in the region, while it stays unchanged or moves by a known
	 * constant (push, pop, add $imm...): the difference goes into the
	 * site's displacement.  Function prologues push six registers
	 * through one stored %rsp.
	 */
	k = 0;
	for (i = r->first; i <= r->last; i++) {
		const struct insn *in = &f->insns[i];
		u32 w;

		for (; k < r->nsites && f->sites.v[r->site0 + k].insn == i; k++) {
			struct site *s = &f->sites.v[r->site0 + k];
			int reg;

			if (s->form == KS_A_SLOT2 && !r->bspill) {
				s->areg = lowest(free_at(f, s->insn) & ~bmask);
				if (s->areg != REG_NONE) {
					s->form = KS_A_SLOT;
					s->scale = 1;
					s->nslots = 1;
				}
			}
			reg = site_reg(f, s);
			if (reg != REG_NONE && avail[reg].ok &&
			    !(s->acc < 0 && (s->kind == KS_K_ENTRY ||
					     s->flags & KS_F_EXIT_SEQ)) &&
			    (s64)s->disp + (s64)avail[reg].delta * s->scale ==
				    (s32)(s->disp + avail[reg].delta * s->scale)) {
				s->slot = avail[reg].slot;
				s->disp += avail[reg].delta * s->scale;
				s->nslots = 0;
				continue;
			}
			s->slot = slot;
			slot += s->nslots;
			if (reg != REG_NONE) {
				avail[reg].ok = true;
				avail[reg].slot = s->slot;
				avail[reg].delta = 0;
			} else if (s->form == KS_A_SLOT2 && s->acc >= 0) {
				const struct insn_access *a = &in->acc[s->acc];

				avail[a->base].ok = avail[a->index].ok = true;
				avail[a->base].slot = s->slot;
				avail[a->index].slot = s->slot + 1;
				avail[a->base].delta = avail[a->index].delta = 0;
			}
		}
		/* what the instruction does to the registers we know */
		w = in->gpr_write;
		if (in->adj_reg != REG_NONE && avail[in->adj_reg].ok) {
			avail[in->adj_reg].delta += in->adj;
			w &= ~(1u << in->adj_reg);
		}
		for (int g = 0; g < NR_GPRS; g++)
			if (w & (1u << g))
				avail[g].ok = false;
	}
	r->nslots = slot;
	if (r->bspill && ctx->kernel) {
		/* slots that hold %rsp were taken with the cursor pushed */
		for (k = 0; k < r->nsites; k++) {
			struct site *s = &f->sites.v[r->site0 + k];

			if (site_reg(f, s) == REG_RSP)
				s->disp += 8;
		}
	}
	r->hfirst = false;
	r->hreg = REG_NONE;
	if (r->bspill) {
		ctx->st->spills++;
		return;
	}
	hmask = free_at(f, r->first) & ~bmask;
	/* kernel: the header commits the record, so it is stored last
	 * (a reader waits for records in flight, see abi.h) */
	if (hmask && !ctx->kernel) {
		r->hfirst = true;
		r->hreg = lowest(hmask);
		return;
	}
	hmask = (r->post ? free_after(f, r->last) : free_at(f, r->last)) & ~bmask;
	r->hreg = lowest(hmask);
	if (r->hreg == REG_NONE)
		ctx->st->spills++;
}

/*
 * Is insn @e, where the function's entry is recorded, also reached by a
 * branch inside the function (a loop whose head is the first insn)?  Then
 * its ENTRY is a region of its own, which the branches skip.
 */
static bool entry_is_loop_head(const struct func *f, u32 e)
{
	for (u32 k = 0; k < f->ninsns; k++) {
		const struct insn *in = &f->insns[k];
		struct elf_reloc *r;

		if (f->jl_target[k] == e)
			return true;
		if (!in->has_target || in->target < (s64)f->start ||
		    in->target >= (s64)(f->start + f->size) ||
		    f->at[in->target - f->start] != e)
			continue;
		r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
		if (!r || r->offset != in->off + in->rel_off)
			return true;
	}
	return false;
}

static void pick_scratch(struct rw_ctx *ctx, struct func *f, struct region *r);

/* The ENTRY site @si of insn @e, in a region of its own before the insn's. */
static int add_entry_region(struct rw_ctx *ctx, struct func *f, u32 e, u32 si)
{
	struct region *r = vec_push(&f->regions);
	u32 busy = 1u << REG_RSP, base;

	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->first = r->last = e;
	r->before = true;
	r->site0 = si;
	r->nsites = 1;
	busy |= entry_busy(&f->sites.v[si]);
	r->fsave = flags_live(f, e);
	if (r->fsave) {
		busy |= 1u << REG_RAX;
		r->rax_spill = !(free_at(f, e) & 1u);
		ctx->st->flag_saves++;
	}
	base = free_at(f, e) & ~busy;
	r->bspill = !base;
	r->breg = lowest(base ? base : GPR_ALL & ~busy);
	r->exit0 = f->exits.n;
	pick_scratch(ctx, f, r);
	f->loop_insn = e;
	return 0;
}

/*
 * The region of a call's CALL_POST (site @si): one record, reserved after
 * the call returned, with a cursor dead after it that is not rax or rdx,
 * which it stores.  The status flags are undefined after a call.
 */
static int add_post_region(struct rw_ctx *ctx, struct func *f, u32 i, u32 si)
{
	u32 busy = 1u << REG_RSP | 1u << REG_RAX | 1u << REG_RDX, free, h;
	struct region *p = vec_push(&f->regions);

	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->first = p->last = i;
	p->after = true;
	p->site0 = si;
	p->nsites = 1;
	f->sites.v[si].slot = 0;
	p->nslots = f->sites.v[si].nslots;
	free = free_after(f, i) & ~busy;
	p->bspill = !free;
	p->breg = lowest(free ? free : GPR_ALL & ~busy);
	p->exit0 = f->exits.n;
	h = free & ~(1u << p->breg);
	p->hreg = lowest(h);
	p->hfirst = h && !ctx->kernel;
	if (p->bspill || p->hreg == REG_NONE)
		ctx->st->spills++;
	return 0;
}

/* Debug aid: KSTRIDE_DEBUG_FUNC=name prints liveness and regions. */
static void plan__dump(const struct func *f)
{
	u32 i, ri = 0;

	for (i = 0; i < f->ninsns; i++) {
		const struct insn *in = &f->insns[i];
		char txt[96];

		while (ri < f->regions.n && f->regions.v[ri].last < i)
			ri++;
		x86__format(f->sec->data + in->off, in->len, in->off, txt,
			    sizeof(txt));
		fprintf(stderr, "%5lx %c live=%04x fl=%02x  %-40s",
			(unsigned long)(in->off - f->start),
			f->join[i] ? '>' : ' ', f->live[i] & 0xffff,
			f->live[i] >> 16, txt);
		if (ri < f->regions.n && f->regions.v[ri].first <= i) {
			const struct region *r = &f->regions.v[ri];

			fprintf(stderr, " R%u B=%s%s%s h=%s", ri,
				x86__gpr_name(r->breg), r->bspill ? "(spill)" : "",
				r->fsave ? " fsave" : "", x86__gpr_name(r->hreg));
			for (u32 k = r->site0; k < r->site0 + r->nsites; k++)
				if (f->sites.v[k].insn == i)
					fprintf(stderr, " [k%u f%u a=%s]", f->sites.v[k].kind,
						f->sites.v[k].form,
						x86__gpr_name(f->sites.v[k].areg));
		}
		fputc('\n', stderr);
	}
}

int plan__func(struct rw_ctx *ctx, struct func *f)
{
	u32 *first_site, i, e, n = f->ninsns;
	int err = 0;

	first_site = malloc((n + 1) * sizeof(*first_site));
	if (!first_site)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		first_site[i] = f->sites.n;
		err = collect_sites(ctx, f, i);
	}
	first_site[n] = f->sites.n;
	if (err)
		goto out;

	f->loop_insn = NO_INSN;
	e = entry_insn(f);
	if (!(e < n && first_site[e + 1] > first_site[e] &&
	      f->sites.v[first_site[e]].kind == KS_K_ENTRY &&
	      entry_is_loop_head(f, e)))
		e = NO_INSN;
	for (i = 0; i < n;) {
		u32 nsites;

		if (i == e) {
			/* a join: no region runs into it; the ENTRY's is first */
			err = add_entry_region(ctx, f, e, first_site[e]);
			if (err)
				goto out;
			first_site[e]++;
			e = NO_INSN;
		}
		nsites = nsites_at(f, first_site, i);
		u32 cand, base, slots = 0, last, k, busy;
		struct region *r;

		if (!nsites) {
			i++;
			continue;
		}
		r = vec_push(&f->regions);
		if (!r) {
			err = -ENOMEM;
			goto out;
		}
		r->first = r->last = last = i;
		r->site0 = first_site[i];
		for (k = first_site[i]; k < first_site[i] + nsites; k++)
			slots += site_slots(&f->sites.v[k]);
		r->fsave = flags_live(f, i);
		busy = 1u << REG_RSP | entry_busy(&f->sites.v[first_site[i]]);
		if (r->fsave)
			busy |= 1u << REG_RAX;
		/*
		 * The cursor register B: dead at the start and not written
		 * until the commit; or, if nothing is dead, saved around the
		 * region ("borrowed") and then not even read by it, including
		 * by the operands of the last instruction, whose sites are
		 * stored while B still holds the cursor.  A region ending
		 * in a string op also keeps B across that instruction.
		 */
		base = free_at(f, i) & ~busy;
		r->bspill = !(base & ~last_mask(f, i, false, nsites, first_site));
		if (r->bspill)
			base = GPR_ALL & ~busy;
		cand = base & ~last_mask(f, i, r->bspill, nsites, first_site);
		r->post = has_post(f, first_site[i], nsites);

		/* a pushed cursor moves %rsp under the region: one insn only */
		for (k = i + 1; cand && !r->post && !ends_region(f, last) &&
				!(r->bspill && ctx->kernel) &&
				k < n && !f->join[k];
		     k++) {
			u32 ks = nsites_at(f, first_site, k), kslots = 0;
			u32 c;

			base &= ~use_mask(f, k - 1, r->bspill);
			if (!base)
				break;
			if (!ks) {
				if (ends_region(f, k) && !passes(f, k))
					break;
				continue;
			}
			for (u32 s = first_site[k]; s < first_site[k] + ks; s++)
				kslots += site_slots(&f->sites.v[s]);
			if (slots + kslots > KS_REGION_MAX_SLOTS)
				break;
			c = base & ~last_mask(f, k, r->bspill, ks, first_site);
			if (!c)
				break;
			cand = c;
			last = k;
			slots += kslots;
			r->post = has_post(f, first_site[k], ks);
			if (r->post || ends_region(f, k))
				break;
		}
		r->last = last;
		r->nsites = first_site[last] + nsites_at(f, first_site, last) -
			    first_site[i];
		r->nslots = slots;
		r->breg = lowest(cand);
		if (r->breg == REG_NONE) {
			func__skip(ctx, f, SKIP_REG_PRESSURE, NULL,
				   f->insns[i].off);
			goto out;
		}
		if (r->fsave) {
			r->rax_spill = !(free_at(f, i) & 1u);
			ctx->st->flag_saves++;
		}
		pick_scratch(ctx, f, r);
		err = add_exits(ctx, f, r, first_site);
		if (!err && nsites_at(f, first_site, last) !=
				    first_site[last + 1] - first_site[last])
			err = add_post_region(ctx, f, last, first_site[last + 1] - 1);
		if (err)
			goto out;
		i = last + 1;
	}
	ctx->st->sites += f->sites.n;
	ctx->st->regions += f->regions.n;
	if (getenv("KSTRIDE_DEBUG_FUNC") &&
	    !strcmp(getenv("KSTRIDE_DEBUG_FUNC"), f->name))
		plan__dump(f);
out:
	free(first_site);
	return err;
}
