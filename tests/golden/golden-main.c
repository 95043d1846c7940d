// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the golden fixtures and prints what they return; with an argument,
 * also writes the fixtures' own declarations of their accesses (section
 * ksexp, see fixtures.S), resolved to addresses, for check.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct exp {
	const char *fn;
	uint32_t off;
	uint8_t kind, base;
	uint16_t size;
	uint64_t addr, count, flags;
} __attribute__((packed));

extern const struct exp __start_ksexp[], __stop_ksexp[];
unsigned char gbuf[8192] __attribute__((aligned(64)));

long fx_modrm(void), fx_kinds(void), fx_simd(void), fx_stack(void);
long fx_tail(void), fx_string(void), fx_fs(void), fx_noacc(void);
long fx_tagged(void), fx_thunk(void), fx_gotself(void *self);
long fx_flags(void), fx_pressure(void), fx_redzone(void), fx_table(int);
long fx_hot(void), fx_loop(void), fx_loophead(void), fx_avx512(void);

int main(int argc, char **argv)
{
	/* libgcc's check covers the OS's part too (XCR0 saves ZMM state) */
	int avx512 = __builtin_cpu_supports("avx512f");
	const struct exp *e;
	unsigned long fs;
	FILE *f;
	int i;

	for (i = 0; i < (int)sizeof(gbuf); i++)
		gbuf[i] = (unsigned char)(i * 7 + 3);
	memcpy(gbuf + 0xa00, "abcXefgh", 8);
	memcpy(gbuf + 0xa10, "abcYefgh", 8);

	printf("modrm %lx\n", fx_modrm());
	printf("kinds %lx\n", fx_kinds());
	printf("simd %lx\n", fx_simd());
	if (avx512)
		printf("avx512 %lx\n", fx_avx512());
	else
		printf("avx512 not run: the CPU has no AVX-512\n");
	printf("stack %lx\n", fx_stack());
	printf("tail %lx\n", fx_tail());
	printf("string %lx\n", fx_string());
	printf("fs %lx\n", fx_fs());
	printf("noacc %lx\n", fx_noacc());
	printf("tagged %lx\n", fx_tagged());
	printf("thunk %lx\n", fx_thunk());
	printf("gotself %lx\n", fx_gotself((void *)fx_gotself));
	printf("flags %lx\n", fx_flags());
	printf("pressure %lx\n", fx_pressure());
	printf("redzone %lx\n", fx_redzone());
	printf("table %lx %lx\n", fx_table(1), fx_table(3));
	printf("hot %lx\n", fx_hot());
	printf("loop %lx\n", fx_loop());
	printf("loophead %lx\n", fx_loophead());
	for (i = 0; i < (int)sizeof(gbuf); i += 512) {
		unsigned long sum = 0;

		for (int k = 0; k < 512; k++)
			sum = sum * 31 + gbuf[i + k];
		printf("gbuf[%#x] %lx\n", i, sum);
	}
	if (argc < 2)
		return 0;
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	__asm__("movq %%fs:0, %0" : "=r"(fs));
	fprintf(f, "fs_base %#lx\n", fs);
	for (e = __start_ksexp; e < __stop_ksexp; e++) {
		if (!avx512 && !strcmp(e->fn, "fx_avx512"))
			continue;
		fprintf(f, "%s+0x%x %u %u %u %#lx %lu %lu\n", e->fn, e->off,
			e->kind, e->base, e->size, (unsigned long)e->addr,
			(unsigned long)e->count, (unsigned long)e->flags);
	}
	return fclose(f) ? 1 : 0;
}
