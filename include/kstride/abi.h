/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kstride ABI: the one header shared by the rewriter, the runtimes and the
 * trace readers.  Everything here is little-endian, fixed width, and laid out
 * without compiler padding.  Bump KS_ABI_VERSION on any change.
 *
 * 1. Descriptors emitted by the rewriter into every instrumented object
 * ---------------------------------------------------------------------
 *
 * Section "kstride_regions" (SHF_ALLOC, 8-aligned) is a sequence of regions.
 * A region is a run of instrumented instructions that share one record in
 * the buffer.  Pointers are relative (target - &field) so that the section
 * needs only PC32 relocations, which work in PIE, in static binaries and in
 * -mcmodel=kernel modules alike.
 *
 *   struct ks_region (8 + 16 * nsites bytes)
 *   +--------+--------+--------+
 *   | func   | nsites | nslots |   func: s32 rel. pointer to struct ks_func
 *   | s32    | u16    | u16    |
 *   +--------+--------+--------+
 *   | ks_site[0] ... ks_site[nsites-1]
 *   +--------------------------+
 *
 *   struct ks_site (16 bytes)
 *   +--------+--------+--------+--------+
 *   | off    | size   | kind   | flags  |  off: byte offset of the original
 *   | u32    | u16    | u8     | u8     |  instruction in its function
 *   +--------+--------+--------+--------+
 *   | disp   | form   | scale  | nslots | slot |
 *   | s32    | u8     | u8     | u8     | u8   |
 *   +--------+--------+--------+--------+------+
 *
 * How the address of an access is formed (form):
 *   KS_A_SLOT   slot[0] + disp            (base register, stack pointer)
 *   KS_A_SLOT2  slot[0] + slot[1] * scale + disp   (base and index)
 *   KS_A_ABS    disp (sign-extended)      (absolute, e.g. %fs:0x28)
 *   KS_A_RIP    &disp + disp: disp is a PC-relative pointer relocated by
 *               the linker, so RIP-relative accesses cost no slot
 *   KS_A_RANGE  string op: slot[0], slot[1] = pointer before and after
 *   KS_A_BITOFF bt/bts/btr/btc with a register bit offset into memory:
 *               slot[0] + disp + size * (sext(slot[1]) >> log2(8 * size)),
 *               the operand-sized word that holds the bit (Intel SDM), with
 *               slot[1] sign-extended from 8 * size bits
 *   KS_A_BITOFF_IDX   the same with base slot[0] + slot[1] * scale, bit slot[2]
 *   KS_A_BITOFF_RIP   the same with base &disp + disp, bit slot[0]
 *   KS_A_BITOFF_ABS   the same with base disp, bit slot[0]
 * KS_F_FS / KS_F_GS add the thread's segment base; KS_F_ADDR32 keeps the
 * low 32 bits.  ENTRY and EXIT sites use KS_A_SLOT with the stack pointer.
 * A site reads its values from slot[slot] on; it owns nslots of them, and
 * may own none when it reuses a slot an earlier site of the region filled
 * with the same register (its disp then includes any constant the register
 * moved by in between, e.g. %rsp across pushes).
 *
 * Section "kstride_funcs" holds struct ks_func, one per instrumented function:
 *
 *   +--------+--------+--------+--------+
 *   | name   | object | size   | flags  |  name/object: s32 rel. pointers to
 *   | s32    | s32    | u32    | u32    |  NUL-terminated strings
 *   +--------+--------+--------+--------+
 *
 * A region word of zero (func == 0, nsites == 0) is alignment padding left by
 * the linker between objects; readers skip 8 bytes.
 *
 * 2. Records in a buffer
 * ----------------------
 *
 *   +-----------------+------------+-----+----------------------+
 *   | u32 region ref  | u64 slot 0 | ... | u64 slot nslots - 1  |
 *   +-----------------+------------+-----+----------------------+
 *
 * The region ref is the low 32 bits of the run-time address of the struct
 * ks_region: all descriptors of one image lie in one section of less than
 * 4 GiB, so the low half names one exactly; the reader maps it back through
 * the KS_CHUNK_REGIONS dump.  Records are 4-byte aligned: slots may be
 * unaligned.  A slot holds a register value an access's address is formed
 * from (see KS_A_*), the stack pointer (ENTRY/EXIT), or a string pointer
 * before and after the instruction (RANGE).  A ref of 0 is a record that
 * was reserved but not committed.
 *
 * 3. User-space trace file
 * ------------------------
 *
 *   +----------------------+
 *   | struct ks_file_hdr   |  magic "KSTRACE\0", version
 *   | KS_CHUNK_PAD         |  to the end of the first 4 KiB page
 *   +----------------------+
 *   | struct ks_chunk_hdr  |  type, len (payload bytes, multiple of 8)
 *   | payload              |
 *   +----------------------+
 *   | ... more chunks ...  |
 *   +----------------------+
 *   | KS_CHUNK_END         |  totals; a file without it is truncated
 *   +----------------------+
 */
#ifndef KSTRIDE_ABI_H
#define KSTRIDE_ABI_H

