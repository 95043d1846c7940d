// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's metadata about module code, kept true for the copies.
 *
 * Each table below is an array of fixed-size entries whose fields point
 * into code, through relocations.  A field is either
 *   EXACT:  the very instruction (a site the kernel patches, a faulting
 *           instruction, a ud2) - it maps to the copied instruction, after
 *           the instrumentation that precedes it;
 *   TARGET: a place execution resumes at (an exception fixup, a jump label
 *           target) - it maps to the instrumentation before it, and is a
 *           join point for the analysis.
 * Entries are retargeted to the copies, whose originals never run (only
 * their first bytes, a jmp to the copy, ever execute).  ORC is duplicated
 * instead, with extra entries for the out-of-line stubs, so that unwinding
 * works through both.  Layouts: Linux 6.1, x86-64 (struct
 * exception_table_entry, jump_entry, alt_instr, paravirt_patch_site,
 * bug_entry with relative pointers, static_call_site, orc_entry).
 *
 * Patch sites (alternatives, paravirt calls) are rewritten in place by the
 * kernel at load: their bytes are copied verbatim, nothing is inserted
 * among them, and the entry names the copied instruction, so the kernel
 * patches the copy exactly as it patches the original.
 *
 * In a module, every other allocated section that refers into code must
 * be one the kernel does not patch through (see meta__section_known()):
 * a function that an unknown section refers into stays original.
 */
#include "internal.h"

/*
 * KEEP: a place the kernel checks and rewrites in the original itself
 * (.ibt_endbr_seal: the ENDBR a function starts with, which the original
 * keeps in front of its jmp to the copy); never retargeted.
 */
enum mf_kind { MF_EXACT, MF_TARGET, MF_KEEP };

struct meta_field {
	u8 off;
	u8 kind;
};

struct meta_table {
	const char *name;
	u32 entsize;
	u8 nfields;
	struct meta_field field[2];
	bool jump; /* __jump_table: field 0 may branch to field 1 */
	u8 len_off; /* a patch site: offset of its u8 length, else 0 */
	u8 site_len; /* a patch site of a fixed length, else 0 */
	bool orc; /* .orc_unwind_ip, parallel to .orc_unwind */
	/*
	 * If set, the only offsets in an entry that relocations may name
	 * (bit n: offset n): a relocation elsewhere means another kernel's
	 * layout, and the module is refused rather than misread.
	 */
	u32 rel_offs;
};

/*
 * struct alt_instr, by kernel: s32 instr, s32 repl, then up to 6.1 a u16
 * cpuid (12 bytes), later a u32 cpuid:16/flags:16 (14 bytes), then u8
 * instrlen and u8 replacementlen.  meta__check_layouts() picks the one the
 * section's size and relocations fit.
 */
static const struct meta_table alt12 = {
	".altinstructions", 12, 1, { { 0, MF_EXACT } }, .len_off = 10,
	.rel_offs = 1u << 0 | 1u << 4,
};
static const struct meta_table alt14 = {
	".altinstructions", 14, 1, { { 0, MF_EXACT } }, .len_off = 12,
	.rel_offs = 1u << 0 | 1u << 4,
};

static const struct meta_table tables[] = {
	{ "__ex_table", 12, 2, { { 0, MF_EXACT }, { 4, MF_TARGET } } },
	{ "__jump_table", 16, 2, { { 0, MF_EXACT }, { 4, MF_TARGET } },
	  .jump = true },
	/* u8 *instr, u8 type, u8 len, u16 clobbers, aligned to 8 */
	{ ".parainstructions", 16, 1, { { 0, MF_EXACT } }, .len_off = 9 },
	{ "__bug_table", 12, 1, { { 0, MF_EXACT } } },
	{ ".smp_locks", 4, 1, { { 0, MF_EXACT } } },
	{ ".retpoline_sites", 4, 1, { { 0, MF_EXACT } } },
	{ ".return_sites", 4, 1, { { 0, MF_EXACT } } },
	{ ".call_sites", 4, 1, { { 0, MF_EXACT } } },
	{ ".static_call_sites", 8, 1, { { 0, MF_EXACT } } },
	/*
	 * ftrace's call sites: NOPs at run time until a tracer is on, so
	 * the call records nothing (it never pushes while it is a NOP)
	 */
	{ "__mcount_loc", 8, 1, { { 0, MF_EXACT } }, .site_len = 5 },
	{ ".orc_unwind_ip", 4, 1, { { 0, MF_TARGET } }, .orc = true },
	/* IBT (6.2+): ENDBRs that only direct branches reach, sealed at load */
	{ ".ibt_endbr_seal", 4, 1, { { 0, MF_KEEP } },
	  .rel_offs = 1u << 0 },
};

