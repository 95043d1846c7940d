// SPDX-License-Identifier: GPL-2.0
/*
 * Trace walker (trace.h): each DATA chunk decoded into events, in file
 * order, kernel chunks CPU by CPU; a record's sites and slots resolved to
 * addresses, values, callees and contexts through its region's
 * descriptors.  Layout: include/kstride/abi.h.
 */
#include "internal.h"

static u64 site_addr(const struct trace_region *r, u32 k,
		     const struct ks_site *s, const u64 *slot, u64 fs, u64 gs)
{
	u64 a;

	switch (s->form) {
	case KS_A_SLOT:
		a = slot[0] * (s->scale ? s->scale : 1) + (s64)s->disp;
		break;
	case KS_A_SLOT2:
		a = slot[0] + slot[1] * (s->scale ? s->scale : 1) + (s64)s->disp;
		break;
	case KS_A_ABS:
		a = (u64)(s64)s->disp;
		break;
	case KS_A_BITOFF:
	case KS_A_BITOFF_IDX:
	case KS_A_BITOFF_RIP:
	case KS_A_BITOFF_ABS: {
		unsigned bits = 8 * (s->size ? s->size : 1), sh = __builtin_ctz(bits);
		u64 bit, base;
		s64 off;

		switch (s->form) {
		case KS_A_BITOFF:
			base = slot[0] + (s64)s->disp;
			bit = slot[1];
			break;
		case KS_A_BITOFF_IDX:
			base = slot[0] + slot[1] * (s->scale ? s->scale : 1) +
			       (s64)s->disp;
			bit = slot[2];
			break;
		case KS_A_BITOFF_RIP:
			base = r->addr + sizeof(struct ks_region) +
			       k * sizeof(struct ks_site) +
			       offsetof(struct ks_site, disp) + (s64)s->disp;
			bit = slot[0];
			break;
		default:
			base = (u64)(s64)s->disp;
			bit = slot[0];
			break;
		}
		off = (s64)(bit << (64 - bits)) >> (64 - bits);
		a = base + (u64)((off >> sh) * (s64)s->size);
		break;
	}
	case KS_A_RIP:
		a = r->addr + sizeof(struct ks_region) +
		    k * sizeof(struct ks_site) +
		    offsetof(struct ks_site, disp) + (s64)s->disp;
		break;
	default:
		a = 0;
	}
	if (s->flags & KS_F_ADDR32)
		a &= 0xffffffffu;
	/* the chunk's segment base: %fs for threads, %gs for CPUs */
	if (s->flags & KS_F_FS)
		a += fs;
	if (s->flags & KS_F_GS)
		a += gs;
	return a;
}

static void cpu_reset(struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = s->tgid = -1;
	s->st[0].ctx = KS_CTX_UNKNOWN;
}

/*
 * The context a preempt count names.  The layout is the kernel's own
 * (include/linux/preempt.h): preemption 0-7, softirq 8-15 (bit 8 while
 * serving), hardirq 16-19, NMI 20-23; bit 31 is x86's need-resched.
 */
static int ctx_of(u64 pc)
{
	if (pc & 0xf00000)
		return KS_CTX_NMI;
	if (pc & 0xf0000)
		return KS_CTX_HARDIRQ;
	if (pc & 0x100)
		return KS_CTX_SOFTIRQ;
	return KS_CTX_TASK;
}

/* A function entry in context @c: nest, or unwind exits never seen. */
static void ctx_enter(struct cpu_state *s, int c)
{
	while (s->top > 0 && (s->st[s->top].ctx > c ||
			      s->st[s->top].ctx == KS_CTX_UNKNOWN))
		s->top--;
	if (s->top == 0 && (s->st[0].ctx == KS_CTX_UNKNOWN ||
			    s->st[0].ctx > c))
		s->st[0].ctx = c;
	if (s->st[s->top].ctx == c) {
		s->st[s->top].depth++;
		return;
	}
	if (s->top < CTX_DEPTH - 1)
		s->top++;
	s->st[s->top].ctx = c;
	s->st[s->top].depth = 1;
}

static void ctx_exit(struct cpu_state *s)
{
	if (--s->st[s->top].depth <= 0 && s->top > 0)
		s->top--;
}

