// SPDX-License-Identifier: GPL-2.0
/*
 * lackey-agg: count the data accesses in valgrind lackey's memory trace
 * (valgrind --tool=lackey --trace-mem=yes) per instruction.
 *
 * Usage: lackey-agg [-i] RANGES < LACKEY_LOG
 *
 * RANGES holds one "START END" pair (hex, [START, END)) per line.  A data
 * access line (" L a,n", " S a,n", " M a,n") belongs to the most recent
 * "I  a,n" line; it is counted only when that instruction's address lies
 * in a range.  Any other line ("==pid== ..." messages) is ignored.
 *
 * Output, one line per (instruction, kind, size), sorted:
 *	ADDR KIND SIZE COUNT	(ADDR hex without 0x, KIND L, S or M)
 * With -i, also "ADDR I LEN COUNT" for every executed in-range instruction
 * (LEN its length; a rep-prefixed instruction counts once per iteration,
 * as lackey prints one I line per iteration).
 *
 * The input is hundreds of millions of lines: it is read in large blocks
 * and parsed by hand; instructions live in an open-addressing hash table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NACC 8

struct acc {
	uint64_t count;
	uint16_t size;
	char kind;
};

struct ins {
	uint64_t addr; /* 0: empty slot */
	uint64_t count;
	uint32_t len;
	uint8_t inrange;
	uint8_t nacc;
	struct acc acc[NACC];
};

struct range {
	uint64_t start, end;
};

static struct ins *tab;
static size_t cap, used;
static struct range *ranges;
static size_t nranges;

static void die(const char *msg)
{
	fprintf(stderr, "lackey-agg: %s\n", msg);
	exit(2);
}

