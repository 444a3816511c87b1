// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory blocks: the memoryN directories and their attributes.
 *
 * Block ids come from the directory names alone.  Attributes are read only
 * when asked for, one open/read/close each; node membership comes from the
 * node directories (one listing per node instead of one per block), with a
 * look into the block's own directory only for blocks no node claims (every
 * block when there are no node directories, as in a copy of memory/ alone).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

struct id_list {
	uint64_t block_size;
	struct memhp_block *blocks;
	size_t nr, alloc;
};

static int collect_block(const char *name, unsigned char type, void *data)
{
	struct id_list *l = data;
	uint64_t id;

	(void)type;
	/* canonical names only (memory07 is not block 7), and only blocks
	 * whose addresses fit in 64 bits */
	if (memhp_parse_indexed_name(name, "memory", &id) < 0 ||
	    !memhp_block_id_fits(id, l->block_size))
		return 0;
	if (l->nr == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 256;
		struct memhp_block *b = realloc(l->blocks, n * sizeof(*b));

		if (!b)
			return -ENOMEM;
		l->blocks = b;
		l->alloc = n;
	}
	l->blocks[l->nr++] = (struct memhp_block){
		.id = id,
		.node = -1,
		.state = MEMHP_STATE_UNKNOWN,
		.removable = -1,
		.nr_zones = -1,
		.configured = -1,
		.memmap_on_memory = -1,
	};
	return 0;
}

