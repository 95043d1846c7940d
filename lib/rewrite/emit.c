// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5: write the instrumented copy of every function, and the region
 * and function descriptors the trace readers decode records with.
 *
 * The code of one region, with B the cursor register (see plan.c):
 *
 *	[mov %rax, %fs:SPILL2]           rax live, flags live
 *	[lahf; seto %al]                  flags live
 *	[mov B, %fs:SPILL0]               B live
 *	mov $bytes, B
 *	xadd B, %fs:CUR                   reserve the record
 *	cmp %fs:LIMIT, B
 *	ja slow                           out of line, after the function
 *   back:
 *	[add $0x7f, %al; sahf]
 *	[mov %fs:SPILL2, %rax]
 *	... per access: lea EA, A; mov A, 8+8*slot(B)
 *	lea region(%rip), H; mov H, (B)  commit: header written last
 *	[mov %fs:SPILL0, B]
 *	<original instruction>
 *
 * Original instructions are copied byte for byte; only relative branches
 * are re-encoded (always rel32) and RIP-relative fields get relocations.
 */
#include "../arch/x86/emit.h"
#include "emit.h"


#define RED_ZONE 128


static struct elf_sym *tls_sym(struct rw_ctx *ctx)
{
	if (!ctx->tls_sym)
		ctx->tls_sym = ctx->kernel ?
			elf_obj__undef_sym(ctx->obj, KS_SYM_PCPU, STT_NOTYPE) :
			elf_obj__undef_sym(ctx->obj, KS_SYM_TLS, STT_TLS);
	return ctx->tls_sym;
}

static struct elf_sym *refill_sym(struct rw_ctx *ctx)
{
	if (!ctx->refill_sym)
		ctx->refill_sym = elf_obj__undef_sym(
			ctx->obj, ctx->kernel ? KS_SYM_KREFILL : KS_SYM_REFILL,
			STT_NOTYPE);
	return ctx->refill_sym;
}

static struct elf_sym *preempt_sym(struct rw_ctx *ctx)
{
	if (!ctx->preempt_sym)
		ctx->preempt_sym = elf_obj__undef_sym(ctx->obj, KS_SYM_PREEMPT,
						      STT_NOTYPE);
	return ctx->preempt_sym;
}

static int tls_seg(const struct emitter *e);

int add_reloc(struct emitter *e, u64 pos, u32 type,
		     struct elf_sym *sym, s64 addend)
{
	if (!sym)
		return -ENOMEM;
	return elf_sec__add_reloc(e->ctx->obj, e->copy, pos, type, sym,
				  addend);
}

int add_pending(struct rw_ctx *ctx, struct elf_sec *sec, size_t idx,
		       struct elf_sec *tsec, u64 toff, s64 bias)
{
	struct pending *p;

	if (idx == SIZE_MAX)
		return -ENOMEM;
	p = vec_push(&ctx->pendings);
	if (!p)
		return -ENOMEM;
	p->sec = sec;
	p->idx = idx;
	p->tsec = tsec;
	p->toff = toff;
	p->bias = bias;
	return 0;
}

/* A placeholder relocation in @ctx->regions, returns its index. */
size_t pending_reloc(struct rw_ctx *ctx, u64 at, u32 type)
{
	struct elf_obj *obj = ctx->obj;

	if (elf_sec__add_reloc(obj, ctx->regions, at, type,
			       elf_obj__secsym(obj, ctx->regions), 0))
		return SIZE_MAX;
	return ctx->regions->rela->relocs.n - 1;
}

/* A relocation in the copy to a code place resolved later. */
static int add_code_reloc(struct emitter *e, u64 pos, u32 type,
			  struct elf_sec *tsec, u64 toff, s64 bias)
{
	struct rw_ctx *ctx = e->ctx;
	int err;

	err = add_reloc(e, pos, type, elf_obj__secsym(ctx->obj, tsec), 0);
	if (err)
		return err;
	return add_pending(ctx, e->copy, e->copy->rela->relocs.n - 1, tsec,
			   toff, bias);
}

/* user: %fs:sym@tpoff (TPOFF32); kernel: %gs:per-cpu sym (32S) */
static int tls_ref(struct emitter *e, size_t fixup, s64 field)
{
	return add_reloc(e, fixup,
			 e->ctx->kernel ? R_X86_64_32S : R_X86_64_TPOFF32,
			 tls_sym(e->ctx), field);
}

static int tls_seg(const struct emitter *e)
{
	return e->ctx->kernel ? SEG_GS : SEG_FS;
}

static int emit_tls_load(struct emitter *e, int reg, int field);
static int emit_tls_store(struct emitter *e, int reg, int field);

/*
 * Borrow / give back a register.  User space: a thread-local slot (the
 * red zone forbids the stack).  Kernel: the stack, which interrupts never
 * share (a per-CPU slot would be reused by a nested handler); callers keep
 * such saves properly nested.
 */
