// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unplug transactions: taking memory away for good.  A memhp.ko range is
 * removed, an ACPI memory device (a DIMM) ejected; both first take the
 * memory offline with an atomic plan, and both put the blocks that were
 * online back into the zones they were in when the last step fails or is
 * cancelled.  The state lock is held from the first read to the last
 * write, so no other memhp run interleaves (lib/README.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct memhp_unplug {
	enum memhp_unplug_result result;
	int err;
	unsigned int flags;	/* MEMHP_UNPLUG_RECLAIM */
	struct memhp_plan *offline;
	struct memhp_plan *put_back;
	bool put_back_ok;
	/* the blocks online at the start, and their zones */
	uint64_t *ids;
	int *zones;
	size_t nr_online;
};

MEMHP_EXPORT const char *memhp_unplug_result_name(enum memhp_unplug_result r)
{
	static const char *const names[] = {
		[MEMHP_UNPLUG_DONE] = "done",
		[MEMHP_UNPLUG_NOT_OFFLINE] = "not-offline",
		[MEMHP_UNPLUG_REFUSED] = "refused",
		[MEMHP_UNPLUG_TIMEOUT] = "timeout",
		[MEMHP_UNPLUG_CANCELLED] = "cancelled",
	};

	if ((unsigned int)r >= sizeof(names) / sizeof(*names))
		return NULL;
	return names[r];
}

/* Remembers which of blocks @first..@last are online, and where. */
static int remember_online(struct memhp_ctx *ctx, struct memhp_unplug *u,
			   const uint64_t *ids, size_t n)
{
	u->ids = calloc(n ? n : 1, sizeof(*u->ids));
	u->zones = calloc(n ? n : 1, sizeof(*u->zones));
	if (!u->ids || !u->zones)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct memhp_block *b = memhp_block_get_by_id(ctx, ids[i]);

		if (!b)
			continue;
		memhp_block_refresh(b, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
		if (b->state != MEMHP_STATE_ONLINE)
			continue;
		u->ids[u->nr_online] = ids[i];
		u->zones[u->nr_online++] = b->nr_zones > 0 ? b->zones[0] :
					   MEMHP_ZONE_UNKNOWN;
	}
	return 0;
}

/* Atomic offline of what is online; false when it did not all go. */
static int take_offline(struct memhp_ctx *ctx, struct memhp_unplug *u,
			unsigned int timeout_ms)
{
	int ret;

	if (!u->nr_online)
		return 0;
	ret = memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &u->offline);
	if (ret < 0)
		return ret;
	memhp_plan_set_timeout(u->offline, timeout_ms);
	memhp_plan_set_atomic(u->offline, true);
	/* under the lock, before the first block (memhp_plan_run) */
	memhp_plan_set_reclaim(u->offline, u->flags & MEMHP_UNPLUG_RECLAIM);
	for (size_t i = 0; i < u->nr_online && ret == 0; i++)
		ret = memhp_plan_add_blocks(u->offline, u->ids[i], u->ids[i]);
	if (ret == 0)
		ret = memhp_plan_run(u->offline);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < memhp_plan_get_count(u->offline); i++) {
		enum memhp_result r = memhp_change_get_result(
			memhp_plan_get(u->offline, i));

		if (r != MEMHP_RESULT_OK && r != MEMHP_RESULT_UNCHANGED) {
			u->result = memhp_plan_was_cancelled(u->offline) ?
				    MEMHP_UNPLUG_CANCELLED :
				    MEMHP_UNPLUG_NOT_OFFLINE;
			u->put_back_ok = true;	/* the plan rolled back */
			break;
		}
	}
	return 0;
}

/* What was online goes back where it was.  A restore plan is not
 * cancellable: it is the way back. */
static void put_back(struct memhp_ctx *ctx, struct memhp_unplug *u,
		     unsigned int timeout_ms)
{
	int ret;

	u->put_back_ok = true;
	if (!u->nr_online)
		return;
	memhp_refresh(ctx);
	ret = memhp_plan_new_restore(ctx, u->ids, u->zones, u->nr_online,
				     &u->put_back);
	if (ret == 0) {
		memhp_plan_set_timeout(u->put_back, timeout_ms);
		ret = memhp_plan_run(u->put_back);
	}
	if (ret < 0) {
		err(ctx, "cannot put the blocks back online: %s",
		    strerror(-ret));
		u->put_back_ok = false;
		return;
	}
	for (size_t i = 0; i < memhp_plan_get_count(u->put_back); i++) {
		enum memhp_result r = memhp_change_get_result(
			memhp_plan_get(u->put_back, i));

		if (r != MEMHP_RESULT_OK && r != MEMHP_RESULT_UNCHANGED)
			u->put_back_ok = false;
	}
}

static int unplug_new(unsigned int flags, struct memhp_unplug **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->flags = flags;
	return 0;
}

/* the flags this library knows; -EINVAL for the others */
#define UNPLUG_FLAGS MEMHP_UNPLUG_RECLAIM

/* Until the device is gone or not present (ejected): 0, -ETIMEDOUT, or
 * -ECANCELED. */
static int wait_gone(struct memhp_ctx *ctx, const char *name,
		     unsigned int wait_ms)
{
	uint64_t deadline = memhp_now_ms(ctx) + wait_ms;

	for (;;) {
		struct memhp_acpi_device *d;
		int ret = memhp_acpi_device_new(ctx, name, &d);
		bool present = ret < 0 || memhp_acpi_device_is_present(d);

		memhp_acpi_device_free(d);
		if (ret == -ENOENT || !present)
			return 0;
		if (ctx->cancel)
			return -ECANCELED;
		if (memhp_now_ms(ctx) >= deadline)
			return -ETIMEDOUT;
		memhp_sleep_ms(ctx, 50);
	}
}

