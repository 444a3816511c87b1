// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ranges: contiguous blocks merged under a split policy.  A block joins the
 * open range when its id follows the range and it agrees with the range's
 * first block on every split attribute (lsmem's rule, kept so that memhp
 * list prints the same ranges).  A block with an unknown zone never merges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct memhp_range {
	const struct memhp_block *first;
	uint64_t count;
};

struct memhp_ranges {
	size_t nr, alloc;
	struct memhp_range *r;
};

static bool zones_equal(const struct memhp_block *a,
			const struct memhp_block *b)
{
	int na = a->nr_zones > 0 ? a->nr_zones : 0;
	int nb = b->nr_zones > 0 ? b->nr_zones : 0;

	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (a->zones[i] == MEMHP_ZONE_UNKNOWN ||
		    a->zones[i] != b->zones[i])
			return false;
	return true;
}

static bool mergeable(const struct memhp_ctx *ctx,
		      const struct memhp_range *r,
		      const struct memhp_block *b, unsigned int split)
{
	const struct memhp_block *f = r->first;

	if (f->id + r->count != b->id)
		return false;
	if ((split & MEMHP_ATTR_STATE) && f->state != b->state)
		return false;
	if ((split & MEMHP_ATTR_REMOVABLE) &&
	    (f->removable == 1) != (b->removable == 1))
		return false;
	if ((split & MEMHP_ATTR_NODE) && ctx->have_nodes && f->node != b->node)
		return false;
	if ((split & MEMHP_ATTR_ZONES) && ctx->have_zones && !zones_equal(f, b))
		return false;
	if ((split & MEMHP_ATTR_PROBED) && f->probed != b->probed)
		return false;
	if ((split & MEMHP_ATTR_CONFIGURED) &&
	    (f->configured == 1) != (b->configured == 1))
		return false;
	if ((split & MEMHP_ATTR_MEMMAP_ON_MEMORY) &&
	    (f->memmap_on_memory == 1) != (b->memmap_on_memory == 1))
		return false;
	if ((split & MEMHP_ATTR_OWNER) &&
	    (f->owner != b->owner || !f->owner_dev != !b->owner_dev ||
	     (f->owner_dev && strcmp(f->owner_dev, b->owner_dev))))
		return false;
	return true;
}

MEMHP_EXPORT int memhp_ranges_new(struct memhp_ctx *ctx, unsigned int split,
				  bool each_block,
				  const struct memhp_filter *filter,
				  struct memhp_ranges **out)
{
	struct memhp_ranges *rs;
	unsigned int need = split & MEMHP_ATTR_ALL;
	int ret;

	if (filter) {
		if (filter->node >= 0)
			need |= MEMHP_ATTR_NODE;
		if (filter->state != MEMHP_STATE_UNKNOWN)
			need |= MEMHP_ATTR_STATE;
		if (filter->zone != MEMHP_ZONE_ANY)
			need |= MEMHP_ATTR_ZONES;
	}
	ret = memhp_blocks_scan(ctx, need);
	if (ret < 0)
		return ret;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		const struct memhp_block *b = &ctx->blocks[i];
		struct memhp_range *last = rs->nr ? &rs->r[rs->nr - 1] : NULL;

		if (!memhp_block_match(b, filter))
			continue;
		if (last && !each_block && mergeable(ctx, last, b, split)) {
			last->count++;
			continue;
		}
		if (rs->nr == rs->alloc) {
			size_t n = rs->alloc ? rs->alloc * 2 : 16;
			struct memhp_range *r = realloc(rs->r, n * sizeof(*r));

			if (!r) {
				memhp_ranges_free(rs);
				return -ENOMEM;
			}
			rs->r = r;
			rs->alloc = n;
		}
		rs->r[rs->nr++] = (struct memhp_range){ .first = b, .count = 1 };
	}
	*out = rs;
	return 0;
}

MEMHP_EXPORT void memhp_ranges_free(struct memhp_ranges *rs)
{
	if (!rs)
		return;
	free(rs->r);
	free(rs);
}

MEMHP_EXPORT size_t memhp_ranges_get_count(const struct memhp_ranges *rs)
{
	return rs->nr;
}

MEMHP_EXPORT const struct memhp_range *
memhp_ranges_get(const struct memhp_ranges *rs, size_t i)
{
	return i < rs->nr ? &rs->r[i] : NULL;
}

MEMHP_EXPORT const struct memhp_block *
memhp_range_get_first_block(const struct memhp_range *r)
{
	return r->first;
}

MEMHP_EXPORT uint64_t memhp_range_get_block_count(const struct memhp_range *r)
{
	return r->count;
}
