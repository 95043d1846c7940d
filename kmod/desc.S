/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride.ko's own descriptors, in the layout the rewriter gives an
 * instrumented module (include/kstride/abi.h): one region, whose records
 * are the SWITCH records ctx.c writes.  A reader fetches them with
 * KS_IOC_READ_DESC for module "kstride".  ctx.c checks the constants.
 */
#include <linux/linkage.h>

	.section kstride_regions, "a"
	.balign 8
	.globl	ks_own_regions, ks_own_regions_end, ks_switch_region
ks_own_regions:
ks_switch_region:
	.long	ks_switch_func - .	/* func */
	.short	1, 5			/* nsites, nslots */
	/* the site: off, size, kind (KS_K_SWITCH), flags */
	.long	0
	.short	0
	.byte	8, 0
	/* disp, form (KS_A_SLOT), scale, nslots, slot */
	.long	0
	.byte	0, 1, 5, 0
ks_own_regions_end:

	.section kstride_funcs, "a"
	.balign 8
	.globl	ks_own_funcs, ks_own_funcs_end
ks_own_funcs:
ks_switch_func:
	.long	.Lname - ., .Lobject - ., 0, 0
ks_own_funcs_end:

	.section kstride_strs, "a"
	.globl	ks_own_strs, ks_own_strs_end
ks_own_strs:
.Lname:	.asciz	"sched_switch"
.Lobject:
	.asciz	"kstride"
	.balign	8
ks_own_strs_end:
