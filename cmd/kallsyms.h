/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KS_KALLSYMS_H
#define KS_KALLSYMS_H

/**
 * kallsyms__each_text() - call @fn for each text symbol (t or T) of the
 * running kernel and its modules, in /proc/kallsyms' order.
 * @fn: given the address, the name and the module ("" for vmlinux);
 *      a nonzero return stops the walk and is returned
 *
 * KSTRIDE_KALLSYMS names a saved copy instead (tests).  Return: 0,
 * -errno if the file cannot be read, -EPERM if it names no address
 * (kptr_restrict hides them), or what @fn returned.
 */
int kallsyms__each_text(int (*fn)(void *arg, unsigned long long addr,
				  const char *name, const char *mod),
			void *arg);

#endif