MEMHP_EXPORT int memhp_eject_run2(struct memhp_ctx *ctx, unsigned int flags,
				  const char *name, unsigned int timeout_ms,
				  unsigned int wait_ms, struct memhp_unplug **out)
{
	struct memhp_acpi_device *dev = NULL;
	struct memhp_unplug *u;
	int ret;

	if (flags & ~(unsigned int)UNPLUG_FLAGS)
		return -EINVAL;
	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_ALL);
	if (ret < 0)
		return ret;
	ret = memhp_lock(ctx, timeout_ms);
	if (ret < 0)
		return ret;
	ret = memhp_acpi_device_new(ctx, name, &dev);
	if (ret == 0 && !memhp_acpi_device_is_present(dev))
		ret = -ENOENT;		/* ejected already */
	if (ret < 0)
		goto free_dev;
	if (!dev->ejectable) {
		ret = -EOPNOTSUPP;
		goto free_dev;
	}
	ret = unplug_new(flags, &u);
	if (ret < 0)
		goto free_dev;
	ret = remember_online(ctx, u, dev->blocks, dev->nr_blocks);
	if (ret == 0)
		ret = take_offline(ctx, u, timeout_ms);
	if (ret < 0) {
		memhp_unplug_free(u);
		goto free_dev;
	}
	if (u->result != MEMHP_UNPLUG_DONE)
		goto done;
	ret = memhp_acpi_eject(ctx, name);
	if (ret == 0)
		ret = wait_gone(ctx, name, wait_ms);
	if (ret < 0) {
		u->err = -ret;
		u->result = ret == -ETIMEDOUT ? MEMHP_UNPLUG_TIMEOUT :
			    ret == -ECANCELED ? MEMHP_UNPLUG_CANCELLED :
			    MEMHP_UNPLUG_REFUSED;
		if (ret == -ECANCELED)
			u->err = 0;
		/* the firmware kept it: its memory goes back where it was */
		put_back(ctx, u, timeout_ms);
	}
	memhp_refresh(ctx);
done:
	*out = u;
	ret = 0;
free_dev:
	memhp_acpi_device_free(dev);
	memhp_unlock(ctx);
	return ret;
}

MEMHP_EXPORT int memhp_eject_run(struct memhp_ctx *ctx, const char *name,
				 unsigned int timeout_ms, unsigned int wait_ms,
				 struct memhp_unplug **out)
{
	return memhp_eject_run2(ctx, 0, name, timeout_ms, wait_ms, out);
}

MEMHP_EXPORT int memhp_remove_run2(struct memhp_ctx *ctx, unsigned int flags,
				   uint64_t start, uint64_t size,
				   unsigned int timeout_ms,
				   struct memhp_unplug **out)
{
	uint64_t bs, *ids = NULL, n;
	struct memhp_unplug *u;
	int ret;

	if (flags & ~(unsigned int)UNPLUG_FLAGS)
		return -EINVAL;
	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_ALL);
	if (ret < 0)
		return ret;
	bs = ctx->block_size;
	if (!size || start % bs || size % bs || start + size < start)
		return -EDOM;
	n = size / bs;
	if (n > ctx->nr_blocks)
		return -ENOENT;
	ret = memhp_lock(ctx, timeout_ms);
	if (ret < 0)
		return ret;
	ret = unplug_new(flags, &u);
	if (ret < 0)
		goto unlock;
	ids = calloc(n, sizeof(*ids));
	if (!ids) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint64_t i = 0; i < n; i++)
		ids[i] = start / bs + i;
	ret = remember_online(ctx, u, ids, n);
	if (ret == 0)
		ret = take_offline(ctx, u, timeout_ms);
	if (ret < 0)
		goto fail;
	if (u->result == MEMHP_UNPLUG_DONE) {
		ret = ctx->cancel ? -ECANCELED :
		      memhp_remove_range(ctx, start, size);
		if (ret < 0) {
			u->err = ret == -ECANCELED ? 0 : -ret;
			u->result = ret == -ECANCELED ? MEMHP_UNPLUG_CANCELLED :
				    MEMHP_UNPLUG_REFUSED;
			put_back(ctx, u, timeout_ms);
		}
		memhp_refresh(ctx);
	}
	*out = u;
	ret = 0;
	goto unlock;
fail:
	memhp_unplug_free(u);
unlock:
	free(ids);
	memhp_unlock(ctx);
	return ret;
}

MEMHP_EXPORT int memhp_remove_run(struct memhp_ctx *ctx, uint64_t start,
				  uint64_t size, unsigned int timeout_ms,
				  struct memhp_unplug **out)
{
	return memhp_remove_run2(ctx, 0, start, size, timeout_ms, out);
}

MEMHP_EXPORT enum memhp_unplug_result memhp_unplug_get_result(
	const struct memhp_unplug *u)
{
	return u->result;
}

MEMHP_EXPORT int memhp_unplug_get_errno(const struct memhp_unplug *u)
{
	return u->err;
}

MEMHP_EXPORT const struct memhp_plan *memhp_unplug_get_offline(
	const struct memhp_unplug *u)
{
	return u->offline;
}

MEMHP_EXPORT const struct memhp_plan *memhp_unplug_get_put_back(
	const struct memhp_unplug *u)
{
	return u->put_back;
}

MEMHP_EXPORT bool memhp_unplug_put_back_ok(const struct memhp_unplug *u)
{
	return u->put_back_ok || u->result == MEMHP_UNPLUG_DONE;
}

MEMHP_EXPORT void memhp_unplug_free(struct memhp_unplug *u)
{
	if (!u)
		return;
	memhp_plan_free(u->offline);
	memhp_plan_free(u->put_back);
	free(u->ids);
	free(u->zones);
	free(u);
}
