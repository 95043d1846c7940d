// SPDX-License-Identifier: GPL-2.0
/*
 * kstride record -m MODULE: trace a kernel module.
 *
 * Find MODULE as modprobe does, load its dependencies natively, load
 * kstride.ko, instrument MODULE in memory and load it with its parameters,
 * then run the command while copying completed sub-buffers from the
 * mmap'ed per-CPU rings into the trace; at the end flush, drain and write
 * the totals.  Like perf record, this side copies raw buffers and leaves
 * decoding to report and script; it only walks a sub-buffer's record
 * headers (with the descriptors it fetched when the module came) to wait
 * for records still being written before it copies and gives it back.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kstride/abi.h>

#include "../lib/kring/kring.h"
#include "../lib/rewrite/rewrite.h"
#include "../lib/trace/twrite.h"
#include "../lib/util/decomp.h"
#include "kmods.h"
#include "record-cache.h"
#include "record-kernel.h"
#include "krec.h"


/* One chunk of two parts, through the trace writer (lib/trace/twrite.c). */
int kr_chunk(struct krec *k, u32 type, const void *a, size_t alen,
	     const void *b, size_t blen)
{
	struct iovec parts[2] = { { (void *)a, alen }, { (void *)b, blen } };

	return ks_twrite__chunk(&k->w, type, parts, 2);
}

/* One completed sub-buffer of @cpu into the trace, as a DATA chunk. */
static int kr_sample(void *ctx, unsigned int cpu, const struct ks_ring_ctl *ctl,
		     const struct ks_sub_info *si, const void *data, size_t len)
{
	struct krec *k = ctx;
	struct ks_data_hdr dh = {
		.seq = (u32)si->seq,
		.fs_base = ctl->percpu_base,
		.records = len,
		/* kernel chunk: cpu and where records stop */
		.kinfo = KS_KINFO(cpu, si->flags, si->len),
		.ts = si->ts,
		.tsc = si->tsc,
	};

	if (kr_chunk(k, KS_CHUNK_DATA, &dh, sizeof(dh), data, len))
		return -EIO;
	k->bytes += si->len;
	return 0;
}

/*
 * Copy what the rings have completed; returns the number of chunks.
 * @force: copy sub-buffers even with records still being written.
 */
static int kr_drain(struct krec *k, bool force)
{
	int n = kring__consume(k->kr, force, kr_sample, k);

	if (n > 0)
		k->chunks += n;
	return n;
}

/*
 * The live line, on a terminal: records per second over the last
 * interval, records so far, drops, the trace's size; rewritten in place.
 */
