// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "builtin.h"

int cmd_report(int argc, char **argv)
{
	fprintf(stderr, "kstride report: not implemented yet\n");
	return 1;
}
