// SPDX-License-Identifier: GPL-2.0
/*
 * kstride doctor: what in the running system stands between the user and
 * a kernel recording, and what to do about each thing.
 *
 * Everything is read from files (/proc, /sys, /boot, /lib/modules), under
 * $KSTRIDE_ROOT if it is set, so that tests can give it systems of their
 * own making.  Each check prints one line, "ok", "warn" or "FAIL", then
 * what it saw and, when it is not ok, what to do.  The exit status is 1 if
 * anything failed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util/decomp.h"
#include "../lib/util/util.h"
#include "builtin.h"

/* the kernel series kstride is tested on (README, "Kernels") */
static const char *const tested[] = { "6.1" };

static const char usage_text[] =
	"usage: kstride doctor [-k KSTRIDE.KO]\n"
	"\n"
	"Check the running system for kernel recordings (record -m, --mmio):\n"
	"the kernel and whether kstride is tested on it, its headers, a\n"
	"kstride.ko built for it, module signature enforcement and lockdown,\n"
	"the kernel features kstride.ko uses, 5-level paging, and the ring\n"
	"memory the machine can afford.  Each line says ok, warn or FAIL, and\n"
	"what to do.  Exit status 1 if anything failed.\n"
	"\n"
	"Options:\n"
	"  -k, --kmod PATH     the kstride.ko to check (default: as record looks:\n"
	"                      next to this binary, /lib/modules/RELEASE/extra,\n"
	"                      then /lib/modules/RELEASE/updates/dkms)\n"
	"  -h, --help          this text\n"
	"\n"
	"Environment: KSTRIDE_ROOT reads every file below that directory\n"
	"instead of /.\n";

struct doctor {
	const char *root;
	char release[256];
	int fails, warns;
};

static char *path_of(const struct doctor *d, const char *p)
{
	return xasprintf("%s%s", d->root, p);
}

/*
 * A whole file, NUL-terminated; NULL if it cannot be read.  Read to its
 * end, not to its size: /proc and /sys files say 0 or 4096.
 */
