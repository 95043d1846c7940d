// SPDX-License-Identifier: GPL-2.0
/*
 * The rewriter's entry points: one object, or a whole file (.o, .ko, .a).
 */
#include <sys/stat.h>

#include "../elf/archive.h"
#include "../util/decomp.h"
#include "internal.h"

void rw_stats__add(struct rw_stats *to, const struct rw_stats *from)
{
	const u64 *f = (const u64 *)from;
	u64 *t = (u64 *)to;
	size_t i;

	for (i = 0; i < sizeof(*to) / sizeof(u64); i++)
		t[i] += f[i];
}

void rw_stats__print(const struct rw_stats *st, FILE *f, const char *indent)
{
	int i;

	fprintf(f, "%sobjects:              %lu\n", indent,
		(unsigned long)st->objects);
	fprintf(f, "%sfunctions:            %lu\n", indent,
		(unsigned long)st->funcs);
	fprintf(f, "%s  instrumented:       %lu\n", indent,
		(unsigned long)st->funcs_done);
	fprintf(f, "%s  left original:      %lu\n", indent,
		(unsigned long)st->funcs_skipped);
	if (st->padding)
		fprintf(f, "%s  (and %lu __pfx_ call paddings, not functions)\n",
			indent, (unsigned long)st->padding);
	for (i = 0; i < NR_SKIP; i++)
		if (st->skip[i])
			fprintf(f, "%s    %-32s %lu\n", indent, rw_skip_names[i],
				(unsigned long)st->skip[i]);
	fprintf(f, "%sinstructions:         %lu\n", indent,
		(unsigned long)st->insns);
	fprintf(f, "%srecorded sites:       %lu\n", indent,
		(unsigned long)st->sites);
	fprintf(f, "%sregions:              %lu\n", indent,
		(unsigned long)st->regions);
	fprintf(f, "%sregister spills:      %lu\n", indent,
		(unsigned long)st->spills);
	fprintf(f, "%sflag saves:           %lu\n", indent,
		(unsigned long)st->flag_saves);
	fprintf(f, "%sGOT loads not traced: %lu\n", indent,
		(unsigned long)st->got_loads_dropped);
	fprintf(f, "%sjump tables:          %lu\n", indent,
		(unsigned long)st->jump_tables);
	fprintf(f, "%scode bytes added:     %lu\n", indent,
		(unsigned long)st->bytes_out);
	if (st->calls_out || st->callbacks) {
		fprintf(f, "%scalls out recorded:   %lu\n", indent,
			(unsigned long)st->calls_out);
		fprintf(f, "%scallbacks (address taken, entries with arguments): %lu\n",
			indent, (unsigned long)st->callbacks);
		if (st->tickets)
			fprintf(f, "%sstores with a ticket (may reach a device): %lu\n",
				indent, (unsigned long)st->tickets);
	}
	if (st->mmio_checked || st->mmio_pio || st->mmio_helpers ||
	    st->mmio_unchecked) {
		fprintf(f, "%smmio: checked operands %lu (performed by kstride.ko %lu, recorded without value %lu)\n",
			indent, (unsigned long)st->mmio_checked,
			(unsigned long)st->mmio_emulated,
			(unsigned long)(st->mmio_checked - st->mmio_emulated));
		fprintf(f, "%smmio: port I/O %lu, accessor calls %lu, operands not checked (strings and the like) %lu\n",
			indent, (unsigned long)st->mmio_pio,
			(unsigned long)st->mmio_helpers,
			(unsigned long)st->mmio_unchecked);
	}
}

static void ctx__free(struct rw_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->funcs.n; i++) {
		struct func *f = &ctx->funcs.v[i];

		free(f->syms);
		free(f->insns);
		free(f->at);
		free(f->join);
		free(f->entry_ref);
		free(f->glue);
		free(f->verbatim);
		free(f->branchy);
		free(f->jl_target);
		free(f->live);
		free(f->map_start);
		free(f->map_insn);
		vec_free(&f->sites);
		vec_free(&f->regions);
		vec_free(&f->exits);
		vec_free(&f->msites);
		vec_free(&f->marks);
	}
	vec_free(&ctx->funcs);
	vec_free(&ctx->tables);
	cfi__free(ctx);
	free(ctx->flows);
	vec_free(&ctx->pendings);
	for (i = 0; i < ctx->xcode.n; i++)
		free(ctx->xcode.v[i].insns);
	vec_free(&ctx->xcode);
	buf__free(&ctx->regions_buf);
	buf__free(&ctx->fdescs_buf);
	buf__free(&ctx->strs_buf);
	buf__free(&ctx->msites_buf);
}

static int collect_syms(struct elf_obj *obj, char ***syms, size_t *nsyms)
{
	size_t i, n = 0;
	char **v;

	v = calloc(obj->syms.n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 1; i < obj->syms.n; i++) {
		struct elf_sym *s = obj->syms.v[i];

		if (s->bind == STB_LOCAL || s->type == STT_SECTION ||
		    s->type == STT_FILE ||
		    (!s->sec && s->shndx != SHN_COMMON && s->shndx != SHN_ABS))
			continue;
		v[n] = strdup(s->name);
		if (!v[n]) {
			rewrite__free_syms(v, n);
			return -ENOMEM;
		}
		n++;
	}
	*syms = v;
	*nsyms = n;
	return 0;
}

