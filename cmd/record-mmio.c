// SPDX-License-Identifier: GPL-2.0
/*
 * kstride record --mmio: what MMIO mode adds to a kernel recording - the
 * ioremaps that exist already, the PCI devices as mmiotrace's PCIDEV
 * lines, and the safety net's start, stop and account.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kpio.h"
#include "krec.h"

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_int_file(const char *path, int v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", v);
	return fclose(f) ? -errno : 0;
}

/*
 * Port I/O of the kernel code module @m calls, for the net: found before
 * @m loads (its native dependencies loaded), probed by kstride.ko.  A
 * kernel without /proc/kcore, or one that hides its symbols, costs the
 * net its port coverage, with a warning, and nothing else.
 */
int kr_net_pio(struct krec *k, const struct kmod *m)
{
	static const char kr[] = "/proc/sys/kernel/kptr_restrict";
	struct kpio_result res;
	struct ks_net_pio np;
	int old = read_int_file(kr), err;
	u64 *all;

	if (!k->net_on || m->plain_copy)
		return 0;
	if (old > 1)
		write_int_file(kr, 1);
	err = kpio__find(m->plain, k->pio, k->npio, &res);
	if (old > 1)
		write_int_file(kr, old);
	if (err) {
		ks_warn("safety net: %s: the kernel code it calls cannot be read (/proc/kallsyms, /proc/kcore: %s): its port I/O is not watched",
			m->name, strerror(-err));
		return 0;
	}
	fprintf(stderr, "kstride record: safety net: %s calls into %zu kernel functions with %zu port instructions%s\n",
		m->name, res.funcs, res.addrs.n,
		res.strings ? " (and string ones, not watched)" : "");
	if (!res.addrs.n) {
		free(res.addrs.v);
		return 0;
	}
	np = (struct ks_net_pio){ .addrs = (u64)(uintptr_t)res.addrs.v,
				  .n = res.addrs.n };
	if (ioctl(k->dev, KS_IOC_NET_PIO, &np)) {
		err = -errno;
		ks_warn("safety net: %s: KS_IOC_NET_PIO: %s: its kernel helpers' port I/O is not watched",
			m->name, strerror(errno));
		free(res.addrs.v);
		return 0; /* the recording goes on without it */
	}
	if (np.refused)
		fprintf(stderr, "kstride record: safety net: %u of them cannot be probed (kprobes refuses the place)\n",
			np.refused);
	all = realloc(k->pio, (k->npio + res.addrs.n) * sizeof(*all));
	if (all) {
		memcpy(all + k->npio, res.addrs.v, res.addrs.n * sizeof(*all));
		k->pio = all;
		k->npio += res.addrs.n;
	}
	free(res.addrs.v);
	return 0;
}

/*
 * Apertures (abi.h): counted, not recorded, unless --apertures; an older
 * kstride.ko without the option records them, and says nothing.
 */
