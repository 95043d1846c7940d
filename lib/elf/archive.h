/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System V / GNU "ar" archives: enough to read the members of a static
 * library and to write one back with a symbol index the linker can use.
 */
#ifndef KS_ARCHIVE_H
#define KS_ARCHIVE_H

#include "../util/util.h"

struct ar_member {
	char *name;
	const u8 *data; /* points into the archive image */
	size_t size;
	u32 mode;
};

struct ar_archive {
	VEC(struct ar_member) members;
};

/* True if @data starts with the archive magic. */
bool ar__is_archive(const u8 *data, size_t size);

/**
 * ar__parse() - list the regular members of an archive image.
 * Skips the symbol index and the long-name table; rejects thin archives.
 * Return: 0 or -errno, logged with @name.
 */
int ar__parse(const char *name, const u8 *data, size_t size,
	      struct ar_archive *ar);
void ar__free(struct ar_archive *ar);

struct ar_out_member {
	const char *name;
	const u8 *data;
	size_t size;
	const char **syms; /* defined global symbols, for the index */
	size_t nsyms;
};

/* Serialise members, with a GNU symbol index, into @out. */
int ar__write(const struct ar_out_member *m, size_t n, struct buf *out);

#endif /* KS_ARCHIVE_H */
