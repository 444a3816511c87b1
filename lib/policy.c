// SPDX-License-Identifier: LGPL-2.1-or-later
/* The kernel's onlining policy knobs and the module's presence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static const struct policy_key {
	const char *name;
	enum memhp_area area;
} policy_keys[] = {
	{ "auto_online_blocks", AREA_MEMORY },
	{ "online_policy", AREA_MHP_PARAMS },
	{ "auto_movable_ratio", AREA_MHP_PARAMS },
	{ "auto_movable_numa_aware", AREA_MHP_PARAMS },
	{ "memmap_on_memory", AREA_MHP_PARAMS },
};
#define NR_POLICY_KEYS (sizeof(policy_keys) / sizeof(policy_keys[0]))

MEMHP_EXPORT const char *const *memhp_policy_keys(void)
{
	static const char *names[NR_POLICY_KEYS + 1];

	if (!names[0])
		for (size_t i = 0; i < NR_POLICY_KEYS; i++)
			names[i] = policy_keys[i].name;
	return names;
}

MEMHP_EXPORT int memhp_policy_read(struct memhp_ctx *ctx, const char *key,
				   char **value)
{
	char buf[256];

	for (size_t i = 0; i < NR_POLICY_KEYS; i++) {
		ssize_t n;

		if (strcmp(key, policy_keys[i].name) != 0)
			continue;
		n = memhp_read_attr(ctx, policy_keys[i].area, key, buf,
				    sizeof(buf));
		if (n < 0)
			return (int)n;
		*value = strdup(buf);
		return *value ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

MEMHP_EXPORT bool memhp_module_loaded(struct memhp_ctx *ctx)
{
	return memhp_area_exists(ctx, AREA_MODULE);
}
