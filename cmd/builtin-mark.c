// SPDX-License-Identifier: GPL-2.0
/*
 * kstride mark TEXT: a marker in the recording that is running.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../lib/util/util.h"
#include "builtin.h"

static const char usage_text[] =
	"usage: kstride mark TEXT...\n"
	"\n"
	"Insert a marker with TEXT (the arguments joined by spaces, at most 63\n"
	"bytes) into the kernel recording that is running, on this CPU's ring,\n"
	"at this moment.  'kstride mmiotrace' prints it as a MARK line, 'kstride\n"
	"script' as a MARK event.  Root only, like the recording.\n"
	"\n"
	"Options:\n"
	"  -h, --help  this text\n";

int cmd_mark(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ks_mark mk = {};
	size_t len = 0;
	int c, fd, i;

	while ((c = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		fputs(usage_text, stderr);
		return 2;
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + (i > optind) >= sizeof(mk.text)) {
			ks_err("mark: the text is longer than %zu bytes",
			       sizeof(mk.text) - 1);
			return 2;
		}
		if (i > optind)
			mk.text[len++] = ' ';
		memcpy(mk.text + len, argv[i], n);
		len += n;
	}
	fd = open("/dev/kstride", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ks_err("/dev/kstride: %s (is kstride.ko loaded, are you root?)",
		       strerror(errno));
		return 1;
	}
	if (ioctl(fd, KS_IOC_MARK, &mk)) {
		ks_err("/dev/kstride: KS_IOC_MARK: %s", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
