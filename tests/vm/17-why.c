// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper for tests/vm/17-why.bats, built statically into the
 * initramfs by prepare.sh (busybox cannot read /proc/self/pagemap or hold
 * a page from a pipe).
 *
 *   17-why pin FIRST_PFN NR_PFNS MIB
 *       fault in MIB MiB of anonymous memory (small pages), find those of
 *       its pages whose PFN lies in [FIRST_PFN, FIRST_PFN + NR_PFNS) from
 *       /proc/self/pagemap, and take an extra reference on up to
 *       MAX_PINNED of them by vmsplice()ing them into a pipe that is never
 *       read: migrating them fails, so offlining their block goes on until
 *       a signal.  Prints "pinned N PFN" (N pages, the first one's PFN, in
 *       decimal) and sleeps until killed; exit 1 when no page landed in
 *       the range.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* the kernel logs at most 10 failed migrations in 5 s: a few are enough */
#define MAX_PINNED 32
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static int do_pin(uint64_t first, uint64_t nr, size_t mib)
{
	long psize = sysconf(_SC_PAGESIZE);
	size_t len = mib << 20, pages = len / (size_t)psize, pinned = 0;
	uint64_t *map, first_pinned = 0;
	char *p;
	int fd, pfd[2];

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* one page a PFN: a huge page would be pinned whole */
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 0x5a, len);
	map = calloc(pages, sizeof(*map));
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (!map || fd < 0 ||
	    pread(fd, map, pages * sizeof(*map),
		  (off_t)((uintptr_t)p / (uintptr_t)psize * sizeof(*map))) !=
		    (ssize_t)(pages * sizeof(*map))) {
		perror("pagemap");
		return 1;
	}
	close(fd);
	if (pipe(pfd)) {
		perror("pipe");
		return 1;
	}
	/* room for every page held: a full pipe would block vmsplice */
	if (fcntl(pfd[1], F_SETPIPE_SZ, MAX_PINNED * psize) < 0) {
		perror("F_SETPIPE_SZ");
		return 1;
	}
	for (size_t i = 0; i < pages && pinned < MAX_PINNED; i++) {
		uint64_t pfn = map[i] & PM_PFN_MASK;
		struct iovec iov = { p + i * (size_t)psize, (size_t)psize };

		if (!(map[i] & PM_PRESENT) || pfn < first || pfn - first >= nr)
			continue;
		if (vmsplice(pfd[1], &iov, 1, 0) != psize) {
			perror("vmsplice");
			return 1;
		}
		if (!pinned++)
			first_pinned = pfn;
	}
	free(map);
	if (!pinned) {
		fprintf(stderr, "no page of %zu MiB landed in pfn %llu+%llu\n",
			mib, (unsigned long long)first, (unsigned long long)nr);
		return 1;
	}
	printf("pinned %zu %llu\n", pinned, (unsigned long long)first_pinned);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "pin"))
		return do_pin(strtoull(argv[2], NULL, 0),
			      strtoull(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: %s pin FIRST_PFN NR_PFNS MIB\n", argv[0]);
	return 2;
}