struct kr_live {
	u64 last_ns, last_records;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void kr_live_line(struct krec *k, struct kr_live *lv)
{
	u64 t = now_ns(), rec = kring__records(k->kr);
	struct ks_end d = {};
	struct stat st;
	double rate;

	if (lv->last_ns && t - lv->last_ns < 500000000)
		return;
	rate = lv->last_ns ? (rec - lv->last_records) * 1e9 / (double)(t - lv->last_ns) : 0;
	kring__dropped(k->kr, &d);
	if (fstat(k->w.fd, &st))
		st.st_size = 0;
	fprintf(stderr, "\rkstride record: %.0f records/s, %lu records, %lu dropped, %.1f MB written\033[K",
		rate, (unsigned long)rec, (unsigned long)d.dropped_regions, st.st_size / 1e6);
	fflush(stderr);
	lv->last_ns = t;
	lv->last_records = rec;
}

/* The descriptors of module @name (or of kstride.ko itself) as chunks. */
static int kr_descriptors(struct krec *k, const char *name)
{
	static const u32 types[KS_NDESC] = { KS_CHUNK_REGIONS, KS_CHUNK_FUNCS,
					     KS_CHUNK_STRS };
	unsigned int w;

	for (w = 0; w < KS_NDESC; w++) {
		struct ks_read_desc rd = { .which = w };
		u8 *buf;
		int err;

		snprintf(rd.module, sizeof(rd.module), "%.55s", name);
		if (ioctl(k->dev, KS_IOC_READ_DESC, &rd)) {
			ks_err("%s: kstride.ko knows no descriptors of it: %s",
			       name, strerror(errno));
			return -errno;
		}
		buf = malloc(rd.len ? rd.len : 1);
		if (!buf)
			return -ENOMEM;
		rd.buf = (u64)(uintptr_t)buf;
		if (ioctl(k->dev, KS_IOC_READ_DESC, &rd)) {
			free(buf);
			return -errno;
		}
		err = kr_chunk(k, types[w], &rd.addr, 8, buf, rd.len);
		if (!err && w == KS_DESC_REGIONS)
			err = kring__index_regions(k->kr, rd.addr, buf, rd.len);
		free(buf);
		if (err)
			return err;
	}
	return 0;
}

/* Does kstride.ko know the descriptors of @name yet?  (Asks quietly.) */
static bool kr_desc_known(struct krec *k, const char *name)
{
	struct ks_read_desc rd = { .which = KS_DESC_REGIONS };

	snprintf(rd.module, sizeof(rd.module), "%.55s", name);
	return !ioctl(k->dev, KS_IOC_READ_DESC, &rd);
}

/*
 * While a traced module loads, its init runs and records: a thread keeps
 * copying the rings meanwhile, so that a long init (NVIDIA's) does not
 * fill them.  It fetches the module's descriptors as soon as the kernel
 * has them (before the init runs), so that it can tell records still
 * being written; the main thread does nothing else until it is joined.
 */
struct kr_loading {
	struct krec *k;
	const char *name;
	bool have_desc;
	int err;
	volatile bool stop;
};

static void *kr_loading_drain(void *arg)
{
	struct kr_loading *l = arg;

	while (!l->stop && !l->err) {
		struct pollfd pfd = { .fd = l->k->dev, .events = POLLIN };

		poll(&pfd, 1, 20);
		if (!l->have_desc && kr_desc_known(l->k, l->name)) {
			l->err = kr_descriptors(l->k, l->name);
			l->have_desc = !l->err;
		}
		if (!l->err && kr_drain(l->k, false) < 0)
			l->err = -EIO;
	}
	return NULL;
}

/* MMIO mode: a function left original whose device accesses go untraced */
static void kr_warn_lost(void *arg, const char *obj, const char *func,
			 u64 off, const char *reason)
{
	const struct kmod *m = arg;

	if (m->netted)
		fprintf(stderr, "kstride record: warning: %s: %s+0x%llx left original (%s): the safety net catches its device accesses (slower, and 'kstride report --mmio' lists them)\n",
			m->name, func, (unsigned long long)off, reason);
	else
		fprintf(stderr, "kstride record: warning: %s: %s+0x%llx left original (%s): its device accesses are not traced\n",
			m->name, func, (unsigned long long)off, reason);
}


/* ...and kept for the cache, which tells them again on a hit */
struct kr_lostlog {
	struct kmod *m;
	struct kr_cached ci;
	int err;
};

static void kr_log_lost(void *arg, const char *obj, const char *func, u64 off,
			const char *reason)
{
	struct kr_lostlog *lg = arg;
	struct kr_lost *l;

	kr_warn_lost(lg->m, obj, func, off, reason);
	l = vec_push(&lg->ci.lost);
	if (!l || !(l->func = strdup(func)) || !(l->reason = strdup(reason)))
		lg->err = -ENOMEM;
	else
		l->off = off;
}

/*
 * Instrument module @m, or load what an earlier recording made of the
 * same bytes in the same mode from the cache (record-cache.c).
 */
static int kr_instrument(const struct krecord_opts *o, struct kr_cache *c,
			 struct rw_opts *ro, struct kmod *m)
{
	const char *mode = o->mmio ? "mmio" : o->calls ? "calls" : "full";
	struct kr_lostlog lg = { .m = m };
	struct rw_stats st = {};
	char key[2 * SHA256_LEN + 1];
	bool keyed;
	int err;

