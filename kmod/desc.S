/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstride.ko's own descriptors, in the layout the rewriter gives an
 * instrumented module (include/kstride/abi.h): one region per kind of
 * record kstride.ko writes itself (SWITCH from ctx.c, MAP, UNMAP and MARK
 * from mmio.c, NETDEV from netdev.c).  A reader fetches them with KS_IOC_READ_DESC for module
 * "kstride".  The kinds and slot counts are abi.h's; ctx.c asserts that
 * the REGION and FUNC macros lay out struct ks_region, ks_site and ks_func.
 */
#include <linux/linkage.h>
#include <kstride/abi.h>

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
	/* disp, form, scale, nslots, slot */
	.long	0
	.byte	KS_A_SLOT, 1, \nslots, 0
.endm

.macro FUNC name, str
\name:
	.long	\str - ., .Lobject - ., 0, 0
.endm

	.section kstride_regions, "a"
	.balign 8
	.globl	ks_own_regions, ks_own_regions_end
ks_own_regions:
	REGION	ks_switch_region, ks_switch_func, KS_K_SWITCH, KS_SWITCH_SLOTS
	REGION	ks_map_region, ks_map_func, KS_K_MAP, KS_MAP_SLOTS
	REGION	ks_unmap_region, ks_unmap_func, KS_K_UNMAP, KS_MAP_SLOTS
	REGION	ks_mark_region, ks_mark_func, KS_K_MARK, KS_MARK_SLOTS
	REGION	ks_netdev_region, ks_netdev_func, KS_K_NETDEV, KS_NETDEV_SLOTS
	/* the safety net's catches */
	REGION	ks_net_region_r, ks_net_func, KS_K_MMIO_R, KS_NET_SLOTS
	REGION	ks_net_region_w, ks_net_func, KS_K_MMIO_W, KS_NET_SLOTS
	REGION	ks_net_region_pr, ks_net_func, KS_K_PIO_R, KS_NET_SLOTS
	REGION	ks_net_region_pw, ks_net_func, KS_K_PIO_W, KS_NET_SLOTS
ks_own_regions_end:

	.section kstride_funcs, "a"
	.balign 8
	.globl	ks_own_funcs, ks_own_funcs_end
ks_own_funcs:
	FUNC	ks_switch_func, .Lswitch
	FUNC	ks_map_func, .Lmap
	FUNC	ks_unmap_func, .Lunmap
	FUNC	ks_mark_func, .Lmark
	FUNC	ks_netdev_func, .Lnetdev
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
.Lnetdev:
	.asciz	"netdev"
.Lnet:	.asciz	"net"
.Lobject:
	.asciz	"kstride"
	.balign	8
ks_own_strs_end:
