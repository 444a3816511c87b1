// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * virtio-mem devices: paravirtualized memory that the host resizes (QEMU's
 * virtio-mem-pci, Cloud Hypervisor).  What the kernel shows of one to user
 * space, in 6.1 as in 6.12 (the driver has no sysfs attributes and no
 * debugfs files of its own):
 * - sys/bus/virtio/devices/virtioN, device id 0x0018, and the driver link
 *   (virtio_mem) once the driver took it;
 * - /proc/iomem (addresses to root only): the device's whole region as a
 *   resource named after it ("virtioN"), and under it one
 *   "System RAM (virtio_mem)" resource for the memory the driver has added
 *   to Linux, always whole memory blocks;
 * - the memory blocks inside the region, with their state and node.
 * The requested size, the device block size and, in sub-block mode, how
 * much of a block is plugged go only to the kernel log when the driver
 * binds, so they are not read here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define VIRTIO_ID_MEM 24

struct memhp_virtio_mem_device {
	char name[32];		/* virtio0 */
	char driver[32];	/* "" when no driver is bound */
	bool have_region;
	uint64_t start, size;	/* the region */
	uint64_t plugged;	/* System RAM (virtio_mem) under it */
	struct memhp_dev_blocks blocks;
};

struct memhp_virtio_mem_devices {
	struct memhp_virtio_mem_device *devs;
	size_t nr, cap;
	int err;
	struct memhp_ctx *ctx;
};

static int read_device(struct memhp_ctx *ctx, const char *name,
		       struct memhp_virtio_mem_device *dev)
{
	char buf[32];
	uint64_t id;
	int fd = memhp_area_follow(ctx, AREA_VIRTIO_DEVICES, name,
				   O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return fd;
	if (memhp_read_at(ctx, fd, "device", buf, sizeof(buf)) < 0 ||
	    memhp_parse_hex(buf, &id) < 0 || id != VIRTIO_ID_MEM) {
		close(fd);
		return 1;	/* another kind of virtio device */
	}
	memset(dev, 0, sizeof(*dev));
	dev->blocks.node = -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	memhp_link_base(fd, "driver", dev->driver, sizeof(dev->driver));
	close(fd);
	return 0;
}

static int add_device(const char *name, unsigned char type, void *data)
{
	struct memhp_virtio_mem_devices *l = data;
	void *grown;
	uint64_t n;
	int ret;

	(void)type;
	if (memhp_parse_indexed_name(name, "virtio", &n) < 0)
		return 0;
	grown = memhp_grow(l->devs, l->nr, &l->cap, sizeof(*l->devs));
	if (!grown) {
		l->err = -ENOMEM;
		return 1;
	}
	l->devs = grown;
	ret = read_device(l->ctx, name, &l->devs[l->nr]);
	if (ret == 0)
		l->nr++;
	else if (ret < 0 && ret != -ENOENT)	/* gone while we looked */
		dbg(l->ctx, "%s: %d", name, ret);
	return 0;
}

/* the region ("virtioN") and what was added under it */
static int add_resource(void *data, uint64_t start, uint64_t end,
			const char *name, const char *parent)
{
	struct memhp_virtio_mem_devices *l = data;

	for (size_t i = 0; i < l->nr; i++) {
		struct memhp_virtio_mem_device *d = &l->devs[i];

		if (!strcmp(name, d->name) && !d->have_region) {
			d->have_region = true;
			d->start = start;
			d->size = end - start + 1;
		} else if (parent && !strcmp(parent, d->name) &&
			   !strcmp(name, "System RAM (virtio_mem)")) {
			d->plugged += end - start + 1;
		}
	}
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct memhp_virtio_mem_device *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	/* virtio9 before virtio10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

MEMHP_EXPORT int memhp_virtio_mem_devices_new(
	struct memhp_ctx *ctx, struct memhp_virtio_mem_devices **devs)
{
	struct memhp_virtio_mem_devices *l = calloc(1, sizeof(*l));
	int ret;

	*devs = NULL;
	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	ret = memhp_bus_walk(ctx, AREA_VIRTIO_DEVICES, add_device, l);
	if (ret == 0 && l->err)
		ret = l->err;
	if (ret == 0 && l->nr) {
		/* without it (or without root) the region is not known */
		if (memhp_iomem_walk(ctx, add_resource, l) < 0)
			dbg(ctx, "proc/iomem: no regions of virtio-mem devices");
		qsort(l->devs, l->nr, sizeof(*l->devs), cmp_device);
	}
	for (size_t i = 0; ret == 0 && i < l->nr; i++)
		if (l->devs[i].have_region)
			ret = memhp_dev_blocks_read(ctx, l->devs[i].start,
						    l->devs[i].size,
						    &l->devs[i].blocks);
	if (ret < 0) {
		memhp_virtio_mem_devices_free(l);
		return ret;
	}
	*devs = l;
	return 0;
}

MEMHP_EXPORT void memhp_virtio_mem_devices_free(
	struct memhp_virtio_mem_devices *devs)
{
	if (!devs)
		return;
	for (size_t i = 0; i < devs->nr; i++)
		memhp_dev_blocks_clear(&devs->devs[i].blocks);
	free(devs->devs);
	free(devs);
}

MEMHP_EXPORT size_t memhp_virtio_mem_devices_get_count(
	const struct memhp_virtio_mem_devices *devs)
{
	return devs ? devs->nr : 0;
}

MEMHP_EXPORT const struct memhp_virtio_mem_device *
memhp_virtio_mem_devices_get(const struct memhp_virtio_mem_devices *devs,
			     size_t i)
{
	return devs && i < devs->nr ? &devs->devs[i] : NULL;
}

MEMHP_EXPORT const char *memhp_virtio_mem_device_get_name(
	const struct memhp_virtio_mem_device *dev)
{
	return dev->name;
}

MEMHP_EXPORT const char *memhp_virtio_mem_device_get_driver(
	const struct memhp_virtio_mem_device *dev)
{
	return dev->driver[0] ? dev->driver : NULL;
}

MEMHP_EXPORT bool memhp_virtio_mem_device_get_region(
	const struct memhp_virtio_mem_device *dev, uint64_t *start,
	uint64_t *size)
{
	*start = dev->have_region ? dev->start : 0;
	*size = dev->have_region ? dev->size : 0;
	return dev->have_region;
}

MEMHP_EXPORT bool memhp_virtio_mem_device_get_plugged(
	const struct memhp_virtio_mem_device *dev, uint64_t *bytes)
{
	*bytes = dev->have_region ? dev->plugged : 0;
	return dev->have_region;
}

MEMHP_EXPORT size_t memhp_virtio_mem_device_get_blocks(
	const struct memhp_virtio_mem_device *dev, const uint64_t **ids)
{
	*ids = dev->blocks.ids;
	return dev->blocks.nr;
}

MEMHP_EXPORT size_t memhp_virtio_mem_device_get_online_blocks(
	const struct memhp_virtio_mem_device *dev)
{
	return dev->blocks.online;
}

MEMHP_EXPORT int memhp_virtio_mem_device_get_node(
	const struct memhp_virtio_mem_device *dev)
{
	return dev->blocks.node;
}