#define ORC_ENTRY 6

const struct meta_table *meta__table(const struct elf_sec *sec)
{
	size_t i;

	if (!sec)
		return NULL;
	/* its layout is the object's: table_of() picks alt12 or alt14 */
	if (!strcmp(sec->name, alt12.name))
		return &alt12;
	for (i = 0; i < ARRAY_SIZE(tables); i++)
		if (!strcmp(sec->name, tables[i].name))
			return &tables[i];
	return NULL;
}

/* @sec's table as this object lays it out (meta__check_layouts()) */
static const struct meta_table *table_of(const struct rw_ctx *ctx,
					 const struct elf_sec *sec)
{
	const struct meta_table *t = meta__table(sec);

	if (t && t->len_off && !strcmp(t->name, ".altinstructions") && ctx->alt)
		return ctx->alt;
	return t;
}

static const struct meta_field *field_of(const struct meta_table *t, u64 off)
{
	u32 k;

	for (k = 0; k < t->nfields; k++)
		if (off % t->entsize == t->field[k].off)
			return &t->field[k];
	return NULL;
}

/* The code address a metadata relocation names: S + A for both kinds. */
static bool meta_target(const struct elf_reloc *r, u64 *t)
{
	if (!r->sym || !elf_sec__is_exec(r->sym->sec))
		return false;
	if (r->type != R_X86_64_PC32 && r->type != R_X86_64_64 &&
	    r->type != R_X86_64_PC64)
		return false;
	*t = r->sym->value + r->addend;
	return true;
}


/*
 * A patch site: copy verbatim, never instrument, assume anything.  The
 * kernel rewrites @len bytes from @at: they must be whole instructions
 * of @f, or the copy could not hold the same bytes in the same place.
 */
static void mark_patched(struct rw_ctx *ctx, struct func *f, u64 at, u8 len,
			 const char *table)
{
	u32 i = f->at[at - f->start];

	if (!len || at + len > f->start + f->size ||
	    (at + len < f->start + f->size &&
	     f->at[at + len - f->start] == NO_INSN)) {
		func__skip(ctx, f, SKIP_REF_MID_INSN, table, at + len);
		return;
	}
	for (; i < f->ninsns && f->insns[i].off < at + len; i++) {
		const struct insn *in = &f->insns[i];

		/* a site that starts inside another is inside it */
		if (in->off != at)
			f->verbatim[i] = VB_INSIDE;
		else if (f->verbatim[i] != VB_INSIDE)
			f->verbatim[i] = VB_START;
		if (in->has_target && in->rel_size != 4)
			func__skip(ctx, f, SKIP_ALT_BRANCH, NULL, in->off);
	}
}

/*
 * Allocated sections that refer into module code and that the kernel
 * never patches code through: their references are plain pointers to
 * functions (or, from data proper, to labels: computed gotos, jump
 * tables).  Found over every module of Debian's 6.1 kernel; a section
 * neither here nor in tables[] leaves the functions it reaches original.
 */
static const char *const known_data[] = {
	/* each also as a prefix: .data..read_mostly, .rodata.cst8 */
	".data", ".rodata", ".bss", ".init.data", ".init.rodata", ".exit.data",
	".ref.data",
};

static const char *const known_ptrs[] = {
	".gnu.linkonce.this_module", "__param", "__tracepoints",
	"__bpf_raw_tp_map", "__ksymtab", "__ksymtab_gpl", ".init_array",
	".fini_array", ".ctors", ".dtors",
	/*
	 * CALL_PADDING (6.2+): -fpatchable-function-entry's list of every
	 * function's padding; on x86 the kernel reads it for nothing
	 */
	"__patchable_function_entries",
};

