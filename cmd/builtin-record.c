// SPDX-License-Identifier: GPL-2.0
/*
 * kstride record -o TRACE -- PROG ARGS: run an instrumented program with
 * its runtime pointed at TRACE, then check what it left.
 */
#include <getopt.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/trace/trace.h"
#include <kstride/abi.h>

#include "builtin.h"
#include "record-kernel.h"

static const char usage_text[] =
	"usage: kstride record [-o TRACE] -- PROGRAM [ARGS...]\n"
	"       kstride record -m MOD[,MOD...] [--mmio|--calls] [-p PARAMS] [-k KSTRIDE.KO] [-o TRACE] -- CMD...\n"
	"\n"
	"Run PROGRAM, which was linked with objects from 'kstride instrument'\n"
	"and with libkstride-rt.a, and save its memory-access trace in TRACE\n"
	"(default: kstride.trace).  The trace is written by the program's\n"
	"runtime, per thread, a buffer at a time; its exit status is returned.\n"
	"\n"
	"With -m, trace the kernel module MODULE (a name, found as modprobe\n"
	"does through modules.dep, or a path to a .ko; .ko.xz, .ko.zst and\n"
	".ko.gz are decompressed): its dependencies are loaded, then kstride.ko,\n"
	"then MODULE instrumented, with PARAMS; CMD runs while the per-CPU rings\n"
	"are copied to TRACE; then both modules are unloaded.  Root only.\n"
	"If MODULE's own init fails (a driver that finds no device), CMD does\n"
	"not run, TRACE holds what the init did, and the exit status is 3.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   trace file (default kstride.trace)\n"
	"  -m, --module MODS   trace kernel modules: names or paths, separated\n"
	"                      by commas (a driver split in two: xhci_hcd,xhci_pci)\n"
	"      --mmio          record device accesses only, with their values:\n"
	"                      MMIO, port I/O, accessor calls, ioremaps; then\n"
	"                      'kstride mmiotrace TRACE' writes mmiotrace's format\n"
	"      --calls         also record the modules' calls out (instrument\n"
	"                      --calls): what 'kstride race TRACE' needs\n"
	"      --no-net        MMIO mode without the safety net, which otherwise\n"
	"                      catches the accesses of code kstride did not\n"
	"                      instrument (the PCI core, functions left original)\n"
	"                      to the devices the modules drive\n"
	"      --net-wc        the net arms write-combining and cached mappings\n"
	"                      too (framebuffers, VRAM: slow; default: not)\n"
	"      --apertures     record the accesses of instrumented code to\n"
	"                      write-combining and cached mappings (VRAM,\n"
	"                      framebuffers); by default they are counted, so\n"
	"                      that they cannot fill the rings and crowd out\n"
	"                      the registers' accesses\n"
	"  -p, --params STR    the last module's parameters (\"a=1 b=2\")\n"
	"  -k, --kmod PATH     kstride.ko (default: next to this binary, then\n"
	"                      /lib/modules/$(uname -r)/extra/kstride.ko, then\n"
	"                      DKMS's updates/dkms/kstride.ko[.xz|.zst])\n"
	"  -d, --dirname DIR   modules are under DIR/lib/modules/$(uname -r),\n"
	"                      as with modprobe -d (default: /)\n"
	"      --keep          leave the modules loaded afterwards\n"
	"      --no-cache      instrument every module now, and keep none: by\n"
	"                      default a module instrumented once is kept, by\n"
	"                      its content, this kstride and the mode, and\n"
	"                      loaded from there next time\n"
	"      --cache-dir DIR  where (default $KSTRIDE_CACHE_DIR, else\n"
	"                      /var/cache/kstride for root, else\n"
	"                      ~/.cache/kstride); 4 GiB at most, and a quarter\n"
	"                      of the space left there (in memory: 64 MiB, an\n"
	"                      eighth); the least recently used go first\n"
	"  -b, --buffers N     sub-buffers of 32 KiB per CPU ring, 2-160 (default\n"
	"                      32): more for a module whose init records much\n"
	"                      (it runs before CMD; the reader copies meanwhile)\n"
	"      --drain-delay MS  wait MS between copies (to test a slow reader)\n"
	"  -q, --quiet         no live line on a terminal, and no summary line\n"
	"                      for a program (-m still reports what it did)\n"
	"  -h, --help          this text\n"
	"\n"
	"Environment passed to PROGRAM: KSTRIDE_OUTPUT=FILE.  KSTRIDE_BUFSIZE\n"
	"sets the per-thread buffer size in bytes (default 1 MiB).\n";

static const char *default_kmod(void)
{
	static const char *const where[] = {
		"/lib/modules/%s/extra/kstride.ko",
		"/lib/modules/%s/updates/dkms/kstride.ko",
		"/lib/modules/%s/updates/dkms/kstride.ko.xz",
		"/lib/modules/%s/updates/dkms/kstride.ko.zst",
	};
	static char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	struct utsname u;
	struct stat st;

	if (n > 0) {
		buf[n] = 0;
		if (strrchr(buf, '/'))
			strcpy(strrchr(buf, '/') + 1, "kstride.ko");
		if (!stat(buf, &st))
			return buf;
	}
	uname(&u);
	/* installed by hand, or built by DKMS (make install; dkms install) */
	for (n = 0; n < (ssize_t)(sizeof(where) / sizeof(where[0])); n++) {
		snprintf(buf, sizeof(buf), where[n], u.release);
		if (!stat(buf, &st))
			return buf;
	}
	snprintf(buf, sizeof(buf), where[0], u.release);
	return buf;
}

