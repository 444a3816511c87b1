// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/memhp: probe and remove (write-only, CAP_SYS_ADMIN), the
 * block size and pluggable range, and ranges/<start>/ for each range.
 * A write's errno is the answer; each refusal logs one line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/numa.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "memhp.h"
#include "parse.h"

static struct kobject *memhp_kobj;
struct kobject *memhp_ranges_kobj;

static int may_write(void)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* adding arbitrary physical memory is as strong as /dev/mem */
	return security_locked_down(LOCKDOWN_DEV_MEM);
}

static ssize_t probe_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	u64 v[3];
	int n, ret;

	ret = may_write();
	if (ret)
		return ret;
	n = memhp_parse_numbers(buf, count, v, 3);
	if (n < 2) {
		pr_info_ratelimited("probe: expected \"START SIZE [NODE]\"\n");
		return -EINVAL;
	}
	if (n == 3 && v[2] >= MAX_NUMNODES) {
		pr_info_ratelimited("probe: impossible NUMA node %llu\n", v[2]);
		return -ENODEV;
	}
	ret = memhp_probe(v[0], v[1], n == 3 ? (int)v[2] : NUMA_NO_NODE);
	return ret ? ret : count;
}

static ssize_t remove_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	u64 v[2];
	int ret;

	ret = may_write();
	if (ret)
		return ret;
	if (memhp_parse_numbers(buf, count, v, 2) != 2) {
		pr_info_ratelimited("remove: expected \"START SIZE\"\n");
		return -EINVAL;
	}
	ret = memhp_remove(v[0], v[1]);
	return ret ? ret : count;
}

static ssize_t block_size_bytes_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	/* hex without 0x, as /sys/devices/system/memory prints it */
	return sysfs_emit(buf, "%lx\n", memory_block_size_bytes());
}

static ssize_t pluggable_range_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct range r = mhp_get_pluggable_range(true);

	return sysfs_emit(buf, "%#llx-%#llx\n", r.start, r.end);
}

static struct kobj_attribute probe_attr = __ATTR_WO(probe);
static struct kobj_attribute remove_attr = __ATTR_WO(remove);
static struct kobj_attribute block_size_bytes_attr =
	__ATTR_RO_MODE(block_size_bytes, 0444);
static struct kobj_attribute pluggable_range_attr =
	__ATTR_RO_MODE(pluggable_range, 0444);

static struct attribute *memhp_attrs[] = {
	&probe_attr.attr,
	&remove_attr.attr,
	&block_size_bytes_attr.attr,
	&pluggable_range_attr.attr,
	NULL,
};

static const struct attribute_group memhp_group = {
	.attrs = memhp_attrs,
};

/* ranges/<start>/ */
#define to_range(k) container_of(k, struct memhp_range, kobj)

static ssize_t start_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%#llx\n", to_range(kobj)->start);
}

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%#llx\n", to_range(kobj)->size);
}

static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%d\n", to_range(kobj)->nid);
}

static ssize_t blocks_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct memhp_range *r = to_range(kobj);
	u64 bs = memory_block_size_bytes();

	return sysfs_emit(buf, "%llu-%llu\n", r->start / bs,
			  (r->start + r->size) / bs - 1);
}

static struct kobj_attribute start_attr = __ATTR_RO_MODE(start, 0444);
static struct kobj_attribute size_attr = __ATTR_RO_MODE(size, 0444);
static struct kobj_attribute node_attr = __ATTR_RO_MODE(node, 0444);
static struct kobj_attribute blocks_attr = __ATTR_RO_MODE(blocks, 0444);

static struct attribute *range_attrs[] = {
	&start_attr.attr,
	&size_attr.attr,
	&node_attr.attr,
	&blocks_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(range);

static void range_kobj_release(struct kobject *kobj)
{
	kfree(to_range(kobj));
}

static const struct kobj_type range_ktype = {
	.release = range_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = range_groups,
};

int memhp_range_kobj_add(struct memhp_range *r)
{
	int ret = kobject_init_and_add(&r->kobj, &range_ktype,
				       memhp_ranges_kobj, "%#llx", r->start);

	if (ret)
		kobject_put(&r->kobj);
	return ret;
}

int memhp_sysfs_init(void)
{
	int ret;

	memhp_kobj = kobject_create_and_add("memhp", kernel_kobj);
	if (!memhp_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(memhp_kobj, &memhp_group);
	if (ret)
		goto err_put;
	memhp_ranges_kobj = kobject_create_and_add("ranges", memhp_kobj);
	if (!memhp_ranges_kobj) {
		ret = -ENOMEM;
		goto err_group;
	}
	return 0;

err_group:
	sysfs_remove_group(memhp_kobj, &memhp_group);
err_put:
	kobject_put(memhp_kobj);
	return ret;
}

/*
 * Unload, first step: probe and remove vanish.  kernfs waits here for every
 * writer still inside probe_store() or remove_store(), so none runs this
 * module's code once memhp_exit() goes on.
 */
void memhp_sysfs_stop(void)
{
	sysfs_remove_group(memhp_kobj, &memhp_group);
}

void memhp_sysfs_exit(void)
{
	kobject_put(memhp_ranges_kobj);
	kobject_put(memhp_kobj);
}