int spill_save(struct emitter *e, int reg, int slot)
{
	if (e->ctx->kernel)
		return x86__emit_push(e->b, reg) ?: emit__stack(e, 1);
	return emit_tls_store(e, reg, KS_TLS_SPILL + 8 * slot);
}

int spill_restore(struct emitter *e, int reg, int slot)
{
	if (e->ctx->kernel)
		return x86__emit_pop(e->b, reg) ?: emit__stack(e, -1);
	return emit_tls_load(e, reg, KS_TLS_SPILL + 8 * slot);
}

/*
 * The kernel unwinds through the copies with ORC, whose states the
 * copies take from their originals (meta.c): where a stub has pushed,
 * the state's stack offset is that much larger, from the next
 * instruction on.  MMIO mode keeps its own account (struct msite).
 */
static int stack_at(struct emitter *e, s32 words)
{
	struct orc_mark *m;

	e->words = words;
	if (!e->ctx->kernel || e->ctx->opts->mmio)
		return 0;
	m = vec_push(&e->f->marks);
	if (!m)
		return -ENOMEM;
	m->pos = e->b->len - e->base;
	m->words = words;
	return 0;
}

int emit__stack(struct emitter *e, int delta)
{
	return stack_at(e, e->words + delta);
}

static int emit_tls_load(struct emitter *e, int reg, int field)
{
	struct x86_mem m = x86_mem_seg_abs(tls_seg(e), 0);
	size_t fx;
	int err = x86__emit_load(e->b, reg, &m, &fx);

	return err ?: tls_ref(e, fx, field);
}

static int emit_tls_store(struct emitter *e, int reg, int field)
{
	struct x86_mem m = x86_mem_seg_abs(tls_seg(e), 0);
	size_t fx;
	int err = x86__emit_store(e->b, reg, &m, &fx);

	return err ?: tls_ref(e, fx, field);
}

static int spill_field(int slot)
{
	return KS_TLS_SPILL + 8 * slot;
}

/* xadd %reg, %fs:CUR (user) or %gs:CUR (kernel) */
static int emit_xadd_cur(struct emitter *e, int reg)
{
	struct x86_mem m = x86_mem_seg_abs(tls_seg(e), 0);
	size_t fx;
	int err = x86__emit_xadd(e->b, false, reg, &m, &fx);

	return err ?: tls_ref(e, fx, KS_TLS_CUR);
}

static int emit_jcc_to(struct emitter *e, int cc, u32 region, bool slow)
{
	struct fixup *fx = vec_push(&e->fixups);
	size_t pos;
	int err;

	if (!fx)
		return -ENOMEM;
	err = cc < 0 ? x86__emit_jmp32(e->b, &pos) :
		       x86__emit_jcc32(e->b, cc, &pos);
	fx->pos = pos;
	fx->insn = region;
	fx->slow = slow;
	fx->back = !slow;
	return err;
}

static int emit_header(struct emitter *e, const struct region *r, int h);

static int emit_prologue(struct emitter *e, struct region *r, u32 ri)
{
	int err = 0;

	if (e->ctx->opts->test_unbalance && !ri)
		err = x86__emit_push(e->b, REG_RAX) ?: emit__stack(e, 1);

	/* saves nest: B (given back at the commit), then rax */
	if (r->bspill)
		err = spill_save(e, r->breg, SPILL_B);
	if (!err && r->rax_spill)
		err = spill_save(e, REG_RAX, SPILL_RAX);
	if (!err && r->fsave)
		err = x86__emit_flags_save(e->b);
	err = err ?: x86__emit_mov_imm(e->b, r->breg, KS_REC_BYTES(r->nslots));
	err = err ?: emit_xadd_cur(e, r->breg);
	if (!err && e->ctx->kernel) {
		/*
		 * The end of a kernel sub-buffer is a bit of the pointer
		 * itself: no per-CPU limit, which could belong to the CPU a
		 * migrated task runs on now (see abi.h, kernel rings).
		 */
		err = x86__emit_bt_imm(e->b, r->breg, KS_SUB_SHIFT);
		r->slow_words = e->words;
		err = err ?: emit_jcc_to(e, CC_B, ri, true);
	} else if (!err) {
		struct x86_mem m = x86_mem_seg_abs(tls_seg(e), 0);
		size_t fx;

		err = x86__emit_cmp_reg_mem(e->b, r->breg, &m, &fx);
		err = err ?: tls_ref(e, fx, KS_TLS_LIMIT);
		err = err ?: emit_jcc_to(e, CC_A, ri, true);
	}
	e->back_pos[ri] = e->b->len - e->base;
	if (!err && e->ctx->kernel) {
		/* movl $bytes, (B): the record is reserved and in flight */
		struct x86_mem m = x86_mem_base(r->breg, 0);

		err = x86__emit_store_imm(e->b, false, &m,
					  KS_REC_BYTES(r->nslots), NULL);
	}
	if (!err && r->fsave)
		err = x86__emit_flags_restore(e->b);
	if (!err && r->rax_spill)
		err = spill_restore(e, REG_RAX, SPILL_RAX);
	if (!err && r->hfirst)
		err = emit_header(e, r, r->hreg);
	return err;
}

