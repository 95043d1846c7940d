// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing the ELF model (see elf.h).  libelf does the parsing and
 * the final layout; everything in between works on pointers.
 */
#include "elf.h"

#include <sys/mman.h>
#include <unistd.h>

static int elf_lib_init(void)
{
	static int done;

	if (!done) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return -ENOTSUP;
		done = 1;
	}
	return 0;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static void sec__free(struct elf_sec *sec)
{
	if (!sec)
		return;
	free(sec->name);
	free(sec->data);
	vec_free(&sec->relocs);
	vec_free(&sec->members);
	free(sec);
}

void elf_obj__free(struct elf_obj *obj)
{
	size_t i;

	if (!obj)
		return;
	for (i = 0; i < obj->secs.n; i++)
		sec__free(obj->secs.v[i]);
	for (i = 0; i < obj->syms.n; i++) {
		if (obj->syms.v[i]) {
			free(obj->syms.v[i]->name);
			free(obj->syms.v[i]);
		}
	}
	vec_free(&obj->secs);
	vec_free(&obj->syms);
	free(obj->name);
	free(obj);
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct elf_reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void elf_rela__sort(struct elf_sec *rela)
{
	/* qsort is not stable; input order within one offset does not matter */
	if (rela->relocs.n)
		qsort(rela->relocs.v, rela->relocs.n, sizeof(struct elf_reloc),
	      reloc_cmp);
}

struct elf_reloc *elf_rela__find(struct elf_sec *rela, u64 offset)
{
	size_t lo = 0, hi;

	if (!rela)
		return NULL;
	hi = rela->relocs.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rela->relocs.v[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rela->relocs.n ? &rela->relocs.v[lo] : NULL;
}

static int read_sections(struct elf_obj *obj, Elf *e, size_t fsize)
{
	size_t shnum, shstrndx, i;

	if (elf_getshdrnum(e, &shnum) || elf_getshdrstrndx(e, &shstrndx)) {
		ks_err("%s: bad section header table: %s", obj->name,
		       elf_errmsg(-1));
		return -EINVAL;
	}
	if (shnum >= SHN_LORESERVE) {
		ks_err("%s: %zu sections: extended section numbering is not supported",
		       obj->name, shnum);
		return -ENOTSUP;
	}
	if (shstrndx >= shnum) {
		ks_err("%s: section name table index %zu out of range",
		       obj->name, shstrndx);
		return -EINVAL;
	}
	if (vec_reserve(&obj->secs, shnum))
		return -ENOMEM;
	obj->secs.n = shnum;
	memset(obj->secs.v, 0, shnum * sizeof(obj->secs.v[0]));

	for (i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		struct elf_sec *sec;
		const char *name;
		Elf_Data *d;

		sec = calloc(1, sizeof(*sec));
		if (!sec)
			return -ENOMEM;
		obj->secs.v[i] = sec;
		sec->idx = i;
		if (!scn || !gelf_getshdr(scn, &sec->sh)) {
			ks_err("%s: section %zu: bad header: %s", obj->name, i,
			       elf_errmsg(-1));
			return -EINVAL;
		}
		name = elf_strptr(e, shstrndx, sec->sh.sh_name);
		if (!name) {
			ks_err("%s: section %zu: bad name offset %u", obj->name,
			       i, sec->sh.sh_name);
			return -EINVAL;
		}
		sec->name = xstrdup(name);
		if (!sec->name)
			return -ENOMEM;
		if (sec->sh.sh_addralign & (sec->sh.sh_addralign - 1) ||
		    sec->sh.sh_addralign > (1u << 20)) {
			ks_err("%s: section %s: alignment %lu is not a power of two up to 1 MiB",
			       obj->name, sec->name,
			       (unsigned long)sec->sh.sh_addralign);
			return -EINVAL;
		}
		if (sec->sh.sh_type == SHT_NOBITS) {
			sec->size = sec->sh.sh_size;
			continue;
		}
		if (sec->sh.sh_type == SHT_NULL)
			continue;
		if (sec->sh.sh_offset > fsize ||
		    sec->sh.sh_size > fsize - sec->sh.sh_offset) {
			ks_err("%s: section %s: data [0x%lx, +0x%lx) lies outside the %zu-byte file (truncated?)",
			       obj->name, sec->name,
			       (unsigned long)sec->sh.sh_offset,
			       (unsigned long)sec->sh.sh_size, fsize);
			return -EINVAL;
		}
		d = elf_rawdata(scn, NULL);
		if (!d && sec->sh.sh_size) {
			ks_err("%s: section %s: cannot read data: %s",
			       obj->name, sec->name, elf_errmsg(-1));
			return -EINVAL;
		}
		sec->size = d ? d->d_size : 0;
		sec->data = malloc(sec->size ? sec->size : 1);
		if (!sec->data)
			return -ENOMEM;
		if (sec->size)
			memcpy(sec->data, d->d_buf, sec->size);
	}
	return 0;
}

static struct elf_sec *sec_by_idx(struct elf_obj *obj, u64 idx)
{
	if (idx == 0 || idx >= obj->secs.n)
		return NULL;
	return obj->secs.v[idx];
}

static int read_symbols(struct elf_obj *obj)
{
	struct elf_sec *symtab = NULL, *strtab;
	size_t i, n;

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *sec = obj->secs.v[i];

		if (sec->sh.sh_type == SHT_SYMTAB_SHNDX) {
			ks_err("%s: SHT_SYMTAB_SHNDX is not supported",
			       obj->name);
			return -ENOTSUP;
		}
		if (sec->sh.sh_type == SHT_REL) {
			ks_err("%s: section %s: SHT_REL relocations are not used on x86-64",
			       obj->name, sec->name);
			return -EINVAL;
		}
		if (sec->sh.sh_type != SHT_SYMTAB)
			continue;
		if (symtab) {
			ks_err("%s: more than one symbol table", obj->name);
			return -EINVAL;
		}
		symtab = sec;
	}
	if (!symtab) {
		/* nothing can refer to anything: fine if nothing relocates */
		for (i = 1; i < obj->secs.n; i++) {
			if (obj->secs.v[i]->sh.sh_type == SHT_RELA) {
				ks_err("%s: relocations but no symbol table",
				       obj->name);
				return -EINVAL;
			}
		}
		return 0;
	}
	strtab = sec_by_idx(obj, symtab->sh.sh_link);
	if (!strtab || strtab->sh.sh_type != SHT_STRTAB) {
		ks_err("%s: symbol table has no string table", obj->name);
		return -EINVAL;
	}
	obj->symtab = symtab;
	obj->strtab = strtab;
	if (symtab->size % sizeof(Elf64_Sym)) {
		ks_err("%s: symbol table size %zu is not a multiple of %zu",
		       obj->name, symtab->size, sizeof(Elf64_Sym));
		return -EINVAL;
	}
	n = symtab->size / sizeof(Elf64_Sym);
	if (!n) {
		ks_err("%s: empty symbol table", obj->name);
		return -EINVAL;
	}
	if (vec_reserve(&obj->syms, n))
		return -ENOMEM;
	obj->syms.n = n;
	memset(obj->syms.v, 0, n * sizeof(obj->syms.v[0]));
	for (i = 1; i < n; i++) {
		const Elf64_Sym *es = (const Elf64_Sym *)symtab->data + i;
		struct elf_sym *sym = calloc(1, sizeof(*sym));
		const char *name;

		obj->syms.v[i] = sym;
		if (!sym)
			return -ENOMEM;
		if (es->st_name >= strtab->size ||
		    !memchr(strtab->data + es->st_name, 0,
			    strtab->size - es->st_name)) {
			ks_err("%s: symbol %zu: name offset %u out of range",
			       obj->name, i, es->st_name);
			return -EINVAL;
		}
		name = (const char *)strtab->data + es->st_name;
		sym->name = xstrdup(name);
		if (!sym->name)
			return -ENOMEM;
		sym->bind = GELF_ST_BIND(es->st_info);
		sym->type = GELF_ST_TYPE(es->st_info);
		sym->other = es->st_other;
		sym->value = es->st_value;
		sym->size = es->st_size;
		sym->orig_idx = i;
		if (es->st_shndx == SHN_UNDEF || es->st_shndx == SHN_ABS ||
		    es->st_shndx == SHN_COMMON) {
			sym->shndx = es->st_shndx;
		} else if (es->st_shndx >= SHN_LORESERVE) {
			ks_err("%s: symbol %s: unsupported section index 0x%x",
			       obj->name, name, es->st_shndx);
			return -ENOTSUP;
		} else {
			sym->sec = sec_by_idx(obj, es->st_shndx);
			if (!sym->sec) {
				ks_err("%s: symbol %s: section index %u out of range",
				       obj->name, name, es->st_shndx);
				return -EINVAL;
			}
			if (sym->type == STT_SECTION && !sym->sec->secsym)
				sym->sec->secsym = sym;
		}
	}
	return 0;
}

static int read_relocs(struct elf_obj *obj)
{
	size_t i, j;

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *sec = obj->secs.v[i], *base;
		size_t n;

		if (sec->sh.sh_type != SHT_RELA)
			continue;
		if (sec_by_idx(obj, sec->sh.sh_link) != obj->symtab) {
			ks_err("%s: section %s: sh_link does not name the symbol table",
			       obj->name, sec->name);
			return -EINVAL;
		}
		base = sec_by_idx(obj, sec->sh.sh_info);
		if (!base || base == sec) {
			ks_err("%s: section %s: bad target section %u",
			       obj->name, sec->name, sec->sh.sh_info);
			return -EINVAL;
		}
		if (base->rela) {
			ks_err("%s: section %s has two relocation sections",
			       obj->name, base->name);
			return -EINVAL;
		}
		if (sec->size % sizeof(Elf64_Rela)) {
			ks_err("%s: section %s: size %zu is not a multiple of %zu",
			       obj->name, sec->name, sec->size,
			       sizeof(Elf64_Rela));
			return -EINVAL;
		}
		sec->base = base;
		base->rela = sec;
		n = sec->size / sizeof(Elf64_Rela);
		if (n && vec_reserve(&sec->relocs, n)) /* ld -r leaves empty ones */
			return -ENOMEM;
		for (j = 0; j < n; j++) {
			const Elf64_Rela *er = (const Elf64_Rela *)sec->data + j;
			struct elf_reloc *r = &sec->relocs.v[j];
			u64 symi = ELF64_R_SYM(er->r_info);

			r->offset = er->r_offset;
			r->type = ELF64_R_TYPE(er->r_info);
			r->addend = er->r_addend;
			if (symi >= obj->syms.n) {
				ks_err("%s: %s+0x%lx: relocation symbol %lu out of range",
				       obj->name, base->name,
				       (unsigned long)r->offset,
				       (unsigned long)symi);
				return -EINVAL;
			}
			r->sym = obj->syms.v[symi];
			if (base->sh.sh_type != SHT_NOBITS &&
			    (r->offset > base->size || base->size - r->offset < 1)) {
				ks_err("%s: %s+0x%lx: relocation outside the section (size 0x%zx)",
				       obj->name, base->name,
				       (unsigned long)r->offset, base->size);
				return -EINVAL;
			}
		}
		sec->relocs.n = n;
		elf_rela__sort(sec);
		free(sec->data);
		sec->data = NULL;
	}
	return 0;
}

