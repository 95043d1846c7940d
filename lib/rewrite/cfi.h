/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind information for the copies (user-space objects): cfi.c reads the
 * object's .eh_frame and writes an FDE for every instrumented copy, whose
 * CFA program is the original's, replayed at the copy's addresses;
 * lsda.c does the same for the C++ call-site tables (.gcc_except_table)
 * that the FDEs point to.
 */
#ifndef KS_REWRITE_CFI_H
#define KS_REWRITE_CFI_H

#include "internal.h"

/* DW_EH_PE_* pointer encodings */
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_OMIT 0xff

/* A bounded reader of DWARF bytes. */
struct dw_rd {
	const u8 *p, *end;
	bool bad; /* read past the end, or an encoding we do not know */
};

u64 dw__uleb(struct dw_rd *r);
s64 dw__sleb(struct dw_rd *r);
u8 dw__u8(struct dw_rd *r);
u64 dw__fixed(struct dw_rd *r, unsigned int size);
/* Size of a fixed-size encoded value (low nibble of @enc), 0 if not fixed. */
unsigned int dw__enc_size(u8 enc);
int dw__put_uleb(struct buf *b, u64 v, unsigned int min_len);
int dw__put_sleb(struct buf *b, s64 v);
unsigned int dw__uleb_len(u64 v);

/* One LSDA, in the original .gcc_except_table: where and how far. */
struct lsda_ref {
	struct elf_sec *sec;
	u64 off, end;
};

/*
 * Landing pads of the LSDA at @l, for function @f: each is made an entry
 * of @f (a region starts there).  A table kstride cannot follow exactly
 * leaves @f original.  Return 0 or -ENOMEM.
 */
int lsda__scan(struct rw_ctx *ctx, struct func *f, const struct lsda_ref *l);

/*
 * Write the LSDA of @f's copy into @out (a new section beside @l->sec's):
 * the same actions and types, the call sites at the copy's offsets.
 * *@at receives its offset.  Return 0, -EINVAL (and a message) if the
 * table cannot be followed, or -ENOMEM.
 */
int lsda__emit(struct rw_ctx *ctx, const struct func *f,
	       const struct lsda_ref *l, struct elf_sec *out, struct buf *ob,
	       u64 *at);

/* The copy offset where the instruction at @f-relative @off begins. */
bool cfi__map(const struct func *f, u64 off, u64 *to);

#endif /* KS_REWRITE_CFI_H */
