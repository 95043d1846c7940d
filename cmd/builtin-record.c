// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "builtin.h"

int cmd_record(int argc, char **argv)
{
	fprintf(stderr, "kstride record: not implemented yet\n");
	return 1;
}
