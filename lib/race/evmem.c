// SPDX-License-Identifier: GPL-2.0
/*
 * The detector's event lists (det.h, struct evvec).  A zlib run makes a
 * gigabyte of them; faulting that in 4 KiB at a time was a third of the
 * detector's time.  A list of 2 MiB or more is a mapping of its own,
 * grown in place or moved by mremap (never copied), and asks for huge
 * pages (MADV_HUGEPAGE, which the kernel may ignore); smaller ones, the
 * many short kernel contexts, stay on the heap.
 */
#include <string.h>
#include <sys/mman.h>

#include "det.h"

#define EV_MAP_MIN (2ul << 20)

static size_t ev_bytes(size_t cap)
{
	return cap * sizeof(struct rev);
}

/* Capacities are powers of two: from 2 MiB up, whole huge pages. */
static bool ev_mapped(size_t cap)
{
	return ev_bytes(cap) >= EV_MAP_MIN;
}

static void ev_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* advice: failure changes nothing */
#endif
}

int evvec__reserve(struct evvec *e, size_t need)
{
	size_t cap = e->cap ? e->cap : 256;
	void *p;

	if (need <= e->cap && e->v)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(struct rev))
			return -ENOMEM;
		cap *= 2;
	}
	if (!ev_mapped(cap)) {
		p = realloc(e->v, ev_bytes(cap));
		if (!p)
			return -ENOMEM;
	} else if (!e->v || !ev_mapped(e->cap)) {
		p = mmap(NULL, ev_bytes(cap), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		ev_advise(p, ev_bytes(cap));
		if (e->n)
			memcpy(p, e->v, e->n * sizeof(struct rev));
		free(e->v);
	} else {
		p = mremap(e->v, ev_bytes(e->cap), ev_bytes(cap), MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return -ENOMEM;
		ev_advise(p, ev_bytes(cap));
	}
	e->v = p;
	e->cap = cap;
	return 0;
}

void evvec__free(struct evvec *e)
{
	if (e->v && ev_mapped(e->cap))
		munmap(e->v, ev_bytes(e->cap));
	else
		free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}