static int read_links(struct elf_obj *obj)
{
	size_t i, j;

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *sec = obj->secs.v[i];
		u32 type = sec->sh.sh_type;

		if (sec->sh.sh_link) {
			sec->link = sec_by_idx(obj, sec->sh.sh_link);
			if (!sec->link) {
				ks_err("%s: section %s: sh_link %u out of range",
				       obj->name, sec->name, sec->sh.sh_link);
				return -EINVAL;
			}
		}
		if (type == SHT_GROUP) {
			const u32 *w = (const u32 *)sec->data;
			size_t n = sec->size / 4;

			if (sec->size < 4 || sec->size % 4 ||
			    sec->sh.sh_info >= obj->syms.n ||
			    sec->link != obj->symtab) {
				ks_err("%s: group section %s is malformed",
				       obj->name, sec->name);
				return -EINVAL;
			}
			sec->info_sym = obj->syms.v[sec->sh.sh_info];
			sec->group_flags = w[0];
			for (j = 1; j < n; j++) {
				struct elf_sec *m = sec_by_idx(obj, w[j]);
				struct elf_sec **slot;

				if (!m) {
					ks_err("%s: group %s: member %u out of range",
					       obj->name, sec->name, w[j]);
					return -EINVAL;
				}
				slot = vec_push(&sec->members);
				if (!slot)
					return -ENOMEM;
				*slot = m;
				m->group = sec;
			}
		} else if (type != SHT_RELA && type != SHT_SYMTAB &&
			   (sec->sh.sh_flags & SHF_INFO_LINK)) {
			sec->info_sec = sec_by_idx(obj, sec->sh.sh_info);
		}
	}
	return 0;
}