/*
 * ns on local_clock()'s scale.  Between the completion of the previous
 * sub-buffer of the CPU and that of this one, both (ts, tsc) pairs are
 * known: interpolate, so that times stay in record order across
 * sub-buffers even where the clock and the TSC disagree on their rates
 * (a VM).  Otherwise, from this pair and the TSC's nominal rate.
 */
static u64 tsc_ns(const struct trace *t, const struct data_chunk *dc, u64 tsc)
{
	__int128 d;

	if (!tsc || !dc->tsc)
		return 0;
	if (t->prev_tsc && t->prev_tsc < dc->tsc && t->prev_ts <= dc->ts &&
	    tsc >= t->prev_tsc && tsc <= dc->tsc) {
		d = (__int128)(tsc - t->prev_tsc) * (dc->ts - t->prev_ts) /
		    (dc->tsc - t->prev_tsc);
		return t->prev_ts + (u64)d;
	}
	if (!t->tsc_khz)
		return 0;
	d = (__int128)(s64)(dc->tsc - tsc) * 1000000 / (__int128)t->tsc_khz;
	return (u64)((__int128)dc->ts - d);
}

static void ev_ctx(struct trace *t, const struct data_chunk *dc,
		   struct trace_event *ev)
{
	const struct cpu_state *s = &t->cs;

	ev->kernel = true;
	ev->ts = tsc_ns(t, dc, s->tsc);
	ev->ctx = s->st[s->top].ctx;
	ev->pid = s->pid;
	ev->tgid = s->tgid;
	ev->comm = s->comm;
}

/* The slots of a device record, or of kstride.ko's MAP, UNMAP, MARK. */
static void dev_event(struct trace *t, const struct data_chunk *dc,
		      struct trace_event *ev, u8 kind, const u64 *v)
{
	ev->ts = tsc_ns(t, dc, v[0]);
	ev->map_id = 0;
	ev->mflags = 0;
	ev->len = 0;
	ev->text[0] = 0;
	switch (kind) {
	case KS_K_MAP:
		ev->phys = v[1];
		ev->addr = v[2];
		ev->len = v[3];
		ev->map_id = (u32)v[4];
		ev->mflags = (u32)(v[4] >> 32); /* enum ks_net_map */
		break;
	case KS_K_UNMAP:
		ev->addr = v[1];
		ev->map_id = (u32)v[2];
		break;
	case KS_K_MARK:
		memcpy(ev->text, &v[1], KS_MARK_TEXT);
		ev->text[KS_MARK_TEXT] = 0;
		break;
	default:
		ev->phys = v[1];
		ev->value = v[2];
		ev->addr = v[3];
		ev->map_id = (u32)v[4];
		ev->mflags = (u32)(v[4] >> 32);
		/* kstride.ko says who made it (values as enum ks_ctx) */
		if (ev->mflags & KS_MF_CTX)
			ev->ctx = (ev->mflags & KS_MF_CTX) >> KS_MF_CTX_SHIFT;
		break;
	}
}

/* kstride.ko's NETDEV: a net device's transmit queues (abi.h). */
static void netdev_event(struct trace *t, const struct data_chunk *dc,
			 struct trace_event *ev, const u64 *v)
{
	ev->ts = tsc_ns(t, dc, v[0]);
	ev->addr = v[1];
	ev->args[0] = v[2];
	ev->args[1] = (u32)v[3];
	ev->args[2] = v[3] >> 32;
	ev->args[3] = (u32)v[4];
	ev->mflags = (u32)(v[4] >> 32);
	memcpy(ev->text, &v[5], KS_NETDEV_NAME);
	ev->text[KS_NETDEV_NAME] = 0;
}

const struct ks_aperture_stats *trace__apertures(const struct trace *t)
{
	return t->has_ap ? &t->ap : NULL;
}

const struct ks_net_stats *trace__net(const struct trace *t)
{
	return t->has_net ? &t->net : NULL;
}

const char *trace__pci(const struct trace *t)
{
	return t->pci ? t->pci : "";
}

bool trace__mmio(const struct trace *t)
{
	return t->mmio;
}

