// SPDX-License-Identifier: GPL-2.0
/*
 * lib/util's content keys and file cache: SHA-256 against FIPS 180-4's
 * own examples (and a message split across blocks at every offset), the
 * cache's round trip, its refusal of a directory others may write to, of
 * a link, and of an entry others may write, and trimming by least recent
 * use, keys whole, never a file the cache did not make.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/util/fcache.h"
#include "../../lib/util/sha256.h"
#include "harness.h"

static void hex_of(const void *p, size_t n, char out[65])
{
	struct sha256 s;
	u8 d[SHA256_LEN];

	sha256__init(&s);
	sha256__update(&s, p, n);
	sha256__final(&s, d);
	sha256__hex(d, out);
}

TEST(sha256_fips_examples)
{
	char h[65];

	hex_of("abc", 3, h);
	EXPECT_STREQ(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("", 0, h);
	EXPECT_STREQ(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	EXPECT_STREQ(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_million_a_in_pieces)
{
	static char a[1000000];
	struct sha256 s;
	u8 d[SHA256_LEN];
	char h[65];
	size_t off = 0, step = 1;

	memset(a, 'a', sizeof(a));
	sha256__init(&s);
	/* pieces of 1, 2, 3 ... bytes: every split of a 64-byte block */
	while (off < sizeof(a)) {
		size_t n = min(step, sizeof(a) - off);

		sha256__update(&s, a + off, n);
		off += n;
		step = step % 131 + 1;
	}
	sha256__final(&s, d);
	sha256__hex(d, h);
	EXPECT_STREQ(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/ks-fcache.XXXXXX");

	return d && mkdtemp(d) ? d : NULL;
}

static void rmtree(const char *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d);

	if (cmd && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
	free(cmd);
}

#define K1 "00000000000000ff"
#define K2 "00000000000000aa"
#define K3 "00000000000000bb"

static bool holds(struct fcache *c, const char *key, const char *suffix,
		  const char *want)
{
	u8 *data = NULL;
	size_t len = 0;
	bool ok = !fcache__read(c, key, suffix, &data, &len) &&
		  len == strlen(want) && !memcmp(data, want, len);

	free(data);
	return ok;
}

TEST(cache_round_trip)
{
	char *d = tmpdir(), *sub, why[256];
	struct fcache c;
	u8 *data = NULL;
	size_t len = 0;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	sub = xasprintf("%s/a/b", d); /* made, with its parent */
	EXPECT_EQ(fcache__open(&c, sub, 0, why, sizeof(why)), 0);
	EXPECT_EQ(fcache__read(&c, K1, "ko", &data, &len), -ENOENT);
	EXPECT_EQ(fcache__put(&c, K1, "ko", "hello", 5), 0);
	EXPECT_TRUE(holds(&c, K1, "ko", "hello"));
	EXPECT_EQ(fcache__put(&c, K1, "ko", "again", 5), 0); /* replaced */
	EXPECT_TRUE(holds(&c, K1, "ko", "again"));
	/* names the cache does not make: no way out of the directory */
	EXPECT_EQ(fcache__put(&c, "../00000000000000ff", "ko", "x", 1), -EINVAL);
	EXPECT_EQ(fcache__put(&c, K1, "k/o", "x", 1), -EINVAL);
	EXPECT_EQ(fcache__put(&c, "0123", "ko", "x", 1), -EINVAL); /* short */
	fcache__close(&c);
	free(sub);
	rmtree(d);
	free(d);
}

TEST(cache_streams_files_in_and_out)
{
	char *d = tmpdir(), *src, *dst, why[256];
	static u8 big[3 << 20]; /* three of its blocks */
	struct fcache c;
	u8 *data = NULL;
	size_t len = 0;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i * 7 + (i >> 12);
	src = xasprintf("%s/src.bin", d);
	dst = xasprintf("%s/dst.bin", d);
	EXPECT_EQ(file__write_atomic(src, big, sizeof(big) - 5, 0600), 0);
	EXPECT_EQ(fcache__open(&c, d, 0, why, sizeof(why)), 0);
	EXPECT_EQ(fcache__put_file(&c, K1, "ko", src), 0);
	EXPECT_EQ(fcache__copy_out(&c, K1, "ko", dst), 0);
	EXPECT_TRUE(!file__read_all(dst, &data, &len) && len == sizeof(big) - 5 &&
		    !memcmp(data, big, len));
	free(data);
	EXPECT_EQ(fcache__copy_out(&c, K2, "ko", dst), -ENOENT);
	/* more than the whole budget: not written at all */
	c.budget = 1 << 20;
	EXPECT_EQ(fcache__put_file(&c, K2, "ko", src), -EFBIG);
	EXPECT_EQ(fcache__put(&c, K2, "ko", big, sizeof(big)), -EFBIG);
	EXPECT_EQ(fcache__read(&c, K2, "ko", &data, &len), -ENOENT);
	fcache__close(&c);
	free(src);
	free(dst);
	rmtree(d);
	free(d);
}