int kr_apertures_start(struct krec *k)
{
	struct ks_mmio_opts mo = {
		.flags = k->o->apertures ? 0 : KS_MMIO_COUNT_APERTURES,
	};

	if (ioctl(k->dev, KS_IOC_MMIO_OPTS, &mo) && errno != ENOTTY) {
		ks_err("/dev/kstride: KS_IOC_MMIO_OPTS: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int kr_apertures_stop(struct krec *k)
{
	struct ks_aperture_stats st;

	if (ioctl(k->dev, KS_IOC_APERTURES, &st))
		return errno == ENOTTY ? 0 : -errno;
	if (st.reads + st.writes)
		fprintf(stderr, "kstride record: %lu reads and %lu writes (%lu bytes) of write-combining or cached mappings (VRAM, framebuffers) counted, not recorded: --apertures records them\n",
			(unsigned long)st.reads, (unsigned long)st.writes,
			(unsigned long)st.bytes);
	return kr_chunk(k, KS_CHUNK_APERTURES, &st, sizeof(st), NULL, 0);
}

/*
 * The safety net, on for the modules of -m before they load, so that it
 * sees their devices bound and mapped (abi.h, KS_IOC_NET_START).
 */
int kr_net_start(struct krec *k, const struct kmod *mods, size_t n)
{
	struct ks_net_start ns = { .flags = k->o->net_wc ? KS_NET_WC : 0 };
	size_t i;

	if (!(k->info.flags & KS_INFO_NET)) {
		ks_err("kstride.ko has no safety net (an older kstride.ko is loaded?); --no-net records without it");
		return -EOPNOTSUPP;
	}
	if (n > KS_NET_MAX_MODS) {
		ks_err("the safety net covers %d modules at most (-m names %zu)",
		       KS_NET_MAX_MODS, n);
		return -E2BIG;
	}
	for (i = 0; i < n; i++)
		snprintf(ns.mods[i], sizeof(ns.mods[i]), "%s", mods[i].name);
	ns.nmods = n;
	if (ioctl(k->dev, KS_IOC_NET_START, &ns)) {
		int e = errno;

		ks_err("/dev/kstride: cannot start the safety net: %s%s", strerror(e),
		       e == EBUSY ? " (another recording has it)" :
				    " (see dmesg; --no-net records without it)");
		return -e;
	}
	k->net_on = true;
	return 0;
}

/* The net off, its account into the trace and on the terminal. */
int kr_net_stop(struct krec *k)
{
	struct ks_net_stats st;
	unsigned long na = 0;
	unsigned int i;

	k->net_on = false;
	if (ioctl(k->dev, KS_IOC_NET_STOP, &st)) {
		ks_err("/dev/kstride: KS_IOC_NET_STOP: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < sizeof(st.not_armed) / sizeof(st.not_armed[0]); i++)
		na += st.not_armed[i];
	fprintf(stderr, "kstride record: safety net: %lu PCI functions, %lu mappings armed, %lu accesses caught outside the instrumented code (%lu single-stepped), %lu faults of kstride.ko itself\n",
		(unsigned long)st.devices, (unsigned long)st.armed,
		(unsigned long)(st.emulated + st.stepped - st.own),
		(unsigned long)st.stepped, (unsigned long)st.own);
	if (na)
		ks_warn("safety net: %lu mappings of the traced devices not armed (%lu write-combining or cached: --net-wc arms them; %lu larger than 64 MiB; %lu beyond the alias space; %lu without memory): accesses to them from code outside the instrumentation are not seen; 'kstride script' names them (MAP ... net=)",
			na, (unsigned long)st.not_armed[KS_NETMAP_MEMTYPE],
			(unsigned long)st.not_armed[KS_NETMAP_LARGE],
			(unsigned long)st.not_armed[KS_NETMAP_NOSPACE],
			(unsigned long)st.not_armed[KS_NETMAP_NOMEM]);
	if (st.stepped)
		ks_warn("safety net: %lu accesses were single-stepped: another CPU's access to the same page in that window is not seen",
			(unsigned long)st.stepped);
	return kr_chunk(k, KS_CHUNK_NET, &st, sizeof(st), NULL, 0);
}

/*
 * ioremaps that exist already, from /proc/vmallocinfo:
 *   0xffffc90000680000-0xffffc900006a1000  135168 caller phys=0x... ioremap
 * The size includes the guard page.  @hidden counts the lines whose
 * addresses the kernel hid (kptr_restrict).
 */
static unsigned int kr_read_maps(struct krec *k, unsigned int *hidden)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned int n = 0;

	*hidden = 0;
	if (!f) {
		ks_warn("/proc/vmallocinfo: %s: ioremaps made before this recording will not be known",
			strerror(errno));
		return 0;
	}
	while (getline(&line, &cap, f) > 0) {
		unsigned long long lo, hi, size, phys;
		struct ks_add_map am;
		char *ph;

		if (!strstr(line, " ioremap") || !(ph = strstr(line, "phys=")))
			continue;
		if (sscanf(line, "0x%llx-0x%llx %llu", &lo, &hi, &size) != 3 ||
		    sscanf(ph, "phys=0x%llx", &phys) != 1 || hi <= lo ||
		    lo < 0xff00000000000000ull) {
			(*hidden)++;
			continue;
		}
		am.virt = lo;
		am.len = hi - lo;
		if (!strstr(line, "vmalloc") && am.len > 4096)
			am.len -= 4096; /* the guard page */
		am.phys = phys;
		if (!ioctl(k->dev, KS_IOC_ADD_MAP, &am))
			n++;
	}
	free(line);
	fclose(f);
	return n;
}


/*
 * With kernel.kptr_restrict at 0, vmallocinfo shows hashed addresses;
 * at 1 it shows real ones to us (CAP_SYSLOG) and none to others, which
 * is stricter: set it to 1 for the moment of reading, then back.
 */
unsigned int kr_seed_maps(struct krec *k)
{
	static const char kr[] = "/proc/sys/kernel/kptr_restrict";
	unsigned int hidden, n = kr_read_maps(k, &hidden);
	int old;

	if (!hidden)
		return n;
	old = read_int_file(kr);
	if (old == 0 && !write_int_file(kr, 1)) {
		n += kr_read_maps(k, &hidden);
		write_int_file(kr, 0);
	}
	if (hidden)
		ks_warn("/proc/vmallocinfo hides %u ioremaps' addresses (kernel.kptr_restrict=%d): accesses to them will not be recorded",
			hidden, old);
	return n;
}

static unsigned long read_hex_file(const char *dir, const char *name)
{
	char p[512];
	unsigned long v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%li", (long *)&v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * The PCI devices, as mmiotrace's PCIDEV lines (kernel/trace/
 * trace_mmiotrace.c): bus and devfn, vendor and device, irq, the start of
 * each of the first 7 resources or'ed with its low flag bits, their
 * sizes, and the driver's name.
 */
char *kr_pci_lines(void)
{
	const char *top = "/sys/bus/pci/devices";
	DIR *dir = opendir(top);
	struct dirent *de;
	struct buf b = {};
	static const u8 nul;

	if (!dir)
		return strdup("");
	while ((de = readdir(dir))) {
		unsigned int dom, bus, slot, fn;
		char d[512], line[1024], drv[512], *dn;
		unsigned long long start[7] = {}, end[7] = {}, flags[7] = {};
		ssize_t len;
		FILE *f;
		int i, o;

		if (sscanf(de->d_name, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
			continue;
		snprintf(d, sizeof(d), "%s/%s", top, de->d_name);
		snprintf(line, sizeof(line), "%s/resource", d);
		f = fopen(line, "r");
		for (i = 0; f && i < 7; i++)
			if (fscanf(f, "%llx %llx %llx", &start[i], &end[i],
				   &flags[i]) != 3)
				break;
		if (f)
			fclose(f);
		snprintf(line, sizeof(line), "%s/driver", d);
		len = readlink(line, drv, sizeof(drv) - 1);
		drv[len > 0 ? len : 0] = 0;
		dn = strrchr(drv, '/');
		o = snprintf(line, sizeof(line), "PCIDEV %02x%02x %04lx%04lx %lx",
			     bus, (slot << 3) | fn, read_hex_file(d, "vendor"),
			     read_hex_file(d, "device"), read_hex_file(d, "irq"));
		for (i = 0; i < 7; i++)
			o += snprintf(line + o, sizeof(line) - o, " %llx",
				      start[i] | (flags[i] & 0xf));
		for (i = 0; i < 7; i++)
			o += snprintf(line + o, sizeof(line) - o, " %llx",
				      start[i] < end[i] ? end[i] - start[i] + 1 : 0);
		snprintf(line + o, sizeof(line) - o, " %s\n", dn ? dn + 1 : "");
		buf__append(&b, line, strlen(line));
	}
	closedir(dir);
	buf__append(&b, &nul, 1);
	return (char *)b.p;
}
