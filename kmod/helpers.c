// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's accessors a module calls (include/kstride/abi.h, enum
 * ks_helper), performed access by access for __kstride_khelper: in the
 * order and widths x86's own implementations use, so that a device sees
 * the same traffic as without kstride.  The stub and the mappings are
 * mmio.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/io.h>
#include <linux/preempt.h>
#include <linux/uaccess.h>

#include "kstride.h"
#include "mmio.h"

typedef void (*rep_fn)(void __iomem *p, void *buf, unsigned long count);

/* ioread*_rep and iowrite*_rep: @count accesses of @size to one place. */
static void helper_rep(const struct ks_msite *ms, const void *fn, u64 addr,
		       u8 *buf, u64 count, unsigned int size, bool write)
{
	bool port = addr < PIO_RESERVED && addr > PIO_OFFSET;
	struct ks_order ord;
	u64 i, v = 0;

	/* no port and no memory (NULL): the kernel's own warns, as natively */
	if (addr <= PIO_OFFSET) {
		((rep_fn)fn)((void __iomem *)addr, buf, count);
		return;
	}
	for (i = 0; i < count; i++, buf += size) {
		ks_order_begin(&ord);
		if (write) {
			memcpy(&v, buf, size);
			v &= ks_mask_of(size);
			if (port)
				ks_port_out(addr & PIO_MASK, v, size);
			else
				ks_io_write(ks_io_of(addr), v, size);
		} else {
			v = port ? ks_port_in(addr & PIO_MASK, size) :
				   ks_io_read(ks_io_of(addr), size);
			memcpy(buf, &v, size);
		}
		ks_rec_token(ms, addr, v, size | (write ? KS_MF_WRITE : 0));
		ks_order_end(&ord);
	}
}

/* One access of a copy to or from device memory at @io. */
static void copy_one(const struct ks_msite *ms, u64 io, u8 *mem,
		     unsigned int size, bool toio)
{
	struct ks_order ord;
	u64 v = 0;

	if (toio)
		memcpy(&v, mem, size);
	ks_order_begin(&ord);
	if (toio)
		ks_io_write(ks_io_of(io), v, size);
	else
		v = ks_io_read(ks_io_of(io), size);
	ks_rec_token(ms, io, v, size | (toio ? KS_MF_WRITE : 0));
	ks_order_end(&ord);
	if (!toio)
		memcpy(mem, &v, size);
}

/*
 * memcpy_fromio/memcpy_toio as x86's arch/x86/lib/iomem.c does them: a
 * byte, then a word to align the I/O side, 32-bit words, then the tail
 * (or bytes only in guests that ask for unrolled string I/O).
 */
static void helper_copy(const struct ks_msite *ms, u64 io, u8 *mem, u64 n,
			bool toio)
{
	if (cc_platform_has(CC_ATTR_GUEST_UNROLL_STRING_IO)) {
		for (; n; n--, io++, mem++)
			copy_one(ms, io, mem, 1, toio);
		return;
	}
	if (!n)
		return;
	if (io & 1) {
		copy_one(ms, io++, mem++, 1, toio);
		n--;
	}
	if (n > 1 && (io & 2)) {
		copy_one(ms, io, mem, 2, toio);
		io += 2;
		mem += 2;
		n -= 2;
	}
	for (u64 k = n / 4; k; k--, io += 4, mem += 4)
		copy_one(ms, io, mem, 4, toio);
	if (n & 2) {
		copy_one(ms, io, mem, 2, toio);
		io += 2;
		mem += 2;
	}
	if (n & 1)
		copy_one(ms, io, mem, 1, toio);
}

/* One store of memset_io: @v, @size bytes at @io. */
static void set_one(const struct ks_msite *ms, u64 io, u64 v, unsigned int size)
{
	struct ks_order ord;

	ks_order_begin(&ord);
	ks_io_write(ks_io_of(io), v, size);
	ks_rec_token(ms, io, v, size | KS_MF_WRITE);
	ks_order_end(&ord);
}

