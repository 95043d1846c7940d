// SPDX-License-Identifier: GPL-2.0
/*
 * A reader of mmiotrace text logs that follows the field rules of their
 * consumers (envytools' demmio and friends), written here from those
 * rules: PCIDEV read with fixed scanf fields (vendor/device, irq, 7 BAR
 * starts, 7 sizes), R and W lines as width, a floating-point timestamp,
 * an integer map id, the absolute address and the value, and every other
 * line passed through.  A line that starts like one it knows but whose
 * fields do not scan is rejected.
 *
 * usage: mmioparse FILE [DUMP]
 *   prints a summary ("mmioparse: FILE: N lines, R r, W w, ..., rejected
 *   x") and exits 1 if any line was rejected; DUMP receives one
 *   "R|W width address value" line per access, to compare two logs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned long n = 0, r = 0, w = 0, map = 0, unmap = 0, mark = 0;
	unsigned long pci = 0, unknown = 0, other = 0, rejected = 0;
	FILE *f, *dump = NULL;
	char line[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: mmioparse FILE [DUMP]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	if (argc > 2 && !(dump = fopen(argv[2], "w"))) {
		perror(argv[2]);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		uint64_t a, b, c, bars[14];
		unsigned int id;
		double ts;
		int width, k;
		char t;

		n++;
		if (!strncmp(line, "VERSION ", 8)) {
			if (sscanf(line, "VERSION %d", &width) != 1 ||
			    width != 20070824)
				goto bad;
		} else if (!strncmp(line, "PCIDEV ", 7)) {
			k = sscanf(line, "PCIDEV %" SCNx64 " %" SCNx64 " %" SCNx64
				   " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
				   " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
				   " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
				   " %" SCNx64 " %" SCNx64,
				   &a, &b, &c, &bars[0], &bars[1], &bars[2],
				   &bars[3], &bars[4], &bars[5], &bars[6], &bars[7],
				   &bars[8], &bars[9], &bars[10], &bars[11],
				   &bars[12], &bars[13]);
			if (k != 17)
				goto bad;
			pci++;
		} else if (!strncmp(line, "R ", 2) || !strncmp(line, "W ", 2)) {
			if (sscanf(line, "%c %d %lf %u %" SCNx64 " %" SCNx64, &t,
				   &width, &ts, &id, &a, &b) != 6 ||
			    (width != 1 && width != 2 && width != 4 && width != 8))
				goto bad;
			t == 'R' ? r++ : w++;
			if (dump)
				fprintf(dump, "%c %d 0x%" PRIx64 " 0x%" PRIx64 "\n",
					t, width, a, b);
		} else if (!strncmp(line, "MAP ", 4)) {
			if (sscanf(line, "MAP %lf %u %" SCNx64 " %" SCNx64 " %" SCNx64,
				   &ts, &id, &a, &b, &c) != 5)
				goto bad;
			map++;
		} else if (!strncmp(line, "UNMAP ", 6)) {
			if (sscanf(line, "UNMAP %lf %u", &ts, &id) != 2)
				goto bad;
			unmap++;
		} else if (!strncmp(line, "MARK ", 5)) {
			if (sscanf(line, "MARK %lf", &ts) != 1)
				goto bad;
			mark++;
		} else if (!strncmp(line, "UNKNOWN ", 8)) {
			if (sscanf(line, "UNKNOWN %lf %u %" SCNx64, &ts, &id, &a) != 3)
				goto bad;
			unknown++;
		} else {
			other++; /* passed through */
		}
		continue;
bad:
		rejected++;
		fprintf(stderr, "mmioparse: %s:%lu: rejected: %s", argv[1], n,
			line);
	}
	fclose(f);
	if (dump)
		fclose(dump);
	printf("mmioparse: %s: %lu lines: PCIDEV %lu, R %lu, W %lu, MAP %lu, UNMAP %lu, MARK %lu, UNKNOWN %lu, passed through %lu, rejected %lu\n",
	       argv[1], n, pci, r, w, map, unmap, mark, unknown, other, rejected);
	return rejected ? 1 : 0;
}
