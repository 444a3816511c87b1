// SPDX-License-Identifier: LGPL-2.1-or-later
/* Usage per node and zone, and the node facts only libnuma knows. */
#include <errno.h>
#include <numa.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static struct memhp_node_usage *find_node(struct memhp_node_usage **usage,
					  size_t *nr, int node)
{
	struct memhp_node_usage *u;
	size_t i;

	for (i = 0; i < *nr; i++) {
		if ((*usage)[i].node == node)
			return &(*usage)[i];
		if ((*usage)[i].node > node)
			break;
	}
	u = realloc(*usage, (*nr + 1) * sizeof(*u));
	if (!u)
		return NULL;
	memmove(&u[i + 1], &u[i], (*nr - i) * sizeof(*u));
	memset(&u[i], 0, sizeof(*u));
	u[i].node = node;
	(*nr)++;
	*usage = u;
	return &u[i];
}

MEMHP_EXPORT int memhp_node_usage(struct memhp_ctx *ctx,
				  struct memhp_node_usage **out, size_t *nr_out)
{
	struct memhp_node_usage *usage = NULL, *u = NULL;
	size_t nr = 0;
	int ret;

	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE |
				     MEMHP_ATTR_ZONES);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		const struct memhp_block *b = &ctx->blocks[i];

		/* blocks come in id order, mostly in runs of one node */
		if (!u || u->node != b->node) {
			u = find_node(&usage, &nr, b->node);
			if (!u) {
				free(usage);
				return -ENOMEM;
			}
		}
		u->blocks++;
		if (b->state != MEMHP_STATE_ONLINE) {
			u->offline += ctx->block_size;
			continue;
		}
		u->online += ctx->block_size;
		if (b->nr_zones > 0)
			u->zone_online[b->zones[0]] += ctx->block_size;
	}
	*out = usage;
	*nr_out = nr;
	return 0;
}

MEMHP_EXPORT int memhp_node_meminfo(struct memhp_ctx *ctx, int node,
				    uint64_t *total, uint64_t *free_bytes)
{
	long long t, f;

	/* libnuma reads the live /sys: its answers belong to root "/" only */
	if (strcmp(ctx->root, "/") != 0)
		return -EOPNOTSUPP;
	if (numa_available() < 0)
		return -ENOSYS;
	if (node < 0 || node > numa_max_node())
		return -ENODEV;
	t = numa_node_size64(node, &f);
	if (t < 0)
		return -ENODEV;
	*total = (uint64_t)t;
	*free_bytes = (uint64_t)f;
	return 0;
}
