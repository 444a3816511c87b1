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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* /proc/iomem of a big machine is some 100 KiB */
#define IOMEM_MAX_BYTES (16u << 20)
#define IOMEM_MAX_DEPTH 16
#define IOMEM_MAX_NAME 64

int memhp_iomem_parse(const char *text, memhp_iomem_fn fn, void *data)
{
	char names[IOMEM_MAX_DEPTH][IOMEM_MAX_NAME] = { { 0 } };
	bool all_zero = true;
	int ret = 0;

	for (const char *line = text; ret == 0 && line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t indent = strspn(line, " "), depth = indent / 2;
		unsigned long long s, e;
		char buf[256];
		int n = 0;

		/* a line is at most one resource; longer ones are cut */
		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		line = nl ? nl + 1 : NULL;
		if (indent >= strlen(buf) || depth >= IOMEM_MAX_DEPTH ||
		    sscanf(buf + indent, "%llx-%llx : %n", &s, &e, &n) != 2 ||
		    !n || e < s)
			continue;
		snprintf(names[depth], sizeof(names[depth]), "%s",
			 buf + indent + n);
		if (s || e)
			all_zero = false;
		else if (all_zero)
			continue;	/* addresses hidden from non-root */
		ret = fn(data, s, e, names[depth],
			 depth && names[depth - 1][0] ? names[depth - 1] : NULL);
	}
	return ret;
}

int memhp_iomem_walk(struct memhp_ctx *ctx, memhp_iomem_fn fn, void *data)
{
	char *text;
	size_t len;
	/* confined to the root, a regular file only (proc/iomem -> /dev/zero
	 * would feed the read forever), and at most IOMEM_MAX_BYTES */
	int ret = memhp_read_file(ctx, AREA_PROC, "iomem", IOMEM_MAX_BYTES,
				  &text, &len);

	if (ret < 0)
		return ret;
	ret = memhp_iomem_parse(text, fn, data);
	free(text);
	return ret;
}