static char *slurp(const struct doctor *d, const char *p, size_t *len)
{
	char *full = path_of(d, p), *buf = NULL, *nb;
	size_t n = 0, cap = 0;
	FILE *f;

	if (!full)
		return NULL;
	f = fopen(full, "rb");
	free(full);
	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 4097 > cap) {
			cap = cap ? 2 * cap : 16384;
			nb = realloc(buf, cap);
			if (!nb || cap > (256u << 20)) {
				free(nb ? nb : buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (!got)
			break;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static bool exists(const struct doctor *d, const char *p)
{
	char *full = path_of(d, p);
	struct stat st;
	bool ok = full && !stat(full, &st);

	free(full);
	return ok;
}

static void say(struct doctor *d, const char *verdict, const char *what,
		const char *fix)
{
	printf("%-4s  %s\n", verdict, what);
	if (fix)
		printf("      -> %s\n", fix);
	if (!strcmp(verdict, "FAIL"))
		d->fails++;
	else if (!strcmp(verdict, "warn"))
		d->warns++;
}

static void check_kernel(struct doctor *d)
{
	char what[512], series[32] = "";
	unsigned int maj = 0, min = 0;
	char *rel = slurp(d, "/proc/sys/kernel/osrelease", NULL);
	size_t i;

	if (!rel) {
		say(d, "FAIL", "kernel: cannot read /proc/sys/kernel/osrelease",
		    "is /proc mounted?");
		return;
	}
	rel[strcspn(rel, "\n")] = 0;
	snprintf(d->release, sizeof(d->release), "%s", rel);
	free(rel);
	if (sscanf(d->release, "%u.%u", &maj, &min) == 2)
		snprintf(series, sizeof(series), "%u.%u", maj, min);
	for (i = 0; i < sizeof(tested) / sizeof(tested[0]); i++) {
		if (!strcmp(series, tested[i])) {
			snprintf(what, sizeof(what),
				 "kernel: %s (series %s, which kstride is tested on)",
				 d->release, series);
			say(d, "ok", what, NULL);
			return;
		}
	}
	snprintf(what, sizeof(what),
		 "kernel: %s: kstride is tested on 6.1 only; this series may work, or refuse to load",
		 d->release);
	say(d, "warn", what,
	    "use Debian 12's 6.1 kernel (linux-image-amd64), or report what fails");
}

static void check_headers(struct doctor *d)
{
	char p[512], what[640], fix[640];

	snprintf(p, sizeof(p), "/lib/modules/%s/build/Makefile", d->release);
	if (exists(d, p)) {
		snprintf(what, sizeof(what), "headers: /lib/modules/%s/build",
			 d->release);
		say(d, "ok", what, NULL);
		return;
	}
	snprintf(what, sizeof(what),
		 "headers: none for %s: kstride.ko cannot be built for it",
		 d->release);
	snprintf(fix, sizeof(fix), "apt-get install linux-headers-%s",
		 d->release);
	say(d, "FAIL", what, fix);
}

/* Where record looks for kstride.ko, first found wins. */
static char *find_kmod(const struct doctor *d, const char *given)
{
	static const char *const where[] = { "/lib/modules/%s/extra/kstride.ko",
					     "/lib/modules/%s/updates/dkms/kstride.ko",
					     "/lib/modules/%s/updates/dkms/kstride.ko.xz",
					     "/lib/modules/%s/updates/dkms/kstride.ko.zst" };
	char buf[4096], p[512];
	ssize_t n;
	size_t i;

	if (given)
		return strdup(given);
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n > 0 && !*d->root) {
		struct stat st;

		buf[n] = 0;
		if (strrchr(buf, '/'))
			strcpy(strrchr(buf, '/') + 1, "kstride.ko");
		if (!stat(buf, &st))
			return strdup(buf);
	}
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(p, sizeof(p), where[i], d->release);
		if (exists(d, p))
			return path_of(d, p);
	}
	return NULL;
}

/* The vermagic of a module file (its release is the first word). */
static bool vermagic_of(const char *path, char *out, size_t len)
{
	u8 *data = NULL;
	void *plain = NULL;
	size_t n = 0, plen;
	const char *p;
	bool ok = false;
	int err;

	if (file__read_all(path, &data, &n))
		return false;
	if (decomp__format(data, n) != DECOMP_NONE) {
		err = decomp__buf(data, n, 1ul << 30, &plain, &plen);
		free(data);
		if (err)
			return false;
		data = plain;
		n = plen;
	}
	for (p = (const char *)data; p && (size_t)(p - (char *)data) + 9 < n;) {
		p = memmem(p, n - (p - (char *)data), "vermagic=", 9);
		if (!p)
			break;
		p += 9;
		snprintf(out, len, "%.*s", (int)strnlen(p, n - (p - (char *)data)), p);
		ok = true;
		break;
	}
	free(data);
	return ok;
}

static void check_kmod(struct doctor *d, const char *given)
{
	char *ko = find_kmod(d, given);
	char vm[256] = "", what[1024], fix[1024];
	size_t rl = strlen(d->release);

	if (!ko) {
		snprintf(fix, sizeof(fix),
			 "build it: make -C /lib/modules/%s/build M=$PWD/kmod modules (kstride's source tree)",
			 d->release);
		say(d, "FAIL", "kstride.ko: none found where record looks", fix);
		return;
	}
	if (!vermagic_of(ko, vm, sizeof(vm))) {
		snprintf(what, sizeof(what),
			 "kstride.ko: %s is not a kernel module it can read", ko);
		say(d, "FAIL", what, "build it again against this kernel's headers");
	} else if (strncmp(vm, d->release, rl) || (vm[rl] && vm[rl] != ' ')) {
		snprintf(what, sizeof(what),
			 "kstride.ko: %s was built for %.*s, not %s", ko,
			 (int)strcspn(vm, " "), vm, d->release);
		snprintf(fix, sizeof(fix),
			 "build it for this kernel: make -C /lib/modules/%s/build M=$PWD/kmod modules",
			 d->release);
		say(d, "FAIL", what, fix);
	} else {
		snprintf(what, sizeof(what), "kstride.ko: %s, built for %s", ko,
			 d->release);
		say(d, "ok", what, NULL);
	}
	free(ko);
}

static void check_signing(struct doctor *d)
{
	char *lock = slurp(d, "/sys/kernel/security/lockdown", NULL);
	char *enf = slurp(d, "/sys/module/module/parameters/sig_enforce", NULL);
	bool locked = lock && !strstr(lock, "[none]");
	bool enforced = enf && (enf[0] == 'Y' || enf[0] == '1');

	if (locked) {
		char what[256];

		lock[strcspn(lock, "\n")] = 0;
		snprintf(what, sizeof(what),
			 "lockdown: %s: the kernel refuses unsigned modules, and instrumented ones are unsigned",
			 lock);
		say(d, "FAIL", what,
		    "boot with Secure Boot off (or lockdown=none where allowed), or sign kstride.ko and the instrumented module with a key the kernel trusts");
	} else if (enforced) {
		say(d, "FAIL", "module.sig_enforce=1: unsigned modules are refused",
		    "boot without module.sig_enforce=1, or sign the modules");
	} else {
		say(d, "ok", lock ? "signatures: not enforced, lockdown none" :
				    "signatures: not enforced (no lockdown LSM)",
		    NULL);
	}
	free(lock);
	free(enf);
}

/* The kernel's configuration: /boot/config-RELEASE, else /proc/config.gz. */
static char *kernel_config(struct doctor *d)
{
	char p[512];
	char *c;
	size_t n;

	snprintf(p, sizeof(p), "/boot/config-%s", d->release);
	c = slurp(d, p, NULL);
	if (c)
		return c;
	c = slurp(d, "/proc/config.gz", &n);
	if (c) {
		void *plain;
		size_t plen;

		if (!decomp__buf(c, n, 64ul << 20, &plain, &plen)) {
			char *s = realloc(plain, plen + 1);

			free(c);
			if (!s) {
				free(plain);
				return NULL;
			}
			s[plen] = 0;
			return s;
		}
		free(c);
	}
	return NULL;
}

static bool config_on(const char *cfg, const char *opt)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "\n%s=y", opt);
	p = strstr(cfg, key);
	return p || (!strncmp(cfg, key + 1, strlen(key + 1)));
}

