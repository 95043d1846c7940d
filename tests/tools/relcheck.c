// SPDX-License-Identifier: GPL-2.0
/*
 * relcheck OBJECT: every relocated field must hold zero before the
 * relocation is applied, as the kernel's module loader insists (6.1:
 * "Skipping invalid relocation target, existing value is nonzero") and as
 * gas always leaves RELA fields.  Prints offending relocations; exit 1.
 */
#include "../../lib/elf/elf.h"

static int width(u32 type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct elf_obj *o;
	size_t size, i, j, bad = 0, n = 0;
	u8 *data;

	if (argc != 2 || file__read_all(argv[1], &data, &size) ||
	    elf_obj__read(argv[1], data, size, &o)) {
		fprintf(stderr, "usage: relcheck OBJECT\n");
		return 2;
	}
	for (i = 1; i < o->secs.n; i++) {
		struct elf_sec *rela = o->secs.v[i], *sec = rela->base;

		if (rela->sh.sh_type != SHT_RELA || !sec || !sec->data)
			continue;
		for (j = 0; j < rela->relocs.n; j++) {
			const struct elf_reloc *r = &rela->relocs.v[j];
			int w = width(r->type);
			u64 v = 0;

			if (!w || r->offset + w > sec->size)
				continue;
			n++;
			memcpy(&v, sec->data + r->offset, w);
			if (v && bad++ < 20)
				printf("%s+0x%lx: %s %s%+ld over nonzero 0x%lx\n",
				       sec->name, (unsigned long)r->offset,
				       elf_reloc__type_name(r->type),
				       r->sym && r->sym->name[0] ? r->sym->name :
				       r->sym && r->sym->sec ? r->sym->sec->name : "?",
				       (long)r->addend, (unsigned long)v);
		}
	}
	/* two relocations on one field: the second sees the first's value */
	for (i = 1; i < o->secs.n; i++) {
		struct elf_sec *rela = o->secs.v[i];

		if (rela->sh.sh_type != SHT_RELA)
			continue;
		elf_rela__sort(rela);
		for (j = 1; j < rela->relocs.n; j++) {
			const struct elf_reloc *a = &rela->relocs.v[j - 1];
			const struct elf_reloc *b = &rela->relocs.v[j];

			if (a->type && b->type && a->offset == b->offset &&
			    bad++ < 20)
				printf("%s+0x%lx: two relocations (%s, %s)\n",
				       rela->base->name, (unsigned long)b->offset,
				       elf_reloc__type_name(a->type),
				       elf_reloc__type_name(b->type));
		}
	}
	printf("relcheck: %s: %zu relocations, %zu bad\n", argv[1], n, bad);
	return bad ? 1 : 0;
}
