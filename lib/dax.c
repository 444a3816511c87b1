// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dax devices (sys/bus/dax/devices/daxX.Y): persistent memory, CXL memory
 * or soft-reserved memory that the kernel hands out as a device.  Bound to
 * device_dax it is a character device (devdax); bound to kmem it is system
 * RAM: kmem adds the whole memory blocks inside the device's range to Linux
 * ("System RAM (kmem)" under the device in /proc/iomem), and daxctl
 * reconfigure-device switches between the two.  Each device shows its
 * size, its physical start (resource, readable by root only), the node its
 * memory joins as system RAM (target_node) and its driver; X of daxX.Y is
 * its region's id.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

static const char *const mode_names[] = {
	[MEMHP_DAX_MODE_UNBOUND] = "unbound",
	[MEMHP_DAX_MODE_DEVDAX] = "devdax",
	[MEMHP_DAX_MODE_SYSTEM_RAM] = "system-ram",
	[MEMHP_DAX_MODE_OTHER] = "other",
};

struct memhp_dax_device {
	char name[32];		/* dax0.0 */
	unsigned int region, id;
	char driver[32];	/* "" when no driver is bound */
	int target_node;	/* -1: none said */
	uint64_t size;
	bool have_start;
	uint64_t start;
	struct memhp_dev_blocks blocks;
};

struct memhp_dax_devices {
	struct memhp_dax_device *devs;
	size_t nr, cap;
	int err;
	struct memhp_ctx *ctx;
};

MEMHP_EXPORT const char *memhp_dax_mode_name(enum memhp_dax_mode mode)
{
	return (unsigned int)mode < sizeof(mode_names) / sizeof(mode_names[0]) ?
		       mode_names[mode] : "other";
}

