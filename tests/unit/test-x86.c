// SPDX-License-Identifier: GPL-2.0
/*
 * The arch layer: decoding into struct insn, and the encoder, checked by
 * decoding what it emits (Zydis is the oracle for the encoder).
 */
#include <kstride/abi.h>

#include "../../lib/arch/x86/emit.h"
#include "harness.h"

static struct insn dec(const char *hex)
{
	u8 b[16];
	int n = 0;
	struct insn in;

	while (*hex) {
		unsigned v;

		sscanf(hex, "%2x", &v);
		b[n++] = v;
		hex += 2;
		while (*hex == ' ')
			hex++;
	}
	if (x86__decode(b, n, 0x100, &in))
		memset(&in, 0xff, sizeof(in));
	return in;
}

TEST(load_base_disp)
{
	struct insn in = dec("8b 47 08"); /* mov 0x8(%rdi),%eax */

	ASSERT_EQ(in.len, 3);
	ASSERT_EQ(in.nacc, 1);
	EXPECT_EQ(in.acc[0].kind, KS_K_R);
	EXPECT_EQ(in.acc[0].size, 4);
	EXPECT_EQ(in.acc[0].base, REG_RDI);
	EXPECT_EQ(in.acc[0].disp, 8);
	EXPECT_TRUE(in.gpr_kill & (1 << REG_RAX));
	EXPECT_TRUE(in.gpr_read & (1 << REG_RDI));
}

TEST(rmw_and_lock)
{
	struct insn in = dec("f0 01 07"); /* lock add %eax,(%rdi) */

	ASSERT_EQ(in.nacc, 1);
	EXPECT_EQ(in.acc[0].kind, KS_K_U);
	EXPECT_TRUE(in.acc[0].flags & KS_F_LOCK);
	in = dec("48 87 07"); /* xchg %rax,(%rdi): implicitly locked */
	EXPECT_TRUE(in.acc[0].flags & KS_F_LOCK);
	EXPECT_EQ(in.acc[0].kind, KS_K_U);
}

TEST(stack_ops)
{
	struct insn in = dec("53"); /* push %rbx */

	ASSERT_EQ(in.nacc, 1);
	EXPECT_EQ(in.acc[0].form, ACC_STACK);
	EXPECT_EQ(in.acc[0].stack_off, -8);
	EXPECT_EQ(in.acc[0].kind, KS_K_W);
	in = dec("c3"); /* ret */
	EXPECT_EQ(in.type, INSN_RET);
	EXPECT_EQ(in.acc[0].stack_off, 0);
	EXPECT_EQ(in.acc[0].kind, KS_K_R);
	in = dec("ff 30"); /* push (%rax): read, then write the stack */
	EXPECT_EQ(in.nacc, 2);
}

TEST(not_accesses)
{
	EXPECT_EQ(dec("48 8d 47 08").nacc, 0); /* lea */
	EXPECT_EQ(dec("66 0f 1f 44 00 00").nacc, 0); /* nopw */
	EXPECT_EQ(dec("0f 18 0f").nacc, 0); /* prefetcht0 */
}

TEST(strings)
{
	struct insn in = dec("f3 a4"); /* rep movsb */

	ASSERT_EQ(in.nacc, 2);
	EXPECT_EQ(in.acc[0].form, ACC_STRING);
	EXPECT_TRUE(in.acc[0].flags & KS_F_REP);
	EXPECT_TRUE((in.acc[0].strreg == REG_RDI && in.acc[0].kind == KS_K_RANGE_W) ||
		    (in.acc[0].strreg == REG_RSI && in.acc[0].kind == KS_K_RANGE_R));
}

TEST(branches)
{
	struct insn in = dec("74 10"); /* je .+0x12 */

	EXPECT_EQ(in.type, INSN_JCC);
	EXPECT_EQ(in.cc, 4);
	EXPECT_EQ(in.target, 0x100 + 2 + 0x10);
	in = dec("e3 fe"); /* jrcxz . */
	EXPECT_EQ(in.type, INSN_LOOP);
	in = dec("ff e0"); /* jmp *%rax */
	EXPECT_EQ(in.type, INSN_JMP_IND);
	EXPECT_TRUE(dec("06").len == 0xff); /* invalid in 64-bit mode */
}

TEST(flags)
{
	struct insn in = dec("48 39 c8"); /* cmp %rcx,%rax */

	EXPECT_EQ(in.fl_kill, FL_ALL);
	in = dec("0f 94 c0"); /* sete %al */
	EXPECT_EQ(in.fl_read, FL_ZF);
	in = dec("d3 e0"); /* shl %cl,%eax: a zero count keeps the flags */
	EXPECT_EQ(in.fl_kill, 0);
}

TEST(zero_idiom)
{
	struct insn in = dec("31 c0"); /* xor %eax,%eax */

	EXPECT_EQ(in.gpr_read & 1, 0);
	EXPECT_TRUE(in.gpr_kill & 1);
}

