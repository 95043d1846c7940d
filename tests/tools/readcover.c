// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes read or written in named buffers, counted from `kstride script`
 * output, against a program's own account.
 *
 * usage: kstride script T | readcover TRUTH
 *   TRUTH has lines "NAME BYTES ADDRESS LENGTH R|W" (other lines are
 *   ignored): the program says it read (R) or wrote (W) BYTES bytes in
 *   the buffer [ADDRESS, ADDRESS + LENGTH).  R counts R and U events, W
 *   counts W and U events, by their size.  Prints one line per buffer and
 *   exits 1 unless each got exactly BYTES, with no access running past
 *   the buffer's end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXB 16

struct range {
	char name[32];
	char kind;
	uint64_t want, lo, len, got, over;
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
		k = sscanf(line, "%31s %" SCNu64 " %" SCNx64 " %" SCNu64 " %c",
			   x->name, &x->want, &x->lo, &x->len, &x->kind);
		if (k == 5 && x->len && (x->kind == 'R' || x->kind == 'W'))
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
		if (strcmp(kind, "R") && strcmp(kind, "W") && strcmp(kind, "U"))
			continue;
		for (i = 0; i < n; i++) {
			if (a < r[i].lo || a >= r[i].lo + r[i].len)
				continue;
			if (kind[0] != 'U' && kind[0] != r[i].kind)
				continue;
			r[i].got += size;
			if (a + size > r[i].lo + r[i].len)
				r[i].over++;
		}
	}
	for (i = 0; i < n; i++) {
		int ok = r[i].got == r[i].want && !r[i].over;

		printf("%s: %" PRIu64 " bytes %s, the program says %" PRIu64 "%s%s\n",
		       r[i].name, r[i].got,
		       r[i].kind == 'R' ? "read" : "written", r[i].want,
		       r[i].over ? ", some past the end" : "",
		       ok ? "" : "  WRONG");
		bad |= !ok;
	}
	return bad;
}