int spill_reg(const struct region *r)
{
	/* any register but the cursor and rsp */
	return r->breg == REG_RAX ? REG_RCX : REG_RAX;
}

/* Store the value of @src (a register, or rsp) into slot @slot. */
int store_slot(struct emitter *e, const struct region *r, int src, int slot)
{
	struct x86_mem m = x86_mem_base(r->breg, KS_REC_HDR + 8 * slot);

	return x86__emit_store(e->b, src, &m, NULL);
}

/*
 * A kernel ENTRY: the stack pointer, then the TSC and the preempt count
 * (see "Who ran, and when" in abi.h).  rdtsc writes rax and rdx, which
 * are never the cursor here (plan.c); both are saved around it, the
 * flags are untouched.
 */
static int emit_entry_ctx(struct emitter *e, const struct region *r,
			  const struct site *s)
{
	struct x86_mem lo = x86_mem_base(r->breg, KS_REC_HDR + 8 * (s->slot + 1));
	struct x86_mem hi = x86_mem_base(r->breg, KS_REC_HDR + 8 * (s->slot + 1) + 4);
	struct x86_mem pc = x86_mem_seg_abs(SEG_GS, 0);
	struct x86_mem hi2 = x86_mem_base(r->breg, KS_REC_HDR + 8 * (s->slot + 2) + 4);
	size_t fx;
	int err;

	err = store_slot(e, r, REG_RSP, s->slot);
	err = err ?: x86__emit_push(e->b, REG_RAX) ?: emit__stack(e, 1);
	err = err ?: x86__emit_push(e->b, REG_RDX) ?: emit__stack(e, 1);
	err = err ?: x86__emit_rdtsc(e->b);
	err = err ?: x86__emit_store32(e->b, REG_RAX, &lo, NULL);
	err = err ?: x86__emit_store32(e->b, REG_RDX, &hi, NULL);
	err = err ?: x86__emit_load(e->b, REG_RAX, &pc, &fx);
	err = err ?: add_reloc(e, fx, R_X86_64_32S, preempt_sym(e->ctx), 0);
	err = err ?: store_slot(e, r, REG_RAX, s->slot + 2);
	if (!err && (s->flags & KS_F_CTX_RT)) {
		/* the slot's high half: current->softirq_disable_cnt (abi.h) */
		struct x86_mem rip = x86_mem_base(REG_RIP, 0);
		struct x86_mem cnt = x86_mem_base(REG_RDX, 0);

		cnt.index = REG_RAX;
		cnt.scale = 1;
		err = x86__emit_load(e->b, REG_RDX, &pc, &fx);
		err = err ?: add_reloc(e, fx, R_X86_64_32S,
				       elf_obj__undef_sym(e->ctx->obj, KS_SYM_CURTASK,
							  STT_NOTYPE), 0);
		err = err ?: x86__emit_load(e->b, REG_RAX, &rip, &fx);
		err = err ?: add_reloc(e, fx, R_X86_64_PC32,
				       elf_obj__undef_sym(e->ctx->obj, KS_SYM_SOFTIRQ_OFF,
							  STT_NOTYPE), -4);
		err = err ?: x86__emit_load(e->b, REG_RDX, &cnt, NULL);
		err = err ?: x86__emit_store32(e->b, REG_RDX, &hi2, NULL);
	}
	err = err ?: x86__emit_pop(e->b, REG_RDX) ?: emit__stack(e, -1);
	return err ?: x86__emit_pop(e->b, REG_RAX) ?: emit__stack(e, -1);
}

