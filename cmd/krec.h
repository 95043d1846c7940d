/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride record -m: the recorder's state, shared by record-kernel.c (the
 * rings, the modules, the trace file) and record-mmio.c (MMIO mode: the
 * mappings that exist already, the PCI devices, the safety net).
 */
#ifndef KS_KREC_H
#define KS_KREC_H

#include <kstride/abi.h>

#include "../lib/util/util.h"
#include "kmods.h"
#include "record-kernel.h"

struct kring {
	struct ks_ring_ctl *ctl;
	volatile __u64 *consumed;
	const u8 *data;
};

/* Region record sizes by ref (low half of the descriptor's address). */
struct kref {
	u32 ref;
	u32 nslots;
};

struct krec {
	const struct krecord_opts *o;
	struct kref *refs;
	size_t nrefs;
	unsigned int pending; /* CPUs with sub-buffers not copied yet */
	int dev, out;
	struct ks_info info;
	struct kring *ring; /* one per CPU id (info.ncpus) */
	struct {
		u64 dropped_bytes, dropped_events, dropped_regions;
		u64 lost_inflight;
	} *base; /* the rings' counters when we started, per CPU */
	void *ctl_map, *cons_map;
	size_t ctl_len, cons_len;
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

#endif