/*
 * 4. Kernel rings (kstride.ko)
 * -----------------------------------------------------------
 *
 * One ring per CPU of nsub sub-buffers.  A sub-buffer is the lower half of
 * a frame of 2 << KS_SUB_SHIFT bytes aligned to its size, so a record
 * pointer past the usable half has bit KS_SUB_SHIFT set whichever CPU tests
 * it (a task may migrate between its reservation and the test):
 *
 *	mov	$bytes, B
 *	xadd	B, %gs:cur		reserve on this CPU
 *	bt	$KS_SUB_SHIFT, B	past the usable half?
 *	jc	slow
 *	movl	$bytes, (B)		length marker: reserved, in flight
 *	... slots ...
 *	movl	region, (B)		commit
 *
 * Every record that passes the test starts in the usable half; the first
 * that fails starts at or past its end, so a reader walks records while
 * they start below the sub-buffer's length and never meets a gap.  The
 * header is stored last: it commits the record.  A zero header is a
 * record whose writer was interrupted (or preempted) between its
 * reservation and its length marker, a length marker one still being
 * written; the reader waits for both before it copies a sub-buffer, and
 * does not give it back meanwhile, so a late writer never writes into a
 * reused sub-buffer.
 *
 * The slow path gets the record's region, and runs with interrupts off
 * and a per-CPU flag against NMIs.  It completes the sub-buffer (length,
 * timestamps and flags go to the control page, the produced count is
 * release-stored, the reader is woken through irq_work), zeroes the next
 * free one and hands out its first record.  A record it cannot place is
 * dropped and counted there, exactly, from its region: when no
 * sub-buffer is free (the ring is full: the cursor then points where
 * every reservation fails the bit test, so each one comes to be
 * counted), when the pointer is another CPU's (the task migrated), or
 * when an NMI arrives during a switch.  Dropped records are written to a
 * per-CPU sink that nothing reads.
 *
 * Who ran, and when.  Kernel records carry no per-record header beyond
 * the region ref; the context of every record follows from two kinds of
 * records in the same per-CPU stream, in reservation order:
 *
 *   ENTRY sites of kernel code have KS_F_CTX and three slots: the stack
 *   pointer, the TSC (rdtsc) and the CPU's preempt count at entry, whose
 *   NMI, hardirq and serving-softirq bits name the context.  Code that
 *   runs in an interrupt starts with a function entry and ends with its
 *   exit: the reader nests contexts by entries and exits.
 *
 *   SWITCH records, written by kstride.ko from the sched_switch
 *   tracepoint, once per CPU when the first instrumented module comes,
 *   and first in a sub-buffer that follows dropped records (KS_SUB_GAP):
 *   slots TSC, pid | tgid << 32, the 16 bytes of the task's comm, and
 *   the preempt count (0 from the scheduler; after a gap, the context of
 *   the code that recorded next, whose nesting is unknown).  Their region
 *   is kstride.ko's own (module "kstride").
 *
 * A record's timestamp is the TSC of the latest ENTRY or SWITCH on its
 * CPU, converted to local_clock() nanoseconds through the (ts, tsc) pair
 * of its sub-buffer's completion and KS_IOC_INFO's tsc_khz.
 */
#ifndef __ASSEMBLY__
#include <linux/types.h>
#endif

#define KS_ABI_VERSION 5
/* the oldest trace files readers still read (2: device records of 5 slots) */
#define KS_ABI_VERSION_OLDEST 2

/* Access kinds (struct ks_site.kind). */
#define KS_K_NONE 0
#define KS_K_R 1 /* read */
#define KS_K_W 2 /* write */
#define KS_K_U 3 /* read-modify-write ("update") */
#define KS_K_ENTRY 4 /* function entry, slot = stack pointer */
#define KS_K_EXIT 5 /* function exit (ret or tail jump), slot = sp */
#define KS_K_RANGE_R 6 /* string read: slots = pointer before, after */
#define KS_K_RANGE_W 7 /* string write: slots = pointer before, after */
#define KS_K_SWITCH 8 /* kernel: the CPU runs another task (kstride.ko) */
#define KS_K_MMIO_R 9 /* device read: slots as in struct ks_mmio_rec */
#define KS_K_MMIO_W 10 /* device write */
#define KS_K_PIO_R 11 /* port read (in, ins, ioread on a port token) */
#define KS_K_PIO_W 12 /* port write */
#define KS_K_MAP 13 /* kstride.ko: an ioremap'd area appeared */
#define KS_K_UNMAP 14 /* kstride.ko: it went */
#define KS_K_MARK 15 /* kstride.ko: a user's marker (KS_IOC_MARK) */
#define KS_K_CALL_PRE 16 /* a call out of the object (part 6) */
#define KS_K_CALL_POST 17 /* ...and its return */
#define KS_K_THREAD 18 /* user space: a thread starts or ends (part 6) */
#define KS_K_TICKET 19 /* kernel --calls: a ticket drawn after a store (part 6) */
#define KS_K_NETDEV 20 /* kstride.ko: a net device's transmit queues */
#define KS_K_MAX 21 /* one past the last */

/* Site flags (struct ks_site.flags). */
#define KS_F_LOCK 0x01 /* locked or implicitly atomic (xchg) */
#define KS_F_STACK 0x02 /* implicit stack access (push/pop/call/ret...) */
#define KS_F_FS 0x04 /* fs-relative, reported as the linear address */
#define KS_F_GS 0x08 /* gs-relative, reported as the linear address */
#define KS_F_REP 0x10 /* string op with a rep prefix */
#define KS_F_CMPXCHG 0x20 /* compare-and-exchange */
#define KS_F_ADDR32 0x40 /* 32-bit address arithmetic (0x67 prefix) */
#define KS_F_CTX 0x80 /* kernel ENTRY: slots sp, TSC, preempt_count */
#define KS_F_CTX_RT 0x04 /* ...of ENTRY: the slot's high half, RT's softirq count */
/*
 * ...of ENTRY sites (--calls): rdi, rsi, a ticket and the return address
 * (who called: the kernel's caller of a callback) follow its slots;
 * KS_ENTRY_ARGS_SLOTS of them (3, without the return address, in traces
 * of modules instrumented before it was added)
 */
