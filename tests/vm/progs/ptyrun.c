// SPDX-License-Identifier: GPL-2.0
/*
 * ptyrun OUT CMD [ARGS...]: run CMD with a pseudo-terminal as its stdin,
 * stdout and stderr, copy what it writes there to OUT, and exit with its
 * status.  The test VM has no script(1); this lets a test see what a
 * command shows on a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int m, out, status;
	char buf[4096];
	pid_t pid;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: ptyrun OUT CMD [ARGS...]\n");
		return 2;
	}
	{
		struct stat d, p;

		/* the VM's /init mounts no devpts: mount one if none is there */
		mkdir("/dev/pts", 0755);
		if (!stat("/dev", &d) && !stat("/dev/pts", &p) && d.st_dev == p.st_dev)
			mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666");
	}
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		perror("ptyrun: a pseudo-terminal");
		return 1;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[1]);
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("ptyrun: fork");
		return 1;
	}
	if (!pid) {
		int s;

		setsid();
		s = open(ptsname(m), O_RDWR);
		if (s < 0) {
			perror("ptyrun: the terminal's slave");
			_exit(126);
		}
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(m);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	/* until the last writer closes the slave: EIO */
	while ((n = read(m, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(out, buf, n) != n)
			break;
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	close(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
