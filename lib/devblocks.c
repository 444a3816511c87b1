// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The memory blocks a device covers: the whole blocks inside the physical
 * range the kernel gave it (a virtio-mem device's region, a dax device's
 * resource), how many of them are online and on which node.  Shared by the
 * kinds of devices that add memory through a driver (virtio_mem.c, dax.c),
 * with the walk over their bus and the array their lists grow in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

int memhp_dev_blocks_read(struct memhp_ctx *ctx, uint64_t start,
			  uint64_t size, struct memhp_dev_blocks *out)
{
	uint64_t bs = ctx->block_size, first, end;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	out->node = -1;
	if (!bs || !size || !memhp_range_valid(start, size))
		return 0;
	first = (start + bs - 1) / bs;	/* whole blocks only */
	end = (start + size) / bs;	/* exclusive */
	i = memhp_block_lower_bound(ctx, first);
	for (size_t j = i; j < ctx->nr_blocks && ctx->blocks[j].id < end; j++)
		n++;
	if (!n)
		return 0;
	out->ids = malloc(n * sizeof(*out->ids));
	if (!out->ids)
		return -ENOMEM;
	for (int node = -2; out->nr < n; i++) {
		const struct memhp_block *b = &ctx->blocks[i];

		out->ids[out->nr++] = b->id;
		if (b->state == MEMHP_STATE_ONLINE)
			out->online++;
		node = node == -2 || node == b->node ? b->node : -1;
		out->node = node < 0 ? -1 : node;
	}
	return 0;
}

void memhp_dev_blocks_clear(struct memhp_dev_blocks *b)
{
	free(b->ids);
	memset(b, 0, sizeof(*b));
	b->node = -1;
}

void memhp_link_base(int dirfd, const char *link, char *buf, size_t size)
{
	char target[256];
	const char *base;
	ssize_t n = readlinkat(dirfd, link, target, sizeof(target) - 1);

	buf[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < size)
		strcpy(buf, base);
}

int memhp_bus_walk(struct memhp_ctx *ctx, enum memhp_area area,
		   memhp_dirent_fn fn, void *data)
{
	int ret = memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE);

	if (ret == 0)
		ret = memhp_walk_dir(ctx, area, NULL, fn, data);
	return ret == -ENOENT ? 0 : ret;	/* no such bus: no devices */
}

void *memhp_grow(void *arr, size_t nr, size_t *cap, size_t size)
{
	size_t n = *cap ? 2 * *cap : 4;
	void *grown;

	if (nr < *cap)
		return arr;
	grown = realloc(arr, n * size);
	if (grown)
		*cap = n;
	return grown;
}
