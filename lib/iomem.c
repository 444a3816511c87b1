// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /proc/iomem: the kernel's tree of physical address resources, one line a
 * resource, "START-END : NAME" in hex, two spaces of indent a level.  The
 * System RAM resources in it say who added the memory: plain "System RAM"
 * (boot memory, ACPI and the probe attribute), or "System RAM (DRIVER)"
 * for memory a driver manages (kmem, virtio_mem, memhp), whose parent
 * resource names the device (dax0.0, virtio0).
 *
 * Without root the kernel prints every address as 0: such a file is read
 * as one with no resources.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

/* /proc/iomem of a big machine is some 100 KiB */
#define IOMEM_MAX_BYTES (16u << 20)
#define IOMEM_MAX_DEPTH 16

int memhp_iomem_walk(struct memhp_ctx *ctx, memhp_iomem_fn fn, void *data)
{
	char line[256], names[IOMEM_MAX_DEPTH][64] = { { 0 } };
	bool all_zero = true;
	size_t total = 0;
	int fd, ret = 0;
	FILE *f;

	/* confined to the root, a regular file only (proc/iomem -> /dev/zero
	 * would feed the loop forever), and at most IOMEM_MAX_BYTES */
	fd = memhp_open_regular(ctx, AREA_PROC, "iomem", O_RDONLY);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (ret == 0 && fgets(line, sizeof(line), f)) {
		size_t indent = strspn(line, " "), depth = indent / 2;
		unsigned long long s, e;
		char *name;
		int n = 0;

		total += strlen(line) + 1;
		if (total > IOMEM_MAX_BYTES) {
			ret = -EFBIG;
			break;
		}
		if (sscanf(line + indent, "%llx-%llx : %n", &s, &e, &n) != 2 ||
		    !n || e < s || depth >= IOMEM_MAX_DEPTH)
			continue;
		name = line + indent + n;
		name[strcspn(name, "\n")] = '\0';
		snprintf(names[depth], sizeof(names[depth]), "%s", name);
		if (s || e)
			all_zero = false;
		else if (all_zero)
			continue;	/* addresses hidden from non-root */
		ret = fn(data, s, e, names[depth],
			 depth && names[depth - 1][0] ? names[depth - 1] : NULL);
	}
	fclose(f);
	return ret;
}
