// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Physical ranges: adding them (memhp.ko, or the kernel's own probe
 * attribute), removing what memhp.ko added, listing its ranges, and
 * finding RAM the firmware reported that the kernel does not use.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

MEMHP_EXPORT enum memhp_probe_method memhp_probe_method(struct memhp_ctx *ctx)
{
	char buf[8];

	if (memhp_module_loaded(ctx))
		return MEMHP_PROBE_MODULE;
	/* write-only: present when reading says EACCES/EPERM, not ENOENT */
	if (memhp_read_attr(ctx, AREA_MEMORY, "probe", buf, sizeof(buf)) !=
	    -ENOENT)
		return MEMHP_PROBE_KERNEL;
	return MEMHP_PROBE_NONE;
}

static int check_aligned(struct memhp_ctx *ctx, uint64_t start,
			 uint64_t size)
{
	uint64_t bs;
	int ret = memhp_blocks_scan(ctx, 0);

	if (ret < 0)
		return ret;
	bs = ctx->block_size;
	if (!size || start % bs || size % bs || start + size < start) {
		err(ctx, "0x%llx+0x%llx is not a whole number of memory "
		    "blocks (block size 0x%llx)", (unsigned long long)start,
		    (unsigned long long)size, (unsigned long long)bs);
		return -EDOM;
	}
	return 0;
}

MEMHP_EXPORT int memhp_probe_range(struct memhp_ctx *ctx, uint64_t start,
				   uint64_t size, int node)
{
	char buf[96];
	int ret = check_aligned(ctx, start, size);

	if (ret < 0)
		return ret;
	switch (memhp_probe_method(ctx)) {
	case MEMHP_PROBE_MODULE:
		if (node >= 0)
			snprintf(buf, sizeof(buf), "0x%llx 0x%llx %d",
				 (unsigned long long)start,
				 (unsigned long long)size, node);
		else
			snprintf(buf, sizeof(buf), "0x%llx 0x%llx",
				 (unsigned long long)start,
				 (unsigned long long)size);
		return memhp_write_attr(ctx, AREA_MODULE, "probe", buf);
	case MEMHP_PROBE_KERNEL:
		if (node >= 0)
			return -EOPNOTSUPP;
		/* one block per write; the kernel picks the node */
		for (uint64_t s = start; s < start + size; s += ctx->block_size) {
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)s);
			ret = memhp_write_attr(ctx, AREA_MEMORY, "probe", buf);
			if (ret < 0)
				return ret;
		}
		return 0;
	case MEMHP_PROBE_NONE:
		break;
	}
	return -EOPNOTSUPP;
}

MEMHP_EXPORT int memhp_remove_range(struct memhp_ctx *ctx, uint64_t start,
				    uint64_t size)
{
	char buf[64];
	int ret = check_aligned(ctx, start, size);

	if (ret < 0)
		return ret;
	if (!memhp_module_loaded(ctx))
		return -EOPNOTSUPP;
	snprintf(buf, sizeof(buf), "0x%llx 0x%llx", (unsigned long long)start,
		 (unsigned long long)size);
	return memhp_write_attr(ctx, AREA_MODULE, "remove", buf);
}

struct memhp_probed_range {
	uint64_t start, size;
	int node;
};

struct memhp_probed_ranges {
	struct memhp_ctx *ctx;	/* while listing only */
	struct memhp_probed_range *r;
	size_t nr;
};

static int read_hex_attr(struct memhp_ctx *ctx, enum memhp_area area,
			 const char *name, uint64_t *v)
{
	char buf[64];
	ssize_t n = memhp_read_attr(ctx, area, name, buf, sizeof(buf));
	const char *p = buf;

	if (n < 0)
		return (int)n;
	return memhp_parse_hex(p, v);
}

