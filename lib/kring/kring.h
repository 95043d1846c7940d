/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The consumer of kstride.ko's per-CPU rings (include/kstride/abi.h,
 * "Kernel rings, user side"), shaped like libbpf's ring_buffer: new,
 * consume, free.  It maps the rings of every CPU that has one (any
 * number of CPUs), hands each completed sub-buffer to a callback in
 * order, and gives it back; a sub-buffer whose records are still being
 * written waits for its writer.
 *
 *   producer (kernel)                      consumer (here)
 *   fill sub-buffer, write its info        p = load_acquire(ctl->produced)
 *   store_release(ctl->produced, n + 1)    hand over sub-buffers [c, p)
 *                                          store_release(*consumed, p)
 *   c = load_acquire(consumed) before
 *   reusing a sub-buffer
 */
#ifndef KS_KRING_H
#define KS_KRING_H

#include <stdbool.h>
#include <kstride/abi.h>

#include "../util/util.h"

struct kring;

/*
 * A completed sub-buffer of @cpu: @si its info, @data its bytes, of which
 * @len are worth keeping (records, and the page the last may end in).
 * Return 0, or -errno to stop consume().
 */
typedef int (*kring_sample_fn)(void *ctx, unsigned int cpu,
			       const struct ks_ring_ctl *ctl,
			       const struct ks_sub_info *si, const void *data,
			       size_t len);

/**
 * kring__new() - map the rings of /dev/kstride open at @fd.
 * @info: out, what KS_IOC_INFO said
 *
 * Whatever the rings hold already is not ours: it is skipped.
 * Return: the consumer, or NULL with errno set (and a message said).
 */
struct kring *kring__new(int fd, struct ks_info *info);

/**
 * kring__new_mem() - a consumer of rings in ordinary memory (tests).
 * @ctl: info->ncpus control pages, KS_CTL_SIZE apart
 * @cons: info->ncpus consumed counters, KS_CONS_STRIDE apart
 * @data: per CPU, its nsub sub-buffers of info->sub_map bytes, or NULL
 */
struct kring *kring__new_mem(const struct ks_info *info, void *ctl, void *cons,
			     void *const *data);

/* Learn the record size of every region in a REGIONS dump at @addr. */
int kring__index_regions(struct kring *kr, u64 addr, const u8 *d, size_t len);

/**
 * kring__consume() - hand over what the rings have completed.
 * @force: sub-buffers with records still being written too (at the end)
 *
 * Return: the number of sub-buffers handed over, or -errno.
 */
int kring__consume(struct kring *kr, bool force, kring_sample_fn fn,
		   void *ctx);

/*
 * Records handed over so far: those whose headers could be walked (the
 * records of modules whose descriptors were indexed, and of kstride.ko).
 */
u64 kring__records(const struct kring *kr);

/* CPUs whose next sub-buffer waits for a writer, after consume(). */
unsigned int kring__pending(const struct kring *kr);

/* What the rings dropped since kring__new(), exactly (ks_end's fields). */
void kring__dropped(const struct kring *kr, struct ks_end *end);

void kring__free(struct kring *kr);

#endif
