// SPDX-License-Identifier: GPL-2.0
/*
 * ibtwatch.so: a QEMU TCG plugin that checks x86 IBT's rule at run time,
 * which TCG itself does not enforce: the instruction an indirect call or
 * jump (ff /2, ff /3, ff /4, ff /5) reaches must be an endbr64 (f3 0f 1e
 * fa), or a CPU with IBT raises #CP and the kernel oopses.  The 3e
 * "notrack" prefix exempts nothing here: Linux enables supervisor IBT
 * without NO_TRACK_EN (MSR_IA32_S_CET = CET_ENDBR_EN).
 *
 *   -plugin build/ibtwatch.so,lo=ADDR,hi=ADDR,out=FILE
 *
 * Every translated block's first instruction is a place an indirect
 * branch can reach (such a branch always ends its block).  The branch's
 * own callback marks its vCPU; the next block that vCPU runs is the
 * branch's target, or an interrupt's or exception's handler, which the
 * kernel gives an endbr64 too.  Targets in [lo, hi) (the modules' space)
 * are recorded: each distinct target with its count, and each one with no
 * endbr64 as a violation.  Those elsewhere are only counted.  At exit,
 * FILE gets:
 *   ibtwatch: branches=N in-range=M violations=V
 *             kernel-elsewhere-without-endbr=K user-without-endbr=U
 * (on one line; U: user space, which is not built for IBT here; K: the
 * rest of the kernel, where an interrupt taken between a branch and its
 * target may show its handler's block)
 *   T ADDR COUNT ENDBR(0|1)     one line per distinct target in range
 *                               (and verdict: a module reloaded there
 *                               may have other bytes)
 *   V FROM TO                   one line per distinct violation
 *
 * Written against QEMU's plugin API version 1 (Debian 12's QEMU 7.2),
 * which its documentation describes; only the calls used are declared.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* --- the plugin API's calls used here (QEMU plugin API, version 1) --- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info;
enum { PLUGIN_CB_NO_REGS = 0 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *udata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  int flags, void *udata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    vcpu_udata_cb cb, int flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t i);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;
/* ---------------------------------------------------------------------- */

#define MAX_VCPUS 512
#define MAX_TARGETS (1 << 20) /* open addressing, a power of two */
#define MAX_VIOL 4096

struct target {
	uint64_t addr, count;
	bool endbr, used;
};

struct viol {
	uint64_t from, to;
};

static uint64_t lo, hi;
static const char *out_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t pending[MAX_VCPUS]; /* the branch's address, or 0 */
static uint64_t branches, in_range, kernel_bad, user_bad;
static struct target *targets;
static size_t ntargets;
static struct viol viols[MAX_VIOL];
static size_t nviols;
static bool overflow;

/* one per translated block: its start and whether it is an endbr64 */
struct block {
	uint64_t addr;
	bool endbr;
};

static bool is_endbr64(const uint8_t *p, size_t n)
{
	static const uint8_t e[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	return n == 4 && !memcmp(p, e, 4);
}

/* ff /2 /3 (call), ff /4 /5 (jmp), after any legacy prefixes */
static bool is_indirect_branch(const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i < n; i++) {
		uint8_t b = p[i];

		if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e &&
		    b != 0x64 && b != 0x65 && b != 0x66 && b != 0x67 &&
		    b != 0xf2 && b != 0xf3 && b != 0xf0)
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40) /* REX */
		i++;
	if (i + 1 >= n || p[i] != 0xff)
		return false;
	switch ((p[i + 1] >> 3) & 7) {
	case 2: case 3: case 4: case 5:
		return true;
	}
	return false;
}

