/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind information for the copies (user-space objects): cfi.c reads the
 * object's .eh_frame (cfa.c runs its programs, dwarf.c its numbers) and
 * cfi-emit.c writes an FDE for every instrumented copy, whose
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

/* ---- between cfi.c (reading), cfa.c and cfi-emit.c (writing) ---- */

#define DW_NREG 33 /* DWARF x86-64: 0-15 gprs, 16 return address, 17-32 xmm */
#define DW_REG_SP 7 /* DWARF number of %rsp */

enum { RULE_UNSPEC, RULE_UNDEF, RULE_SAME, RULE_OFF, RULE_VALOFF, RULE_REG,
       RULE_EXPR, RULE_VALEXPR };

struct rule {
	u8 kind;
	u32 reg;
	s64 off; /* bytes, not factored */
	const u8 *blob; /* expressions, in the original .eh_frame */
	u32 blen;
};

struct cfa_state {
	u32 cfa_reg;
	s64 cfa_off;
	const u8 *cfa_blob; /* DW_CFA_def_cfa_expression */
	u32 cfa_blen;
	u64 args; /* DW_CFA_GNU_args_size */
	struct rule r[DW_NREG];
};

struct row {
	u64 loc; /* function-relative, where these rules start */
	struct cfa_state st;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

struct cie {
	u64 off;
	bool ok, has_z, has_l;
	u8 fde_enc, lsda_enc;
	u64 code_align;
	s64 data_align;
	const u8 *ins;
	size_t ins_len;
	struct cfa_state init;
};

struct fde {
	struct func *f;
	u32 cie; /* index in struct cfi's cies */
	const u8 *ins;
	size_t ins_len;
	struct lsda_ref lsda; /* .sec NULL: none */
};

struct cfi {
	struct elf_sec *sec; /* .eh_frame */
	VEC(struct cie) cies;
	VEC(struct fde) fdes;
	u64 append_at; /* where new entries go: the end, or a terminator */
};

bool cfa__rule_eq(const struct rule *a, const struct rule *b);
bool cfa__cfa_eq(const struct cfa_state *a, const struct cfa_state *b);
bool cfa__state_eq(const struct cfa_state *a, const struct cfa_state *b);
/*
 * Run a CFA program.  @rows NULL: a CIE's initial instructions (no
 * location may advance).  Returns 0 or -EINVAL for what we do not know.
 */
int cfa__run(const struct cie *c, const u8 *p, size_t len,
	     struct cfa_state *st, struct rows *rows);

#endif /* KS_REWRITE_CFI_H */
