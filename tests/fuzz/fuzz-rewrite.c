// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the ELF reader and the rewriter: any input must be
 * rejected cleanly or rewritten into an object that reads back.
 */
#include "../../lib/elf/elf.h"
#include "../../lib/rewrite/rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rw_opts opts = { .sz = sizeof(opts), .allow_unknown = true };
	struct rw_stats st = {};
	struct buf out = {};
	struct elf_obj *o;

	ks_verbose = -1;
	if (!rewrite__object("fuzz", data, size, &opts, &out, &st, NULL, NULL)) {
		if (elf_obj__read("fuzz-out", out.p, out.len, &o))
			__builtin_trap(); /* we wrote something unreadable */
		elf_obj__free(o);
	}
	buf__free(&out);
	return 0;
}
