// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes read from named buffers, counted from `kstride script` output.
 *
 * usage: kstride script T | readcover TRUTH
 *   TRUTH has lines "NAME CALLS ADDRESS LENGTH [READS]" (other lines are
 *   ignored): a program's own account of how many times each buffer was
 *   read whole, READS times per call (default 2).  Every R or U event
 *   whose address falls in a buffer counts its size.  Prints one line per
 *   buffer and exits 1 unless each got exactly CALLS * READS * LENGTH
 *   bytes, with no access running past the buffer's end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXB 16

struct range {
	char name[32];
	unsigned long calls, reads;
	uint64_t lo, len, got, over;
};

int main(int argc, char **argv)
{
	struct range r[MAXB];
	char line[4096];
	int n = 0, i, bad = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: kstride script T | readcover TRUTH\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	while (n < MAXB && fgets(line, sizeof(line), f)) {
		struct range *x = &r[n];
		int k;

		memset(x, 0, sizeof(*x));
		x->reads = 2;
		k = sscanf(line, "%31s %lu %" SCNx64 " %" SCNu64 " %lu",
			   x->name, &x->calls, &x->lo, &x->len, &x->reads);
		if (k >= 4 && x->len)
			n++;
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "readcover: %s: no buffers\n", argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char kind[16], where[512];
		unsigned tid, size;
		uint64_t a;

		if (sscanf(line, "%u %511s %15s %u %" SCNx64, &tid, where, kind,
			   &size, &a) != 5)
			continue;
		if (strcmp(kind, "R") && strcmp(kind, "U"))
			continue;
		for (i = 0; i < n; i++) {
			if (a < r[i].lo || a >= r[i].lo + r[i].len)
				continue;
			r[i].got += size;
			if (a + size > r[i].lo + r[i].len)
				r[i].over++;
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t want = (uint64_t)r[i].calls * r[i].reads * r[i].len;
		int ok = r[i].got == want && !r[i].over;

		printf("%s: %" PRIu64 " bytes read, want %" PRIu64
		       " (%lu calls x %lu x %" PRIu64 ")%s%s\n",
		       r[i].name, r[i].got, want, r[i].calls, r[i].reads,
		       r[i].len, r[i].over ? ", reads past the end" : "",
		       ok ? "" : "  WRONG");
		bad |= !ok;
	}
	return bad;
}
