// SPDX-License-Identifier: GPL-2.0
/*
 * Module decompression (kstride record -m on .ko.xz/.ko.zst/.ko.gz): the
 * reference tools xz, zstd and gzip compress a test object, we must give
 * back its exact bytes; truncated or corrupt streams, and streams larger
 * than the limit, are errors, never a partial image.
 */
#include <sys/wait.h>

#include "../../lib/util/decomp.h"
#include "../../lib/util/util.h"
#include "harness.h"

static const char *obj_path;

/* @tool -c OBJ > tmp, read tmp: the independent compressor's output */
static int compress(const char *tool, u8 **out, size_t *len)
{
	char tmp[] = "/tmp/ks-decomp.XXXXXX";
	int fd = mkstemp(tmp), rc;
	char *cmd;

	if (fd < 0)
		return -1;
	close(fd);
	cmd = xasprintf("%s -c '%s' > '%s' 2>/dev/null", tool, obj_path, tmp);
	rc = system(cmd);
	free(cmd);
	rc = rc || file__read_all(tmp, out, len);
	unlink(tmp);
	return rc ? -1 : 0;
}

static void roundtrip(const char *tool, enum decomp_fmt fmt, int *__failed)
{
	u8 *orig, *z;
	size_t olen, zlen, len;
	void *out;

	ASSERT_EQ(file__read_all(obj_path, &orig, &olen), 0);
	ASSERT_EQ(compress(tool, &z, &zlen), 0);
	EXPECT_EQ(decomp__format(z, zlen), fmt);
	ASSERT_EQ(decomp__buf(z, zlen, 1ul << 30, &out, &len), 0);
	EXPECT_EQ(len, olen);
	EXPECT_TRUE(len == olen && !memcmp(out, orig, olen));
	free(out);
	/* cut short: an error, never a partial image */
	EXPECT_EQ(decomp__buf(z, zlen / 2, 1ul << 30, &out, &len), -EINVAL);
	/* the magic, then garbage */
	memset(z + 8, 0x5a, zlen - 8 > 64 ? 64 : zlen - 8);
	EXPECT_EQ(decomp__buf(z, zlen, 1ul << 30, &out, &len), -EINVAL);
	/* bigger than the limit */
	ASSERT_EQ(compress(tool, &z, &zlen), 0);
	EXPECT_EQ(decomp__buf(z, zlen, olen / 2, &out, &len), -EFBIG);
	free(orig);
	free(z);
}

TEST(xz)
{
	roundtrip("xz", DECOMP_XZ, __failed);
}

TEST(zstd)
{
	roundtrip("zstd -q", DECOMP_ZSTD, __failed);
}

TEST(gzip)
{
	roundtrip("gzip", DECOMP_GZIP, __failed);
}

TEST(plain)
{
	static const u8 elf[8] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	void *out;
	size_t len;

	EXPECT_EQ(decomp__format(elf, sizeof(elf)), DECOMP_NONE);
	ASSERT_EQ(decomp__buf(elf, sizeof(elf), 64, &out, &len), 0);
	EXPECT_TRUE(len == sizeof(elf) && !memcmp(out, elf, len));
	free(out);
	EXPECT_EQ(decomp__buf(elf, sizeof(elf), 4, &out, &len), -EFBIG);
}

int main(int argc, char **argv);
#define main unit_main
TEST_MAIN("unit-decomp")
#undef main

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-decomp FILE\n");
		return 2;
	}
	obj_path = argv[1];
	return unit_main();
}
