// SPDX-License-Identifier: GPL-2.0
/*
 * The one reader of /proc/kallsyms: `record --calls` writes the kernel's
 * text symbols into the trace, and the safety net's port I/O search
 * (kpio.c) walks the functions they name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kallsyms.h"

int kallsyms__each_text(int (*fn)(void *arg, unsigned long long addr,
				  const char *name, const char *mod),
			void *arg)
{
	const char *path = getenv("KSTRIDE_KALLSYMS");
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	char line[512];
	size_t n = 0;
	int err = 0;

	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char t, name[256], mod[80] = "";

		/* "ADDR T NAME [MODULE]"; zero addresses: kptr_restrict */
		if (sscanf(line, "%llx %c %255s %79s", &a, &t, name, mod) < 3 ||
		    !a || (t != 't' && t != 'T'))
			continue;
		n++;
		err = fn(arg, a, name, mod);
	}
	fclose(f);
	if (!err && !n)
		return -EPERM;
	return err;
}
