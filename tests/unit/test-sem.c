// SPDX-License-Identifier: GPL-2.0
/*
 * lib/race/sem.c, the semantics tables: what the kernel holds around a
 * callback, by its caller, stands for objects that no real address can
 * be, and names them back; rtnl_lock() names the same object as the
 * callers that hold rtnl.
 */
#include "../../lib/race/sem.h"
#include "harness.h"

TEST(caller_table)
{
	const struct sem_caller *c = sem__caller("__dev_open");

	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(c->held[0], SEM_HELD_RTNL);
	c = sem__caller("dev_hard_start_xmit");
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(c->held[0], SEM_HELD_TX);
	EXPECT_EQ(c->arg[0], 1); /* ndo_start_xmit(skb, dev) */
	c = sem__caller("process_one_work");
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(c->held[0], SEM_HELD_SELF);
	EXPECT_TRUE(sem__caller("kthread") == NULL); /* holds nothing */
	EXPECT_TRUE(sem__caller(NULL) == NULL);
}

TEST(held_objects_are_no_address)
{
	static const u64 addrs[] = { 0xffff888004a1c000ull, 0x00007ffd12345678ull,
				     11, 0, 0xffffffffffffffffull };
	char buf[48];
	int h;

	EXPECT_EQ(sem_held__obj(SEM_HELD_RTNL, 0x1234), SEM_OBJ_RTNL);
	EXPECT_TRUE(!strcmp(sem_held__name(SEM_OBJ_RTNL, buf, sizeof(buf)), "rtnl"));
	EXPECT_EQ(sem__find("rtnl_lock")->obj, SEM_ARG_RTNL);
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		/* a real lock's address is never taken for one of these */
		if (addrs[i] > 0xffff)
			EXPECT_TRUE(sem_held__name(addrs[i], buf, sizeof(buf)) == NULL);
		for (h = SEM_HELD_TX; h < SEM_HELD_MAX; h++) {
			u64 o = sem_held__obj(h, addrs[i]);
			char want[48];

			EXPECT_TRUE(o != addrs[i]);
			ASSERT_TRUE(sem_held__name(o, buf, sizeof(buf)) != NULL);
			snprintf(want, sizeof(want), "(0x%lx)", (unsigned long)addrs[i]);
			EXPECT_TRUE(strstr(buf, want) != NULL);
		}
	}
	/* two kinds of one device are two objects */
	EXPECT_TRUE(sem_held__obj(SEM_HELD_TX, addrs[0]) !=
		    sem_held__obj(SEM_HELD_ADDR, addrs[0]));
}

TEST(tx_lock_is_the_callers_tx)
{
	const struct sem *l = sem__find("netif_tx_lock");
	const struct sem *u = sem__find("netif_tx_unlock");

	ASSERT_TRUE(l != NULL && u != NULL);
	EXPECT_EQ(l->op, SEM_ACQUIRE);
	EXPECT_EQ(u->op, SEM_RELEASE);
	/* the object dev_hard_start_xmit's tx(dev) is (pair.c, obj_of) */
	EXPECT_EQ(l->obj, SEM_ARG_TXLOCK);
	EXPECT_EQ(u->obj, SEM_ARG_TXLOCK);
}

TEST_MAIN("sem")
