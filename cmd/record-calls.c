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

#include "kallsyms.h"
#include "krec.h"

static int ksym_line(void *arg, unsigned long long addr, const char *name,
		     const char *mod)
{
	fprintf(arg, "%llx %s%s%s\n", addr, name, *mod ? " " : "", mod);
	return 0;
}

int kr_ksyms(struct krec *k)
{
	char *txt = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	out = open_memstream(&txt, &len);
	if (!out)
		return -errno;
	err = kallsyms__each_text(ksym_line, out);
	if (fclose(out) && !err)
		err = -ENOMEM;
	if (!err)
		err = kr_chunk(k, KS_CHUNK_KSYMS, txt, len + 1, NULL, 0);
	free(txt);
	return err;
}
