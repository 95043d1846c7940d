// SPDX-License-Identifier: GPL-2.0
/*
 * Security of /dev/kstride, run as root in the VM:
 *  1. random ioctls (numbers around ours, wrong sizes, bad pointers, huge
 *     counts) must fail cleanly or succeed harmlessly - never crash;
 *  2. after dropping to nobody, open, ioctl and mmap must all be refused,
 *     including on a descriptor root opened.
 * Prints "ksec: N passed, M failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kstride/abi.h>

static int pass, fail;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	ok ? pass++ : fail++;
}

static unsigned long rnd(void)
{
	static unsigned long long s = 0x2545f4914f6cdd1dull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned long)s;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000, fd, fd2, i, bad = 0;
	static char buf[4096];
	struct ks_read_desc rd;
	void *p;

	fd = open("/dev/kstride", O_RDWR);
	check(fd >= 0, "root opens /dev/kstride");
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned long cmds[] = {
			KS_IOC_INFO, KS_IOC_FLUSH, KS_IOC_READ_DESC,
			_IOC(_IOC_READ, KS_IOC_MAGIC, 1, rnd() & 0x3fff),
			_IOC(rnd() & 3, KS_IOC_MAGIC, rnd() & 15, rnd() & 0x3fff),
			rnd(),
		};
		void *args[] = { NULL, (void *)1, (void *)-1L,
				 (void *)0xffffffff81000000ul, buf,
				 (void *)(rnd() & ~7ul) };
		unsigned long cmd = cmds[rnd() % 6];
		void *arg = args[rnd() % 6];

		if (arg == buf) {
			for (int k = 0; k < (int)sizeof(rd); k++)
				buf[k] = rnd();
			if (rnd() & 1) {
				memset(&rd, 0, sizeof(rd));
				strcpy(rd.module, rnd() & 1 ? "e1000" : "nonexistent");
				rd.which = rnd() % 5;
				rd.len = rnd() & 1 ? rnd() : 16;
				rd.buf = rnd() & 1 ? (uint64_t)(uintptr_t)buf : rnd();
				memcpy(buf, &rd, sizeof(rd));
			}
		}
		if (cmd == KS_IOC_FLUSH && (rnd() & 7))
			continue; /* flushing is legal and slow: not every time */
		if (ioctl(fd, cmd, arg) == 0 && cmd != KS_IOC_INFO &&
		    cmd != KS_IOC_FLUSH && cmd != KS_IOC_READ_DESC &&
		    cmd != KS_IOC_APERTURES && cmd != KS_IOC_MMIO_OPTS &&
		    cmd != KS_IOC_NET_START && cmd != KS_IOC_NET_STOP)
			bad++;
	}
	check(!bad, "random ioctls: only the real ones can succeed");
	/* mappings with wrong sizes, offsets and protections */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, KS_MMAP_CTL);
	check(p == MAP_FAILED, "control pages cannot be mapped writable");
	p = mmap(NULL, 1 << 30, PROT_READ, MAP_SHARED, fd, KS_MMAP_DATA(0));
	check(p == MAP_FAILED, "a ring cannot be mapped at the wrong size");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 12345ull << 12);
	check(p == MAP_FAILED, "unknown offsets are refused");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, KS_MMAP_DATA(4095));
	check(p == MAP_FAILED, "a CPU that does not exist is refused");
	/* one consumer at a time: a second would corrupt the first's reads */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, KS_MMAP_CONS);
	fd2 = open("/dev/kstride", O_RDWR);
	check(p != MAP_FAILED && fd2 >= 0 &&
	      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		   KS_MMAP_CONS) == MAP_FAILED && errno == EBUSY,
	      "a second consumer gets EBUSY");
	check(fd2 >= 0 && ioctl(fd2, KS_IOC_INFO, buf) == 0,
	      "a second opener can still ask (kstride mark, info)");
	if (fd2 >= 0)
		close(fd2);
	if (p != MAP_FAILED)
		munmap(p, 4096);

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		check(0, "drop to nobody");
		return 1;
	}
	fd2 = open("/dev/kstride", O_RDONLY);
	check(fd2 < 0, "nobody cannot open /dev/kstride");
	check(ioctl(fd, KS_IOC_INFO, buf) < 0 && errno == EPERM,
	      "nobody cannot use root's descriptor for ioctls");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, KS_MMAP_CTL);
	check(p == MAP_FAILED, "nobody cannot map through root's descriptor");
	printf("ksec: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
