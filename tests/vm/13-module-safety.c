// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper for tests/vm/13-module-safety.bats, built statically into
 * the initramfs by prepare.sh (busybox has no way to catch a signal around
 * one write(2), to pin a page, or to bind memory to a node).
 *
 *   13-module-safety write FILE TEXT
 *       write TEXT to FILE once, SIGINT caught without SA_RESTART; prints
 *       "ok" or the errno's name (EINTR, ENODEV, ...); exit 0 either way
 *   13-module-safety pin NODE
 *       bind memory to NODE, fault in one anonymous page, hold a reference
 *       on it from a pipe (vmsplice, never read), so migrating it fails
 *       and offlining its block goes on until a fatal signal; prints
 *       "pfn N" and sleeps until killed
 *   13-module-safety read STOPFILE
 *       open /dev/memhp, read once without blocking, close, again and
 *       again until STOPFILE exists; a missing module is no error
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MPOL_BIND 2

static void on_signal(int sig)
{
	(void)sig;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINTR: return "EINTR";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

static int do_write(const char *file, const char *text)
{
	struct sigaction sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: write returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	fd = open(file, O_WRONLY);
	if (fd < 0) {
		printf("open %s\n", errno_name(errno));
		return 0;
	}
	if (write(fd, text, strlen(text)) < 0)
		printf("%s\n", errno_name(errno));
	else
		printf("ok\n");
	close(fd);
	return 0;
}

static int do_pin(int node)
{
	unsigned long mask = 1UL << node;
	long psize = sysconf(_SC_PAGESIZE);
	struct iovec iov;
	uint64_t entry;
	char *p;
	int fd, pfd[2];

	if (syscall(SYS_set_mempolicy, MPOL_BIND, &mask, sizeof(mask) * 8)) {
		perror("set_mempolicy");
		return 1;
	}
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(p, 0x5a, psize);
	if (pipe(pfd)) {
		perror("pipe");
		return 1;
	}
	iov.iov_base = p;
	iov.iov_len = psize;
	if (vmsplice(pfd[1], &iov, 1, 0) != psize) {
		perror("vmsplice");
		return 1;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &entry, sizeof(entry),
			    (uintptr_t)p / psize * sizeof(entry)) != sizeof(entry)) {
		perror("pagemap");
		return 1;
	}
	printf("pfn %llu\n", (unsigned long long)(entry & ((1ULL << 55) - 1)));
	fflush(stdout);
	for (;;)
		pause();
}

static int do_read(const char *stop)
{
	char buf[4096];

	while (access(stop, F_OK)) {
		int fd;

		/* the open file pins the module: leave rmmod its windows */
		usleep(1000);
		fd = open("/dev/memhp", O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN) {
			printf("read %s\n", errno_name(errno));
			close(fd);
			return 1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "pin"))
		return do_pin(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2]);
	fprintf(stderr, "usage: %s write FILE TEXT | pin NODE | read STOPFILE\n",
		argv[0]);
	return 2;
}
