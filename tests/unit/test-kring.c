// SPDX-License-Identifier: GPL-2.0
/*
 * lib/kring against rings simulated in ordinary memory, laid out as
 * kstride.ko lays them out (include/kstride/abi.h): sub-buffers handed
 * over in order, wrap-around, a record still being written, a writer
 * stopped before its header, more than 64 CPUs.
 */
#include <kstride/abi.h>

#include "../../lib/kring/kring.h"
#include "harness.h"

#define NSUB 4
#define SUBMAP 8192
#define REGION_ADDR 0xffffffffc0001000ull /* where the descriptor "lives" */

struct sim {
	struct ks_info info;
	u8 *ctl, *cons;
	u8 **data;
	struct kring *kr;
};

static struct ks_ring_ctl *ctl_of(struct sim *s, unsigned int cpu)
{
	return (void *)(s->ctl + (size_t)cpu * KS_CTL_SIZE);
}

/* A REGIONS dump of one region of 2 slots, at REGION_ADDR. */
static void index_one(struct sim *s)
{
	u8 dump[sizeof(struct ks_region) + sizeof(struct ks_site)] = {};
	struct ks_region r = { .func = 1, .nsites = 1, .nslots = 2 };

	memcpy(dump, &r, sizeof(r));
	kring__index_regions(s->kr, REGION_ADDR, dump, sizeof(dump));
}

static void sim_init(struct sim *s, unsigned int ncpus, unsigned int with_ring)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->info = (struct ks_info){ .ncpus = ncpus, .nsub = NSUB,
				    .sub_map = SUBMAP, .abi = KS_ABI_VERSION };
	s->ctl = calloc(ncpus, KS_CTL_SIZE);
	s->cons = calloc(ncpus, KS_CONS_STRIDE);
	s->data = calloc(ncpus, sizeof(*s->data));
	for (i = 0; i < ncpus; i++) {
		if (i % with_ring)
			continue; /* no ring on this CPU id */
		s->data[i] = calloc(NSUB, SUBMAP);
		ctl_of(s, i)->nsub = NSUB;
		ctl_of(s, i)->cpu = i;
	}
	s->kr = kring__new_mem(&s->info, s->ctl, s->cons, (void *const *)s->data);
	index_one(s);
}

static void sim_free(struct sim *s)
{
	for (unsigned int i = 0; i < s->info.ncpus; i++)
		free(s->data[i]);
	free(s->data);
	free(s->ctl);
	free(s->cons);
	kring__free(s->kr);
}

/*
 * The kernel's side: fill CPU @cpu's next sub-buffer with @n records
 * (slot 0 = @tag + k), the last one's header @last_hdr if not 0, then
 * publish it.  Refuses to overwrite one the consumer has not given back.
 */
static int produce(struct sim *s, unsigned int cpu, unsigned int n, u64 tag,
		   u32 last_hdr)
{
	struct ks_ring_ctl *c = ctl_of(s, cpu);
	u64 seq = c->produced;
	u64 consumed = *(u64 *)(s->cons + (size_t)cpu * KS_CONS_STRIDE);
	u8 *d = s->data[cpu] + (seq % NSUB) * SUBMAP;
	u32 p = 0;

	if (seq - consumed >= NSUB)
		return -1; /* full: the kernel would drop */
	for (unsigned int k = 0; k < n; k++) {
		u32 hdr = (u32)REGION_ADDR;
		u64 v[2] = { tag + k, 0 };

		if (k == n - 1 && last_hdr)
			hdr = last_hdr == 1 ? 0 : last_hdr;
		memcpy(d + p + KS_REC_HDR, v, sizeof(v));
		memcpy(d + p, &hdr, 4);
		p += KS_REC_BYTES(2);
	}
	c->sub[seq % NSUB] = (struct ks_sub_info){ .seq = seq, .len = p };
	__atomic_store_n(&c->produced, seq + 1, __ATOMIC_RELEASE);
	return 0;
}

struct got {
	unsigned int n;
	unsigned int cpu[512];
	u64 first[512]; /* slot 0 of the first record */
	size_t len[512];
};

static int sample(void *ctx, unsigned int cpu, const struct ks_ring_ctl *ctl,
		  const struct ks_sub_info *si, const void *data, size_t len)
{
	struct got *g = ctx;

	if (g->n < 512) {
		g->cpu[g->n] = cpu;
		memcpy(&g->first[g->n], (const u8 *)data + KS_REC_HDR, 8);
		g->len[g->n] = len;
	}
	g->n++;
	return 0;
}

