/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memhp.ko: hot-add and hot-remove of physical memory ranges for kernels
 * without a usable probe interface.  See kernel/README.md.
 */
#ifndef MEMHP_KO_H
#define MEMHP_KO_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/types.h>

/* One range memhp added: a memory group of its own, one kobject. */
struct memhp_range {
	struct list_head list;
	struct kobject kobj;		/* /sys/kernel/memhp/ranges/<start> */
	u64 start;
	u64 size;
	int nid;
	int mgid;
};

/* core.c; both wait for ranges_lock interruptibly (-EINTR) */
int memhp_probe(u64 start, u64 size, int nid);
int memhp_remove(u64 start, u64 size);

/* sysfs.c */
extern struct kobject *memhp_ranges_kobj;
int memhp_sysfs_init(void);
void memhp_sysfs_stop(void);	/* probe and remove go; waits for writers */
void memhp_sysfs_exit(void);
int memhp_range_kobj_add(struct memhp_range *r);

/* events.c */
enum memhp_event {
	MEMHP_EV_GOING_ONLINE,
	MEMHP_EV_ONLINE,
	MEMHP_EV_CANCEL_ONLINE,
	MEMHP_EV_GOING_OFFLINE,
	MEMHP_EV_OFFLINE,
	MEMHP_EV_CANCEL_OFFLINE,
	MEMHP_EV_ADD,		/* memhp added a range */
	MEMHP_EV_REMOVE,	/* memhp removed a range */
	MEMHP_NR_EVENTS,
};
void memhp_event(enum memhp_event ev, u64 start, u64 size, int nid, int err);
int memhp_events_init(void);
void memhp_events_exit(void);

#endif
