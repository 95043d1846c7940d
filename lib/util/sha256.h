/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), for content keys: the instrumented-module cache
 * names an entry by the hash of what it was made from.
 */
#ifndef KS_SHA256_H
#define KS_SHA256_H

#include "util.h"

#define SHA256_LEN 32

struct sha256 {
	u32 h[8];
	u64 len; /* bytes hashed so far */
	u8 buf[64];
	u32 nbuf;
};

void sha256__init(struct sha256 *s);
void sha256__update(struct sha256 *s, const void *data, size_t len);
void sha256__final(struct sha256 *s, u8 out[SHA256_LEN]);
/* @out gets 2 * SHA256_LEN lowercase hex digits and a NUL */
void sha256__hex(const u8 digest[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

#endif /* KS_SHA256_H */
