// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

int ks_verbose;

void *vec__grow(void *v, size_t *cap, size_t need, size_t elsz)
{
	size_t ncap;

	if (need <= *cap)
		return v ? v : (need ? NULL : v);
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elsz) {
			errno = ENOMEM;
			return NULL;
		}
		ncap *= 2;
	}
	v = realloc(v, ncap * elsz);
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return v;
}

int buf__reserve(struct buf *b, size_t extra)
{
	size_t ncap;
	u8 *p;

	if (b->len + extra <= b->cap)
		return 0;
	if (extra > SIZE_MAX / 4)
		return -ENOMEM;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra)
		ncap *= 2;
	p = realloc(b->p, ncap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = ncap;
	return 0;
}

int buf__append(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (buf__reserve(b, len))
		return -ENOMEM;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

int buf__fill(struct buf *b, int c, size_t len)
{
	if (!len)
		return 0;
	if (buf__reserve(b, len))
		return -ENOMEM;
	memset(b->p + b->len, c, len);
	b->len += len;
	return 0;
}

int buf__align(struct buf *b, size_t align, int c)
{
	size_t pad = ALIGN_UP(b->len, align) - b->len;

	return buf__fill(b, c, pad);
}

void buf__free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void ks_vlog(const char *pfx, const char *fmt, va_list ap)
{
	if (ks_verbose < 0)
		return; /* fuzzing: no output */
	fprintf(stderr, "kstride: %s", pfx);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ks_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_vlog("error: ", fmt, ap);
	va_end(ap);
}

void ks_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_vlog("warning: ", fmt, ap);
	va_end(ap);
}

void ks_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_vlog("", fmt, ap);
	va_end(ap);
}

void ks_debug(const char *fmt, ...)
{
	va_list ap;

	if (ks_verbose < 2)
		return;
	va_start(ap, fmt);
	ks_vlog("debug: ", fmt, ap);
	va_end(ap);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Everything @fd gives until its end (1 GiB at most). */
static int read_stream(int fd, u8 **data, size_t *size)
{
	size_t cap = 0, off = 0;
	u8 *p = NULL;

	for (;;) {
		ssize_t r;

		if (off == cap) {
			u8 *np;

			if (cap >= (1ul << 30)) {
				free(p);
				return -EFBIG;
			}
			cap = cap ? 2 * cap : 1 << 16;
			np = realloc(p, cap);
			if (!np) {
				free(p);
				return -ENOMEM;
			}
			p = np;
		}
		r = read(fd, p + off, cap - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			free(p);
			return err;
		}
		if (!r)
			break;
		off += r;
	}
	*data = p;
	*size = off;
	return 0;
}

int fd__read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (u8 *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += n;
	}
	return 0;
}

int fd__write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const u8 *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

int file__read_all(const char *path, u8 **data, size_t *size)
{
	struct stat st;
	size_t off = 0;
	u8 *p = NULL;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a pipe, a terminal, a socket: read it to its end */
		err = read_stream(fd, &p, &off);
		close(fd);
		if (err)
			return err;
		*data = p;
		*size = off;
		return 0;
	}
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p) {
		err = -ENOMEM;
		goto out_close;
	}
	err = fd__read_full(fd, p, st.st_size);
	if (err)
		goto out_free;
	off = st.st_size;
	close(fd);
	*data = p;
	*size = off;
	return 0;

out_free:
	free(p);
out_close:
	close(fd);
	return err;
}

int file__create(struct afile *a, const char *path)
{
	int fd, err;

	a->f = NULL;
	a->path = path;
	a->tmp = xasprintf("%s.kstride-tmp.XXXXXX", path);
	if (!a->tmp)
		return -ENOMEM;
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		err = -errno;
		free(a->tmp);
		a->tmp = NULL;
		return err;
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		err = -errno;
		close(fd);
		unlink(a->tmp);
		free(a->tmp);
		a->tmp = NULL;
		return err;
	}
	return 0;
}

int file__commit(struct afile *a, int mode)
{
	int err = 0;

	if (fflush(a->f) || ferror(a->f))
		err = errno ? -errno : -EIO;
	else if (fchmod(fileno(a->f), mode) || fsync(fileno(a->f)))
		err = -errno;
	if (fclose(a->f) && !err)
		err = -errno;
	a->f = NULL;
	if (!err && rename(a->tmp, a->path))
		err = -errno;
	if (err)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
	return err;
}

void file__abort(struct afile *a)
{
	if (a->f)
		fclose(a->f);
	if (a->tmp) {
		unlink(a->tmp);
		free(a->tmp);
	}
	a->f = NULL;
	a->tmp = NULL;
}

int file__write_atomic(const char *path, const void *data, size_t size,
		       int mode)
{
	struct afile a;
	int err = file__create(&a, path);

	if (err)
		return err;
	errno = 0;
	if (size && fwrite(data, 1, size, a.f) != size) {
		err = errno ? -errno : -EIO;
		file__abort(&a);
		return err;
	}
	return file__commit(&a, mode);
}

void heap__prefer_huge_pages(void)
{
	static bool done;
	uintptr_t lo, hi;
	void *p;

	if (done)
		return;
	done = true;
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	p = malloc(1);
	if (!p)
		return;
	/* the heap's mapping, from its first page: brk extends it later */
	lo = (uintptr_t)p & ~(uintptr_t)4095;
	hi = (uintptr_t)sbrk(0);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	free(p);
}

struct build_id_scan {
	char *hex;
	size_t len;
	int err;
};

static int build_id_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id_scan *b = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const u8 *p = (const u8 *)(info->dlpi_addr + ph->p_vaddr);
		const u8 *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const u8 *name = p + sizeof(*n);
			const u8 *desc = name + ALIGN_UP(n->n_namesz, 4);

			if (desc + ALIGN_UP(n->n_descsz, 4) > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz &&
			    2 * n->n_descsz < b->len) {
				for (u32 k = 0; k < n->n_descsz; k++)
					snprintf(b->hex + 2 * k, 3, "%02x", desc[k]);
				b->err = 0;
				return 1;
			}
			p = desc + ALIGN_UP(n->n_descsz, 4);
		}
	}
	return 1; /* the first object is the program itself */
}

int self__build_id(char *hex, size_t len)
{
	struct build_id_scan b = { .hex = hex, .len = len, .err = -ENOENT };

	dl_iterate_phdr(build_id_phdr, &b);
	return b.err;
}