/* "daxX.Y" as the kernel names them (%d.%d, no leading zeros) */
static bool parse_name(const char *name, unsigned int *region,
		       unsigned int *id)
{
	char tail;

	if (strncmp(name, "dax", 3) != 0 || name[3] < '0' || name[3] > '9' ||
	    strlen(name) >= sizeof(((struct memhp_dax_device *)0)->name))
		return false;
	if (sscanf(name + 3, "%u.%u%c", region, id, &tail) != 2)
		return false;
	for (const char *p = name + 3; *p; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			return false;
	return true;
}

static void read_device(struct memhp_ctx *ctx, int fd,
			struct memhp_dax_device *dev)
{
	char buf[64];
	uint64_t v;

	dev->target_node = -1;
	if (memhp_read_at(ctx, fd, "size", buf, sizeof(buf)) >= 0 &&
	    memhp_parse_u64(buf, 10, &v) == 0)
		dev->size = v;
	if (memhp_read_at(ctx, fd, "target_node", buf, sizeof(buf)) >= 0 &&
	    memhp_parse_u64(buf, 10, &v) == 0 && v <= INT32_MAX)
		dev->target_node = (int)v;	/* "-1" fails the parse */
	if (memhp_read_at(ctx, fd, "resource", buf, sizeof(buf)) >= 0 &&
	    memhp_parse_hex(buf, &v) == 0 && memhp_range_valid(v, dev->size)) {
		dev->have_start = true;
		dev->start = v;
	}
	memhp_link_base(fd, "driver", dev->driver, sizeof(dev->driver));
}

static int add_device(const char *name, unsigned char type, void *data)
{
	struct memhp_dax_devices *l = data;
	struct memhp_dax_device *dev;
	unsigned int region, id;
	void *grown;
	int fd;

	(void)type;
	if (!parse_name(name, &region, &id))
		return 0;
	grown = memhp_grow(l->devs, l->nr, &l->cap, sizeof(*l->devs));
	if (!grown) {
		l->err = -ENOMEM;
		return 1;
	}
	l->devs = grown;
	fd = memhp_area_follow(l->ctx, AREA_DAX_DEVICES, name,
			       O_RDONLY | O_DIRECTORY);
	if (fd < 0) {	/* gone while we looked, or no directory */
		dbg(l->ctx, "%s: %d", name, fd);
		return 0;
	}
	dev = &l->devs[l->nr++];
	memset(dev, 0, sizeof(*dev));
	dev->blocks.node = -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->region = region;
	dev->id = id;
	read_device(l->ctx, fd, dev);
	close(fd);
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct memhp_dax_device *x = a, *y = b;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

MEMHP_EXPORT int memhp_dax_devices_new(struct memhp_ctx *ctx,
				       struct memhp_dax_devices **devs)
{
	struct memhp_dax_devices *l = calloc(1, sizeof(*l));
	int ret;

	*devs = NULL;
	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	ret = memhp_bus_walk(ctx, AREA_DAX_DEVICES, add_device, l);
	if (ret == 0 && l->err)
		ret = l->err;
	if (ret == 0 && l->nr > 1)
		qsort(l->devs, l->nr, sizeof(*l->devs), cmp_device);
	/* only kmem turns a dax device's range into memory blocks */
	for (size_t i = 0; ret == 0 && i < l->nr; i++)
		if (l->devs[i].have_start &&
		    memhp_dax_device_get_mode(&l->devs[i]) ==
			    MEMHP_DAX_MODE_SYSTEM_RAM)
			ret = memhp_dev_blocks_read(ctx, l->devs[i].start,
						    l->devs[i].size,
						    &l->devs[i].blocks);
	if (ret < 0) {
		memhp_dax_devices_free(l);
		return ret;
	}
	*devs = l;
	return 0;
}

MEMHP_EXPORT void memhp_dax_devices_free(struct memhp_dax_devices *devs)
{
	if (!devs)
		return;
	for (size_t i = 0; i < devs->nr; i++)
		memhp_dev_blocks_clear(&devs->devs[i].blocks);
	free(devs->devs);
	free(devs);
}

MEMHP_EXPORT size_t memhp_dax_devices_get_count(
	const struct memhp_dax_devices *devs)
{
	return devs ? devs->nr : 0;
}

MEMHP_EXPORT const struct memhp_dax_device *memhp_dax_devices_get(
	const struct memhp_dax_devices *devs, size_t i)
{
	return devs && i < devs->nr ? &devs->devs[i] : NULL;
}

MEMHP_EXPORT const char *memhp_dax_device_get_name(
	const struct memhp_dax_device *dev)
{
	return dev->name;
}

MEMHP_EXPORT unsigned int memhp_dax_device_get_region(
	const struct memhp_dax_device *dev)
{
	return dev->region;
}

MEMHP_EXPORT const char *memhp_dax_device_get_driver(
	const struct memhp_dax_device *dev)
{
	return dev->driver[0] ? dev->driver : NULL;
}

MEMHP_EXPORT enum memhp_dax_mode memhp_dax_device_get_mode(
	const struct memhp_dax_device *dev)
{
	if (!dev->driver[0])
		return MEMHP_DAX_MODE_UNBOUND;
	if (!strcmp(dev->driver, "kmem"))
		return MEMHP_DAX_MODE_SYSTEM_RAM;
	if (!strcmp(dev->driver, "device_dax"))
		return MEMHP_DAX_MODE_DEVDAX;
	return MEMHP_DAX_MODE_OTHER;
}

MEMHP_EXPORT int memhp_dax_device_get_target_node(
	const struct memhp_dax_device *dev)
{
	return dev->target_node;
}

MEMHP_EXPORT uint64_t memhp_dax_device_get_size(
	const struct memhp_dax_device *dev)
{
	return dev->size;
}

MEMHP_EXPORT bool memhp_dax_device_get_start(
	const struct memhp_dax_device *dev, uint64_t *start)
{
	*start = dev->have_start ? dev->start : 0;
	return dev->have_start;
}

MEMHP_EXPORT size_t memhp_dax_device_get_blocks(
	const struct memhp_dax_device *dev, const uint64_t **ids)
{
	*ids = dev->blocks.ids;
	return dev->blocks.nr;
}

MEMHP_EXPORT size_t memhp_dax_device_get_online_blocks(
	const struct memhp_dax_device *dev)
{
	return dev->blocks.online;
}
