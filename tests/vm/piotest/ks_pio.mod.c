#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x515d769, "__pci_register_driver" },
	{ 0xedd0b017, "debugfs_remove" },
	{ 0xc941a41a, "single_open" },
	{ 0xf0949581, "seq_printf" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x88db9f48, "__check_object_size" },
	{ 0x13c49cc2, "_copy_from_user" },
	{ 0x77bc13a0, "strim" },
	{ 0x5c3c7387, "kstrtoull" },
	{ 0x5d15cff2, "ks_piohelp_outb" },
	{ 0x6bc6453c, "ks_piohelp_inb" },
	{ 0xda01ef0e, "ks_piohelp_outl" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0xd4415680, "pci_unregister_driver" },
	{ 0x39268dec, "pcim_enable_device" },
	{ 0xf4316fcd, "debugfs_create_dir" },
	{ 0x59edad5e, "debugfs_create_file" },
	{ 0x92997ed8, "_printk" },
	{ 0xdef3fb11, "seq_lseek" },
	{ 0x1db3ba77, "seq_read" },
	{ 0xc7c7a019, "single_release" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "ks_piohelp");

MODULE_ALIAS("pci:v00001B36d00000005sv*sd*bc*sc*i*");