static int probed_entry(const char *name, unsigned char type, void *data)
{
	struct memhp_probed_ranges *l = data;
	struct memhp_probed_range r = { .node = -1 };
	char path[128], buf[32];
	uint64_t node;
	void *grown;

	(void)type;
	snprintf(path, sizeof(path), "ranges/%s/start", name);
	if (read_hex_attr(l->ctx, AREA_MODULE, path, &r.start) < 0)
		return 0;
	snprintf(path, sizeof(path), "ranges/%s/size", name);
	if (read_hex_attr(l->ctx, AREA_MODULE, path, &r.size) < 0)
		return 0;
	/* a range that is empty or runs past the end of the address space
	 * is no range memhp.ko added: it is left out (memhp(8), HOSTILE
	 * TREES) */
	if (!memhp_range_valid(r.start, r.size)) {
		dbg(l->ctx, "ranges/%s: 0x%llx+0x%llx is not a range", name,
		    (unsigned long long)r.start, (unsigned long long)r.size);
		return 0;
	}
	snprintf(path, sizeof(path), "ranges/%s/node", name);
	if (memhp_read_attr(l->ctx, AREA_MODULE, path, buf, sizeof(buf)) >= 0 &&
	    memhp_parse_u64(buf, 10, &node) == 0 && node <= INT32_MAX)
		r.node = (int)node;
	grown = realloc(l->r, (l->nr + 1) * sizeof(*l->r));
	if (!grown)
		return -ENOMEM;
	l->r = grown;
	l->r[l->nr++] = r;
	return 0;
}

