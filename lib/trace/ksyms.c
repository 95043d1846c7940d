// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's text symbols of a --calls trace (KS_CHUNK_KSYMS), which
 * name the code that called a callback: "ADDR NAME[ [MODULE]]" lines,
 * parsed in place once and searched by address.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Take @txt (@len bytes, owned from now on), NUL-terminated inside. */
int trace__ksyms_load(struct trace *t, char *txt, size_t len)
{
	char *p = txt, *end = txt + strnlen(txt, len);
	size_t n = 0, cap = 0;
	struct ksym *v = NULL;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p), *name, *mod, *e;
		unsigned long long a;

		if (!nl)
			nl = end;
		*nl = 0;
		a = strtoull(p, &e, 16);
		name = e;
		while (*name == ' ' || *name == '\t')
			name++;
		if (e == p || !*name) {
			p = nl + 1;
			continue; /* not a symbol line: skipped */
		}
		mod = strpbrk(name, " \t");
		if (mod) {
			*mod++ = 0;
			mod = strchr(mod, '[');
			if (mod) {
				mod++;
				mod[strcspn(mod, "]")] = 0;
			}
		}
		if (n == cap) {
			struct ksym *nv;

			cap = cap ? 2 * cap : 4096;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				free(txt);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (struct ksym){ .addr = a, .name = name, .mod = mod };
		p = nl + 1;
	}
	qsort(v, n, sizeof(*v), ksym_cmp);
	free(t->ksyms);
	free(t->ksyms_txt);
	t->ksyms = v;
	t->nksyms = n;
	t->ksyms_txt = txt;
	return 0;
}

const char *trace__ksym(const struct trace *t, u64 addr, u64 *off,
			const char **mod)
{
	size_t lo = 0, hi = t->nksyms;

	/* the last symbol at or below @addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (off)
		*off = addr - t->ksyms[lo - 1].addr;
	if (mod)
		*mod = t->ksyms[lo - 1].mod;
	return t->ksyms[lo - 1].name;
}
