// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory configuration (s390): sys/firmware/memory/memoryN/config and
 * memmap_on_memory.  Where the firmware lists memory0 there, its memoryN
 * entries are the blocks; a block it has not configured has no
 * sys/devices/system/memory/memoryN and counts as offline.  The values
 * are read as util-linux's lsmem (2.42) reads them: 1 is yes, anything
 * else no; a file that cannot be read leaves the value unknown (-1).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "private.h"

bool memhp_memconfig_present(struct memhp_ctx *ctx)
{
	int fd = memhp_area_open(ctx, AREA_FIRMWARE_MEMORY, "memory0",
				 O_RDONLY | O_DIRECTORY | O_NONBLOCK |
				 O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int8_t read_flag(struct memhp_block *b, const char *attr)
{
	char name[64], buf[32];
	uint64_t v;

	snprintf(name, sizeof(name), "memory%llu/%s",
		 (unsigned long long)b->id, attr);
	if (memhp_read_attr(b->ctx, AREA_FIRMWARE_MEMORY, name, buf,
			    sizeof(buf)) < 0)
		return -1;
	return memhp_parse_u64(buf, 10, &v) == 0 && v == 1;
}

void memhp_memconfig_read(struct memhp_block *b)
{
	b->configured = read_flag(b, "config");
	b->memmap_on_memory = read_flag(b, "memmap_on_memory");
}

void memhp_memconfig_apply(struct memhp_block *b)
{
	if (!b->ctx->have_memconfig || b->configured == 1)
		return;
	b->state = MEMHP_STATE_OFFLINE;
	b->removable = -1;
	b->nr_zones = -1;
}
