// SPDX-License-Identifier: GPL-2.0
/*
 * lib/race's kernel models, fed events as lib/trace decodes them: a
 * doorbell (a store to device memory) orders what came before it before
 * the interrupt handler and the NAPI poll after it, and only where the
 * tickets prove it; loads from DMA-coherent memory wait for the device;
 * a socket buffer handed to the stack and given back; a load against a
 * locked write is marked; request_irq's object names the handler's second
 * argument only; a net device's queue lock taken by address is the
 * transmit lock netif_tx_lock() takes.  Each scenario has its control, which must report.
 */
#include <kstride/abi.h>

#include "../../lib/race/det.h"
#include "harness.h"

#define DEV 0xffffc90000100000ull /* an ioremap()ed register window */
#define DMA 0xffff888008000000ull /* dma_alloc_attrs()'s ring */
#define BUF 0xffffc90000200000ull /* the driver's buffer_info array */
#define SKB 0xffff888005000000ull
#define NAPI 0xffff888006000c30ull
#define NETDEV 0xffff888006000000ull

static const struct ks_site s_r = { .off = 0x10, .size = 8, .kind = KS_K_R };
static const struct ks_site s_r2 = { .off = 0x18, .size = 8, .kind = KS_K_R };
static const struct ks_site s_w = { .off = 0x20, .size = 8, .kind = KS_K_W };
static const struct ks_site s_w2 = { .off = 0x28, .size = 8, .kind = KS_K_W };
static const struct ks_site s_lock = { .off = 0x30, .size = 8, .kind = KS_K_U,
				       .flags = KS_F_LOCK };
static const struct ks_site s_entry = { .off = 0x5, .kind = KS_K_ENTRY,
					.flags = KS_F_CTX | KS_F_ENTRY_ARGS };
static const struct ks_site s_exit = { .off = 0x40, .kind = KS_K_EXIT,
				       .flags = KS_F_EXIT_SEQ };
static const struct ks_site s_ticket = { .off = 0x2c, .kind = KS_K_TICKET,
					 .form = KS_A_SLOT, .nslots = 1 };
static const struct ks_site s_exit_tail = { .off = 0x44, .kind = KS_K_EXIT,
					    .flags = KS_F_EXIT_SEQ | KS_F_EXIT_TAIL };
static const struct ks_site s_entry_plain = { .off = 0x5, .kind = KS_K_ENTRY,
					      .flags = KS_F_CTX };
/* a tail callee's exit has a ticket too (calls.c, tail_of_cb) */
static const struct ks_site s_exit_callee = { .off = 0x48, .kind = KS_K_EXIT,
					      .flags = KS_F_EXIT_SEQ };
static const struct ks_site s_switch = { .kind = KS_K_SWITCH };
static const struct ks_site s_pre = { .off = 0x50, .kind = KS_K_CALL_PRE,
				      .form = KS_A_CALL };
static const struct ks_site s_post = { .off = 0x50, .kind = KS_K_CALL_POST,
				       .form = KS_A_CALL };

struct run {
	struct det d;
	struct race_opts opts;
	struct race_stats st;
	u64 ts;
	int err;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->d.opts = &r->opts;
	r->d.st = &r->st;
	r->d.kernel = true;
	r->d.have_calls = true;
}

/* who runs it: a task (pid), or a CPU's softirq or hardirq */
struct who {
	int ctx;
	s32 pid;
	u32 cpu;
};

#define TASK(p, c) ((struct who){ KS_CTX_TASK, (p), (c) })
#define SOFTIRQ(c) ((struct who){ KS_CTX_SOFTIRQ, -1, (c) })
#define HARDIRQ(c) ((struct who){ KS_CTX_HARDIRQ, -1, (c) })