/*
 * memset_io is the CPU's memset on x86 (arch/x86/lib/iomem.c), whose
 * stores depend on the CPU and the kernel (arch/x86/lib/memset_64.S,
 * chosen by alternatives): bytes ("rep stosb": ERMS up to 6.1, FSRS
 * later), 8-byte words then the tail's bytes ("rep stosq": REP_GOOD up
 * to 6.1), or memset_orig: an unaligned word to align, 8-byte words, and
 * the tail's bytes.  Which one this kernel runs is read off its own
 * memset, as the alternatives left it (ks_helpers_init()); the same
 * stores, in the same order.
 */
enum memset_kind { MS_UNKNOWN, MS_BYTES, MS_QWORDS, MS_ORIG };
static enum memset_kind memset_kind;

static bool bytes_at(const u8 *p, const char *s, size_t n)
{
	return !memcmp(p, s, n);
}

/* The path through memset: follow its first jmp, find its first store. */
static enum memset_kind memset_path(unsigned long at)
{
	u8 p[96];
	unsigned int k;

	/* the text as it runs, alternatives applied */
	if (copy_from_kernel_nofault(p, (const void *)at, 16))
		return MS_UNKNOWN;
	if (bytes_at(p, "\xf3\x0f\x1e\xfa", 4)) { /* endbr64 */
		at += 4;
		memmove(p, p + 4, 12);
	}
	if (p[0] == 0xeb) {
		at += 2 + (s8)p[1];
	} else if (p[0] == 0xe9) {
		s32 rel;

		memcpy(&rel, p + 1, 4);
		at += 5 + rel;
	}
	if (copy_from_kernel_nofault(p, (const void *)at, sizeof(p)))
		return MS_UNKNOWN;
	for (k = 0; k + 3 <= sizeof(p); k++) {
		if (bytes_at(p + k, "\xf3\x48\xab", 3))
			return MS_QWORDS;
		if (bytes_at(p + k, "\xf3\xaa", 2))
			return MS_BYTES;
		if (bytes_at(p + k, "\x48\x89\x07", 3)) /* mov %rax,(%rdi) */
			return MS_ORIG;
	}
	return MS_UNKNOWN;
}

void ks_helpers_init(void)
{
	static const char *const names[] = {
		[MS_BYTES] = "rep stosb", [MS_QWORDS] = "rep stosq",
		[MS_ORIG] = "memset_orig",
	};

	memset_kind = memset_path((unsigned long)memset);
	if (memset_kind == MS_UNKNOWN) {
		pr_warn("memset's code is not one kstride knows: memset_io is replayed as memset_orig; the safety net sees the real stores\n");
		memset_kind = MS_ORIG;
	} else {
		pr_info("memset_io replayed as this kernel's memset does it: %s\n",
			names[memset_kind]);
	}
}

static void helper_memset(const struct ks_msite *ms, u64 io, u8 c, u64 n)
{
	u64 q = c * 0x0101010101010101ull;

	if (cc_platform_has(CC_ATTR_GUEST_UNROLL_STRING_IO) ||
	    memset_kind == MS_BYTES) {
		for (; n; n--)
			set_one(ms, io++, c, 1);
		return;
	}
	if (memset_kind == MS_QWORDS) {
		for (; n >= 8; n -= 8, io += 8)
			set_one(ms, io, q, 8);
		for (; n; n--)
			set_one(ms, io++, c, 1);
		return;
	}
	if ((io & 7) && n > 7) {
		u64 skip = 8 - (io & 7);

		set_one(ms, io, q, 8); /* unaligned, then aligned ones */
		io += skip;
		n -= skip;
	}
	if (!(io & 7) || n > 7) {
		for (; n >= 8; n -= 8, io += 8)
			set_one(ms, io, q, 8);
	}
	for (; n; n--)
		set_one(ms, io++, c, 1);
}

