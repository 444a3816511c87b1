// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ACPI memory devices (PNP0C80): what the firmware plugs and unplugs as a
 * unit, a DIMM on a VM.  The kernel's ACPI memory driver binds each memory
 * block it added to its device: the device directory gets physical_node,
 * physical_node1, ... links to the blocks.  Writing 1 to the device's eject
 * attribute (present when the firmware has _EJ0) queues the eject; the
 * kernel offlines what is still online, removes the memory and runs _EJ0,
 * or leaves everything in place when a block cannot go offline.  An
 * ejected device stays in sysfs, unbound, its _STA saying "not present"
 * (the same object comes back when the slot is plugged again).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define HID_MEMORY "PNP0C80"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct dev_walk {
	int fd;
	struct memhp_acpi_device *dev;
	size_t cap;
	int err;
};

/* physical_node, physical_node1, ...: links to what the device bound */
static int add_physical_node(const char *name, unsigned char type, void *data)
{
	struct dev_walk *w = data;
	char target[256];
	const char *base;
	uint64_t id;
	ssize_t n;

	(void)type;
	if (strncmp(name, "physical_node", 13) != 0)
		return 0;
	n = readlinkat(w->fd, name, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	/* a memory device binds memory blocks; anything else is not ours */
	if (memhp_parse_indexed_name(base, "memory", &id) < 0)
		return 0;
	if (w->dev->nr_blocks == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		uint64_t *b = realloc(w->dev->blocks, cap * sizeof(*b));

		if (!b) {
			w->err = -ENOMEM;
			return 1;
		}
		w->dev->blocks = b;
		w->cap = cap;
	}
	w->dev->blocks[w->dev->nr_blocks++] = id;
	return 0;
}

static void read_text(struct memhp_ctx *ctx, int fd, const char *attr,
		      char *buf, size_t size)
{
	if (memhp_read_at(ctx, fd, attr, buf, size) < 0)
		buf[0] = '\0';
}

static int read_device(struct memhp_ctx *ctx, const char *name,
		       struct memhp_acpi_device *dev)
{
	struct dev_walk w = { .dev = dev };
	char buf[64];
	uint64_t v;
	int ret;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->status = -1;
	w.fd = memhp_area_follow(ctx, AREA_ACPI_DEVICES, name,
				 O_RDONLY | O_DIRECTORY);
	if (w.fd < 0)
		return w.fd;
	read_text(ctx, w.fd, "path", dev->path, sizeof(dev->path));
	read_text(ctx, w.fd, "uid", dev->uid, sizeof(dev->uid));
	if (memhp_read_at(ctx, w.fd, "status", buf, sizeof(buf)) >= 0 &&
	    memhp_parse_u64(buf, 10, &v) == 0 && v <= INT32_MAX)
		dev->status = (int)v;
	dev->ejectable = faccessat(w.fd, "eject", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	ret = memhp_walk_fd(dup(w.fd), add_physical_node, &w);
	close(w.fd);
	if (w.err)
		ret = w.err;
	if (ret < 0)
		return ret;
	if (dev->nr_blocks > 1)	/* qsort's base must not be NULL */
		qsort(dev->blocks, dev->nr_blocks, sizeof(*dev->blocks),
		      cmp_u64);
	return 0;
}

struct list_walk {
	struct memhp_ctx *ctx;
	struct memhp_acpi_device *devs;
	size_t nr, cap;
	int err;
};

static bool is_memory_device(const char *name)
{
	return !strncmp(name, HID_MEMORY ":", sizeof(HID_MEMORY));
}

static int add_device(const char *name, unsigned char type, void *data)
{
	struct list_walk *w = data;
	int ret;

	(void)type;
	if (!is_memory_device(name))
		return 0;
	if (w->nr == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct memhp_acpi_device *d = realloc(w->devs,
						      cap * sizeof(*d));

		if (!d) {
			w->err = -ENOMEM;
			return 1;
		}
		w->devs = d;
		w->cap = cap;
	}
	ret = read_device(w->ctx, name, &w->devs[w->nr]);
	if (ret == -ENOENT)	/* removed while we looked */
		return 0;
	if (ret == 0 && !memhp_acpi_device_is_present(&w->devs[w->nr])) {
		free(w->devs[w->nr].blocks);	/* an empty, ejected slot */
		return 0;
	}
	if (ret < 0) {
		free(w->devs[w->nr].blocks);
		w->err = ret;
		return 1;
	}
	w->nr++;
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct memhp_acpi_device *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	/* PNP0C80:9 before PNP0C80:10: the instance is a number */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

static void free_devices(struct memhp_acpi_device *devs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(devs[i].blocks);
	free(devs);
}

MEMHP_EXPORT int memhp_acpi_devices_new(struct memhp_ctx *ctx,
					struct memhp_acpi_devices **devs)
{
	struct list_walk w = { .ctx = ctx };
	int ret;

	*devs = NULL;
	ret = memhp_walk_dir(ctx, AREA_ACPI_DEVICES, NULL, add_device, &w);
	if (ret == -ENOENT)	/* no ACPI, or a tree without it */
		ret = 0;
	if (w.err)
		ret = w.err;
	if (ret == 0) {
		*devs = malloc(sizeof(**devs));
		if (!*devs)
			ret = -ENOMEM;
	}
	if (ret < 0) {
		free_devices(w.devs, w.nr);
		return ret;
	}
	if (w.nr > 1)
		qsort(w.devs, w.nr, sizeof(*w.devs), cmp_device);
	(*devs)->list = w.devs;
	(*devs)->nr = w.nr;
	return 0;
}

MEMHP_EXPORT void memhp_acpi_devices_free(struct memhp_acpi_devices *devs)
{
	if (!devs)
		return;
	free_devices(devs->list, devs->nr);
	free(devs);
}

MEMHP_EXPORT size_t memhp_acpi_devices_get_count(
	const struct memhp_acpi_devices *devs)
{
	return devs ? devs->nr : 0;
}

MEMHP_EXPORT const struct memhp_acpi_device *memhp_acpi_devices_get(
	const struct memhp_acpi_devices *devs, size_t i)
{
	return i < devs->nr ? &devs->list[i] : NULL;
}

MEMHP_EXPORT bool memhp_acpi_device_is_present(
	const struct memhp_acpi_device *dev)
{
	return dev->status < 0 || (dev->status & 1);
}

MEMHP_EXPORT int memhp_acpi_device_new(struct memhp_ctx *ctx,
				       const char *name,
				       struct memhp_acpi_device **out)
{
	struct memhp_acpi_device *dev;
	int ret;

	*out = NULL;
	if (!is_memory_device(name) || strchr(name, '/'))
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	ret = read_device(ctx, name, dev);
	if (ret < 0) {
		memhp_acpi_device_free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

MEMHP_EXPORT void memhp_acpi_device_free(struct memhp_acpi_device *dev)
{
	if (!dev)
		return;
	free(dev->blocks);
	free(dev);
}

MEMHP_EXPORT const char *memhp_acpi_device_get_name(
	const struct memhp_acpi_device *dev)
{
	return dev->name;
}

MEMHP_EXPORT const char *memhp_acpi_device_get_path(
	const struct memhp_acpi_device *dev)
{
	return dev->path[0] ? dev->path : NULL;
}

MEMHP_EXPORT const char *memhp_acpi_device_get_uid(
	const struct memhp_acpi_device *dev)
{
	return dev->uid[0] ? dev->uid : NULL;
}

MEMHP_EXPORT int memhp_acpi_device_get_status(
	const struct memhp_acpi_device *dev)
{
	return dev->status;
}

MEMHP_EXPORT bool memhp_acpi_device_is_ejectable(
	const struct memhp_acpi_device *dev)
{
	return dev->ejectable;
}

MEMHP_EXPORT size_t memhp_acpi_device_get_blocks(
	const struct memhp_acpi_device *dev, const uint64_t **blocks)
{
	*blocks = dev->blocks;
	return dev->nr_blocks;
}

MEMHP_EXPORT int memhp_acpi_hotplug_enabled(struct memhp_ctx *ctx)
{
	char buf[16];
	ssize_t n;

	n = memhp_read_attr(ctx, AREA_ACPI_HOTPLUG, "memory/enabled", buf,
			    sizeof(buf));
	if (n < 0)
		return (int)n;
	return strcmp(buf, "0") != 0;
}

MEMHP_EXPORT int memhp_acpi_eject(struct memhp_ctx *ctx, const char *name)
{
	char what[128];
	int fd, ret;

	if (!is_memory_device(name) || strchr(name, '/'))
		return -EINVAL;
	fd = memhp_area_follow(ctx, AREA_ACPI_DEVICES, name,
			       O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	snprintf(what, sizeof(what), "%s/%s",
		 memhp_area_path(AREA_ACPI_DEVICES), name);
	if (faccessat(fd, "eject", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		ret = -EOPNOTSUPP;	/* no _EJ0: the firmware cannot */
	else
		ret = memhp_write_at(ctx, fd, what, "eject", "1");
	close(fd);
	dbg(ctx, "%s: eject: %d", name, ret);
	return ret;
}
