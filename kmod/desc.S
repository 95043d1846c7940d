/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride.ko's own descriptors, in the layout the rewriter gives an
 * instrumented module (include/kstride/abi.h): one region per kind of
 * record kstride.ko writes itself (SWITCH from ctx.c, MAP, UNMAP and MARK
 * from mmio.c).  A reader fetches them with KS_IOC_READ_DESC for module
 * "kstride".  ctx.c checks the constants.
 */
#include <linux/linkage.h>

/* one region of one site: its function, kind and slot count */
.macro REGION name, func, kind, nslots
	.globl	\name
\name:
	.long	\func - .		/* func */
	.short	1, \nslots		/* nsites, nslots */
	/* the site: off, size, kind, flags */
	.long	0
	.short	0
	.byte	\kind, 0
	/* disp, form (KS_A_SLOT), scale, nslots, slot */
	.long	0
	.byte	0, 1, \nslots, 0
.endm

.macro FUNC name, str
\name:
	.long	\str - ., .Lobject - ., 0, 0
.endm

	.section kstride_regions, "a"
	.balign 8
	.globl	ks_own_regions, ks_own_regions_end
ks_own_regions:
	REGION	ks_switch_region, ks_switch_func, 8, 5	/* KS_K_SWITCH */
	REGION	ks_map_region, ks_map_func, 13, 5	/* KS_K_MAP */
	REGION	ks_unmap_region, ks_unmap_func, 14, 5	/* KS_K_UNMAP */
	REGION	ks_mark_region, ks_mark_func, 15, 9	/* KS_K_MARK */
	/* the safety net's catches: KS_K_MMIO_R, _W, KS_NET_SLOTS slots */
	REGION	ks_net_region_r, ks_net_func, 9, 15
	REGION	ks_net_region_w, ks_net_func, 10, 15
	REGION	ks_net_region_pr, ks_net_func, 11, 15	/* KS_K_PIO_R */
	REGION	ks_net_region_pw, ks_net_func, 12, 15	/* KS_K_PIO_W */
ks_own_regions_end:

	.section kstride_funcs, "a"
	.balign 8
	.globl	ks_own_funcs, ks_own_funcs_end
ks_own_funcs:
	FUNC	ks_switch_func, .Lswitch
	FUNC	ks_map_func, .Lmap
	FUNC	ks_unmap_func, .Lunmap
	FUNC	ks_mark_func, .Lmark
	FUNC	ks_net_func, .Lnet
ks_own_funcs_end:

	.section kstride_strs, "a"
	.globl	ks_own_strs, ks_own_strs_end
ks_own_strs:
.Lswitch:
	.asciz	"sched_switch"
.Lmap:	.asciz	"ioremap"
.Lunmap:
	.asciz	"iounmap"
.Lmark:	.asciz	"mark"
.Lnet:	.asciz	"net"
.Lobject:
	.asciz	"kstride"
	.balign	8
ks_own_strs_end:
