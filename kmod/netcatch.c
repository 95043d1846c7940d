// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net, taking the faults (net.c arms the pages): a fault on an
 * armed page reaches fixup_exception(), where an ftrace hook gives it to
 * net_fault().  A move or string move is decoded (decode.c), performed
 * through the alias, recorded and skipped; anything else runs
 * single-stepped with its page present for that one instruction.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>
#include <asm/traps.h>

#include "decode.h"
#include "mmio.h"
#include "net.h"

#define NET_REP_MAX 4096 /* string elements performed per fault */

/* ---- what instrumented code leaves to the net ---- */

struct net_expect {
	u64 ret, addr;
	const struct ks_msite *ms;
};

static DEFINE_PER_CPU(struct net_expect, net_expect);

/*
 * An instrumented site kstride.ko cannot perform runs its instruction
 * itself right after @ret: on an armed page the net records it for @ms.
 */
void ks_net_expect(u64 ret, u64 addr, const struct ks_msite *ms)
{
	struct net_expect *e = this_cpu_ptr(&net_expect);

	e->ret = ret;
	e->addr = addr;
	e->ms = ms;
}

/* ---- catching ---- */

struct net_step {
	unsigned int n;
	unsigned long flags; /* TF and IF of the stepped context */
	struct net_ent e[4];
};

static DEFINE_PER_CPU(struct net_step, net_step);

static unsigned long *gpr(struct pt_regs *r, unsigned int n)
{
	switch (n) {
	case 0: return &r->ax;
	case 1: return &r->cx;
	case 2: return &r->dx;
	case 3: return &r->bx;
	case 4: return &r->sp;
	case 5: return &r->bp;
	case 6: return &r->si;
	case 7: return &r->di;
	case 8: return &r->r8;
	case 9: return &r->r9;
	case 10: return &r->r10;
	case 11: return &r->r11;
	case 12: return &r->r12;
	case 13: return &r->r13;
	case 14: return &r->r14;
	case 15: return &r->r15;
	}
	return NULL;
}


/* A loaded value into its register, as the CPU would. */
static void put_reg(struct pt_regs *r, const struct ks_dinsn *d, u64 v)
{
	unsigned long *p = gpr(r, d->reg);

	if (!p)
		return;
	if (d->op == KS_DOP_LOAD_SX)
		v = (u64)sign_extend64(v, 8 * d->size - 1);
	if (d->hi8) {
		*p = (*p & ~0xff00ull) | (v & 0xff) << 8;
		return;
	}
	ks_reg_put((u64 *)p, v, d->dsize);
}

static u64 get_reg(struct pt_regs *r, const struct ks_dinsn *d)
{
	unsigned long *p = gpr(r, d->reg);

	if (!p)
		return 0;
	return d->hi8 ? (*p >> 8) & 0xff : *p & ks_mask_of(d->size);
}

/* How a caught access is recorded. */
struct catch {
	struct pt_regs *regs;
	const struct ks_msite *ms; /* an instrumented site's, or NULL */
	bool silent; /* kstride.ko's own: its caller records it */
};

static void catch_record(const struct catch *c, const struct ks_map *m,
			 u64 addr, u64 v, u32 fl)
{
	u64 text[KS_NET_TEXT / 8] = {};
	const struct ks_region *reg;

	if (c->silent)
		return;
	if (c->ms) {
		reg = (const void *)((const u8 *)&c->ms->region + c->ms->region);
		ks_emit_dev(reg, m->phys + (addr - m->virt), v, addr, m->id, fl,
			    c->ms->pc ? (u64)&c->ms->pc + c->ms->pc : 0, NULL, 0);
		return;
	}
	snprintf((char *)text, sizeof(text), "%pS", (void *)c->regs->ip);
	reg = fl & KS_MF_WRITE ? &ks_net_region_w : &ks_net_region_r;
	ks_emit_dev(reg, m->phys + (addr - m->virt), v, addr, m->id,
		    fl | KS_MF_NET, c->regs->ip, text, ARRAY_SIZE(text));
}

/* [addr, addr + size) inside an armed mapping: that mapping, or NULL. */
static const struct ks_map *armed_at(u64 addr, unsigned int size)
{
	const struct ks_map *m = ks_map_find(addr);

	if (!m || !m->arm || addr + size > m->virt + m->len)
		return NULL;
	return m;
}

