// SPDX-License-Identifier: GPL-2.0
/*
 * record --mmio: the port instructions of the kernel code a traced module
 * calls, for the safety net (abi.h, KS_IOC_NET_PIO).  Port I/O cannot
 * fault, so the net probes each such in and out instead.
 *
 * Found, not listed: from the module's undefined symbols, the functions
 * they name in /proc/kallsyms, then the functions those reach by direct
 * calls and jumps (four levels), each decoded from the running kernel's
 * own text (/proc/kcore, so alternatives and static keys are as patched).
 * Indirect calls are not followed.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../lib/arch/x86/insn.h"
#include "../lib/elf/elf.h"
#include "kallsyms.h"
#include "kpio.h"

#define KPIO_DEPTH 4
#define KPIO_MAX_FUNCS 20000
#define KPIO_MAX_FUNC_BYTES (64 << 10)

struct ksym {
	u64 addr;
	char *name;
};

struct strvec {
	char **v;
	size_t n, cap;
};

struct kcore_seg {
	u64 vaddr, off, len;
};

struct kpio {
	VEC(struct ksym) syms; /* text symbols, by address */
	struct ksym **byname; /* the same, by name */
	VEC(struct kcore_seg) segs;
	int core;
	u64 *seen; /* functions visited: open addressing, 0 is free */
	size_t nseen, capseen;
};

static int sym_addr_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int sym_name_cmp(const void *a, const void *b)
{
	const struct ksym *x = *(struct ksym *const *)a;
	const struct ksym *y = *(struct ksym *const *)b;

	return strcmp(x->name, y->name);
}

static int kpio_sym(void *arg, unsigned long long addr, const char *name,
		    const char *mod)
{
	struct kpio *k = arg;
	struct ksym *s = vec_push(&k->syms);

	(void)mod;
	if (!s || !(s->name = strdup(name)))
		return -ENOMEM;
	s->addr = addr;
	return 0;
}

/* Text symbols of the kernel and of the modules loaded now. */
static int kpio_kallsyms(struct kpio *k)
{
	size_t i;
	int err;

	err = kallsyms__each_text(kpio_sym, k);
	if (err)
		return err;
	qsort(k->syms.v, k->syms.n, sizeof(*k->syms.v), sym_addr_cmp);
	k->byname = malloc(k->syms.n * sizeof(*k->byname));
	if (!k->byname)
		return -ENOMEM;
	for (i = 0; i < k->syms.n; i++)
		k->byname[i] = &k->syms.v[i];
	qsort(k->byname, k->syms.n, sizeof(*k->byname), sym_name_cmp);
	return 0;
}

