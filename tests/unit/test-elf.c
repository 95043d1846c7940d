// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF layer: reading an object and writing it back unchanged keeps
 * every section's bytes, every symbol and every relocation, as libelf and
 * the model both see them; archives round-trip their members.
 */
#include "../../lib/elf/archive.h"
#include "../../lib/elf/elf.h"
#include "harness.h"

static const char *obj_path;

static int load(const char *path, struct elf_obj **o, u8 **data, size_t *size)
{
	if (file__read_all(path, data, size))
		return -1;
	return elf_obj__read(path, *data, *size, o);
}

TEST(roundtrip_object)
{
	struct elf_obj *a, *b;
	struct buf out = {};
	u8 *data;
	size_t size, i, j;

	ASSERT_EQ(load(obj_path, &a, &data, &size), 0);
	ASSERT_EQ(elf_obj__write(a, &out), 0);
	ASSERT_EQ(elf_obj__read("roundtrip", out.p, out.len, &b), 0);
	ASSERT_EQ(a->secs.n, b->secs.n);
	ASSERT_EQ(a->syms.n, b->syms.n);
	for (i = 1; i < a->secs.n; i++) {
		struct elf_sec *x = a->secs.v[i], *y = b->secs.v[i];

		EXPECT_STREQ(x->name, y->name);
		EXPECT_EQ(x->sh.sh_type, y->sh.sh_type);
		EXPECT_EQ(x->sh.sh_flags, y->sh.sh_flags);
		/* string tables are rebuilt, without suffix sharing */
		if (x->sh.sh_type != SHT_STRTAB)
			EXPECT_EQ(x->size, y->size);
		if (x->data && x->sh.sh_type != SHT_SYMTAB &&
		    x->sh.sh_type != SHT_STRTAB)
			EXPECT_TRUE(!memcmp(x->data, y->data, x->size));
		EXPECT_EQ(x->relocs.n, y->relocs.n);
		for (j = 0; j < x->relocs.n && j < y->relocs.n; j++) {
			EXPECT_EQ(x->relocs.v[j].offset, y->relocs.v[j].offset);
			EXPECT_EQ(x->relocs.v[j].type, y->relocs.v[j].type);
			EXPECT_EQ(x->relocs.v[j].addend, y->relocs.v[j].addend);
			EXPECT_STREQ(x->relocs.v[j].sym ? x->relocs.v[j].sym->name : "",
				     y->relocs.v[j].sym ? y->relocs.v[j].sym->name : "");
		}
	}
	for (i = 1; i < a->syms.n; i++) {
		EXPECT_STREQ(a->syms.v[i]->name, b->syms.v[i]->name);
		EXPECT_EQ(a->syms.v[i]->value, b->syms.v[i]->value);
		EXPECT_EQ(a->syms.v[i]->bind, b->syms.v[i]->bind);
	}
	elf_obj__free(a);
	elf_obj__free(b);
	buf__free(&out);
	free(data);
}

TEST(new_section_and_symbol)
{
	struct elf_obj *a, *b;
	struct elf_sec *s;
	struct elf_sym *sym;
	struct buf out = {};
	u8 *data;
	size_t size;

	ASSERT_EQ(load(obj_path, &a, &data, &size), 0);
	s = elf_obj__new_sec(a, ".text.test", SHT_PROGBITS,
			     SHF_ALLOC | SHF_EXECINSTR, 16);
	ASSERT_TRUE(s);
	s->data = malloc(4);
	memcpy(s->data, "\xe9\0\0\0", 4);
	s->size = 4;
	sym = elf_obj__new_sym(a, "local_new", STB_LOCAL, STT_FUNC, s, 0, 4);
	ASSERT_TRUE(sym);
	ASSERT_EQ(elf_sec__add_reloc(a, s, 1, R_X86_64_PC32,
				     elf_obj__undef_sym(a, "ext", STT_NOTYPE), -4), 0);
	ASSERT_EQ(elf_obj__write(a, &out), 0);
	ASSERT_EQ(elf_obj__read("new", out.p, out.len, &b), 0);
	ASSERT_TRUE(elf_obj__find_sec(b, ".text.test"));
	ASSERT_TRUE(elf_obj__find_sec(b, ".text.test")->rela);
	EXPECT_STREQ(elf_obj__find_sec(b, ".text.test")->rela->relocs.v[0].sym->name,
		     "ext");
	elf_obj__free(a);
	elf_obj__free(b);
	buf__free(&out);
	free(data);
}

TEST(archive_roundtrip)
{
	static const char *syms[] = { "alpha", "beta" };
	struct ar_out_member m[2] = {
		{ "short.o", (const u8 *)"abc", 3, syms, 2 },
		{ "a-rather-long-member-name.o", (const u8 *)"defg", 4, syms, 1 },
	};
	struct ar_archive ar;
	struct buf out = {};

	ASSERT_EQ(ar__write(m, 2, &out), 0);
	ASSERT_TRUE(ar__is_archive(out.p, out.len));
	ASSERT_EQ(ar__parse("test.a", out.p, out.len, &ar), 0);
	ASSERT_EQ(ar.members.n, 2);
	EXPECT_STREQ(ar.members.v[0].name, "short.o");
	EXPECT_STREQ(ar.members.v[1].name, "a-rather-long-member-name.o");
	EXPECT_EQ(ar.members.v[1].size, 4);
	EXPECT_TRUE(!memcmp(ar.members.v[1].data, "defg", 4));
	ar__free(&ar);
	buf__free(&out);
}

int main(int argc, char **argv);
#define main unit_main
TEST_MAIN("unit-elf")
#undef main

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-elf OBJECT\n");
		return 2;
	}
	obj_path = argv[1];
	return unit_main();
}
