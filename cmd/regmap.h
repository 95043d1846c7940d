/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register maps: names for device registers, one a line,
 *
 *	BAR0 0x0008 4 STATUS		# comments and blank lines are skipped
 *
 * read by report --mmio, diff and timeline (--map FILE).
 */
#ifndef KS_REGMAP_H
#define KS_REGMAP_H

#include "../lib/util/util.h"

struct regname {
	u8 bar, width;
	u64 off;
	char name[48];
};

struct regmap {
	struct regname *v;
	size_t n;
};

/* Parse @path; a malformed line is an error that names its line. */
int regmap__load(struct regmap *m, const char *path);
/* The name of the register at @off of BAR @bar, @width bytes; NULL: none. */
const char *regmap__name(const struct regmap *m, u8 bar, u64 off, u8 width);
void regmap__free(struct regmap *m);

#endif
