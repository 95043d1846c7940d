// SPDX-License-Identifier: GPL-2.0
/*
 * Where each net device's transmit locks are: NETDEV records (abi.h,
 * "kstride.ko's own records").  The kernel holds a queue's _xmit_lock
 * around ndo_start_xmit(); a driver takes the same lock itself, inline
 * (netif_tx_disable(), __netif_tx_lock()), by the lock's address.  Only
 * the kernel's own layout of struct net_device and struct netdev_queue
 * ties that address to its device, and kstride.ko is built against it.
 *
 * One record for every device there is when an instrumented module comes
 * (read under RCU: the module notifier may run with rtnl held), and one
 * for each device registered or unregistered while kstride.ko is loaded
 * (a netdevice notifier, called under rtnl), and again when it is renamed.
 * A device's queues are allocated with it and never move, so one record
 * per device suffices; the name is for people (read without the rename
 * lock under RCU, it may be torn by a rename at that moment).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <asm/msr.h>

#include "kstride.h"

static bool notifying;
/* unregistering replays UNREGISTER for every device: none is gone */
static bool leaving;

static_assert(sizeof_field(struct net_device, name) >= KS_NETDEV_NAME);

static void emit_netdev(const struct net_device *dev, u32 flags)
{
	u64 v[KS_NETDEV_SLOTS] = {
		rdtsc(),
		(unsigned long)dev,
		(unsigned long)dev->_tx,
		dev->num_tx_queues | (u64)sizeof(struct netdev_queue) << 32,
		offsetof(struct netdev_queue, _xmit_lock) | (u64)flags << 32,
	};

	memcpy(&v[5], dev->name, KS_NETDEV_NAME);
	ks_emit(&ks_netdev_region, v, KS_NETDEV_SLOTS);
}

/* An instrumented module came: every device of every namespace, now. */
void ks_netdev_mark(void)
{
	struct net_device *dev;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net)
		for_each_netdev_rcu(net, dev)
			emit_netdev(dev, 0);
	rcu_read_unlock();
}

static int netdev_event(struct notifier_block *nb, unsigned long event,
			void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (READ_ONCE(leaving))
		return NOTIFY_DONE;
	/* a rename (udev's, right after registering) is told again, named */
	if (event == NETDEV_REGISTER || event == NETDEV_CHANGENAME)
		emit_netdev(dev, 0);
	else if (event == NETDEV_UNREGISTER)
		emit_netdev(dev, KS_NETDEV_GONE);
	return NOTIFY_DONE;
}

static struct notifier_block netdev_nb = { .notifier_call = netdev_event };

/* After the rings: the notifier writes records from its first call on. */
void ks_netdev_init(void)
{
	int err = register_netdevice_notifier(&netdev_nb);

	if (err) {
		pr_warn("netdevice notifier: error %d: drivers' own transmit locks will not be named\n",
			err);
		return;
	}
	notifying = true;
}

void ks_netdev_exit(void)
{
	WRITE_ONCE(leaving, true);
	if (notifying)
		unregister_netdevice_notifier(&netdev_nb);
	notifying = false;
}
