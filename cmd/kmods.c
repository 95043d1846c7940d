// SPDX-License-Identifier: GPL-2.0
/*
 * Finding and loading the modules 'kstride record -m' traces (kmods.h).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../lib/elf/elf.h"
#include "../lib/util/decomp.h"
#include "kmods.h"

static int load_module_any(const char *path, const char *params);

/* Load a module file: as it is, or decompressed (DKMS may compress). */
int load_module_file(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	u8 magic[8] = {};

	if (fd < 0)
		return -errno;
	if (pread(fd, magic, sizeof(magic), 0) > 0 &&
	    decomp__format(magic, sizeof(magic)) != DECOMP_NONE) {
		close(fd);
		return load_module_any(path, params);
	}
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* modules.dep: "kernel/x/y.ko: dep1.ko dep2.ko" */
static int find_module(const char *root, const char *name, char **path,
		       char **deps)
{
	struct utsname u;
	char dep[512], *line = NULL, want[128];
	size_t cap = 0, i;
	FILE *f;

	uname(&u);
	snprintf(dep, sizeof(dep), "%s/lib/modules/%s/modules.dep", root,
		 u.release);
	f = fopen(dep, "r");
	if (!f) {
		ks_err("%s: %s", dep, strerror(errno));
		return -errno;
	}
	snprintf(want, sizeof(want), "%s", name);
	for (i = 0; want[i]; i++)
		if (want[i] == '-')
			want[i] = '_';
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':'), *base, mod[128];

		if (!colon)
			continue;
		*colon = 0;
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		snprintf(mod, sizeof(mod), "%s", base);
		if (strstr(mod, ".ko"))
			*strstr(mod, ".ko") = 0;
		for (i = 0; mod[i]; i++)
			if (mod[i] == '-')
				mod[i] = '_';
		if (strcmp(mod, want))
			continue;
		*path = xasprintf("%s/lib/modules/%s/%s", root, u.release, line);
		*deps = strdup(colon + 1);
		free(line);
		fclose(f);
		return 0;
	}
	free(line);
	fclose(f);
	ks_err("module %s not found in %s", name, dep);
	return -ENOENT;
}

#define MODULE_MAX (1ul << 30)

/* A module file, decompressed if it is (.ko.xz, .ko.zst, .ko.gz). */
static int read_module(const char *path, void **img, size_t *len)
{
	u8 *raw;
	size_t n;
	int err = file__read_all(path, &raw, &n);

	if (err) {
		ks_err("%s: %s", path, strerror(-err));
		return err;
	}
	err = decomp__file_buf(path, raw, n, MODULE_MAX, img, len);
	free(raw);
	return err;
}

/* The plain image of @path for the rewriter: itself, or a decompressed copy. */
static int module_image(const char *path, const char *tmpdir, char **plain)
{
	void *img;
	size_t len;
	int err;

	err = read_module(path, &img, &len);
	if (err)
		return err;
	*plain = xasprintf("%s/plain.ko", tmpdir);
	err = file__write_atomic(*plain, img, len, 0600);
	if (err)
		ks_err("%s: %s", *plain, strerror(-err));
	free(img);
	return err;
}

/* Load a native module file, compressed or not, as modprobe would. */
static int load_module_any(const char *path, const char *params)
{
	void *img;
	size_t len;
	int err = read_module(path, &img, &len);

	if (err)
		return err;
	if (syscall(SYS_init_module, img, len, params ? params : ""))
		err = -errno;
	free(img);
	return err;
}

/* The module name of a modules.dep path: "kernel/x/nvme-core.ko" -> nvme_core */
static char *dep_name(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *n = strdup(b), *c;

	if (!n)
		return NULL;
	if ((c = strstr(n, ".ko")))
		*c = 0;
	for (c = n; *c; c++)
		if (*c == '-')
			*c = '_';
	return n;
}

/* Load @deps (modules.dep order: deepest last); note the ones we loaded. */
static void load_deps(const char *root, const char *deps, struct kmod *m)
{
	char *d = strdup(deps), *tok, *save = NULL, **v = NULL;
	size_t n = 0;

	/* modules.dep lists the deepest dependency last: load backwards */
	for (tok = strtok_r(d, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n++] = tok;
	}
	while (n--) {
		struct utsname u;
		char *p, **nv;

		uname(&u);
		p = xasprintf("%s/lib/modules/%s/%s", root, u.release, v[n]);
		/* EEXIST is fine: loaded before us, and left loaded after */
		if (!load_module_any(p, "")) {
			nv = realloc(m->natives, (m->nnatives + 1) * sizeof(*nv));
			if (nv) {
				m->natives = nv;
				nv[m->nnatives] = dep_name(v[n]);
				if (nv[m->nnatives])
					m->nnatives++;
			}
		}
		free(p);
	}
	free(v);
	free(d);
}

void kmods_unload_deps(struct kmod *m)
{
	while (m->nnatives) {
		char *name = m->natives[--m->nnatives];
		int err = unload_module(name);

		if (err && err != -ENOENT)
			ks_warn("%s: a dependency kstride loaded for %s cannot be unloaded: %s",
				name, m->name, strerror(-err));
		free(name);
	}
	free(m->natives);
	m->natives = NULL;
}


void kmod_free(struct kmod *m)
{
	if (m->kopath)
		unlink(m->kopath);
	if (m->plain)
		unlink(m->plain);
	free(m->path);
	free(m->deps);
	free(m->plain);
	free(m->kopath);
	while (m->nnatives) /* --keep: they stay loaded */
		free(m->natives[--m->nnatives]);
	free(m->natives);
}

/* Does module @a appear in @b's dependencies (so it loads first)? */
static bool kmod_needs(const struct kmod *b, const struct kmod *a)
{
	char want[80];
	const char *d = b->deps;

	snprintf(want, sizeof(want), "/%s.ko", a->name);
	for (; d && (d = strstr(d, "/")); d++) {
		char base[80];
		size_t i;

		snprintf(base, sizeof(base), "%s", d);
		for (i = 0; base[i] && base[i] != ' ' && base[i] != '\n'; i++)
			if (base[i] == '-')
				base[i] = '_';
		base[i] = 0;
		if (strstr(base, ".ko") && !strncmp(base, want, strlen(want)) &&
		    !strchr(base + 1, '/'))
			return true;
	}
	return false;
}

/* The value of "KEY=value" in a .modinfo section, or NULL; malloc'ed. */
static char *modinfo_get(const struct elf_sec *mi, const char *key)
{
	size_t off, kl = strlen(key);

	for (off = 0; mi && off < mi->size;) {
		const char *str = (const char *)mi->data + off;
		size_t n = strnlen(str, mi->size - off);

		if (n < mi->size - off && n > kl && !strncmp(str, key, kl) &&
		    str[kl] == '=')
			return strdup(str + kl + 1);
		off += n + 1;
	}
	return NULL;
}

/*
 * What a module's own .modinfo says: its name (a file may be called
 * anything: "e1000-ks.ko"), its dependencies (@depends: "a,b", malloc'ed)
 * and, if kstride instrumented it ahead of time, the ABI and mode it did
 * so with (abi.h).
 */
static int kmod_probe(struct kmod *m, char **depends)
{
	struct elf_obj *obj = NULL;
	const struct elf_sec *mi;
	char *name, *abi, *mode;
	u8 *img = NULL;
	size_t len;
	int err;

	*depends = NULL;
	err = file__read_all(m->plain, &img, &len);
	err = err ?: elf_obj__read(m->plain, img, len, &obj);
	if (err) {
		free(img);
		return err;
	}
	mi = elf_obj__find_sec(obj, ".modinfo");
	name = modinfo_get(mi, "name");
	abi = modinfo_get(mi, KS_MODINFO_ABI);
	mode = modinfo_get(mi, KS_MODINFO_MODE);
	*depends = modinfo_get(mi, "depends");
	if (name && *name)
		snprintf(m->name, sizeof(m->name), "%s", name);
	if (abi) {
		m->ahead_abi = atoi(abi);
		snprintf(m->ahead_mode, sizeof(m->ahead_mode), "%s",
			 mode ? mode : "?");
	} else if (elf_obj__find_sec(obj, KS_SEC_REGIONS)) {
		m->ahead_abi = -1; /* instrumented, by a kstride before the stamp */
	}
	free(name);
	free(abi);
	free(mode);
	elf_obj__free(obj);
	free(img);
	return 0;
}

