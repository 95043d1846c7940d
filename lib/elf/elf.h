/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An editable in-memory model of an x86-64 ELF relocatable object.
 *
 * elf_obj__read() turns a file image into sections, symbols and relocations
 * that point at each other (never at raw indices), so that the rewriter can
 * add sections and symbols freely.  elf_obj__write() lays the model out again
 * through libelf: original sections keep their indices, new ones follow, and
 * the symbol table is rebuilt with locals first.
 */
#ifndef KS_ELF_H
#define KS_ELF_H

#include <gelf.h>

#include "../util/util.h"

struct elf_sec;

struct elf_sym {
	char *name;
	u8 bind, type, other;
	struct elf_sec *sec; /* NULL: see shndx */
	u16 shndx; /* SHN_UNDEF, SHN_ABS, SHN_COMMON when sec == NULL */
	u64 value, size;
	u32 idx; /* index in the output symbol table */
	u32 orig_idx; /* index in the input, 0 for new symbols */
};

struct elf_reloc {
	u64 offset;
	u32 type;
	struct elf_sym *sym;
	s64 addend;
};

struct elf_sec {
	char *name;
	u32 idx;
	GElf_Shdr sh; /* sh_link/sh_info are rebuilt from the pointers below */
	u8 *data; /* owned; NULL for SHT_NOBITS */
	size_t size;
	struct elf_sec *link; /* sh_link as a section, if any */
	struct elf_sec *info_sec; /* sh_info as a section (SHF_INFO_LINK) */
	struct elf_sym *info_sym; /* sh_info of SHT_GROUP: the signature */
	struct elf_sec *rela; /* the SHT_RELA section that applies to us */
	struct elf_sec *base; /* for SHT_RELA: the section it applies to */
	struct elf_sec *group; /* the SHT_GROUP we belong to */
	VEC(struct elf_reloc) relocs; /* for SHT_RELA */
	VEC(struct elf_sec *) members; /* for SHT_GROUP */
	u32 group_flags;
	struct elf_sym *secsym; /* its STT_SECTION symbol, if any */
	bool is_new;
};

struct elf_obj {
	char *name; /* for messages: "libz.a(deflate.o)" */
	GElf_Ehdr ehdr;
	VEC(struct elf_sec *) secs; /* index == section index, [0] is NULL */
	VEC(struct elf_sym *) syms; /* input order, then new ones */
	struct elf_sec *symtab, *strtab, *shstrtab;
	/* elf_obj__undef_sym()'s last answers: few names, asked per site */
	struct elf_sym *undef_cache[16];
	unsigned int undef_next;
};

/**
 * elf_obj__read() - parse an ELF relocatable object image.
 * @name: name used in diagnostics
 * @data: file image (not retained)
 * @size: its size
 * @objp: on success, the new object
 *
 * Checks everything the rewriter relies on: ELF64, little-endian, x86-64,
 * ET_REL, in-bounds section and symbol data, valid cross references.
 * Return: 0 or -errno; the reason is logged with @name.
 */
int elf_obj__read(const char *name, const u8 *data, size_t size,
		  struct elf_obj **objp);

/**
 * elf_obj__write() - lay out and serialise the object.
 * @obj: the model
 * @out: receives the file image (caller frees out->p)
 */
int elf_obj__write(struct elf_obj *obj, struct buf *out);

void elf_obj__free(struct elf_obj *obj);

/* Model editing helpers. */
struct elf_sec *elf_obj__find_sec(struct elf_obj *obj, const char *name);
struct elf_sec *elf_obj__new_sec(struct elf_obj *obj, const char *name,
				 u32 type, u64 flags, u64 align);
/* The RELA section for @sec, created on first use. */
struct elf_sec *elf_obj__rela_for(struct elf_obj *obj, struct elf_sec *sec);
struct elf_sym *elf_obj__new_sym(struct elf_obj *obj, const char *name,
				 u8 bind, u8 type, struct elf_sec *sec,
				 u64 value, u64 size);
/* The STT_SECTION symbol of @sec, created on first use. */
struct elf_sym *elf_obj__secsym(struct elf_obj *obj, struct elf_sec *sec);
/* An undefined global, shared by every reference. */
struct elf_sym *elf_obj__undef_sym(struct elf_obj *obj, const char *name,
				   u8 type);
int elf_sec__add_reloc(struct elf_obj *obj, struct elf_sec *sec, u64 offset,
		       u32 type, struct elf_sym *sym, s64 addend);

/* First relocation at or after @offset in a RELA section sorted by offset. */
struct elf_reloc *elf_rela__find(struct elf_sec *rela, u64 offset);
void elf_rela__sort(struct elf_sec *rela);

static inline bool elf_sec__is_exec(const struct elf_sec *sec)
{
	return sec && (sec->sh.sh_flags & SHF_EXECINSTR) &&
	       sec->sh.sh_type == SHT_PROGBITS;
}

const char *elf_reloc__type_name(u32 type);

#endif /* KS_ELF_H */