/* a target is its address and its bytes' verdict: code there may change */
static void note_target(uint64_t from, uint64_t to, bool endbr)
{
	size_t h = ((to * 2 + endbr) * 0x9e3779b97f4a7c15ull) >> 44 & (MAX_TARGETS - 1);

	pthread_mutex_lock(&lock);
	in_range++;
	while (targets[h].used && (targets[h].addr != to || targets[h].endbr != endbr))
		h = (h + 1) & (MAX_TARGETS - 1);
	if (!targets[h].used) {
		if (ntargets + 1 >= MAX_TARGETS / 2) {
			overflow = true;
			goto out;
		}
		targets[h] = (struct target){ .addr = to, .endbr = endbr, .used = true };
		ntargets++;
	}
	targets[h].count++;
	if (!endbr) {
		size_t i;

		for (i = 0; i < nviols; i++)
			if (viols[i].from == from && viols[i].to == to)
				break;
		if (i == nviols && nviols < MAX_VIOL)
			viols[nviols++] = (struct viol){ from, to };
		else if (i == nviols)
			overflow = true;
	}
out:
	pthread_mutex_unlock(&lock);
}

static void on_block(unsigned int vcpu, void *udata)
{
	const struct block *b = udata;
	uint64_t from;

	if (vcpu >= MAX_VCPUS || !(from = pending[vcpu]))
		return;
	pending[vcpu] = 0;
	if (b->addr >= lo && b->addr < hi)
		note_target(from, b->addr, b->endbr);
	else if (!b->endbr && (b->addr >> 63))
		__atomic_add_fetch(&kernel_bad, 1, __ATOMIC_RELAXED);
	else if (!b->endbr)
		__atomic_add_fetch(&user_bad, 1, __ATOMIC_RELAXED); /* not CET */
}

static void on_branch(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		pending[vcpu] = (uint64_t)(uintptr_t)udata;
	__atomic_add_fetch(&branches, 1, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	(void)id;
	if (!n)
		return;
	b = malloc(sizeof(*b)); /* lives as long as the block may run */
	if (!b)
		abort();
	b->addr = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0));
	b->endbr = is_endbr64(qemu_plugin_insn_data(qemu_plugin_tb_get_insn(tb, 0)),
			      qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, 0)));
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, PLUGIN_CB_NO_REGS, b);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(in);

		if (is_indirect_branch(qemu_plugin_insn_data(in), qemu_plugin_insn_size(in)) && va)
			qemu_plugin_register_vcpu_insn_exec_cb(in, on_branch, PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)va);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	char tmp[4096];
	FILE *f;
	size_t i;

	(void)id;
	(void)udata;
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return;
	}
	fprintf(f, "ibtwatch: branches=%llu in-range=%llu violations=%zu kernel-elsewhere-without-endbr=%llu user-without-endbr=%llu%s\n",
		(unsigned long long)branches, (unsigned long long)in_range, nviols,
		(unsigned long long)kernel_bad, (unsigned long long)user_bad,
		overflow ? " overflow" : "");
	for (i = 0; i < MAX_TARGETS; i++)
		if (targets[i].used)
			fprintf(f, "T %#llx %llu %d\n", (unsigned long long)targets[i].addr,
				(unsigned long long)targets[i].count, targets[i].endbr);
	for (i = 0; i < nviols; i++)
		fprintf(f, "V %#llx %#llx\n", (unsigned long long)viols[i].from,
			(unsigned long long)viols[i].to);
	if (fclose(f) || rename(tmp, out_path))
		perror(out_path);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info *info, int argc,
			char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "lo=", 3))
			lo = strtoull(argv[i] + 3, NULL, 0);
		else if (!strncmp(argv[i], "hi=", 3))
			hi = strtoull(argv[i] + 3, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else {
			fprintf(stderr, "ibtwatch: unknown argument '%s' (lo=, hi=, out=)\n", argv[i]);
			return 1;
		}
	}
	if (!out_path || !hi || lo >= hi) {
		fprintf(stderr, "ibtwatch: needs lo=ADDR,hi=ADDR,out=FILE\n");
		return 1;
	}
	targets = calloc(MAX_TARGETS, sizeof(*targets));
	if (!targets)
		return 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
