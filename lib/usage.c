// SPDX-License-Identifier: LGPL-2.1-or-later
/* Usage per node and zone, and the node facts only libnuma knows. */
#include <dlfcn.h>
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct memhp_node_usage {
	int node;		/* -1: blocks without a node link */
	uint64_t blocks;
	uint64_t online;	/* bytes */
	uint64_t offline;	/* bytes */
	uint64_t zone_online[MEMHP_NR_ZONES];
};

struct memhp_usage {
	size_t nr;
	struct memhp_node_usage *nodes;	/* by node id */
	struct {
		uint64_t online, offline;	/* bytes */
	} owners[MEMHP_NR_OWNERS];
};

static struct memhp_node_usage *find_node(struct memhp_usage *usage, int node)
{
	struct memhp_node_usage *u;
	size_t i, nr = usage->nr;

	for (i = 0; i < nr; i++) {
		if (usage->nodes[i].node == node)
			return &usage->nodes[i];
		if (usage->nodes[i].node > node)
			break;
	}
	u = realloc(usage->nodes, (nr + 1) * sizeof(*u));
	if (!u)
		return NULL;
	memmove(&u[i + 1], &u[i], (nr - i) * sizeof(*u));
	memset(&u[i], 0, sizeof(*u));
	u[i].node = node;
	usage->nr++;
	usage->nodes = u;
	return &u[i];
}

MEMHP_EXPORT void memhp_usage_free(struct memhp_usage *usage)
{
	if (!usage)
		return;
	free(usage->nodes);
	free(usage);
}

MEMHP_EXPORT int memhp_usage_new(struct memhp_ctx *ctx,
				 struct memhp_usage **out)
{
	struct memhp_node_usage *u = NULL;
	struct memhp_usage *usage;
	int ret;

	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE |
				     MEMHP_ATTR_ZONES | MEMHP_ATTR_OWNER);
	if (ret < 0)
		return ret;
	usage = calloc(1, sizeof(*usage));
	if (!usage)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		const struct memhp_block *b = &ctx->blocks[i];

		/* blocks come in id order, mostly in runs of one node */
		if (!u || u->node != b->node) {
			u = find_node(usage, b->node);
			if (!u) {
				memhp_usage_free(usage);
				return -ENOMEM;
			}
		}
		u->blocks++;
		if (b->state != MEMHP_STATE_ONLINE) {
			u->offline += ctx->block_size;
			usage->owners[b->owner].offline += ctx->block_size;
			continue;
		}
		usage->owners[b->owner].online += ctx->block_size;
		u->online += ctx->block_size;
		if (b->nr_zones > 0)
			u->zone_online[b->zones[0]] += ctx->block_size;
	}
	*out = usage;
	return 0;
}

MEMHP_EXPORT size_t memhp_usage_get_count(const struct memhp_usage *usage)
{
	return usage->nr;
}

MEMHP_EXPORT const struct memhp_node_usage *
memhp_usage_get(const struct memhp_usage *usage, size_t i)
{
	return i < usage->nr ? &usage->nodes[i] : NULL;
}

MEMHP_EXPORT int memhp_node_usage_get_node(const struct memhp_node_usage *u)
{
	return u->node;
}

MEMHP_EXPORT uint64_t
memhp_node_usage_get_blocks(const struct memhp_node_usage *u)
{
	return u->blocks;
}

MEMHP_EXPORT uint64_t
memhp_node_usage_get_online(const struct memhp_node_usage *u)
{
	return u->online;
}

MEMHP_EXPORT uint64_t
memhp_node_usage_get_offline(const struct memhp_node_usage *u)
{
	return u->offline;
}

MEMHP_EXPORT uint64_t
memhp_node_usage_get_zone_online(const struct memhp_node_usage *u,
				 enum memhp_zone zone)
{
	if ((unsigned int)zone >= MEMHP_NR_ZONES)
		return 0;
	return u->zone_online[zone];
}

MEMHP_EXPORT uint64_t memhp_usage_get_owner_bytes(
	const struct memhp_usage *usage, enum memhp_owner owner, bool online)
{
	if ((unsigned int)owner >= MEMHP_NR_OWNERS)
		return 0;
	return online ? usage->owners[owner].online :
			usage->owners[owner].offline;
}

/*
 * libnuma, loaded the first time a node's meminfo is asked for rather than
 * with libmemhp: its constructor reads the live /proc and /sys (the
 * task's nodes, every node and CPU) whenever the library is loaded, which
 * cost every memhp command 10-18 ms of its start in a TCG guest, for a
 * fact that only summary wants.  The calls keep numa.h's types (checked
 * below); the packages depend on libnuma1 (debian/control).
 */
typedef int numa_available_fn(void);
typedef int numa_max_node_fn(void);
typedef long long numa_node_size64_fn(int node, long long *freep);

_Static_assert(_Generic(&numa_available, numa_available_fn *: 1, default: 0),
	       "numa_available's type");
_Static_assert(_Generic(&numa_max_node, numa_max_node_fn *: 1, default: 0),
	       "numa_max_node's type");
_Static_assert(_Generic(&numa_node_size64, numa_node_size64_fn *: 1,
			default: 0), "numa_node_size64's type");

#define LIBNUMA_SONAME "libnuma.so.1"

static struct {
	pthread_once_t once;
	numa_available_fn *available;
	numa_max_node_fn *max_node;
	numa_node_size64_fn *node_size64;
} numa = { .once = PTHREAD_ONCE_INIT };

static void numa_load(void)
{
	void *h = dlopen(LIBNUMA_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	/* POSIX's way from dlsym's object pointer to a function pointer */
	*(void **)&numa.available = dlsym(h, "numa_available");
	*(void **)&numa.max_node = dlsym(h, "numa_max_node");
	*(void **)&numa.node_size64 = dlsym(h, "numa_node_size64");
	if (numa.available && numa.max_node && numa.node_size64)
		return;		/* kept loaded for the process's life */
	numa.available = NULL;
	numa.max_node = NULL;
	numa.node_size64 = NULL;
	dlclose(h);
}

MEMHP_EXPORT int memhp_node_meminfo(struct memhp_ctx *ctx, int node,
				    uint64_t *total, uint64_t *free_bytes)
{
	long long t, f;

	/* libnuma reads the live /sys: its answers belong to root "/" only */
	if (strcmp(ctx->root, "/") != 0)
		return -EOPNOTSUPP;
	pthread_once(&numa.once, numa_load);
	if (!numa.available || numa.available() < 0)
		return -ENOSYS;
	if (node < 0 || node > numa.max_node())
		return -ENODEV;
	t = numa.node_size64(node, &f);
	if (t < 0)
		return -ENODEV;
	*total = (uint64_t)t;
	*free_bytes = (uint64_t)f;
	return 0;
}
