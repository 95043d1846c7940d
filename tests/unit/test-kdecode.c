// SPDX-License-Identifier: GPL-2.0
/*
 * kstride.ko's safety-net decoder (kmod/decode.c), with Zydis as the
 * oracle: every instruction of real code (this program, libc, libelf,
 * libZydis: tens of thousands of moves) is decoded by both, and they must
 * agree on which instructions the net can perform and on every field of
 * those.  Then hand-made cases for the forms compilers rarely emit.
 */
#include <Zydis/Zydis.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kmod/decode.c"
#include "harness.h"

static ZydisDecoder zd;

/* GPR number (rax 0 ... r15 15) of a Zydis register of any width, or -1 */
static int gpr(ZydisRegister r, int *hi8)
{
	static const ZydisRegister hi[] = { ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH,
					    ZYDIS_REGISTER_DH, ZYDIS_REGISTER_BH };
	ZydisRegister r64;
	unsigned int i;

	*hi8 = 0;
	for (i = 0; i < 4; i++)
		if (r == hi[i]) {
			*hi8 = 1;
			return i;
		}
	r64 = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (r64 >= ZYDIS_REGISTER_RAX && r64 <= ZYDIS_REGISTER_R15)
		return r64 - ZYDIS_REGISTER_RAX;
	return -1;
}

static int reg_or_none(ZydisRegister r)
{
	int hi;

	if (r == ZYDIS_REGISTER_NONE)
		return KS_DREG_NONE;
	return gpr(r, &hi);
}

struct tally {
	unsigned long insns, accepted, moves, disagree;
};

/* What the net should take: Zydis's view. */
static int zydis_expect(const ZydisDecodedInstruction *zi,
			const ZydisDecodedOperand *ops, struct ks_dinsn *e)
{
	const ZydisDecodedOperand *m = NULL, *r = NULL, *imm = NULL;
	unsigned int i;
	int hi = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < zi->operand_count_visible; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
			m = &ops[i];
		else if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER)
			r = &ops[i];
		else if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			imm = &ops[i];
	}
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW:
	case ZYDIS_MNEMONIC_MOVSD: case ZYDIS_MNEMONIC_MOVSQ:
		if (zi->operand_count_visible)
			return -1; /* SSE movsd */
		e->op = KS_DOP_MOVS;
		break;
	case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_STOSD: case ZYDIS_MNEMONIC_STOSQ:
		e->op = KS_DOP_STOS;
		break;
	case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW:
	case ZYDIS_MNEMONIC_LODSD: case ZYDIS_MNEMONIC_LODSQ:
		e->op = KS_DOP_LODS;
		break;
	case ZYDIS_MNEMONIC_MOV:
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
		if (!m || (r && gpr(r->reg.value, &hi) < 0))
			return -1; /* segment or control registers */
		if (m->mem.segment == ZYDIS_REGISTER_FS)
			e->seg = 0x64;
		if (m->mem.segment == ZYDIS_REGISTER_GS)
			e->seg = 0x65;
		e->size = m->size / 8;
		e->absolute = zi->opcode >= 0xa0 && zi->opcode <= 0xa3 &&
			      zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT;
		if (e->absolute) {
			e->moffs = (u64)m->mem.disp.value;
			e->base = e->index = KS_DREG_NONE;
			e->scale = 1;
		} else {
			e->base = reg_or_none(m->mem.base);
			e->index = reg_or_none(m->mem.index);
			e->scale = m->mem.scale ? m->mem.scale : 1;
			e->rip = m->mem.base == ZYDIS_REGISTER_RIP;
			if (e->rip)
				e->base = KS_DREG_NONE;
			e->disp = (s32)m->mem.disp.value;
		}
		if (m == &ops[0]) {
			if (imm) {
				e->op = KS_DOP_STORE_IMM;
				e->imm = imm->imm.value.s;
				e->reg = KS_DREG_NONE;
			} else {
				e->op = KS_DOP_STORE;
				e->reg = gpr(r->reg.value, &hi);
				e->hi8 = hi;
			}
		} else {
			e->op = zi->mnemonic == ZYDIS_MNEMONIC_MOVZX ? KS_DOP_LOAD_ZX :
				zi->mnemonic == ZYDIS_MNEMONIC_MOVSX ||
				(zi->mnemonic == ZYDIS_MNEMONIC_MOVSXD &&
				 r->size == 64) ? KS_DOP_LOAD_SX : KS_DOP_LOAD;
			e->reg = gpr(r->reg.value, &hi);
			e->hi8 = hi;
			e->dsize = r->size / 8;
		}
		e->len = zi->length;
		return 0;
	default:
		return -1;
	}
	/* the string moves: implicit operands */
	e->size = zi->operand_width / 8;
	for (i = 0; i < zi->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			e->size = ops[i].size / 8;
	e->rep = !!(zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
				      ZYDIS_ATTRIB_HAS_REPNE));
	e->len = zi->length;
	return 0;
}

static int same(const struct ks_dinsn *k, const struct ks_dinsn *e)
{
	if (k->len != e->len || k->op != e->op || k->size != e->size)
		return 0;
	if (e->op == KS_DOP_MOVS || e->op == KS_DOP_STOS || e->op == KS_DOP_LODS)
		return k->rep == e->rep;
	if (k->seg != e->seg || k->absolute != e->absolute)
		return 0;
	if (e->absolute)
		return k->moffs == e->moffs && k->reg == 0;
	if (k->base != e->base || k->index != e->index || k->rip != e->rip ||
	    (k->index != KS_DREG_NONE && k->scale != e->scale) ||
	    k->disp != e->disp)
		return 0;
	if (e->op == KS_DOP_STORE_IMM)
		return k->imm == e->imm;
	if (k->reg != e->reg || k->hi8 != e->hi8)
		return 0;
	return e->op == KS_DOP_STORE || k->dsize == e->dsize;
}

