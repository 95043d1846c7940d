/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modules 'kstride record -m' traces: found as modprobe finds them
 * (modules.dep, under -d ROOT, or a path), decompressed, their native
 * dependencies loaded first.
 */
#ifndef KS_KMODS_H
#define KS_KMODS_H

#include "../lib/util/util.h"
#include "record-kernel.h"

/* One module to trace. */
struct kmod {
	char name[64]; /* as the kernel names it: '-' becomes '_' */
	char *path, *deps, *plain, *kopath;
	bool loaded;
	bool plain_copy; /* nothing instrumented: loaded as it is */
	bool netted; /* record: the safety net covers its devices */
	/* instrumented ahead of time: its ABI (-1: older than the stamp) */
	int ahead_abi;
	char ahead_mode[8]; /* ...and mode: full, mmio, calls */
	char **natives; /* dependencies record loaded for it, in order */
	size_t nnatives;
};

int load_module_file(const char *path, const char *params);
int unload_module(const char *name);
void kmod_free(struct kmod *m);
/*
 * Resolve each name or path of the comma-separated o->module, each into
 * a plain image under @tmpdir; dependencies among them come first.
 */
int kmods_find(const struct krecord_opts *o, const char *tmpdir,
	       struct kmod **out, size_t *nout);
/*
 * The native dependencies of module @i, but not the ones we trace: just
 * before @i loads, since one of them may need a traced module loaded
 * before it (drm_vram_helper needs drm_kms_helper).
 */
void kmods_load_deps(const struct krecord_opts *o, struct kmod *v, size_t n,
		     size_t i);
/* Unload what kmods_load_deps() loaded for @m, last first (after @m). */
void kmods_unload_deps(struct kmod *m);

#endif
