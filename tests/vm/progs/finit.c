// SPDX-License-Identifier: GPL-2.0
/*
 * Load a module file once, with finit_module(2), and say how it went.
 * (busybox insmod tries init_module(2) again when finit_module fails: a
 * module whose init fails would run it twice.)
 * usage: finit FILE [PARAMS]; exit status: 0, or the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, e = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: finit FILE [PARAMS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "finit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (syscall(SYS_finit_module, fd, argc > 2 ? argv[2] : "", 0))
		e = errno;
	close(fd);
	printf("finit: %s: %s\n", argv[1], e ? strerror(e) : "loaded");
	return e;
}
