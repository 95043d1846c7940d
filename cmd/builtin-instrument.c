// SPDX-License-Identifier: GPL-2.0
/*
 * kstride instrument IN -o OUT [--stats] [--no-stack] ...
 */
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/rewrite/rewrite.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride instrument IN -o OUT [options]\n"
	"\n"
	"Rewrite the x86-64 ELF relocatable object IN (.o, .ko, or every\n"
	"member of a .a archive) into OUT.  Every function gets an instrumented\n"
	"copy that records each memory access, and every way into the original\n"
	"function reaches the copy.  Link OUT with build/libkstride-rt.a and run\n"
	"it under 'kstride record'.  OUT is written only if everything succeeds.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   where to write the instrumented object (required)\n"
	"  -s, --stats         print what was instrumented, and why functions\n"
	"                      were left original\n"
	"      --no-stack      do not record stack accesses (push, pop, call,\n"
	"                      ret, leave, and operands based on %rsp)\n"
	"      --no-func-events  do not record function entry and exit (user\n"
	"                      space only: kernel entries carry the context)\n"
	"      --strict        fail on any instruction kstride cannot decode\n"
	"                      (default: the function that holds it stays\n"
	"                      original, with a warning, and an object in which\n"
	"                      nothing decodes fails)\n"
	"      --allow-unknown never fail on undecodable bytes, not even when\n"
	"                      nothing decodes\n"
	"      --target=T      user, kernel, or auto (default): kernel for\n"
	"                      modules (a .modinfo section); kernel code records\n"
	"                      through kstride.ko's per-CPU buffers\n"
	"      --mmio          kernel modules: record device accesses only, with\n"
	"                      their values (memory operands outside the stack\n"
	"                      get a short check, port I/O and the kernel's\n"
	"                      MMIO accessors go through kstride.ko)\n"
	"      --calls         also record every call out of the object\n"
	"                      (CALL_PRE: callee, arguments; CALL_POST: return\n"
	"                      value), each with a global ticket that orders\n"
	"                      calls across threads: what 'kstride race' needs\n"
	"  -v, --verbose       say which functions are left original and why\n"
	"      --test-unbalance  tests only: break each copy's stack on purpose,\n"
	"                      so that the check of every copy leaves them all\n"
	"                      original\n"
	"  -h, --help          this text\n";

/* Are @a and @b the same file (the second may not exist yet)? */
static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* MMIO mode: a function left original whose device accesses go untraced */
static void warn_lost(void *arg, const char *obj, const char *func, u64 off,
		      const char *reason)
{
	unsigned int *n = arg;

	(*n)++;
	fprintf(stderr, "kstride instrument: warning: %s: %s+0x%llx left original (%s): its device accesses are not traced\n",
		obj, func, (unsigned long long)off, reason);
}

/*
 * On a terminal, an archive's members as they go, on one line rewritten in
 * place (every 16th, and the last, so that the terminal keeps up).
 */
static void show_progress(void *arg, size_t i, size_t n, const char *member)
{
	int *shown = arg;

	if (i % 16 && i + 1 != n)
		return;
	fprintf(stderr, "\r\033[Kkstride instrument: [%zu/%zu] %.60s", i + 1, n,
		member);
	*shown = 1;
}

int cmd_instrument(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 's' },
		{ "no-stack", no_argument, NULL, 'S' },
		{ "no-func-events", no_argument, NULL, 'F' },
		{ "allow-unknown", no_argument, NULL, 'U' },
		{ "strict", no_argument, NULL, 'X' },
		{ "target", required_argument, NULL, 'T' },
		{ "mmio", no_argument, NULL, 'M' },
		{ "calls", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test-unbalance", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct rw_opts opts = { .sz = sizeof(opts), .target = RW_TARGET_AUTO };
	struct rw_stats stats = {};
	const char *out = NULL;
	bool want_stats = false;
	unsigned int nlost = 0;
	int shown = 0;
	int c, err;

	if (isatty(2)) {
		opts.progress = show_progress;
		opts.progress_arg = &shown;
	}
	opts.lost = warn_lost;
	opts.lost_arg = &nlost;

	while ((c = getopt_long(argc, argv, "o:svh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'M':
			opts.mmio = true;
			break;
		case 'C':
			opts.calls = true;
			break;
		case 's':
			want_stats = true;
			break;
		case 'S':
			opts.no_stack = true;
			break;
		case 'F':
			opts.no_func_events = true;
			break;
		case 'U':
			opts.allow_unknown = true;
			break;
		case 'X':
			opts.strict = true;
			break;
		case 'T':
			if (!strcmp(optarg, "user"))
				opts.target = RW_TARGET_USER;
			else if (!strcmp(optarg, "kernel"))
				opts.target = RW_TARGET_KERNEL;
			else if (!strcmp(optarg, "auto"))
				opts.target = RW_TARGET_AUTO;
			else {
				fprintf(stderr, "kstride instrument: --target must be user, kernel or auto\n");
				return 2;
			}
			break;
		case 'v':
			ks_verbose++;
			break;
		case 'B':
			opts.test_unbalance = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "kstride instrument: need one input and -o OUTPUT\n\n%s",
			usage_text);
		return 2;
	}
	if (same_file(argv[optind], out)) {
		fprintf(stderr, "kstride instrument: %s: the output would replace the input; name another file with -o\n",
			argv[optind]);
		return 1;
	}
	heap__prefer_huge_pages();
	err = rewrite__file(argv[optind], out, &opts, &stats);
	if (shown)
		fputs("\r\033[K", stderr); /* the progress line goes */
	if (err) {
		fprintf(stderr, "kstride instrument: %s: failed (%s); %s was not written\n",
			argv[optind], err == -EILSEQ ? "an instruction it cannot decode" :
				      err == -EISDIR ? "a directory, not an object file" :
				      strerror(-err), out);
		return 1;
	}
	if (want_stats)
		rw_stats__print(&stats, stdout, "");
	if (nlost)
		fprintf(stderr, "kstride instrument: warning: %u function%s that may reach a device left original\n",
			nlost, nlost == 1 ? "" : "s");
	return 0;
}
