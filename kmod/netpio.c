// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net for port I/O.  A port access cannot fault, so the net
 * cannot catch it the way it catches memory.  Instead, record finds the
 * in and out instructions of the kernel code the traced modules call
 * (their undefined symbols, and what those call in turn: abi.h,
 * KS_IOC_NET_PIO), and kstride.ko puts a kprobe on each while the net is
 * on.  An access to a port of a traced device's I/O BAR is recorded as a
 * net catch with its value and pc; any other port is left alone.  The
 * kernel's ioread/iowrite family, which kstride.ko calls itself for
 * instrumented code, records nothing here (ks_in_helper).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mmio.h"

#define PIO_MAX_PROBES 4096
#define PIO_MAX_RANGES 64

struct pio_probe {
	struct kprobe kp;
	u8 out; /* out (recorded before), or in (after) */
	u8 size;
	bool registered;
	int port; /* an immediate port, or -1: %dx */
};

/* one KS_IOC_NET_PIO's probes: one per traced module, as each loads */
struct pio_batch {
	struct pio_batch *next;
	unsigned int n;
	struct pio_probe p[];
};

static struct pio_batch *batches;
static unsigned int nwatched;

static struct {
	u16 start, end; /* [start, end) */
} ranges[PIO_MAX_RANGES];
static unsigned int nranges;

DEFINE_PER_CPU(int, ks_in_helper);

/* Called with the net's lock held, before any probe can fire. */
void ks_net_pio_range(u64 start, u64 len)
{
	unsigned int i;

	if (!len || start > 0xffff)
		return;
	for (i = 0; i < nranges; i++)
		if (ranges[i].start == start)
			return;
	if (nranges == PIO_MAX_RANGES)
		return;
	ranges[nranges].start = start;
	ranges[nranges].end = min_t(u64, start + len, 0x10000);
	/* readers see the range complete before the count */
	smp_store_release(&nranges, nranges + 1);
}

static bool port_traced(u16 port)
{
	unsigned int i, n = smp_load_acquire(&nranges);

	for (i = 0; i < n; i++)
		if (port >= ranges[i].start && port < ranges[i].end)
			return true;
	return false;
}

static u64 mask_of(unsigned int size)
{
	return size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
}

static void pio_record(struct pio_probe *pp, struct pt_regs *regs)
{
	u16 port = pp->port >= 0 ? pp->port : (u16)regs->dx;
	u64 text[KS_NET_TEXT / 8] = {};
	struct ks_order ord;

	/* an accessor kstride.ko performs in this very context */
	if (this_cpu_read(ks_in_helper) == ks_ctx_level() || !port_traced(port))
		return;
	snprintf((char *)text, sizeof(text), "%pS", pp->kp.addr);
	ks_order_begin(&ord);
	ks_emit_dev(pp->out ? &ks_net_region_pw : &ks_net_region_pr, port,
		    regs->ax & mask_of(pp->size), port, 0,
		    pp->size | KS_MF_PORT | KS_MF_NET |
		    (pp->out ? KS_MF_WRITE : 0),
		    (u64)pp->kp.addr, text, ARRAY_SIZE(text));
	ks_order_end(&ord);
	ks_net_count_pio();
}

static int pio_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pio_probe *pp = container_of(p, struct pio_probe, kp);

	if (pp->out)
		pio_record(pp, regs); /* the value is in %al/%ax/%eax now */
	return 0;
}

static void pio_post(struct kprobe *p, struct pt_regs *regs,
		     unsigned long flags)
{
	struct pio_probe *pp = container_of(p, struct pio_probe, kp);

	if (!pp->out)
		pio_record(pp, regs); /* the value the port gave */
}

/* The port instruction at @addr, or false if there is none. */
static bool pio_decode(unsigned long addr, struct pio_probe *pp)
{
	u8 b[8];
	unsigned int i = 0;
	bool opsize = false;

	if (copy_from_kernel_nofault(b, (void *)addr, sizeof(b)))
		return false;
	for (; i < 4 && (b[i] == 0x66 || (b[i] & 0xf0) == 0x40); i++)
		opsize |= b[i] == 0x66;
	switch (b[i]) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: /* in/out with imm8 */
		pp->port = b[i + 1];
		break;
	case 0xec: case 0xed: case 0xee: case 0xef: /* in/out with %dx */
		pp->port = -1;
		break;
	default:
		return false; /* ins and outs are not watched */
	}
	pp->out = b[i] & 2;
	pp->size = !(b[i] & 1) ? 1 : opsize ? 2 : 4;
	return true;
}

/*
 * Put a probe on each of @n addresses; one that is no in or out, or that
 * kprobes refuses (not kernel text, not an instruction's start, a place
 * kprobes must not touch), is counted in @refused.  Process context.
 */
long ks_net_pio_watch(const u64 *addrs, unsigned int n, unsigned int *refused)
{
	struct pio_batch *b;
	unsigned int i;

	*refused = 0;
	if (!n || n > PIO_MAX_PROBES || nwatched + n > PIO_MAX_PROBES)
		return -E2BIG;
	b = ks_counted(vzalloc(struct_size(b, p, n)));
	if (!b)
		return -ENOMEM;
	b->n = n;
	b->next = batches;
	batches = b;
	nwatched += n;
	for (i = 0; i < n; i++) {
		struct pio_probe *pp = &b->p[i];

		if (!pio_decode(addrs[i], pp)) {
			(*refused)++;
			continue;
		}
		pp->kp.addr = (kprobe_opcode_t *)addrs[i];
		pp->kp.pre_handler = pio_pre;
		pp->kp.post_handler = pio_post;
		if (register_kprobe(&pp->kp)) {
			(*refused)++;
			continue;
		}
		/* kprobes may have moved it (a function's start): recheck */
		if ((unsigned long)pp->kp.addr != addrs[i]) {
			unregister_kprobe(&pp->kp);
			(*refused)++;
			continue;
		}
		pp->registered = true;
	}
	return 0;
}

void ks_net_pio_unwatch(void)
{
	while (batches) {
		struct pio_batch *b = batches;
		unsigned int i;

		for (i = 0; i < b->n; i++)
			if (b->p[i].registered)
				unregister_kprobe(&b->p[i].kp);
		batches = b->next;
		ks_uncount(b);
		vfree(b);
	}
	nwatched = 0;
	nranges = 0;
}