#define KS_F_ENTRY_ARGS 0x01
#define KS_ENTRY_ARGS_SLOTS 4
/* ...of EXIT sites (--calls): a ticket follows the stack pointer */
#define KS_F_EXIT_SEQ 0x01
/* ...a tail jump to a function of the object: the caller's context goes on there */
#define KS_F_EXIT_TAIL 0x02
/* ...of CALL_PRE and CALL_POST sites, whose accesses are none: */
#define KS_F_CALL_TAIL 0x01 /* a tail jump: no CALL_POST follows */
#define KS_F_CALL_IND 0x02 /* indirect: the target is in its slot */

/* Address forms (struct ks_site.form): see "Address forms" above. */
#define KS_A_SLOT 0
#define KS_A_SLOT2 1
#define KS_A_ABS 2
#define KS_A_RIP 3
#define KS_A_RANGE 4
#define KS_A_BITOFF 5
#define KS_A_BITOFF_IDX 6
#define KS_A_BITOFF_RIP 7
#define KS_A_BITOFF_ABS 8
#define KS_A_CALL 9 /* CALL_PRE/POST, THREAD: see part 6; disp: callee */

#ifndef __ASSEMBLY__
struct ks_site {
	__u32 off;
	__u16 size;
	__u8 kind;
	__u8 flags;
	__s32 disp;
	__u8 form;
	__u8 scale;
	__u8 nslots;
	__u8 slot; /* first slot it reads */
};

struct ks_region {
	__s32 func;
	__u16 nsites;
	__u16 nslots;
	struct ks_site site[];
};
#endif /* !__ASSEMBLY__ */

#define KS_FUNC_COLD 0x1 /* a .cold part: entered by jumps, not calls */

#ifndef __ASSEMBLY__
struct ks_func {
	__s32 name;
	__s32 object;
	__u32 size;
	__u32 flags;
};
#endif /* !__ASSEMBLY__ */

/* A region never has more slots than this: the room check reserves it. */
#define KS_REGION_MAX_SLOTS 60
#define KS_REC_HDR 4
#define KS_REC_BYTES(nslots) (KS_REC_HDR + 8 * (nslots))
#define KS_REGION_MAX_BYTES KS_REC_BYTES(KS_REGION_MAX_SLOTS)

/*
 * User-space per-thread state, reached from instrumented code as
 * %fs:__kstride_tls@tpoff + KS_TLS_*.
 *
 *   +0  cur    next free byte in the thread's buffer
 *   +8  limit  buffer end - KS_REGION_MAX_BYTES: cur > limit => refill
 *   +16 spill  four scratch words for registers the rewriter had to borrow
 */
#define KS_TLS_CUR 0
#define KS_TLS_LIMIT 8
#define KS_TLS_SPILL 16
#define KS_TLS_NSPILL 4
#define KS_TLS_SIZE 48

/* Symbols the rewriter makes instrumented user-space objects refer to. */
#define KS_SYM_TLS "__kstride_tls"
#define KS_SYM_REFILL "__kstride_refill"

/*
 * Kernel modules refer to kstride.ko instead: a per-CPU struct with the
 * same first fields as the user-space TLS (KS_TLS_CUR, KS_TLS_LIMIT),
 * reached as %gs:__kstride_pcpu + field, and the slow path
 * __kstride_krefill, which is called with the region's record pointer and
 * then the address of its struct ks_region pushed on the stack, preserves
 * every register and the flags, and returns the new record pointer in the
 * region's slot.  Registers the
 * rewriter borrows are saved on the stack (there is no red zone), never in
 * per-CPU slots, which an interrupt could reuse.
 */
#define KS_SYM_PCPU "__kstride_pcpu"
#define KS_SUB_SHIFT 15 /* usable bytes of a kernel sub-buffer: 32 KiB */
#define KS_SYM_KREFILL "__kstride_krefill"
/*
 * The kernel's per-CPU preempt count, exported again by kstride.ko under
 * its own unversioned name: kernel ENTRY records read it (KS_F_CTX).
 */
#define KS_SYM_PREEMPT "__kstride_preempt_count"
/*
 * PREEMPT_RT: softirqs run in tasks and leave the preempt count's softirq
 * bits clear; the task's softirq_disable_cnt holds them.  ENTRY sites of
 * a module built for an RT kernel (its vermagic says preempt_rt) carry
 * KS_F_CTX_RT and store that count in the high half of the preempt count
 * slot: %gs:__kstride_current_task is the running task, and the u64
 * __kstride_softirq_off the field's offset in it (kstride.ko sets it).
 */
#define KS_SYM_CURTASK "__kstride_current_task"
#define KS_SYM_SOFTIRQ_OFF "__kstride_softirq_off"