/*
 * A module given by path: its dependencies from its own .modinfo
 * (@list: "a,b", consumed), each found through modules.dep with its own,
 * in modules.dep's form (relative paths, the deepest last).
 */
static char *path_deps(const char *root, char *list)
{
	char *out = strdup(""), *tok, *save = NULL;

	if (!out)
		return NULL;
	for (tok = list ? strtok_r(list, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct utsname u;
		char *path, *deps, *prefix, *t;

		if (find_module(root, tok, &path, &deps))
			continue; /* said; the load will tell what is missing */
		uname(&u);
		prefix = xasprintf("%s/lib/modules/%s/", root, u.release);
		t = xasprintf("%s %s %s", out,
			      path + (strncmp(path, prefix, strlen(prefix)) ?
					      0 : strlen(prefix)),
			      deps);
		free(out);
		out = t;
		free(prefix);
		free(path);
		free(deps);
	}
	return out;
}

/* Resolve each name of the comma-separated @list. */
int kmods_find(const struct krecord_opts *o, const char *tmpdir,
		      struct kmod **out, size_t *nout)
{
	char *list = strdup(o->module), *tok, *save = NULL, *depends = NULL;
	struct kmod *v = NULL;
	size_t n = 0, i, j;
	int err = 0;

	for (tok = strtok_r(list, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		struct kmod *m, *nv = realloc(v, (n + 1) * sizeof(*v));
		const char *p;
		char sub[4096];

		if (!nv) {
			err = -ENOMEM;
			break;
		}
		v = nv;
		m = &v[n++];
		memset(m, 0, sizeof(*m));
		if (strstr(tok, ".ko")) {
			m->path = strdup(tok); /* a path: as it is */
			m->deps = strdup("");
		} else {
			err = find_module(o->root ? o->root : "", tok, &m->path,
					  &m->deps);
			if (err)
				break;
		}
		p = strrchr(m->path, '/');
		snprintf(m->name, sizeof(m->name), "%s", p ? p + 1 : m->path);
		*strstr(m->name, ".ko") = 0;
		for (i = 0; m->name[i]; i++)
			if (m->name[i] == '-')
				m->name[i] = '_';
		snprintf(sub, sizeof(sub), "%s/%zu", tmpdir, n);
		if (mkdir(sub, 0700)) {
			err = -errno;
			break;
		}
		err = module_image(m->path, sub, &m->plain);
		err = err ?: kmod_probe(m, &depends);
		if (!err)
			m->kopath = xasprintf("%s/%s.ko", sub, m->name);
		if (!err && !*m->deps) {
			free(m->deps);
			m->deps = path_deps(o->root ? o->root : "", depends);
			if (!m->deps)
				err = -ENOMEM;
		}
		free(depends);
		depends = NULL;
	}
	free(list);
	/* dependencies among them first (a simple stable sort) */
	for (i = 0; !err && i < n; i++)
		for (j = i + 1; j < n; j++)
			if (kmod_needs(&v[i], &v[j])) {
				struct kmod t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	*out = v;
	*nout = n;
	return err;
}

/* Native dependencies of every module, but not the ones we trace. */
/*
 * Is the modules.dep path @path the module named @name?  Files may spell
 * a name with '-' where the module has '_' (nvme-core.ko is nvme_core).
 */
static bool dep_is(const char *path, const char *name)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *end = strstr(b, ".ko");

	if (!end)
		end = b + strlen(b);
	for (; b < end && *name; b++, name++)
		if (*b != *name && !((*b == '-' || *b == '_') &&
				     (*name == '-' || *name == '_')))
			return false;
	return b == end && !*name;
}

void kmods_load_deps(const struct krecord_opts *o, struct kmod *v,
		     size_t n, size_t i)
{
	char *d = strdup(v[i].deps ? v[i].deps : ""), *out = strdup("");
	char *tok, *save = NULL;

	for (tok = strtok_r(d, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		bool ours = false;
		char *t;

		for (size_t j = 0; j < n; j++)
			if (dep_is(tok, v[j].name))
				ours = true;
		if (ours)
			continue;
		t = xasprintf("%s %s", out, tok);
		free(out);
		out = t;
	}
	load_deps(o->root ? o->root : "", out, &v[i]);
	free(out);
	free(d);
}