int elf_obj__read(const char *name, const u8 *data, size_t size,
		  struct elf_obj **objp)
{
	struct elf_obj *obj;
	char *copy;
	Elf *e = NULL;
	int err;

	err = elf_lib_init();
	if (err)
		return err;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->name = xstrdup(name);
	if (!obj->name) {
		free(obj);
		return -ENOMEM;
	}
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
		ks_err("%s: not an ELF file", name);
		err = -ENOEXEC;
		goto out;
	}
	if (data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB) {
		ks_err("%s: not a 64-bit little-endian ELF file", name);
		err = -ENOEXEC;
		goto out;
	}
	if (size < sizeof(Elf64_Ehdr)) {
		ks_err("%s: truncated ELF header (%zu bytes)", name, size);
		err = -ENOEXEC;
		goto out;
	}
	copy = malloc(size);
	if (!copy) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(copy, data, size);
	e = elf_memory(copy, size);
	if (!e || !gelf_getehdr(e, &obj->ehdr)) {
		ks_err("%s: cannot parse ELF: %s", name, elf_errmsg(-1));
		err = -ENOEXEC;
		goto out_copy;
	}
	if (obj->ehdr.e_machine != EM_X86_64) {
		ks_err("%s: machine %u is not x86-64", name,
		       obj->ehdr.e_machine);
		err = -ENOEXEC;
		goto out_copy;
	}
	if (obj->ehdr.e_type != ET_REL) {
		ks_err("%s: %s, not a relocatable object: kstride rewrites .o, .a and .ko files before they are linked or loaded",
		       name,
		       obj->ehdr.e_type == ET_EXEC ? "an executable (ET_EXEC)" :
		       obj->ehdr.e_type == ET_DYN  ? "a shared object or PIE (ET_DYN)" :
						     "not ET_REL");
		err = -ENOEXEC;
		goto out_copy;
	}
	if (obj->ehdr.e_shoff > size ||
	    (u64)obj->ehdr.e_shnum * sizeof(Elf64_Shdr) >
		    size - obj->ehdr.e_shoff) {
		ks_err("%s: section header table lies outside the %zu-byte file (truncated?)",
		       name, size);
		err = -ENOEXEC;
		goto out_copy;
	}
	err = read_sections(obj, e, size);
	if (!err)
		err = read_symbols(obj);
	if (!err)
		err = read_relocs(obj);
	if (!err)
		err = read_links(obj);
	if (!err) {
		size_t shstrndx;

		elf_getshdrstrndx(e, &shstrndx);
		obj->shstrtab = sec_by_idx(obj, shstrndx);
	}
