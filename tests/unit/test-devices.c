// SPDX-License-Identifier: GPL-2.0-or-later
/* virtio-mem and dax devices (lib/virtio_mem.c, lib/dax.c, lib/devblocks.c)
 * on small trees: which bus entries count, their order, what /proc/iomem
 * says of a region, and the blocks a device covers. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"
#define VIRTIO "sys/devices/pci0000:00/"
#define DAX "sys/devices/platform/ndbus0/"

static struct memhp_ctx *open_tree(const char *root)
{
	struct memhp_ctx *ctx = NULL;

	CHECK(memhp_new(root, &ctx) == 0);
	return ctx;
}

/* 128M blocks: 0-3 online node 0, 8-9 online node 0, 10 offline node 1 */
static const char *blocks_tree(void)
{
	const char *root = tree_new();

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	for (int i = 0; i < 4; i++)
		tree_block(root, i, "online", "Normal", 0);
	tree_block(root, 8, "online", "Movable", 0);
	tree_block(root, 9, "online", "Movable", 0);
	tree_block(root, 10, "offline", "Movable Normal", 1);
	return root;
}

static void virtio_dev(const char *root, const char *name, const char *id,
		       const char *driver)
{
	char path[256], target[256];

	snprintf(path, sizeof(path), VIRTIO "%s/device", name);
	tree_put(root, path, id);
	snprintf(path, sizeof(path), "sys/bus/virtio/devices/%s", name);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", name);
	tree_link(root, path, target);
	if (driver) {
		snprintf(path, sizeof(path), VIRTIO "%s/driver", name);
		snprintf(target, sizeof(target),
			 "../../../bus/virtio/drivers/%s", driver);
		tree_link(root, path, target);
	}
}

static void dax_dev(const char *root, const char *name, const char *size,
		    const char *resource, const char *node, const char *driver)
{
	char path[256], target[256];

	snprintf(path, sizeof(path), DAX "%s/size", name);
	tree_put(root, path, size);
	if (resource) {
		snprintf(path, sizeof(path), DAX "%s/resource", name);
		tree_put(root, path, resource);
	}
	snprintf(path, sizeof(path), DAX "%s/target_node", name);
	tree_put(root, path, node);
	snprintf(path, sizeof(path), "sys/bus/dax/devices/%s", name);
	snprintf(target, sizeof(target), "../../../devices/platform/ndbus0/%s",
		 name);
	tree_link(root, path, target);
	if (driver) {
		snprintf(path, sizeof(path), DAX "%s/driver", name);
		snprintf(target, sizeof(target), "../../../../bus/dax/drivers/%s",
			 driver);
		tree_link(root, path, target);
	}
}

TEST(device_blocks_are_whole_blocks_in_the_range)
{
	struct memhp_ctx *ctx = open_tree(blocks_tree());
	struct memhp_dev_blocks b;

	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE) == 0);
	/* 0x42000000-0x57ffffff: block 8 is cut, 9 and 10 are whole */
	CHECK(memhp_dev_blocks_read(ctx, 0x42000000, 0x16000000, &b) == 0);
	CHECK_EQ_U64(b.nr, 2);
	CHECK_EQ_U64(b.ids[0], 9);
	CHECK_EQ_U64(b.ids[1], 10);
	CHECK_EQ_U64(b.online, 1);
	CHECK(b.node == -1);	/* nodes 0 and 1 */
	memhp_dev_blocks_clear(&b);
	CHECK(memhp_dev_blocks_read(ctx, 8ULL << 27, 2ULL << 27, &b) == 0);
	CHECK_EQ_U64(b.nr, 2);
	CHECK(b.node == 0 && b.online == 2);
	memhp_dev_blocks_clear(&b);
	/* nothing whole inside; a range past 2^64 */
	CHECK(memhp_dev_blocks_read(ctx, 0x41000000, 0x1000000, &b) == 0);
	CHECK(b.nr == 0 && b.ids == NULL && b.node == -1);
	CHECK(memhp_dev_blocks_read(ctx, UINT64_MAX - 10, 100, &b) == 0);
	CHECK(b.nr == 0);
	memhp_unref(ctx);
}

TEST(virtio_mem_devices_region_and_plugged_from_iomem)
{
	const char *root = blocks_tree();
	struct memhp_virtio_mem_devices *l;
	const struct memhp_virtio_mem_device *d;
	struct memhp_ctx *ctx;
	const uint64_t *ids;
	uint64_t start, size, plugged;

	virtio_dev(root, "virtio10", "0x0018\n", NULL);
	virtio_dev(root, "virtio2", "0x0018\n", "virtio_mem");
	virtio_dev(root, "virtio1", "0x0002\n", "virtio_blk");
	/* virtio2's region holds 8-11; a System RAM (virtio_mem) that is
	 * not under it does not count */
	tree_put(root, "proc/iomem",
		 "00000000-1fffffff : System RAM\n"
		 "40000000-5fffffff : virtio2\n"
		 "  40000000-47ffffff : System RAM (virtio_mem)\n"
		 "  48000000-4fffffff : System RAM (virtio_mem)\n"
		 "60000000-67ffffff : System RAM (virtio_mem)\n");
	ctx = open_tree(root);
	CHECK(memhp_virtio_mem_devices_new(ctx, &l) == 0);
	CHECK_EQ_U64(memhp_virtio_mem_devices_get_count(l), 2);
	CHECK(memhp_virtio_mem_devices_get(l, 2) == NULL);
	d = memhp_virtio_mem_devices_get(l, 0);
	CHECK(!strcmp(memhp_virtio_mem_device_get_name(d), "virtio2"));
	CHECK(!strcmp(memhp_virtio_mem_device_get_driver(d), "virtio_mem"));
	CHECK(memhp_virtio_mem_device_get_region(d, &start, &size));
	CHECK_EQ_U64(start, 0x40000000);
	CHECK_EQ_U64(size, 0x20000000);
	CHECK(memhp_virtio_mem_device_get_plugged(d, &plugged));
	CHECK_EQ_U64(plugged, 0x10000000);
	CHECK_EQ_U64(memhp_virtio_mem_device_get_blocks(d, &ids), 3);
	CHECK(ids[0] == 8 && ids[2] == 10);
	CHECK_EQ_U64(memhp_virtio_mem_device_get_online_blocks(d), 2);
	CHECK(memhp_virtio_mem_device_get_node(d) == -1);
	/* virtio10: no driver, no region in iomem */
	d = memhp_virtio_mem_devices_get(l, 1);
	CHECK(!strcmp(memhp_virtio_mem_device_get_name(d), "virtio10"));
	CHECK(memhp_virtio_mem_device_get_driver(d) == NULL);
	CHECK(!memhp_virtio_mem_device_get_region(d, &start, &size));
	CHECK(!memhp_virtio_mem_device_get_plugged(d, &plugged));
	CHECK(start == 0 && size == 0 && plugged == 0);
	CHECK_EQ_U64(memhp_virtio_mem_device_get_blocks(d, &ids), 0);
	CHECK(memhp_virtio_mem_device_get_node(d) == -1);
	memhp_virtio_mem_devices_free(l);
	memhp_unref(ctx);
}

TEST(dax_devices_mode_order_and_blocks)
{
	const char *root = blocks_tree();
	struct memhp_dax_devices *l;
	const struct memhp_dax_device *d;
	struct memhp_ctx *ctx;
	const uint64_t *ids;
	uint64_t start;

	dax_dev(root, "dax1.0", "268435456\n", "0x40000000\n", "1\n",
		"device_dax");
	dax_dev(root, "dax0.1", "402653184\n", "0x48000000\n", "0\n", "kmem");
	dax_dev(root, "dax0.0", "134217728\n", NULL, "-1\n", NULL);
	dax_dev(root, "dax0.2", "134217728\n", "0x0\n", "0\n", "odd_driver");
	dax_dev(root, "dax0.0x", "1\n", NULL, "0\n", NULL);
	dax_dev(root, "daxfoo", "1\n", NULL, "0\n", NULL);
	ctx = open_tree(root);
	CHECK(memhp_dax_devices_new(ctx, &l) == 0);
	CHECK_EQ_U64(memhp_dax_devices_get_count(l), 4);
	d = memhp_dax_devices_get(l, 0);
	CHECK(!strcmp(memhp_dax_device_get_name(d), "dax0.0"));
	CHECK(memhp_dax_device_get_mode(d) == MEMHP_DAX_MODE_UNBOUND);
	CHECK(memhp_dax_device_get_driver(d) == NULL);
	CHECK(memhp_dax_device_get_target_node(d) == -1);
	CHECK(!memhp_dax_device_get_start(d, &start) && start == 0);
	/* kmem: the blocks present in 0x48000000-0x5fffffff (11 is not) */
	d = memhp_dax_devices_get(l, 1);
	CHECK(!strcmp(memhp_dax_device_get_name(d), "dax0.1"));
	CHECK(memhp_dax_device_get_mode(d) == MEMHP_DAX_MODE_SYSTEM_RAM);
	CHECK(!strcmp(memhp_dax_mode_name(memhp_dax_device_get_mode(d)),
		      "system-ram"));
	CHECK(memhp_dax_device_get_region(d) == 0);
	CHECK(memhp_dax_device_get_start(d, &start) && start == 0x48000000);
	CHECK_EQ_U64(memhp_dax_device_get_size(d), 3ULL << 27);
	CHECK_EQ_U64(memhp_dax_device_get_blocks(d, &ids), 2);
	CHECK(ids[0] == 9 && ids[1] == 10);
	CHECK_EQ_U64(memhp_dax_device_get_online_blocks(d), 1);
	d = memhp_dax_devices_get(l, 2);
	CHECK(memhp_dax_device_get_mode(d) == MEMHP_DAX_MODE_OTHER);
	/* devdax: its range has blocks, but they are not its */
	d = memhp_dax_devices_get(l, 3);
	CHECK(!strcmp(memhp_dax_device_get_name(d), "dax1.0"));
	CHECK(memhp_dax_device_get_mode(d) == MEMHP_DAX_MODE_DEVDAX);
	CHECK(memhp_dax_device_get_region(d) == 1);
	CHECK(memhp_dax_device_get_target_node(d) == 1);
	CHECK_EQ_U64(memhp_dax_device_get_blocks(d, &ids), 0);
	memhp_dax_devices_free(l);
	memhp_unref(ctx);
}

TEST(no_virtio_or_dax_bus_means_no_devices)
{
	struct memhp_ctx *ctx = open_tree(blocks_tree());
	struct memhp_virtio_mem_devices *v;
	struct memhp_dax_devices *x;

	CHECK(memhp_virtio_mem_devices_new(ctx, &v) == 0);
	CHECK(memhp_dax_devices_new(ctx, &x) == 0);
	CHECK_EQ_U64(memhp_virtio_mem_devices_get_count(v), 0);
	CHECK_EQ_U64(memhp_dax_devices_get_count(x), 0);
	CHECK(memhp_dax_devices_get(x, 0) == NULL);
	memhp_virtio_mem_devices_free(v);
	memhp_dax_devices_free(x);
	memhp_virtio_mem_devices_free(NULL);
	memhp_dax_devices_free(NULL);
	memhp_unref(ctx);
}
