/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exports from assembly, on the kernels kstride.ko builds for.  Every
 * export of kstride.ko is unversioned (CRC 0): the rewriter gives the
 * modules it instruments __versions entries of CRC 0 for them.
 *
 *   up to 6.4   <asm/export.h>; KS_EXPORT_AS(name, sym) exports @sym's
 *               address under @name (___EXPORT_SYMBOL name, sym, sec)
 *   6.5 on      modpost writes the ksymtab from .export_symbol notes
 *               (<linux/export.h>), with a CRC of 0 for assembly; an
 *               export under another name is written by hand in C
 *               (ks_export_preempt_count in main.c), with its CRC entry,
 *               since the CRC table must run parallel to the symbols
 */
#ifndef KS_KEXPORT_H
#define KS_KEXPORT_H

#include <linux/version.h>

/*
 * The per-CPU preempt count that __kstride_preempt_count exports: its own
 * variable up to 6.1, a field of struct pcpu_hot from 6.2 (main.c checks
 * the offset at build time).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define KS_PREEMPT_COUNT_SYM	__preempt_count
#define KS_CURRENT_TASK_SYM	current_task
#else
#define KS_PREEMPT_COUNT_OFF	8
#define KS_PREEMPT_COUNT_SYM	pcpu_hot+KS_PREEMPT_COUNT_OFF
#define KS_CURRENT_TASK_SYM	pcpu_hot
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define KS_EXPORT_AS_IN_C	0
#ifdef __ASSEMBLY__
#include <asm/export.h>
#define KS_EXPORT(sym)		___EXPORT_SYMBOL sym, sym,
#define KS_EXPORT_AS(name, sym)	___EXPORT_SYMBOL name, sym,
#endif
#else
#define KS_EXPORT_AS_IN_C	1
#include <linux/export.h>
#define KS_EXPORT(sym)		EXPORT_SYMBOL(sym)
#endif

#endif /* KS_KEXPORT_H */