out_copy:
	if (e)
		elf_end(e);
	free(copy);
out:
	if (err) {
		elf_obj__free(obj);
		return err;
	}
	*objp = obj;
	return 0;
}

/* ---- editing ---- */

struct elf_sec *elf_obj__find_sec(struct elf_obj *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->secs.n; i++)
		if (!strcmp(obj->secs.v[i]->name, name))
			return obj->secs.v[i];
	return NULL;
}

struct elf_sec *elf_obj__new_sec(struct elf_obj *obj, const char *name,
				 u32 type, u64 flags, u64 align)
{
	struct elf_sec *sec, **slot;

	sec = calloc(1, sizeof(*sec));
	if (!sec)
		return NULL;
	sec->name = xstrdup(name);
	slot = vec_push(&obj->secs);
	if (!sec->name || !slot) {
		free(sec->name);
		free(sec);
		return NULL;
	}
	*slot = sec;
	sec->idx = obj->secs.n - 1;
	sec->sh.sh_type = type;
	sec->sh.sh_flags = flags;
	sec->sh.sh_addralign = align;
	sec->is_new = true;
	return sec;
}

struct elf_sym *elf_obj__new_sym(struct elf_obj *obj, const char *name,
				 u8 bind, u8 type, struct elf_sec *sec,
				 u64 value, u64 size)
{
	struct elf_sym *sym, **slot;

	sym = calloc(1, sizeof(*sym));
	if (!sym)
		return NULL;
	sym->name = xstrdup(name);
	slot = vec_push(&obj->syms);
	if (!sym->name || !slot) {
		free(sym->name);
		free(sym);
		return NULL;
	}
	*slot = sym;
	sym->bind = bind;
	sym->type = type;
	sym->sec = sec;
	sym->value = value;
	sym->size = size;
	return sym;
}

struct elf_sym *elf_obj__secsym(struct elf_obj *obj, struct elf_sec *sec)
{
	if (!sec->secsym)
		sec->secsym = elf_obj__new_sym(obj, "", STB_LOCAL, STT_SECTION,
					       sec, 0, 0);
	return sec->secsym;
}

struct elf_sym *elf_obj__undef_sym(struct elf_obj *obj, const char *name,
				   u8 type)
{
	struct elf_sym *s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(obj->undef_cache); i++) {
		s = obj->undef_cache[i];
		if (s && !s->sec && s->shndx == SHN_UNDEF &&
		    !strcmp(s->name, name))
			return s;
	}
	s = NULL;
	for (i = 1; i < obj->syms.n && !s; i++) {
		struct elf_sym *c = obj->syms.v[i];

		if (!c->sec && c->shndx == SHN_UNDEF && c->bind != STB_LOCAL &&
		    !strcmp(c->name, name))
			s = c;
	}
	if (!s)
		s = elf_obj__new_sym(obj, name, STB_GLOBAL, type, NULL, 0, 0);
	if (s) {
		obj->undef_cache[obj->undef_next] = s;
		obj->undef_next = (obj->undef_next + 1) %
				  ARRAY_SIZE(obj->undef_cache);
	}
	return s;
}

struct elf_sec *elf_obj__rela_for(struct elf_obj *obj, struct elf_sec *sec)
{
	struct elf_sec *rela;
	char *name;

	if (sec->rela)
		return sec->rela;
	name = xasprintf(".rela%s", sec->name);
	if (!name)
		return NULL;
	rela = elf_obj__new_sec(obj, name, SHT_RELA, SHF_INFO_LINK, 8);
	free(name);
	if (!rela)
		return NULL;
	rela->sh.sh_entsize = sizeof(Elf64_Rela);
	rela->link = obj->symtab;
	rela->base = sec;
	sec->rela = rela;
	if (sec->group) {
		struct elf_sec **m = vec_push(&sec->group->members);

		if (!m)
			return NULL;
		*m = rela;
		rela->group = sec->group;
	}
	return rela;
}

int elf_sec__add_reloc(struct elf_obj *obj, struct elf_sec *sec, u64 offset,
		       u32 type, struct elf_sym *sym, s64 addend)
{
	struct elf_sec *rela = elf_obj__rela_for(obj, sec);
	struct elf_reloc *r;

	if (!rela)
		return -ENOMEM;
	r = vec_push(&rela->relocs);
	if (!r)
		return -ENOMEM;
	r->offset = offset;
	r->type = type;
	r->sym = sym;
	r->addend = addend;
	return 0;
}

/* ---- writing ---- */

static int strtab_add(struct buf *b, const char *s, u32 *off)
{
	*off = b->len;
	return buf__append(b, s, strlen(s) + 1);
}

static int build_symtab(struct elf_obj *obj, struct buf *symb,
			struct buf *strb, u32 *first_global)
{
	Elf64_Sym es;
	size_t i, pass;
	u32 idx = 1;
	int err;

	memset(&es, 0, sizeof(es));
	err = buf__append(symb, &es, sizeof(es));
	err = err ?: buf__append(strb, "", 1);
	if (err)
		return err;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			*first_global = idx;
		for (i = 1; i < obj->syms.n; i++) {
			struct elf_sym *s = obj->syms.v[i];
			u32 name = 0;

			if ((s->bind == STB_LOCAL) != (pass == 0))
				continue;
			s->idx = idx++;
			memset(&es, 0, sizeof(es));
			if (s->name[0]) {
				err = strtab_add(strb, s->name, &name);
				if (err)
					return err;
			}
			es.st_name = name;
			es.st_info = GELF_ST_INFO(s->bind, s->type);
			es.st_other = s->other;
			es.st_shndx = s->sec ? s->sec->idx : s->shndx;
			es.st_value = s->value;
			es.st_size = s->size;
			err = buf__append(symb, &es, sizeof(es));
			if (err)
				return err;
		}
	}
	return 0;
}