/* One element of movs, stos or lods; false if it cannot be performed. */
static bool string_one(const struct catch *c, const struct ks_dinsn *d)
{
	struct pt_regs *r = c->regs;
	unsigned int size = d->size;
	s64 step = (r->flags & X86_EFLAGS_DF) ? -(s64)size : size;
	const struct ks_map *ms = NULL, *md = NULL;
	u64 v = 0;

	/* an element on no armed page is the CPU's to do, not ours */
	if (d->op != KS_DOP_STOS)
		ms = armed_at(r->si, size);
	if (d->op != KS_DOP_LODS)
		md = armed_at(r->di, size);
	if (!ms && !md)
		return false;
	if (d->op != KS_DOP_STOS) {
		if (ms)
			v = ks_io_read(ks_map_io(ms, r->si), size);
		else if (copy_from_kernel_nofault(&v, (void *)r->si, size))
			return false;
		if (ms)
			catch_record(c, ms, r->si, v, size);
	} else {
		v = r->ax & ks_mask_of(size);
	}
	if (d->op == KS_DOP_LODS) {
		put_reg(r, d, v);
	} else if (md) {
		ks_io_write(ks_map_io(md, r->di), v, size);
		catch_record(c, md, r->di, v, size | KS_MF_WRITE);
	} else {
		/* kernel memory the instruction itself would write: it
		 * faults here if it would have faulted there */
		memcpy((void *)r->di, &v, size);
	}
	if (d->op != KS_DOP_STOS)
		r->si += step;
	if (d->op != KS_DOP_LODS)
		r->di += step;
	return true;
}

/* Perform a string instruction's elements while they touch armed pages. */
static bool net_string(const struct catch *c, const struct ks_dinsn *d)
{
	struct pt_regs *r = c->regs;
	unsigned int i;

	if (d->seg || d->addr32)
		return false;
	for (i = 0; i < NET_REP_MAX; i++) {
		if (d->rep && !r->cx)
			break;
		if (!string_one(c, d))
			return i > 0; /* a plain memory element: the CPU goes on */
		if (d->rep)
			r->cx--;
		if (!d->rep)
			break;
	}
	if (!d->rep || !r->cx)
		r->ip += d->len;
	return true;
}

/* Perform a move; false if it is not one the net can do at @addr. */
static bool net_move(const struct catch *c, const struct ks_map *m, u64 addr,
		     const struct ks_dinsn *d)
{
	struct pt_regs *r = c->regs;
	u64 ea, v;

	if (d->seg)
		return false;
	if (d->absolute) {
		ea = d->moffs;
	} else {
		ea = (s64)d->disp;
		if (d->base != KS_DREG_NONE)
			ea += *gpr(r, d->base);
		if (d->index != KS_DREG_NONE)
			ea += *gpr(r, d->index) * d->scale;
		if (d->rip)
			ea += r->ip + d->len;
	}
	if (d->addr32)
		ea = (u32)ea;
	/* the fault is this operand's, wholly inside the armed mapping */
	if (addr < ea || addr >= ea + d->size || ea < m->virt ||
	    ea + d->size > m->virt + m->len)
		return false;
	switch (d->op) {
	case KS_DOP_LOAD:
	case KS_DOP_LOAD_ZX:
	case KS_DOP_LOAD_SX:
		v = ks_io_read(ks_map_io(m, ea), d->size);
		put_reg(r, d, v);
		catch_record(c, m, ea, v, d->size);
		break;
	case KS_DOP_STORE:
	case KS_DOP_STORE_IMM:
		v = d->op == KS_DOP_STORE ? get_reg(r, d) :
					    (u64)d->imm & ks_mask_of(d->size);
		ks_io_write(ks_map_io(m, ea), v, d->size);
		catch_record(c, m, ea, v, d->size | KS_MF_WRITE);
		break;
	default:
		return false;
	}
	r->ip += d->len;
	return true;
}

/* Run the instruction single-stepped, its page present meanwhile. */
static bool net_step_begin(const struct catch *c, const struct ks_map *m,
			   u64 addr, const struct ks_dinsn *d, bool decoded)
{
	struct net_step *st = this_cpu_ptr(&net_step);
	const struct net_ent *e = NULL;
	unsigned int k, lvl;
	bool again;
	pte_t *p;

	for (k = 0; k < m->arm->n && !e; k++)
		if (addr - m->arm->e[k].va < ks_ent_size(m->arm->e[k].level))
			e = &m->arm->e[k];
	if (!e)
		return false;
	for (k = 0; k < st->n; k++)
		if (st->e[k].va == e->va)
			break;
	if (k == st->n) {
		/* an NMI that interrupts a step cannot step (one state) */
		if (st->n == ARRAY_SIZE(st->e) || (st->n && in_nmi()))
			return false;
		if (!st->n) {
			st->flags = c->regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_IF);
			c->regs->flags |= X86_EFLAGS_TF;
			c->regs->flags &= ~X86_EFLAGS_IF;
		}
		st->e[st->n++] = *e;
		again = false;
	} else {
		/* the same step faults again: another CPU ended its own
		 * step on this page and armed it meanwhile; recorded once */
		atomic64_inc(&ks_nst.overlap);
		again = true;
	}
	p = lookup_address(e->va, &lvl);
	if (!p || lvl != e->level)
		return false;
	ks_ent_write(p, lvl, e->old);
	if (again)
		return true;
	atomic64_inc(&ks_nst.stepped);
	catch_record(c, m, addr, 0, (decoded ? d->size : 0) | KS_MF_NOVALUE |
		     KS_MF_STEPPED | (decoded && (d->op == KS_DOP_STORE ||
				     d->op == KS_DOP_STORE_IMM) ? KS_MF_WRITE : 0));
	return true;
}