/*
 * 5. MMIO mode (kstride instrument --mmio, kernel target)
 * -------------------------------------------------------
 *
 * Only accesses that may reach a device are instrumented: memory operands
 * that are not %rsp-, RIP- or segment-based, port I/O instructions, and
 * calls to the kernel's MMIO accessors (ioread32, memcpy_fromio, ...).
 * A memory operand gets an inline check, a few instructions that fail for
 * everything outside ioremap'd space:
 *
 *	lea	addr, T
 *	shr	$KS_IOMAP_SHIFT, T
 *	sub	__kstride_iomap_base(%rip), T	vmalloc start >> shift
 *	cmp	__kstride_iomap_len(%rip), T	granules in vmalloc space
 *	jae	1f
 *	bt	T, __kstride_iomap(%rip)	granules holding an ioremap
 *	jc	stub
 *   1:	original instruction
 *
 * The stub pushes the address of the site's struct ks_msite and calls
 * __kstride_kmmio, which finds the mapping, performs the access itself
 * (exactly once, at the same width: reads have side effects), writes the
 * value into the saved destination register, records it, and returns
 * past the original instruction.  A site kstride.ko cannot perform (any
 * other instruction) runs the original instruction and records the
 * access with KS_MF_NOVALUE.  Port I/O instructions and accessor calls
 * always take their stub (__kstride_kpio, __kstride_khelper).
 *
 * Section "kstride_msites" holds the sites; each names a region of one
 * site (in kstride_regions) that gives its function, offset, width and
 * kind, so that readers need nothing new to name the instruction.
 */
#define KS_SYM_KMMIO "__kstride_kmmio"
#define KS_SYM_KPIO "__kstride_kpio"
#define KS_SYM_KHELPER "__kstride_khelper"
#define KS_SYM_IOMAP "__kstride_iomap"
#define KS_SYM_IOMAP_BASE "__kstride_iomap_base"
#define KS_SYM_IOMAP_LEN "__kstride_iomap_len"
#define KS_IOMAP_SHIFT 21 /* 2 MiB granules */
#define KS_SEC_MSITES "kstride_msites"

#ifndef __ASSEMBLY__
enum ks_mop {
	KS_MOP_LOAD = 1, /* mov m, reg (reg gets size bytes) */
	KS_MOP_LOAD_ZX = 2, /* movzx m, reg (dsize: register bytes) */
	KS_MOP_LOAD_SX = 3, /* movsx/movsxd m, reg */
	KS_MOP_STORE = 4, /* mov reg, m */
	KS_MOP_STORE_IMM = 5, /* mov $imm, m (imm sign-extended) */
	KS_MOP_OTHER = 6, /* anything else: run, record without value */
	KS_MOP_IN = 7, /* in: port imm (reg = none) or %dx, into %al/%ax/%eax */
	KS_MOP_OUT = 8, /* out */
	KS_MOP_HELPER = 9, /* a call to an accessor: helper, fn */
	KS_MOP_INS = 10, /* ins: port %dx into (%rdi), rep: %rcx times */
	KS_MOP_OUTS = 11, /* outs: (%rsi) to port %dx */
};
#endif /* !__ASSEMBLY__ */

#define KS_REG_NONE 0xff
#define KS_MSF_REP 0x1 /* INS/OUTS with a rep prefix: %rcx times */

#ifndef __ASSEMBLY__
struct ks_msite {
	__s32 region; /* rel. pointer to its struct ks_region */
	__u8 op; /* enum ks_mop */
	__u8 size; /* access width: 1, 2, 4, 8 */
	__u8 base, index; /* GPR numbers (rax 0 ... r15 15), KS_REG_NONE */
	__u8 scale;
	__u8 reg; /* value register, KS_REG_NONE for an immediate */
	__u8 dsize; /* loads: destination register bytes */
	__u8 flags; /* KS_MSF_* */
	__s32 disp;
	__s32 imm; /* STORE_IMM: the value; IN/OUT: the port if reg none */
	__s32 fn; /* HELPER: rel. pointer to the accessor itself */
	__u32 helper; /* HELPER: enum ks_helper */
	__s32 pc; /* rel. pointer to the instruction, in the copy */
	__u32 reserved;
};
#endif /* !__ASSEMBLY__ */

/* The accessors a module may call, recorded access by access. */
#ifndef __ASSEMBLY__
enum ks_helper {
	KS_H_IOREAD8 = 1, KS_H_IOREAD16, KS_H_IOREAD16BE, KS_H_IOREAD32,
	KS_H_IOREAD32BE, KS_H_IOREAD64_LO_HI, KS_H_IOREAD64_HI_LO,
	KS_H_IOWRITE8, KS_H_IOWRITE16, KS_H_IOWRITE16BE, KS_H_IOWRITE32,
	KS_H_IOWRITE32BE, KS_H_IOWRITE64_LO_HI, KS_H_IOWRITE64_HI_LO,
	KS_H_IOREAD8_REP, KS_H_IOREAD16_REP, KS_H_IOREAD32_REP,
	KS_H_IOWRITE8_REP, KS_H_IOWRITE16_REP, KS_H_IOWRITE32_REP,
	KS_H_MEMCPY_FROMIO, KS_H_MEMCPY_TOIO, KS_H_MEMSET_IO,
	KS_H_IOWRITE32_COPY, KS_H_IOWRITE64_COPY,
	KS_H_MAX,
};
#endif /* !__ASSEMBLY__ */

/*
 * A device access record: its region is the site's (which names the
 * instruction), its slots these.  The flags say what the access was: an
 * accessor call may read a port or memory, and make several accesses.
 */
