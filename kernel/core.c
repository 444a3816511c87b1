// SPDX-License-Identifier: GPL-2.0
/*
 * The hotplug core: validate a physical range, add it as driver-managed
 * System RAM in a memory group of its own, and remove only what was added.
 *
 * Everything is checked before anything is acquired; each later step has
 * an unwind label named for what it undoes.  The kernel itself does not
 * check that a range is RAM, nor who owns it (see research/module.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/e820/api.h>

#include "memhp.h"

/* The resource name: one copy, alive while any range uses it. */
static const char *resource_name;
static bool leak_name;

/*
 * Locking.  ranges_lock serializes probe, remove and unload, and guards
 * the list of ranges and @stopping.  It is held across
 * add_memory_driver_managed() and offline_and_remove_memory(), which take
 * the device-hotplug and memory-hotplug locks and run the memory
 * notifiers: so the notifier (events.c) must never take it, and takes only
 * the event ring's spinlock.  Writers from user space wait for it
 * interruptibly, since the holder may be migrating pages for a long time.
 * Unload: memhp_exit() sets @stopping first (a probe then answers ENODEV),
 * removes probe/remove from sysfs (which waits for writers still inside),
 * and only then sweeps what is left.
 */
static LIST_HEAD(ranges);
static DEFINE_MUTEX(ranges_lock);
static bool stopping;

static const enum e820_type not_ram[] = {
	E820_TYPE_RESERVED, E820_TYPE_ACPI, E820_TYPE_NVS,
	E820_TYPE_UNUSABLE, E820_TYPE_PMEM, E820_TYPE_PRAM,
	E820_TYPE_SOFT_RESERVED,
};

/*
 * All RAM in the firmware's e820 map, as the firmware reported it (before
 * mem=/memmap= changed the kernel's copy): no part of the range is of a
 * non-RAM type, and every page of it has RAM, so a hole that the map does
 * not describe at all (RAM that ends part-way into a block) is refused.
 * e820__mapped_raw_any() answers "does any entry of this type touch the
 * range", so coverage is asked page by page (32768 walks of the short
 * firmware table per 128M block; a range of non-RAM fails at its first
 * page).  A hole smaller than a page inside
 * an otherwise RAM page is below what this can see; firmware maps do not
 * draw such holes.
 */
static bool firmware_ram(u64 start, u64 size)
{
	u64 end = start + size, s;
	int i;

	for (i = 0; i < ARRAY_SIZE(not_ram); i++)
		if (e820__mapped_raw_any(start, end, not_ram[i]))
			return false;
	for (s = start; s < end; s += PAGE_SIZE) {
		if (!e820__mapped_raw_any(s, s + PAGE_SIZE, E820_TYPE_RAM))
			return false;
		if (IS_ALIGNED(s + PAGE_SIZE, SZ_128M))
			cond_resched();
	}
	return true;
}

