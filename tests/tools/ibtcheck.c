// SPDX-License-Identifier: GPL-2.0
/*
 * ibtcheck MODULE.ko: the rule of x86 IBT (CONFIG_X86_KERNEL_IBT), checked
 * statically, for kernels and CPUs that would enforce it: an indirect call
 * or jump must land on an endbr64, or the CPU raises #CP and the kernel
 * oopses.  QEMU's TCG does not implement IBT, so the VM cannot show it.
 *
 * Every place an indirect branch may reach through the object's own
 * pointers must start with f3 0f 1e fa:
 *   - function starts that data names (ops tables, __this_module's init
 *     and exit, module parameters...), and
 *   - function starts whose address code takes (lea/mov, not call/jmp);
 *   - every .ibt_endbr_seal entry (the loader overwrites an endbr there
 *     and WARNs if there is none).
 * Metadata whose fields are code sites, not branch targets (ORC, the
 * exception and jump label tables, alternatives, retpoline and return
 * sites, kstride's own descriptors) is not pointers.
 * Prints the offenders; exit 1 if there are any, 2 on a bad input.
 * --selftest: then overwrites the first good target's endbr64 with NOPs
 * in memory and checks again: the check must see one more.
 * --break FUNC OUT.ko: writes a copy of MODULE.ko whose function FUNC
 * (a copy, in an instrumented module) starts with four NOPs instead of
 * its endbr64: the run-time check (ibtwatch.c) must catch an indirect
 * call to it.  Prints "ibtcheck: broke FUNC at SECTION+0xOFF".
 */
#include "../../lib/elf/elf.h"

static const char *const sites[] = {
	"__ex_table", "__jump_table", ".altinstructions", ".parainstructions",
	"__bug_table", ".smp_locks", ".retpoline_sites", ".return_sites",
	".call_sites", ".static_call_sites", "__mcount_loc", ".orc_unwind_ip",
	".eh_frame", "__patchable_function_entries", ".altinstr_replacement",
	"kstride_msites", "kstride_calls", "kstride_regions", "kstride_funcs",
	"kstride_strs",
};

static bool is_site_table(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if (!strcmp(name, sites[i]))
			return true;
	return false;
}

static bool is_exec(const struct elf_sec *s)
{
	return s && (s->sh.sh_flags & SHF_EXECINSTR);
}

/* A function symbol starts at @off of @sec. */
static bool func_starts(const struct elf_obj *o, const struct elf_sec *sec,
			u64 off)
{
	size_t i;

	for (i = 1; i < o->syms.n; i++) {
		const struct elf_sym *s = o->syms.v[i];

		if (s->sec == sec && s->value == off &&
		    (s->type == STT_FUNC || s->type == STT_GNU_IFUNC) &&
		    strncmp(s->name, "__pfx_", 6))
			return true;
	}
	return false;
}

static bool is_endbr(const struct elf_sec *sec, u64 off)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	return sec->data && off + 4 <= sec->size &&
	       !memcmp(sec->data + off, endbr64, 4);
}

/* The relocated field at @off of code section @sec is a direct branch's. */
static bool is_branch_field(const struct elf_sec *sec, u64 off)
{
	const u8 *p = sec->data;

	if (!p || off < 1)
		return false;
	if (p[off - 1] == 0xe8 || p[off - 1] == 0xe9)
		return true; /* call, jmp rel32 */
	return off >= 2 && p[off - 2] == 0x0f && (p[off - 1] & 0xf0) == 0x80;
}

struct ibt_count {
	size_t bad, ndata, ncode, nseal;
	struct elf_sec *good_sec; /* the first target that has its endbr */
	u64 good_off;
};

static void check(const struct elf_obj *o, struct ibt_count *c, bool quiet)
{
	size_t i, j;

	memset(c, 0, sizeof(*c));
	for (i = 1; i < o->secs.n; i++) {
		struct elf_sec *rela = o->secs.v[i], *sec = rela->base;
		bool seal;

		if (rela->sh.sh_type != SHT_RELA || !sec ||
		    !(sec->sh.sh_flags & SHF_ALLOC) || is_site_table(sec->name))
			continue;
		seal = !strcmp(sec->name, ".ibt_endbr_seal");
		for (j = 0; j < rela->relocs.n; j++) {
			const struct elf_reloc *r = &rela->relocs.v[j];
			struct elf_sec *ts = r->sym ? r->sym->sec : NULL;
			u64 t;

			if (!is_exec(ts) || r->type == R_X86_64_NONE)
				continue;
			/* PC-relative fields name S + A + 4 from code */
			t = r->sym->value + r->addend;
			if (is_exec(sec)) {
				if (r->type != R_X86_64_PC32 &&
				    r->type != R_X86_64_PLT32 &&
				    r->type != R_X86_64_32S)
					continue;
				if (r->type != R_X86_64_32S)
					t += 4;
				if (is_branch_field(sec, r->offset) ||
				    !func_starts(o, ts, t))
					continue;
				c->ncode++;
			} else if (seal) {
				c->nseal++;
			} else {
				if (!func_starts(o, ts, t))
					continue;
				c->ndata++;
			}
			if (is_endbr(ts, t)) {
				if (!c->good_sec) {
					c->good_sec = ts;
					c->good_off = t;
				}
				continue;
			}
			if (c->bad++ < 20 && !quiet)
				printf("%s+0x%lx -> %s+0x%lx: no endbr64 there\n",
				       sec->name, (unsigned long)r->offset,
				       ts->name, (unsigned long)t);
		}
	}
}

static int break_func(const char *path, u8 *data, size_t size, const struct elf_obj *o,
		      const char *name, const char *out)
{
	size_t i;

	for (i = 1; i < o->syms.n; i++) {
		const struct elf_sym *s = o->syms.v[i];

		if (s->type != STT_FUNC || strcmp(s->name, name) || !s->sec)
			continue;
		if (!is_endbr(s->sec, s->value) || s->sec->sh.sh_type != SHT_PROGBITS ||
		    s->sec->sh.sh_offset + s->value + 4 > size) {
			fprintf(stderr, "ibtcheck: %s: %s does not start with endbr64\n", path, name);
			return 2;
		}
		memset(data + s->sec->sh.sh_offset + s->value, 0x90, 4);
		if (file__write_atomic(out, data, size, 0644)) {
			fprintf(stderr, "ibtcheck: %s: cannot write it\n", out);
			return 2;
		}
		printf("ibtcheck: broke %s at %s+0x%lx\n", name, s->sec->name,
		       (unsigned long)s->value);
		return 0;
	}
	fprintf(stderr, "ibtcheck: %s: no function %s\n", path, name);
	return 2;
}

int main(int argc, char **argv)
{
	bool selftest = argc == 3 && !strcmp(argv[1], "--selftest");
	const char *path = argv[argc - 1];
	struct ibt_count c, c2;
	struct elf_obj *o;
	size_t size;
	u8 *data;

	if (argc == 5 && !strcmp(argv[1], "--break")) {
		if (file__read_all(argv[3], &data, &size) ||
		    elf_obj__read(argv[3], data, size, &o)) {
			fprintf(stderr, "ibtcheck: %s: not a readable ELF object\n", argv[3]);
			return 2;
		}
		return break_func(argv[3], data, size, o, argv[2], argv[4]);
	}
	if ((argc != 2 && !selftest) || file__read_all(path, &data, &size) ||
	    elf_obj__read(path, data, size, &o)) {
		fprintf(stderr, "usage: ibtcheck [--selftest] MODULE.ko\n"
				"       ibtcheck --break FUNC MODULE.ko OUT.ko\n");
		return 2;
	}
	check(o, &c, false);
	printf("ibtcheck: %s: %zu function pointers in data, %zu taken in code, %zu sealed endbrs; %zu without endbr64\n",
	       path, c.ndata, c.ncode, c.nseal, c.bad);
	if (selftest) {
		if (!c.good_sec) {
			printf("ibtcheck: selftest: no target with an endbr64 to break\n");
			return 1;
		}
		memset(c.good_sec->data + c.good_off, 0x90, 4);
		check(o, &c2, true);
		if (c2.bad <= c.bad) {
			printf("ibtcheck: selftest: a target without its endbr64 was not caught\n");
			return 1;
		}
		printf("ibtcheck: selftest: %s+0x%lx without its endbr64 caught\n",
		       c.good_sec->name, (unsigned long)c.good_off);
	}
	return c.bad ? 1 : 0;
}
