// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CMA areas (the contiguous memory allocator's boot-time
 * reservations): whether the kernel has any, and where.  Offline never
 * empties a block that overlaps one: page isolation (has_unmovable_pages())
 * refuses every MIGRATE_CMA pageblock unless the caller is CMA itself, in
 * 6.1 as in 6.12, so the block stays busy for good.
 *
 * User space learns where the areas are only from debugfs
 * (CONFIG_CMA_DEBUGFS): sys/kernel/debug/cma/NAME/base_pfn and count, in
 * decimal; a kernel that splits an area into ranges lists them in
 * NAME/ranges/N/ without each one's length, so such an area cannot be
 * placed.  sys/kernel/mm/cma has counters only.  proc/meminfo's CmaTotal
 * says how many pages all the areas hold (no line: a kernel without
 * CONFIG_CMA), which tells "none" from "not placed" and checks that
 * debugfs listed every area.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define MEMINFO_MAX_BYTES (1u << 20)

/* CmaTotal in kB into *@kb: 0; 1 without the line (no CONFIG_CMA); or why
 * proc/meminfo could not be read */
static int cma_total_kb(struct memhp_ctx *ctx, uint64_t *kb)
{
	char *text, *line;
	size_t len;
	int ret = memhp_read_file(ctx, AREA_PROC, "meminfo", MEMINFO_MAX_BYTES,
				  &text, &len);

	if (ret < 0)
		return ret;
	ret = 1;
	for (line = text; line; line = strchr(line, '\n')) {
		unsigned long long v;

		line += *line == '\n';
		if (!strncmp(line, "CmaTotal:", 9) &&
		    sscanf(line + 9, "%llu kB", &v) == 1) {
			*kb = v;
			ret = 0;
			break;
		}
	}
	free(text);
	return ret;
}

/* The areas as debugfs places them, read once per census batch
 * (memhp_overlaps_forget()). */
struct memhp_cma_cache {
	int ret;		/* as memhp_cma_pages() returns it */
	bool none;		/* meminfo: no CMA area at all */
	uint64_t (*areas)[2];	/* base pfn, count */
	size_t n, alloc;
};

struct cma_walk {
	struct memhp_ctx *ctx;
	struct memhp_cma_cache *c;
	uint64_t pages;
	int err;
};

static int count_entry(const char *name, unsigned char type, void *data)
{
	(void)name;
	(void)type;
	(*(unsigned int *)data)++;
	return 0;
}

static int read_u64(struct memhp_ctx *ctx, const char *area,
		    const char *attr, uint64_t *v)
{
	char path[320], buf[32];
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", area, attr) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	n = memhp_read_attr(ctx, AREA_DEBUG_CMA, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return memhp_parse_u64(buf, 10, v);
}

static int add_area(const char *name, unsigned char type, void *data)
{
	struct cma_walk *w = data;
	uint64_t base, count;
	unsigned int ranges = 0;
	char sub[320];
	int ret;

	(void)type;
	snprintf(sub, sizeof(sub), "%s/ranges", name);
	/* more than one range: where each ends is not said */
	if (memhp_walk_dir(w->ctx, AREA_DEBUG_CMA, sub, count_entry,
			   &ranges) == 0 && ranges > 1) {
		dbg(w->ctx, "CMA area %s: %u ranges, not placed", name,
		    ranges);
		w->err = -ENODATA;
		return 1;
	}
	ret = read_u64(w->ctx, name, "base_pfn", &base);
	if (ret == 0)
		ret = read_u64(w->ctx, name, "count", &count);
	if (ret < 0 || base + count < base) {
		dbg(w->ctx, "CMA area %s: %s", name,
		    memhp_strerror(ret < 0 ? ret : -ERANGE));
		w->err = -ENODATA;
		return 1;
	}
	if (w->c->n == w->c->alloc) {
		size_t alloc = w->c->alloc ? w->c->alloc * 2 : 4;
		void *p = realloc(w->c->areas, alloc * sizeof(*w->c->areas));

		if (!p) {
			w->err = -ENOMEM;
			return 1;
		}
		w->c->areas = p;
		w->c->alloc = alloc;
	}
	w->c->areas[w->c->n][0] = base;
	w->c->areas[w->c->n][1] = count;
	w->c->n++;
	w->pages += count;
	return 0;
}

static void cma_cache_read(struct memhp_ctx *ctx, struct memhp_cma_cache *c,
			   uint64_t page_size)
{
	struct cma_walk w = { .ctx = ctx, .c = c };
	uint64_t kb = 0;
	int ret = cma_total_kb(ctx, &kb);

	if (ret == 1 || (ret == 0 && kb == 0)) {
		c->none = true;	/* no CONFIG_CMA, or no area */
		return;
	}
	c->ret = ret;
	if (ret < 0)
		return;
	ret = memhp_walk_dir(ctx, AREA_DEBUG_CMA, NULL, add_area, &w);
	if (ret < 0 || w.err < 0) {
		c->ret = w.err == -ENOMEM ? -ENOMEM : -ENODATA;
		return;
	}
	/* every area placed, or none of it is known */
	if (w.pages * (page_size / 1024) != kb) {
		dbg(ctx, "CMA: debugfs places %" PRIu64 " pages, meminfo "
		    "says %" PRIu64 " kB", w.pages, kb);
		c->ret = -ENODATA;
	}
}

int memhp_cma_pages(struct memhp_ctx *ctx, uint64_t first_pfn,
		    uint64_t nr_pages, uint64_t page_size, uint64_t *pages,
		    const char **source)
{
	uint64_t end = first_pfn + nr_pages;
	struct memhp_cma_cache *c = ctx->cma;

	*pages = 0;
	*source = NULL;
	if (!c) {
		ctx->cma = c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		cma_cache_read(ctx, c, page_size);
	}
	if (c->none) {
		*source = "meminfo";
		return 0;
	}
	if (c->ret < 0)
		return c->ret;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t base = c->areas[i][0], top = base + c->areas[i][1];
		uint64_t s = base > first_pfn ? base : first_pfn;
		uint64_t e = top < end ? top : end;

		if (s < e)
			*pages += e - s;
	}
	*source = "debugfs";
	return 0;
}

void memhp_cma_cache_free(struct memhp_cma_cache *c)
{
	if (c)
		free(c->areas);
	free(c);
}
