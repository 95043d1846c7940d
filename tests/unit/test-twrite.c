// SPDX-License-Identifier: GPL-2.0
/*
 * lib/trace/twrite.c, the writer both producers use: the file header and
 * its padding, chunk framing (parts in order, zeros to a multiple of 8,
 * empty parts skipped), writes interrupted by a signal taken up where they
 * stopped, errors returned; and what it writes read back by lib/trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../../lib/trace/trace.h"
#include "../../lib/trace/twrite.h"
#include "harness.h"

static int tmpfile_fd(char *path)
{
	strcpy(path, "/tmp/ks-twrite-XXXXXX");
	return mkstemp(path);
}

static size_t file_bytes(int fd, u8 *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap, 0);

	return n < 0 ? 0 : (size_t)n;
}

TEST(header_padded_to_a_page)
{
	struct ks_file_hdr h = { .version = KS_ABI_VERSION, .pid = 42 };
	struct ks_twriter w;
	struct ks_chunk_hdr pad;
	char path[32];
	static u8 buf[8192];
	size_t n;
	int fd = tmpfile_fd(path);

	ASSERT_TRUE(fd >= 0);
	memcpy(h.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
	w = (struct ks_twriter){ .fd = fd };
	ASSERT_EQ(ks_twrite__header(&w, &h, 4096), 0);
	n = file_bytes(fd, buf, sizeof(buf));
	EXPECT_EQ(n, 4096);
	EXPECT_EQ(w.off, 4096);
	EXPECT_TRUE(!memcmp(buf, &h, sizeof(h)));
	memcpy(&pad, buf + sizeof(h), sizeof(pad));
	EXPECT_EQ(pad.type, KS_CHUNK_PAD);
	EXPECT_EQ(sizeof(h) + sizeof(pad) + pad.len, 4096);
	/* no padding asked: the header alone */
	ASSERT_EQ(ftruncate(fd, 0), 0);
	w = (struct ks_twriter){ .fd = fd };
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(ks_twrite__header(&w, &h, 0), 0);
	EXPECT_EQ(file_bytes(fd, buf, sizeof(buf)), sizeof(h));
	/* a padding that cannot be a chunk of whole words */
	EXPECT_EQ(ks_twrite__header(&w, &h, 4097), -EINVAL);
	close(fd);
	unlink(path);
}

TEST(chunk_framing)
{
	struct ks_twriter w;
	struct ks_chunk_hdr ch;
	char path[32];
	u8 buf[256];
	const char a[] = "abc", b[] = "defghij"; /* 4 + 8 bytes with NULs */
	struct iovec parts[3] = { { (void *)a, sizeof(a) }, { NULL, 0 },
				  { (void *)b, sizeof(b) } };
	int fd = tmpfile_fd(path);
	size_t n;

	ASSERT_TRUE(fd >= 0);
	w = (struct ks_twriter){ .fd = fd };
	ASSERT_EQ(ks_twrite__chunk(&w, KS_CHUNK_STRS, parts, 3), 0);
	/* one part of 5 bytes: padded with 3 zeros */
	parts[0] = (struct iovec){ (void *)"hello", 5 };
	ASSERT_EQ(ks_twrite__chunk(&w, KS_CHUNK_STRS, parts, 1), 0);
	n = file_bytes(fd, buf, sizeof(buf));
	ASSERT_EQ(n, sizeof(ch) + 16 + sizeof(ch) + 8);
	EXPECT_EQ(w.off, n);
	memcpy(&ch, buf, sizeof(ch));
	EXPECT_EQ(ch.type, KS_CHUNK_STRS);
	EXPECT_EQ(ch.len, 16); /* 12 bytes, 4 zeros */
	EXPECT_TRUE(!memcmp(buf + sizeof(ch), a, sizeof(a)));
	EXPECT_TRUE(!memcmp(buf + sizeof(ch) + sizeof(a), b, sizeof(b)));
	EXPECT_TRUE(!memcmp(buf + sizeof(ch) + 12, "\0\0\0\0", 4));
	memcpy(&ch, buf + sizeof(ch) + 16, sizeof(ch));
	EXPECT_EQ(ch.len, 8);
	EXPECT_TRUE(!memcmp(buf + 2 * sizeof(ch) + 16, "hello\0\0\0", 8));
	/* more parts than a chunk takes */
	EXPECT_EQ(ks_twrite__chunk(&w, KS_CHUNK_STRS, parts, KS_TWRITE_PARTS + 1),
		  -EINVAL);
	close(fd);
	unlink(path);
}