static int build_rela(struct elf_sec *sec, struct buf *b)
{
	size_t i;

	for (i = 0; i < sec->relocs.n; i++) {
		const struct elf_reloc *r = &sec->relocs.v[i];
		Elf64_Rela er = {
			.r_offset = r->offset,
			.r_info = ELF64_R_INFO(r->sym ? r->sym->idx : 0,
					       r->type),
			.r_addend = r->addend,
		};

		if (buf__append(b, &er, sizeof(er)))
			return -ENOMEM;
	}
	return 0;
}

static int build_group(struct elf_sec *sec, struct buf *b)
{
	size_t i;
	int err;

	err = buf__append(b, &sec->group_flags, 4);
	for (i = 0; !err && i < sec->members.n; i++)
		err = buf__append(b, &sec->members.v[i]->idx, 4);
	return err;
}

static int read_back(int fd, struct buf *out)
{
	off_t end = lseek(fd, 0, SEEK_END);
	size_t off = 0;

	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (buf__reserve(out, end))
		return -ENOMEM;
	while (off < (size_t)end) {
		ssize_t r = read(fd, out->p + out->len + off, end - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		off += r;
	}
	out->len += off;
	return 0;
}

int elf_obj__write(struct elf_obj *obj, struct buf *out)
{
	struct buf *bufs = NULL, symb = {}, strb = {}, shstrb = {};
	u32 first_global = 0, *names = NULL;
	size_t i, n = obj->secs.n;
	GElf_Ehdr eh;
	Elf *e = NULL;
	int fd, err;

	err = elf_lib_init();
	if (err)
		return err;
	if (obj->strtab == obj->shstrtab) {
		ks_err("%s: a string table shared by symbols and section names is not supported",
		       obj->name);
		return -ENOTSUP;
	}
	if (n >= SHN_LORESERVE) {
		ks_err("%s: output would need %zu sections: extended section numbering is not supported",
		       obj->name, n);
		return -ENOTSUP;
	}
	bufs = calloc(n, sizeof(*bufs));
	names = calloc(n, sizeof(*names));
	if (!bufs || !names) {
		err = -ENOMEM;
		goto out;
	}
	err = build_symtab(obj, &symb, &strb, &first_global);
	if (err)
		goto out;
	err = buf__append(&shstrb, "", 1);
	for (i = 1; !err && i < n; i++) {
		struct elf_sec *sec = obj->secs.v[i];

		sec->idx = i;
		err = strtab_add(&shstrb, sec->name, &names[i]);
	}
	for (i = 1; !err && i < n; i++) {
		struct elf_sec *sec = obj->secs.v[i];

		if (sec->sh.sh_type == SHT_RELA)
			err = build_rela(sec, &bufs[i]);
		else if (sec->sh.sh_type == SHT_GROUP)
			err = build_group(sec, &bufs[i]);
	}
	if (err)
		goto out;

	fd = memfd_create("kstride-elf", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64)) {
		ks_err("%s: libelf: %s", obj->name, elf_errmsg(-1));
		err = -EIO;
		goto out_fd;
	}
	gelf_getehdr(e, &eh);
	memcpy(eh.e_ident, obj->ehdr.e_ident, EI_NIDENT);
	eh.e_type = obj->ehdr.e_type;
	eh.e_machine = obj->ehdr.e_machine;
	eh.e_version = obj->ehdr.e_version;
	eh.e_flags = obj->ehdr.e_flags;
	eh.e_shstrndx = obj->shstrtab->idx;
	gelf_update_ehdr(e, &eh);

	for (i = 1; i < n; i++) {
		struct elf_sec *sec = obj->secs.v[i];
		Elf_Scn *scn = elf_newscn(e);
		GElf_Shdr sh = sec->sh;
		Elf_Data *d;

		if (!scn || !(d = elf_newdata(scn))) {
			ks_err("%s: libelf: %s", obj->name, elf_errmsg(-1));
			err = -EIO;
			goto out_elf;
		}
		sh.sh_name = names[i];
		sh.sh_offset = 0;
		sh.sh_addr = 0;
		sh.sh_link = sec->link ? sec->link->idx : 0;
		d->d_type = ELF_T_BYTE;
		d->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
		d->d_version = EV_CURRENT;
		if (sec == obj->symtab) {
			d->d_buf = symb.p;
			d->d_size = symb.len;
			sh.sh_info = first_global;
			sh.sh_entsize = sizeof(Elf64_Sym);
		} else if (sec == obj->strtab) {
			d->d_buf = strb.p;
			d->d_size = strb.len;
		} else if (sec == obj->shstrtab) {
			d->d_buf = shstrb.p;
			d->d_size = shstrb.len;
		} else if (sh.sh_type == SHT_RELA) {
			d->d_buf = bufs[i].p;
			d->d_size = bufs[i].len;
			sh.sh_info = sec->base->idx;
			sh.sh_entsize = sizeof(Elf64_Rela);
			d->d_align = 8;
		} else if (sh.sh_type == SHT_GROUP) {
			d->d_buf = bufs[i].p;
			d->d_size = bufs[i].len;
			sh.sh_info = sec->info_sym->idx;
		} else if (sh.sh_type == SHT_NOBITS) {
			d->d_buf = NULL;
			d->d_size = sec->size;
		} else {
			d->d_buf = sec->data;
			d->d_size = sec->size;
			if (sec->info_sec)
				sh.sh_info = sec->info_sec->idx;
		}
		sh.sh_size = d->d_size;
		if (!gelf_update_shdr(scn, &sh)) {
			ks_err("%s: libelf: %s", obj->name, elf_errmsg(-1));
			err = -EIO;
			goto out_elf;
		}
	}
	if (elf_update(e, ELF_C_WRITE) < 0) {
		ks_err("%s: libelf: cannot lay out the output: %s", obj->name,
		       elf_errmsg(-1));
		err = -EIO;
		goto out_elf;
	}
	err = read_back(fd, out);
out_elf:
	elf_end(e);
out_fd:
	close(fd);
out:
	for (i = 0; bufs && i < n; i++)
		buf__free(&bufs[i]);
	free(bufs);
	free(names);
	buf__free(&symb);
	buf__free(&strb);
	buf__free(&shstrb);
	return err;
}

