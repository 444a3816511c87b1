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

/* The System RAM resources that overlap [first, end), in pfns. */
struct ram_walk {
	uint64_t first, end, page;
	uint64_t (*spans)[2];
	size_t n, alloc;
	bool any;		/* some System RAM anywhere */
};

static int add_ram(void *data, uint64_t start, uint64_t end,
		   const char *name, const char *parent)
{
	struct ram_walk *w = data;
	/* the pages a resource covers whole, as walk_system_ram_range() */
	uint64_t s = (start + w->page - 1) / w->page;
	uint64_t e = end == UINT64_MAX ? end / w->page : (end + 1) / w->page;

	(void)parent;
	/* "System RAM", "System RAM (kmem)", ...: IORESOURCE_SYSTEM_RAM */
	if (strncmp(name, "System RAM", 10))
		return 0;
	w->any = true;
	if (s < w->first)
		s = w->first;
	if (e > w->end)
		e = w->end;
	if (s >= e)
		return 0;
	if (w->n == w->alloc) {
		size_t alloc = w->alloc ? w->alloc * 2 : 8;
		void *p = realloc(w->spans, alloc * sizeof(*w->spans));

		if (!p)
			return -ENOMEM;
		w->spans = p;
		w->alloc = alloc;
	}
	w->spans[w->n][0] = s;
	w->spans[w->n][1] = e;
	w->n++;
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Every System RAM span of proc/iomem in whole pages, sorted: read once
 * per census batch (memhp_overlaps_forget()). */
struct memhp_ram_cache {
	int ret;			/* 0, or why there are no spans */
	uint64_t page;
	uint64_t (*spans)[2];
	size_t n;
};

static const struct memhp_ram_cache *ram_cache(struct memhp_ctx *ctx,
					       uint64_t page)
{
	struct ram_walk w = { .first = 0, .end = UINT64_MAX, .page = page };
	struct memhp_ram_cache *r = ctx->ram;

	if (r && r->page == page)
		return r;
	free(r ? r->spans : NULL);
	free(r);
	ctx->ram = r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->page = page;
	r->ret = memhp_iomem_walk(ctx, add_ram, &w);
	if (r->ret == 0 && !w.any)
		r->ret = -ENODATA; /* addresses hidden (not root), or no RAM */
	if (r->ret < 0) {
		free(w.spans);
		return r;
	}
	/* their union: a resource may sit inside another */
	if (w.n > 1)
		qsort(w.spans, w.n, sizeof(*w.spans), cmp_span);
	r->spans = w.spans;
	r->n = w.n;
	return r;
}

int memhp_iomem_ram_pages(struct memhp_ctx *ctx, uint64_t first_pfn,
			  uint64_t nr_pages, uint64_t page_size,
			  uint64_t *ram)
{
	const struct memhp_ram_cache *r = ram_cache(ctx, page_size);
	uint64_t at = first_pfn, end = first_pfn + nr_pages;

	*ram = 0;
	if (!r)
		return -ENOMEM;
	if (r->ret < 0)
		return r->ret;
	for (size_t i = 0; i < r->n; i++) {
		uint64_t s = r->spans[i][0] > at ? r->spans[i][0] : at;
		uint64_t e = r->spans[i][1] < end ? r->spans[i][1] : end;

		if (e > s) {
			*ram += e - s;
			at = e;
		}
	}
	return 0;
}

void memhp_ram_cache_free(struct memhp_ram_cache *r)
{
	if (r)
		free(r->spans);
	free(r);
}
