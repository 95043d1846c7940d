// SPDX-License-Identifier: GPL-2.0
/*
 * ks_piohelp.ko: port I/O helpers that ks_pio.ko calls, loaded natively -
 * kernel code outside the traced module that touches the traced device's
 * ports on its behalf, as a kernel helper would.  Port I/O cannot fault:
 * the safety net must find these instructions and watch them.
 */
#include <linux/io.h>
#include <linux/module.h>

noinline void ks_piohelp_outb(u8 v, u16 port)
{
	outb(v, port);
}
EXPORT_SYMBOL_GPL(ks_piohelp_outb);

noinline u8 ks_piohelp_inb(u16 port)
{
	return inb(port);
}
EXPORT_SYMBOL_GPL(ks_piohelp_inb);

/* one call further down: the net follows direct calls */
static noinline void piohelp_outl_inner(u32 v, u16 port)
{
	outl(v, port);
}

noinline void ks_piohelp_outl(u32 v, u16 port)
{
	piohelp_outl_inner(v, port);
}
EXPORT_SYMBOL_GPL(ks_piohelp_outl);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstride: port I/O helpers for the safety net's test");