/* Emit each form with many registers, decode it back with Zydis. */
/* MMIO mode: what kstride.ko may perform itself (the bytes from gas) */
TEST(mmio_forms)
{
	struct insn in;

	in = dec("8b 47 08"); /* mov 0x8(%rdi),%eax */
	EXPECT_EQ(in.mm.op, KS_MOP_LOAD);
	EXPECT_EQ(in.mm.size, 4);
	EXPECT_EQ(in.mm.reg, REG_RAX);
	EXPECT_EQ(in.mm.dsize, 4);
	in = dec("44 89 47 10"); /* mov %r8d,0x10(%rdi) */
	EXPECT_EQ(in.mm.op, KS_MOP_STORE);
	EXPECT_EQ(in.mm.reg, 8);
	EXPECT_EQ(in.mm.size, 4);
	in = dec("c7 47 04 ff ff ff ff"); /* movl $-1,0x4(%rdi) */
	EXPECT_EQ(in.mm.op, KS_MOP_STORE_IMM);
	EXPECT_EQ(in.mm.imm, -1);
	in = dec("0f b6 06"); /* movzbl (%rsi),%eax */
	EXPECT_EQ(in.mm.op, KS_MOP_LOAD_ZX);
	EXPECT_EQ(in.mm.size, 1);
	EXPECT_EQ(in.mm.dsize, 4);
	in = dec("48 0f bf 06"); /* movswq (%rsi),%rax */
	EXPECT_EQ(in.mm.op, KS_MOP_LOAD_SX);
	EXPECT_EQ(in.mm.size, 2);
	EXPECT_EQ(in.mm.dsize, 8);
	in = dec("8a 26"); /* mov (%rsi),%ah: a high byte, not performed */
	EXPECT_EQ(in.mm.op, KS_MOP_OTHER);
	in = dec("83 0f 01"); /* orl $1,(%rdi): read-modify-write */
	EXPECT_EQ(in.mm.op, KS_MOP_OTHER);
	in = dec("e6 80"); /* out %al,$0x80 */
	EXPECT_EQ(in.mm.op, KS_MOP_OUT);
	EXPECT_EQ(in.mm.size, 1);
	EXPECT_EQ(in.mm.imm, 0x80);
	EXPECT_EQ(in.mm.reg, REG_NONE);
	in = dec("ed"); /* in (%dx),%eax */
	EXPECT_EQ(in.mm.op, KS_MOP_IN);
	EXPECT_EQ(in.mm.size, 4);
	EXPECT_EQ(in.mm.reg, REG_RDX);
	in = dec("f3 6c"); /* rep insb (%dx),%es:(%rdi) */
	EXPECT_EQ(in.mm.op, KS_MOP_INS);
	EXPECT_TRUE(in.mm.rep);
	in = dec("66 6f"); /* outsw %ds:(%rsi),(%dx) */
	EXPECT_EQ(in.mm.op, KS_MOP_OUTS);
	EXPECT_EQ(in.mm.size, 2);
	EXPECT_TRUE(!in.mm.rep);
	in = dec("01 c8"); /* add %ecx,%eax: no memory */
	EXPECT_EQ(in.mm.op, 0);
}

TEST(encoder_roundtrip)
{
	static const int regs[] = { 0, 3, 4, 5, 7, 8, 12, 13, 15 };
	size_t i, j, k;

	for (i = 0; i < 9; i++) {
		for (j = 0; j < 9; j++) {
			for (k = 0; k < 3; k++) {
				static const s32 disps[] = { 0, -8, 0x1234 };
				struct x86_mem m = { .base = regs[j],
						     .index = regs[i] == 4 ? REG_NONE : regs[i],
						     .scale = 4, .disp = disps[k] };
				struct buf b = {};
				struct insn in;

				ASSERT_EQ(x86__emit_store(&b, regs[(i + j) % 9], &m, NULL), 0);
				ASSERT_EQ(x86__decode(b.p, b.len, 0, &in), 0);
				ASSERT_EQ(in.len, b.len);
				ASSERT_EQ(in.nacc, 1);
				EXPECT_EQ(in.acc[0].kind, KS_K_W);
				EXPECT_EQ(in.acc[0].size, 8);
				EXPECT_EQ(in.acc[0].base, m.base);
				EXPECT_EQ(in.acc[0].index, m.index);
				EXPECT_EQ(in.acc[0].disp, m.disp);
				buf__free(&b);
			}
		}
	}
}

TEST(encoder_tls_and_rip)
{
	struct x86_mem m = x86_mem_seg_abs(SEG_FS, 0x10);
	struct buf b = {};
	struct insn in;
	size_t fx = 0;

	ASSERT_EQ(x86__emit_load(&b, 13, &m, &fx), 0);
	ASSERT_EQ(x86__decode(b.p, b.len, 0, &in), 0);
	EXPECT_TRUE(in.acc[0].flags & KS_F_FS);
	EXPECT_EQ(in.acc[0].base, REG_NONE);
	EXPECT_EQ(in.acc[0].disp, 0x10);
	EXPECT_EQ(fx, b.len - 4);
	b.len = 0;
	m = x86_mem_base(REG_RIP, 0x40);
	ASSERT_EQ(x86__emit_lea(&b, 9, &m, &fx), 0);
	ASSERT_EQ(x86__decode(b.p, b.len, 0, &in), 0);
	EXPECT_TRUE(in.rip_rel);
	EXPECT_TRUE(in.gpr_kill & (1 << 9));
	buf__free(&b);
}

TEST_MAIN("unit-x86")
