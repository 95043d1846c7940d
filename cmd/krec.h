/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride record -m: the recorder's state, shared by record-kernel.c (the
 * rings, the modules, the trace file) and record-mmio.c (MMIO mode: the
 * mappings that exist already, the PCI devices, the safety net).
 */
#ifndef KS_KREC_H
#define KS_KREC_H

#include <kstride/abi.h>

#include "../lib/kring/kring.h"
#include "../lib/trace/twrite.h"
#include "../lib/util/util.h"
#include "kmods.h"
#include "record-kernel.h"

struct krec {
	const struct krecord_opts *o;
	int dev;
	struct ks_twriter w; /* the trace file */
	struct ks_info info;
	struct kring *kr; /* the rings (lib/kring) */
	u64 bytes, chunks;
	char modname[64];
	char *kopath; /* instrumented copy */
	bool net_on; /* KS_IOC_NET_START done, not stopped yet */
	u64 *pio; /* port instructions the net watches */
	size_t npio;
};

int kr_chunk(struct krec *k, u32 type, const void *a, size_t alen,
	     const void *b, size_t blen);

/* record-mmio.c */
unsigned int kr_seed_maps(struct krec *k);
char *kr_pci_lines(void);
int kr_net_start(struct krec *k, const struct kmod *mods, size_t n);
int kr_net_stop(struct krec *k);
int kr_net_pio(struct krec *k, const struct kmod *m);
int kr_apertures_start(struct krec *k);
int kr_apertures_stop(struct krec *k);

/* record-calls.c */
int kr_ksyms(struct krec *k);

#endif