static void ev(struct run *r, struct who w, const struct ks_site *s, u64 addr,
	       u64 seq, const char *callee, u64 a0, u64 a1)
{
	struct trace_event e = {
		.tid = w.cpu, .site = s, .addr = addr, .count = 1,
		.kernel = true, .ts = ++r->ts, .ctx = w.ctx, .pid = w.pid,
		.comm = "t", .cseq = seq, .callee = callee,
		.args = { a0, a1 }, .sp = 0xffffc90000004000ull,
	};

	if (!r->err)
		r->err = det__collect(&e, &r->d);
}

/* an event right after records were dropped on its CPU */
static void ev_gap(struct run *r, struct who w, const struct ks_site *s,
		   u64 addr)
{
	struct trace_event e = {
		.tid = w.cpu, .site = s, .addr = addr, .count = 1,
		.kernel = true, .ts = ++r->ts, .ctx = w.ctx, .pid = w.pid,
		.comm = "t", .gap = true, .sp = 0xffffc90000004000ull,
	};

	if (!r->err)
		r->err = det__collect(&e, &r->d);
}

static void device_window(struct run *r)
{
	struct devrange *g = vec_push(&r->d.devs);

	g->lo = DEV;
	g->hi = DEV + 0x20000;
	g->ts1 = UINT64_MAX;
	r->d.devlo = g->lo;
	r->d.devhi = g->hi;
	g = vec_push(&r->d.dmas);
	g->lo = DMA;
	g->hi = DMA + 4096;
	g->ts1 = UINT64_MAX;
	r->d.dmalo = g->lo;
	r->d.dmahi = g->hi;
}

static size_t finish(struct run *r)
{
	size_t n;

	if (!r->err)
		r->err = det__run(&r->d);
	n = r->err ? SIZE_MAX : r->d.reports.n;
	det__free(&r->d);
	vec_free(&r->d.reports);
	return n;
}

/*
 * A transmit on CPU @xcpu fills buffer_info and rings the doorbell, and
 * returns with ticket @texit; the interrupt comes on CPU 0 (tickets from
 * @irq), schedules NAPI, whose poll reads what the transmit wrote.  On
 * CPU 0 the interrupt and the poll come between the store and the exit.
 */
static size_t doorbell_tk(bool ring, u64 tk, u32 xcpu, u64 irq, u64 texit,
			  bool dma)
{
	const char *sched = dma ? "no_such_function" : "__napi_schedule";
	struct run r;

	run_init(&r);
	device_window(&r);
	ev(&r, TASK(100, xcpu), &s_entry, 0, 1, NULL, SKB, NETDEV);
	ev(&r, TASK(100, xcpu), &s_w, BUF, 0, NULL, 0, 0);
	if (ring)
		ev(&r, TASK(100, xcpu), &s_w2, DEV + 0x3818, 0, NULL, 0, 0);
	if (ring && tk) /* the store's own ticket, drawn after it */
		ev(&r, TASK(100, xcpu), &s_ticket, 0, tk, NULL, 0, 0);
	if (xcpu != 0)
		ev(&r, TASK(100, xcpu), &s_exit, 0, texit, NULL, 0, 0);
	ev(&r, HARDIRQ(0), &s_entry, 0, irq, NULL, 11, NETDEV);
	ev(&r, HARDIRQ(0), &s_pre, 0, irq + 1, sched, NAPI, 0);
	ev(&r, HARDIRQ(0), &s_post, 0, irq + 2, sched, 0, 0);
	ev(&r, HARDIRQ(0), &s_exit, 0, irq + 3, NULL, 0, 0);
	/* the poll, queued by that interrupt (with @dma, not) */
	ev(&r, SOFTIRQ(0), &s_entry, 0, irq + 4, NULL, NAPI, 64);
	if (dma) /* the status the device wrote back */
		ev(&r, SOFTIRQ(0), &s_r, DMA + 12, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_r, BUF, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_exit, 0, irq + 5, NULL, 0, 0);
	if (xcpu == 0)
		ev(&r, TASK(100, xcpu), &s_exit, 0, texit, NULL, 0, 0);
	return finish(&r);
}

