// SPDX-License-Identifier: GPL-2.0
/*
 * The names readers print for record kinds, contexts and what the safety
 * net did with a mapping (trace.h).
 */
#include "trace.h"

const char *ks_kind__name(u8 kind)
{
	static const char *const n[KS_K_MAX] = {
		[KS_K_NONE] = "?",	 [KS_K_R] = "R",
		[KS_K_W] = "W",		 [KS_K_U] = "U",
		[KS_K_ENTRY] = "ENTRY",	 [KS_K_EXIT] = "EXIT",
		[KS_K_CALL_PRE] = "CALL_PRE", [KS_K_CALL_POST] = "CALL_POST",
		[KS_K_THREAD] = "THREAD",
		[KS_K_TICKET] = "TICKET",
		[KS_K_RANGE_R] = "R",	 [KS_K_RANGE_W] = "W",
		[KS_K_SWITCH] = "SWITCH",
		[KS_K_MMIO_R] = "MMIO_R", [KS_K_MMIO_W] = "MMIO_W",
		[KS_K_PIO_R] = "PIO_R",	 [KS_K_PIO_W] = "PIO_W",
		[KS_K_MAP] = "MAP",	 [KS_K_UNMAP] = "UNMAP",
		[KS_K_MARK] = "MARK",
		[KS_K_NETDEV] = "NETDEV",
	};

	return kind < KS_K_MAX ? n[kind] : "?";
}

const char *ks_ctx__name(int ctx)
{
	static const char *const n[] = {
		[KS_CTX_UNKNOWN] = "?",		[KS_CTX_TASK] = "task",
		[KS_CTX_SOFTIRQ] = "softirq",	[KS_CTX_HARDIRQ] = "hardirq",
		[KS_CTX_NMI] = "nmi",
	};

	return ctx >= 0 && ctx <= KS_CTX_NMI ? n[ctx] : "?";
}

const char *ks_netmap__name(unsigned int v)
{
	static const char *const n[] = {
		[KS_NETMAP_OFF] = "off",	 [KS_NETMAP_ARMED] = "armed",
		[KS_NETMAP_MEMTYPE] = "memtype", [KS_NETMAP_LARGE] = "large",
		[KS_NETMAP_NOSPACE] = "nospace", [KS_NETMAP_NOMEM] = "nomem",
	};

	return v <= KS_NETMAP_NOMEM ? n[v] : "?";
}
