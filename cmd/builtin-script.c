// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "builtin.h"

int cmd_script(int argc, char **argv)
{
	fprintf(stderr, "kstride script: not implemented yet\n");
	return 1;
}