#ifndef __ASSEMBLY__
struct ks_mmio_rec {
	__u64 tsc;
	__u64 phys; /* physical address, or the port */
	__u64 value; /* the value read or written, as the device saw it */
	__u64 virt; /* the address the module used */
	__u32 map_id; /* the mapping's id (0: port I/O) */
	__u32 flags; /* width in bytes (KS_MF_WIDTH) | KS_MF_* */
	/*
	 * The access's place in the order all traced device accesses were
	 * made in, across CPUs (kstride.ko serialises them); 0: not known
	 * (an NMI that found the lock taken).  Absent from traces with 5
	 * slots, made before it was recorded.
	 */
	__u64 seq;
	/*
	 * Where the instruction that made it runs: its place in the copy
	 * (mmiotrace's pc); 0 in traces from before it was recorded.
	 */
	__u64 pc;
};
#endif /* !__ASSEMBLY__ */

#define KS_MMIO_SLOTS 7
#define KS_MF_WIDTH 0xff
#define KS_MF_WRITE 0x100
#define KS_MF_PORT 0x200
#define KS_MF_NOVALUE 0x400 /* the value is not known (KS_MOP_OTHER) */
#define KS_MF_UNMAPPED 0x800 /* an accessor on an address no map knows */
/*
 * The context the access ran in, from the preempt count at the access:
 * 1 task, 2 softirq, 3 hardirq, 4 NMI; 0 in traces from before it was
 * recorded (readers then nest contexts by function entries).
 */
#define KS_MF_CTX_SHIFT 12
#define KS_MF_CTX (0x7u << KS_MF_CTX_SHIFT)
/*
 * Caught by the safety net: code kstride did not instrument touched an
 * armed page, and kstride.ko performed the access itself (STEPPED: ran
 * the instruction single-stepped instead, its value unknown).  Such a
 * record's region is kstride.ko's own "net" region, of KS_NET_SLOTS
 * slots: the seven above, then KS_NET_TEXT bytes of the faulting pc as
 * "function+0xoff/0xsize [module]", resolved when it ran (NUL-padded).
 */
#define KS_MF_NET 0x8000
#define KS_MF_STEPPED 0x10000
/*
 * Not performed: the address is in no mapping and faulted, or the site's
 * descriptor did not check out (a rewriter bug).  Recorded, never made.
 */
#define KS_MF_BAD 0x20000
#define KS_NET_TEXT 64
#define KS_NET_SLOTS (KS_MMIO_SLOTS + KS_NET_TEXT / 8)

/*
 * kstride.ko's own records (module "kstride"), one region each:
 *   SWITCH  tsc, pid | tgid << 32, comm[16], preempt count
 *   MAP     tsc, phys, virt, len, id
 *   UNMAP   tsc, virt, id, 0, 0
 *   MARK    tsc, 64 bytes of text (NUL-padded)
 *   NETDEV  tsc, dev, tx, nq | stride << 32, lock | flags << 32, name[16]
 * Their descriptors are kmod/desc.S, built from these constants.
 *
 * NETDEV says where a net device's transmit locks are, from the kernel's
 * own struct layout (kstride.ko is built against its headers): the
 * struct net_device at dev has nq struct netdev_queue from tx on, stride
 * bytes apart, each with its _xmit_lock at byte lock.  Written for every
 * device present when an instrumented module comes, and for each one
 * registered or renamed (flags 0) or unregistered (KS_NETDEV_GONE) after.  Readers
 * need it to name the lock the kernel holds around ndo_start_xmit() when
 * a driver takes it itself, inline (netif_tx_disable(), __netif_tx_lock()).
 */
#define KS_MARK_TEXT 64
#define KS_SWITCH_SLOTS 5
#define KS_MAP_SLOTS 5 /* MAP and UNMAP */
#define KS_MARK_SLOTS (1 + KS_MARK_TEXT / 8)
#define KS_NETDEV_NAME 16
#define KS_NETDEV_SLOTS (5 + KS_NETDEV_NAME / 8)
#define KS_NETDEV_GONE 0x1
/* device records of version-2 traces: struct ks_mmio_rec up to seq */
#define KS_MMIO_SLOTS_V2 5

#ifndef __ASSEMBLY__
struct ks_add_map {
	__u64 virt, len, phys; /* an ioremap that existed before we came */
};
#endif /* !__ASSEMBLY__ */

/*
 * The safety net (KS_IOC_NET_START ... KS_IOC_NET_STOP, one at a time).
 * While it is on, kstride.ko arms every mapping of the devices the named
 * modules drive: the memory BARs of the PCI functions they bind (whoever
 * maps them: the PCI core maps the MSI-X table itself) and every ioremap
 * they make.  An armed page is not present; an access from code that is
 * not instrumented faults, and kstride.ko performs and records it.
 * Instrumented code and kstride.ko reach the device through an alias
 * mapping of the same physical pages with the same memory type.
 *
 * A MAP record's id slot says, above its low 32 bits, what the net did
 * with the mapping (enum ks_net_map).
 */
#define KS_NET_MAX_MODS 32
#define KS_NET_WC 0x1 /* arm write-combining and write-back mappings too */

#ifndef __ASSEMBLY__
struct ks_net_start {
	__u32 flags; /* KS_NET_* */
	__u32 nmods;
	char mods[KS_NET_MAX_MODS][56]; /* module names, NUL-terminated */
};

