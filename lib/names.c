// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vocabulary: states and zones as sysfs spells them. */
#include <string.h>
#include <strings.h>

#include "private.h"

static const char *const state_names[] = {
	[MEMHP_STATE_ONLINE] = "online",
	[MEMHP_STATE_OFFLINE] = "offline",
	[MEMHP_STATE_GOING_OFFLINE] = "going-offline",
};

static const char *const zone_names[MEMHP_NR_ZONES] = {
	[MEMHP_ZONE_DMA] = "DMA",
	[MEMHP_ZONE_DMA32] = "DMA32",
	[MEMHP_ZONE_NORMAL] = "Normal",
	[MEMHP_ZONE_HIGHMEM] = "HighMem",
	[MEMHP_ZONE_MOVABLE] = "Movable",
	[MEMHP_ZONE_DEVICE] = "Device",
	[MEMHP_ZONE_NONE] = "none",
	[MEMHP_ZONE_UNKNOWN] = "Unknown",
};

MEMHP_EXPORT const char *memhp_state_name(enum memhp_state state)
{
	if ((unsigned int)state >= sizeof(state_names) / sizeof(*state_names))
		return NULL;
	return state_names[state];
}

MEMHP_EXPORT enum memhp_state memhp_state_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(*state_names); i++)
		if (state_names[i] && strcmp(name, state_names[i]) == 0)
			return (enum memhp_state)i;
	return MEMHP_STATE_UNKNOWN;
}

MEMHP_EXPORT const char *memhp_zone_name(enum memhp_zone zone)
{
	if ((unsigned int)zone >= MEMHP_NR_ZONES)
		return NULL;
	return zone_names[zone];
}

MEMHP_EXPORT enum memhp_zone memhp_zone_from_name(const char *name, size_t len)
{
	for (int i = 0; i < MEMHP_ZONE_UNKNOWN; i++)
		if (strlen(zone_names[i]) == len &&
		    strncasecmp(name, zone_names[i], len) == 0)
			return (enum memhp_zone)i;
	return MEMHP_ZONE_UNKNOWN;
}