typedef unsigned int (*read_fn)(const void __iomem *p);
typedef void (*write_fn)(u32 v, void __iomem *p);
typedef u64 (*read64_fn)(const void __iomem *p);
typedef void (*write64_fn)(u64 v, void __iomem *p);

/* A call to one of the kernel's accessors, made from the module. */
/* The kernel's accessors, by enum ks_helper: what a site may call. */
static const void *const accessors[KS_H_MAX] = {
	[KS_H_IOREAD8] = ioread8, [KS_H_IOREAD16] = ioread16,
	[KS_H_IOREAD16BE] = ioread16be, [KS_H_IOREAD32] = ioread32,
	[KS_H_IOREAD32BE] = ioread32be,
	[KS_H_IOREAD64_LO_HI] = ioread64_lo_hi,
	[KS_H_IOREAD64_HI_LO] = ioread64_hi_lo,
	[KS_H_IOWRITE8] = iowrite8, [KS_H_IOWRITE16] = iowrite16,
	[KS_H_IOWRITE16BE] = iowrite16be, [KS_H_IOWRITE32] = iowrite32,
	[KS_H_IOWRITE32BE] = iowrite32be,
	[KS_H_IOWRITE64_LO_HI] = iowrite64_lo_hi,
	[KS_H_IOWRITE64_HI_LO] = iowrite64_hi_lo,
	[KS_H_IOREAD8_REP] = ioread8_rep, [KS_H_IOREAD16_REP] = ioread16_rep,
	[KS_H_IOREAD32_REP] = ioread32_rep,
	[KS_H_IOWRITE8_REP] = iowrite8_rep,
	[KS_H_IOWRITE16_REP] = iowrite16_rep,
	[KS_H_IOWRITE32_REP] = iowrite32_rep,
	[KS_H_MEMCPY_FROMIO] = memcpy_fromio, [KS_H_MEMCPY_TOIO] = memcpy_toio,
	[KS_H_MEMSET_IO] = memset_io,
	[KS_H_IOWRITE32_COPY] = __iowrite32_copy,
	[KS_H_IOWRITE64_COPY] = __iowrite64_copy,
};