static int check_range(u64 start, u64 size, int nid, const char **why)
{
	u64 bs = memory_block_size_bytes();
	struct range pluggable = mhp_get_pluggable_range(true);

	if (!size) {
		*why = "size is 0";
		return -EINVAL;
	}
	if (start + size < start) {
		*why = "range overflows";
		return -EOVERFLOW;
	}
	if (!IS_ALIGNED(start, bs) || !IS_ALIGNED(size, bs)) {
		*why = "not aligned to the memory block size";
		return -EINVAL;
	}
	if (start < pluggable.start || start + size - 1 > pluggable.end) {
		*why = "outside the pluggable physical range";
		return -ERANGE;
	}
	if (nid != NUMA_NO_NODE &&
	    (nid < 0 || nid >= MAX_NUMNODES || !node_possible(nid))) {
		*why = "impossible NUMA node";
		return -ENODEV;
	}
	if (!firmware_ram(start, size)) {
		*why = "not all RAM in the firmware memory map";
		return -ENXIO;
	}
	if (region_intersects(start, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		*why = "intersects System RAM";
		return -EEXIST;
	}
	return 0;
}

static void range_release(struct memhp_range *r)
{
	kobject_put(&r->kobj);	/* frees r */
}

int memhp_probe(u64 start, u64 size, int nid)
{
	const char *why = NULL;
	struct memhp_range *r;
	int mgid, ret;

	ret = check_range(start, size, nid, &why);
	if (ret)
		goto refused;
	if (nid == NUMA_NO_NODE)
		nid = memory_add_physaddr_to_nid(start);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->size = size;
	r->nid = nid;

	ret = mutex_lock_interruptible(&ranges_lock);
	if (ret) {
		kfree(r);
		return ret;
	}
	/* each range pins the module: rmmod is refused while one lives */
	if (stopping || !try_module_get(THIS_MODULE)) {
		ret = -ENODEV;
		why = "memhp.ko is being unloaded";
		goto err_free;
	}
	mgid = memory_group_register_static(nid, PFN_UP(size));
	if (mgid < 0) {
		ret = mgid;
		why = "cannot register a memory group";
		goto err_put_module;
	}
	r->mgid = mgid;
	ret = add_memory_driver_managed(mgid, start, size, resource_name,
					MHP_NID_IS_MGID);
	if (ret) {
		why = ret == -EEXIST ? "intersects another owner's resource" :
				       "the kernel refused to add it";
		goto err_unregister_group;
	}
	ret = memhp_range_kobj_add(r);
	if (ret) {
		r = NULL;	/* freed by its kobject's release */
		why = "cannot create its sysfs directory";
		goto err_remove_memory;
	}
	list_add(&r->list, &ranges);
	mutex_unlock(&ranges_lock);
	memhp_event(MEMHP_EV_ADD, start, size, nid, 0);
	pr_info("added [mem %#010llx-%#010llx] on node %d\n", start,
		start + size - 1, nid);
	return 0;

err_remove_memory:
	if (offline_and_remove_memory(start, size)) {
		/* onlined and busy meanwhile: it stays, and so must the name */
		leak_name = true;
		goto err_put_module;
	}
err_unregister_group:
	memory_group_unregister(mgid);
err_put_module:
	module_put(THIS_MODULE);
err_free:
	kfree(r);
	mutex_unlock(&ranges_lock);
refused:
	pr_info_ratelimited("probe [mem %#010llx+%#llx]: %pe: %s\n", start,
			    size, ERR_PTR(ret), why);
	return ret;
}

/* Under ranges_lock: remove @r from the kernel and forget it. */
static int remove_range(struct memhp_range *r)
{
	u64 start = r->start, size = r->size;
	int nid = r->nid;
	int ret;

	lockdep_assert_held(&ranges_lock);
	ret = offline_and_remove_memory(start, size);
	if (ret)
		return ret;
	memory_group_unregister(r->mgid);
	list_del(&r->list);
	range_release(r);
	memhp_event(MEMHP_EV_REMOVE, start, size, nid, 0);
	pr_info("removed [mem %#010llx-%#010llx]\n", start, start + size - 1);
	/*
	 * The last reference may go here while the writer is still in this
	 * module's code: memhp_exit() cannot free anything before the writer
	 * is out, as it removes the sysfs files (waiting for writers) first.
	 */
	module_put(THIS_MODULE);
	return 0;
}

int memhp_remove(u64 start, u64 size)
{
	struct memhp_range *r;
	int ret;

	ret = mutex_lock_interruptible(&ranges_lock);
	if (ret)
		return ret;
	ret = -ENOENT;
	list_for_each_entry(r, &ranges, list) {
		if (r->start != start || r->size != size)
			continue;
		ret = remove_range(r);
		break;
	}
	mutex_unlock(&ranges_lock);
	if (ret == -ENOENT)
		pr_info_ratelimited("remove [mem %#010llx+%#llx]: %pe: not a range memhp added\n",
				    start, size, ERR_PTR(ret));
	else if (ret)
		pr_info_ratelimited("remove [mem %#010llx+%#llx]: %pe\n",
				    start, size, ERR_PTR(ret));
	return ret;
}

/* Forced unload only: what cannot be removed keeps the name alive. */
static void memhp_remove_all(void)
{
	struct memhp_range *r, *tmp;

	mutex_lock(&ranges_lock);
	list_for_each_entry_safe(r, tmp, &ranges, list) {
		if (remove_range(r)) {
			pr_warn("[mem %#010llx-%#010llx] stays; its resource name is kept\n",
				r->start, r->start + r->size - 1);
			leak_name = true;
			list_del(&r->list);
			range_release(r);
		}
	}
	mutex_unlock(&ranges_lock);
}

static int __init memhp_init(void)
{
	int ret;

	resource_name = kstrdup_const("System RAM (memhp)", GFP_KERNEL);
	if (!resource_name)
		return -ENOMEM;
	ret = memhp_events_init();
	if (ret)
		goto err_events;
	ret = memhp_sysfs_init();
	if (ret)
		goto err_sysfs;
	return 0;

err_sysfs:
	memhp_events_exit();
err_events:
	kfree_const(resource_name);
	return ret;
}

static void __exit memhp_exit(void)
{
	/* no probe from here on, even one that already waits for the lock */
	mutex_lock(&ranges_lock);
	stopping = true;
	mutex_unlock(&ranges_lock);
	/* waits for writers still in probe_store()/remove_store() */
	memhp_sysfs_stop();
	memhp_remove_all();
	memhp_sysfs_exit();
	memhp_events_exit();
	/* /proc/iomem may still point at the name: then it is never freed */
	if (!leak_name)
		kfree_const(resource_name);
}

module_init(memhp_init);
module_exit(memhp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("memhp developers");
MODULE_DESCRIPTION("Hot-add and hot-remove of physical memory ranges");
MODULE_VERSION(MEMHP_VERSION);