static int cmp_probed(const void *a, const void *b)
{
	const struct memhp_probed_range *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

MEMHP_EXPORT void memhp_probed_ranges_free(struct memhp_probed_ranges *l)
{
	if (!l)
		return;
	free(l->r);
	free(l);
}

MEMHP_EXPORT int memhp_probed_ranges_new(struct memhp_ctx *ctx,
					 struct memhp_probed_ranges **out)
{
	struct memhp_probed_ranges *l = calloc(1, sizeof(*l));
	int ret = 0;

	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	if (memhp_module_loaded(ctx))
		ret = memhp_walk_dir(ctx, AREA_MODULE, "ranges", probed_entry,
				     l);
	l->ctx = NULL;
	if (ret < 0 && ret != -ENOENT) {
		memhp_probed_ranges_free(l);
		return ret;
	}
	if (l->nr)
		qsort(l->r, l->nr, sizeof(*l->r), cmp_probed);
	*out = l;
	return 0;
}

MEMHP_EXPORT size_t
memhp_probed_ranges_get_count(const struct memhp_probed_ranges *l)
{
	return l->nr;
}

MEMHP_EXPORT const struct memhp_probed_range *
memhp_probed_ranges_get(const struct memhp_probed_ranges *l, size_t i)
{
	return i < l->nr ? &l->r[i] : NULL;
}

MEMHP_EXPORT uint64_t
memhp_probed_range_get_start(const struct memhp_probed_range *r)
{
	return r->start;
}

MEMHP_EXPORT uint64_t
memhp_probed_range_get_size(const struct memhp_probed_range *r)
{
	return r->size;
}

MEMHP_EXPORT int memhp_probed_range_get_node(const struct memhp_probed_range *r)
{
	return r->node;
}

/* --- hidden RAM: /sys/firmware/memmap minus System RAM in /proc/iomem */

struct span {
	uint64_t start, end;	/* inclusive */
};

struct span_list {
	struct memhp_ctx *ctx;
	struct span *s;
	size_t nr;
};

static int add_span(struct span_list *l, uint64_t start, uint64_t end)
{
	struct span *grown = realloc(l->s, (l->nr + 1) * sizeof(*l->s));

	if (!grown)
		return -ENOMEM;
	l->s = grown;
	l->s[l->nr++] = (struct span){ start, end };
	return 0;
}

static int memmap_entry(const char *name, unsigned char type, void *data)
{
	struct span_list *l = data;
	char path[64], kind[64];
	uint64_t start, end;

	(void)type;
	snprintf(path, sizeof(path), "%s/type", name);
	if (memhp_read_attr(l->ctx, AREA_FIRMWARE_MEMMAP, path, kind,
			    sizeof(kind)) < 0 || strcmp(kind, "System RAM"))
		return 0;
	snprintf(path, sizeof(path), "%s/start", name);
	if (read_hex_attr(l->ctx, AREA_FIRMWARE_MEMMAP, path, &start) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/end", name);
	if (read_hex_attr(l->ctx, AREA_FIRMWARE_MEMMAP, path, &end) < 0 ||
	    end < start)
		return 0;
	return add_span(l, start, end);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int ram_span(void *data, uint64_t start, uint64_t end,
		    const char *name, const char *parent)
{
	(void)parent;
	if (strncmp(name, "System RAM", 10) != 0)
		return 0;
	return add_span(data, start, end);
}

struct memhp_hidden_range {
	uint64_t start, end;		/* as found, end inclusive */
	uint64_t usable_start, usable_size;	/* cut to whole blocks; 0: none */
};

struct memhp_hidden_ram {
	size_t nr;
	struct memhp_hidden_range *r;
};

static int add_hidden(struct memhp_ctx *ctx, struct memhp_hidden_ram *res,
		      uint64_t start, uint64_t end)
{
	struct memhp_hidden_range *grown = realloc(res->r, (res->nr + 1) *
						   sizeof(*res->r));
	uint64_t bs = ctx->block_size;
	uint64_t us = (start + bs - 1) / bs * bs;
	uint64_t ue = end == UINT64_MAX ? end / bs * bs : (end + 1) / bs * bs;

	if (!grown)
		return -ENOMEM;
	res->r = grown;
	res->r[res->nr++] = (struct memhp_hidden_range){
		.start = start,
		.end = end,
		.usable_start = ue > us ? us : 0,
		.usable_size = ue > us ? ue - us : 0,
	};
	return 0;
}

MEMHP_EXPORT void memhp_hidden_ram_free(struct memhp_hidden_ram *hidden)
{
	if (!hidden)
		return;
	free(hidden->r);
	free(hidden);
}

MEMHP_EXPORT int memhp_hidden_ram_new(struct memhp_ctx *ctx,
				      struct memhp_hidden_ram **out)
{
	struct span_list fw = { .ctx = ctx }, ram = { .ctx = ctx };
	struct memhp_hidden_ram *res;
	int ret;

	ret = memhp_blocks_scan(ctx, 0);
	if (ret < 0)
		return ret;
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	ret = memhp_walk_dir(ctx, AREA_FIRMWARE_MEMMAP, NULL, memmap_entry,
			     &fw);
	if (ret < 0) {
		err(ctx, "cannot read %s/%s: %s", ctx->root,
		    memhp_area_path(AREA_FIRMWARE_MEMMAP), strerror(-ret));
		goto out;
	}
	ret = memhp_iomem_walk(ctx, ram_span, &ram);
	if (ret < 0) {
		err(ctx, "cannot read %s/proc/iomem: %s", ctx->root,
		    ret == -EFBIG ? "longer than 16 MiB" : memhp_strerror(ret));
		goto out;
	}
	if (ram.nr > 1)	/* qsort's base must not be NULL */
		qsort(ram.s, ram.nr, sizeof(*ram.s), cmp_span);
	if (fw.nr > 1)
		qsort(fw.s, fw.nr, sizeof(*fw.s), cmp_span);
	for (size_t i = 0; i < fw.nr; i++) {
		uint64_t cur = fw.s[i].start, end = fw.s[i].end;
		bool done = false;

		/* the gaps System RAM leaves in this firmware RAM span */
		for (size_t j = 0; j < ram.nr && !done; j++) {
			if (ram.s[j].end < cur)
				continue;
			if (ram.s[j].start > end)
				break;
			if (ram.s[j].start > cur) {
				ret = add_hidden(ctx, res, cur,
						 ram.s[j].start - 1);
				if (ret < 0)
					goto out;
			}
			if (ram.s[j].end >= end)
				done = true;
			else
				cur = ram.s[j].end + 1;
		}
		if (!done) {
			ret = add_hidden(ctx, res, cur, end);
			if (ret < 0)
				goto out;
		}
	}
	*out = res;
	res = NULL;
	ret = 0;
out:
	memhp_hidden_ram_free(res);
	free(fw.s);
	free(ram.s);
	return ret;
}

MEMHP_EXPORT size_t
memhp_hidden_ram_get_count(const struct memhp_hidden_ram *hidden)
{
	return hidden->nr;
}

MEMHP_EXPORT const struct memhp_hidden_range *
memhp_hidden_ram_get(const struct memhp_hidden_ram *hidden, size_t i)
{
	return i < hidden->nr ? &hidden->r[i] : NULL;
}

MEMHP_EXPORT uint64_t
memhp_hidden_range_get_start(const struct memhp_hidden_range *r)
{
	return r->start;
}

MEMHP_EXPORT uint64_t
memhp_hidden_range_get_end(const struct memhp_hidden_range *r)
{
	return r->end;
}

MEMHP_EXPORT uint64_t
memhp_hidden_range_get_usable_start(const struct memhp_hidden_range *r)
{
	return r->usable_start;
}

MEMHP_EXPORT uint64_t
memhp_hidden_range_get_usable_size(const struct memhp_hidden_range *r)
{
	return r->usable_size;
}
