/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a call out of instrumented code means for the order of events:
 * one declarative table (sem.c) of kernel and C library functions, read
 * by the race detector (race.c) and by 'kstride script' (argument names).
 */
#ifndef KS_RACE_SEM_H
#define KS_RACE_SEM_H

#include "../util/util.h"

enum sem_op {
	SEM_NONE,
	SEM_ACQUIRE, /* exclusive: the holder saw every release of the object */
	SEM_ACQUIRE_SHARED, /* a reader: saw every exclusive release */
	SEM_RELEASE, /* exclusive or shared, as it was taken */
	SEM_RELEASE_SHARED,
	SEM_WAIT_RELEASE, /* cond_wait: gives up a mutex (arg), takes it back */
	SEM_SIGNAL, /* complete(), up(), sem_post(): what a waiter will see */
	SEM_WAIT, /* wait_for_completion(), down(), sem_wait() */
	SEM_THREAD_CREATE, /* pthread_create(): the new thread starts after */
	SEM_THREAD_JOIN, /* pthread_join(thread): it ended before */
	SEM_ASYNC_START, /* queue_work(), mod_timer(): the callback runs after */
	SEM_ASYNC_JOIN, /* flush_work(), del_timer_sync(): it finished before */
	SEM_ALLOC, /* returns a new object of a size */
	SEM_FREE, /* the object is gone: a write of all of it */
	SEM_REALLOC, /* both */
	SEM_CACHE_CREATE, /* kmem_cache_create(): objects of a size */
	SEM_CACHE_ALLOC, /* kmem_cache_alloc(cache): one of them */
	/*
	 * The object goes to the kernel for good (napi_gro_receive(napi,
	 * skb), consume_skb(skb)): whatever the kernel hands the module at
	 * that address later (a callback's argument, what a TAKE returns),
	 * it had back from the kernel after this.
	 */
	SEM_HANDOFF,
	SEM_TAKE, /* returns an object the kernel owned (__napi_alloc_skb()) */
	/* a store to device memory made by the kernel (iowrite32()) */
	SEM_DEVICE_WRITE,
};

/* When an operation that may fail took effect. */
enum sem_ok {
	SEM_OK_ALWAYS,
	SEM_OK_RET0, /* returned 0 (pthread_mutex_trylock, mutex_lock_interruptible) */
	SEM_OK_RET1, /* returned non-zero (spin_trylock, mutex_trylock) */
	SEM_OK_RETPOS, /* returned > 0 (wait_for_completion_timeout) */
};

#define SEM_ARG_NONE 0xff
#define SEM_SIZE_RET 0xfe /* the size is what the cache says (CACHE_ALLOC) */
/*
 * Objects no argument names.  The registry: a registration (SIGNAL)
 * publishes what the module set up before it, and every callback the
 * kernel enters saw every registration before it.  Retirement: the return
 * of a callback that no queue, timer or irq started (an ops table's)
 * signals it, and an unregistration (WAIT) returns after every one of
 * them.
 */
#define SEM_ARG_REGISTRY 0xfd
#define SEM_ARG_RETIRED 0xfc
#define SEM_OBJ_NONE 1 /* RCU's and other argument-less objects */
#define SEM_OBJ_REGISTRY 2
#define SEM_OBJ_RETIRED 3
#define SEM_ARG_RTNL 0xfb
#define SEM_OBJ_RTNL 4 /* rtnl_mutex: rtnl_lock(), and what the kernel calls under it */
/* the transmit lock of the net_device in argument 0 (SEM_HELD_TX) */
#define SEM_ARG_TXLOCK 0xfa
/*
 * The module's devices: a store to device memory (a doorbell) signals it,
 * and an interrupt handler's start waits for it, for a device interrupts
 * after the work it was given (replay.c)
 */
#define SEM_OBJ_DEVICE 5

/*
 * ASYNC_START releases into the object's start clock, which a callback
 * entered with the object as its first or second argument acquires (the
 * work, timer, tasklet, NAPI or irq handler's own argument); the
 * callback's return releases into its end clock, which ASYNC_JOIN
 * acquires.
 */
struct sem {
	const char *name;
	u8 op; /* enum sem_op */
	u8 obj; /* argument that names the object (0 = rdi), SEM_ARG_NONE */
	u8 size; /* ALLOC: argument with the size; CACHE_CREATE too */
	u8 nmemb; /* calloc: argument that multiplies the size */
	u8 ok; /* enum sem_ok */
	bool ret_alias; /* what it returns names the object too (kthreads) */
	const char *args; /* the arguments' names, comma-separated, for script */
	/*
	 * ASYNC_START: the callback's argument that names the object: 0,
	 * or 1 for an interrupt handler, handler(irq, dev) (so that
	 * ndo_stop(dev) is not taken for the handler of request_irq(dev))
	 */
	u8 cbarg;
};

/* The table's entry for @name ("__SCT__" trampolines by their target), or NULL. */
const struct sem *sem__find(const char *name);
const char *sem_op__name(int op);

/*
 * What the kernel holds while a callback runs, by the function that
 * called it (its ENTRY's return address): a lock, or the callback's own
 * object, which the kernel never runs twice at once.  Each is an object
 * of its own, acquired at the callback's start and released at its end.
 */
enum sem_held {
	SEM_HELD_RTNL = 1, /* rtnl_mutex (SEM_OBJ_RTNL) */
	SEM_HELD_TX, /* the device's transmit lock (argument: the net_device) */
	SEM_HELD_ADDR, /* its address-list lock (argument: the net_device) */
	SEM_HELD_DEVICE, /* device_lock() of the device (argument) */
	SEM_HELD_SELF, /* the callback's object: a work, timer, napi, tasklet */
	SEM_HELD_IRQ, /* the interrupt line (argument: its number) */
	SEM_HELD_IRQ_THREAD, /* the line's threaded handler (argument: its number) */
	SEM_HELD_MAX,
};

struct sem_caller {
	const char *name; /* the kernel function that calls the callback */
	u8 held[2]; /* enum sem_held, 0: none */
	u8 arg[2]; /* the callback's argument that names each (0 = rdi) */
};

/* The entry for a callback's caller @name, or NULL. */
const struct sem_caller *sem__caller(const char *name);
/* The object that stands for @held of argument value @v. */
u64 sem_held__obj(int held, u64 v);
/* "rtnl", "tx(0xADDR)"...: @obj's name if it stands for one, or NULL */
const char *sem_held__name(u64 obj, char *buf, size_t len);

#endif /* KS_RACE_SEM_H */
