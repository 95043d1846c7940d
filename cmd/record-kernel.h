/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KS_RECORD_KERNEL_H
#define KS_RECORD_KERNEL_H

#include "../lib/util/util.h"

struct krecord_opts {
	const char *module; /* names or paths, comma-separated */
	const char *params; /* module parameters */
	const char *out;
	const char *kmod; /* path of kstride.ko */
	const char *root; /* modules under ROOT/lib/modules (modprobe -d) */
	bool keep; /* leave the modules loaded */
	bool mmio; /* device accesses only (instrument --mmio) */
	bool calls; /* calls out too (instrument --calls) */
	bool no_net; /* MMIO mode without the safety net */
	bool net_wc; /* the net arms write-combining mappings too */
	bool apertures; /* record VRAM and framebuffer accesses, not count */
	unsigned int drain_delay_ms; /* test: a slow reader */
	unsigned int nsub; /* kstride.ko's sub-buffers per CPU, 0: its default */
	bool live; /* a live status line on stderr (a terminal) */
	bool no_cache; /* rewrite every module, keep none (record-cache.c) */
	const char *cache_dir; /* the cache's directory, NULL: the default */
};

/*
 * The exit status when the traced module's own init failed: the command
 * did not run, and the trace of what the init did was written.
 */
#define KR_INIT_FAILED 3

/* Returns the command's exit status, KR_INIT_FAILED, or -errno. */
int record_kernel(const struct krecord_opts *o, char **argv);

#endif
