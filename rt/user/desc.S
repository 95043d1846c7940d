/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime's own descriptors, in the layout the rewriter gives an
 * instrumented object (include/kstride/abi.h): the region of the THREAD
 * records rt.c writes when a thread starts and ends.  They land in the
 * program's kstride_regions, kstride_funcs and kstride_strs sections
 * beside the instrumented objects' own, and are dumped with them.
 */
#define __ASSEMBLY__ 1
#include <kstride/abi.h>

	.section kstride_regions, "a"
	.balign 8
	.globl	__kstride_rt_thread_region
	.hidden	__kstride_rt_thread_region
__kstride_rt_thread_region:
	.long	.Lfunc - .			/* func */
	.short	1, KS_THREAD_SLOTS		/* nsites, nslots */
	.long	0				/* off */
	.short	0				/* size */
	.byte	KS_K_THREAD, 0			/* kind, flags */
	.long	0				/* disp: no callee */
	.byte	KS_A_CALL, 1, KS_THREAD_SLOTS, 0 /* form, scale, nslots, slot */

	.section kstride_funcs, "a"
	.balign 8
.Lfunc:
	.long	.Lname - ., .Lobject - ., 0, 0

	.section kstride_strs, "a"
.Lname:
	.asciz	"thread"
.Lobject:
	.asciz	"kstride-rt"
	.balign 8

	.section .note.GNU-stack, "", @progbits
