/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KS_KPIO_H
#define KS_KPIO_H

#include "../lib/util/util.h"

struct u64vec {
	u64 *v;
	size_t n, cap;
};

struct kpio_result {
	struct u64vec addrs; /* in and out instructions, run-time addresses */
	size_t funcs; /* kernel functions decoded */
	size_t strings; /* ins and outs, which the net does not watch */
};

/**
 * kpio__find() - the port instructions the module at @path may reach.
 * @skip: addresses already watched, left out of the result
 *
 * From the module's undefined symbols, through /proc/kallsyms and the
 * kernel's text in /proc/kcore (root, kptr_restrict at most 1), four
 * levels of direct calls deep.  Return: 0 or -errno.
 */
int kpio__find(const char *path, const u64 *skip, size_t nskip,
	       struct kpio_result *res);

#endif