TEST(errors_are_returned)
{
	struct ks_twriter w = { .fd = -1 };
	struct iovec p = { (void *)"x", 1 };
	int fds[2];

	EXPECT_EQ(ks_twrite__chunk(&w, KS_CHUNK_DATA, &p, 1), -EBADF);
	/* a reader that went away */
	ASSERT_EQ(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	w.fd = fds[1];
	EXPECT_EQ(ks_twrite__chunk(&w, KS_CHUNK_DATA, &p, 1), -EPIPE);
	close(fds[1]);
}

struct drain {
	int fd;
	size_t got;
	u8 buf[1 << 20];
};

static void *late_reader(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	usleep(200000); /* the writer fills the pipe and blocks first */
	while ((n = read(d->fd, d->buf + d->got, sizeof(d->buf) - d->got)) > 0)
		d->got += n;
	return NULL;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/*
 * A writev blocked on a full pipe is interrupted by a signal without
 * SA_RESTART: it returns what it wrote so far (or EINTR), and the writer
 * must go on from there.
 */
TEST(short_writes_go_on)
{
	static struct drain d;
	static u8 big[300000];
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = {};
	struct sigaction sa = { .sa_handler = on_alarm };
	struct ks_twriter w;
	struct iovec parts[2];
	struct ks_chunk_hdr ch;
	sigset_t al, old;
	pthread_t th;
	int fds[2], err;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 7 + 1);
	ASSERT_EQ(pipe(fds), 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	/* the signal goes to the writer: the reader blocks it */
	sigemptyset(&al);
	sigaddset(&al, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &al, &old);
	d.fd = fds[0];
	d.got = 0;
	ASSERT_EQ(pthread_create(&th, NULL, late_reader, &d), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	w = (struct ks_twriter){ .fd = fds[1] };
	parts[0] = (struct iovec){ big, 100001 };
	parts[1] = (struct iovec){ big + 100001, sizeof(big) - 100001 };
	err = ks_twrite__chunk(&w, KS_CHUNK_DATA, parts, 2);
	setitimer(ITIMER_REAL, &off, NULL);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	ASSERT_EQ(err, 0);
	EXPECT_TRUE(alarms > 0); /* it was interrupted while blocked */
	ASSERT_EQ(d.got, sizeof(ch) + sizeof(big));
	EXPECT_EQ(w.off, d.got);
	memcpy(&ch, d.buf, sizeof(ch));
	EXPECT_EQ(ch.len, sizeof(big)); /* a multiple of 8 already */
	EXPECT_TRUE(!memcmp(d.buf + sizeof(ch), big, sizeof(big)));
}

/* What the writer writes, lib/trace reads: a trace with no events. */
TEST(read_back)
{
	struct ks_file_hdr h = { .version = KS_ABI_VERSION };
	struct ks_end end = { .nthreads = 3 };
	struct ks_twriter w;
	struct iovec p = { &end, sizeof(end) };
	struct trace *t = NULL;
	char path[32];
	int fd = tmpfile_fd(path);

	ASSERT_TRUE(fd >= 0);
	memcpy(h.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
	w = (struct ks_twriter){ .fd = fd };
	ASSERT_EQ(ks_twrite__header(&w, &h, 4096), 0);
	ASSERT_EQ(ks_twrite__chunk(&w, KS_CHUNK_END, &p, 1), 0);
	close(fd);
	ASSERT_EQ(trace__open(path, false, &t), 0);
	EXPECT_EQ(trace__end(t)->nthreads, 3);
	trace__close(t);
	unlink(path);
}

/*
 * A --calls kernel trace's text symbols (KS_CHUNK_KSYMS), as record
 * writes them from /proc/kallsyms: named by the last symbol at or below
 * an address, with the module where there is one; none below the first.
 */
TEST(ksyms_read_back)
{
	static const char txt[] =
		"ffffffff81a00100 process_one_work\n"
		"ffffffffc0200000 e1000_intr [e1000]\n"
		"ffffffff81000000 _stext\n"
		"not a symbol line\n"
		"ffffffff81a00400 worker_thread\n";
	struct ks_file_hdr h = { .version = KS_ABI_VERSION };
	struct ks_end end = { .nthreads = 1 };
	struct ks_twriter w;
	struct iovec p = { &end, sizeof(end) };
	struct iovec k = { (void *)txt, sizeof(txt) };
	struct trace *t = NULL;
	const char *mod = "x", *n;
	char path[32];
	u64 off = 0;
	int fd = tmpfile_fd(path);

	ASSERT_TRUE(fd >= 0);
	memcpy(h.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
	w = (struct ks_twriter){ .fd = fd };
	ASSERT_EQ(ks_twrite__header(&w, &h, 4096), 0);
	ASSERT_EQ(ks_twrite__chunk(&w, KS_CHUNK_KSYMS, &k, 1), 0);
	ASSERT_EQ(ks_twrite__chunk(&w, KS_CHUNK_END, &p, 1), 0);
	close(fd);
	ASSERT_EQ(trace__open(path, false, &t), 0);
	n = trace__ksym(t, 0xffffffff81a0013aull, &off, &mod);
	ASSERT_TRUE(n != NULL);
	EXPECT_TRUE(!strcmp(n, "process_one_work"));
	EXPECT_EQ(off, 0x3a);
	EXPECT_TRUE(mod == NULL);
	n = trace__ksym(t, 0xffffffff81a00400ull, &off, &mod);
	ASSERT_TRUE(n != NULL);
	EXPECT_TRUE(!strcmp(n, "worker_thread"));
	EXPECT_EQ(off, 0);
	n = trace__ksym(t, 0xffffffffc0200010ull, &off, &mod);
	ASSERT_TRUE(n != NULL && mod != NULL);
	EXPECT_TRUE(!strcmp(n, "e1000_intr"));
	EXPECT_TRUE(!strcmp(mod, "e1000"));
	EXPECT_TRUE(trace__ksym(t, 0xffffffff80000000ull, &off, &mod) == NULL);
	trace__close(t);
	unlink(path);
}

TEST_MAIN("twrite")