/* /proc/kcore's loadable segments: the kernel's memory, by address. */
static int kpio_kcore(struct kpio *k)
{
	const char *path = getenv("KSTRIDE_KCORE"); /* tests: vmlinux */
	Elf64_Ehdr eh;
	unsigned int i;

	k->core = open(path ? path : "/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (k->core < 0)
		return -errno;
	if (pread(k->core, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		struct kcore_seg *s;

		if (pread(k->core, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			return -EIO;
		if (ph.p_type != PT_LOAD)
			continue;
		s = vec_push(&k->segs);
		if (!s)
			return -ENOMEM;
		s->vaddr = ph.p_vaddr;
		s->off = ph.p_offset;
		s->len = ph.p_filesz;
	}
	return 0;
}

static ssize_t kcore_read(struct kpio *k, u64 addr, u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < k->segs.n; i++) {
		const struct kcore_seg *s = &k->segs.v[i];

		if (addr >= s->vaddr && addr - s->vaddr < s->len) {
			if (len > s->len - (addr - s->vaddr))
				len = s->len - (addr - s->vaddr);
			return pread(k->core, buf, len, s->off + (addr - s->vaddr));
		}
	}
	return -1;
}

static const struct ksym *sym_named(struct kpio *k, const char *name)
{
	struct ksym key = { .name = (char *)name }, *kp = &key, **r;

	r = bsearch(&kp, k->byname, k->syms.n, sizeof(*k->byname), sym_name_cmp);
	return r ? *r : NULL;
}

/* The symbol that starts at @addr, or NULL. */
static const struct ksym *sym_at(struct kpio *k, u64 addr, u64 *size)
{
	size_t lo = 0, hi = k->syms.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->syms.v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == k->syms.n || k->syms.v[lo].addr != addr)
		return NULL;
	*size = lo + 1 < k->syms.n ? k->syms.v[lo + 1].addr - addr : 4096;
	if (*size > KPIO_MAX_FUNC_BYTES)
		*size = KPIO_MAX_FUNC_BYTES;
	return &k->syms.v[lo];
}

/* Mark @addr visited; false if it was already. */
static int visit(struct kpio *k, u64 addr)
{
	size_t i;

	if (!k->seen) {
		k->capseen = 2 * KPIO_MAX_FUNCS;
		k->seen = calloc(k->capseen, sizeof(*k->seen));
		if (!k->seen)
			return -ENOMEM;
	}
	if (k->nseen >= KPIO_MAX_FUNCS)
		return 0;
	for (i = (addr >> 4) * 0x9e3779b97f4a7c15ull % k->capseen; k->seen[i];
	     i = (i + 1) % k->capseen)
		if (k->seen[i] == addr)
			return 0;
	k->seen[i] = addr;
	k->nseen++;
	return 1;
}

/* Decode the function at @addr; its port instructions, its callees. */
static int scan_func(struct kpio *k, u64 addr, u64 size, struct kpio_result *res,
		     struct u64vec *next)
{
	u8 *code = malloc(size);
	ssize_t got;
	u64 off = 0;

	if (!code)
		return -ENOMEM;
	got = kcore_read(k, addr, code, size);
	if (got <= 0) {
		free(code);
		return 0; /* not readable: nothing known */
	}
	res->funcs++;
	while (off < (u64)got) {
		struct insn in;

		if (x86__decode(code + off, got - off, addr + off, &in) || !in.len)
			break; /* data, padding, or the end: stop here */
		if (in.mm.op == KS_MOP_IN || in.mm.op == KS_MOP_OUT) {
			u64 *a = vec_push(&res->addrs);

			if (!a) {
				free(code);
				return -ENOMEM;
			}
			*a = addr + off;
		} else if (in.mm.op == KS_MOP_INS || in.mm.op == KS_MOP_OUTS) {
			res->strings++;
		}
		if ((in.type == INSN_CALL || in.type == INSN_JMP) && in.has_target &&
		    ((u64)in.target < addr || (u64)in.target >= addr + size)) {
			u64 *t = vec_push(next);

			if (!t) {
				free(code);
				return -ENOMEM;
			}
			*t = in.target;
		}
		off += in.len;
	}
	free(code);
	return 0;
}

/* The undefined symbols of the module image at @path. */
static int undef_names(const char *path, struct strvec *names)
{
	struct elf_obj *obj;
	u8 *data;
	size_t size, i;
	int err = file__read_all(path, &data, &size);

	if (err)
		return err;
	err = elf_obj__read(path, data, size, &obj);
	free(data);
	if (err)
		return err;
	for (i = 0; i < obj->syms.n && !err; i++) {
		const struct elf_sym *s = obj->syms.v[i];
		char **n;

		if (!s || s->sec || s->shndx != SHN_UNDEF || !s->name || !*s->name)
			continue;
		n = vec_push(names);
		if (!n || !(*n = strdup(s->name)))
			err = -ENOMEM;
	}
	elf_obj__free(obj);
	return err;
}

int kpio__find(const char *path, const u64 *skip, size_t nskip,
	       struct kpio_result *res)
{
	struct kpio k = { .core = -1 };
	struct strvec names = {};
	struct u64vec cur = {}, next = {};
	int err, depth;
	size_t i;

	memset(res, 0, sizeof(*res));
	err = undef_names(path, &names);
	err = err ?: kpio_kallsyms(&k);
	err = err ?: kpio_kcore(&k);
	for (i = 0; !err && i < names.n; i++) {
		const struct ksym *s = sym_named(&k, names.v[i]);
		u64 *a;

		if (!s)
			continue; /* data, or not loaded yet */
		a = vec_push(&cur);
		if (!a)
			err = -ENOMEM;
		else
			*a = s->addr;
	}
	for (depth = 0; !err && depth < KPIO_DEPTH && cur.n; depth++) {
		next.n = 0;
		for (i = 0; !err && i < cur.n; i++) {
			u64 size;
			int fresh;

			if (!sym_at(&k, cur.v[i], &size))
				continue;
			fresh = visit(&k, cur.v[i]);
			if (fresh < 0)
				err = fresh;
			else if (fresh)
				err = scan_func(&k, cur.v[i], size, res, &next);
		}
		vec_free(&cur);
		cur = next;
		next = (struct u64vec){};
	}
	/* each instruction once, and not the ones watched already */
	for (i = 0; !err && i < res->addrs.n; i++) {
		bool dup = false;

		for (size_t j = 0; j < nskip && !dup; j++)
			dup = skip[j] == res->addrs.v[i];
		for (size_t j = 0; j < i && !dup; j++)
			dup = res->addrs.v[j] == res->addrs.v[i];
		if (dup)
			res->addrs.v[i--] = res->addrs.v[--res->addrs.n];
	}
	for (i = 0; i < names.n; i++)
		free(names.v[i]);
	vec_free(&names);
	vec_free(&cur);
	vec_free(&next);
	free(k.seen);
	for (i = 0; i < k.syms.n; i++)
		free(k.syms.v[i].name);
	vec_free(&k.syms);
	vec_free(&k.segs);
	free(k.byname);
	if (k.core >= 0)
		close(k.core);
	if (err)
		vec_free(&res->addrs);
	return err;
}