/*
 * Before anything runs: can TRACE be written where it goes?  A program
 * that ran for an hour must not find out at its end.
 */
static int check_output(const char *out)
{
	char *probe = xasprintf("%s.kstride-probe.XXXXXX", out);
	int fd = mkstemp(probe), err = errno;

	if (fd < 0) {
		fprintf(stderr, "kstride record: %s: cannot write the trace there: %s\n",
			out, strerror(err));
		free(probe);
		return -err;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
}

/*
 * On a terminal: the trace's size and growth, rewritten in place twice a
 * second until PROGRAM exits (its runtime writes the trace; the summary
 * line takes the live line's place).
 */
static void live_wait(pid_t pid, const char *out)
{
	off_t last = 0;
	bool shown = false;
	struct stat st;

	for (;;) {
		for (int i = 0; i < 5; i++) {
			siginfo_t si = {};

			/* exited? (left to be reaped below) */
			if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) ||
			    si.si_pid == pid)
				goto done;
			usleep(100000);
		}
		if (stat(out, &st))
			continue;
		fprintf(stderr, "\rkstride record: %.1f MB written, %.1f MB/s\033[K",
			st.st_size / 1e6, (st.st_size - last) / 0.5e6);
		fflush(stderr);
		last = st.st_size;
		shown = true;
	}
done:
	if (shown)
		fputs("\r\033[K", stderr);
}

int cmd_record(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "module", required_argument, NULL, 'm' },
		{ "params", required_argument, NULL, 'p' },
		{ "kmod", required_argument, NULL, 'k' },
		{ "dirname", required_argument, NULL, 'd' },
		{ "mmio", no_argument, NULL, 'M' },
		{ "calls", no_argument, NULL, 'C' },
		{ "keep", no_argument, NULL, 'K' },
		{ "drain-delay", required_argument, NULL, 'D' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "no-net", no_argument, NULL, 'N' },
		{ "net-wc", no_argument, NULL, 'W' },
		{ "apertures", no_argument, NULL, 'A' },
		{ "no-cache", no_argument, NULL, 'X' },
		{ "cache-dir", required_argument, NULL, 'Y' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *out = "kstride.trace";
	bool quiet = false;
	struct stat st;
	int c, status;
	pid_t pid;

	struct krecord_opts ko = { .params = "" };

	while ((c = getopt_long(argc, argv, "+o:qhm:p:k:d:b:", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'm':
			ko.module = optarg;
			break;
		case 'p':
			ko.params = optarg;
			break;
		case 'k':
			ko.kmod = optarg;
			break;
		case 'd':
			ko.root = optarg;
			break;
		case 'M':
			ko.mmio = true;
			break;
		case 'C':
			ko.calls = true;
			break;
		case 'K':
			ko.keep = true;
			break;
		case 'N':
			ko.no_net = true;
			break;
		case 'W':
			ko.net_wc = true;
			break;
		case 'A':
			ko.apertures = true;
			break;
		case 'X':
			ko.no_cache = true;
			break;
		case 'Y':
			ko.cache_dir = optarg;
			break;
		case 'D':
			ko.drain_delay_ms = atoi(optarg);
			break;
		case 'b': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || v < 2 || v > KS_MAX_SUBS) {
				fprintf(stderr, "kstride record: --buffers takes 2 to %d\n",
					KS_MAX_SUBS);
				return 2;
			}
			ko.nsub = v;
			break;
		}
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "kstride record: no program to run\n\n%s",
			usage_text);
		return 2;
	}
	if (ko.calls && (!ko.module || ko.mmio)) {
		fprintf(stderr, ko.mmio ?
			"kstride record: --calls records with every access, not with --mmio\n" :
			"kstride record: --calls applies to modules (-m); instrument a program's objects with 'kstride instrument --calls'\n");
		return 2;
	}
	if (check_output(out))
		return 1;
	if (ko.module) {
		int rc;

		ko.out = out;
		ko.live = !quiet && isatty(STDERR_FILENO);
		if (!ko.kmod)
			ko.kmod = default_kmod();
		rc = record_kernel(&ko, argv + optind);
		if (rc < 0) {
			fprintf(stderr, "kstride record: failed: %s; %s was not written\n",
				strerror(-rc), out);
			return 1;
		}
		return rc;
	}
	unlink(out);
	pid = fork();
	if (pid < 0) {
		perror("kstride record: fork");
		return 1;
	}
	if (!pid) {
		setenv("KSTRIDE_OUTPUT", out, 1);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "kstride record: cannot run %s: %s\n",
			argv[optind], strerror(errno));
		_exit(127);
	}
	if (!quiet && isatty(STDERR_FILENO))
		live_wait(pid, out);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("kstride record: waitpid");
			return 1;
		}
	}
	if (stat(out, &st)) {
		fprintf(stderr, "kstride record: %s left no trace in %s: is it linked with instrumented objects and libkstride-rt.a?\n",
			argv[optind], out);
		return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
	}
	if (!quiet)
		fprintf(stderr, "kstride record: %s: %.1f MB written\n", out,
			st.st_size / 1e6);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "kstride record: %s killed by signal %d; the trace is incomplete (read it with --force)\n",
			argv[optind], WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