static int emit_site_pre(struct emitter *e, const struct region *r,
			 const struct site *s)
{
	const struct insn *in = &e->f->insns[s->insn];
	const struct insn_access *a = s->acc >= 0 ? &in->acc[s->acc] : NULL;
	struct x86_mem m;
	int err;

	if (!s->nslots || s->kind == KS_K_TICKET)
		return 0; /* RIP, absolute, a slot an earlier site filled; after */
	if (s->form == KS_A_CALL)
		return emit_call_site(e, r, s);
	if (!a && s->kind == KS_K_ENTRY) {
		/* sp [, TSC, preempt count] [, rdi, rsi, ticket, caller] */
		int n = s->flags & KS_F_CTX ? 3 : 1;

		err = n == 3 ? emit_entry_ctx(e, r, s) :
			       store_slot(e, r, REG_RSP, s->slot);
		if (!err && (s->flags & KS_F_ENTRY_ARGS))
			err = emit_entry_args(e, r, s->slot + n);
		return err;
	}
	if (!a) { /* EXIT */
		err = store_slot(e, r, REG_RSP, s->slot);
		if (!err && (s->flags & KS_F_EXIT_SEQ))
			err = emit_site_ticket(e, r, s->slot + 1);
		return err;
	}
	switch (a->form) {
	case ACC_LEAVE:
		return store_slot(e, r, REG_RBP, s->slot);
	case ACC_STRING:
		return store_slot(e, r, a->strreg, s->slot);
	case ACC_STACK:
		return store_slot(e, r, REG_RSP, s->slot);
	default:
		break;
	}
	switch (s->form) {
	case KS_A_RIP:
	case KS_A_ABS:
		return 0; /* the descriptor knows the address */
	case KS_A_SLOT2:
		err = store_slot(e, r, a->base, s->slot);
		return err ?: store_slot(e, r, a->index, s->slot + 1);
	case KS_A_BITOFF:
		err = store_slot(e, r, a->base, s->slot);
		return err ?: store_slot(e, r, a->bitreg, s->slot + 1);
	case KS_A_BITOFF_IDX:
		err = store_slot(e, r, a->base, s->slot);
		err = err ?: store_slot(e, r, a->index, s->slot + 1);
		return err ?: store_slot(e, r, a->bitreg, s->slot + 2);
	case KS_A_BITOFF_RIP:
	case KS_A_BITOFF_ABS:
		return store_slot(e, r, a->bitreg, s->slot);
	default:
		break;
	}
	if (a->base != REG_NONE && a->index != REG_NONE) {
		/* base + index * scale in a dead register; disp in the desc */
		m = (struct x86_mem){ .base = a->base, .index = a->index,
				      .scale = a->scale };
		err = x86__emit_lea(e->b, s->areg, &m, NULL);
		return err ?: store_slot(e, r, s->areg, s->slot);
	}
	return store_slot(e, r, a->base != REG_NONE ? a->base : a->index,
			  s->slot);
}

/* lea region(%rip), h; mov %h32, (B): the header is the low half */
static int emit_header(struct emitter *e, const struct region *r, int h)
{
	struct rw_ctx *ctx = e->ctx;
	struct x86_mem m = x86_mem_base(REG_RIP, 0);
	struct x86_mem hdr = x86_mem_base(r->breg, 0);
	size_t fx;
	int err;

	err = x86__emit_lea(e->b, h, &m, &fx);
	err = err ?: add_reloc(e, fx, R_X86_64_PC32,
			       elf_obj__secsym(ctx->obj, ctx->regions),
			       (s64)r->desc_off - 4);
	return err ?: x86__emit_store32(e->b, h, &hdr, NULL);
}

static int emit_commit(struct emitter *e, const struct region *r)
{
	int h = r->hreg, err = 0;

	if (!r->hfirst) {
		if (h == REG_NONE) {
			h = spill_reg(r);
			err = spill_save(e, h, SPILL_A);
		}
		err = err ?: emit_header(e, r, h);
		if (!err && r->hreg == REG_NONE)
			err = spill_restore(e, h, SPILL_A);
	}
	if (!err && r->bspill)
		err = spill_restore(e, r->breg, SPILL_B);
	return err;
}

static int emit_site_post(struct emitter *e, const struct region *r,
			  const struct site *s)
{
	const struct insn *in = &e->f->insns[s->insn];

	if (s->kind == KS_K_TICKET) /* the store ran: a ticket after it */
		return emit_site_ticket(e, r, s->slot);
	if (s->kind != KS_K_RANGE_R && s->kind != KS_K_RANGE_W)
		return 0;
	return store_slot(e, r, in->acc[s->acc].strreg, s->slot + 1);
}

/*
 * A relocation through a named symbol that points exactly at the symbol
 * keeps its symbol: the symbol itself moves to the copy (finish.c).
 */
static bool names_start(const struct elf_reloc *r, s64 bias)
{
	return r->sym->type != STT_SECTION && r->addend + bias == 0;
}

static bool branch_reloc(const struct func *f, const struct insn *in,
			 struct elf_reloc **rp)
{
	struct elf_reloc *r;

	if (!in->has_target)
		return false;
	r = elf_rela__find(f->sec->rela, in->off + in->rel_off);
	if (r && r->offset == in->off + in->rel_off) {
		*rp = r;
		return true;
	}
	return false;
}

