// SPDX-License-Identifier: GPL-2.0
/*
 * zlib workload: compress and decompress fixed, generated inputs at several
 * levels and strategies, with deflate/inflate streaming and the one-shot
 * API.  Prints sizes and checksums; the native and instrumented builds must
 * print the same bytes.  Usage: zlib-test [KB]  (input size, default 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned int next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)rng;
}

/* text-like data: words from a small vocabulary, some noise */
static void fill(unsigned char *p, size_t n, int kind)
{
	static const char *words[] = { "the ", "kernel ", "module ", "memory ",
				       "access ", "trace ", "device ", "ring ",
				       "buffer ", "\n", "0x1f ", "mmio " };
	size_t i = 0;

	while (i < n) {
		if (kind == 0) {
			const char *w = words[next() % 12];

			while (*w && i < n)
				p[i++] = *w++;
		} else if (kind == 1) {
			p[i++] = next() & 0xff;
		} else {
			p[i] = (unsigned char)(i / 64);
			i++;
		}
	}
}

static int run(size_t n, int kind, int level, int strategy)
{
	unsigned char *in = malloc(n), *out, *back = malloc(n);
	uLongf clen = compressBound(n), blen = n;
	z_stream s;
	int err;

	out = malloc(clen);
	fill(in, n, kind);
	memset(&s, 0, sizeof(s));
	err = deflateInit2(&s, level, Z_DEFLATED, 15, 8, strategy);
	if (err != Z_OK)
		return 1;
	s.next_in = in;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = clen;
	err = deflate(&s, Z_FINISH);
	if (err != Z_STREAM_END)
		return 1;
	clen = s.total_out;
	deflateEnd(&s);
	err = uncompress(back, &blen, out, clen);
	printf("kind=%d level=%d strategy=%d in=%zu out=%lu crc=%08lx adler=%08lx back=%s\n",
	       kind, level, strategy, n, (unsigned long)clen,
	       crc32(0, in, n), adler32(1, out, clen),
	       err == Z_OK && blen == n && !memcmp(in, back, n) ? "ok" : "BAD");
	free(in);
	free(out);
	free(back);
	return 0;
}

int main(int argc, char **argv)
{
	size_t kb = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	static const int levels[] = { 1, 6, 9 };
	int kind, l, st;

	for (kind = 0; kind < 3; kind++)
		for (l = 0; l < 3; l++)
			for (st = 0; st < 2; st++)
				if (run(kb * 1024 + kind * 1000, kind,
					levels[l], st ? Z_FILTERED : Z_DEFAULT_STRATEGY))
					return 1;
	/* one-shot API at the default level */
	{
		size_t n = kb * 1500 + 1;
		unsigned char *in = malloc(n);
		uLongf clen = compressBound(n);
		unsigned char *out = malloc(clen);

		fill(in, n, 0);
		if (compress(out, &clen, in, n) != Z_OK)
			return 1;
		printf("compress: %zu -> %lu adler=%08lx\n", n,
		       (unsigned long)clen, adler32(1, out, clen));
		free(in);
		free(out);
	}
	return 0;
}