enum ks_net_map {
	KS_NETMAP_OFF = 0, /* the net was off, or not this device's */
	KS_NETMAP_ARMED = 1,
	KS_NETMAP_MEMTYPE = 2, /* not armed: write-combining or cached */
	KS_NETMAP_LARGE = 3, /* not armed: larger than the net arms */
	KS_NETMAP_NOSPACE = 4, /* not armed: the alias space is used up */
	KS_NETMAP_NOMEM = 5, /* not armed: no memory, or no page table */
};
#endif /* !__ASSEMBLY__ */

/*
 * Apertures: mappings of write-combining or cached memory type (VRAM,
 * framebuffers), whose accesses are memory traffic, not register
 * traffic.  With KS_MMIO_COUNT_APERTURES (KS_IOC_MMIO_OPTS, for as long
 * as the descriptor that set it is open), instrumented accesses to them
 * are performed and counted, not recorded, so that they cannot fill the
 * rings and crowd out the registers' accesses.  A MAP record's id slot
 * has KS_MAP_APERTURE above its low 32 bits for such a mapping.
 */
#define KS_MMIO_COUNT_APERTURES 0x1
#define KS_MAP_APERTURE 0x100 /* in (id slot >> 32), beside enum ks_net_map */

#ifndef __ASSEMBLY__
struct ks_mmio_opts {
	__u32 flags; /* KS_MMIO_* */
	__u32 reserved;
};

struct ks_aperture_stats {
	__u64 reads, writes, bytes; /* counted, not recorded */
	__u64 reserved[5];
};

struct ks_net_stats {
	__u64 armed; /* mappings armed */
	__u64 not_armed[6]; /* by enum ks_net_map (2 ... 5) */
	__u64 emulated; /* accesses caught and performed by kstride.ko */
	__u64 stepped; /* caught, run single-stepped (value unknown) */
	__u64 own; /* faults of kstride.ko's own code: must stay 0 */
	__u64 own_expected; /* instrumented sites that run the original */
	__u64 overlap; /* armed pages another fault found disarmed */
	__u64 devices; /* PCI functions whose BARs the net covers */
	__u64 pio; /* port accesses caught (KS_IOC_NET_PIO's probes) */
	__u64 pio_watched, pio_refused; /* port instructions probed, not */
	__u64 reserved[1];
};
#endif /* !__ASSEMBLY__ */

/*
 * Port I/O cannot fault: record names the in and out instructions of the
 * kernel code the traced modules call, and kstride.ko probes each while
 * the net is on; accesses to a traced device's I/O ports are recorded as
 * net catches (KS_MF_NET | KS_MF_PORT).  Once per net, after its start.
 */
#define KS_NET_PIO_MAX 4096

#ifndef __ASSEMBLY__
struct ks_net_pio {
	__u64 addrs; /* user pointer to n __u64 instruction addresses */
	__u32 n;
	__u32 refused; /* out: not probed (not such an instruction, or a
			* place kprobes refuses) */
};

struct ks_mark {
	char text[KS_MARK_TEXT];
};
#endif /* !__ASSEMBLY__ */

/*
 * 6. Calls out of the object (kstride instrument --calls)
 * -------------------------------------------------------
 *
 * Every call and tail jump from an instrumented function to a function
 * outside the object (an undefined symbol; an indirect call, which may
 * leave it) records CALL_PRE right before it, and every call CALL_POST
 * right after it returns, in a record of its own: the callee may record,
 * sleep and migrate in between.  Their sites have form KS_A_CALL, whose
 * disp is a relative pointer to the callee's name (in kstride_strs), or 0
 * for an indirect call, and KS_F_CALL_* flags.  Slots:
 *
 *   CALL_PRE   seq, target, rdi, rsi, rdx, rcx, r8, r9
 *              (target: the indirect call's target, 0 for a direct one)
 *   CALL_POST  seq, rax, rdx
 *
 * seq is a ticket from one global counter (__kstride_seq: lock xadd,
 * user space's runtime or kstride.ko): the order that calls happened in
 * across threads and CPUs.  A CALL_PRE's ticket is drawn before the
 * callee starts, a CALL_POST's after it returned, so a release (unlock)
 * always has a smaller ticket than the acquire that saw it.  The status
 * flags are clobbered right before the call and after it returns, where
 * the psABI leaves them undefined.
 *
 * With --calls, the entries of functions whose address the object takes
 * (callbacks: work, timers, tasklets, interrupt handlers, kthreads, which
 * code that is not traced runs later) also record their first two
 * arguments, which name the callback's object, a ticket and their return
 * address, which names the code that called them (KS_F_ENTRY_ARGS); their
 * exits a ticket (KS_F_EXIT_SEQ).  A kernel trace of such a module holds
 * the kernel's text symbols (KS_CHUNK_KSYMS), which name those callers.
 *
 * In a kernel object, a store through a register that may reach device
 * memory (a plain mov, not to the stack, not through %gs, with the status
 * flags dead after it: every MMIO accessor is an asm statement, after
 * which they are) is followed by a TICKET site of form KS_A_SLOT, one
 * slot, filled after the store ran:
 *
 *   TICKET     seq
 *
 * so a doorbell is ordered before whatever draws a later ticket, the
 * interrupt it causes on any CPU included.
 *
 * The user-space runtime records a thread's start and end in records of
 * its own region ("kstride-rt"), in programs where an object has the
 * section KS_SEC_CALLS (which --calls adds):
 *
 *   THREAD     seq, what (KS_THREAD_*), fs base (pthread_self()), tid
 */