TEST(in_order_and_wrapping)
{
	struct sim s;
	struct got g = {};
	int round;

	sim_init(&s, 2, 1);
	ASSERT_TRUE(s.kr != NULL);
	/* 10 rounds of 3 sub-buffers on a ring of 4: it wraps */
	for (round = 0; round < 10; round++) {
		for (int k = 0; k < 3; k++)
			ASSERT_EQ(produce(&s, 1, 5, 100 * (round * 3 + k), 0), 0);
		ASSERT_EQ(kring__consume(s.kr, false, sample, &g), 3);
	}
	ASSERT_EQ(g.n, 30);
	EXPECT_EQ(kring__records(s.kr), 30 * 5); /* every header walked */
	for (unsigned int i = 0; i < g.n; i++) {
		EXPECT_EQ(g.cpu[i], 1);
		EXPECT_EQ(g.first[i], 100 * i);
		/* the records and the page after them */
		EXPECT_EQ(g.len[i], 5 * KS_REC_BYTES(2) + 4096);
	}
	EXPECT_EQ(kring__pending(s.kr), 0);
	sim_free(&s);
}

TEST(a_record_being_written_waits)
{
	struct sim s;
	struct got g = {};

	sim_init(&s, 1, 1);
	/* the last record reserved, its header not written yet (0) */
	ASSERT_EQ(produce(&s, 0, 4, 7, 1), 0);
	ASSERT_EQ(produce(&s, 0, 4, 70, 0), 0);
	EXPECT_EQ(kring__consume(s.kr, false, sample, &g), 0);
	EXPECT_EQ(kring__pending(s.kr), 1);
	/* the writer finishes: both go, in order */
	{
		u32 hdr = (u32)REGION_ADDR;

		memcpy(s.data[0] + 3 * KS_REC_BYTES(2), &hdr, 4);
	}
	EXPECT_EQ(kring__consume(s.kr, false, sample, &g), 2);
	EXPECT_EQ(g.first[0], 7);
	EXPECT_EQ(g.first[1], 70);
	EXPECT_EQ(kring__pending(s.kr), 0);
	sim_free(&s);
}

TEST(a_writer_stopped_mid_record)
{
	struct sim s;
	struct got g = {};

	sim_init(&s, 1, 1);
	/* a small header: the length marker of a record still in flight */
	ASSERT_EQ(produce(&s, 0, 3, 5, 40), 0);
	EXPECT_EQ(kring__consume(s.kr, false, sample, &g), 0);
	EXPECT_EQ(kring__pending(s.kr), 1);
	EXPECT_EQ(kring__records(s.kr), 0);
	/* at the end, force takes it as it is: the two complete records count */
	EXPECT_EQ(kring__consume(s.kr, true, sample, &g), 1);
	EXPECT_EQ(g.n, 1);
	EXPECT_EQ(kring__records(s.kr), 2);
	sim_free(&s);
}

TEST(more_than_64_cpus)
{
	struct sim s;
	struct got g = {};
	unsigned int cpu, seen[72] = {};

	/* 72 CPU ids, a ring on every other one */
	sim_init(&s, 72, 2);
	for (cpu = 0; cpu < 72; cpu += 2)
		ASSERT_EQ(produce(&s, cpu, 2, 1000 + cpu, 0), 0);
	EXPECT_EQ(kring__consume(s.kr, false, sample, &g), 36);
	for (unsigned int i = 0; i < g.n && i < 512; i++) {
		seen[g.cpu[i]]++;
		EXPECT_EQ(g.first[i], 1000 + g.cpu[i]);
	}
	for (cpu = 0; cpu < 72; cpu++)
		EXPECT_EQ(seen[cpu], cpu % 2 ? 0 : 1);
	sim_free(&s);
}

TEST(dropped_since_the_start)
{
	struct sim s;
	struct ks_end end = {};

	sim_init(&s, 3, 1);
	ctl_of(&s, 0)->dropped_regions = 5; /* before: not ours */
	kring__free(s.kr);
	s.kr = kring__new_mem(&s.info, s.ctl, s.cons, (void *const *)s.data);
	ctl_of(&s, 0)->dropped_regions = 12;
	ctl_of(&s, 2)->dropped_events = 3;
	kring__dropped(s.kr, &end);
	EXPECT_EQ(end.dropped_regions, 7);
	EXPECT_EQ(end.dropped_events, 3);
	sim_free(&s);
}

TEST(refuses_nonsense)
{
	struct ks_info in = { .ncpus = 0, .nsub = 4, .sub_map = 8192 };
	u8 ctl[KS_CTL_SIZE], cons[64];
	void *data[1] = { NULL };

	EXPECT_TRUE(kring__new_mem(&in, ctl, cons, data) == NULL);
	in.ncpus = 1;
	in.nsub = KS_MAX_SUBS + 1;
	EXPECT_TRUE(kring__new_mem(&in, ctl, cons, data) == NULL);
}

TEST_MAIN("kring")
