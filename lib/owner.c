// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who added each memory block, from the kernel's records (libmemhp.h,
 * memhp_block_get_owner): the System RAM resources of /proc/iomem first,
 * then the ACPI memory devices bound to blocks and memhp.ko's ranges,
 * which name the device of plain System RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static const char *const owner_names[MEMHP_NR_OWNERS] = {
	[MEMHP_OWNER_UNKNOWN] = "unknown",
	[MEMHP_OWNER_BOOT] = "boot",
	[MEMHP_OWNER_ACPI_DIMM] = "acpi-dimm",
	[MEMHP_OWNER_VIRTIO_MEM] = "virtio-mem",
	[MEMHP_OWNER_DAX_KMEM] = "dax-kmem",
	[MEMHP_OWNER_MEMHP] = "memhp",
};

/* "System RAM (DRIVER)": the drivers that add memory they manage */
static const struct {
	const char *suffix;
	enum memhp_owner owner;
} drivers[] = {
	{ " (virtio_mem)", MEMHP_OWNER_VIRTIO_MEM },
	{ " (kmem)", MEMHP_OWNER_DAX_KMEM },
	{ " (memhp)", MEMHP_OWNER_MEMHP },
};

MEMHP_EXPORT const char *memhp_owner_name(enum memhp_owner owner)
{
	return (unsigned int)owner < MEMHP_NR_OWNERS ? owner_names[owner] :
						      "unknown";
}

MEMHP_EXPORT int memhp_owner_from_name(const char *name)
{
	for (int i = 0; i < MEMHP_NR_OWNERS; i++)
		if (!strcmp(name, owner_names[i]))
			return i;
	return -EINVAL;
}

MEMHP_EXPORT enum memhp_owner memhp_block_get_owner(
	const struct memhp_block *b)
{
	return (enum memhp_owner)b->owner;
}

MEMHP_EXPORT const char *memhp_block_get_owner_device(
	const struct memhp_block *b)
{
	return b->owner_dev;
}

void memhp_free_owners(struct memhp_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_owner_devs; i++)
		free(ctx->owner_devs[i]);
	free(ctx->owner_devs);
	ctx->owner_devs = NULL;
	ctx->nr_owner_devs = 0;
}

/* A device name the blocks can point to, kept until the next refresh.
 * Runs of blocks share one device, so only the newest is looked at. */
static const char *keep_dev(struct memhp_ctx *ctx, const char *name)
{
	char **grown;

	if (ctx->nr_owner_devs &&
	    !strcmp(ctx->owner_devs[ctx->nr_owner_devs - 1], name))
		return ctx->owner_devs[ctx->nr_owner_devs - 1];
	grown = realloc(ctx->owner_devs,
			(ctx->nr_owner_devs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	ctx->owner_devs = grown;
	grown[ctx->nr_owner_devs] = strdup(name);
	if (!grown[ctx->nr_owner_devs])
		return NULL;
	return grown[ctx->nr_owner_devs++];
}

struct ram {
	uint64_t start, end;	/* inclusive */
	enum memhp_owner owner;	/* BOOT: plain System RAM */
	char dev[64];		/* the parent, or the unknown driver */
};

struct ram_list {
	struct ram *r;
	size_t nr;
};

int memhp_iomem_owner(const char *name, const char *parent, char *dev,
		      size_t size)
{
	size_t len;

	dev[0] = '\0';
	if (strncmp(name, "System RAM", 10) != 0)
		return -1;
	name += 10;
	if (!*name)
		return MEMHP_OWNER_BOOT;
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(name, drivers[i].suffix)) {
			/* memhp's device is its range, named by the caller */
			if (parent && drivers[i].owner != MEMHP_OWNER_MEMHP)
				snprintf(dev, size, "%s", parent);
			return drivers[i].owner;
		}
	/* " (DRIVER)": a driver memhp does not know */
	len = strlen(name);
	if (len > 3 && name[0] == ' ' && name[1] == '(' && name[len - 1] == ')')
		snprintf(dev, size, "%.*s", (int)(len - 3), name + 2);
	return MEMHP_OWNER_UNKNOWN;
}

static int add_ram(void *data, uint64_t start, uint64_t end, const char *name,
		   const char *parent)
{
	struct ram_list *l = data;
	struct ram *grown, r = { .start = start, .end = end };
	int owner = memhp_iomem_owner(name, parent, r.dev, sizeof(r.dev));

	if (owner < 0)
		return 0;
	r.owner = (enum memhp_owner)owner;
	grown = realloc(l->r, (l->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	l->r = grown;
	l->r[l->nr++] = r;
	return 0;
}

static int cmp_ram(const void *a, const void *b)
{
	const struct ram *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Each block takes the first System RAM resource that overlaps it. */
static void owners_from_iomem(struct memhp_ctx *ctx)
{
	struct ram_list l = { 0 };
	uint64_t bs = ctx->block_size;
	size_t j = 0;

	if (memhp_iomem_walk(ctx, add_ram, &l) < 0 || !bs) {
		free(l.r);
		return;
	}
	if (l.nr > 1)
		qsort(l.r, l.nr, sizeof(*l.r), cmp_ram);
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		struct memhp_block *b = &ctx->blocks[i];
		uint64_t start = b->id * bs, end = start + (bs - 1);

		while (j < l.nr && l.r[j].end < start)
			j++;
		if (j == l.nr)
			break;
		if (l.r[j].start > end)
			continue;
		b->owner = l.r[j].owner;
		b->owner_dev = l.r[j].dev[0] ? keep_dev(ctx, l.r[j].dev) : NULL;
	}
	free(l.r);
}

/* Plain System RAM (or none known) bound to an ACPI memory device. */
static void owners_from_acpi(struct memhp_ctx *ctx)
{
	struct memhp_acpi_devices *list;
	struct memhp_acpi_device *devs;

	if (memhp_acpi_devices_new(ctx, &list) < 0)
		return;
	devs = list->list;
	for (size_t d = 0; d < list->nr; d++)
		for (size_t k = 0; k < devs[d].nr_blocks; k++) {
			struct memhp_block *b =
				memhp_block_get_by_id(ctx, devs[d].blocks[k]);

			if (!b || (b->owner != MEMHP_OWNER_BOOT &&
				   b->owner != MEMHP_OWNER_UNKNOWN) ||
			    b->owner_dev)
				continue;
			b->owner = MEMHP_OWNER_ACPI_DIMM;
			b->owner_dev = keep_dev(ctx, devs[d].name);
		}
	memhp_acpi_devices_free(list);
}

/* The blocks in memhp.ko's ranges, named by the range's start. */
static void owners_from_module(struct memhp_ctx *ctx)
{
	struct memhp_probed_ranges *rs;

	if (memhp_probed_ranges_new(ctx, &rs) < 0)
		return;
	for (size_t i = 0; i < memhp_probed_ranges_get_count(rs); i++) {
		const struct memhp_probed_range *r = memhp_probed_ranges_get(rs, i);
		uint64_t first, last, start = memhp_probed_range_get_start(r);
		char name[32];
		size_t b;

		memhp_range_blocks(start, memhp_probed_range_get_size(r),
				   ctx->block_size, &first, &last);
		snprintf(name, sizeof(name), "%#llx", (unsigned long long)start);
		b = memhp_block_lower_bound(ctx, first);
		for (; b < ctx->nr_blocks && ctx->blocks[b].id <= last; b++) {
			struct memhp_block *blk = &ctx->blocks[b];

			if (blk->owner == MEMHP_OWNER_ACPI_DIMM ||
			    (blk->owner_dev && blk->owner != MEMHP_OWNER_MEMHP))
				continue;
			blk->owner = MEMHP_OWNER_MEMHP;
			blk->owner_dev = keep_dev(ctx, name);
		}
	}
	memhp_probed_ranges_free(rs);
}

void memhp_read_owners(struct memhp_ctx *ctx)
{
	memhp_free_owners(ctx);
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		ctx->blocks[i].owner = MEMHP_OWNER_UNKNOWN;
		ctx->blocks[i].owner_dev = NULL;
	}
	owners_from_iomem(ctx);
	owners_from_acpi(ctx);
	owners_from_module(ctx);
}