static size_t doorbell(bool ring, u32 xcpu, u64 irq, u64 texit, bool dma)
{
	return doorbell_tk(ring, 0, xcpu, irq, texit, dma);
}

TEST(doorbell_orders_the_interrupt_on_its_cpu)
{
	EXPECT_EQ(doorbell(true, 0, 5, 11, false), 0);
	/* control: no doorbell, no order */
	EXPECT_EQ(doorbell(false, 0, 5, 11, false), 1);
}

TEST(doorbell_orders_a_later_interrupt_elsewhere)
{
	/* the transmit's next ticket (10) is before the interrupt's (20) */
	EXPECT_EQ(doorbell(true, 1, 20, 10, false), 0);
	EXPECT_EQ(doorbell(false, 1, 20, 10, false), 1);
}

TEST(doorbell_order_never_invented)
{
	/*
	 * The interrupt (ticket 5) on CPU 0 may have come before the store
	 * on CPU 1, whose CPU drew no ticket before 20: not ordered.
	 */
	EXPECT_EQ(doorbell(true, 1, 5, 20, false), 1);
}

TEST(doorbell_ticket_orders_an_interrupt_elsewhere_at_once)
{
	/*
	 * The store's TICKET (3) came before the interrupt (5) on the other
	 * CPU, the transmit's exit (20) after it: ordered by the ticket
	 */
	EXPECT_EQ(doorbell_tk(true, 3, 1, 5, 20, false), 0);
	/* a ticket after the interrupt's proves nothing */
	EXPECT_EQ(doorbell_tk(true, 12, 1, 5, 20, false), 1);
}

TEST(dma_load_waits_for_the_device)
{
	/*
	 * No NAPI scheduled: the poll is ordered after the doorbell by the
	 * descriptor it read from DMA-coherent memory alone
	 */
	EXPECT_EQ(doorbell(true, 1, 20, 10, true), 0);
	EXPECT_EQ(doorbell(false, 1, 20, 10, true), 1);
}

/*
 * A store without a ticket on CPU 1, whose CPU's next ticket is 6; a
 * load from DMA memory on CPU 0 after ticket 5.  The signal (before 6)
 * and the wait (after 5) share a key: nothing orders the two.
 */
TEST(equal_keys_make_no_order)
{
	struct run r;
	size_t n;

	run_init(&r);
	device_window(&r);
	ev(&r, TASK(100, 1), &s_entry, 0, 1, NULL, SKB, NETDEV);
	ev(&r, TASK(100, 1), &s_w, BUF, 0, NULL, 0, 0);
	ev(&r, TASK(100, 1), &s_w2, DEV + 0x3818, 0, NULL, 0, 0);
	ev(&r, TASK(100, 1), &s_exit, 0, 6, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_entry, 0, 5, NULL, NAPI, 64);
	ev(&r, SOFTIRQ(0), &s_r, DMA + 12, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_r, BUF, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_exit, 0, 7, NULL, 0, 0);
	n = finish(&r);
	EXPECT_EQ(n, 1);
}

/*
 * A work item's callback tail-jumps to a function of the module, which
 * writes; cancel_work_sync() then returns, and the canceller writes too.
 * The callback ends with the function it jumped to.
 */
static size_t tail_work(const struct ks_site *exit)
{
	struct run r;
	u64 work = 0xffff888006001000ull, x = 0xffff888006001100ull;

	run_init(&r);
	ev(&r, TASK(500, 0), &s_entry, 0, 1, NULL, work, 0);
	ev(&r, TASK(500, 0), exit, 0, 2, NULL, 0, 0);
	ev(&r, TASK(500, 0), &s_entry_plain, 0, 0, NULL, 0, 0);
	ev(&r, TASK(500, 0), &s_w, x, 0, NULL, 0, 0);
	ev(&r, TASK(500, 0), &s_exit_callee, 0, 3, NULL, 0, 0);
	ev(&r, TASK(501, 1), &s_entry, 0, 5, NULL, NETDEV, 0);
	ev(&r, TASK(501, 1), &s_pre, 0, 6, "cancel_work_sync", work, 0);
	ev(&r, TASK(501, 1), &s_post, 0, 7, "cancel_work_sync", 1, 0);
	ev(&r, TASK(501, 1), &s_w, x, 0, NULL, 0, 0);
	ev(&r, TASK(501, 1), &s_exit, 0, 8, NULL, 0, 0);
	return finish(&r);
}

