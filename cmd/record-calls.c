// SPDX-License-Identifier: GPL-2.0
/*
 * kstride record -m --calls: the kernel's text symbols into the trace
 * (KS_CHUNK_KSYMS), so that readers can name who called a callback (its
 * ENTRY's return address) when the running kernel is gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krec.h"

int kr_ksyms(struct krec *k)
{
	const char *path = getenv("KSTRIDE_KALLSYMS"); /* tests: a saved copy */
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	char line[512], *txt = NULL;
	size_t len = 0, n = 0;
	FILE *out;
	int err;

	if (!f)
		return -errno;
	out = open_memstream(&txt, &len);
	if (!out) {
		err = -errno;
		fclose(f);
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char t, name[256], mod[80] = "";

		if (sscanf(line, "%llx %c %255s %79s", &a, &t, name, mod) < 3 ||
		    !a || (t != 't' && t != 'T'))
			continue;
		fprintf(out, "%llx %s%s%s\n", a, name, *mod ? " " : "", mod);
		n++;
	}
	fclose(f);
	if (fclose(out)) {
		free(txt);
		return -ENOMEM;
	}
	if (!n) {
		free(txt);
		return -EPERM; /* addresses hidden (kptr_restrict) */
	}
	err = kr_chunk(k, KS_CHUNK_KSYMS, txt, len + 1, NULL, 0);
	free(txt);
	return err;
}