static void check_config(struct doctor *d)
{
	static const struct {
		const char *opt, *why;
		bool fail;
	} need[] = {
		{ "CONFIG_MODULES", "loadable modules", true },
		{ "CONFIG_KPROBES", "kprobes: the ioremap watch and the safety net's port I/O", true },
		{ "CONFIG_DYNAMIC_FTRACE_WITH_REGS", "ftrace with registers: the safety net's fault hook", false },
		{ "CONFIG_MMIOTRACE", "the kernel's own mmiotrace, the yardstick kstride's MMIO traces are compared with", false },
	};
	char *cfg = kernel_config(d);
	char what[256];
	size_t i;

	if (!cfg) {
		say(d, "warn", "kernel configuration: neither /boot/config-RELEASE nor /proc/config.gz",
		    "install the kernel's package as Debian ships it (it puts its config in /boot)");
		return;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		bool on = config_on(cfg, need[i].opt);

		snprintf(what, sizeof(what), "%s %s: %s", need[i].opt,
			 on ? "set" : "not set", need[i].why);
		say(d, on ? "ok" : need[i].fail ? "FAIL" : "warn", what,
		    on ? NULL : "a kernel built with it (Debian's own is)");
	}
	free(cfg);
}

static void check_paging(struct doctor *d)
{
	char *ci = slurp(d, "/proc/cpuinfo", NULL);
	const char *f = ci ? strstr(ci, "\nflags") : NULL;
	bool la57 = false;

	if (f) {
		const char *end = strchr(f + 1, '\n');
		const char *p = strstr(f, " la57");

		la57 = p && (!end || p < end) && (isspace((unsigned char)p[5]) || !p[5]);
	}
	if (la57)
		say(d, "warn", "paging: 5-level (la57): --mmio checks device accesses inline in the first 32 TiB of vmalloc space only, and leaves mappings above it to the safety net",
		    "boot with no5lvl to have every mapping checked inline");
	else
		say(d, "ok", "paging: 4-level", NULL);
	free(ci);
}

/* CPUs in a list such as "0-3,5". */
static unsigned int count_cpus(const char *s)
{
	unsigned int n = 0, a, b;

	while (s && *s) {
		int k = 0;

		if (sscanf(s, "%u-%u%n", &a, &b, &k) == 2 && k)
			n += b >= a ? b - a + 1 : 0;
		else if (sscanf(s, "%u%n", &a, &k) == 1 && k)
			n++;
		else
			break;
		s += k;
		if (*s != ',')
			break;
		s++;
	}
	return n;
}

static void check_rings(struct doctor *d)
{
	char *on = slurp(d, "/sys/devices/system/cpu/possible", NULL);
	char *mi = slurp(d, "/proc/meminfo", NULL);
	unsigned long long total_kb = 0;
	unsigned int cpus = count_cpus(on);
	char what[256], fix[256];
	const char *p = mi ? strstr(mi, "MemTotal:") : NULL;
	/* a sub-buffer takes a 64 KiB frame: 32 KiB usable, and its twin */
	unsigned long long def = 32ull * 64, big = 160ull * 64; /* KiB per CPU */

	if (p)
		sscanf(p, "MemTotal: %llu", &total_kb);
	free(on);
	free(mi);
	if (!cpus || !total_kb) {
		say(d, "warn", "rings: cannot tell CPUs or memory", NULL);
		return;
	}
	snprintf(what, sizeof(what),
		 "rings: %u possible CPUs x %llu MiB (the default, -b 32) = %llu MiB of %llu MiB; -b 160: %llu MiB",
		 cpus, def / 1024, cpus * def / 1024, total_kb / 1024,
		 cpus * big / 1024);
	if (cpus * def * 10 > total_kb) {
		snprintf(fix, sizeof(fix),
			 "use fewer sub-buffers: record -b 8 takes %llu MiB",
			 cpus * 8ull * 64 / 1024);
		say(d, "warn", what, fix);
	} else {
		say(d, "ok", what, NULL);
	}
}

static void check_root(struct doctor *d)
{
	if (!geteuid())
		say(d, "ok", "privileges: root (record -m loads modules)", NULL);
	else
		say(d, "warn", "privileges: not root: record -m loads modules and opens a root-only device",
		    "run kstride record -m with sudo");
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kmod", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct doctor d = { .root = getenv("KSTRIDE_ROOT") };
	const char *kmod = NULL;
	int c;

	if (!d.root)
		d.root = "";
	optind = 1;
	while ((c = getopt_long(argc, argv, "+k:h", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			kmod = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	check_kernel(&d);
	if (*d.release) {
		check_headers(&d);
		check_kmod(&d, kmod);
		check_config(&d);
	}
	check_signing(&d);
	check_paging(&d);
	check_rings(&d);
	check_root(&d);
	printf("doctor: %d failed, %d warnings\n", d.fails, d.warns);
	return d.fails ? 1 : 0;
}