TEST(callback_goes_on_in_its_tail_callee)
{
	EXPECT_EQ(tail_work(&s_exit_tail), 0);
	EXPECT_EQ(tail_work(&s_exit), 1); /* a return: the write is after */
}

/*
 * A task writes; on the other CPU records were dropped, and what comes
 * next there is not surely the context it seems: left out up to the
 * next task switch (@gap), else checked, a race.  After the switch, the
 * next task's read is checked again: a race in both.
 */
static size_t after_loss(bool gap)
{
	struct run r;
	u64 x = 0xffff888006002000ull;

	run_init(&r);
	ev(&r, TASK(600, 0), &s_entry, 0, 1, NULL, NETDEV, 0);
	ev(&r, TASK(600, 0), &s_w, x, 0, NULL, 0, 0);
	ev(&r, TASK(600, 0), &s_exit, 0, 2, NULL, 0, 0);
	ev(&r, SOFTIRQ(1), &s_entry, 0, 3, NULL, NAPI, 64);
	if (gap)
		ev_gap(&r, SOFTIRQ(1), &s_r, x);
	else
		ev(&r, SOFTIRQ(1), &s_r, x, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(1), &s_r, x + 8, 0, NULL, 0, 0);
	ev(&r, TASK(601, 1), &s_switch, 0, 0, NULL, 0, 0);
	ev(&r, TASK(601, 1), &s_entry, 0, 4, NULL, NETDEV, 0);
	ev(&r, TASK(601, 1), &s_r2, x, 0, NULL, 0, 0); /* checked again */
	ev(&r, TASK(601, 1), &s_exit, 0, 5, NULL, 0, 0);
	return finish(&r);
}

TEST(events_after_a_loss_left_out_to_a_task_switch)
{
	EXPECT_EQ(after_loss(true), 1);
	EXPECT_EQ(after_loss(false), 2);
}

/* A doorbell through the kernel's accessor, iowrite32(), on CPU 1. */
static size_t iowrite(const char *accessor)
{
	struct run r;

	run_init(&r);
	ev(&r, TASK(100, 1), &s_entry, 0, 1, NULL, SKB, NETDEV);
	ev(&r, TASK(100, 1), &s_w, BUF, 0, NULL, 0, 0);
	ev(&r, TASK(100, 1), &s_pre, 0, 2, accessor, 7, DEV + 0x3818);
	ev(&r, TASK(100, 1), &s_post, 0, 3, accessor, 0, 0);
	ev(&r, TASK(100, 1), &s_exit, 0, 20, NULL, 0, 0);
	ev(&r, HARDIRQ(0), &s_entry, 0, 5, NULL, 11, NETDEV);
	ev(&r, HARDIRQ(0), &s_r, BUF, 0, NULL, 0, 0);
	ev(&r, HARDIRQ(0), &s_exit, 0, 6, NULL, 0, 0);
	return finish(&r);
}

TEST(iowrite_is_a_doorbell)
{
	EXPECT_EQ(iowrite("iowrite32"), 0);
	EXPECT_EQ(iowrite("no_such_function"), 1);
}

/* The receive path writes an skb and hands it to the stack; later a
 * transmit on the other CPU is given the same skb and reads it. */