static size_t hash(uint64_t a)
{
	return (size_t)((a * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static int in_ranges(uint64_t a)
{
	size_t lo = 0, hi = nranges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ranges[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nranges && a >= ranges[lo].start;
}

static void grow(void)
{
	struct ins *old = tab;
	size_t oldcap = cap, i;

	cap = cap ? cap * 2 : 1 << 16;
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		die("out of memory");
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].addr)
			continue;
		for (j = hash(old[i].addr); tab[j].addr; j = (j + 1) & (cap - 1))
			;
		tab[j] = old[i];
	}
	free(old);
}

static struct ins *lookup(uint64_t a, uint32_t len)
{
	size_t i;

	if (2 * (used + 1) > cap)
		grow();
	for (i = hash(a); tab[i].addr; i = (i + 1) & (cap - 1))
		if (tab[i].addr == a)
			return &tab[i];
	tab[i].addr = a;
	tab[i].len = len;
	tab[i].inrange = in_ranges(a);
	used++;
	return &tab[i];
}

static void count_acc(struct ins *in, char kind, unsigned long size)
{
	unsigned int k;

	for (k = 0; k < in->nacc; k++)
		if (in->acc[k].kind == kind && in->acc[k].size == size) {
			in->acc[k].count++;
			return;
		}
	if (in->nacc == NACC)
		die("more than 8 access kinds/sizes for one instruction");
	in->acc[in->nacc++] = (struct acc){ 1, (uint16_t)size, kind };
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void read_ranges(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long s, e;
	size_t n = 0, i;

	if (!f) {
		perror(path);
		exit(2);
	}
	while (fscanf(f, "%llx %llx", &s, &e) == 2) {
		if (n == nranges) {
			nranges = nranges ? 2 * nranges : 64;
			ranges = realloc(ranges, nranges * sizeof(*ranges));
			if (!ranges)
				die("out of memory");
		}
		ranges[n++] = (struct range){ s, e };
	}
	if (!feof(f))
		die("malformed range file");
	fclose(f);
	nranges = n;
	qsort(ranges, n, sizeof(*ranges), range_cmp);
	for (i = 1; i < n; i++)
		if (ranges[i].start < ranges[i - 1].end)
			die("overlapping ranges");
}

static const signed char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
	['E'] = 15, ['F'] = 16,
};

/*
 * Parse "HEX,DEC" at p (the line is known to end in '\n').  Returns 0 on a
 * malformed line.
 */
static int parse_pair(const char *p, uint64_t *a, unsigned long *n)
{
	uint64_t v = 0;
	unsigned long d = 0;
	int digits = 0;

	while (hexval[(unsigned char)*p]) {
		v = v << 4 | (uint64_t)(hexval[(unsigned char)*p++] - 1);
		digits++;
	}
	if (!digits || *p++ != ',')
		return 0;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		d = d * 10 + (unsigned long)(*p++ - '0');
	*a = v;
	*n = d;
	return 1;
}

/* one line, without its '\n' (which is still in memory) */
static struct ins *line(const char *p, struct ins *cur, uint64_t *bad)
{
	uint64_t a;
	unsigned long n;

	if (p[0] == 'I' && p[1] == ' ' && p[2] == ' ') {
		if (!parse_pair(p + 3, &a, &n) || !a) {
			++*bad;
			return NULL;
		}
		cur = lookup(a, (uint32_t)n);
		cur->count++;
		return cur;
	}
	if (p[0] == ' ' && (p[1] == 'L' || p[1] == 'S' || p[1] == 'M') &&
	    p[2] == ' ') {
		if (!parse_pair(p + 3, &a, &n)) {
			++*bad;
			return cur;
		}
		if (cur && cur->inrange)
			count_acc(cur, p[1], n);
		return cur;
	}
	return cur; /* "==pid==" and other messages */
}

static int ins_cmp(const void *a, const void *b)
{
	const struct ins *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int acc_cmp(const void *a, const void *b)
{
	const struct acc *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	return (int)x->size - (int)y->size;
}

static void output(int with_i)
{
	size_t i, n = 0;
	unsigned int k;

	for (i = 0; i < cap; i++)
		if (tab[i].addr && tab[i].inrange)
			tab[n++] = tab[i];
	qsort(tab, n, sizeof(*tab), ins_cmp);
	for (i = 0; i < n; i++) {
		struct ins *in = &tab[i];

		if (with_i)
			printf("%lx I %u %lu\n", (unsigned long)in->addr,
			       in->len, (unsigned long)in->count);
		qsort(in->acc, in->nacc, sizeof(in->acc[0]), acc_cmp);
		for (k = 0; k < in->nacc; k++)
			printf("%lx %c %u %lu\n", (unsigned long)in->addr,
			       in->acc[k].kind, in->acc[k].size,
			       (unsigned long)in->acc[k].count);
	}
}

int main(int argc, char **argv)
{
	size_t bufsz = 4 << 20, have = 0;
	char *buf = malloc(bufsz + 1);
	struct ins *cur = NULL;
	uint64_t bad = 0;
	int with_i = 0;

	if (argc > 1 && !strcmp(argv[1], "-i")) {
		with_i = 1;
		argv++;
		argc--;
	}
	if (argc != 2 || !buf) {
		fprintf(stderr, "usage: lackey-agg [-i] RANGES < LACKEY_LOG\n");
		return 2;
	}
	read_ranges(argv[1]);
	grow();
	/* fewer, larger writes from valgrind: a big pipe (best effort) */
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	for (;;) {
		ssize_t r = read(0, buf + have, bufsz - have);
		char *p = buf, *end, *nl;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 2;
		}
		if (r == 0)
			break;
		end = buf + have + r;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			cur = line(p, cur, &bad);
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == bufsz)
			die("line too long");
		memmove(buf, p, have);
	}
	if (have) {
		buf[have] = '\n';
		line(buf, cur, &bad);
	}
	if (bad)
		fprintf(stderr, "lackey-agg: %lu malformed trace lines\n",
			(unsigned long)bad);
	output(with_i);
	free(buf);
	return bad ? 1 : 0;
}
