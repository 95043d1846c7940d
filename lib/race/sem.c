// SPDX-License-Identifier: GPL-2.0
/*
 * The semantics of calls out of instrumented code: data, not code paths.
 * Names are the symbols a module or object calls: on x86 the kernel's
 * spin_lock() and friends are out-of-line calls to _raw_spin_*()
 * (CONFIG_INLINE_SPIN_* is off in distribution kernels), mutexes,
 * rw-semaphores, completions and the allocators are calls too; bit locks
 * (lock bts), seqlock readers and atomic_t are inlined and are not here
 * (doc/kstride-race.1 says what follows from that).
 */
#include "sem.h"

#define N SEM_ARG_NONE
/* name, op, obj, size, nmemb, ok, args */
#define E(name, op, obj, size, nmemb, ok, args) \
	{ name, SEM_##op, obj, size, nmemb, SEM_OK_##ok, false, args }
/* ...and its return value is another name of the object */
#define EA(name, op, obj, args) \
	{ name, SEM_##op, obj, SEM_ARG_NONE, SEM_ARG_NONE, SEM_OK_ALWAYS, true, args }

static const struct sem table[] = {
	/* kernel: spinlocks and rwlocks */
	E("_raw_spin_lock", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_lock_bh", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_lock_irq", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_lock_irqsave", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_lock_nested", ACQUIRE, 0, N, N, ALWAYS, "lock,subclass"),
	E("_raw_spin_trylock", ACQUIRE, 0, N, N, RET1, "lock"),
	E("_raw_spin_trylock_bh", ACQUIRE, 0, N, N, RET1, "lock"),
	E("_raw_spin_unlock", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_unlock_bh", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_unlock_irq", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_spin_unlock_irqrestore", RELEASE, 0, N, N, ALWAYS, "lock,flags"),
	E("_raw_read_lock", ACQUIRE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_lock_bh", ACQUIRE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_lock_irq", ACQUIRE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_lock_irqsave", ACQUIRE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_trylock", ACQUIRE_SHARED, 0, N, N, RET1, "lock"),
	E("_raw_read_unlock", RELEASE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_unlock_bh", RELEASE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_unlock_irq", RELEASE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("_raw_read_unlock_irqrestore", RELEASE_SHARED, 0, N, N, ALWAYS, "lock,flags"),
	E("_raw_write_lock", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_lock_bh", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_lock_irq", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_lock_irqsave", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_trylock", ACQUIRE, 0, N, N, RET1, "lock"),
	E("_raw_write_unlock", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_unlock_bh", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_unlock_irq", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("_raw_write_unlock_irqrestore", RELEASE, 0, N, N, ALWAYS, "lock,flags"),
	/*
	 * PREEMPT_RT: spinlock_t and rwlock_t are sleeping locks, and
	 * spin_lock(), spin_lock_irqsave() and the rest call these
	 * (include/linux/spinlock_rt.h, rwlock_rt.h)
	 */
	E("rt_spin_lock", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("rt_spin_lock_nested", ACQUIRE, 0, N, N, ALWAYS, "lock,subclass"),
	E("rt_spin_lock_nest_lock", ACQUIRE, 0, N, N, ALWAYS, "lock,nest_lock"),
	E("rt_spin_trylock", ACQUIRE, 0, N, N, RET1, "lock"),
	E("rt_spin_trylock_bh", ACQUIRE, 0, N, N, RET1, "lock"),
	E("rt_spin_unlock", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("rt_read_lock", ACQUIRE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("rt_read_trylock", ACQUIRE_SHARED, 0, N, N, RET1, "lock"),
	E("rt_read_unlock", RELEASE_SHARED, 0, N, N, ALWAYS, "lock"),
	E("rt_write_lock", ACQUIRE, 0, N, N, ALWAYS, "lock"),
	E("rt_write_lock_nested", ACQUIRE, 0, N, N, ALWAYS, "lock,subclass"),
	E("rt_write_trylock", ACQUIRE, 0, N, N, RET1, "lock"),
	E("rt_write_unlock", RELEASE, 0, N, N, ALWAYS, "lock"),
	/* mutexes, rw-semaphores, semaphores */
	E("mutex_lock", ACQUIRE, 0, N, N, ALWAYS, "mutex"),
	E("mutex_lock_interruptible", ACQUIRE, 0, N, N, RET0, "mutex"),
	E("mutex_lock_killable", ACQUIRE, 0, N, N, RET0, "mutex"),
	E("mutex_lock_io", ACQUIRE, 0, N, N, ALWAYS, "mutex"),
	E("mutex_trylock", ACQUIRE, 0, N, N, RET1, "mutex"),
	E("mutex_unlock", RELEASE, 0, N, N, ALWAYS, "mutex"),
	E("down_read", ACQUIRE_SHARED, 0, N, N, ALWAYS, "sem"),
	E("down_read_interruptible", ACQUIRE_SHARED, 0, N, N, RET0, "sem"),
	E("down_read_killable", ACQUIRE_SHARED, 0, N, N, RET0, "sem"),
	E("down_read_trylock", ACQUIRE_SHARED, 0, N, N, RET1, "sem"),
	E("up_read", RELEASE_SHARED, 0, N, N, ALWAYS, "sem"),
	E("down_write", ACQUIRE, 0, N, N, ALWAYS, "sem"),
	E("down_write_killable", ACQUIRE, 0, N, N, RET0, "sem"),
	E("down_write_trylock", ACQUIRE, 0, N, N, RET1, "sem"),
	E("up_write", RELEASE, 0, N, N, ALWAYS, "sem"),
	E("down", WAIT, 0, N, N, ALWAYS, "sem"),
	E("down_interruptible", WAIT, 0, N, N, RET0, "sem"),
	E("down_killable", WAIT, 0, N, N, RET0, "sem"),
	E("down_trylock", WAIT, 0, N, N, RET0, "sem"),
	E("down_timeout", WAIT, 0, N, N, RET0, "sem,timeout"),
	E("up", SIGNAL, 0, N, N, ALWAYS, "sem"),
	/* completions, wait queues */
	E("complete", SIGNAL, 0, N, N, ALWAYS, "done"),
	E("complete_all", SIGNAL, 0, N, N, ALWAYS, "done"),
	E("wait_for_completion", WAIT, 0, N, N, ALWAYS, "done"),
	E("wait_for_completion_io", WAIT, 0, N, N, ALWAYS, "done"),
	E("wait_for_completion_interruptible", WAIT, 0, N, N, RET0, "done"),
	E("wait_for_completion_killable", WAIT, 0, N, N, RET0, "done"),
	E("wait_for_completion_timeout", WAIT, 0, N, N, RETPOS, "done,timeout"),
	E("wait_for_completion_interruptible_timeout", WAIT, 0, N, N, RETPOS, "done,timeout"),
	E("try_wait_for_completion", WAIT, 0, N, N, RET1, "done"),
	E("__wake_up", SIGNAL, 0, N, N, ALWAYS, "wq,mode,nr,key"),
	E("finish_wait", WAIT, 0, N, N, ALWAYS, "wq,entry"),
	/* rtnl_mutex, which the kernel holds around many callbacks (callers[]) */
	E("rtnl_lock", ACQUIRE, SEM_ARG_RTNL, N, N, ALWAYS, ""),
	E("rtnl_lock_killable", ACQUIRE, SEM_ARG_RTNL, N, N, RET0, ""),
	E("rtnl_trylock", ACQUIRE, SEM_ARG_RTNL, N, N, RET1, ""),
	E("rtnl_unlock", RELEASE, SEM_ARG_RTNL, N, N, ALWAYS, ""),
	/*
	 * netif_tx_lock(dev) (and netif_tx_lock_bh()) takes the global
	 * transmit lock and freezes every queue under its own lock: no
	 * ndo_start_xmit runs until netif_tx_unlock(), which is what the
	 * kernel's transmit lock around it (callers[], tx(dev)) stands for
	 */
	E("netif_tx_lock", ACQUIRE, SEM_ARG_TXLOCK, N, N, ALWAYS, "dev"),
	E("netif_tx_unlock", RELEASE, SEM_ARG_TXLOCK, N, N, ALWAYS, "dev"),
	/* RCU: every reader's end, before synchronize_rcu() returns */
	E("__rcu_read_unlock", SIGNAL, N, N, N, ALWAYS, ""),
	E("synchronize_rcu", WAIT, N, N, N, ALWAYS, ""),
	/* work, timers, tasklets, NAPI */
	E("queue_work_on", ASYNC_START, 2, N, N, ALWAYS, "cpu,wq,work"),
	E("queue_delayed_work_on", ASYNC_START, 2, N, N, ALWAYS, "cpu,wq,dwork,delay"),
	E("mod_delayed_work_on", ASYNC_START, 2, N, N, ALWAYS, "cpu,wq,dwork,delay"),
	E("flush_work", ASYNC_JOIN, 0, N, N, ALWAYS, "work"),
	E("flush_delayed_work", ASYNC_JOIN, 0, N, N, ALWAYS, "dwork"),
	E("cancel_work_sync", ASYNC_JOIN, 0, N, N, ALWAYS, "work"),
	E("cancel_delayed_work_sync", ASYNC_JOIN, 0, N, N, ALWAYS, "dwork"),
	E("mod_timer", ASYNC_START, 0, N, N, ALWAYS, "timer,expires"),
	E("add_timer", ASYNC_START, 0, N, N, ALWAYS, "timer"),
	E("del_timer_sync", ASYNC_JOIN, 0, N, N, ALWAYS, "timer"),
	E("timer_delete_sync", ASYNC_JOIN, 0, N, N, ALWAYS, "timer"),
	E("__tasklet_schedule", ASYNC_START, 0, N, N, ALWAYS, "tasklet"),
	E("__tasklet_hi_schedule", ASYNC_START, 0, N, N, ALWAYS, "tasklet"),
	E("tasklet_kill", ASYNC_JOIN, 0, N, N, ALWAYS, "tasklet"),
	E("__napi_schedule", ASYNC_START, 0, N, N, ALWAYS, "napi"),
	E("napi_disable", ASYNC_JOIN, 0, N, N, ALWAYS, "napi"),
	{ "request_threaded_irq", SEM_ASYNC_START, 5, N, N, SEM_OK_RET0, false,
	  "irq,handler,thread_fn,flags,name,dev", 1 },
	E("free_irq", ASYNC_JOIN, 1, N, N, ALWAYS, "irq,dev"),
	EA("kthread_create_on_node", ASYNC_START, 1, "fn,data,node,namefmt"),
	E("kthread_stop", ASYNC_JOIN, 0, N, N, ALWAYS, "task"),
	E("hrtimer_start_range_ns", ASYNC_START, 0, N, N, ALWAYS, "timer,time,delta,mode"),
	E("hrtimer_cancel", ASYNC_JOIN, 0, N, N, ALWAYS, "timer"),
	/*
	 * Registrations publish the callbacks of an ops table: the kernel
	 * calls them only after, through its own locks (sem.h's registry);
	 * unregistrations return after every such callback has.  What is
	 * started by a queue, timer or irq of its own is ordered by that.
	 */
#define PUB(name, args) E(name, SIGNAL, SEM_ARG_REGISTRY, N, N, RET0, args)
#define RETIRE(name, args) E(name, WAIT, SEM_ARG_RETIRED, N, N, ALWAYS, args)
	PUB("__pci_register_driver", "drv,owner,name"),
	PUB("__platform_driver_register", "drv,owner"),
	PUB("driver_register", "drv"),
	PUB("usb_register_driver", "drv,owner,name"),
	PUB("register_netdev", "dev"),
	PUB("register_netdevice", "dev"),
	PUB("misc_register", "misc"),
	PUB("cdev_add", "cdev,dev,count"),
	PUB("__register_chrdev", "major,base,count,name,fops"),
	PUB("device_add", "dev"),
	PUB("device_register", "dev"),
	PUB("input_register_device", "dev"),
	PUB("register_netdevice_notifier", "nb"),
	PUB("register_filesystem", "fs"),
	E("debugfs_create_file", SIGNAL, SEM_ARG_REGISTRY, N, N, ALWAYS,
	  "name,mode,parent,data,fops"),
	E("debugfs_create_file_unsafe", SIGNAL, SEM_ARG_REGISTRY, N, N, ALWAYS,
	  "name,mode,parent,data,fops"),
	E("proc_create", SIGNAL, SEM_ARG_REGISTRY, N, N, ALWAYS,
	  "name,mode,parent,ops"),
	E("proc_create_data", SIGNAL, SEM_ARG_REGISTRY, N, N, ALWAYS,
	  "name,mode,parent,ops,data"),
	RETIRE("pci_unregister_driver", "drv"),
	RETIRE("platform_driver_unregister", "drv"),
	RETIRE("driver_unregister", "drv"),
	RETIRE("usb_deregister", "drv"),
	RETIRE("unregister_netdev", "dev"),
	RETIRE("unregister_netdevice_queue", "dev,head"),
	RETIRE("misc_deregister", "misc"),
	RETIRE("cdev_del", "cdev"),
	RETIRE("__unregister_chrdev", "major,base,count,name"),
	RETIRE("device_del", "dev"),
	RETIRE("device_unregister", "dev"),
	RETIRE("input_unregister_device", "dev"),
	RETIRE("unregister_netdevice_notifier", "nb"),
	RETIRE("unregister_filesystem", "fs"),
	RETIRE("debugfs_remove", "dentry"),
	RETIRE("proc_remove", "de"),
#undef PUB
#undef RETIRE
	/* kernel allocators */
	E("__kmalloc", ALLOC, N, 0, N, ALWAYS, "size,flags"),
	E("__kmalloc_node", ALLOC, N, 0, N, ALWAYS, "size,flags,node"),
	E("kmalloc_trace", ALLOC, N, 2, N, ALWAYS, "cache,flags,size"),
	E("kmalloc_node_trace", ALLOC, N, 3, N, ALWAYS, "cache,flags,node,size"),
	E("kmalloc_large", ALLOC, N, 0, N, ALWAYS, "size,flags"),
	E("kmalloc_large_node", ALLOC, N, 0, N, ALWAYS, "size,flags,node"),
	E("kvmalloc_node", ALLOC, N, 0, N, ALWAYS, "size,flags,node"),
	E("krealloc", REALLOC, 0, 1, N, ALWAYS, "p,size,flags"),
	E("kfree", FREE, 0, N, N, ALWAYS, "p"),
	E("kvfree", FREE, 0, N, N, ALWAYS, "p"),
	E("kfree_sensitive", FREE, 0, N, N, ALWAYS, "p"),
	E("vmalloc", ALLOC, N, 0, N, ALWAYS, "size"),
	E("vzalloc", ALLOC, N, 0, N, ALWAYS, "size"),
	E("vfree", FREE, 0, N, N, ALWAYS, "p"),
	E("devm_kmalloc", ALLOC, N, 1, N, ALWAYS, "dev,size,flags"),
	E("devm_kfree", FREE, 1, N, N, ALWAYS, "dev,p"),
	E("dma_alloc_attrs", ALLOC, N, 1, N, ALWAYS, "dev,size,handle,flags,attrs"),
	E("dma_free_attrs", FREE, 2, N, N, ALWAYS, "dev,size,p,handle,attrs"),
	E("kmem_cache_create", CACHE_CREATE, N, 1, N, ALWAYS, "name,size,align,flags,ctor"),
	E("kmem_cache_create_usercopy", CACHE_CREATE, N, 1, N, ALWAYS, "name,size,align,flags"),
	E("kmem_cache_alloc", CACHE_ALLOC, 0, N, N, ALWAYS, "cache,flags"),
	E("kmem_cache_alloc_lru", CACHE_ALLOC, 0, N, N, ALWAYS, "cache,lru,flags"),
	E("kmem_cache_alloc_node", CACHE_ALLOC, 0, N, N, ALWAYS, "cache,flags,node"),
	E("kmem_cache_free", FREE, 1, N, N, ALWAYS, "cache,p"),
	/*
	 * Socket buffers: the module gives them to the stack or frees them
	 * (the stack frees and reuses them: its own locks order that), and
	 * is given them back, in ndo_start_xmit() or from these allocators
	 * (6.1's and 6.12's names)
	 */
	E("napi_gro_receive", HANDOFF, 1, N, N, ALWAYS, "napi,skb"),
	E("netif_receive_skb", HANDOFF, 0, N, N, ALWAYS, "skb"),
	E("netif_rx", HANDOFF, 0, N, N, ALWAYS, "skb"),
	E("__netif_rx", HANDOFF, 0, N, N, ALWAYS, "skb"),
	E("__dev_queue_xmit", HANDOFF, 0, N, N, ALWAYS, "skb,sb_dev"),
	E("consume_skb", HANDOFF, 0, N, N, ALWAYS, "skb"),
	E("napi_consume_skb", HANDOFF, 0, N, N, ALWAYS, "skb,budget"),
	E("kfree_skb_reason", HANDOFF, 0, N, N, ALWAYS, "skb,reason"),
	E("sk_skb_reason_drop", HANDOFF, 1, N, N, ALWAYS, "sk,skb,reason"),
	E("__dev_kfree_skb_any", HANDOFF, 0, N, N, ALWAYS, "skb,reason"),
	E("__dev_kfree_skb_irq", HANDOFF, 0, N, N, ALWAYS, "skb,reason"),
	E("dev_kfree_skb_any_reason", HANDOFF, 0, N, N, ALWAYS, "skb,reason"),
	E("dev_kfree_skb_irq_reason", HANDOFF, 0, N, N, ALWAYS, "skb,reason"),
	/*
	 * Stores to device memory by the kernel's accessors (lib/iomap.c),
	 * as a doorbell the module writes itself (replay.c): ordered at the
	 * CALL_POST's ticket, drawn once the store ran
	 */
	E("iowrite8", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite16", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite32", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite64", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite16be", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite32be", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite64_lo_hi", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite64_hi_lo", DEVICE_WRITE, N, N, N, ALWAYS, "value,addr"),
	E("iowrite8_rep", DEVICE_WRITE, N, N, N, ALWAYS, "addr,buf,count"),
	E("iowrite16_rep", DEVICE_WRITE, N, N, N, ALWAYS, "addr,buf,count"),
	E("iowrite32_rep", DEVICE_WRITE, N, N, N, ALWAYS, "addr,buf,count"),
	E("__iowrite32_copy", DEVICE_WRITE, N, N, N, ALWAYS, "to,from,count"),
	E("__iowrite64_copy", DEVICE_WRITE, N, N, N, ALWAYS, "to,from,count"),
	E("__napi_alloc_skb", TAKE, N, N, N, ALWAYS, "napi,len,gfp"),
	E("__netdev_alloc_skb", TAKE, N, N, N, ALWAYS, "dev,len,gfp"),
	E("__alloc_skb", TAKE, N, N, N, ALWAYS, "size,gfp,flags,node"),
	E("napi_build_skb", TAKE, N, N, N, ALWAYS, "data,frag_size"),
	E("build_skb", TAKE, N, N, N, ALWAYS, "data,frag_size"),

	/* C library: POSIX threads */
	E("pthread_mutex_lock", ACQUIRE, 0, N, N, RET0, "mutex"),
	E("pthread_mutex_trylock", ACQUIRE, 0, N, N, RET0, "mutex"),
	E("pthread_mutex_timedlock", ACQUIRE, 0, N, N, RET0, "mutex,abstime"),
	E("pthread_mutex_unlock", RELEASE, 0, N, N, ALWAYS, "mutex"),
	E("pthread_spin_lock", ACQUIRE, 0, N, N, RET0, "lock"),
	E("pthread_spin_trylock", ACQUIRE, 0, N, N, RET0, "lock"),
	E("pthread_spin_unlock", RELEASE, 0, N, N, ALWAYS, "lock"),
	E("pthread_rwlock_rdlock", ACQUIRE_SHARED, 0, N, N, RET0, "rwlock"),
	E("pthread_rwlock_tryrdlock", ACQUIRE_SHARED, 0, N, N, RET0, "rwlock"),
	E("pthread_rwlock_timedrdlock", ACQUIRE_SHARED, 0, N, N, RET0, "rwlock,abstime"),
	E("pthread_rwlock_wrlock", ACQUIRE, 0, N, N, RET0, "rwlock"),
	E("pthread_rwlock_trywrlock", ACQUIRE, 0, N, N, RET0, "rwlock"),
	E("pthread_rwlock_timedwrlock", ACQUIRE, 0, N, N, RET0, "rwlock,abstime"),
	/* unlocks what the thread holds, shared or not (race.c) */
	E("pthread_rwlock_unlock", RELEASE, 0, N, N, ALWAYS, "rwlock"),
	E("pthread_cond_wait", WAIT_RELEASE, 1, N, N, ALWAYS, "cond,mutex"),
	E("pthread_cond_timedwait", WAIT_RELEASE, 1, N, N, ALWAYS, "cond,mutex,abstime"),
	E("pthread_create", THREAD_CREATE, N, N, N, RET0, "thread,attr,fn,arg"),
	E("pthread_join", THREAD_JOIN, 0, N, N, RET0, "thread,ret"),
	E("sem_post", SIGNAL, 0, N, N, ALWAYS, "sem"),
	E("sem_wait", WAIT, 0, N, N, RET0, "sem"),
	E("sem_trywait", WAIT, 0, N, N, RET0, "sem"),
	E("sem_timedwait", WAIT, 0, N, N, RET0, "sem,abstime"),
	/* C library: the heap */
	E("malloc", ALLOC, N, 0, N, ALWAYS, "size"),
	E("calloc", ALLOC, N, 1, 0, ALWAYS, "nmemb,size"),
	E("realloc", REALLOC, 0, 1, N, ALWAYS, "p,size"),
	E("reallocarray", REALLOC, 0, 2, 1, ALWAYS, "p,nmemb,size"),
	E("aligned_alloc", ALLOC, N, 1, N, ALWAYS, "align,size"),
	E("memalign", ALLOC, N, 1, N, ALWAYS, "align,size"),
	E("valloc", ALLOC, N, 0, N, ALWAYS, "size"),
	E("free", FREE, 0, N, N, ALWAYS, "p"),
	E("_Znwm", ALLOC, N, 0, N, ALWAYS, "size"),
	E("_Znam", ALLOC, N, 0, N, ALWAYS, "size"),
	E("_ZdlPv", FREE, 0, N, N, ALWAYS, "p"),
	E("_ZdaPv", FREE, 0, N, N, ALWAYS, "p"),
	E("_ZdlPvm", FREE, 0, N, N, ALWAYS, "p,size"),
	E("_ZdaPvm", FREE, 0, N, N, ALWAYS, "p,size"),
};

/*
 * Who calls a callback, and what it holds meanwhile, read off the source
 * of Debian's 6.1 and 6.12 (net/core/dev.c, net/ethtool/, kernel/irq/,
 * kernel/workqueue.c, kernel/time/, drivers/pci/pci-driver.c).  A caller
 * that is inlined into another is named by the one it is inlined into;
 * both are listed where builds differ.  Not here on purpose:
 * dev_get_stats() (ndo_get_stats64 runs under rtnl or RCU or neither) and
 * file operations (the VFS holds nothing of the driver's).  A device
 * with several transmit queues has one lock per queue, which are taken
 * as one here: a race between two queues' transmits goes unreported.
 */
#define C1(name, h, a) { name, { SEM_HELD_##h, 0 }, { a, 0 } }
#define C2(name, h, a, h2, a2) { name, { SEM_HELD_##h, SEM_HELD_##h2 }, { a, a2 } }
static const struct sem_caller callers[] = {
	/* net_device_ops under rtnl (ASSERT_RTNL in each caller) */
	C1("__dev_open", RTNL, 0),
	C1("__dev_close_many", RTNL, 0),
	C1("dev_set_mac_address", RTNL, 0),
	C1("__dev_set_mtu", RTNL, 0),
	C1("dev_change_rx_flags", RTNL, 0),
	C1("__dev_change_flags", RTNL, 0),
	C1("dev_set_features", RTNL, 0),
	C1("__netdev_update_features", RTNL, 0),
	C1("netdev_update_features", RTNL, 0),
	C1("dev_eth_ioctl", RTNL, 0),
	C1("dev_ifsioc", RTNL, 0),
	C1("dev_change_carrier", RTNL, 0),
	C1("vlan_vid_add", RTNL, 0),
	C1("vlan_vid_del", RTNL, 0),
	C1("vlan_add_rx_filter_info", RTNL, 0),
	C1("vlan_kill_rx_filter_info", RTNL, 0),
	/* ...and under the address-list lock, which __dev_set_rx_mode's callers take */
	C1("__dev_set_rx_mode", ADDR, 0),
	/* ndo_start_xmit(skb, dev) under HARD_TX_LOCK (not for LLTX devices) */
	C1("dev_hard_start_xmit", TX, 1),
	C1("sch_direct_xmit", TX, 1),
	C1("__dev_queue_xmit", TX, 1),
	C1("__dev_direct_xmit", TX, 1),
	C1("netpoll_start_xmit", TX, 1),
	/* ethtool_ops: the ioctl path and the netlink one hold rtnl */
	C1("dev_ethtool", RTNL, 0),
	C1("__dev_ethtool", RTNL, 0),
	C1("__ethtool_get_link_ksettings", RTNL, 0),
	C1("ethtool_get_settings", RTNL, 0),
	C1("ethtool_get_link_ksettings", RTNL, 0),
	C1("ethtool_set_link_ksettings", RTNL, 0),
	C1("ethtool_get_drvinfo", RTNL, 0),
	C1("ethtool_get_regs", RTNL, 0),
	C1("ethtool_get_eeprom", RTNL, 0),
	C1("ethtool_get_any_eeprom", RTNL, 0),
	C1("ethtool_set_eeprom", RTNL, 0),
	C1("ethtool_get_wol", RTNL, 0),
	C1("ethtool_set_wol", RTNL, 0),
	C1("ethtool_get_strings", RTNL, 0),
	C1("ethtool_get_stats", RTNL, 0),
	C1("ethtool_get_sset_info", RTNL, 0),
	C1("ethtool_get_link", RTNL, 0),
	C1("ethtool_nway_reset", RTNL, 0),
	C1("ethtool_phys_id", RTNL, 0),
	C1("ethtool_self_test", RTNL, 0),
	C1("ethtool_get_ringparam", RTNL, 0),
	C1("ethtool_set_ringparam", RTNL, 0),
	C1("ethtool_get_pauseparam", RTNL, 0),
	C1("ethtool_set_pauseparam", RTNL, 0),
	C1("__ethtool_get_sset_count", RTNL, 0),
	C1("__ethtool_get_strings", RTNL, 0),
	C1("ethnl_default_doit", RTNL, 0),
	C1("ethnl_default_dumpit", RTNL, 0),
	C1("ethnl_default_set_doit", RTNL, 0),
	/* a poll runs where its NAPI_STATE_SCHED bit was won: one at a time */
	C1("__napi_poll", SELF, 0),
	C1("napi_poll", SELF, 0),
	C1("net_rx_action", SELF, 0),
	C1("napi_busy_loop", SELF, 0),
	C1("busy_poll_stop", SELF, 0),
	C1("poll_one_napi", SELF, 0),
	C1("napi_threaded_poll", SELF, 0),
	/* a work item never runs twice at once; nor does a timer or tasklet */
	C1("process_one_work", SELF, 0),
	C1("call_timer_fn", SELF, 0),
	C1("expire_timers", SELF, 0),
	C1("__run_timers", SELF, 0),
	C1("__run_hrtimer", SELF, 0),
	C1("tasklet_action_common", SELF, 0),
	/* an interrupt line's handlers run one at a time (IRQD_IRQ_INPROGRESS) */
	C1("__handle_irq_event_percpu", IRQ, 0),
	C1("handle_irq_event_percpu", IRQ, 0),
	C1("handle_irq_event", IRQ, 0),
	C1("irq_thread_fn", IRQ_THREAD, 0),
	C1("irq_forced_thread_fn", IRQ_THREAD, 0),
	/* probe, remove, shutdown and PM callbacks under device_lock() */
	C1("local_pci_probe", DEVICE, 0),
	C1("pci_device_remove", DEVICE, 0),
	C1("pci_device_shutdown", DEVICE, 0),
	C1("platform_probe", DEVICE, 0),
	C1("platform_remove", DEVICE, 0),
};
#undef C1
#undef C2

const struct sem_caller *sem__caller(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(callers); i++)
		if (!strcmp(callers[i].name, name))
			return &callers[i];
	return NULL;
}

/*
 * An argument's value with the kind in its top byte: never a canonical
 * address, so never a real lock's; rtnl is the object rtnl_lock() names.
 */
u64 sem_held__obj(int held, u64 v)
{
	if (held == SEM_HELD_RTNL)
		return SEM_OBJ_RTNL;
	return v ^ ((u64)held << 56);
}

const char *sem_held__name(u64 obj, char *buf, size_t len)
{
	static const char *const n[SEM_HELD_MAX] = {
		[SEM_HELD_TX] = "tx", [SEM_HELD_ADDR] = "addr",
		[SEM_HELD_DEVICE] = "device", [SEM_HELD_SELF] = "self",
		[SEM_HELD_IRQ] = "irq", [SEM_HELD_IRQ_THREAD] = "irq-thread",
	};
	u64 top = obj >> 56;
	int h;

	if (obj == SEM_OBJ_RTNL)
		return snprintf(buf, len, "rtnl"), buf;
	/* the kind XORed into a canonical address's top byte, 0x00 or 0xff */
	for (h = SEM_HELD_TX; h < SEM_HELD_MAX; h++) {
		u64 t = top ^ (u64)h;

		if (t == 0 || t == 0xff) {
			snprintf(buf, len, "%s(0x%lx)", n[h],
				 (unsigned long)(obj ^ ((u64)h << 56)));
			return buf;
		}
	}
	return NULL;
}

const struct sem *sem__find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	if (!strncmp(name, "__SCT__", 7))
		name += 7;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const char *sem_op__name(int op)
{
	static const char *const n[] = {
		[SEM_NONE] = "none",
		[SEM_ACQUIRE] = "acquire",
		[SEM_ACQUIRE_SHARED] = "acquire-shared",
		[SEM_RELEASE] = "release",
		[SEM_RELEASE_SHARED] = "release-shared",
		[SEM_WAIT_RELEASE] = "wait",
		[SEM_SIGNAL] = "signal",
		[SEM_WAIT] = "wait",
		[SEM_THREAD_CREATE] = "thread-create",
		[SEM_THREAD_JOIN] = "thread-join",
		[SEM_ASYNC_START] = "async-start",
		[SEM_ASYNC_JOIN] = "async-join",
		[SEM_ALLOC] = "alloc",
		[SEM_FREE] = "free",
		[SEM_REALLOC] = "realloc",
		[SEM_CACHE_CREATE] = "cache-create",
		[SEM_CACHE_ALLOC] = "cache-alloc",
		[SEM_HANDOFF] = "handoff",
		[SEM_TAKE] = "take",
		[SEM_DEVICE_WRITE] = "device-write",
	};

	return op >= 0 && op < (int)ARRAY_SIZE(n) && n[op] ? n[op] : "?";
}
