// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Preparing the ground for an offline, when asked (memhp offline
 * --reclaim): drop the clean page cache and compact the nodes the blocks
 * are on, and say what was written and what it changed.
 *
 * What the kernel takes (6.1 to 6.12):
 * - proc/sys/vm/drop_caches: 1 to 3 (4 only silences its log line); 1
 *   drops clean, unmapped page cache on EVERY node: there is no per-node
 *   knob.  Dirty, mapped and locked pages stay.  The kernel logs
 *   "drop_caches: 1" once.
 * - sys/devices/system/node/nodeN/compact (NUMA kernels with compaction):
 *   any write compacts node N.
 * - proc/sys/vm/compact_memory: compacts every node; newer kernels refuse
 *   any value but 1.  Used where there are no node directories.
 * The counters before and after come from nodeN/meminfo (FilePages,
 * MemFree); without nodes from proc/meminfo, whose file pages are Cached
 * + Buffers + SwapCached (what the kernel counts as NR_FILE_PAGES).
 * Every file is opened below the sysfs root, as every other write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define RECLAIM_MEMINFO_MAX (64 * 1024)

struct reclaim_write {
	enum memhp_reclaim_action action;
	enum memhp_area area;
	char name[48];		/* below the area */
	char file[96];		/* below the root, for the report */
	int err;		/* positive errno; 0 written or not run */
};

struct reclaim_node {
	int node;		/* -1: the whole machine (no node dirs) */
	uint64_t before[MEMHP_RECLAIM_NR_COUNTERS];
	uint64_t after[MEMHP_RECLAIM_NR_COUNTERS];
};

struct memhp_reclaim {
	struct memhp_ctx *ctx;
	bool ran;
	struct reclaim_write *writes;
	size_t nr_writes, cap_writes;
	struct reclaim_node *nodes;
	size_t nr_nodes, cap_nodes;
};

MEMHP_EXPORT int memhp_reclaim_new(struct memhp_ctx *ctx,
				   struct memhp_reclaim **reclaim)
{
	*reclaim = calloc(1, sizeof(**reclaim));
	if (!*reclaim)
		return -ENOMEM;
	(*reclaim)->ctx = memhp_ref(ctx);
	return 0;
}

MEMHP_EXPORT void memhp_reclaim_free(struct memhp_reclaim *r)
{
	if (!r)
		return;
	memhp_unref(r->ctx);
	free(r->writes);
	free(r->nodes);
	free(r);
}

static int add_write(struct memhp_reclaim *r,
		     enum memhp_reclaim_action action, enum memhp_area area,
		     const char *name)
{
	struct reclaim_write *w = memhp_grow(r->writes, r->nr_writes,
					     &r->cap_writes, sizeof(*w));

	if (!w)
		return -ENOMEM;
	r->writes = w;
	w = &r->writes[r->nr_writes++];
	*w = (struct reclaim_write){ .action = action, .area = area };
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->file, sizeof(w->file), "%s/%s", memhp_area_path(area),
		 name);
	return 0;
}

static void counters_unknown(uint64_t *c)
{
	for (int i = 0; i < MEMHP_RECLAIM_NR_COUNTERS; i++)
		c[i] = UINT64_MAX;
}

