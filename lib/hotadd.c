// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hot-add transaction: a physical range is added (memhp.ko, or the
 * kernel's probe attribute) and its blocks go online into the zone asked
 * for, under the state lock (lib/README.md).
 *
 * The kernel onlines memory it adds itself when auto_online_blocks says so,
 * in the zone its policy picks (usually a kernel zone, which cannot be
 * unplugged again).  When that would put the new blocks somewhere other
 * than the zone asked for, auto_online_blocks is set to "offline" for the
 * add alone and its old value is written back right after it, before the
 * blocks go online: the kernel adds and onlines synchronously, so nothing
 * else is left to the changed policy.  If it cannot be set, nothing is
 * added.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"

#define POLICY_KEY "auto_online_blocks"

struct memhp_hotadd {
	struct memhp_plan *online;
	int online_err;		/* the online plan could not run */
	struct memhp_policy_set *policy;	/* set for the add; NULL */
	char *policy_was;	/* auto_online_blocks before; NULL: none */
	bool policy_restored;
};

/* Would auto_online_blocks=@policy put new blocks anywhere but @zone?
 * "online" leaves the zone to the kernel, as zone "auto" does. */
static bool policy_in_the_way(const char *policy, const char *zone)
{
	const char *same = memhp_zone_online_type(zone);

	if (!policy || !strcmp(policy, "offline") || !strcasecmp(zone, "auto"))
		return false;
	return !same || strcmp(policy, same) != 0;
}

/* auto_online_blocks=offline for the add, as a policy transaction: written,
 * read back, and undone if anything of it failed. */
static int set_offline(struct memhp_ctx *ctx, struct memhp_hotadd *h)
{
	int ret = memhp_policy_set_new(ctx, &h->policy);

	if (ret == 0)
		ret = memhp_policy_set_add(h->policy, POLICY_KEY, "offline");
	if (ret == 0)
		ret = memhp_policy_set_run(h->policy);
	if (ret < 0) {
		memhp_policy_set_free(h->policy);
		h->policy = NULL;
	}
	return ret;
}

MEMHP_EXPORT int memhp_hotadd_run(struct memhp_ctx *ctx, uint64_t start,
				  uint64_t size, int node, const char *zone,
				  unsigned int timeout_ms,
				  struct memhp_hotadd **out)
{
	struct memhp_hotadd *h;
	uint64_t bs;
	int ret;

	*out = NULL;
	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_ALL);
	if (ret < 0)
		return ret;
	bs = ctx->block_size;
	if (!bs || !size || start % bs || size % bs || start + size < start)
		return -EDOM;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (zone) {
		ret = memhp_plan_new(ctx, MEMHP_ACTION_ONLINE, &h->online);
		if (ret == 0)
			ret = memhp_plan_set_zone(h->online, zone);
		if (ret < 0)
			goto free;
		memhp_plan_set_timeout(h->online, timeout_ms);
	}
	ret = memhp_lock(ctx, timeout_ms);
	if (ret < 0)
		goto free;
	if (ctx->cancel) {
		ret = -ECANCELED;
		goto unlock;
	}
	/* a kernel without the knob (or a tree without it) onlines nothing */
	if (zone && memhp_policy_read(ctx, POLICY_KEY, &h->policy_was) == 0 &&
	    policy_in_the_way(h->policy_was, zone)) {
		ret = set_offline(ctx, h);
		if (ret < 0) {
			err(ctx, "cannot set %s to 'offline' for the add (it "
			    "is '%s'), so nothing was added: %s", POLICY_KEY,
			    h->policy_was, strerror(-ret));
			goto unlock;
		}
	}
	ret = memhp_probe_range(ctx, start, size, node);
	/* the kernel adds and onlines synchronously: put it back now */
	if (h->policy)
		h->policy_restored = memhp_policy_set_undo(h->policy);
	if (ret < 0)
		goto unlock;
	ret = memhp_refresh(ctx);
	if (ret == 0 && h->online)
		ret = memhp_plan_add_blocks(h->online, start / bs,
					    (start + size) / bs - 1);
	if (ret == 0 && h->online)
		ret = memhp_plan_run(h->online);
	/* added: from here on the result says how it went */
	h->online_err = -ret;
	memhp_unlock(ctx);
	*out = h;
	return 0;
unlock:
	memhp_unlock(ctx);
free:
	memhp_hotadd_free(h);
	return ret;
}

MEMHP_EXPORT const struct memhp_plan *memhp_hotadd_get_online(
	const struct memhp_hotadd *h)
{
	return h->online && !h->online_err ? h->online : NULL;
}

MEMHP_EXPORT int memhp_hotadd_get_online_errno(const struct memhp_hotadd *h)
{
	return h->online_err;
}

MEMHP_EXPORT const char *memhp_hotadd_get_policy(const struct memhp_hotadd *h,
						 const char **set,
						 bool *restored)
{
	if (set)
		*set = h->policy ? "offline" : NULL;
	if (restored)
		*restored = h->policy_restored;
	return h->policy_was;
}

MEMHP_EXPORT void memhp_hotadd_free(struct memhp_hotadd *h)
{
	if (!h)
		return;
	memhp_plan_free(h->online);
	memhp_policy_set_free(h->policy);
	free(h->policy_was);
	free(h);
}
