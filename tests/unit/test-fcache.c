// SPDX-License-Identifier: GPL-2.0
/*
 * lib/util's content keys and file cache: SHA-256 against FIPS 180-4's
 * own examples (and a message split across blocks at every offset), the
 * cache's round trip, its refusal of a directory others may write to or
 * an entry that is a link, and trimming by least recent use.
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

TEST(cache_round_trip)
{
	char *d = tmpdir(), *sub, *p = NULL, why[256];
	struct fcache c;
	u8 *data = NULL;
	size_t len = 0;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	sub = xasprintf("%s/a/b", d); /* made, with its parent */
	EXPECT_EQ(fcache__open(&c, sub, 0, why, sizeof(why)), 0);
	EXPECT_EQ(fcache__get(&c, "00ff", "ko", &p), -ENOENT);
	EXPECT_EQ(fcache__put(&c, "00ff", "ko", "hello", 5), 0);
	EXPECT_EQ(fcache__get(&c, "00ff", "ko", &p), 0);
	EXPECT_TRUE(p && !file__read_all(p, &data, &len) && len == 5 &&
		    !memcmp(data, "hello", 5));
	/* no way out of the directory */
	EXPECT_TRUE(fcache__path(&c, "../x", "ko") == NULL);
	EXPECT_TRUE(fcache__path(&c, "00ff", "k/o") == NULL);
	free(data);
	free(p);
	fcache__close(&c);
	free(sub);
	rmtree(d);
	free(d);
}

TEST(cache_refuses_what_others_may_write)
{
	char *d = tmpdir(), *e, *l, *p = NULL, why[256];
	struct fcache c;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	EXPECT_EQ(chmod(d, 0777), 0);
	EXPECT_EQ(fcache__open(&c, d, 0, why, sizeof(why)), -EPERM);
	EXPECT_EQ(chmod(d, 0700), 0);
	EXPECT_EQ(fcache__open(&c, d, 0, why, sizeof(why)), 0);
	/* an entry that is a link, or that others may write, is not used */
	e = xasprintf("%s/target", d);
	l = xasprintf("%s/00aa.ko", d);
	EXPECT_EQ(file__write_atomic(e, "x", 1, 0600), 0);
	EXPECT_EQ(symlink(e, l), 0);
	EXPECT_EQ(fcache__get(&c, "00aa", "ko", &p), -EPERM);
	EXPECT_EQ(fcache__put(&c, "00bb", "ko", "y", 1), 0);
	free(l);
	l = xasprintf("%s/00bb.ko", d);
	EXPECT_EQ(chmod(l, 0666), 0);
	EXPECT_EQ(fcache__get(&c, "00bb", "ko", &p), -EPERM);
	EXPECT_EQ(chmod(l, 0600), 0);
	EXPECT_EQ(fcache__get(&c, "00bb", "ko", &p), 0);
	free(p);
	free(e);
	free(l);
	fcache__close(&c);
	rmtree(d);
	free(d);
}

static void set_used(const struct fcache *c, const char *key, time_t t)
{
	char *p = fcache__path(c, key, "ko");
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	if (p)
		utimensat(AT_FDCWD, p, ts, 0);
	free(p);
}

TEST(cache_trims_least_recently_used)
{
	char *d = tmpdir(), *p = NULL, why[256];
	static char blob[1000];
	struct fcache c;

	EXPECT_TRUE(d != NULL);
	if (!d)
		return;
	EXPECT_EQ(fcache__open(&c, d, 2500, why, sizeof(why)), 0);
	EXPECT_EQ(fcache__put(&c, "0001", "ko", blob, sizeof(blob)), 0);
	EXPECT_EQ(fcache__put(&c, "0002", "ko", blob, sizeof(blob)), 0);
	EXPECT_EQ(fcache__put(&c, "0003", "ko", blob, sizeof(blob)), 0);
	set_used(&c, "0001", 1000);
	set_used(&c, "0002", 3000);
	set_used(&c, "0003", 2000);
	/* 3000 bytes, 2500 allowed: the oldest use goes, 0001 */
	EXPECT_EQ(fcache__trim(&c), 1);
	EXPECT_EQ(fcache__get(&c, "0001", "ko", &p), -ENOENT);
	EXPECT_EQ(fcache__get(&c, "0002", "ko", &p), 0);
	free(p);
	EXPECT_EQ(fcache__get(&c, "0003", "ko", &p), 0);
	free(p);
	EXPECT_EQ(fcache__trim(&c), 0);
	fcache__close(&c);
	rmtree(d);
	free(d);
}

TEST_MAIN("fcache")