TEST(cache_refuses_what_others_may_write)
{
	char *d = tmpdir(), *e, *l, why[256];
	struct fcache c;
	u8 *data = NULL;
	size_t len = 0;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	EXPECT_EQ(chmod(d, 0777), 0);
	EXPECT_EQ(fcache__open(&c, d, 0, why, sizeof(why)), -EPERM);
	EXPECT_EQ(chmod(d, 0700), 0);
	/* a link to a directory is not the directory */
	l = xasprintf("%s.link", d);
	EXPECT_EQ(symlink(d, l), 0);
	EXPECT_TRUE(fcache__open(&c, l, 0, why, sizeof(why)) < 0);
	unlink(l);
	free(l);
	EXPECT_EQ(fcache__open(&c, d, 0, why, sizeof(why)), 0);
	/* an entry that is a link, or that others may write, is not read */
	e = xasprintf("%s/target", d);
	l = xasprintf("%s/" K2 ".ko", d);
	EXPECT_EQ(file__write_atomic(e, "x", 1, 0600), 0);
	EXPECT_EQ(symlink(e, l), 0);
	EXPECT_EQ(fcache__read(&c, K2, "ko", &data, &len), -EPERM);
	EXPECT_EQ(fcache__put(&c, K3, "ko", "y", 1), 0);
	free(l);
	l = xasprintf("%s/" K3 ".ko", d);
	EXPECT_EQ(chmod(l, 0666), 0);
	EXPECT_EQ(fcache__read(&c, K3, "ko", &data, &len), -EPERM);
	EXPECT_EQ(chmod(l, 0600), 0);
	EXPECT_TRUE(holds(&c, K3, "ko", "y"));
	free(e);
	free(l);
	fcache__close(&c);
	rmtree(d);
	free(d);
}

static void set_used(const char *dir, const char *name, time_t t)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	if (p)
		utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
	free(p);
}

static bool exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = p && !lstat(p, &st);

	free(p);
	return ok;
}

TEST(cache_trims_least_recently_used_keys_only)
{
	char *d = tmpdir(), *mine, why[256];
	static char blob[1000];
	struct fcache c;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	EXPECT_EQ(fcache__open(&c, d, 2500, why, sizeof(why)), 0);
	EXPECT_EQ(fcache__put(&c, K1, "ko", blob, sizeof(blob)), 0);
	EXPECT_EQ(fcache__put(&c, K1, "info", "i", 1), 0);
	EXPECT_EQ(fcache__put(&c, K2, "ko", blob, sizeof(blob)), 0);
	EXPECT_EQ(fcache__put(&c, K3, "ko", blob, sizeof(blob)), 0);
	/* not the cache's, however old and large: never trimmed */
	mine = xasprintf("%s/notes.txt", d);
	EXPECT_EQ(file__write_atomic(mine, blob, sizeof(blob), 0600), 0);
	set_used(d, "notes.txt", 10);
	/* a writer that died long ago, and one writing now */
	EXPECT_EQ(file__write_atomic(mine, "", 0, 0600), 0);
	free(mine);
	mine = xasprintf("%s/.tmp-" K2 ".ko.1.old", d);
	EXPECT_EQ(file__write_atomic(mine, "t", 1, 0600), 0);
	set_used(d, ".tmp-" K2 ".ko.1.old", 100);
	free(mine);
	mine = xasprintf("%s/.tmp-" K2 ".ko.2.new", d);
	EXPECT_EQ(file__write_atomic(mine, "t", 1, 0600), 0);
	free(mine);
	set_used(d, K1 ".ko", 1000);
	set_used(d, K1 ".info", 4000); /* a key's use is its latest file's */
	set_used(d, K2 ".ko", 2000);
	set_used(d, K3 ".ko", 3000);
	/* 3001 bytes, 2500 allowed: the least recently used key goes, K2 */
	EXPECT_EQ(fcache__trim(&c), 2); /* its .ko, and the stale temporary */
	EXPECT_TRUE(!exists(d, K2 ".ko"));
	EXPECT_TRUE(exists(d, K1 ".ko") && exists(d, K1 ".info"));
	EXPECT_TRUE(exists(d, K3 ".ko"));
	EXPECT_TRUE(exists(d, "notes.txt"));
	EXPECT_TRUE(!exists(d, ".tmp-" K2 ".ko.1.old"));
	EXPECT_TRUE(exists(d, ".tmp-" K2 ".ko.2.new"));
	/* and a key goes whole: both of K1's files */
	c.budget = 1500;
	EXPECT_EQ(fcache__trim(&c), 1); /* K3 (3000) is older than K1 (4000) */
	EXPECT_TRUE(!exists(d, K3 ".ko"));
	c.budget = 10;
	EXPECT_EQ(fcache__trim(&c), 2);
	EXPECT_TRUE(!exists(d, K1 ".ko") && !exists(d, K1 ".info"));
	EXPECT_TRUE(exists(d, "notes.txt"));
	fcache__close(&c);
	rmtree(d);
	free(d);
}

TEST_MAIN("fcache")