/* The fault of @regs at @addr: true if the net took it. */
static bool net_fault(struct pt_regs *regs, unsigned long ec, u64 addr)
{
	struct catch c = { .regs = regs };
	struct net_expect *ex = this_cpu_ptr(&net_expect);
	const struct ks_map *m;
	struct ks_dinsn d;
	struct ks_order ord;
	u8 code[15];
	unsigned int n;
	bool done = false, decoded;

	if (ec & (X86_PF_PROT | X86_PF_USER | X86_PF_RSVD | X86_PF_INSTR))
		return false;
	m = ks_map_find(addr); /* interrupts are off in a kernel #PF */
	if (!m || !m->arm)
		return false;
	if (within_module(regs->ip, THIS_MODULE)) {
		/* a stale lookup raced with arming: its caller records it */
		c.silent = true;
		atomic64_inc(&ks_nst.own);
	} else if (ex->ms && ex->addr == addr && regs->ip - ex->ret < 64) {
		c.ms = ex->ms;
		ex->ms = NULL;
		atomic64_inc(&ks_nst.own_expected);
	}
	for (n = sizeof(code); n; n--)
		if (!copy_from_kernel_nofault(code, (void *)regs->ip, n))
			break;
	decoded = n && !ks_decode(code, n, &d);
	ks_order_begin(&ord);
	if (decoded && (d.op == KS_DOP_MOVS || d.op == KS_DOP_STOS ||
			d.op == KS_DOP_LODS))
		done = net_string(&c, &d);
	else if (decoded)
		done = net_move(&c, m, addr, &d);
	if (done)
		atomic64_inc(&ks_nst.emulated);
	else
		done = net_step_begin(&c, m, addr, &d, decoded);
	ks_order_end(&ord);
	return done;
}

/* The step's #DB: arm again what it needed present. */
static int net_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	unsigned long *dr6 = (unsigned long *)ERR_PTR(args->err);
	struct net_step *st = this_cpu_ptr(&net_step);
	struct pt_regs *regs = args->regs;
	unsigned int k, lvl;

	if (val != DIE_DEBUG || !(*dr6 & DR_STEP) || !st->n)
		return NOTIFY_DONE;
	for (k = 0; k < st->n; k++) {
		const struct ks_map *m = ks_map_find(st->e[k].va);
		pte_t *p = lookup_address(st->e[k].va, &lvl);

		/* only if still armed: an iounmap may have come meanwhile */
		if (m && m->arm && p && lvl == st->e[k].level)
			ks_ent_write(p, lvl, 0);
	}
	st->n = 0;
	__flush_tlb_all();
	irq_work_queue(&ks_net_flush_iw); /* others may have cached it meanwhile */
	regs->flags &= ~(X86_EFLAGS_TF | X86_EFLAGS_IF);
	regs->flags |= st->flags;
	if (regs->flags & X86_EFLAGS_TF)
		return NOTIFY_DONE; /* somebody else steps this code too */
	*dr6 &= ~DR_STEP;
	return NOTIFY_STOP;
}

struct notifier_block ks_net_die_nb = {
	.notifier_call = net_die,
	.priority = 1,
};

/* fixup_exception() returns this when the net took the fault */
static noinline notrace int ks_net_fixed(void)
{
	return 1;
}

/* ftrace, at fixup_exception(regs, trapnr, error_code, fault_addr) */
static void notrace net_ftrace(unsigned long ip, unsigned long parent,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *kr = ftrace_get_regs(fregs);

	if (!kr || (int)kr->si != X86_TRAP_PF)
		return;
	if (!net_fault((struct pt_regs *)kr->di, kr->dx, kr->cx))
		return;
	kr->ip = (unsigned long)ks_net_fixed;
}

struct ftrace_ops ks_net_ops = {
	.func = net_ftrace,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};