bool trace__kernel(const struct trace *t)
{
	return t->kernel;
}

/* CALL_PRE, CALL_POST, THREAD: @v holds the site's slots (abi.h, part 6) */
static void call_event(struct trace *t, const struct trace_region *r, u32 k,
		       const struct ks_site *s, const u64 *v,
		       struct trace_event *ev)
{
	u64 field = r->addr + sizeof(struct ks_region) +
		    k * sizeof(struct ks_site) + offsetof(struct ks_site, disp);

	memset(ev->args, 0, sizeof(ev->args));
	ev->addr = 0;
	ev->cseq = v[0];
	ev->callee = s->disp ? trace__dump_str(t, field + (s64)s->disp) : NULL;
	ev->target = 0;
	switch (s->kind) {
	case KS_K_CALL_PRE:
		ev->target = v[1];
		memcpy(ev->args, v + 2, 6 * sizeof(u64));
		break;
	case KS_K_CALL_POST:
		ev->args[0] = v[1];
		ev->args[1] = v[2];
		break;
	default: /* THREAD */
		memcpy(ev->args, v + 1, 3 * sizeof(u64));
		break;
	}
}

/* where struct ks_mmio_rec's seq and pc are, in slots */
#define SLOT_SEQ (offsetof(struct ks_mmio_rec, seq) / 8)
#define SLOT_PC (offsetof(struct ks_mmio_rec, pc) / 8)

/* the file offset of @p, in the chunk walk_chunk() read into t->buf */
#define FOFF(p) (dc->off + (u64)((p) - t->buf))

