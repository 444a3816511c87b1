/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by memhp devices and memhp eject (cmd/devices.c). */
#ifndef MEMHP_DEVICES_H
#define MEMHP_DEVICES_H

#include "memhp.h"

/* What a device's blocks say about it. */
struct device_status {
	size_t online, offline, missing;
	size_t unmovable;	/* online outside ZONE_MOVABLE (or unknown) */
	unsigned int zone_mask;	/* 1 << zone of each online block */
	int node;		/* its blocks' node; -1 none or several */
	const char *blocker;	/* why it cannot be ejected now; NULL */
};

void memhp_device_status(struct memhp_ctx *ctx,
			 const struct memhp_acpi_device *dev,
			 struct device_status *st);
/* online, offline, mixed or none */
const char *memhp_device_state_name(const struct device_status *st);
/* "32-35,40" */
void memhp_device_blocks_text(const struct memhp_acpi_device *dev, char *buf,
			      size_t size);

#endif
