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
	E("request_threaded_irq", ASYNC_START, 5, N, N, RET0, "irq,handler,thread_fn,flags,name,dev"),
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
	};

	return op >= 0 && op < (int)ARRAY_SIZE(n) && n[op] ? n[op] : "?";
}
