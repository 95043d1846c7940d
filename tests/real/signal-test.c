// SPDX-License-Identifier: GPL-2.0
/*
 * Timer signals into instrumented code.  main computes crc32 and adler32
 * of one buffer over and over while two timers interrupt it, every 40 us
 * (SIGALRM, installed with sigaction and SA_SIGINFO) and every tick
 * (SIGPROF, installed with signal()); each handler computes them over a
 * buffer of its own, and SIGPROF may interrupt the SIGALRM handler.  Every
 * result is checked against the value computed before the timers start.
 *
 * Prints, per buffer, the bytes read from it and where it is, so that the
 * test can check the trace against this program's own truth: crc32 and
 * adler32 read every byte of their buffer exactly once per call.
 *
 * Usage: signal-test [ROUNDS]   (at least ROUNDS, and 500 SIGALRMs)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zlib.h>

#define ML 256
#define AL 64
#define PL 48

static unsigned char mbuf[ML], abuf[AL], pbuf[PL];
static uLong m_crc, m_adl, a_crc, a_adl, p_crc, p_adl;
static volatile sig_atomic_t a_calls, a_bad, p_calls, p_bad;
static unsigned long m_calls, m_bad;

static void on_alrm(int sig, siginfo_t *si, void *uc)
{
	a_calls++;
	if (crc32(0, abuf, AL) != a_crc || adler32(1, abuf, AL) != a_adl)
		a_bad++;
}

static void on_prof(int sig)
{
	p_calls++;
	if (crc32(0, pbuf, PL) != p_crc || adler32(1, pbuf, PL) != p_adl)
		p_bad++;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 131 / 7);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 5000;
	struct itimerval it = { { 0, 40 }, { 0, 40 } };
	struct itimerval tick = { { 0, 1 }, { 0, 1 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;

	fill(mbuf, ML, 1);
	fill(abuf, AL, 2);
	fill(pbuf, PL, 3);
	/* the truth, before any signal (one call each) */
	m_crc = crc32(0, mbuf, ML);
	m_adl = adler32(1, mbuf, ML);
	a_crc = crc32(0, abuf, AL);
	a_adl = adler32(1, abuf, AL);
	p_crc = crc32(0, pbuf, PL);
	p_adl = adler32(1, pbuf, PL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alrm;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || signal(SIGPROF, on_prof) == SIG_ERR) {
		perror("signal-test: sigaction");
		return 2;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_PROF, &tick, NULL);
	/* at least n rounds, and until 500 SIGALRMs came in */
	for (unsigned long i = 0; i < n || a_calls < 500; i++) {
		m_calls++;
		if (crc32(0, mbuf, ML) != m_crc || adler32(1, mbuf, ML) != m_adl)
			m_bad++;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	setitimer(ITIMER_PROF, &off, NULL);

	/* a runtime that wraps handlers must still tell the program its own */
	memset(&sa, 0, sizeof(sa));
	if (sigaction(SIGALRM, NULL, &sa) || sa.sa_sigaction != on_alrm ||
	    !(sa.sa_flags & SA_SIGINFO) || signal(SIGPROF, SIG_DFL) != on_prof) {
		fprintf(stderr, "signal-test: the installed handlers are not reported back\n");
		return 3;
	}

	/* +1: the truth's own call */
	printf("main %lu %p %d R\n", (m_calls + 1) * 2 * ML, (void *)mbuf, ML);
	printf("alrm %lu %p %d R\n", ((unsigned long)a_calls + 1) * 2 * AL,
	       (void *)abuf, AL);
	printf("prof %lu %p %d R\n", ((unsigned long)p_calls + 1) * 2 * PL,
	       (void *)pbuf, PL);
	printf("signals %lu %lu\n", (unsigned long)a_calls, (unsigned long)p_calls);
	printf("wrong %lu %lu %lu\n", m_bad, (unsigned long)a_bad,
	       (unsigned long)p_bad);
	return m_bad || a_bad || p_bad;
}