/* .data..read_mostly, .rodata.cst8, .rodata.str1.1, ... */
static bool prefix_of(const char *name, const char *p)
{
	size_t n = strlen(p);

	return !strncmp(name, p, n) && name[n] == '.';
}

/* Whole entries of @t, relocations only where its fields are: 0 or -why */
static int layout_fits(const struct elf_sec *sec, const struct meta_table *t,
		       u32 *bad_off)
{
	size_t j;

	if (sec->size % t->entsize)
		return -EMSGSIZE;
	for (j = 0; sec->rela && j < sec->rela->relocs.n; j++) {
		u32 off = sec->rela->relocs.v[j].offset % t->entsize;

		if (off >= 32 || !(t->rel_offs & (1u << off))) {
			*bad_off = off;
			return -EPROTO;
		}
	}
	return 0;
}

/*
 * Each table whose layout is pinned down (rel_offs) has it: whole entries,
 * relocations only where its fields are.  .altinstructions has two
 * layouts (alt12, alt14): 84 bytes are seven of one and six of the other,
 * and only the relocations of the second entry on tell them apart.  The
 * one that fits is the object's; neither or both is an error.
 */
int meta__check_layouts(struct rw_ctx *ctx, const char *name)
{
	struct elf_obj *obj = ctx->obj;
	size_t i;

	for (i = 1; i < obj->secs.n; i++) {
		const struct elf_sec *sec = obj->secs.v[i];
		const struct meta_table *t = meta__table(sec);
		u32 off = 0;
		int e12, e14, e;

		if (!t || !t->rel_offs)
			continue;
		if (!strcmp(sec->name, ".altinstructions")) {
			u32 o12 = 0, o14 = 0;

			e12 = layout_fits(sec, &alt12, &o12);
			e14 = layout_fits(sec, &alt14, &o14);
			if (!e12 && !e14 && sec->size && sec->rela &&
			    sec->rela->relocs.n) {
				ks_err("%s: %s (%lu bytes) fits both the 12- and the 14-byte struct alt_instr: refused rather than guessed",
				       name, sec->name, (unsigned long)sec->size);
				return -EOPNOTSUPP;
			}
			if (!e12 || !e14) {
				ctx->alt = !e12 ? &alt12 : &alt14;
				continue;
			}
			ks_err("%s: %s (%lu bytes, relocations at +%u/+%u) is neither 12-byte (Linux up to 6.1) nor 14-byte (later) struct alt_instr entries: a kernel whose layout kstride does not know yet",
			       name, sec->name, (unsigned long)sec->size,
			       o12, o14);
			return -EOPNOTSUPP;
		}
		e = layout_fits(sec, t, &off);
		if (e == -EMSGSIZE) {
			ks_err("%s: %s is %lu bytes, not whole %u-byte entries: a kernel whose layout kstride does not know yet",
			       name, sec->name, (unsigned long)sec->size,
			       t->entsize);
			return -EOPNOTSUPP;
		}
		if (e) {
			ks_err("%s: %s has a relocation at +%u of a %u-byte entry: a layout kstride does not know (see doc/dev/kernel-6.12.md)",
			       name, sec->name, off, t->entsize);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

bool meta__section_known(const struct elf_sec *sec)
{
	size_t i;

	if (meta__table(sec))
		return true;
	for (i = 0; i < ARRAY_SIZE(known_data); i++)
		if (!strcmp(sec->name, known_data[i]) ||
		    prefix_of(sec->name, known_data[i]))
			return true;
	for (i = 0; i < ARRAY_SIZE(known_ptrs); i++)
		if (!strcmp(sec->name, known_ptrs[i]))
			return true;
	return false;
}

static void meta_ref(struct rw_ctx *ctx, const struct meta_table *t,
		     struct elf_sec *sec, const struct elf_reloc *r)
{
	const struct meta_field *fd;
	struct func *g;
	u64 target;
	u32 i;

	fd = field_of(t, r->offset);
	if (!fd || !meta_target(r, &target))
		return; /* keys, file names, flags: not code */
	g = func__at(ctx, r->sym->sec, target);
	if (!g || g->skip)
		return;
	if (fd->kind == MF_KEEP) {
		/*
		 * The loader checks for endbr64 there and writes a NOP over
		 * it: the original keeps it, its jmp to the copy after it
		 * (finish.c), which needs 4 + 5 bytes.
		 */
		if (target != g->start || !g->ninsns || !func__is_endbr(g, 0) ||
		    g->size < 9)
			func__skip(ctx, g, SKIP_UNKNOWN_DATA_REF,
				   "a sealed ENDBR that is not a function's first instruction, or no room after it",
				   target);
		return;
	}
	i = func__insn_containing(g, target);
	/*
	 * Inside an instruction: a lock prefix's place (.smp_locks), or ORC
	 * for the instructions an alternative or a paravirt patch puts in
	 * its site, which objtool describes in place.  A patch site is
	 * copied byte for byte, so a place inside it has a copy too.
	 */
	if (i == NO_INSN ||
	    (g->insns[i].off != target && strcmp(t->name, ".smp_locks") &&
	     !(t->orc && g->verbatim[i]))) {
		func__skip(ctx, g, SKIP_REF_MID_INSN, t->name, target);
		return;
	}
	if (fd->kind == MF_TARGET && !t->orc && target != g->start)
		g->entry_ref[i] = true;
	/*
	 * A faulting instruction with a fixup leaves by the fixup: it must
	 * end its region, so that the region commits (and gives back a
	 * borrowed register) before it runs.
	 */
	if (!strcmp(t->name, "__ex_table") && fd->kind == MF_EXACT)
		g->branchy[i] = true;
	if (t->jump && fd->kind == MF_EXACT) {
		/* the site may become a jmp to the entry's target */
		const struct elf_reloc *tr;
		u64 to;

		struct func *h = NULL;

		g->branchy[i] = true;
		tr = elf_rela__find(sec->rela, r->offset + 4);
		if (tr && tr->offset == r->offset + 4 && meta_target(tr, &to))
			h = func__at(ctx, tr->sym->sec, to);
		if (h == g && g->at[to - g->start] != NO_INSN)
			g->jl_target[i] = g->at[to - g->start];
		else if (h && h != g && h->at && h->at[to - h->start] != NO_INSN)
			/*
			 * Into another body, its .cold part most often: the
			 * target's own field makes it an entry of that body
			 * and points it at the copy (or the original, if
			 * that body stays original).
			 */
			g->jl_target[i] = JL_OUTSIDE;
		else
			func__skip(ctx, g, SKIP_UNKNOWN_DATA_REF,
				   "jump label target outside any body",
				   target);
	}
	if (t->len_off && r->offset % t->entsize == 0 &&
	    r->offset + t->len_off < sec->size)
		mark_patched(ctx, g, target, sec->data[r->offset + t->len_off],
			     t->name);
	if (t->site_len)
		mark_patched(ctx, g, target, t->site_len, t->name);
}

/* Patch sites first: what other tables say about a place depends on them. */
void meta__patch_sites(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, j;

	for (i = 1; i < obj->secs.n; i++) {
		struct elf_sec *sec = obj->secs.v[i];
		const struct meta_table *t = table_of(ctx, sec);

		if (!t || !(t->len_off || t->site_len) || !sec->rela)
			continue;
		for (j = 0; j < sec->rela->relocs.n; j++)
			meta_ref(ctx, t, sec, &sec->rela->relocs.v[j]);
	}
}

bool meta__ref(struct rw_ctx *ctx, struct elf_sec *sec,
	       const struct elf_reloc *r)
{
	const struct meta_table *t = table_of(ctx, sec);

	if (!t)
		return false;
	if (!t->len_off && !t->site_len) /* see meta__patch_sites() */
		meta_ref(ctx, t, sec, r);
	return true;
}

/* ORC state in effect at original offset @off of @f (last entry <= off). */
static int orc_at(const u64 *ips, size_t n, u64 off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ips[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (int)lo - 1 : -1;
}

struct orc_new {
	struct elf_sec *sec; /* copy section */
	u64 off;
	size_t seq; /* orc_marks(): the order it came in */
	u8 orc[ORC_ENTRY];
};

struct orc_news {
	VEC(struct orc_new) v;
};

static int orc_add(struct orc_news *n, struct elf_sec *sec, u64 off,
		   const u8 *orc)
{
	struct orc_new *o = vec_push(&n->v);

	if (!o)
		return -ENOMEM;
	o->sec = sec;
	o->off = off;
	memcpy(o->orc, orc, ORC_ENTRY);
	return 0;
}

#define ORC_REG_SP 5
#define ORC_REG_SP_INDIRECT 9

/*
 * @o with @words more pushed.  A state whose frame is found from %rsp
 * (directly, or through a pointer on the stack) moves with it; one from
 * %rbp or undefined does not.  (struct orc_entry's last byte differs
 * between 6.1 and 6.4, type:2 then type:3 with UNDEFINED first; its
 * sp_reg nibble, and ORC_REG_*, never changed.)
 */
static void orc_pushed(u8 *o, int words)
{
	int reg = o[4] & 0xf;
	s16 sp;

	if (!words || (reg != ORC_REG_SP && reg != ORC_REG_SP_INDIRECT))
		return;
	memcpy(&sp, o, 2);
	sp += 8 * words;
	memcpy(o, &sp, 2);
}

static int orc_new_cmp(const void *a, const void *b)
{
	const struct orc_new *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Kernel, full mode: @f's entries (news->v from @first on) with its
 * stubs' pushes (f->marks) folded in, an entry wherever either changes.
 */
static int orc_marks(struct orc_news *news, size_t first, const struct func *f)
{
	size_t n = news->v.n - first, i = 0, j = 0, k;
	struct orc_new *v, *last = NULL;
	const u8 *base = NULL;
	s32 words = 0;

	if (!f->marks.n || !n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, news->v.v + first, n * sizeof(*v));
	for (k = 0; k < n; k++)
		v[k].seq = k; /* ties keep their order */
	qsort(v, n, sizeof(*v), orc_new_cmp);
	news->v.n = first;
	while (i < n || j < f->marks.n) {
		u64 pe = i < n ? v[i].off : UINT64_MAX;
		u64 pm = j < f->marks.n ? f->copy_off + f->marks.v[j].pos : UINT64_MAX;
		u64 p = pe < pm ? pe : pm;
		u8 o[ORC_ENTRY];
		int err;

		while (i < n && v[i].off == p)
			base = v[i++].orc;
		while (j < f->marks.n && f->copy_off + f->marks.v[j].pos == p)
			words = f->marks.v[j++].words;
		if (!base)
			continue;
		memcpy(o, base, ORC_ENTRY);
		/* nothing is pushed past the copy's end (its end marker) */
		orc_pushed(o, p < f->copy_off + f->copy_size ? words : 0);
		if (last && !memcmp(last->orc, o, ORC_ENTRY))
			continue;
		err = orc_add(news, f->copy, p, o);
		if (err) {
			free(v);
			return err;
		}
		last = &news->v.v[news->v.n - 1];
	}
	free(v);
	return 0;
}

struct orc_src {
	u64 ip; /* original section offset */
	size_t idx; /* entry index */
};

/* An ORC entry's ip, as its relocation names it, for orc_copies(). */
struct orc_ref {
	u32 sec; /* the code section's index */
	u32 rel; /* the relocation's index, to keep their order on ties */
	u64 ip;
	size_t idx;
};

static int orc_ref_cmp(const void *a, const void *b)
{
	const struct orc_ref *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->rel < y->rel ? -1 : x->rel > y->rel;
}

/* The first of @refs (sorted) at or after (@sec, @ip). */
static size_t orc_ref_lower(const struct orc_ref *refs, size_t n, u32 sec,
			    u64 ip)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (refs[mid].sec < sec ||
		    (refs[mid].sec == sec && refs[mid].ip < ip))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int orc_src_cmp(const void *a, const void *b)
{
	const struct orc_src *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/*
 * Duplicate ORC for every copy: each original entry inside an
 * instrumented function maps to its instruction's copy, and each stub
 * gets the state of the place it was reached from.
 */
static int orc_copies(struct rw_ctx *ctx, struct elf_sec *ipsec)
{
	struct elf_sec *orc = elf_obj__find_sec(ctx->obj, ".orc_unwind");
	struct elf_sec *rela = ipsec->rela;
	struct orc_news news = {};
	size_t n, i, j;
	int err = 0;

	if (!orc || !rela || orc->size % ORC_ENTRY ||
	    ipsec->size / 4 != orc->size / ORC_ENTRY)
		return 0;
	n = ipsec->size / 4;
	/*
	 * Every entry's ip once, sorted by section and address: each
	 * function then finds its own by binary search.  (A scan of every
	 * relocation for every function was quadratic: most of the time on
	 * a GPU driver with 20,000 functions and 400,000 ORC entries.)
	 */
	VEC(struct orc_ref) refs = {};

	for (j = 0; j < rela->relocs.n; j++) {
		const struct elf_reloc *r = &rela->relocs.v[j];
		struct orc_ref *o;
		u64 t;

		if (!meta_target(r, &t) || r->offset / 4 >= n)
			continue;
		o = vec_push(&refs);
		if (!o)
			return -ENOMEM;
		o->sec = r->sym->sec->idx;
		o->rel = j;
		o->ip = t;
		o->idx = r->offset / 4;
	}
	if (refs.n)
		qsort(refs.v, refs.n, sizeof(*refs.v), orc_ref_cmp);
	for (i = 0; i < ctx->funcs.n && !err; i++) {
		struct func *f = &ctx->funcs.v[i];
		VEC(struct orc_src) src = {};
		size_t first = news.v.n;
		u64 *ips = NULL;
		u32 k, ri;

		if (f->skip || !f->copy)
			continue;
		j = orc_ref_lower(refs.v, refs.n, f->sec->idx, f->start);
		/*
		 * The state at the entry may be an entry's before it: with
		 * call padding (6.12's __pfx_ symbols) the function's first
		 * entry is at its padding, and none is at the function.
		 */
		if (j > 0 && refs.v[j - 1].sec == f->sec->idx &&
		    (j == refs.n || refs.v[j].sec != f->sec->idx ||
		     refs.v[j].ip != f->start)) {
			struct orc_src *s = vec_push(&src);

			if (!s) {
				vec_free(&refs);
				vec_free(&news.v);
				return -ENOMEM;
			}
			s->ip = f->start;
			s->idx = refs.v[j - 1].idx;
		}
		for (; j < refs.n && refs.v[j].sec == f->sec->idx &&
		     refs.v[j].ip <= f->start + f->size;
		     j++) {
			struct orc_src *s = vec_push(&src);

			if (!s) {
				err = -ENOMEM;
				break;
			}
			s->ip = refs.v[j].ip;
			s->idx = refs.v[j].idx;
		}
		if (err || !src.n) {
			vec_free(&src);
			continue;
		}
		qsort(src.v, src.n, sizeof(*src.v), orc_src_cmp);
		ips = malloc(src.n * sizeof(*ips));
		if (!ips) {
			vec_free(&src);
			vec_free(&refs);
			return -ENOMEM;
		}
		for (j = 0; j < src.n; j++)
			ips[j] = src.v[j].ip;
		for (j = 0; j < src.n && !err; j++) {
			const u8 *o = orc->data + src.v[j].idx * ORC_ENTRY;
			u64 t = src.v[j].ip, to;

			if (t == f->start + f->size) {
				/* the end marker, after the copy's stubs */
				to = f->copy_off + f->copy_size;
			} else if (f->at[t - f->start] != NO_INSN) {
				k = f->at[t - f->start];
				to = f->copy_off + f->map_start[k];
			} else {
				/* inside a patch site: the same byte of its copy */
				k = func__insn_containing(f, t);
				if (k == NO_INSN || !f->verbatim[k])
					continue;
				to = f->copy_off + f->map_insn[k] +
				     (t - f->insns[k].off);
			}
			err = orc_add(&news, f->copy, to, o);
		}
		/* stubs: a region's slow path, an exit's jcc */
		for (ri = 0; ri < f->regions.n && !err; ri++) {
			const struct region *r = &f->regions.v[ri];
			int e = orc_at(ips, src.n, f->insns[r->first].off);

			if (e >= 0)
				err = orc_add(&news, f->copy,
					      f->copy_off + r->slow_off,
					      orc->data + src.v[e].idx * ORC_ENTRY);
		}
		for (k = 0; k < f->exits.n && !err; k++) {
			const struct region_exit *x = &f->exits.v[k];
			int e = orc_at(ips, src.n, f->insns[x->insn].off);

			if (e >= 0)
				err = orc_add(&news, f->copy,
					      f->copy_off + x->stub_off,
					      orc->data + src.v[e].idx * ORC_ENTRY);
		}
		/* full mode: where the stubs push and pop */
		if (!err)
			err = orc_marks(&news, first, f);
		/* MMIO mode: every place its code pushes or pops */
		for (k = 0; k < f->msites.n && !err; k++) {
			const struct msite *m = &f->msites.v[k];
			int e = orc_at(ips, src.n, f->insns[m->insn].off);

			for (j = 0; e >= 0 && j < m->norc && !err; j++) {
				u8 o[ORC_ENTRY];

				memcpy(o, orc->data + src.v[e].idx * ORC_ENTRY,
				       ORC_ENTRY);
				orc_pushed(o, m->orc_push[j]);
				err = orc_add(&news, f->copy,
					      f->copy_off + m->orc_pos[j], o);
			}
		}
		free(ips);
		vec_free(&src);
	}
	vec_free(&refs);
	if (!err && news.v.n) {
		size_t oldn = n, newip = ipsec->size + 4 * news.v.n;
		u8 *ipd = realloc(ipsec->data, newip);
		u8 *od = realloc(orc->data, orc->size + ORC_ENTRY * news.v.n);

		if (ipd)
			ipsec->data = ipd;
		if (od)
			orc->data = od;
		if (!ipd || !od) {
			vec_free(&news.v);
			return -ENOMEM;
		}
		memset(ipsec->data + ipsec->size, 0, 4 * news.v.n);
		for (i = 0; i < news.v.n && !err; i++) {
			memcpy(orc->data + orc->size + i * ORC_ENTRY,
			       news.v.v[i].orc, ORC_ENTRY);
			err = elf_sec__add_reloc(ctx->obj, ipsec,
						 4 * (oldn + i), R_X86_64_PC32,
						 elf_obj__secsym(ctx->obj,
								 news.v.v[i].sec),
						 news.v.v[i].off);
		}
		ipsec->size = newip;
		orc->size += ORC_ENTRY * news.v.n;
	}
	vec_free(&news.v);
	return err;
}

/* Retarget every code field of every entry that names an instrumented body. */
int meta__finish(struct rw_ctx *ctx)
{
	struct elf_obj *obj = ctx->obj;
	size_t i, j, nsec = obj->secs.n;
	int err = 0;

	for (i = 1; i < nsec && !err; i++) {
		struct elf_sec *sec = obj->secs.v[i];
		const struct meta_table *t = table_of(ctx, sec);

		if (!t || !sec->rela || sec->is_new)
			continue;
		if (t->orc) {
			err = orc_copies(ctx, sec);
			continue;
		}
		for (j = 0; j < sec->rela->relocs.n; j++) {
			struct elf_reloc *r = &sec->rela->relocs.v[j];
			const struct meta_field *fd = field_of(t, r->offset);
			struct func *g;
			u64 target;
			u32 k;

			if (!fd || fd->kind == MF_KEEP || !meta_target(r, &target))
				continue;
			g = func__at(ctx, r->sym->sec, target);
			if (!g || g->skip || !g->copy)
				continue;
			k = func__insn_containing(g, target);
			if (k == NO_INSN)
				continue;
			/* S + A is the place for both PC32 and absolute */
			r->sym = elf_obj__secsym(obj, g->copy);
			r->addend = g->copy_off +
				    (fd->kind == MF_EXACT ? g->map_insn[k] :
							    g->map_start[k]) +
				    (target - g->insns[k].off);
		}
	}
	return err;
}
