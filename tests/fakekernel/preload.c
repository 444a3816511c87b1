// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the cli tests: a write(2) to a memoryN/state file,
 * or to memhp.ko's probe or remove, below MEMHP_FAKE_ROOT goes to the fake
 * kernel instead of the file.  Any
 * other write, and every write when MEMHP_FAKE_ROOT is unset or "/", goes
 * through untouched: the shim can never act on the real /sys.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakekernel.h"

typedef ssize_t (*write_fn)(int, const void *, size_t);

ssize_t write(int fd, const void *buf, size_t count)
{
	static write_fn real_write;
	const char *root = getenv("MEMHP_FAKE_ROOT");
	char link[64], path[PATH_MAX], value[64];
	ssize_t n;
	int ret;

	if (!real_write)
		real_write = (write_fn)dlsym(RTLD_NEXT, "write");
	if (!root || !*root || !strcmp(root, "/") || count >= sizeof(value))
		return real_write(fd, buf, count);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return real_write(fd, buf, count);
	path[n] = '\0';
	if (strncmp(path, root, strlen(root)) != 0 ||
	    strncmp(path, "/sys/", 5) == 0 ||
	    (!fake_kernel_is_state(path) && !fake_module_is_attr(path)))
		return real_write(fd, buf, count);
	memcpy(value, buf, count);
	value[count] = '\0';
	ret = fake_kernel_is_state(path) ?
		fake_kernel_state_write(path, value) :
		fake_module_write(path, value);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return (ssize_t)count;
}