#define KS_SYM_SEQ "__kstride_seq"
#define KS_SEC_CALLS "kstride_calls"
#define KS_CALL_PRE_SLOTS 8
#define KS_CALL_POST_SLOTS 3
#define KS_THREAD_SLOTS 4
#define KS_THREAD_START 1
#define KS_THREAD_END 2

#define KS_SEC_REGIONS "kstride_regions"
/*
 * An instrumented kernel module's .modinfo also holds "kstride_abi=N"
 * (KS_ABI_VERSION) and "kstride_mode=full|mmio|calls".
 */
#define KS_MODINFO_ABI "kstride_abi"
#define KS_MODINFO_MODE "kstride_mode"
#define KS_SEC_FUNCS "kstride_funcs"
#define KS_SEC_STRS "kstride_strs"

/* Trace file. */
#define KS_FILE_MAGIC "KSTRACE"

#ifndef __ASSEMBLY__
struct ks_file_hdr {
	char magic[8]; /* "KSTRACE\0" */
	__u32 version; /* KS_ABI_VERSION */
	__u32 flags;
	__u64 pid;
	__u64 tsc_khz; /* kernel traces: TSC ticks per millisecond */
};

enum ks_chunk_type {
	KS_CHUNK_DATA = 1, /* struct ks_data_hdr, then records, then slack */
	KS_CHUNK_REGIONS = 2, /* u64 run-time address, then raw section bytes */
	KS_CHUNK_FUNCS = 3, /* u64 run-time address, then raw section bytes */
	KS_CHUNK_STRS = 4, /* u64 run-time address, then raw string bytes */
	KS_CHUNK_END = 5, /* struct ks_end */
	KS_CHUNK_PAD = 6, /* nothing: space to skip */
	KS_CHUNK_PCI = 7, /* MMIO traces: the PCI devices, as mmiotrace's
			   * PCIDEV lines (text, NUL-padded) */
	KS_CHUNK_NET = 8, /* MMIO traces: struct ks_net_stats of the net */
	KS_CHUNK_APERTURES = 9, /* MMIO traces: struct ks_aperture_stats */
	KS_CHUNK_KSYMS = 10, /* --calls kernel traces: the kernel's text
			      * symbols, "ADDR NAME[ \t[MODULE]]\n" lines
			      * as /proc/kallsyms has them less the type
			      * (hex address), NUL-terminated */
};

struct ks_chunk_hdr {
	__u32 type;
	__u32 reserved;
	__u64 len; /* payload bytes, a multiple of 8 */
};
#endif /* !__ASSEMBLY__ */

/*
 * A DATA chunk is one buffer of one thread.  Buffers are windows of the
 * file that the program writes in place, so chunks of one thread may lie
 * out of order in the file: seq orders them.  records <= chunk len - 32;
 * the rest of the chunk is slack.
 */
#ifndef __ASSEMBLY__
struct ks_data_hdr {
	__u32 tid;
	__u32 seq; /* per thread (per CPU in kernel traces), from 0 */
	__u64 fs_base; /* segment base: %fs of the thread, %gs of the CPU */
	__u64 records; /* bytes of records that follow (a multiple of 4) */
	__u64 kinfo; /* kernel: KS_KINFO() */
	__u64 ts; /* kernel traces: local_clock() at completion, ns */
	__u64 tsc; /* kernel traces: the TSC at completion */
};
#endif /* !__ASSEMBLY__ */

/*
 * A kernel DATA chunk's kinfo:
 *
 *   63          32 31    24 23                 0
 *   +-------------+--------+--------------------+
 *   |     cpu     | flags  |   records' stop    |
 *   +-------------+--------+--------------------+
 *   flags: the sub-buffer's KS_SUB_*; stop: where its records end
 */
#define KS_KINFO(cpu, flags, stop)                                           \
	((__u64)(cpu) << 32 | (__u64)((flags) & 0xff) << 24 |                 \
	 ((stop) & 0xffffff))
#define KS_KINFO_CPU(k) ((__u32)((k) >> 32))
#define KS_KINFO_FLAGS(k) ((__u32)((k) >> 24) & 0xff)
#define KS_KINFO_STOP(k) ((__u32)(k) & 0xffffff)

/*
 * A user-space DATA chunk's kinfo: 0 for the thread's own records, or the
 * signal whose handler produced them and how deeply it was nested.  A
 * handler's records are a chunk of their own (its seq follows the chunk
 * of the code it interrupted, which goes on after the handler returns).
 *
 *   63                 16 15     8 7       0
 *   +--------------------+--------+---------+
 *   |         0          | depth  | signal  |
 *   +--------------------+--------+---------+
 */
#define KS_UINFO(sig, depth) ((__u64)((depth) & 0xff) << 8 | ((sig) & 0xff))
#define KS_UINFO_SIG(k) ((__u32)(k) & 0xff)
#define KS_UINFO_DEPTH(k) ((__u32)((k) >> 8) & 0xff)

#define KS_FILE_KERNEL 1 /* ks_file_hdr.flags: a kernel trace */
#define KS_FILE_MMIO 2 /* ...of device accesses (record --mmio) */

#ifndef __ASSEMBLY__
struct ks_end {
	__u64 records_bytes; /* record bytes written in DATA chunks */
	__u64 dropped_bytes; /* record bytes lost (write errors, full rings) */
	__u64 nthreads; /* threads (user), CPUs (kernel) */
	__u64 dropped_events; /* kernel: events in records dropped, exact */
	__u64 dropped_regions; /* kernel: records dropped */
	__u64 lost_inflight; /* kernel: records dropped while in flight */
};
#endif /* !__ASSEMBLY__ */