__visible void ks_khelper(struct ks_mregs *r, const struct ks_msite *ms)
{
	const void *fn = (const u8 *)&ms->fn + ms->fn;
	u64 a = r->di, b = r->si, c = r->dx, v;
	bool single = ms->helper < KS_H_IOREAD8_REP;
	struct ks_order ord;
	int in_helper;

	/* it calls what its kind says, or nothing */
	if (!ms->helper || ms->helper >= KS_H_MAX || fn != accessors[ms->helper]) {
		ks_site_bad(ms, a, "accessor");
		r->ax = ~0ull; /* as a read of a device that is gone */
		return;
	}

	/*
	 * The accessor's own port instructions are not the net's
	 * (netpio.c): say so for this context, which stays on this CPU
	 * (the accessors do not sleep).
	 */
	preempt_disable();
	in_helper = this_cpu_read(ks_in_helper);
	this_cpu_write(ks_in_helper, ks_ctx_level());
	/* one accessor call, one or two accesses: nothing in between */
	if (single)
		ks_order_begin(&ord);
	switch (ms->helper) {
	case KS_H_IOREAD8:
	case KS_H_IOREAD16:
	case KS_H_IOREAD32:
		v = ((read_fn)fn)((const void __iomem *)ks_token_io(a));
		r->ax = v;
		ks_rec_token(ms, a, v, ms->helper == KS_H_IOREAD8 ? 1 :
				    ms->helper == KS_H_IOREAD16 ? 2 : 4);
		break;
	case KS_H_IOREAD16BE:
	case KS_H_IOREAD32BE:
		v = ((read_fn)fn)((const void __iomem *)ks_token_io(a));
		r->ax = v;
		/* the device gave the bytes swapped */
		if (ms->helper == KS_H_IOREAD16BE)
			ks_rec_token(ms, a, swab16(v), 2);
		else
			ks_rec_token(ms, a, swab32(v), 4);
		break;
	case KS_H_IOREAD64_LO_HI:
	case KS_H_IOREAD64_HI_LO:
		v = ((read64_fn)fn)((const void __iomem *)ks_token_io(a));
		r->ax = v;
		if (ms->helper == KS_H_IOREAD64_LO_HI) {
			ks_rec_token(ms, a, (u32)v, 4);
			ks_rec_token(ms, a + 4, v >> 32, 4);
		} else {
			ks_rec_token(ms, a + 4, v >> 32, 4);
			ks_rec_token(ms, a, (u32)v, 4);
		}
		break;
	case KS_H_IOWRITE8:
	case KS_H_IOWRITE16:
	case KS_H_IOWRITE32:
		((write_fn)fn)(a, (void __iomem *)ks_token_io(b));
		ks_rec_token(ms, b, a & ks_mask_of(ms->helper == KS_H_IOWRITE8 ? 1 :
					     ms->helper == KS_H_IOWRITE16 ? 2 : 4),
			  KS_MF_WRITE | (ms->helper == KS_H_IOWRITE8 ? 1 :
					 ms->helper == KS_H_IOWRITE16 ? 2 : 4));
		break;
	case KS_H_IOWRITE16BE:
		((write_fn)fn)(a, (void __iomem *)ks_token_io(b));
		ks_rec_token(ms, b, swab16(a), KS_MF_WRITE | 2);
		break;
	case KS_H_IOWRITE32BE:
		((write_fn)fn)(a, (void __iomem *)ks_token_io(b));
		ks_rec_token(ms, b, swab32(a), KS_MF_WRITE | 4);
		break;
	case KS_H_IOWRITE64_LO_HI:
	case KS_H_IOWRITE64_HI_LO:
		((write64_fn)fn)(a, (void __iomem *)ks_token_io(b));
		if (ms->helper == KS_H_IOWRITE64_LO_HI) {
			ks_rec_token(ms, b, (u32)a, KS_MF_WRITE | 4);
			ks_rec_token(ms, b + 4, a >> 32, KS_MF_WRITE | 4);
		} else {
			ks_rec_token(ms, b + 4, a >> 32, KS_MF_WRITE | 4);
			ks_rec_token(ms, b, (u32)a, KS_MF_WRITE | 4);
		}
		break;
	case KS_H_IOREAD8_REP:
	case KS_H_IOREAD16_REP:
	case KS_H_IOREAD32_REP:
		helper_rep(ms, fn, a, (u8 *)b, c,
			   1 << (ms->helper - KS_H_IOREAD8_REP), false);
		break;
	case KS_H_IOWRITE8_REP:
	case KS_H_IOWRITE16_REP:
	case KS_H_IOWRITE32_REP:
		helper_rep(ms, fn, a, (u8 *)b, c,
			   1 << (ms->helper - KS_H_IOWRITE8_REP), true);
		break;
	case KS_H_MEMCPY_FROMIO:
		helper_copy(ms, b, (u8 *)a, c, false);
		break;
	case KS_H_MEMCPY_TOIO:
		helper_copy(ms, a, (u8 *)b, c, true);
		break;
	case KS_H_IOWRITE32_COPY:
		for (v = 0; v < c; v++)
			copy_one(ms, a + 4 * v, (u8 *)b + 4 * v, 4, true);
		break;
	case KS_H_IOWRITE64_COPY:
		for (v = 0; v < c; v++)
			copy_one(ms, a + 8 * v, (u8 *)b + 8 * v, 8, true);
		break;
	case KS_H_MEMSET_IO:
		helper_memset(ms, a, (u8)b, c);
		break;
	default:
		break;
	}
	if (single)
		ks_order_end(&ord);
	this_cpu_write(ks_in_helper, in_helper);
	preempt_enable();
}
