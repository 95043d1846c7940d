// SPDX-License-Identifier: GPL-2.0
/*
 * Signal handlers that run instrumented code.
 *
 * Instrumented code keeps state in its thread's struct ks_tls between
 * instructions: the record cursor, the spill slots of the registers it
 * borrowed, and the slow path's cursor hand-over.  A handler that runs
 * instrumented code in the middle of that would overwrite it, and could
 * hand the consumer a buffer with a record still in flight.  So every
 * handler the program installs runs through ks_sig_tramp(), which gives
 * the handler a fresh start (cur > limit: its first region takes a buffer
 * of its own) and, when it returns, flushes the handler's buffer and puts
 * back exactly what the interrupted code had.  A handler that runs no
 * instrumented code costs a few stores.
 *
 * Handlers are caught where they are installed: sigaction(), signal(),
 * bsd_signal(), sysv_signal() and ssignal() called from the program and the
 * objects linked into it resolve here (a definition in the executable
 * comes before libc's).  Handlers already installed when the runtime
 * starts are adopted.  Not covered: handlers that shared libraries install
 * later through their own calls into libc, and raw rt_sigaction system
 * calls; the README says so.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "rt.h"

int __sigaction(int sig, const struct sigaction *act, struct sigaction *oact);

/* the program's own handler of each signal, as the program installed it */
static struct {
	void *fn; /* sa_handler or sa_sigaction; NULL: not ours */
	int flags; /* the program's sa_flags */
} handlers[NSIG];

static void ks_sig_tramp(int sig, siginfo_t *si, void *uc);

static void sig_call(int sig, void *fn, int flags, siginfo_t *si, void *uc)
{
	if (flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))fn)(sig, si, uc);
	else
		((void (*)(int))fn)(sig);
}

static void ks_sig_tramp(int sig, siginfo_t *si, void *uc)
{
	struct ks_tls *t = &__kstride_tls;
	void *fn = __atomic_load_n(&handlers[sig].fn, __ATOMIC_ACQUIRE);
	int flags = __atomic_load_n(&handlers[sig].flags, __ATOMIC_RELAXED);
	struct ks_sigframe *f;
	int saved = errno, d;

	if (!fn || fn == (void *)SIG_DFL || fn == (void *)SIG_IGN)
		return; /* changed under us: the kernel already did its part */
	if (flags & SA_RESETHAND)
		__atomic_store_n(&handlers[sig].fn, (void *)SIG_DFL,
				 __ATOMIC_RELEASE);
	d = t->depth;
	if (d >= KS_SIG_DEPTH) {
		/*
		 * So deep only when handlers were left by longjmp and never
		 * returned: their frames are gone.  Start over.
		 */
		ks_rt_sig_reset(t);
		d = 0;
	}
	f = &t->frames[d];
	t->depth = d + 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	f->cur = t->cur;
	f->limit = t->limit;
	memcpy(f->spill, t->spill, sizeof(f->spill));
	f->buf = t->th ? t->th->cur : NULL;
	f->sig = sig;
	if (t->th)
		t->th->cur = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->limit = 0;
	t->cur = 1; /* the handler's first region takes a buffer */
	errno = saved;

	sig_call(sig, fn, flags, si, uc);

	saved = errno;
	if (t->th && t->th->cur) {
		ks_rt_sig_leave(t, f); /* the handler recorded something */
	} else {
		if (t->th)
			t->th->cur = f->buf;
		memcpy(t->spill, f->spill, sizeof(t->spill));
		t->limit = f->limit;
		t->cur = f->cur;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->depth--;
	}
	errno = saved;
}

static int is_handler(void *fn)
{
	return fn != (void *)SIG_DFL && fn != (void *)SIG_IGN &&
	       fn != (void *)SIG_ERR;
}

/* What the kernel had, told as the program set it (@fn, @flags). */
static void sig_unwrap(struct sigaction *oact, void *fn, int flags)
{
	if (oact->sa_sigaction != ks_sig_tramp)
		return;
	oact->sa_flags = flags;
	if (flags & SA_SIGINFO)
		oact->sa_sigaction = fn;
	else
		oact->sa_handler = fn;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	struct sigaction mine, prev;
	void *fn, *ofn;
	int err, oflags;

	if (sig <= 0 || sig >= NSIG) /* the kernel says what is wrong */
		return __sigaction(sig, act, oact);
	ofn = __atomic_load_n(&handlers[sig].fn, __ATOMIC_ACQUIRE);
	oflags = __atomic_load_n(&handlers[sig].flags, __ATOMIC_RELAXED);
	if (!act) {
		err = __sigaction(sig, NULL, oact ? &prev : NULL);
		if (!err && oact) {
			sig_unwrap(&prev, ofn, oflags);
			*oact = prev;
		}
		return err;
	}
	fn = act->sa_flags & SA_SIGINFO ? (void *)act->sa_sigaction :
					  (void *)act->sa_handler;
	if (!is_handler(fn)) {
		__atomic_store_n(&handlers[sig].fn, fn, __ATOMIC_RELEASE);
		err = __sigaction(sig, act, &prev);
	} else {
		mine = *act;
		mine.sa_flags |= SA_SIGINFO;
		mine.sa_sigaction = ks_sig_tramp;
		/*
		 * The table first: a signal that comes before the kernel has
		 * the new action finds the new handler, or runs the old one.
		 */
		__atomic_store_n(&handlers[sig].flags, act->sa_flags,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&handlers[sig].fn, fn, __ATOMIC_RELEASE);
		err = __sigaction(sig, &mine, &prev);
	}
	if (err) {
		__atomic_store_n(&handlers[sig].flags, oflags, __ATOMIC_RELAXED);
		__atomic_store_n(&handlers[sig].fn, ofn, __ATOMIC_RELEASE);
		return err;
	}
	if (oact) {
		sig_unwrap(&prev, ofn, oflags);
		*oact = prev;
	}
	return 0;
}

static __sighandler_t sig_install(int sig, __sighandler_t h, int flags)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (!(flags & SA_NODEFER) && sig > 0 && sig < NSIG &&
	    sigaddset(&sa.sa_mask, sig) < 0)
		return SIG_ERR;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* glibc's signal() has BSD semantics */
__sighandler_t signal(int sig, __sighandler_t h)
{
	return sig_install(sig, h, SA_RESTART);
}

__sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	return sig_install(sig, h, SA_RESTART);
}

__sighandler_t ssignal(int sig, __sighandler_t h)
{
	return sig_install(sig, h, SA_RESTART);
}

__sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	return sig_install(sig, h, SA_RESETHAND | SA_NODEFER);
}

/*
 * At start: handlers installed before the runtime ran (by code that did
 * not come through sigaction() above) are wrapped too.
 */
void ks_rt_sig_adopt(void)
{
	struct sigaction cur;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		void *fn;

		if (__sigaction(sig, NULL, &cur) < 0)
			continue;
		if (cur.sa_sigaction == ks_sig_tramp)
			continue;
		fn = cur.sa_flags & SA_SIGINFO ? (void *)cur.sa_sigaction :
						 (void *)cur.sa_handler;
		if (!is_handler(fn))
			continue;
		sigaction(sig, &cur, NULL);
	}
}