/* Point the rel32 field at @pos where @in's branch went. */
static int branch_target(struct emitter *e, const struct insn *in, size_t pos)
{
	struct func *f = e->f;
	struct elf_reloc *r;
	struct fixup *fx;

	if (branch_reloc(f, in, &r)) {
		/* the original rel32 is last in its insn, as ours is: bias 4 */
		s64 bias = in->len - in->rel_off;

		if (r->sym && elf_sec__is_exec(r->sym->sec) &&
		    !names_start(r, bias))
			return add_code_reloc(e, pos, r->type, r->sym->sec,
					      r->sym->value + r->addend + bias,
					      4);
		return add_reloc(e, pos, r->type, r->sym, r->addend + bias - 4);
	}
	if (in->target >= (s64)f->start && in->target < (s64)(f->start + f->size)) {
		fx = vec_push(&e->fixups);
		if (!fx)
			return -ENOMEM;
		fx->pos = pos;
		fx->insn = f->at[in->target - f->start];
		return 0;
	}
	return add_code_reloc(e, pos, R_X86_64_PC32, f->sec, in->target, 4);
}

/* Re-encode a relative branch with a rel32; @stub: a region exit's jcc. */
static int emit_branch(struct emitter *e, const struct insn *in, int stub)
{
	const u8 *src = e->f->sec->data + in->off;
	size_t pos;
	int err;

	switch (in->type) {
	case INSN_JCC:
		err = x86__emit_jcc32(e->b, in->cc, &pos);
		break;
	case INSN_JMP:
		err = x86__emit_jmp32(e->b, &pos);
		break;
	case INSN_CALL:
		err = x86__emit_call32(e->b, &pos);
		break;
	case INSN_LOOP: {
		/* loop/jrcxz have only rel8: hop over a rel32 jmp */
		u8 t[4] = { src[in->len - 2], 2, 0xeb, 5 };

		err = buf__append(e->b, t, 4);
		err = err ?: x86__emit_jmp32(e->b, &pos);
		break;
	}
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	if (stub >= 0) {
		struct fixup *fx = vec_push(&e->fixups);

		if (!fx)
			return -ENOMEM;
		e->f->exits.v[stub].words = e->words;
		fx->pos = pos;
		fx->insn = stub;
		fx->exit = true;
		return 0;
	}
	return branch_target(e, in, pos);
}

/* Copy one original instruction, fixing what refers to addresses. */
int emit_insn(struct emitter *e, const struct insn *in)
{
	struct func *f = e->f;
	struct elf_sec *rela = f->sec->rela;
	u64 at = e->b->len;
	struct elf_reloc *r;
	bool rip_done = false;
	int err;

	if (in->has_target)
		return emit_branch(e, in, -1);
	err = buf__append(e->b, f->sec->data + in->off, in->len);
	if (err)
		return err;
	for (r = elf_rela__find(rela, in->off);
	     r && r < rela->relocs.v + rela->relocs.n &&
	     r->offset < in->off + in->len;
	     r++) {
		u64 field = r->offset - in->off;
		struct code_ref ref;

		if (in->rip_rel && field == in->disp_off)
			rip_done = true;
		if (r->sym && elf_sec__is_exec(r->sym->sec) &&
		    refs__code_target(e->ctx, f->sec, in, r, &ref) &&
		    !(r->sym->type != STT_SECTION && ref.off == r->sym->value)) {
			s64 bias = reloc__is_abs(r->type) ? 0 :
							    in->len - field;

			err = add_code_reloc(e, at + field, r->type, ref.sec,
					     ref.off, bias);
		} else {
			err = add_reloc(e, at + field, r->type, r->sym,
					r->addend);
		}
		if (err)
			return err;
	}
	if (in->rip_rel && !rip_done) {
		s32 disp;

		memcpy(&disp, f->sec->data + in->off + in->disp_off, 4);
		memset(e->b->p + at + in->disp_off, 0, 4);
		err = add_code_reloc(e, at + in->disp_off, R_X86_64_PC32,
				     f->sec, in->off + in->len + disp,
				     in->len - in->disp_off);
	}
	return err;
}

static int emit_slow_paths(struct emitter *e)
{
	struct func *f = e->f;
	u32 ri;

	for (ri = 0; ri < f->regions.n; ri++) {
		struct region *r = &f->regions.v[ri];
		struct x86_mem down = x86_mem_base(REG_RSP, -RED_ZONE);
		struct x86_mem up = x86_mem_base(REG_RSP, RED_ZONE);
		size_t pos;
		int err;

		e->slow_pos[ri] = e->b->len - e->base;
		r->slow_off = e->slow_pos[ri];
		err = stack_at(e, r->slow_words);
		if (err)
			return err;
		if (e->ctx->kernel) {
			/* pointer and region go on the stack, the new pointer
			 * comes back in the region's slot (abi.h) */
			struct x86_mem drop = x86_mem_base(REG_RSP, 8);
			size_t fx;

			err = x86__emit_push(e->b, r->breg) ?: emit__stack(e, 1);
			err = err ?: x86__emit_push_imm32(e->b, &fx) ?: emit__stack(e, 1);
			/* pushq $region: modules live in the top 2 GiB */
			err = err ?: add_reloc(e, fx, R_X86_64_32S,
					       elf_obj__secsym(e->ctx->obj,
							       e->ctx->regions),
					       (s64)r->desc_off);
			err = err ?: x86__emit_call32(e->b, &pos);
			err = err ?: add_reloc(e, pos, R_X86_64_PLT32,
					       refill_sym(e->ctx), -4);
			err = err ?: x86__emit_pop(e->b, r->breg) ?: emit__stack(e, -1);
			err = err ?: x86__emit_lea(e->b, REG_RSP, &drop, NULL) ?:
				emit__stack(e, -1);
		} else {
			err = emit_tls_store(e, r->breg, spill_field(SPILL_SLOW));
			err = err ?: x86__emit_lea(e->b, REG_RSP, &down, NULL);
			r->slow_down = e->b->len - e->base;
			err = err ?: x86__emit_call32(e->b, &pos);
			err = err ?: add_reloc(e, pos, R_X86_64_PLT32,
					       refill_sym(e->ctx), -4);
			err = err ?: x86__emit_lea(e->b, REG_RSP, &up, NULL);
			r->slow_up = e->b->len - e->base;
			err = err ?: emit_tls_load(e, r->breg,
						   spill_field(SPILL_SLOW));
		}
		err = err ?: emit_jcc_to(e, -1, ri, false);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Region exits: commit the header of the sites stored so far, give back a
 * borrowed cursor register, and go where the jcc went.
 */
static int emit_exit_stubs(struct emitter *e)
{
	struct func *f = e->f;
	u32 xi, ri = 0;

	for (xi = 0; xi < f->exits.n; xi++) {
		struct region_exit *x = &f->exits.v[xi];
		const struct insn *in = &f->insns[x->insn];
		struct region *r;
		struct x86_mem m = x86_mem_base(REG_RIP, 0);
		int h = x->hreg, err = 0;
		size_t fx, pos;

		while (f->regions.v[ri].last < x->insn)
			ri++;
		r = &f->regions.v[ri];
		e->exit_pos[xi] = e->b->len - e->base;
		f->exits.v[xi].stub_off = e->exit_pos[xi];
		err = stack_at(e, x->words);
		if (h == REG_NONE) {
			h = spill_reg(r);
			err = spill_save(e, h, SPILL_A);
		}
		err = err ?: x86__emit_lea(e->b, h, &m, &fx);
		err = err ?: add_reloc(e, fx, R_X86_64_PC32,
				       elf_obj__secsym(e->ctx->obj,
						       e->ctx->regions),
				       (s64)x->desc_off - 4);
		if (!err) {
			struct x86_mem hdr = x86_mem_base(r->breg, 0);

			err = x86__emit_store32(e->b, h, &hdr, NULL);
		}
		if (!err && x->hreg == REG_NONE)
			err = spill_restore(e, h, SPILL_A);
		if (!err && r->bspill)
			err = spill_restore(e, r->breg, SPILL_B);
		err = err ?: x86__emit_jmp32(e->b, &pos);
		err = err ?: branch_target(e, in, pos);
		if (err)
			return err;
	}
	return 0;
}

static int emit_func(struct rw_ctx *ctx, struct func *f, struct buf *b,
		     struct elf_sec *copy)
{
	struct emitter e = { .ctx = ctx, .f = f, .b = b, .copy = copy };
	u32 i, ri = 0, k, xi;
	int err;

	size_t nrel0 = copy->rela ? copy->rela->relocs.n : 0;

	err = buf__align(b, 16, 0xcc);
	if (err)
		return err;
	e.base = b->len;
	f->copy = copy;
	f->marks.n = 0;
	f->copy_off = b->len;
	f->map_start = calloc(f->ninsns, sizeof(u32));
	f->map_insn = calloc(f->ninsns, sizeof(u32));
	e.slow_pos = calloc(f->regions.n + 1, sizeof(u32));
	e.back_pos = calloc(f->regions.n + 1, sizeof(u32));
	e.exit_pos = calloc(f->exits.n + 1, sizeof(u32));
	if (!f->map_start || !f->map_insn || !e.slow_pos || !e.back_pos ||
	    !e.exit_pos) {
		err = -ENOMEM;
		goto out;
	}
	err = emit_func_desc(ctx, f);
	if (!err && ctx->opts->mmio) {
		err = emit__func_mmio(&e);
		goto fixups;
	}
	for (ri = 0; !err && ri < f->regions.n; ri++) {
		struct region *r = &f->regions.v[ri];

		err = emit_region_desc(ctx, f, r, r->nsites, &r->desc_off);
		for (k = r->exit0; !err && k < r->exit0 + r->nexits; k++)
			err = emit_region_desc(ctx, f, r, f->exits.v[k].nsites,
					       &f->exits.v[k].desc_off);
	}
	ri = 0;
	xi = 0;
	for (i = 0; !err && i < f->ninsns; i++) {
		struct region *r = ri < f->regions.n ? &f->regions.v[ri] : NULL;
		bool in_r = r && i >= r->first && i <= r->last;

		f->map_start[i] = b->len - e.base;
		if (r && r->before && r->first == i) {
			/* the entry, which branches to this insn skip */
			err = emit_prologue(&e, r, ri);
			err = err ?: emit_site_pre(&e, r, &f->sites.v[r->site0]);
			err = err ?: emit_commit(&e, r);
			f->loop_off = b->len - e.base;
			r = ++ri < f->regions.n ? &f->regions.v[ri] : NULL;
			in_r = r && i >= r->first && i <= r->last;
		}
		if (in_r && i == r->first)
			err = emit_prologue(&e, r, ri);
		if (in_r) {
			for (k = r->site0; !err && k < r->site0 + r->nsites; k++)
				if (f->sites.v[k].insn == i)
					err = emit_site_pre(&e, r,
							    &f->sites.v[k]);
			if (!err && i == r->last && !r->post)
				err = emit_commit(&e, r);
		}
		f->map_insn[i] = b->len - e.base;
		if (!err && xi < f->exits.n && f->exits.v[xi].insn == i)
			err = emit_branch(&e, &f->insns[i], xi++);
		else
			err = err ?: emit_insn(&e, &f->insns[i]);
		if (in_r && i == r->last) {
			if (r->post) {
				for (k = r->site0; !err && k < r->site0 + r->nsites; k++)
					if (f->sites.v[k].insn == i)
						err = emit_site_post(&e, r, &f->sites.v[k]);
				err = err ?: emit_commit(&e, r);
			}
			ri++;
		}
		/* a call's CALL_POST: a record of its own once it returned */
		if (ri < f->regions.n && f->regions.v[ri].after &&
		    f->regions.v[ri].first == i) {
			r = &f->regions.v[ri];
			err = err ?: emit_prologue(&e, r, ri);
			err = err ?: emit_call_site(&e, r, &f->sites.v[r->site0]);
			err = err ?: emit_commit(&e, r);
			ri++;
		}
	}
	f->body_size = b->len - e.base;
	err = err ?: emit_slow_paths(&e);
	err = err ?: emit_exit_stubs(&e);
fixups:
	if (err)
		goto out;
	for (k = 0; k < e.fixups.n; k++) {
		struct fixup *fx = &e.fixups.v[k];
		u32 to;
		s32 rel;

		if (fx->exit)
			to = e.exit_pos[fx->insn];
		else if (fx->slow)
			to = e.slow_pos[fx->insn];
		else if (fx->back)
			to = e.back_pos[fx->insn];
		else if (fx->insn == f->loop_insn)
			to = f->loop_off; /* past the ENTRY: a loop */
		else
			to = f->map_start[fx->insn];
		rel = (s32)(e.base + to) - (s32)(fx->pos + 4);
		memcpy(b->p + fx->pos, &rel, 4);
	}
	f->copy_size = b->len - e.base;
	err = verify__copy(ctx, f, b->p + e.base, nrel0);
	/* one trap byte: nothing else starts where a copy ends (ORC) */
	err = err ?: buf__fill(b, 0xcc, 1);
out:
	vec_free(&e.fixups);
	free(e.slow_pos);
	free(e.back_pos);
	free(e.exit_pos);
	return err;
}

static char *copy_name(const char *name)
{
	return xasprintf("%s.kstride", name);
}

static int emit_section(struct rw_ctx *ctx, struct elf_sec *sec)
{
	struct elf_obj *obj = ctx->obj;
	struct elf_sec *copy = NULL;
	struct buf b = {};
	size_t i;
	int err = 0;

	for (i = 0; i < ctx->funcs.n && !err; i++) {
		struct func *f = &ctx->funcs.v[i];

		if (f->sec != sec || f->skip)
			continue;
		if (!copy) {
			char *name = copy_name(sec->name);

			if (!name)
				return -ENOMEM;
			copy = elf_obj__new_sec(obj, name, SHT_PROGBITS,
						sec->sh.sh_flags & ~SHF_GROUP,
						max(sec->sh.sh_addralign,
						    (u64)16));
			free(name);
			if (!copy)
				return -ENOMEM;
			if (sec->group) {
				struct elf_sec **m =
					vec_push(&sec->group->members);

				if (!m)
					return -ENOMEM;
				*m = copy;
				copy->group = sec->group;
				copy->sh.sh_flags |= SHF_GROUP;
			}
		}
		err = emit_func(ctx, f, &b, copy);
		if (!err && !f->skip) {
			ctx->st->funcs_done++;
		} else if (!err) { /* its copy failed verify__copy() */
			ctx->st->funcs_skipped++;
			ctx->st->skip[f->skip_why]++;
		}
	}
	if (copy) {
		copy->data = b.p;
		copy->size = b.len;
		ctx->st->bytes_out += b.len;
	} else {
		buf__free(&b);
	}
	return err;
}

void emit__resolve(struct rw_ctx *ctx, struct elf_sec *sec, u64 off,
		   bool exact_insn, struct elf_sym **sym, u64 *newoff)
{
	struct func *g = func__at(ctx, sec, off);
	u32 i;

	if (g && !g->skip && g->copy &&
	    (i = g->at[off - g->start]) != NO_INSN) {
		*sym = elf_obj__secsym(ctx->obj, g->copy);
		*newoff = g->copy_off +
			  (exact_insn ? g->map_insn[i] : g->map_start[i]);
		return;
	}
	if (g && !g->skip && g->copy &&
	    (i = func__endbr_around(g, off)) != NO_INSN) {
		*sym = elf_obj__secsym(ctx->obj, g->copy);
		*newoff = g->copy_off + g->map_insn[i] +
			  (off - g->insns[i].off);
		return;
	}
	*sym = elf_obj__secsym(ctx->obj, sec);
	*newoff = off;
}

static int new_data_sec(struct rw_ctx *ctx, const char *name, u64 flags,
			struct elf_sec **sec)
{
	*sec = elf_obj__new_sec(ctx->obj, name, SHT_PROGBITS, flags, 8);
	return *sec ? 0 : -ENOMEM;
}

int emit__all(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, nsec = obj->secs.n;
	int err;

	err = new_data_sec(ctx, KS_SEC_REGIONS, SHF_ALLOC, &ctx->regions);
	err = err ?: new_data_sec(ctx, KS_SEC_FUNCS, SHF_ALLOC, &ctx->fdescs);
	err = err ?: new_data_sec(ctx, KS_SEC_STRS, SHF_ALLOC, &ctx->strs);
	if (!err && ctx->opts->mmio)
		err = new_data_sec(ctx, KS_SEC_MSITES, SHF_ALLOC, &ctx->msites);
	if (!err && ctx->opts->calls) {
		/* tells the runtime to record THREAD events (abi.h, part 6) */
		struct elf_sec *mark;

		err = new_data_sec(ctx, KS_SEC_CALLS, SHF_ALLOC, &mark);
		if (!err && !(mark->data = calloc(1, 8)))
			err = -ENOMEM;
		if (!err)
			mark->size = 8;
	}
	if (err)
		return err;
	for (i = 1; i < nsec && !err; i++) {
		struct elf_sec *sec = obj->secs.v[i];

		if (elf_sec__is_exec(sec) && !sec->is_new)
			err = emit_section(ctx, sec);
	}
	if (err)
		return err;
	/* keep the three descriptor sections 8-aligned and complete */
	if (buf__align(&ctx->regions_buf, 8, 0) ||
	    buf__align(&ctx->strs_buf, 8, 0))
		return -ENOMEM;
	ctx->regions->data = ctx->regions_buf.p;
	ctx->regions->size = ctx->regions_buf.len;
	/*
	 * Name the descriptor sections with sized symbols, which kallsyms
	 * keeps for modules: kstride.ko finds them by name (KS_DESC_SYMS).
	 */
	if (!elf_obj__new_sym(obj, "__kstride_regions", STB_LOCAL, STT_OBJECT,
			      ctx->regions, 0, ctx->regions_buf.len) ||
	    !elf_obj__new_sym(obj, "__kstride_funcs", STB_LOCAL, STT_OBJECT,
			      ctx->fdescs, 0, ctx->fdescs_buf.len) ||
	    !elf_obj__new_sym(obj, "__kstride_strs", STB_LOCAL, STT_OBJECT,
			      ctx->strs, 0, ctx->strs_buf.len))
		return -ENOMEM;
	ctx->fdescs->data = ctx->fdescs_buf.p;
	ctx->fdescs->size = ctx->fdescs_buf.len;
	ctx->strs->data = ctx->strs_buf.p;
	ctx->strs->size = ctx->strs_buf.len;
	if (ctx->msites) {
		ctx->msites->data = ctx->msites_buf.p;
		ctx->msites->size = ctx->msites_buf.len;
		memset(&ctx->msites_buf, 0, sizeof(struct buf));
	}
	memset(&ctx->regions_buf, 0, sizeof(struct buf));
	memset(&ctx->fdescs_buf, 0, sizeof(struct buf));
	memset(&ctx->strs_buf, 0, sizeof(struct buf));

	/* now every copy is placed: resolve code references */
	for (i = 0; i < ctx->pendings.n; i++) {
		struct pending *p = &ctx->pendings.v[i];
		struct elf_reloc *r = &p->sec->rela->relocs.v[p->idx];
		struct elf_sym *sym;
		u64 off;

		emit__resolve(ctx, p->tsec, p->toff, false, &sym, &off);
		r->sym = sym;
		r->addend = (s64)off - p->bias;
	}
	vec_free(&ctx->pendings);
	return 0;
}