const char *elf_reloc__type_name(u32 type)
{
	static const char *const names[] = {
		[R_X86_64_NONE] = "R_X86_64_NONE",
		[R_X86_64_64] = "R_X86_64_64",
		[R_X86_64_PC32] = "R_X86_64_PC32",
		[R_X86_64_GOT32] = "R_X86_64_GOT32",
		[R_X86_64_PLT32] = "R_X86_64_PLT32",
		[R_X86_64_GOTPCREL] = "R_X86_64_GOTPCREL",
		[R_X86_64_32] = "R_X86_64_32",
		[R_X86_64_32S] = "R_X86_64_32S",
		[R_X86_64_16] = "R_X86_64_16",
		[R_X86_64_PC16] = "R_X86_64_PC16",
		[R_X86_64_8] = "R_X86_64_8",
		[R_X86_64_PC8] = "R_X86_64_PC8",
		[R_X86_64_TLSGD] = "R_X86_64_TLSGD",
		[R_X86_64_TLSLD] = "R_X86_64_TLSLD",
		[R_X86_64_DTPOFF32] = "R_X86_64_DTPOFF32",
		[R_X86_64_GOTTPOFF] = "R_X86_64_GOTTPOFF",
		[R_X86_64_TPOFF32] = "R_X86_64_TPOFF32",
		[R_X86_64_PC64] = "R_X86_64_PC64",
		[R_X86_64_GOTPC32] = "R_X86_64_GOTPC32",
		[R_X86_64_GOTPCRELX] = "R_X86_64_GOTPCRELX",
		[R_X86_64_REX_GOTPCRELX] = "R_X86_64_REX_GOTPCRELX",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "R_X86_64_?";
}