static size_t handoff(const char *give)
{
	struct run r;

	run_init(&r);
	ev(&r, SOFTIRQ(0), &s_entry, 0, 1, NULL, NAPI, 64);
	ev(&r, SOFTIRQ(0), &s_w, SKB + 0xb0, 0, NULL, 0, 0);
	ev(&r, SOFTIRQ(0), &s_pre, 0, 2, give, NAPI, SKB);
	ev(&r, SOFTIRQ(0), &s_post, 0, 3, give, 0, 0);
	ev(&r, SOFTIRQ(0), &s_exit, 0, 4, NULL, 0, 0);
	ev(&r, TASK(200, 1), &s_entry, 0, 9, NULL, SKB, NETDEV);
	ev(&r, TASK(200, 1), &s_r, SKB + 0xb0, 0, NULL, 0, 0);
	ev(&r, TASK(200, 1), &s_exit, 0, 10, NULL, 0, 0);
	return finish(&r);
}

TEST(skb_handed_to_the_stack_and_back)
{
	EXPECT_EQ(handoff("napi_gro_receive"), 0);
	EXPECT_EQ(handoff("no_such_function"), 1);
}

static size_t marked(const struct ks_site *second)
{
	struct run r;
	u64 flags = NETDEV + 0x1f0;

	run_init(&r);
	ev(&r, TASK(300, 0), &s_entry, 0, 1, NULL, NETDEV, 0);
	ev(&r, TASK(300, 0), &s_lock, flags, 0, NULL, 0, 0); /* set_bit */
	ev(&r, TASK(300, 0), &s_exit, 0, 2, NULL, 0, 0);
	ev(&r, HARDIRQ(1), &s_entry, 0, 3, NULL, 11, NETDEV);
	ev(&r, HARDIRQ(1), second, flags, 0, NULL, 0, 0);
	ev(&r, HARDIRQ(1), &s_exit, 0, 4, NULL, 0, 0);
	return finish(&r);
}

TEST(load_against_locked_write_is_marked)
{
	EXPECT_EQ(marked(&s_r), 0); /* test_bit() */
	EXPECT_EQ(marked(&s_w), 1); /* a plain store is a race */
}

/*
 * request_irq(dev) then ndo_stop(dev): the stop is an ops callback, and
 * its return is seen by unregister_netdev(); the remove after that frees
 * what the stop touched.  Taken for the irq handler (its object), it
 * would not retire, and the free would race.
 */
TEST(irq_object_is_the_handlers_second_argument)
{
	struct run r;
	u64 priv = 0xffff888007000000ull;
	size_t n;

	run_init(&r);
	ev(&r, TASK(400, 0), &s_entry, 0, 1, NULL, NETDEV, 0); /* ndo_open */
	ev(&r, TASK(400, 0), &s_pre, 0, 2, "request_threaded_irq", 11, 0);
	r.d.raws.v[r.d.raws.n - 1].args[5] = NETDEV;
	ev(&r, TASK(400, 0), &s_post, 0, 3, "request_threaded_irq", 0, 0);
	ev(&r, TASK(400, 0), &s_exit, 0, 4, NULL, 0, 0);
	ev(&r, TASK(401, 1), &s_entry, 0, 5, NULL, NETDEV, 0); /* ndo_stop */
	ev(&r, TASK(401, 1), &s_w, priv, 0, NULL, 0, 0);
	ev(&r, TASK(401, 1), &s_exit, 0, 6, NULL, 0, 0);
	ev(&r, TASK(402, 0), &s_entry, 0, 7, NULL, 0xffff888003000000ull, 0);
	ev(&r, TASK(402, 0), &s_pre, 0, 8, "unregister_netdev", NETDEV, 0);
	ev(&r, TASK(402, 0), &s_post, 0, 9, "unregister_netdev", 0, 0);
	ev(&r, TASK(402, 0), &s_w, priv, 0, NULL, 0, 0);
	ev(&r, TASK(402, 0), &s_exit, 0, 10, NULL, 0, 0);
	n = finish(&r); /* once: EXPECT_EQ() says its operands again */
	EXPECT_EQ(n, 0);
}

