// SPDX-License-Identifier: GPL-2.0
/*
 * Instrumented modules, as they come and go: where their descriptor
 * sections are, so that a reader can decode their records.  The only
 * kernel memory the device ever copies out is found here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kstride.h"

static const char *const desc_names[KS_NDESC] = {
	"__kstride_regions", "__kstride_funcs", "__kstride_strs",
};

struct ks_mod {
	struct list_head list; /* ks_mods, under ks_mods_lock */
	struct list_head rcu_list; /* ks_live, read under RCU */
	struct module *mod; /* NULL once gone */
	char name[MODULE_NAME_LEN];
	u64 addr[KS_NDESC], len[KS_NDESC];
	unsigned int read; /* KS_DESC_* bits a reader has copied out */
	bool live; /* its init succeeded (MODULE_STATE_LIVE) */
	/*
	 * A module that went before its descriptors were read (its init
	 * failed: the records it made are in the rings): their copy.
	 */
	void *copy[KS_NDESC];
};

/*
 * What copies of gone modules' descriptors may hold, in all, and how many
 * such modules are kept: only those whose init failed are (a reader that
 * loads a module reads its descriptors while it lives).
 */
#define KS_GONE_MAX (256ul << 20)
#define KS_GONE_MODS 8
static unsigned long ks_gone_bytes;
static unsigned int ks_gone_n;

static LIST_HEAD(ks_mods);
static LIST_HEAD(ks_live);
static DEFINE_MUTEX(ks_mods_lock);

/* kstride.ko's own descriptors (desc.S), for the records it writes */
static struct ks_mod self = { .name = "kstride" };

/*
 * Is [addr, addr + len) inside the region descriptors of a module that is
 * still loaded?  Callers have interrupts off, an RCU-sched read side that
 * the synchronize_rcu() in the GOING notifier waits for; a module's memory
 * is freed only after its GOING notifiers return.
 */
bool ks_region_live(u64 addr, u64 len)
{
	struct ks_mod *km;

	list_for_each_entry_rcu(km, &ks_live, rcu_list,
				lockdep_is_held(&ks_mods_lock) || irqs_disabled()) {
		u64 s = km->addr[KS_DESC_REGIONS];

		if (addr >= s && len <= km->len[KS_DESC_REGIONS] &&
		    addr - s <= km->len[KS_DESC_REGIONS] - len)
			return true;
	}
	return false;
}

/* Find the descriptor symbols in @mod's kallsyms; true if instrumented. */
static bool find_desc(struct module *mod, struct ks_mod *km)
{
	struct mod_kallsyms *ks;
	unsigned int i, k, found = 0;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *s = &ks->symtab[i];
		const char *name = ks->strtab + s->st_name;

		for (k = 0; k < KS_NDESC; k++) {
			if (!strcmp(name, desc_names[k])) {
				km->addr[k] = s->st_value;
				km->len[k] = s->st_size;
				found |= 1u << k;
			}
		}
	}
	preempt_enable();
	/* each lies in the module's own memory, or it is not ours to read */
	for (k = 0; k < KS_NDESC; k++)
		if ((found & (1u << k)) &&
		    (!km->len[k] || !within_module(km->addr[k], mod) ||
		     !within_module(km->addr[k] + km->len[k] - 1, mod))) {
			pr_warn("%s: descriptor %s is not in the module's memory: not traced\n",
				mod->name, desc_names[k]);
			return false;
		}
	return found == (1u << KS_NDESC) - 1;
}

static void free_gone(struct ks_mod *km)
{
	unsigned int k;

	if (km->copy[0])
		ks_gone_n--;
	for (k = 0; k < KS_NDESC; k++) {
		if (km->copy[k])
			ks_gone_bytes -= km->len[k];
		ks_uncount(km->copy[k]);
		kvfree(km->copy[k]);
	}
	ks_uncount(km);
	kfree(km);
}

/* A reader has @which of @name: a gone module's copies go once all are. */
static void desc_was_read(const char *name, unsigned int which)
{
	struct ks_mod *km;

	mutex_lock(&ks_mods_lock);
	list_for_each_entry(km, &ks_mods, list) {
		if (strcmp(km->name, name))
			continue;
		km->read |= 1u << which;
		if (!km->mod && km->read == (1u << KS_NDESC) - 1) {
			list_del(&km->list);
			free_gone(km);
		}
		break;
	}
	mutex_unlock(&ks_mods_lock);
}

/* Under ks_mods_lock, while @km's module memory is still there. */
static bool keep_copy(struct ks_mod *km)
{
	unsigned long need = 0;
	unsigned int k;

	if (km->live)
		return false; /* unloaded after its init: read while it lived */
	for (k = 0; k < KS_NDESC; k++)
		need += km->len[k];
	if (ks_gone_n >= KS_GONE_MODS || need > KS_GONE_MAX - ks_gone_bytes) {
		pr_warn("%s went before its descriptors were read, and no more are kept (8 modules, 256 MiB): its records cannot be decoded\n",
			km->name);
		return false;
	}
	for (k = 0; k < KS_NDESC; k++) {
		km->copy[k] = ks_counted(kvmalloc(km->len[k] ? km->len[k] : 1,
						   GFP_KERNEL));
		if (!km->copy[k]) {
			while (k--) {
				ks_uncount(km->copy[k]);
				kvfree(km->copy[k]);
				km->copy[k] = NULL;
			}
			return false;
		}
		memcpy(km->copy[k], (void *)km->addr[k], km->len[k]);
	}
	ks_gone_bytes += need;
	ks_gone_n++;
	return true;
}