	m->netted = o->mmio && !o->no_net;
	keyed = c->on && !kr_cache_key(c, ro, m->plain, key);
	if (keyed && !kr_cache_fetch(c, key, m->kopath, &lg.ci)) {
		fprintf(stderr, "kstride record: %s: instrumented before in %s mode, loaded from the cache (%s)\n",
			m->path, mode, c->fc.dir);
		for (size_t i = 0; i < lg.ci.lost.n; i++)
			kr_warn_lost(m, NULL, lg.ci.lost.v[i].func,
				     lg.ci.lost.v[i].off, lg.ci.lost.v[i].reason);
		st.funcs_done = lg.ci.funcs_done;
		st.funcs = lg.ci.funcs;
	} else {
		fprintf(stderr, "kstride record: instrumenting %s%s\n", m->path,
			o->mmio ? " (MMIO mode)" : "");
		heap__prefer_huge_pages(); /* (a TCG guest's faults are dear) */
		ro->lost = kr_log_lost;
		ro->lost_arg = &lg;
		err = rewrite__file(m->plain, m->kopath, ro, &st);
		if (err) {
			kr_cached_free(&lg.ci);
			return err;
		}
		lg.ci.funcs_done = st.funcs_done;
		lg.ci.funcs = st.funcs;
		if (keyed && !lg.err) {
			err = kr_cache_store(c, key, m->kopath, &lg.ci);
			if (err == -EFBIG)
				fprintf(stderr, "kstride record: %s: larger than the module cache's room (%llu MiB in %s): not kept\n",
					m->name, (unsigned long long)(c->fc.budget >> 20),
					c->fc.dir);
			else if (err)
				ks_warn("module cache: %s: %s: not kept", c->fc.dir,
					strerror(-err));
		}
	}
	kr_cached_free(&lg.ci);
	/* e.g. a library module of the stack that touches no device */
	m->plain_copy = !st.funcs_done;
	fprintf(stderr, "kstride record: %s: %lu/%lu functions instrumented\n",
		m->name, (unsigned long)st.funcs_done, (unsigned long)st.funcs);
	return 0;
}

/*
 * A module instrumented ahead of time ('kstride instrument', perhaps on
 * another machine): loaded as it is, when the ABI and the mode it was
 * instrumented with are the ones this record runs with.
 */
static int kr_ahead(const struct krecord_opts *o, struct kmod *m)
{
	const char *want = o->mmio ? "mmio" : o->calls ? "calls" : "full";

	if (m->ahead_abi != KS_ABI_VERSION) {
		if (m->ahead_abi < 0)
			ks_err("%s: instrumented by an older kstride (no %s in its .modinfo): instrument the original again",
			       m->path, KS_MODINFO_ABI);
		else
			ks_err("%s: instrumented for kstride ABI %d, and this kstride is ABI %d: instrument the original again",
			       m->path, m->ahead_abi, KS_ABI_VERSION);
		return -EINVAL;
	}
	if (strcmp(m->ahead_mode, want)) {
		ks_err("%s: instrumented in %s mode, but this record traces in %s mode: %s",
		       m->path, m->ahead_mode, want,
		       !strcmp(m->ahead_mode, "mmio") ? "add --mmio" :
		       !strcmp(m->ahead_mode, "calls") ? "add --calls" :
		       "instrument it in the mode of the record, or give the original");
		return -EINVAL;
	}
	free(m->kopath);
	m->kopath = strdup(m->plain);
	if (!m->kopath)
		return -ENOMEM;
	m->netted = o->mmio && !o->no_net;
	fprintf(stderr, "kstride record: %s: instrumented ahead of time (%s mode), loaded as it is\n",
		m->path, want);
	return 0;
}

int record_kernel(const struct krecord_opts *o, char **argv)
{
	struct krec k = { .o = o, .dev = -1, .w = { .fd = -1 } };
	struct kr_live live = {};
	struct ks_file_hdr hdr = { .version = KS_ABI_VERSION };
	struct rw_opts ro = { .sz = sizeof(ro), .target = RW_TARGET_KERNEL,
			      .mmio = o->mmio, .calls = o->calls };
	char tmpdir[] = "/tmp/kstride-rec.XXXXXX";
	char *tmpout = NULL, *pci0 = NULL, *pci1 = NULL;
	int err, status = 0, kstride_loaded = 0, init_err = 0;
	char *nsub;
	struct kmod *mods = NULL;
	struct kr_cache cache = {};
	size_t nmods = 0, i;
	pid_t pid;

	if (!mkdtemp(tmpdir))
		return -errno;
	err = kmods_find(o, tmpdir, &mods, &nmods);
	if (err)
		goto out;
	snprintf(k.modname, sizeof(k.modname), "%s", mods[0].name);
	nsub = o->nsub ? xasprintf("nsub=%u", o->nsub) : NULL;
	err = load_module_file(o->kmod, nsub ? nsub : "");
	free(nsub);
	if (err == -EEXIST && o->nsub)
		ks_warn("kstride.ko is loaded already: --buffers does not apply");
	if (err && err != -EEXIST) {
		ks_err("%s: cannot load kstride.ko: %s", o->kmod, strerror(-err));
		goto out;
	}
	kstride_loaded = err != -EEXIST;
	kr_cache_open(o, &cache);
	for (i = 0; i < nmods; i++) {
		err = mods[i].ahead_abi ? kr_ahead(o, &mods[i]) :
					  kr_instrument(o, &cache, &ro, &mods[i]);
		if (err)
			goto out;
	}
	kr_cache_close(&cache);
	k.dev = open("/dev/kstride", O_RDWR | O_CLOEXEC);
	if (k.dev < 0) {
		err = -errno;
		ks_err("/dev/kstride: %s", strerror(errno));
		goto out;
	}
	k.kr = kring__new(k.dev, &k.info);
	if (!k.kr) {
		err = -errno;
		goto out;
	}
	if (o->mmio && !(k.info.flags & KS_INFO_MMIO)) {
		ks_err("kstride.ko cannot trace MMIO on this kernel (see dmesg)");
		err = -EOPNOTSUPP;
		goto out;
	}
	tmpout = xasprintf("%s.kstride-tmp", o->out);
	k.w.fd = open(tmpout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (k.w.fd < 0) {
		err = -errno;
		ks_err("%s: %s", tmpout, strerror(errno));
		goto out;
	}
	memcpy(hdr.magic, KS_FILE_MAGIC, sizeof(KS_FILE_MAGIC));
	hdr.flags = KS_FILE_KERNEL | (o->mmio ? KS_FILE_MMIO : 0);
	hdr.pid = getpid();
	hdr.tsc_khz = k.info.tsc_khz;
	err = ks_twrite__header(&k.w, &hdr, 0);
	if (err)
		goto out;
	if (o->mmio) {
		unsigned int n = kr_seed_maps(&k);

		fprintf(stderr, "kstride record: %u ioremaps that exist already\n", n);
		pci0 = kr_pci_lines();
	}
	err = kr_descriptors(&k, "kstride");
	if (err)
		goto out;
	if (o->mmio) {
		err = kr_apertures_start(&k);
		if (!err && !o->no_net)
			err = kr_net_start(&k, mods, nmods);
		if (err)
			goto out;
	}
	for (i = 0; i < nmods; i++) {
		struct kr_loading l = { .k = &k, .name = mods[i].name };
		pthread_t th;
		bool threaded = !mods[i].plain_copy &&
				!pthread_create(&th, NULL, kr_loading_drain, &l);

		kmods_load_deps(o, mods, nmods, i);
		kr_net_pio(&k, &mods[i]);
		err = load_module_file(mods[i].kopath,
				       i == nmods - 1 ? o->params : "");
		if (threaded) {
			l.stop = true;
			pthread_join(th, NULL);
			if (l.err) {
				err = l.err;
				goto out;
			}
		}
		if (err && !mods[i].plain_copy && err != -ENOEXEC &&
		    (l.have_desc || !kr_descriptors(&k, mods[i].name))) {
			/*
			 * Its init ran, instrumented, and failed (a driver
			 * that finds no device): what it did is in the rings,
			 * and kstride.ko kept its descriptors.  Save that.
			 */
			init_err = err;
			ks_err("%s: the instrumented module's init failed: %s (see dmesg); the trace holds what it did",
			       mods[i].name, strerror(-err));
			err = 0;
			goto flush;
		}
		if (err) {
			ks_err("%s: cannot load the instrumented module: %s (see dmesg)",
			       mods[i].name, strerror(-err));
			goto out;
		}
		mods[i].loaded = true;
		if (mods[i].plain_copy) {
			fprintf(stderr, "kstride record: %s: nothing to trace in it: loaded as it is\n",
				mods[i].name);
			continue;
		}
		/* now: CMD may unload it */
		err = l.have_desc ? 0 : kr_descriptors(&k, mods[i].name);
		if (err)
			goto out;
	}
	fprintf(stderr, "kstride record: running");
	for (i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);

	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "kstride record: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	for (;;) {
		struct pollfd pfd = { .fd = k.dev, .events = POLLIN };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		poll(&pfd, 1, 100);
		if (o->drain_delay_ms)
			usleep(o->drain_delay_ms * 1000); /* a slow reader */
		if (kr_drain(&k, false) < 0) {
			err = -EIO;
			goto out;
		}
		if (o->live)
			kr_live_line(&k, &live);
	}
	if (o->live && live.last_ns)
		fputs("\r\033[K", stderr); /* the summary takes its place */
flush:
	if (o->mmio) {
		/* the drivers' names are known now, unless CMD unloaded them */
		pci1 = kr_pci_lines();
		if (strlen(pci1) < strlen(pci0)) {
			free(pci1);
			pci1 = pci0;
			pci0 = NULL;
		}
		err = kr_chunk(&k, KS_CHUNK_PCI, pci1, strlen(pci1) + 1, NULL, 0);
		if (err)
			goto out;
	}
	if (o->calls) {
		/* who calls the callbacks: named offline (abi.h, part 6) */
		int kerr = kr_ksyms(&k);

		if (kerr)
			ks_warn("/proc/kallsyms: %s: the callers of callbacks will not be named",
				kerr == -EPERM ? "addresses hidden (kptr_restrict)" :
						 strerror(-kerr));
	}
	/*
	 * Their exit paths, last loaded first, if CMD left them loaded, each
	 * followed by the dependencies loaded for it (one may use a module
	 * loaded before it: drm_vram_helper uses drm_kms_helper).
	 */
	for (i = nmods; !o->keep && i-- > 0;) {
		if (mods[i].loaded) {
			int uerr = unload_module(mods[i].name);

			if (uerr && uerr != -ENOENT)
				ks_warn("%s: cannot unload: %s", mods[i].name,
					strerror(-uerr));
			else
				mods[i].loaded = false; /* or CMD unloaded it */
		}
		kmods_unload_deps(&mods[i]);
	}
	if (k.net_on) {
		err = kr_net_stop(&k);
		if (err)
			goto out;
	}
	if (o->mmio) {
		err = kr_apertures_stop(&k);
		if (err)
			goto out;
	}
	/* publish what is in the current sub-buffers, then take it; records
	 * still being written get a second (100 ms at most) */
	for (int round = 0; round < 2; round++) {
		ioctl(k.dev, KS_IOC_FLUSH);
		for (int i = 0; i < 100; i++) {
			if (kr_drain(&k, false) < 0) {
				err = -EIO;
				goto out;
			}
			if (!kring__pending(k.kr))
				break;
			usleep(1000);
		}
	}
	if (kr_drain(&k, true) < 0) {
		err = -EIO;
		goto out;
	}
	if (!err) {
		struct ks_end end = { .records_bytes = k.bytes };

		kring__dropped(k.kr, &end);
		if (end.dropped_regions)
			fprintf(stderr, "kstride record: the rings were full: %lu records (%lu events) dropped, counted\n",
				(unsigned long)end.dropped_regions,
				(unsigned long)end.dropped_events);
		end.nthreads = k.info.ncpus;
		err = kr_chunk(&k, KS_CHUNK_END, &end, sizeof(end), NULL, 0);
	}
	if (!err && (fsync(k.w.fd) || close(k.w.fd)))
		err = -errno;
	k.w.fd = -1;
	if (!err && rename(tmpout, o->out))
		err = -errno;
	if (!err)
		fprintf(stderr, "kstride record: %s: %lu sub-buffers, %.1f MB of records\n",
			o->out, (unsigned long)k.chunks, k.bytes / 1e6);
out:
	kr_cache_close(&cache);
	kring__free(k.kr);
	if (k.w.fd >= 0)
		close(k.w.fd);
	if (tmpout && err)
		unlink(tmpout);
	if (k.dev >= 0)
		close(k.dev);
	for (i = nmods; !o->keep && i-- > 0;) {
		if (mods[i].loaded)
			unload_module(mods[i].name);
		kmods_unload_deps(&mods[i]);
	}
	if (kstride_loaded && !o->keep)
		unload_module("kstride");
	for (i = 0; i < nmods; i++) {
		char *sub = xasprintf("%s/%zu", tmpdir, i + 1);

		kmod_free(&mods[i]);
		rmdir(sub);
		free(sub);
	}
	free(mods);
	rmdir(tmpdir);
	free(k.pio);
	free(tmpout);
	free(pci0);
	free(pci1);
	if (err)
		return err;
	if (init_err)
		return KR_INIT_FAILED; /* said above; the trace is written */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