static const struct ks_site s_netdev = { .kind = KS_K_NETDEV };

/* kstride.ko's NETDEV record of the device, as lib/trace decodes it */
static void netdev_ev(struct run *r, u64 ts, bool gone)
{
	struct trace_event e = {
		.site = &s_netdev, .kernel = true, .ts = ts, .addr = NETDEV,
		.args = { 0xffff888009000000ull, 4, 0x140, 0x80 },
		.mflags = gone ? KS_NETDEV_GONE : 0,
	};

	if (!r->err)
		r->err = det__netdev_record(&r->d, &e);
}

enum { TX_NONE, TX_LAYOUT, TX_GONE_BETWEEN, TX_READ_BACKWARDS };

/* a callback of @w that stores to @word between @lock(@arg) and @unlock(@arg) */
static void locked_store(struct run *r, struct who w, u64 seq, const char *lock,
			 const char *unlock, u64 arg, u64 word)
{
	ev(r, w, &s_entry, 0, seq, NULL, NETDEV, 0);
	ev(r, w, &s_pre, 0, seq + 1, lock, arg, 0);
	ev(r, w, &s_post, 0, seq + 2, lock, 0, 0);
	ev(r, w, &s_w, word, 0, NULL, 0, 0);
	ev(r, w, &s_pre, 0, seq + 3, unlock, arg, 0);
	ev(r, w, &s_post, 0, seq + 4, unlock, 0, 0);
	ev(r, w, &s_exit, 0, seq + 5, NULL, 0, 0);
}

/*
 * netif_tx_lock(dev) in one task, the driver's own inline
 * __netif_tx_lock() of queue @q (spin_lock of the queue's _xmit_lock, by
 * address) in another, each around a store to the same word.  With the
 * device's NETDEV record before them (@how), the two are one lock: not
 * once the device was unregistered, and whichever order the records are
 * read in (CPU by CPU), their times rule.
 */
static size_t txlock(int how, u64 q, u64 lock_off)
{
	const u64 tx = 0xffff888009000000ull, stride = 0x140;
	u64 word = 0xffff888007000100ull, lock = tx + q * stride + lock_off;
	struct run r;

	run_init(&r);
	if (how == TX_LAYOUT)
		netdev_ev(&r, 1, false);
	if (how == TX_GONE_BETWEEN) {
		netdev_ev(&r, 1, false);
		netdev_ev(&r, 8, true); /* after the first task, before the second */
	}
	if (how == TX_READ_BACKWARDS) {
		netdev_ev(&r, 1000, true);
		netdev_ev(&r, 1, false);
	}
	if (!r.err)
		r.err = det__netdev_lives(&r.d);
	locked_store(&r, TASK(500, 0), 1, "netif_tx_lock", "netif_tx_unlock",
		     NETDEV, word);
	locked_store(&r, TASK(501, 1), 7, "_raw_spin_lock", "_raw_spin_unlock",
		     lock, word);
	return finish(&r);
}

TEST(queue_lock_by_address_is_the_transmit_lock)
{
	EXPECT_EQ(txlock(TX_LAYOUT, 0, 0x80), 0);
	EXPECT_EQ(txlock(TX_LAYOUT, 3, 0x80), 0); /* every queue's */
	EXPECT_EQ(txlock(TX_READ_BACKWARDS, 2, 0x80), 0);
	EXPECT_EQ(txlock(TX_NONE, 0, 0x80), 1); /* no layout: not known */
	EXPECT_EQ(txlock(TX_LAYOUT, 4, 0x80), 1); /* past the last queue */
	EXPECT_EQ(txlock(TX_LAYOUT, 1, 0x88), 1); /* not the lock's field */
	EXPECT_EQ(txlock(TX_GONE_BETWEEN, 0, 0x80), 1); /* unregistered */
}

TEST_MAIN("race")