void rewrite__free_syms(char **syms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(syms[i]);
	free(syms);
}

/*
 * The module's vermagic (.modinfo "vermagic=RELEASE SMP preempt ...")
 * names a word: "preempt_rt" for a PREEMPT_RT kernel.
 */
static bool vermagic_has(struct elf_obj *obj, const char *word)
{
	const struct elf_sec *mi = elf_obj__find_sec(obj, ".modinfo");
	size_t wl = strlen(word), off = 0;

	while (mi && mi->data && off < mi->size) {
		const char *s = (const char *)mi->data + off;
		size_t n = strnlen(s, mi->size - off);

		if (n > 9 && !strncmp(s, "vermagic=", 9)) {
			for (const char *p = s + 9; p + wl <= s + n; p++)
				if (!strncmp(p, word, wl) && p[-1] == ' ' &&
				    (p + wl == s + n || p[wl] == ' '))
					return true;
			return false;
		}
		off += n + 1;
	}
	return false;
}

static const char *base_name(const char *name)
{
	const char *p = strrchr(name, '(');
	const char *s = strrchr(name, '/');

	if (p) {
		/* "lib.a(member.o)" -> "member.o)" is trimmed by the caller */
		return p + 1;
	}
	return s ? s + 1 : name;
}

int rewrite__object(const char *name, const u8 *in, size_t insize,
		    const struct rw_opts *opts, struct buf *out,
		    struct rw_stats *stats, char ***syms, size_t *nsyms)
{
	struct rw_stats st = {};
	struct rw_ctx ctx = { .opts = opts, .st = &st };
	char *objname;
	size_t i;
	int err;

	err = elf_obj__read(name, in, insize, &ctx.obj);
	if (err)
		return err;
	objname = strdup(base_name(name));
	if (!objname) {
		err = -ENOMEM;
		goto out;
	}
	if (strchr(objname, ')'))
		*strchr(objname, ')') = 0;
	/* e1000.ko.xz holds e1000.ko: traces name the object, not the file */
	for (const char *const *z = (const char *const[]){ ".xz", ".zst", ".gz",
							   NULL };
	     *z; z++) {
		size_t ol = strlen(objname), zl = strlen(*z);

		if (ol > zl + 3 && !strcmp(objname + ol - zl, *z) &&
		    !strncmp(objname + ol - zl - 3, ".ko", 3))
			objname[ol - zl] = 0;
	}
	ctx.objname = objname;
	ctx.kernel = opts->target == RW_TARGET_KERNEL ||
		     (opts->target == RW_TARGET_AUTO &&
		      (elf_obj__find_sec(ctx.obj, ".modinfo") ||
		       elf_obj__find_sec(ctx.obj, ".gnu.linkonce.this_module")));
	ctx.rt = ctx.kernel && vermagic_has(ctx.obj, "preempt_rt");
	st.objects = 1;
	st.bytes_in = insize;
	if (opts->mmio && !ctx.kernel) {
		ks_err("%s: --mmio traces kernel modules only", name);
		err = -EINVAL;
		goto out;
	}
	if (opts->mmio && opts->calls) {
		ks_err("%s: --calls records with every access, not with --mmio",
		       name);
		err = -EINVAL;
		goto out;
	}
	/* its copies would be copied again, and record a trace of records */
	if (elf_obj__find_sec(ctx.obj, KS_SEC_REGIONS) ||
	    elf_obj__find_sec(ctx.obj, KS_SEC_MSITES)) {
		ks_err("%s: already instrumented by kstride (it has a %s section): instrument the original object",
		       name, elf_obj__find_sec(ctx.obj, KS_SEC_REGIONS) ?
				     KS_SEC_REGIONS : KS_SEC_MSITES);
		err = -EINVAL;
		goto out;
	}

	if (ctx.kernel) {
		err = meta__check_layouts(&ctx, name);
		if (err)
			goto out;
	}
	err = scan__functions(&ctx);
	err = err ?: refs__scan(&ctx);
	err = err ?: cfi__scan(&ctx);
	if (!err)
		live__clobbers(&ctx);
	if (!err && opts->calls)
		calls__addr_taken(&ctx);
	for (i = 0; !err && i < ctx.funcs.n; i++) {
		struct func *f = &ctx.funcs.v[i];

		if (f->skip)
			continue;
		err = live__compute(&ctx, f);
		if (err)
			break;
		if (opts->mmio) {
			err = mmio__plan_func(&ctx, f);
			/* nothing that may reach a device: leave it as it is */
			if (!err && !f->msites.n)
				func__skip(&ctx, f, SKIP_MMIO_NONE, NULL,
					   f->start);
		} else {
			err = plan__func(&ctx, f);
		}
	}
	if (err)
		goto out;
	for (i = 0; i < ctx.funcs.n; i++) {
		struct func *f = &ctx.funcs.v[i];

		if (!f->skip)
			continue;
		st.funcs_skipped++;
		st.skip[f->skip_why]++;
		if (opts->mmio && opts->lost && f->skip_why != SKIP_MMIO_NONE &&
		    mmio__may_reach_device(f))
			opts->lost(opts->lost_arg, name, f->name,
				   f->skip_at - f->start, f->skip);
	}
	if (st.funcs_skipped == st.funcs) {
		/* nothing to do: the object passes through unchanged */
		err = buf__append(out, in, insize);
	} else {
		err = emit__all(&ctx);
		err = err ?: cfi__emit(&ctx);
		err = err ?: finish__retarget(&ctx);
		err = err ?: elf_obj__write(ctx.obj, out);
	}
	if (!err && syms)
		err = collect_syms(ctx.obj, syms, nsyms);
out:
	if (!err)
		rw_stats__add(stats, &st);
	ctx__free(&ctx);
	free(objname);
	elf_obj__free(ctx.obj);
	return err;
}