static int ks_mod_notify(struct notifier_block *nb, unsigned long state,
			 void *data)
{
	struct module *mod = data;
	struct ks_mod *km, *tmp;

	mutex_lock(&ks_mods_lock);
	if (state == MODULE_STATE_COMING) {
		km = ks_counted(kzalloc(sizeof(*km), GFP_KERNEL));
		if (km && find_desc(mod, km)) {
			km->mod = mod;
			strscpy(km->name, mod->name, sizeof(km->name));
			list_add(&km->list, &ks_mods);
			list_add_rcu(&km->rcu_list, &ks_live);
			pr_info("tracing %s\n", km->name);
			ks_ctx_mark();
			ks_netdev_mark();
		} else {
			ks_uncount(km);
			kfree(km);
		}
	} else if (state == MODULE_STATE_LIVE) {
		list_for_each_entry(km, &ks_mods, list)
			if (km->mod == mod)
				km->live = true;
	} else if (state == MODULE_STATE_GOING) {
		list_for_each_entry_safe(km, tmp, &ks_mods, list) {
			if (km->mod != mod)
				continue;
			list_del_rcu(&km->rcu_list);
			/* no ring walk still reads its descriptors */
			synchronize_rcu();
			km->mod = NULL;
			if (km->read == (1u << KS_NDESC) - 1 || !keep_copy(km)) {
				list_del(&km->list);
				ks_uncount(km);
				kfree(km);
			}
		}
	}
	mutex_unlock(&ks_mods_lock);
	return NOTIFY_OK;
}

static struct notifier_block ks_mod_nb = {
	.notifier_call = ks_mod_notify,
};

/*
 * The lock is held only while the bytes are copied into a buffer of our
 * own (module loads wait on it), never across the copy to the reader.
 */
long ks_read_desc(struct ks_read_desc *rd)
{
	struct ks_mod *km;
	void *tmp = NULL;
	long ret = -ENOENT;
	u64 len = 0;

	mutex_lock(&ks_mods_lock);
	/* the newest first: a module loaded again after it went */
	list_for_each_entry(km, &ks_mods, list) {
		const void *from;

		if (strcmp(km->name, rd->module))
			continue;
		len = km->len[rd->which];
		from = km->mod ? (void *)km->addr[rd->which] :
				 km->copy[rd->which];
		ret = 0;
		if (rd->buf) {
			if (rd->len < len) {
				ret = -ENOSPC;
			} else {
				tmp = ks_counted(kvmalloc(len ? len : 1, GFP_KERNEL));
				if (tmp)
					memcpy(tmp, from, len);
				else
					ret = -ENOMEM;
			}
		}
		rd->addr = km->addr[rd->which];
		rd->len = len;
		break;
	}
	mutex_unlock(&ks_mods_lock);
	if (tmp && copy_to_user(u64_to_user_ptr(rd->buf), tmp, len))
		ret = -EFAULT;
	ks_uncount(tmp);
	kvfree(tmp);
	if (tmp && !ret)
		desc_was_read(rd->module, rd->which);
	return ret;
}

int ks_mods_init(void)
{
	self.mod = THIS_MODULE;
	self.addr[KS_DESC_REGIONS] = (u64)ks_own_regions;
	self.len[KS_DESC_REGIONS] = ks_own_regions_end - ks_own_regions;
	self.addr[KS_DESC_FUNCS] = (u64)ks_own_funcs;
	self.len[KS_DESC_FUNCS] = ks_own_funcs_end - ks_own_funcs;
	self.addr[KS_DESC_STRS] = (u64)ks_own_strs;
	self.len[KS_DESC_STRS] = ks_own_strs_end - ks_own_strs;
	mutex_lock(&ks_mods_lock);
	list_add(&self.list, &ks_mods);
	list_add_rcu(&self.rcu_list, &ks_live);
	mutex_unlock(&ks_mods_lock);
	return register_module_notifier(&ks_mod_nb);
}

void ks_mods_exit(void)
{
	struct ks_mod *km, *tmp;
	LIST_HEAD(dead);

	unregister_module_notifier(&ks_mod_nb);
	mutex_lock(&ks_mods_lock);
	list_for_each_entry_safe(km, tmp, &ks_mods, list) {
		if (km->mod) /* gone ones left ks_live already */
			list_del_rcu(&km->rcu_list);
		list_move(&km->list, &dead);
	}
	mutex_unlock(&ks_mods_lock);
	synchronize_rcu();
	list_for_each_entry_safe(km, tmp, &dead, list)
		if (km != &self)
			free_gone(km);
}