MEMHP_EXPORT int memhp_reclaim_add_node(struct memhp_reclaim *r, int node)
{
	struct reclaim_node *n;
	char name[48];
	int ret;

	if (r->ran || node < -1)
		return -EINVAL;
	for (size_t i = 0; i < r->nr_nodes; i++)
		if (r->nodes[i].node == node)
			return 0;
	n = memhp_grow(r->nodes, r->nr_nodes, &r->cap_nodes, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->nodes = n;
	/* the page cache goes first, once, whatever node asked for it */
	if (!r->nr_writes) {
		ret = add_write(r, MEMHP_RECLAIM_DROP_CACHES, AREA_PROC,
				"sys/vm/drop_caches");
		if (ret < 0)
			return ret;
	}
	if (node >= 0)
		snprintf(name, sizeof(name), "node%d/compact", node);
	ret = node >= 0 ?
	      add_write(r, MEMHP_RECLAIM_COMPACT_NODE, AREA_NODE, name) :
	      add_write(r, MEMHP_RECLAIM_COMPACT_ALL, AREA_PROC,
			"sys/vm/compact_memory");
	if (ret < 0)
		return ret;
	n = &r->nodes[r->nr_nodes++];
	n->node = node;
	counters_unknown(n->before);
	counters_unknown(n->after);
	return 0;
}

/* The kB of @key on line @l ("Node 0 FilePages:  1234 kB", or
 * proc/meminfo's "Cached:  1234 kB"), if it is that line. */
static bool line_kb(const char *l, const char *key, uint64_t *kb)
{
	size_t len = strlen(key);

	/* a node's lines open with "Node N " */
	if (!strncmp(l, "Node ", 5)) {
		l += 5;
		while (*l >= '0' && *l <= '9')
			l++;
		while (*l == ' ')
			l++;
	}
	if (strncmp(l, key, len) || l[len] != ':')
		return false;
	l += len + 1;
	while (*l == ' ')
		l++;
	if (*l < '0' || *l > '9')
		return false;
	*kb = strtoull(l, NULL, 10);
	return true;
}

static bool meminfo_kb(const char *text, const char *key, uint64_t *kb)
{
	for (const char *l = text; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (line_kb(l, key, kb))
			return true;
	}
	return false;
}

/* Fills @c (bytes; UINT64_MAX where not known) from the node's meminfo,
 * or proc/meminfo for the whole machine. */
static void read_counters(struct memhp_ctx *ctx, int node, uint64_t *c)
{
	char name[48], *text = NULL;
	uint64_t kb, sum = 0;
	size_t len;

	counters_unknown(c);
	snprintf(name, sizeof(name), "node%d/meminfo", node);
	if (memhp_read_file(ctx, node >= 0 ? AREA_NODE : AREA_PROC,
			    node >= 0 ? name : "meminfo", RECLAIM_MEMINFO_MAX,
			    &text, &len) < 0)
		return;
	if (meminfo_kb(text, "MemFree", &kb))
		c[MEMHP_RECLAIM_MEM_FREE] = kb << 10;
	if (node >= 0 && meminfo_kb(text, "FilePages", &kb)) {
		c[MEMHP_RECLAIM_FILE_PAGES] = kb << 10;
	} else if (node < 0 && meminfo_kb(text, "Cached", &kb)) {
		sum = kb;
		if (meminfo_kb(text, "Buffers", &kb))
			sum += kb;
		if (meminfo_kb(text, "SwapCached", &kb))
			sum += kb;
		c[MEMHP_RECLAIM_FILE_PAGES] = sum << 10;
	}
	free(text);
}

/* The counters as they are now, for what a dry run reports. */
void memhp_reclaim_read_before(struct memhp_reclaim *r)
{
	for (size_t i = 0; i < r->nr_nodes; i++)
		read_counters(r->ctx, r->nodes[i].node, r->nodes[i].before);
}

MEMHP_EXPORT int memhp_reclaim_run(struct memhp_reclaim *r)
{
	struct memhp_ctx *ctx = r->ctx;
	int ret, first = 0;

	if (r->ran)
		return -EALREADY;
	ret = memhp_lock(ctx, 0);
	if (ret < 0)
		return ret;
	memhp_reclaim_read_before(r);
	for (size_t i = 0; i < r->nr_writes; i++) {
		struct reclaim_write *w = &r->writes[i];

		/* a compaction can take long: a cancel stops before the
		 * next write, and the offline after it does not start */
		ret = ctx->cancel ? -ECANCELED :
				    memhp_write_attr(ctx, w->area, w->name, "1");
		w->err = ret < 0 ? -ret : 0;
		if (ret < 0) {
			info(ctx, "reclaim: cannot write 1 to %s: %s", w->file,
			    memhp_strerror(ret));
			if (!first)
				first = ret;
		} else {
			info(ctx, "reclaim: wrote 1 to %s", w->file);
		}
	}
	for (size_t i = 0; i < r->nr_nodes; i++)
		read_counters(ctx, r->nodes[i].node, r->nodes[i].after);
	r->ran = true;
	memhp_unlock(ctx);
	return first;
}

MEMHP_EXPORT bool memhp_reclaim_has_run(const struct memhp_reclaim *r)
{
	return r->ran;
}

MEMHP_EXPORT size_t memhp_reclaim_get_write_count(const struct memhp_reclaim *r)
{
	return r->nr_writes;
}

MEMHP_EXPORT enum memhp_reclaim_action memhp_reclaim_get_write_action(
	const struct memhp_reclaim *r, size_t i)
{
	return i < r->nr_writes ? r->writes[i].action :
				  MEMHP_RECLAIM_DROP_CACHES;
}

MEMHP_EXPORT const char *memhp_reclaim_get_write_file(
	const struct memhp_reclaim *r, size_t i)
{
	return i < r->nr_writes ? r->writes[i].file : NULL;
}

MEMHP_EXPORT const char *memhp_reclaim_get_write_value(
	const struct memhp_reclaim *r, size_t i)
{
	return i < r->nr_writes ? "1" : NULL;
}

MEMHP_EXPORT int memhp_reclaim_get_write_errno(const struct memhp_reclaim *r,
					       size_t i)
{
	return i < r->nr_writes ? r->writes[i].err : 0;
}

MEMHP_EXPORT size_t memhp_reclaim_get_node_count(const struct memhp_reclaim *r)
{
	return r->nr_nodes;
}

MEMHP_EXPORT int memhp_reclaim_get_node(const struct memhp_reclaim *r,
					size_t i)
{
	return i < r->nr_nodes ? r->nodes[i].node : -1;
}

static bool counter_ok(const struct memhp_reclaim *r, size_t i,
		       enum memhp_reclaim_counter c)
{
	return i < r->nr_nodes && (unsigned int)c < MEMHP_RECLAIM_NR_COUNTERS;
}

MEMHP_EXPORT uint64_t memhp_reclaim_get_before(const struct memhp_reclaim *r,
					       size_t i,
					       enum memhp_reclaim_counter c)
{
	return counter_ok(r, i, c) ? r->nodes[i].before[c] : UINT64_MAX;
}

MEMHP_EXPORT uint64_t memhp_reclaim_get_after(const struct memhp_reclaim *r,
					      size_t i,
					      enum memhp_reclaim_counter c)
{
	return counter_ok(r, i, c) ? r->nodes[i].after[c] : UINT64_MAX;
}

MEMHP_EXPORT const char *memhp_reclaim_counter_name(
	enum memhp_reclaim_counter c)
{
	static const char *const names[] = {
		[MEMHP_RECLAIM_FILE_PAGES] = "FilePages",
		[MEMHP_RECLAIM_MEM_FREE] = "MemFree",
	};

	return (unsigned int)c < MEMHP_RECLAIM_NR_COUNTERS ? names[c] : NULL;
}