static int rewrite_archive(const char *inpath, const u8 *data, size_t size,
			   const struct rw_opts *opts, struct buf *out,
			   struct rw_stats *stats)
{
	struct ar_out_member *om = NULL;
	struct ar_archive ar;
	struct buf *bufs = NULL;
	char ***syms = NULL;
	size_t i, n;
	int err;

	err = ar__parse(inpath, data, size, &ar);
	if (err)
		return err;
	n = ar.members.n;
	om = calloc(n + 1, sizeof(*om));
	bufs = calloc(n + 1, sizeof(*bufs));
	syms = calloc(n + 1, sizeof(*syms));
	if (!om || !bufs || !syms) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct ar_member *m = &ar.members.v[i];
		char *mname = xasprintf("%s(%s)", inpath, m->name);

		if (!mname) {
			err = -ENOMEM;
			goto out;
		}
		if (ks_verbose)
			ks_info("[%zu/%zu] %s", i + 1, n, mname);
		else if (opts->progress)
			opts->progress(opts->progress_arg, i, n, m->name);
		err = rewrite__object(mname, m->data, m->size, opts, &bufs[i],
				      stats, &syms[i], &om[i].nsyms);
		free(mname);
		if (err)
			goto out;
		om[i].name = m->name;
		om[i].data = bufs[i].p;
		om[i].size = bufs[i].len;
		om[i].syms = (const char **)syms[i];
	}
	err = ar__write(om, n, out);
out:
	for (i = 0; i < n; i++) {
		buf__free(&bufs[i]);
		if (syms && syms[i])
			rewrite__free_syms(syms[i], om[i].nsyms);
	}
	free(bufs);
	free(syms);
	free(om);
	ar__free(&ar);
	return err;
}

/*
 * A compressed module (.ko.xz, .ko.zst, .ko.gz, as Debian's 6.12 ships
 * them), decompressed in memory; the output is written uncompressed,
 * which the kernel loads as well, so an output named as compressed would
 * lie about its contents.
 */
static int plain_input(const char *inpath, const char *outpath, u8 **data,
		       size_t *size)
{
	static const char *const ext[] = { ".xz", ".zst", ".gz" };
	enum decomp_fmt fmt = decomp__format(*data, *size);
	size_t i, ol = strlen(outpath), plen;
	void *plain;
	int err;

	if (fmt == DECOMP_NONE)
		return 0;
	for (i = 0; i < ARRAY_SIZE(ext); i++)
		if (ol > strlen(ext[i]) &&
		    !strcmp(outpath + ol - strlen(ext[i]), ext[i])) {
			ks_err("%s: kstride writes instrumented modules uncompressed: name the output .ko, not %s",
			       outpath, ext[i]);
			return -EINVAL;
		}
	err = decomp__file_buf(inpath, *data, *size, 1ul << 31, &plain, &plen);
	if (err)
		return err;
	free(*data);
	*data = plain;
	*size = plen;
	return 0;
}

int rewrite__file(const char *inpath, const char *outpath,
		  const struct rw_opts *opts, struct rw_stats *stats)
{
	struct buf out = {};
	struct stat st;
	size_t size;
	u8 *data;
	int err, mode = 0644;

	err = file__read_all(inpath, &data, &size);
	if (err) {
		ks_err("%s: cannot read: %s", inpath, strerror(-err));
		return err;
	}
	err = plain_input(inpath, outpath, &data, &size);
	if (err) {
		free(data);
		return err;
	}
	if (!stat(inpath, &st))
		mode = st.st_mode & 0777;
	if (ar__is_archive(data, size))
		err = rewrite_archive(inpath, data, size, opts, &out, stats);
	else
		err = rewrite__object(inpath, data, size, opts, &out, stats,
				      NULL, NULL);
	if (!err) {
		err = file__write_atomic(outpath, out.p, out.len, mode);
		if (err)
			ks_err("%s: cannot write: %s", outpath,
			       strerror(-err));
	}
	free(data);
	buf__free(&out);
	return err;
}

const char *rewrite__version(void)
{
	static char v[128];

	if (!v[0])
		snprintf(v, sizeof(v), "kstride %s abi %d %s", KS_VERSION,
			 KS_ABI_VERSION, x86__decoder_version());
	return v;
}
