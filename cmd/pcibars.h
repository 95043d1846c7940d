/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI devices of an MMIO trace (its PCIDEV lines, in mmiotrace's
 * format) and where in them an access falls: report --mmio and diff.
 */
#ifndef KS_PCIBARS_H
#define KS_PCIBARS_H

#include "../lib/util/util.h"

#define PCIBARS_MAX 64

struct pdev {
	char bdf[8]; /* "0018": bus, devfn (mmiotrace's PCIDEV) */
	char vendev[12]; /* "8086100e" */
	char driver[32];
	u64 start[7], size[7];
	bool io[7];
};

struct pcibars {
	struct pdev dev[PCIBARS_MAX];
	size_t ndev;
};

void pcibars__parse(struct pcibars *pb, const char *pcidev_lines);
/* The device, BAR and offset of @addr (a port if @port); false: none. */
bool pcibars__place(const struct pcibars *pb, u64 addr, bool port, u16 *dev,
		    u8 *bar, u64 *off);
/* "00:03.0 8086:100e e1000" */
void pcibars__label(const struct pdev *d, char *buf, size_t len);

#endif