static void hexdump(const u8 *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

/* Both decoders over every instruction Zydis finds in [p, p + n). */
static void sweep(const u8 *p, size_t n, struct tally *t)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	size_t off = 0;

	while (off < n) {
		struct ks_dinsn k, e;
		unsigned int avail = n - off < 15 ? n - off : 15;
		int kr, er;

		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&zd, p + off, n - off, &zi,
						       ops))) {
			off++;
			continue;
		}
		t->insns++;
		kr = ks_decode(p + off, avail, &k);
		er = zydis_expect(&zi, ops, &e);
		t->accepted += !kr;
		t->moves += !er;
		if (kr != er || (!kr && !same(&k, &e))) {
			if (t->disagree++ < 10) {
				fprintf(stderr, "  disagree (kstride %d, zydis %d):",
					kr, er);
				hexdump(p + off, zi.length);
			}
		}
		off += zi.length;
	}
}

/* Every executable section of the ELF file at @path. */
static int sweep_file(const char *path, struct tally *t)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	const u8 *map;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	unsigned int i;

	if (fd < 0 || fstat(fd, &st))
		return -1;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	eh = (const void *)map;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, 4) ||
	    eh->e_shoff + (u64)eh->e_shnum * sizeof(*sh) > (u64)st.st_size) {
		munmap((void *)map, st.st_size);
		return -1;
	}
	sh = (const void *)(map + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_PROGBITS && (sh[i].sh_flags & SHF_EXECINSTR) &&
		    sh[i].sh_offset + sh[i].sh_size <= (u64)st.st_size)
			sweep(map + sh[i].sh_offset, sh[i].sh_size, t);
	munmap((void *)map, st.st_size);
	return 0;
}

TEST(real_code_agrees_with_zydis)
{
	const char *files[] = { "/proc/self/exe",
				"/lib/x86_64-linux-gnu/libc.so.6",
				"/lib/x86_64-linux-gnu/libelf.so.1",
				"/lib/x86_64-linux-gnu/libZydis.so.4.0",
				"/lib/x86_64-linux-gnu/libz.so.1" };
	struct tally t = {};
	unsigned int i, swept = 0;

	ZydisDecoderInit(&zd, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		swept += !sweep_file(files[i], &t);
	fprintf(stderr, "  %u files, %lu instructions, %lu moves the net performs\n",
		swept, t.insns, t.moves);
	ASSERT_TRUE(swept >= 4);
	EXPECT_TRUE(t.moves > 10000);
	EXPECT_EQ(t.accepted, t.moves);
	EXPECT_EQ(t.disagree, 0);
}

static int dec(const char *hex, struct ks_dinsn *d)
{
	u8 b[16];
	unsigned int n = 0, v;

	while (*hex && n < sizeof(b)) {
		sscanf(hex, "%2x", &v);
		b[n++] = v;
		hex += 2;
		while (*hex == ' ')
			hex++;
	}
	return ks_decode(b, n, d);
}

TEST(rare_forms)
{
	struct ks_dinsn d;

	/* mov %ah,(%rdi): the high byte of %rax, not %spl */
	ASSERT_EQ(dec("88 27", &d), 0);
	EXPECT_EQ(d.reg, 0);
	EXPECT_EQ(d.hi8, 1);
	/* mov %spl,(%rdi) with a REX prefix */
	ASSERT_EQ(dec("40 88 27", &d), 0);
	EXPECT_EQ(d.reg, 4);
	EXPECT_EQ(d.hi8, 0);
	/* movabs 0x1122334455667788,%eax */
	ASSERT_EQ(dec("a1 88 77 66 55 44 33 22 11", &d), 0);
	EXPECT_EQ(d.absolute, 1);
	EXPECT_EQ(d.moffs, 0x1122334455667788ull);
	EXPECT_EQ(d.size, 4);
	EXPECT_EQ(d.len, 9);
	/* movw $0x1234,0x10(%rax,%rbx,4) */
	ASSERT_EQ(dec("66 c7 44 98 10 34 12", &d), 0);
	EXPECT_EQ(d.size, 2);
	EXPECT_EQ(d.imm, 0x1234);
	EXPECT_EQ(d.index, 3);
	EXPECT_EQ(d.scale, 4);
	/* movq $-1,(%rax): imm32 sign-extended */
	ASSERT_EQ(dec("48 c7 00 ff ff ff ff", &d), 0);
	EXPECT_EQ(d.imm, -1);
	EXPECT_EQ(d.size, 8);
	/* rep movsl, rep stosq */
	ASSERT_EQ(dec("f3 a5", &d), 0);
	EXPECT_EQ(d.op, KS_DOP_MOVS);
	EXPECT_EQ(d.rep, 1);
	EXPECT_EQ(d.size, 4);
	ASSERT_EQ(dec("f3 48 ab", &d), 0);
	EXPECT_EQ(d.op, KS_DOP_STOS);
	EXPECT_EQ(d.size, 8);
	/* not for the net: a register operand, lock, xchg, a cut-short one */
	EXPECT_EQ(dec("89 c0", &d), -1);
	EXPECT_EQ(dec("f0 89 07", &d), -1);
	EXPECT_EQ(dec("87 07", &d), -1);
	EXPECT_EQ(dec("8b 87 00 01", &d), -1);
	EXPECT_EQ(dec("c7 c8 00 00 00 00", &d), -1); /* mod 3 */
}

TEST_MAIN("kdecode")