static int cmp_block_id(const void *a, const void *b)
{
	const struct memhp_block *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int read_block_size(struct memhp_ctx *ctx)
{
	char buf[64];
	ssize_t n;
	int ret;

	n = memhp_read_attr(ctx, AREA_MEMORY, "block_size_bytes", buf,
			    sizeof(buf));
	if (n == -ENOENT) {
		err(ctx, "%s/%s has no block_size_bytes: this system does not "
		    "support memory blocks (kernel without "
		    "CONFIG_MEMORY_HOTPLUG?)", ctx->root,
		    memhp_area_path(AREA_MEMORY));
		return (int)n;
	}
	if (n < 0) {
		err(ctx, "cannot read %s/%s/block_size_bytes: %s", ctx->root,
		    memhp_area_path(AREA_MEMORY), memhp_strerror((int)n));
		return (int)n;
	}
	ret = memhp_parse_block_size(buf, &ctx->block_size);
	if (ret < 0) {
		char shown[48];

		ctx->block_size = 0;
		err(ctx, "%s/%s/block_size_bytes: invalid value '%s' (not a "
		    "power of two from 0x%llx to 0x%llx)", ctx->root,
		    memhp_area_path(AREA_MEMORY),
		    memhp_escape(buf, shown, sizeof(shown)),
		    MEMHP_MIN_BLOCK_SIZE, MEMHP_MAX_BLOCK_SIZE);
		return -EINVAL;
	}
	return 0;
}

static int list_blocks(struct memhp_ctx *ctx)
{
	struct id_list l = { 0 };
	enum memhp_area src;
	int ret;

	ret = memhp_area_fd(ctx, AREA_MEMORY);
	if (ret < 0) {
		err(ctx, "cannot open %s/%s: %s", ctx->root,
		    memhp_area_path(AREA_MEMORY), strerror(-ret));
		return ret;
	}
	ret = read_block_size(ctx);
	if (ret < 0)
		return ret;
	l.block_size = ctx->block_size;
	/* where the firmware configures memory (s390), its list is the
	 * blocks', deconfigured ones included (as lsmem 2.42 takes it) */
	ctx->have_memconfig = memhp_memconfig_present(ctx);
	src = ctx->have_memconfig ? AREA_FIRMWARE_MEMORY : AREA_MEMORY;
	ret = memhp_walk_dir(ctx, src, NULL, collect_block, &l);
	if (ret < 0) {
		err(ctx, "cannot list %s/%s: %s", ctx->root,
		    memhp_area_path(src), strerror(-ret));
		free(l.blocks);
		return ret;
	}
	if (l.nr > 1)	/* qsort's base must not be NULL */
		qsort(l.blocks, l.nr, sizeof(*l.blocks), cmp_block_id);
	for (size_t i = 0; i < l.nr; i++) {
		l.blocks[i].ctx = ctx;
		if (ctx->have_memconfig)
			memhp_memconfig_read(&l.blocks[i]);
	}
	ctx->blocks = l.blocks;
	ctx->nr_blocks = l.nr;
	ctx->listed = true;
	/* a block added since may fill what was a hole */
	memhp_overlaps_forget(ctx);
	return 0;
}

/* "memory<id>/<attr>" by hand: three times per block on 32k-block trees */
static void block_attr_name(char *name, size_t size, uint64_t id,
			    const char *attr)
{
	char digits[24];
	size_t n = 0, len = 6;

	memcpy(name, "memory", 6);
	do {
		digits[n++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	while (n)
		name[len++] = digits[--n];
	name[len++] = '/';
	snprintf(name + len, size - len, "%s", attr);
}

static ssize_t read_block_attr(struct memhp_block *b, const char *attr,
			       char *buf, size_t size)
{
	char name[64];

	block_attr_name(name, sizeof(name), b->id, attr);
	return memhp_read_attr(b->ctx, AREA_MEMORY, name, buf, size);
}

/* What an attribute read (@n: length or -errno) says about the block. */
static void set_state(struct memhp_block *b, const char *buf, ssize_t n)
{
	b->state = n >= 0 ? (int8_t)memhp_state_from_name(buf) :
			    MEMHP_STATE_UNKNOWN;
}

static void set_removable(struct memhp_block *b, const char *buf, ssize_t n)
{
	uint64_t v;

	b->removable = n < 0 ? -1 : memhp_parse_u64(buf, 10, &v) == 0 && v == 1;
}

int memhp_parse_zones(const char *text, uint8_t *zones, size_t max)
{
	const char *p = text;
	size_t n = 0;

	while (*p && n < max) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (!len)
			break;
		zones[n++] = (uint8_t)memhp_zone_from_name(p, len);
		p += len;
	}
	return (int)n;
}

static void set_zones(struct memhp_block *b, const char *buf, ssize_t n)
{
	b->nr_zones = n == -ENOENT ? -1 : 0;
	if (n < 0)
		return;		/* missing, or there but unreadable: no zones */
	b->nr_zones = (int8_t)memhp_parse_zones(buf, b->zones, MEMHP_MAX_ZONES);
}

static void read_state(struct memhp_block *b)
{
	char buf[32];

	set_state(b, buf, read_block_attr(b, "state", buf, sizeof(buf)));
}

static void read_removable(struct memhp_block *b)
{
	char buf[32];

	set_removable(b, buf, read_block_attr(b, "removable", buf, sizeof(buf)));
}

static void read_zones(struct memhp_block *b)
{
	char buf[128];

	set_zones(b, buf, read_block_attr(b, "valid_zones", buf, sizeof(buf)));
}

struct node_walk {
	struct memhp_ctx *ctx;
	uint64_t node;
	struct memhp_block *block;	/* fallback: the block being looked at */
};

static int node_member(const char *name, unsigned char type, void *data)
{
	struct node_walk *w = data;
	struct memhp_block *b;
	uint64_t id;

	(void)type;
	if (memhp_parse_indexed_name(name, "memory", &id) < 0)
		return 0;
	b = memhp_block_get_by_id(w->ctx, id);
	if (b && b->node < 0)
		b->node = (int)w->node;
	return 0;
}

static int node_dir(const char *name, unsigned char type, void *data)
{
	struct node_walk *w = data;

	(void)type;
	if (memhp_parse_indexed_name(name, "node", &w->node) < 0 ||
	    w->node > INT32_MAX)
		return 0;
	/* an unreadable node directory leaves its blocks to the fallback */
	memhp_walk_dir(w->ctx, AREA_NODE, name, node_member, w);
	return 0;
}

static int block_node_link(const char *name, unsigned char type, void *data)
{
	struct node_walk *w = data;
	uint64_t node;

	(void)type;
	if (memhp_parse_indexed_name(name, "node", &node) < 0 ||
	    node > INT32_MAX)
		return 0;
	w->block->node = (int)node;
	return 1;	/* the first node link decides, as in lsmem */
}

static void read_nodes(struct memhp_ctx *ctx)
{
	struct node_walk w = { .ctx = ctx };

	/* Without the node directories (a kernel without NUMA, or a copy of
	 * memory/ alone) every block's own nodeN link decides, as in lsmem;
	 * a kernel without NUMA has no links, and no node is shown. */
	if (memhp_area_exists(ctx, AREA_NODE))
		memhp_walk_dir(ctx, AREA_NODE, NULL, node_dir, &w);
	for (size_t i = 0; i < ctx->nr_blocks; i++) {
		struct memhp_block *b = &ctx->blocks[i];
		char name[32];

		if (b->node >= 0)
			continue;
		w.block = b;
		snprintf(name, sizeof(name), "memory%llu",
			 (unsigned long long)b->id);
		memhp_walk_dir(ctx, AREA_MEMORY, name, block_node_link, &w);
	}
}

void memhp_block_refresh(struct memhp_block *b, unsigned int attrs)
{
	if (attrs & MEMHP_ATTR_STATE)
		read_state(b);
	if (attrs & MEMHP_ATTR_ZONES)
		read_zones(b);
	if (attrs & MEMHP_ATTR_REMOVABLE)
		read_removable(b);
	memhp_memconfig_apply(b);
}

struct attr_job {
	struct memhp_block *blocks;
	size_t nr;
	unsigned int attrs;
};

/* The buffers of one block's attributes in a batch. */
struct attr_bufs {
	char state[32];
	char removable[32];
	char zones[128];
};

#define JOB_BATCH 256	/* blocks per batch */

static void *read_attr_job(void *arg)
{
	struct attr_job *job = arg;
	struct memhp_read_req *reqs;
	struct attr_bufs *bufs;

	reqs = calloc(JOB_BATCH * 3, sizeof(*reqs));
	bufs = calloc(JOB_BATCH, sizeof(*bufs));
	if (!reqs || !bufs) {
		/* one at a time, then */
		for (size_t i = 0; i < job->nr; i++)
			memhp_block_refresh(&job->blocks[i], job->attrs);
		goto out;
	}
	for (size_t base = 0; base < job->nr; base += JOB_BATCH) {
		size_t cnt = job->nr - base < JOB_BATCH ? job->nr - base :
							  JOB_BATCH;
		size_t n = 0;

		for (size_t i = 0; i < cnt; i++) {
			uint64_t id = job->blocks[base + i].id;
			const struct {
				unsigned int attr;
				const char *name;
				char *buf;
				size_t size;
			} want[] = {
				{ MEMHP_ATTR_STATE, "state", bufs[i].state,
				  sizeof(bufs[i].state) },
				{ MEMHP_ATTR_REMOVABLE, "removable",
				  bufs[i].removable, sizeof(bufs[i].removable) },
				{ MEMHP_ATTR_ZONES, "valid_zones", bufs[i].zones,
				  sizeof(bufs[i].zones) },
			};

			for (size_t w = 0; w < 3; w++) {
				if (!(job->attrs & want[w].attr))
					continue;
				block_attr_name(reqs[n].name,
						sizeof(reqs[n].name), id,
						want[w].name);
				reqs[n].buf = want[w].buf;
				reqs[n].size = want[w].size;
				n++;
			}
		}
		memhp_read_attrs(job->blocks[0].ctx, AREA_MEMORY, reqs, n);
		n = 0;
		for (size_t i = 0; i < cnt; i++) {
			struct memhp_block *b = &job->blocks[base + i];

			if (job->attrs & MEMHP_ATTR_STATE) {
				set_state(b, reqs[n].buf, reqs[n].result);
				n++;
			}
			if (job->attrs & MEMHP_ATTR_REMOVABLE) {
				set_removable(b, reqs[n].buf, reqs[n].result);
				n++;
			}
			if (job->attrs & MEMHP_ATTR_ZONES) {
				set_zones(b, reqs[n].buf, reqs[n].result);
				n++;
			}
			memhp_memconfig_apply(b);
		}
	}
out:
	free(reqs);
	free(bufs);
	return NULL;
}

/*
 * Machines with tens of thousands of blocks have many CPUs: there the
 * attribute reads (one open/read/close each, all kernel time) are shared
 * among a few threads, each taking a contiguous slice of the blocks.
 */
#define BLOCKS_PER_THREAD 4096
#define MAX_THREADS 8

static void read_attrs(struct memhp_ctx *ctx, unsigned int attrs)
{
	struct attr_job jobs[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = ctx->nr_blocks / BLOCKS_PER_THREAD;
	size_t started = 0, per, off = 0;

	if (nthreads > (size_t)(cpus > 0 ? cpus : 1))
		nthreads = (size_t)(cpus > 0 ? cpus : 1);
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (nthreads < 1)
		nthreads = 1;
	per = (ctx->nr_blocks + nthreads - 1) / nthreads;
	for (size_t t = 0; t < nthreads; t++) {
		jobs[t] = (struct attr_job){
			.blocks = ctx->blocks + off,
			.nr = off + per > ctx->nr_blocks ?
				ctx->nr_blocks - off : per,
			.attrs = attrs,
		};
		off += jobs[t].nr;
	}
	/* slice 0 is this thread's; a thread that cannot start is done here */
	for (size_t t = 1; t < nthreads; t++)
		if (pthread_create(&threads[started + 1], NULL, read_attr_job,
				   &jobs[t]) == 0)
			started++;
		else
			read_attr_job(&jobs[t]);
	read_attr_job(&jobs[0]);
	for (size_t t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
}

size_t memhp_block_lower_bound(const struct memhp_ctx *ctx, uint64_t id)
{
	size_t lo = 0, hi = ctx->nr_blocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ctx->blocks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The blocks inside each range memhp.ko added: by arithmetic on the sorted
 * block array, never address by address (a range file may claim 16 EiB). */
static void mark_probed(struct memhp_ctx *ctx)
{
	struct memhp_probed_ranges *rs = NULL;

	if (memhp_probed_ranges_new(ctx, &rs) < 0)
		return;
	for (size_t i = 0; i < memhp_probed_ranges_get_count(rs); i++) {
		/* memhp_probed_ranges_new() leaves out empty and wrapping ones */
		const struct memhp_probed_range *r;
		uint64_t first, last;
		size_t b;

		r = memhp_probed_ranges_get(rs, i);
		memhp_range_blocks(memhp_probed_range_get_start(r),
				   memhp_probed_range_get_size(r),
				   ctx->block_size, &first, &last);
		b = memhp_block_lower_bound(ctx, first);
		for (; b < ctx->nr_blocks && ctx->blocks[b].id <= last; b++)
			ctx->blocks[b].probed = true;
	}
	memhp_probed_ranges_free(rs);
}

MEMHP_EXPORT int memhp_blocks_scan(struct memhp_ctx *ctx, unsigned int attrs)
{
	unsigned int todo;
	int ret;

	if (!ctx->listed) {
		ret = list_blocks(ctx);
		if (ret < 0)
			return ret;
	}
	todo = attrs & MEMHP_ATTR_ALL & ~ctx->attrs_read;
	if (todo & MEMHP_ATTR_NODE) {
		read_nodes(ctx);
		for (size_t i = 0; i < ctx->nr_blocks; i++)
			if (ctx->blocks[i].node >= 0)
				ctx->have_nodes = true;
	}
	if (todo & (MEMHP_ATTR_STATE | MEMHP_ATTR_REMOVABLE | MEMHP_ATTR_ZONES))
		read_attrs(ctx, todo);
	if (todo & MEMHP_ATTR_PROBED)
		mark_probed(ctx);
	if (todo & MEMHP_ATTR_OWNER)
		memhp_read_owners(ctx);
	for (size_t i = 0; (todo & MEMHP_ATTR_ZONES) && i < ctx->nr_blocks; i++)
		if (ctx->blocks[i].nr_zones >= 0)
			ctx->have_zones = true;
	ctx->attrs_read |= todo;
	return 0;
}

MEMHP_EXPORT uint64_t memhp_get_block_size(const struct memhp_ctx *ctx)
{
	return ctx->block_size;
}

MEMHP_EXPORT size_t memhp_block_get_count(const struct memhp_ctx *ctx)
{
	return ctx->nr_blocks;
}

MEMHP_EXPORT bool memhp_have_nodes(const struct memhp_ctx *ctx)
{
	return ctx->have_nodes;
}

MEMHP_EXPORT bool memhp_have_zones(const struct memhp_ctx *ctx)
{
	return ctx->have_zones;
}

MEMHP_EXPORT struct memhp_block *memhp_block_get_first(struct memhp_ctx *ctx)
{
	if (!ctx->listed && memhp_blocks_scan(ctx, MEMHP_ATTR_STATE) < 0)
		return NULL;
	return ctx->nr_blocks ? &ctx->blocks[0] : NULL;
}

MEMHP_EXPORT struct memhp_block *memhp_block_get_next(struct memhp_block *b)
{
	struct memhp_ctx *ctx = b->ctx;

	return b + 1 < ctx->blocks + ctx->nr_blocks ? b + 1 : NULL;
}

MEMHP_EXPORT struct memhp_block *memhp_block_get_by_id(struct memhp_ctx *ctx,
						       uint64_t id)
{
	struct memhp_block key = { .id = id };

	if (!ctx->listed && memhp_blocks_scan(ctx, 0) < 0)
		return NULL;
	if (!ctx->nr_blocks)
		return NULL;
	return bsearch(&key, ctx->blocks, ctx->nr_blocks, sizeof(key),
		       cmp_block_id);
}

MEMHP_EXPORT uint64_t memhp_block_get_id(const struct memhp_block *b)
{
	return b->id;
}

MEMHP_EXPORT uint64_t memhp_block_get_start(const struct memhp_block *b)
{
	return b->id * b->ctx->block_size;
}

MEMHP_EXPORT enum memhp_state memhp_block_get_state(const struct memhp_block *b)
{
	return (enum memhp_state)b->state;
}

MEMHP_EXPORT int memhp_block_get_node(const struct memhp_block *b)
{
	return b->node;
}

MEMHP_EXPORT int memhp_block_get_removable(const struct memhp_block *b)
{
	return b->removable;
}

MEMHP_EXPORT bool memhp_have_memconfig(const struct memhp_ctx *ctx)
{
	return ctx->have_memconfig;
}

MEMHP_EXPORT int memhp_block_get_configured(const struct memhp_block *b)
{
	return b->configured;
}

MEMHP_EXPORT int memhp_block_get_memmap_on_memory(const struct memhp_block *b)
{
	return b->memmap_on_memory;
}

MEMHP_EXPORT int memhp_block_get_zones(const struct memhp_block *b,
				       const uint8_t **zones)
{
	if (zones)
		*zones = b->zones;
	return b->nr_zones;
}

MEMHP_EXPORT bool memhp_block_is_probed(const struct memhp_block *b)
{
	return b->probed;
}

MEMHP_EXPORT bool memhp_block_has_zone(const struct memhp_block *b,
				       enum memhp_zone zone)
{
	for (int i = 0; i < b->nr_zones; i++)
		if (b->zones[i] == zone)
			return true;
	return false;
}

MEMHP_EXPORT int memhp_filter_new(struct memhp_filter **out)
{
	struct memhp_filter *f = malloc(sizeof(*f));

	if (!f)
		return -ENOMEM;
	*f = (struct memhp_filter)MEMHP_FILTER_INIT;
	*out = f;
	return 0;
}

MEMHP_EXPORT void memhp_filter_free(struct memhp_filter *f)
{
	free(f);
}

MEMHP_EXPORT void memhp_filter_set_node(struct memhp_filter *f, int node)
{
	f->node = node < 0 ? -1 : node;
}

MEMHP_EXPORT void memhp_filter_set_state(struct memhp_filter *f,
					 enum memhp_state state)
{
	f->state = state;
}

MEMHP_EXPORT void memhp_filter_set_zone(struct memhp_filter *f,
					enum memhp_zone zone)
{
	f->zone = zone;
}

MEMHP_EXPORT void memhp_filter_set_owner(struct memhp_filter *f,
					 enum memhp_owner owner)
{
	f->owner = owner;
}

MEMHP_EXPORT bool memhp_block_match(const struct memhp_block *b,
				    const struct memhp_filter *f)
{
	if (!f)
		return true;
	if (f->node >= 0 && b->node != f->node)
		return false;
	if (f->state != MEMHP_STATE_UNKNOWN &&
	    (enum memhp_state)b->state != f->state)
		return false;
	if (f->zone != MEMHP_ZONE_ANY && !memhp_block_has_zone(b, f->zone))
		return false;
	if (f->owner != MEMHP_OWNER_ANY && b->owner != f->owner)
		return false;
	return true;
}