/*
 * Kernel rings, user side.  mmap() of /dev/kstride (root only), by offset:
 *
 *   KS_MMAP_CTL     nr_cpu_ids * KS_CTL_SIZE bytes, read-only: struct
 *                   ks_ring_ctl per CPU, KS_CTL_SIZE apart
 *   KS_MMAP_CONS    read-write: u64 consumed sub-buffers, one per CPU,
 *                   each in its own 64-byte line (KS_CONS_STRIDE)
 *   KS_MMAP_DATA(c) read-only: CPU c's nsub sub-buffers, each
 *                   KS_SUB_MAP bytes (the usable half and the page after
 *                   it, where the last record may end)
 *
 *   producer (kernel)                      consumer (kstride record)
 *   fill sub-buffer, write its info        p = load_acquire(ctl->produced)
 *   store_release(ctl->produced, n + 1)    copy sub-buffers [consumed, p)
 *                                          store_release(*consumed, p)
 *   c = load_acquire(consumed) before
 *   reusing a sub-buffer
 */
#define KS_SUB_SIZE (1u << KS_SUB_SHIFT)
#define KS_SUB_MAP (KS_SUB_SIZE + 4096)
#define KS_MAX_SUBS 160
#define KS_CONS_STRIDE 64

#define KS_CTL_SIZE 8192 /* bytes of struct ks_ring_ctl room per CPU */
#define KS_MMAP_CTL 0ull
#define KS_MMAP_CONS (1ull << 32)
#define KS_MMAP_DATA(cpu) ((2ull << 32) + ((__u64)(cpu) << 28))

#define KS_SUB_GAP 0x1 /* records were dropped right before this one */

#ifndef __ASSEMBLY__
struct ks_sub_info {
	__u64 seq; /* which completed sub-buffer (produced count) it holds */
	__u64 ts; /* local_clock() when it was completed, ns */
	__u32 len; /* records start below this offset */
	__u32 flags;
	__u64 tsc; /* the TSC when it was completed (pairs with ts) */
};

struct ks_ring_ctl {
	__u64 produced; /* completed sub-buffers; store-release */
	__u32 nsub, cpu;
	__u64 dropped_regions, dropped_events, dropped_bytes; /* exact */
	__u64 lost_inflight; /* unused: the reader counts records in flight */
	__u64 switches;
	__u64 percpu_base; /* this CPU's %gs base: per_cpu_offset(cpu) */
	__u64 reserved;
	struct ks_sub_info sub[KS_MAX_SUBS];
};

struct ks_info {
	__u32 size; /* sizeof(struct ks_info), so it can grow */
	__u32 abi; /* KS_ABI_VERSION */
	__u32 ncpus; /* nr_cpu_ids */
	__u32 nsub;
	__u32 sub_shift;
	__u32 sub_map;
	__u64 online_mask; /* CPUs 0..63 that have a ring */
	__u32 tsc_khz; /* TSC ticks per millisecond (timestamps) */
	__u32 flags; /* KS_INFO_* */
};
#endif /* !__ASSEMBLY__ */

#define KS_INFO_MMIO 0x1 /* MMIO mode works: ioremaps are being tracked */
#define KS_INFO_NET 0x2 /* the safety net is there (KS_IOC_NET_START) */

/*
 * The descriptors of an instrumented module, as loaded: the rewriter names
 * its three descriptor sections with these sized local symbols, which
 * kallsyms keeps; kstride.ko notes them when the module comes.
 */
#define KS_DESC_REGIONS 0
#define KS_DESC_FUNCS 1
#define KS_DESC_STRS 2
#define KS_NDESC 3

#ifndef __ASSEMBLY__
struct ks_read_desc {
	char module[56]; /* NUL-terminated module name */
	__u32 which; /* KS_DESC_* */
	__u32 reserved;
	__u64 addr; /* out: run-time address */
	__u64 len; /* in: buffer size; out: section size */
	__u64 buf; /* user buffer, or 0 to ask for addr and len */
};
#endif /* !__ASSEMBLY__ */

#define KS_IOC_MAGIC 0xb7
#define KS_IOC_INFO _IOR(KS_IOC_MAGIC, 1, struct ks_info)
#define KS_IOC_FLUSH _IO(KS_IOC_MAGIC, 2)
#define KS_IOC_READ_DESC _IOWR(KS_IOC_MAGIC, 3, struct ks_read_desc)
#define KS_IOC_ADD_MAP _IOW(KS_IOC_MAGIC, 4, struct ks_add_map)
#define KS_IOC_MARK _IOW(KS_IOC_MAGIC, 5, struct ks_mark)
#define KS_IOC_NET_START _IOW(KS_IOC_MAGIC, 6, struct ks_net_start)
#define KS_IOC_NET_STOP _IOR(KS_IOC_MAGIC, 7, struct ks_net_stats)
#define KS_IOC_MMIO_OPTS _IOW(KS_IOC_MAGIC, 8, struct ks_mmio_opts)
#define KS_IOC_APERTURES _IOR(KS_IOC_MAGIC, 9, struct ks_aperture_stats)
#define KS_IOC_NET_PIO _IOWR(KS_IOC_MAGIC, 10, struct ks_net_pio)

#endif /* KSTRIDE_ABI_H */