static int walk_chunk(struct trace *t, const struct data_chunk *dc,
		      trace_cb cb, void *arg)
{
	struct ks_data_hdr dh;
	size_t need = sizeof(dh) + dc->records;
	const u8 *p, *end, *stop;
	struct trace_event ev;
	int rerr;

	if (need > t->buf_cap) {
		u8 *nb = realloc(t->buf, need);

		if (!nb)
			return -ENOMEM;
		t->buf = nb;
		t->buf_cap = need;
	}
	rerr = trace__read(t, dc->off, t->buf, need);
	if (rerr)
		return rerr;
	p = t->buf + sizeof(dh);
	end = p + dc->records;
	stop = p + dc->stop;
	memcpy(&dh, t->buf, sizeof(dh));
	memset(&ev, 0, sizeof(ev));
	ev.tid = t->kernel ? dc->cpu : dh.tid;
	ev.gap = t->kernel && (dc->flags & KS_SUB_GAP);
	if (t->kernel && dc->cpu != t->cs_cpu)
		t->prev_ts = t->prev_tsc = 0;
	if (t->kernel && (dc->cpu != t->cs_cpu || (dc->flags & KS_SUB_GAP))) {
		/* another CPU, or records were lost: nothing is known */
		cpu_reset(&t->cs);
		t->cs_cpu = dc->cpu;
	}
	while (p < stop) {
		const struct trace_region *r;
		u64 slots[KS_REGION_MAX_SLOTS];
		u32 k, used = 0, hdr;
		int err;

		if (end - p < KS_REC_HDR)
			return trace__bad(t, "record cut short", FOFF(p));
		memcpy(&hdr, p, KS_REC_HDR);
		if (t->kernel && hdr <= KS_REGION_MAX_BYTES) {
			/* reserved, still in flight when copied: its length
			 * marker says how far to skip; 0: nothing more */
			t->lost++;
			if (!hdr)
				break;
			p += hdr;
			continue;
		}
		r = trace__region_find(t, hdr);
		if (!r && t->kernel) {
			/* another instrumented module shares the rings and
			 * its descriptors are not in this trace: the rest of
			 * this buffer cannot be walked */
			t->lost_bytes += stop - p;
			break;
		}
		if (!r)
			return trace__bad(t, hdr ? "record names an unknown region" :
					    "uncommitted record (a signal interrupted a flush?)",
				   FOFF(p));
		if ((size_t)(end - p) < KS_REC_BYTES((size_t)r->nslots))
			return trace__bad(t, "record cut short", FOFF(p));
		memcpy(slots, p + KS_REC_HDR, 8 * r->nslots);
		ev.region = r;
		if (t->kernel && r->nsites) {
			/* who runs: a SWITCH, or an ENTRY's preempt count */
			struct ks_site s0;

			memcpy(&s0, &r->site[0], sizeof(s0));
			if (s0.kind == KS_K_SWITCH) {
				if ((u32)s0.slot + KS_SWITCH_SLOTS > r->nslots)
					return trace__bad(t, "short SWITCH record",
						   FOFF(p));
				cpu_reset(&t->cs);
				t->cs.tsc = slots[s0.slot];
				t->cs.pid = (s32)slots[s0.slot + 1];
				t->cs.tgid = (s32)(slots[s0.slot + 1] >> 32);
				memcpy(t->cs.comm, &slots[s0.slot + 2], 16);
				t->cs.comm[16] = 0;
				t->cs.st[0].ctx = KS_CTX_TASK;
				if (ctx_of(slots[s0.slot + 4] & 0x7fffffff) !=
				    KS_CTX_TASK) {
					/* an interrupt, nested how deep is
					 * not known: unknown until an entry */
					t->cs.top = 1;
					t->cs.st[1].ctx = KS_CTX_UNKNOWN;
					t->cs.st[1].depth = 1ll << 40;
				}
			} else if (s0.kind == KS_K_ENTRY &&
				   (s0.flags & KS_F_CTX)) {
				if ((u32)s0.slot + 3 > r->nslots)
					return trace__bad(t, "short ENTRY record",
						   FOFF(p));
				u64 pc = slots[s0.slot + 2] & 0x7fffffff;

				/* PREEMPT_RT: the task's softirq count (abi.h) */
				if (s0.flags & KS_F_CTX_RT)
					pc |= (slots[s0.slot + 2] >> 32) & 0xff00;
				t->cs.tsc = slots[s0.slot + 1];
				ctx_enter(&t->cs, ctx_of(pc));
			}
			ev_ctx(t, dc, &ev);
		}
		for (k = 0; k < r->nsites; k++) {
			struct ks_site s;

			memcpy(&s, &r->site[k], sizeof(s));
			used = s.slot;
			if (used + max(s.nslots, (u8)(s.form == KS_A_BITOFF_IDX ? 3 :
						 s.form == KS_A_SLOT2 || s.form == KS_A_BITOFF ? 2 :
						 s.form == KS_A_RIP || s.form == KS_A_ABS ? 0 : 1)) >
			    r->nslots)
				return trace__bad(t, "site slots exceed the record",
					   FOFF(p));
			ev.site = &r->site[k];
			ev.count = 1;
			ev.dir = 0;
			ev.sp = 0;
			if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_MARK) {
				if ((u32)s.slot + (s.kind == KS_K_MARK ? KS_MARK_SLOTS :
						   s.kind >= KS_K_MAP ? KS_MAP_SLOTS :
						   KS_MMIO_SLOTS_V2) >
				    r->nslots)
					return trace__bad(t, "short device record",
						   FOFF(p));
				dev_event(t, dc, &ev, s.kind, slots + s.slot);
				/* its place in the global order, if recorded */
				ev.seq = ev.pc = 0;
				if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_PIO_W &&
				    (u32)s.slot + SLOT_SEQ + 1 <= r->nslots)
					ev.seq = slots[s.slot + SLOT_SEQ];
				if (s.kind >= KS_K_MMIO_R && s.kind <= KS_K_PIO_W &&
				    (u32)s.slot + SLOT_PC + 1 <= r->nslots)
					ev.pc = slots[s.slot + SLOT_PC];
				/* caught by the net: where, as kstride.ko named it */
				if ((ev.mflags & KS_MF_NET) &&
				    (u32)s.slot + KS_NET_SLOTS <= r->nslots) {
					memcpy(ev.text, slots + s.slot + KS_MMIO_SLOTS,
					       KS_NET_TEXT);
					ev.text[KS_NET_TEXT] = 0;
				}
			} else if (s.kind >= KS_K_CALL_PRE && s.kind <= KS_K_THREAD) {
				u32 want = s.kind == KS_K_CALL_PRE ? KS_CALL_PRE_SLOTS :
					   s.kind == KS_K_CALL_POST ? KS_CALL_POST_SLOTS :
					   KS_THREAD_SLOTS;

				if (s.form != KS_A_CALL || s.nslots != want ||
				    (u32)s.slot + want > r->nslots)
					return trace__bad(t, "malformed call or thread record",
						   FOFF(p));
				call_event(t, r, k, &s, slots + s.slot, &ev);
			} else if (s.kind == KS_K_TICKET) {
				/* drawn after the store before it (abi.h, part 6) */
				if (s.form != KS_A_SLOT || s.nslots != 1)
					return trace__bad(t, "malformed TICKET site",
						   FOFF(p));
				ev.addr = 0;
				ev.callee = NULL;
				ev.cseq = slots[used];
			} else if (s.kind == KS_K_SWITCH) {
				ev.addr = 0;
			} else if (s.kind == KS_K_NETDEV) {
				if ((u32)s.slot + KS_NETDEV_SLOTS > r->nslots)
					return trace__bad(t, "short NETDEV record",
						   FOFF(p));
				netdev_event(t, dc, &ev, slots + s.slot);
			} else if (s.kind == KS_K_ENTRY || s.kind == KS_K_EXIT) {
				u32 a = s.flags & KS_F_CTX ? 3 : 1;

				ev.sp = slots[used] + (s64)s.disp;
				ev.addr = 0;
				ev.callee = NULL;
				ev.args[0] = ev.args[1] = 0;
				ev.cseq = 0;
				ev.caller = 0;
				/*
				 * --calls: a callback's two arguments, a
				 * ticket and (since the slot came) its caller
				 */
				if (s.kind == KS_K_ENTRY &&
				    (s.flags & KS_F_ENTRY_ARGS)) {
					if (s.nslots < a + 3)
						return trace__bad(t, "short ENTRY record",
							   FOFF(p));
					ev.args[0] = slots[used + a];
					ev.args[1] = slots[used + a + 1];
					ev.cseq = slots[used + a + 2];
					if (s.nslots >= a + KS_ENTRY_ARGS_SLOTS)
						ev.caller = slots[used + a + 3];
				}
				if (s.kind == KS_K_EXIT &&
				    (s.flags & KS_F_EXIT_SEQ)) {
					if (s.nslots < 2)
						return trace__bad(t, "short EXIT record",
							   FOFF(p));
					ev.cseq = slots[used + 1];
				}
			} else if (s.form == KS_A_RANGE) {
				u64 before = slots[used], after = slots[used + 1];
				u64 size = s.size ? s.size : 1;

				if (after >= before) {
					ev.addr = before;
					ev.count = (after - before) / size;
					ev.dir = ev.count ? 1 : 0;
				} else {
					ev.addr = after + size;
					ev.count = (before - after) / size;
					ev.dir = -1;
				}
			} else {
				ev.addr = site_addr(r, k, &s, slots + used,
						    t->kernel ? 0 : dh.fs_base,
						    t->kernel ? dh.fs_base : 0);
			}
			err = cb(&ev, arg);
			if (err)
				return err;
			ev.gap = false;
			if (t->kernel && s.kind == KS_K_EXIT)
				ctx_exit(&t->cs);
		}
		p += KS_REC_BYTES(r->nslots);
	}
	if (t->kernel) {
		t->prev_ts = dc->ts;
		t->prev_tsc = dc->tsc;
	}
	return 0;
}

static int chunk_cmp(const void *a, const void *b)
{
	const struct data_chunk *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int trace__for_each(struct trace *t, trace_cb cb, void *arg)
{
	size_t i;
	int err;

	/* each thread's buffers in the order it filled them */
	cpu_reset(&t->cs);
	t->cs_cpu = UINT32_MAX; /* the first chunk resets it */
	if (t->chunks.n)
		qsort(t->chunks.v, t->chunks.n, sizeof(struct data_chunk),
		      chunk_cmp);
	for (i = 0; i < t->chunks.n; i++) {
		err = walk_chunk(t, &t->chunks.v[i], cb, arg);
		if (err)
			return err;
	}
	return 0;
}
