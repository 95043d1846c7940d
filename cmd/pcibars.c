// SPDX-License-Identifier: GPL-2.0
/*
 * PCIDEV lines: "PCIDEV bus|devfn vendor|device irq start0..6 size0..6
 * [driver]", hexadecimal, the low bits of a start its flags (bit 0: a
 * port BAR), as the kernel's mmiotrace writes them and record --mmio too.
 */
#include <stdio.h>
#include <string.h>

#include "pcibars.h"

void pcibars__parse(struct pcibars *pb, const char *txt)
{
	pb->ndev = 0;
	while (txt && *txt && pb->ndev < PCIBARS_MAX) {
		struct pdev *d = &pb->dev[pb->ndev];
		unsigned long long s[7], z[7];
		size_t ll = strcspn(txt, "\n");
		char line[512];
		unsigned int irq;
		int i, k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)ll, txt);
		memset(d, 0, sizeof(*d));
		if (sscanf(line, "PCIDEV %7s %11s %x %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %n",
			   d->bdf, d->vendev, &irq, &s[0], &s[1], &s[2], &s[3], &s[4],
			   &s[5], &s[6], &z[0], &z[1], &z[2], &z[3], &z[4], &z[5],
			   &z[6], &k) >= 17) {
			for (i = 0; i < 7; i++) {
				d->io[i] = s[i] & 1;
				d->start[i] = s[i] & (d->io[i] ? ~3ull : ~0xfull);
				d->size[i] = z[i];
			}
			if (k)
				sscanf(line + k, "%31s", d->driver);
			pb->ndev++;
		}
		txt = strchr(txt, '\n');
		if (txt)
			txt++;
	}
}

bool pcibars__place(const struct pcibars *pb, u64 a, bool port, u16 *dev,
		    u8 *bar, u64 *off)
{
	size_t d;
	int b;

	for (d = 0; d < pb->ndev; d++)
		for (b = 0; b < 7; b++)
			if (pb->dev[d].size[b] && pb->dev[d].io[b] == port &&
			    a >= pb->dev[d].start[b] &&
			    a < pb->dev[d].start[b] + pb->dev[d].size[b]) {
				*dev = d;
				*bar = b;
				*off = a - pb->dev[d].start[b];
				return true;
			}
	return false;
}

void pcibars__label(const struct pdev *d, char *buf, size_t len)
{
	unsigned int bus = 0, df = 0;

	sscanf(d->bdf, "%2x%2x", &bus, &df);
	snprintf(buf, len, "%02x:%02x.%x %.4s:%.4s%s%s", bus, df >> 3, df & 7,
		 d->vendev, d->vendev + 4, *d->driver ? " " : "", d->driver);
}
