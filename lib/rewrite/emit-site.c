// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 5, full mode: the code each region adds to a copy to write its
 * record (emit.c copies the instructions around it), and the out-of-line
 * paths after the function: the ring's refill and the region exits.
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

int emit__prologue(struct emitter *e, struct region *r, u32 ri)
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

int emit__site_pre(struct emitter *e, const struct region *r,
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

int emit__commit(struct emitter *e, const struct region *r)
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

int emit__site_post(struct emitter *e, const struct region *r,
			  const struct site *s)
{
	const struct insn *in = &e->f->insns[s->insn];

	if (s->kind == KS_K_TICKET) /* the store ran: a ticket after it */
		return emit_site_ticket(e, r, s->slot);
	if (s->kind != KS_K_RANGE_R && s->kind != KS_K_RANGE_W)
		return 0;
	return store_slot(e, r, in->acc[s->acc].strreg, s->slot + 1);
}


int emit__slow_paths(struct emitter *e)
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
int emit__exit_stubs(struct emitter *e)
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
		err = err ?: emit__branch_target(e, in, pos);
		if (err)
			return err;
	}
	return 0;
}
