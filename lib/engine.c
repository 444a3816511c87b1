// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state-change engine: plan, check, lock, act, read back, roll back.
 * lib/README.md describes the transaction model; this file is its core.
 *
 * A plan holds typed requests: explicit blocks (memhp_plan_add_blocks)
 * and sizes (memhp_plan_add_size).  Nothing is written until the plan has
 * been checked as a whole.  memhp_plan_run() then takes the state lock,
 * re-reads the blocks under it (so two runs never pick the same blocks
 * for a size), and changes one block at a time: read fresh, written, read
 * back.  The kernel answers a redundant write with EINVAL, so the state
 * is looked at first and "already there" is success.
 *
 * Offline writes can block in the kernel for as long as page migration
 * keeps failing, and newer kernels stop only for a fatal signal, so each
 * offline write runs in a short-lived child that is killed at the deadline
 * or when the run is cancelled: the kernel then aborts the offlining and
 * the block stays online.  The child dies with its parent (parent-death
 * signal) and never holds the state lock on its own.
 *
 * Rollback undoes exactly the writes this run made and read back as done,
 * and leaves alone a block that another agent changed since.
 *
 * Every step is O(log n) in the number of blocks (binary search by id, a
 * per-block mark for "already planned"), so planning a whole machine is
 * O(n log n).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

enum target {
	TARGET_OFFLINE,	/* "offline" */
	TARGET_AUTO,	/* "online": the kernel's policy picks the zone */
	TARGET_KERNEL,	/* "online_kernel": the default kernel zone */
	TARGET_MOVABLE,	/* "online_movable" */
	TARGET_ZONE,	/* a named kernel zone: online_kernel, checked */
};

struct memhp_change {
	uint64_t id;
	struct memhp_block *block;	/* valid from check/run on */
	enum target target;
	int tzone;		/* TARGET_ZONE: the zone */
	enum memhp_state from, to;
	int zone;		/* enum memhp_zone, or -1 unknown */
	enum memhp_result result;
	int err;
	unsigned int attempts;
	bool changed;		/* written by us and read back: undo it */
	bool sized;		/* picked for a size request */
	bool retry;		/* sized and busy: worth a second pass */
	char error[256];
	char (*kmsg)[MEMHP_KMSG_LINE];	/* the kernel's words on a failed
					   offline (lib/kmsg.c), or NULL */
	size_t nr_kmsg;
};

struct size_req {
	uint64_t bytes;
};

struct memhp_progress {
	size_t done, total;		/* blocks */
	uint64_t bytes_done, bytes_total;
	uint64_t block;			/* the block being written */
	unsigned int attempts;		/* on it so far */
	uint64_t waited_ms;		/* on it so far */
	bool rolling_back;
};

struct memhp_plan {
	struct memhp_ctx *ctx;
	enum memhp_action action;
	enum target target;
	enum memhp_zone zone;	/* TARGET_ZONE */
	struct memhp_filter filter;
	unsigned int timeout_ms;	/* 0: no limit */
	bool atomic, checked, ran, cancelled, restore;
	struct size_req *sizes;
	size_t nr_sizes;
	size_t nr_explicit;	/* changes[0..nr_explicit) were named */
	struct memhp_change *changes;
	size_t nr, alloc;
	uint8_t *planned;	/* per block index: in changes[] */
	size_t nr_planned;
	uint64_t short_bytes;	/* of the sizes, what could not be met */
	char error[256];	/* why a size could not be met */
	struct memhp_progress progress;
	struct rank *order;	/* offline sizes: candidates by census */
	size_t nr_order;
	bool want_reclaim;	/* memhp_plan_set_reclaim() */
	struct memhp_reclaim *reclaim;	/* planned (check) or done (run) */
	size_t nr_pending;	/* of them, without a census yet */
	struct writer {		/* the child that makes offline writes */
		pid_t pid;	/* 0: none now */
		int req, res;	/* its requests, its answers */
	} writer;
};

/* the attributes a plan reads of every block */
#define PLAN_ATTRS (MEMHP_ATTR_STATE | MEMHP_ATTR_REMOVABLE | \
		    MEMHP_ATTR_NODE | MEMHP_ATTR_ZONES)

#define DEFAULT_TIMEOUT_MS 30000
#define BACKOFF_FIRST_MS 20
#define BACKOFF_MAX_MS 1000
/* a sized offline tries each candidate this long before moving on */
#define FIRST_TRY_MS 2000

MEMHP_EXPORT const char *memhp_result_name(enum memhp_result r)
{
	static const char *const names[] = {
		[MEMHP_RESULT_PLANNED] = "planned",
		[MEMHP_RESULT_OK] = "ok",
		[MEMHP_RESULT_UNCHANGED] = "unchanged",
		[MEMHP_RESULT_FAILED] = "failed",
		[MEMHP_RESULT_ROLLED_BACK] = "rolled-back",
		[MEMHP_RESULT_SKIPPED] = "skipped",
		[MEMHP_RESULT_PASSED_OVER] = "passed-over",
	};

	if ((unsigned int)r >= sizeof(names) / sizeof(*names))
		return NULL;
	return names[r];
}

/* the clock: real, or the one a test injected (memhp_set_clock) */
uint64_t memhp_now_ms(struct memhp_ctx *ctx)
{
	struct timespec ts;

	if (ctx->clock)
		return ctx->clock->now_ms(ctx->clock->data);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleeps @ms, or less when the run is cancelled meanwhile. */
void memhp_sleep_ms(struct memhp_ctx *ctx, uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	if (ctx->clock) {
		ctx->clock->sleep_ms(ctx->clock->data, ms);
		return;
	}
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !ctx->cancel)
		;
}

MEMHP_EXPORT void memhp_cancel(struct memhp_ctx *ctx)
{
	ctx->cancel = 1;
}

MEMHP_EXPORT bool memhp_cancelled(const struct memhp_ctx *ctx)
{
	return ctx->cancel != 0;
}

MEMHP_EXPORT int memhp_plan_new(struct memhp_ctx *ctx,
				enum memhp_action action,
				struct memhp_plan **out)
{
	struct memhp_plan *p;
	int ret;

	if (action != MEMHP_ACTION_ONLINE && action != MEMHP_ACTION_OFFLINE)
		return -EINVAL;
	/* what a plan decides by; the owners only for a filter that asks
	 * (memhp_plan_set_filter): reading them walks iomem and the buses */
	ret = memhp_blocks_scan(ctx, PLAN_ATTRS);
	if (ret < 0)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ctx = memhp_ref(ctx);
	p->action = action;
	p->target = action == MEMHP_ACTION_ONLINE ? TARGET_AUTO :
						    TARGET_OFFLINE;
	p->filter = (struct memhp_filter)MEMHP_FILTER_INIT;
	p->timeout_ms = DEFAULT_TIMEOUT_MS;
	*out = p;
	return 0;
}

static void writer_stop(struct memhp_plan *p, bool kill_it);

MEMHP_EXPORT void memhp_plan_free(struct memhp_plan *p)
{
	if (!p)
		return;
	writer_stop(p, true);
	memhp_unref(p->ctx);
	free(p->sizes);
	for (size_t i = 0; i < p->nr; i++)
		free(p->changes[i].kmsg);
	free(p->changes);
	free(p->planned);
	free(p->order);
	memhp_reclaim_free(p->reclaim);
	free(p);
}

static int parse_target(const char *zone, enum target *t, enum memhp_zone *z)
{
	if (!strcasecmp(zone, "auto")) {
		*t = TARGET_AUTO;
	} else if (!strcasecmp(zone, "movable")) {
		*t = TARGET_MOVABLE;
	} else if (!strcasecmp(zone, "kernel")) {
		*t = TARGET_KERNEL;
	} else {
		*z = memhp_zone_from_name(zone, strlen(zone));
		if (*z == MEMHP_ZONE_UNKNOWN || *z == MEMHP_ZONE_NONE ||
		    *z == MEMHP_ZONE_DEVICE)
			return -EINVAL;
		*t = *z == MEMHP_ZONE_MOVABLE ? TARGET_MOVABLE : TARGET_ZONE;
	}
	return 0;
}

const char *memhp_zone_online_type(const char *zone)
{
	enum memhp_zone z;
	enum target t;

	if (parse_target(zone, &t, &z) < 0)
		return NULL;
	switch (t) {
	case TARGET_AUTO:
		return "online";
	case TARGET_KERNEL:
		return "online_kernel";
	case TARGET_MOVABLE:
		return "online_movable";
	default:
		return NULL;
	}
}

MEMHP_EXPORT int memhp_plan_set_zone(struct memhp_plan *p, const char *zone)
{
	if (p->action != MEMHP_ACTION_ONLINE)
		return -EINVAL;
	return parse_target(zone, &p->target, &p->zone);
}

MEMHP_EXPORT void memhp_plan_set_filter(struct memhp_plan *p,
					const struct memhp_filter *f)
{
	p->filter = f ? *f : (struct memhp_filter)MEMHP_FILTER_INIT;
	if (p->filter.owner != MEMHP_OWNER_ANY)
		(void)memhp_blocks_scan(p->ctx, MEMHP_ATTR_OWNER);
}

MEMHP_EXPORT void memhp_plan_set_timeout(struct memhp_plan *p,
					 unsigned int msec)
{
	p->timeout_ms = msec;
}

MEMHP_EXPORT void memhp_plan_set_reclaim(struct memhp_plan *p, bool reclaim)
{
	p->want_reclaim = reclaim;
	p->checked = false;
}

MEMHP_EXPORT const struct memhp_reclaim *memhp_plan_get_reclaim(
	const struct memhp_plan *p)
{
	return p->reclaim;
}

MEMHP_EXPORT void memhp_plan_set_atomic(struct memhp_plan *p, bool atomic)
{
	p->atomic = atomic;
}

static const char *target_name(enum target t, int zone)
{
	switch (t) {
	case TARGET_OFFLINE: return "offline";
	case TARGET_AUTO: return "auto";
	case TARGET_KERNEL: return "a kernel zone";
	case TARGET_MOVABLE: return "Movable";
	case TARGET_ZONE: return memhp_zone_name((enum memhp_zone)zone);
	}
	return "?";
}

static const char *write_value(enum target t)
{
	switch (t) {
	case TARGET_OFFLINE: return "offline";
	case TARGET_AUTO: return "online";
	case TARGET_MOVABLE: return "online_movable";
	default: return "online_kernel";
	}
}

static bool is_kernel_zone(int z)
{
	return z >= 0 && z != MEMHP_ZONE_MOVABLE && z != MEMHP_ZONE_NONE &&
	       z != MEMHP_ZONE_DEVICE && z != MEMHP_ZONE_UNKNOWN;
}

/* Can an offline block go where @c asks (its valid_zones)? */
static bool can_take(const struct memhp_change *c, const struct memhp_block *b)
{
	if (b->nr_zones < 0)
		return true;	/* a kernel without valid_zones: try it */
	switch (c->target) {
	case TARGET_OFFLINE:
		return true;
	case TARGET_AUTO:
		return b->nr_zones > 0;
	case TARGET_MOVABLE:
		return memhp_block_has_zone(b, MEMHP_ZONE_MOVABLE);
	case TARGET_KERNEL:
		for (int i = 0; i < b->nr_zones; i++)
			if (is_kernel_zone(b->zones[i]))
				return true;
		return false;
	case TARGET_ZONE:
		/* online_kernel goes to the default kernel zone: the first
		 * kernel zone valid_zones lists */
		for (int i = 0; i < b->nr_zones; i++)
			if (is_kernel_zone(b->zones[i]))
				return b->zones[i] == c->tzone;
		return false;
	}
	return false;
}

/* Is an online block's zone the one @c asks for? */
static bool zone_ok(const struct memhp_change *c, int zone)
{
	switch (c->target) {
	case TARGET_OFFLINE:
	case TARGET_AUTO: return true;
	case TARGET_MOVABLE: return zone == MEMHP_ZONE_MOVABLE;
	case TARGET_KERNEL: return is_kernel_zone(zone);
	case TARGET_ZONE: return zone == c->tzone;
	}
	return false;
}

static void zones_text(const struct memhp_block *b, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < b->nr_zones && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					i ? " " : "",
					memhp_zone_name(b->zones[i]));
	if (b->nr_zones <= 0)
		snprintf(buf, size, "none listed");
}

static int first_zone(const struct memhp_block *b)
{
	return b->nr_zones > 0 ? b->zones[0] : -1;
}

static size_t block_index(const struct memhp_ctx *ctx,
			  const struct memhp_block *b)
{
	return (size_t)(b - ctx->blocks);
}

/* The per-block "planned" marks, sized for the context's blocks. */
static int ensure_marks(struct memhp_plan *p)
{
	size_t n = p->ctx->nr_blocks;

	if (p->planned && p->nr_planned == n)
		return 0;
	free(p->planned);
	p->planned = calloc(n ? n : 1, 1);
	if (!p->planned)
		return -ENOMEM;
	p->nr_planned = n;
	for (size_t i = 0; i < p->nr; i++) {
		struct memhp_block *b = memhp_block_get_by_id(p->ctx,
							      p->changes[i].id);

		if (b)
			p->planned[block_index(p->ctx, b)] = 1;
	}
	return 0;
}

static struct memhp_change *add_change(struct memhp_plan *p,
				       struct memhp_block *b)
{
	struct memhp_change *c;

	if (p->nr == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 32;

		c = realloc(p->changes, n * sizeof(*c));
		if (!c)
			return NULL;
		p->changes = c;
		p->alloc = n;
	}
	c = &p->changes[p->nr++];
	*c = (struct memhp_change){
		.id = b->id,
		.block = b,
		.target = p->target,
		.tzone = (int)p->zone,
		.from = (enum memhp_state)b->state,
		.to = p->action == MEMHP_ACTION_ONLINE ? MEMHP_STATE_ONLINE :
							 MEMHP_STATE_OFFLINE,
		/* offline: the zone it leaves, known before the run */
		.zone = p->action == MEMHP_ACTION_OFFLINE &&
			b->state == MEMHP_STATE_ONLINE ? first_zone(b) : -1,
	};
	p->planned[block_index(p->ctx, b)] = 1;
	p->checked = false;
	return c;
}

/* Forgets the blocks an earlier check picked for the sizes. */
static void drop_picks(struct memhp_plan *p)
{
	if (p->nr == p->nr_explicit)
		return;
	p->nr = p->nr_explicit;
	p->nr_planned = 0;
	ensure_marks(p);
}

MEMHP_EXPORT int memhp_plan_add_blocks(struct memhp_plan *p, uint64_t first,
				       uint64_t last)
{
	struct memhp_ctx *ctx = p->ctx;
	struct memhp_block *b;
	size_t i;
	int ret;

	if (first > last || p->ran)
		return -EINVAL;
	drop_picks(p);
	ret = ensure_marks(p);
	if (ret < 0)
		return ret;
	/* every block must exist before any joins the plan */
	b = memhp_block_get_by_id(ctx, first);
	i = b ? block_index(ctx, b) : 0;
	if (b && last - first < ctx->nr_blocks - i &&
	    ctx->blocks[i + (last - first)].id == last)
		b = NULL;	/* ids are unique and sorted: all there */
	else
		for (uint64_t id = first;; id++) {
			if (!memhp_block_get_by_id(ctx, id)) {
				err(ctx, "block %llu does not exist (no memory%llu "
				    "in %s/%s)", (unsigned long long)id,
				    (unsigned long long)id, ctx->root,
				    memhp_area_path(AREA_MEMORY));
				return -ENOENT;
			}
			if (id == last)
				break;
		}
	for (uint64_t k = 0; k <= last - first; k++) {
		b = &ctx->blocks[i + k];
		if (p->planned[i + k] || !memhp_block_match(b, &p->filter))
			continue;
		if (!add_change(p, b))
			return -ENOMEM;
		p->nr_explicit = p->nr;
	}
	return 0;
}

MEMHP_EXPORT int memhp_plan_add_matching(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t first = 0, last = 0;
	bool open = false;
	int ret = 0;

	/* the matching blocks as runs of consecutive ids */
	for (size_t i = 0; i < ctx->nr_blocks && ret == 0; i++) {
		uint64_t id = ctx->blocks[i].id;

		if (!memhp_block_match(&ctx->blocks[i], &p->filter))
			continue;
		if (open && id == last + 1) {
			last = id;
			continue;
		}
		if (open)
			ret = memhp_plan_add_blocks(p, first, last);
		first = last = id;
		open = true;
	}
	if (ret == 0 && open)
		ret = memhp_plan_add_blocks(p, first, last);
	return ret == 0 && !open ? -ENOENT : ret;
}

MEMHP_EXPORT int memhp_plan_add_size(struct memhp_plan *p, uint64_t bytes)
{
	struct size_req *s;

	if (!bytes || bytes % p->ctx->block_size || p->ran)
		return -EDOM;
	s = realloc(p->sizes, (p->nr_sizes + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	p->sizes = s;
	p->sizes[p->nr_sizes++] = (struct size_req){ .bytes = bytes };
	p->checked = false;
	return 0;
}

/* Candidates for a size, best first.  Online: offline blocks that can take
 * the zone, lowest address first.  Offline: online removable blocks,
 * Movable ones first (they are offline-capable by design), then the other
 * removable ones, each highest address first, as chmem does. */
static bool candidate(const struct memhp_plan *p, const struct memhp_block *b,
		      int pass)
{
	struct memhp_change probe = { .target = p->target,
				      .tzone = (int)p->zone };
	bool movable = first_zone(b) == MEMHP_ZONE_MOVABLE;

	if (p->planned[block_index(p->ctx, b)] ||
	    !memhp_block_match(b, &p->filter))
		return false;
	if (p->action == MEMHP_ACTION_ONLINE)
		return b->state == MEMHP_STATE_OFFLINE && can_take(&probe, b);
	return b->state == MEMHP_STATE_ONLINE && b->removable != 0 &&
	       (pass == 0) == movable;
}

/*
 * Offline by size with a census (lib/census.c) of the candidates: blocks
 * that something holds (will-not-go) last, and of those the ones held for
 * good (a memory hole, a CMA area, two zones) after the rest; Movable before the others;
 * then the fewest pages that may never move, the fewest pages to migrate,
 * and the highest address.  Without proc/kpageflags the order stays
 * Movable first, highest address first.  Fewest in use first also keeps
 * pages from moving twice: the kernel migrates an offlining block's pages
 * into the Movable blocks still online when it can (with one node, to the
 * same node, movable allocations preferring ZONE_MOVABLE), so the fullest
 * block goes last, when its pages must leave ZONE_MOVABLE anyway (in the
 * guest of bench/offline-pressure, fullest first took 2.5 to 8 times as
 * long).
 *
 * The Movable candidates are counted first.  When those nothing holds can
 * meet the sizes, the census of the others waits until a run gets past
 * them (a busy Movable block): they can only come after those, and the
 * census is the slow part of a size offline (the kernel's flags walk,
 * about 6 ms a block in a TCG guest, the boot memory's blocks included).
 *
 * A run ranks again under its lock, from the states read there, but keeps
 * the census its plan's check read of a block that is still a candidate
 * if that census is at most CENSUS_KEEP_MS old: the pages of a block in
 * use change all the time, so a census a moment old ranks as well as a
 * new one (and a block that will not go is moved past anyway), while
 * reading it twice doubled the time before the first write.  A run that
 * waited for the lock, or reclaimed first, reads it again.
 */
#define CENSUS_KEEP_MS 1000

struct rank {
	size_t idx;		/* into ctx->blocks */
	uint64_t id;		/* of that block, to know it again */
	uint64_t read_ms;	/* when its census was read */
	bool holds, never, movable;
	bool pending;		/* census not read yet: after all the others */
	uint64_t unmovable, in_use;
	enum memhp_verdict verdict;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->pending != y->pending)
		return x->pending ? 1 : -1;
	if (x->holds != y->holds)
		return x->holds ? 1 : -1;
	if (x->never != y->never)
		return x->never ? 1 : -1;
	if (x->movable != y->movable)
		return x->movable ? -1 : 1;
	if (x->unmovable != y->unmovable)
		return x->unmovable < y->unmovable ? -1 : 1;
	if (x->in_use != y->in_use)
		return x->in_use < y->in_use ? -1 : 1;
	return x->idx < y->idx ? 1 : -1;
}

/* @r from its block's census @c. */
static void rank_census(struct memhp_ctx *ctx, struct rank *r,
			const struct memhp_census *c)
{
	uint64_t cma, hole;

	r->verdict = memhp_census_get_verdict(c);
	r->unmovable = memhp_census_get_unmovable(c);
	r->in_use = memhp_census_get_in_use(c);
	r->holds = r->verdict == MEMHP_VERDICT_WONT_GO;
	r->never = (memhp_census_get_cma(c, &cma) == 0 && cma) ||
		   (memhp_census_get_memory_hole(c, &hole) == 0 && hole) ||
		   memhp_block_spans_zones(&ctx->blocks[r->idx]);
	r->pending = false;
	r->read_ms = memhp_now_ms(ctx);
}

/* Reads the census of the blocks of @r[@todo[0..n)] into them, several at
 * once (memhp_census_read_many()); one that could not be read counts no
 * pages.  0, or the error of one that failed. */
static int census_ranks(struct memhp_ctx *ctx, struct rank *r,
			const size_t *todo, size_t n)
{
	struct memhp_census **cs = calloc(n ? n : 1, sizeof(*cs));
	uint64_t *ids = calloc(n ? n : 1, sizeof(*ids));
	int ret = -ENOMEM;

	if (cs && ids) {
		for (size_t i = 0; i < n; i++)
			ids[i] = r[todo[i]].id;
		ret = memhp_census_read_many(ctx, ids, n, cs);
		for (size_t i = 0; i < n; i++) {
			r[todo[i]].pending = false;
			if (cs[i] && memhp_census_is_available(cs[i]))
				rank_census(ctx, &r[todo[i]], cs[i]);
			memhp_census_free(cs[i]);
		}
	}
	free(cs);
	free(ids);
	return ret;
}

/*
 * The census an earlier ranking read of block @k, when it may be kept
 * (CENSUS_KEEP_MS): @kept maps a block index to its place in @old plus 1.
 */
static const struct rank *kept_census(struct memhp_plan *p,
				      const struct rank *old,
				      const size_t *kept, size_t k,
				      uint64_t now)
{
	const struct rank *o;

	if (!kept || !kept[k])
		return NULL;
	o = &old[kept[k] - 1];
	if (o->pending || o->id != p->ctx->blocks[k].id ||
	    now - o->read_ms > CENSUS_KEEP_MS)
		return NULL;
	return o;
}

static void rank_offline(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t need = 0, t0 = memhp_now_ms(ctx);
	size_t n = 0, ready = 0, pending = 0, nr_kept = 0, *kept = NULL;
	size_t *todo = NULL;
	struct rank *r, *old = p->order;

	/* the censuses an earlier ranking read, by block (none after a
	 * reclaim: it changed what is in the blocks) */
	if (old && !(p->reclaim && memhp_reclaim_has_run(p->reclaim))) {
		kept = calloc(ctx->nr_blocks ? ctx->nr_blocks : 1,
			      sizeof(*kept));
		for (size_t i = 0; kept && i < p->nr_order; i++)
			if (old[i].idx < ctx->nr_blocks)
				kept[old[i].idx] = i + 1;
	}
	p->order = NULL;
	p->nr_order = 0;
	p->nr_pending = 0;
	r = NULL;
	if (p->action != MEMHP_ACTION_OFFLINE || !p->nr_sizes)
		goto out;
	/* iomem and the CMA areas read afresh, once for this ranking */
	memhp_overlaps_forget(ctx);
	r = calloc(ctx->nr_blocks ? ctx->nr_blocks : 1, sizeof(*r));
	if (!r)
		goto out;
	for (size_t i = 0; i < p->nr_sizes; i++)
		need += p->sizes[i].bytes / ctx->block_size;
	todo = calloc(ctx->nr_blocks ? ctx->nr_blocks : 1, sizeof(*todo));
	if (!todo) {
		free(r);
		r = NULL;
		goto out;
	}
	/* the Movable candidates, then the others */
	for (int pass = 0; pass < 2; pass++) {
		size_t first = n, nr_todo = 0;
		int ret;

		for (size_t k = 0; k < ctx->nr_blocks; k++) {
			const struct memhp_block *b = &ctx->blocks[k];
			bool movable = first_zone(b) == MEMHP_ZONE_MOVABLE;
			const struct rank *o;

			if (b->state != MEMHP_STATE_ONLINE ||
			    b->removable == 0 || (pass == 0) != movable ||
			    !memhp_block_match(b, &p->filter))
				continue;
			r[n] = (struct rank){ .idx = k, .id = b->id,
					      .movable = movable };
			o = kept_census(p, old, kept, k, t0);
			if (pass == 1 && ready >= need) {
				r[n].pending = true;
				pending++;
			} else if (o) {
				r[n] = *o;
				r[n].idx = k;
				r[n].movable = movable;
				nr_kept++;
			} else {
				todo[nr_todo++] = n;
			}
			n++;
		}
		ret = census_ranks(ctx, r, todo, nr_todo);
		if (ret < 0) {
			info(ctx, "offline by size: no census (proc/kpageflags: "
			     "%s): Movable blocks first, highest address first",
			     memhp_strerror(ret));
			free(r);
			r = NULL;
			goto out;
		}
		for (size_t i = first; pass == 0 && i < n; i++)
			if (!r[i].holds && !p->planned[r[i].idx])
				ready++;
	}
	qsort(r, n, sizeof(*r), cmp_rank);
	p->order = r;
	p->nr_order = n;
	p->nr_pending = pending;
	dbg(ctx, "offline by size: census of %zu blocks in %llu ms",
	    n - pending - nr_kept, (unsigned long long)(memhp_now_ms(ctx) - t0));
	if (nr_kept)
		dbg(ctx, "offline by size: kept the census of %zu blocks read "
		    "at most %d ms before", nr_kept, CENSUS_KEEP_MS);
	if (pending)
		dbg(ctx, "offline by size: %zu Movable blocks that nothing "
		    "holds can meet the request; the census of the other %zu "
		    "candidates waits until one is needed", ready, pending);
out:
	free(todo);
	free(kept);
	free(old);
}

/* The census of the candidates rank_offline() left for later, and the
 * order again: the ones before the first held or pending block (Movable,
 * nothing holds them) stay where they are. */
static void rank_rest(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t t0 = memhp_now_ms(ctx);
	size_t *todo = calloc(p->nr_order ? p->nr_order : 1, sizeof(*todo));
	size_t n = 0;
	int failed = -ENOMEM;

	for (size_t i = 0; todo && i < p->nr_order; i++)
		if (p->order[i].pending)
			todo[n++] = i;
	if (todo)
		failed = census_ranks(ctx, p->order, todo, n);
	free(todo);
	for (size_t i = 0; i < p->nr_order; i++)
		p->order[i].pending = false;
	if (failed)
		info(ctx, "offline by size: no census of the blocks not in "
		     "ZONE_MOVABLE (proc/kpageflags: %s): highest address "
		     "first", memhp_strerror(failed));
	dbg(ctx, "offline by size: census of %zu blocks in %llu ms",
	    p->nr_pending, (unsigned long long)(memhp_now_ms(ctx) - t0));
	p->nr_pending = 0;
	qsort(p->order, p->nr_order, sizeof(*p->order), cmp_rank);
}

/* what -v says of a block a size picked */
static void say_pick(struct memhp_plan *p, const struct memhp_block *b)
{
	if (p->ctx->log_priority < LOG_INFO)
		return;
	for (size_t i = 0; i < p->nr_order; i++) {
		const struct rank *r = &p->order[i];

		if (r->idx != block_index(p->ctx, b))
			continue;
		info(p->ctx, "offline by size: block %llu (rank %zu of %zu): "
		     "%s, %llu pages that may not move, %llu in use, %s",
		     (unsigned long long)b->id, i + 1, p->nr_order,
		     r->movable ? "Movable" : "not Movable",
		     (unsigned long long)r->unmovable,
		     (unsigned long long)r->in_use,
		     memhp_verdict_name(r->verdict));
		return;
	}
}

/* Whether the census of a size request saw something hold block @b
 * (slab, page tables, reserved pages: will-not-go). */
static bool held(const struct memhp_plan *p, const struct memhp_block *b)
{
	for (size_t i = 0; i < p->nr_order; i++)
		if (p->order[i].idx == block_index(p->ctx, b))
			return p->order[i].holds;
	return false;
}

/* Calls @fn for each candidate in order until it returns nonzero. */
static int foreach_candidate(struct memhp_plan *p,
			     int (*fn)(struct memhp_plan *p,
				       struct memhp_block *b, void *data),
			     void *data)
{
	struct memhp_ctx *ctx = p->ctx;
	bool online = p->action == MEMHP_ACTION_ONLINE;
	int ret;

	for (size_t i = 0; i < p->nr_order; i++) {
		struct memhp_block *b;

		if (p->nr_pending && (p->order[i].pending ||
				      p->order[i].holds))
			rank_rest(p);
		b = &ctx->blocks[p->order[i].idx];
		if (!candidate(p, b, p->order[i].movable ? 0 : 1))
			continue;
		ret = fn(p, b, data);
		if (ret)
			return ret;
	}
	if (p->order)
		return 0;
	for (int pass = 0; pass < (online ? 1 : 2); pass++)
		for (size_t k = 0; k < ctx->nr_blocks; k++) {
			struct memhp_block *b = &ctx->blocks[online ? k :
						ctx->nr_blocks - 1 - k];

			if (!candidate(p, b, pass))
				continue;
			ret = fn(p, b, data);
			if (ret)
				return ret;
		}
	return 0;
}

struct count_want {
	uint64_t want, got;
	bool add;
};

static int count_or_add(struct memhp_plan *p, struct memhp_block *b,
			void *data)
{
	struct count_want *w = data;
	struct memhp_change *c;

	if (w->add) {
		c = add_change(p, b);
		if (!c)
			return -ENOMEM;
		c->sized = true;
		say_pick(p, b);
	}
	return ++w->got >= w->want;
}

static void size_error(struct memhp_plan *p, uint64_t got, uint64_t bytes)
{
	struct memhp_ctx *ctx = p->ctx;
	bool online = p->action == MEMHP_ACTION_ONLINE;

	snprintf(p->error, sizeof(p->error), "only %llu MiB of %s memory%s%s "
		 "can be %s; %llu MiB asked",
		 (unsigned long long)(got * ctx->block_size >> 20),
		 online ? "offline" : "removable online",
		 online ? " that can go into " : "",
		 online ? target_name(p->target, (int)p->zone) : "",
		 online ? "onlined" : "offlined",
		 (unsigned long long)(bytes >> 20));
}

/* Are there enough candidates for every size?  The ones a run would try
 * first join the plan, so a dry run shows them. */
static int check_sizes(struct memhp_plan *p)
{
	uint64_t bs = p->ctx->block_size;
	int ret;

	rank_offline(p);
	for (size_t i = 0; i < p->nr_sizes; i++) {
		struct count_want w = { .want = p->sizes[i].bytes / bs,
					.add = true };

		ret = foreach_candidate(p, count_or_add, &w);
		if (ret < 0)
			return ret;
		if (w.got < w.want) {
			size_error(p, w.got, p->sizes[i].bytes);
			err(p->ctx, "%s", p->error);
			return -ENOSPC;
		}
	}
	return 0;
}

static int cmp_change_up(const void *a, const void *b)
{
	const struct memhp_change *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_change_down(const void *a, const void *b)
{
	return cmp_change_up(b, a);
}

/* The explicit blocks: states readable, each able to take its zone; then
 * in the order they go (online lowest first, offline highest first). */
static int check_explicit(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;

	for (size_t i = 0; i < p->nr_explicit; i++) {
		struct memhp_change *c = &p->changes[i];
		const struct memhp_block *b = c->block;
		char zones[128];

		if (b->state == MEMHP_STATE_UNKNOWN) {
			/* missing, empty, unreadable, or a link out of the
			 * root: nothing to base a change on */
			err(ctx, "block %llu: its state cannot be read (missing, "
			    "empty, not a file, or a link out of the sysfs "
			    "root)", (unsigned long long)b->id);
			return -EBADMSG;
		}
		if (p->action != MEMHP_ACTION_ONLINE ||
		    b->state == MEMHP_STATE_ONLINE || can_take(c, b))
			continue;
		zones_text(b, zones, sizeof(zones));
		err(ctx, "block %llu cannot be onlined into %s (its valid "
		    "zones: %s)", (unsigned long long)b->id,
		    target_name(c->target, c->tzone), zones);
		return -EINVAL;
	}
	if (p->nr_explicit)
		qsort(p->changes, p->nr_explicit, sizeof(*p->changes),
		      p->action == MEMHP_ACTION_ONLINE ? cmp_change_up :
							 cmp_change_down);
	return 0;
}

/* Points every change at its block (the context may have been refreshed);
 * a block that went away fails the check. */
static int resolve_blocks(struct memhp_plan *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		struct memhp_change *c = &p->changes[i];

		c->block = memhp_block_get_by_id(p->ctx, c->id);
		if (!c->block) {
			err(p->ctx, "block %llu is gone (removed meanwhile?)",
			    (unsigned long long)c->id);
			return -ENOENT;
		}
	}
	p->nr_planned = 0;	/* the marks follow the blocks */
	return ensure_marks(p);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The reclaim an offline plan asked for (lib/reclaim.c), from the blocks
 * as they are now: the nodes of the explicit blocks that are online, and
 * for a size the filter's node or else the nodes of every candidate
 * (online, removable, passing the filter); node -1 (the whole machine)
 * where the blocks have no nodes.  Nothing is written here.
 */
static int plan_reclaim(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	size_t n = 0;
	int *nodes, ret;

	memhp_reclaim_free(p->reclaim);
	p->reclaim = NULL;
	if (!p->want_reclaim || p->action != MEMHP_ACTION_OFFLINE)
		return 0;
	ret = memhp_reclaim_new(ctx, &p->reclaim);
	if (ret < 0)
		return ret;
	nodes = calloc(p->nr_explicit + ctx->nr_blocks + 1, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (size_t i = 0; i < p->nr_explicit; i++) {
		const struct memhp_block *b = p->changes[i].block;

		if (b->state == MEMHP_STATE_ONLINE)
			nodes[n++] = ctx->have_nodes ? b->node : -1;
	}
	if (p->nr_sizes && p->filter.node >= 0 && ctx->have_nodes)
		nodes[n++] = p->filter.node;
	for (size_t k = 0; p->nr_sizes && p->filter.node < 0 &&
	     k < ctx->nr_blocks; k++) {
		const struct memhp_block *b = &ctx->blocks[k];

		if (b->state == MEMHP_STATE_ONLINE && b->removable != 0 &&
		    memhp_block_match(b, &p->filter))
			nodes[n++] = ctx->have_nodes ? b->node : -1;
	}
	qsort(nodes, n, sizeof(*nodes), cmp_int);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = memhp_reclaim_add_node(p->reclaim,
					     nodes[i] < 0 ? -1 : nodes[i]);
	free(nodes);
	return ret;
}

MEMHP_EXPORT int memhp_plan_check(struct memhp_plan *p)
{
	int ret;

	if (p->checked)
		return 0;
	ret = resolve_blocks(p);
	if (ret < 0)
		return ret;
	if (!p->nr_explicit && !p->nr_sizes) {
		err(p->ctx, "no memory block matches the selection");
		return -ENODATA;
	}
	ret = check_explicit(p);
	if (ret < 0)
		return ret;
	/* what --reclaim would write, and the counters as they are */
	ret = plan_reclaim(p);
	if (ret < 0)
		return ret;
	if (p->reclaim)
		memhp_reclaim_read_before(p->reclaim);
	/* a dry run shows the blocks a run would try first */
	drop_picks(p);
	ret = check_sizes(p);
	if (ret < 0)
		return ret;
	p->checked = true;
	return 0;
}

static void report_progress(struct memhp_plan *p, const struct memhp_change *c,
			    uint64_t waited_ms)
{
	if (!p->ctx->progress_fn)
		return;
	p->progress.block = c ? c->id : 0;
	p->progress.attempts = c ? c->attempts : 0;
	p->progress.waited_ms = waited_ms;
	p->ctx->progress_fn(p->ctx->progress_data, &p->progress);
}

/*
 * Offline writes go through one child per run (lib/README.md): it reads
 * a request at a time from a pipe, writes it and answers with the errno.
 * It is killed at a write's deadline or when the run is cancelled (the
 * kernel then aborts that offlining; the block stays online), and the next
 * write starts another.  One child for the whole run, not one per write:
 * a fork and exit between two offlines refills the per-CPU slabs of a
 * few dozen caches, and the kernel flushes every one of them on every CPU
 * before each offlining (the slab's memory notifier).
 */
struct write_req {
	char name[64];
	char value[16];
};

static void writer_child(struct memhp_ctx *ctx, int req, int res)
{
	struct write_req r;
	int e;

	for (;;) {
		ssize_t n = read(req, &r, sizeof(r));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(r))
			_exit(0);	/* the run is over */
		r.name[sizeof(r.name) - 1] = '\0';
		r.value[sizeof(r.value) - 1] = '\0';
		e = -memhp_write_attr(ctx, AREA_MEMORY, r.name, r.value);
		if (write(res, &e, sizeof(e)) != sizeof(e))
			_exit(1);
	}
}

static int writer_start(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	pid_t parent = getpid(), pid;
	int req[2], res[2], ret;

	if (pipe2(req, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(res, O_CLOEXEC) < 0) {
		ret = -errno;
		close(req[0]);
		close(req[1]);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(req[0]);
		close(req[1]);
		close(res[0]);
		close(res[1]);
		return ret;
	}
	if (pid == 0) {
		/* never outlive memhp, never keep its lock */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (ctx->lock_fd >= 0)
			close(ctx->lock_fd);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(req[1]);
		close(res[0]);
		writer_child(ctx, req[0], res[1]);
	}
	close(req[0]);
	close(res[1]);
	p->writer = (struct writer){ .pid = pid, .req = req[1],
				     .res = res[0] };
	return 0;
}

/* Ends the child: at once with @kill (a write in progress is aborted),
 * else when it has read the end of its requests. */
static void writer_stop(struct memhp_plan *p, bool kill_it)
{
	struct writer *w = &p->writer;
	int status;

	if (w->pid <= 0)
		return;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->req);
	close(w->res);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	*w = (struct writer){ .pid = 0, .req = -1, .res = -1 };
}

/* One write, through the child, given up at @deadline (0: none) or when
 * the run is cancelled. */
static int write_bounded(struct memhp_plan *p, const char *name,
			 const char *value, uint64_t deadline)
{
	struct memhp_ctx *ctx = p->ctx;
	struct write_req r = { 0 };
	int e = 0, ret;
	struct pollfd pollfd;

	if (strlen(name) >= sizeof(r.name) || strlen(value) >= sizeof(r.value))
		return -ENAMETOOLONG;
	memcpy(r.name, name, strlen(name));
	memcpy(r.value, value, strlen(value));
	if (p->writer.pid <= 0) {
		ret = writer_start(p);
		if (ret < 0)
			return ret;
	}
	/* less than PIPE_BUF: written whole or not at all */
	if (write(p->writer.req, &r, sizeof(r)) != sizeof(r)) {
		writer_stop(p, true);
		return -EIO;
	}
	pollfd = (struct pollfd){ .fd = p->writer.res, .events = POLLIN };
	for (;;) {
		int wait_ms = 200;	/* to look at the cancel flag */
		uint64_t now = memhp_now_ms(ctx);

		if (deadline && (now >= deadline || deadline - now < 200))
			wait_ms = now >= deadline ? 0 : (int)(deadline - now);
		ret = poll(&pollfd, 1, wait_ms);
		if (ret > 0 || (ret < 0 && errno != EINTR))
			break;
		if (ctx->cancel && !p->restore) {
			e = EINTR;
			break;
		}
		if (ret == 0 && deadline && memhp_now_ms(ctx) >= deadline) {
			e = ETIMEDOUT;
			break;
		}
	}
	if (e) {
		/* a fatal signal makes the kernel abort the offlining */
		writer_stop(p, true);
	} else if (read(p->writer.res, &e, sizeof(e)) != sizeof(e)) {
		writer_stop(p, true);
		e = EIO;
	}
	return -e;
}

static const char *reason(bool off, int err)
{
	switch (err) {
	case EBUSY:
	case EAGAIN:
		return off ? "unmovable or pinned pages; try another block or "
			     "a longer --timeout" :
			     "the kernel is busy with this block";
	case ETIMEDOUT:
		return off ? "page migration did not finish; the block stays "
			     "online" : "gave up at the timeout";
	case EINTR:
		return off ? "interrupted; the block stays online" :
			     "interrupted";
	case EINVAL:
		return off ? "the kernel refused: the block spans zones or has "
			     "holes (zone none) and cannot be offlined" :
			     "the kernel refused the zone";
	case ENOMEM:
		return "out of memory, or a memory notifier refused";
	case EPERM:
	case EACCES:
		return "permission denied; run as root";
	case ENOENT:
		return "the block is gone (removed meanwhile?)";
	default:
		return NULL;
	}
}

static void set_failed(struct memhp_change *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_failed(struct memhp_change *c, int err, const char *fmt, ...)
{
	bool off = c->target == TARGET_OFFLINE;

	c->result = MEMHP_RESULT_FAILED;
	c->err = err;
	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	} else if (reason(off, err)) {
		snprintf(c->error, sizeof(c->error), "%s (%s)", strerror(err),
			 reason(off, err));
	} else {
		snprintf(c->error, sizeof(c->error), "%s", strerror(err));
	}
}

static bool retryable(int ret)
{
	return ret == -EBUSY || ret == -EAGAIN || ret == -ETIMEDOUT;
}

/* Writes the target value to the block's state, retrying EBUSY/EAGAIN with
 * backoff and EINTR at once, until @budget_ms (0: no limit) or, with
 * @once, after the first refusal. */
/* What the kernel logged about the block during an attempt that failed,
 * kept up to MEMHP_KMSG_MAX lines over all attempts. */
static void kmsg_keep(struct memhp_ctx *ctx, struct memhp_change *c, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pages;

	if (page <= 0 || c->nr_kmsg >= MEMHP_KMSG_MAX)
		return;
	if (!c->kmsg) {
		c->kmsg = calloc(MEMHP_KMSG_MAX, sizeof(*c->kmsg));
		if (!c->kmsg)
			return;
	}
	pages = ctx->block_size / (uint64_t)page;
	c->nr_kmsg = memhp_kmsg_collect(fd, c->id * pages, pages,
					(uint64_t)page, c->kmsg, c->nr_kmsg,
					MEMHP_KMSG_MAX);
	if (c->nr_kmsg)
		dbg(ctx, "memory%llu: the kernel said: %s",
		    (unsigned long long)c->id, c->kmsg[0]);
}

static int write_state(struct memhp_plan *p, struct memhp_change *c,
		       enum target t, unsigned int budget_ms, bool once)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t start = memhp_now_ms(ctx);
	uint64_t deadline = budget_ms ? start + budget_ms : 0;
	uint64_t backoff = BACKOFF_FIRST_MS;
	const char *value = write_value(t);
	int refused = 0;	/* the kernel's last EBUSY/EAGAIN answer */
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "memory%llu/state",
		 (unsigned long long)c->id);
	for (;;) {
		uint64_t t0 = memhp_now_ms(ctx);

		c->attempts++;
		report_progress(p, c, t0 - start);
		if (t == TARGET_OFFLINE) {
			int kfd = memhp_kmsg_open(ctx);

			ret = write_bounded(p, name, value, deadline);
			if (kfd >= 0) {
				if (ret < 0)
					kmsg_keep(ctx, c, kfd);
				close(kfd);
			}
		} else {
			ret = memhp_write_attr(ctx, AREA_MEMORY, name, value);
		}
		dbg(ctx, "%s <- %s: %s (attempt %u, %llu ms)", name, value,
		    ret ? strerror(-ret) : "ok", c->attempts,
		    (unsigned long long)(memhp_now_ms(ctx) - t0));
		if (ctx->cancel && !p->restore)
			return ret ? -EINTR : 0;
		if (ret == -EINTR && (!deadline || memhp_now_ms(ctx) < deadline))
			continue;
		/* An attempt the deadline cut short says less than the
		 * kernel's own answer before it: the block was busy (on a
		 * loaded machine, the last write may not get its answer in
		 * time at all). */
		if (ret == -ETIMEDOUT && refused)
			return refused;
		if (ret == -EBUSY || ret == -EAGAIN)
			refused = ret;
		if (once || (ret != -EBUSY && ret != -EAGAIN))
			return ret;
		if (deadline && memhp_now_ms(ctx) + backoff >= deadline)
			return ret;
		memhp_sleep_ms(ctx, backoff);
		if (ctx->cancel && !p->restore)
			return -EINTR;
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
							 backoff * 2;
	}
}

static void refresh(struct memhp_block *b)
{
	memhp_block_refresh(b, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
}

static void do_online(struct memhp_plan *p, struct memhp_change *c,
		      unsigned int budget_ms, bool once)
{
	struct memhp_block *b = c->block;
	int ret;

	if (b->state == MEMHP_STATE_ONLINE) {
		c->zone = first_zone(b);
		if (zone_ok(c, c->zone)) {
			c->result = MEMHP_RESULT_UNCHANGED;
			return;
		}
		set_failed(c, EEXIST, "already online in zone %s, not %s; "
			   "offline it first to move it",
			   c->zone >= 0 ? memhp_zone_name(c->zone) : "?",
			   target_name(c->target, c->tzone));
		return;
	}
	if (!can_take(c, b)) {
		char zones[128];

		zones_text(b, zones, sizeof(zones));
		set_failed(c, EINVAL, "cannot go into %s (valid zones: %s)",
			   target_name(c->target, c->tzone), zones);
		return;
	}
	ret = write_state(p, c, c->target, budget_ms, once);
	refresh(b);
	c->zone = b->state == MEMHP_STATE_ONLINE ? first_zone(b) : -1;
	if (b->state != MEMHP_STATE_ONLINE) {
		set_failed(c, ret ? -ret : EIO, ret ? NULL :
			   "the write succeeded but the block is not online");
		return;
	}
	if (ret) {
		/* online, but not by our write: another agent's change,
		 * which a rollback must leave alone */
		if (zone_ok(c, c->zone)) {
			c->result = MEMHP_RESULT_UNCHANGED;
			snprintf(c->error, sizeof(c->error), "another agent "
				 "onlined it meanwhile (into %s); left as it is",
				 c->zone >= 0 ? memhp_zone_name(c->zone) : "?");
		} else {
			set_failed(c, -ret, "another agent onlined it into "
				   "zone %s meanwhile, not %s",
				   c->zone >= 0 ? memhp_zone_name(c->zone) : "?",
				   target_name(c->target, c->tzone));
		}
		return;
	}
	c->changed = true;
	if (!zone_ok(c, c->zone)) {
		set_failed(c, 0, "onlined into zone %s, not %s (another agent "
			   "raced, or the kernel chose)",
			   c->zone >= 0 ? memhp_zone_name(c->zone) : "?",
			   target_name(c->target, c->tzone));
		return;
	}
	c->result = MEMHP_RESULT_OK;
}

static void do_offline(struct memhp_plan *p, struct memhp_change *c,
		       unsigned int budget_ms, bool once)
{
	struct memhp_block *b = c->block;
	int ret;

	if (b->state == MEMHP_STATE_OFFLINE) {
		c->result = MEMHP_RESULT_UNCHANGED;
		return;
	}
	c->zone = first_zone(b);
	ret = write_state(p, c, TARGET_OFFLINE, budget_ms, once);
	refresh(b);
	if (b->state != MEMHP_STATE_OFFLINE) {
		set_failed(c, ret ? -ret : EIO, ret ? NULL :
			   "the write succeeded but the block is still online");
		return;
	}
	if (ret) {
		c->result = MEMHP_RESULT_UNCHANGED;
		snprintf(c->error, sizeof(c->error), "another agent offlined "
			 "it meanwhile; left as it is");
		return;
	}
	c->changed = true;
	c->result = MEMHP_RESULT_OK;
}

static void do_change(struct memhp_plan *p, struct memhp_change *c,
		      unsigned int budget_ms, bool once)
{
	refresh(c->block);
	c->from = (enum memhp_state)c->block->state;
	c->error[0] = '\0';
	c->err = 0;
	c->result = MEMHP_RESULT_PLANNED;
	if (c->target == TARGET_OFFLINE)
		do_offline(p, c, budget_ms, once);
	else
		do_online(p, c, budget_ms, once);
	if (c->result == MEMHP_RESULT_OK)
		p->progress.bytes_done += p->ctx->block_size;
}

/* Puts a block this run changed back where it was, unless another agent
 * has changed it since: that change is theirs and stays. */
static bool undo(struct memhp_plan *p, struct memhp_change *c)
{
	struct memhp_block *b = c->block;
	bool was_online = c->from == MEMHP_STATE_ONLINE;
	enum target t = !was_online ? TARGET_OFFLINE :
		c->zone == MEMHP_ZONE_MOVABLE ? TARGET_MOVABLE :
		is_kernel_zone(c->zone) ? TARGET_KERNEL : TARGET_AUTO;
	int ret;

	refresh(b);
	if ((enum memhp_state)b->state != c->to ||
	    (c->to == MEMHP_STATE_ONLINE && first_zone(b) != c->zone)) {
		snprintf(c->error, sizeof(c->error), "not rolled back: another "
			 "agent changed it since (now %s)",
			 memhp_state_name((enum memhp_state)b->state) ?
			 memhp_state_name((enum memhp_state)b->state) : "?");
		return false;
	}
	ret = write_state(p, c, t, p->timeout_ms, false);
	refresh(b);
	if (!ret && (enum memhp_state)b->state == c->from &&
	    (!was_online || c->zone < 0 || first_zone(b) == c->zone))
		return true;
	snprintf(c->error, sizeof(c->error), "could not be put back: %s",
		 ret ? strerror(-ret) : "it ended in another state or zone");
	return false;
}

/* Atomic: puts back everything changed, newest first.  Further cancels
 * are ignored: each write is still bounded by the timeout. */
static void roll_back(struct memhp_plan *p)
{
	bool restore = p->restore;

	p->restore = true;
	p->progress.rolling_back = true;
	for (size_t j = p->nr; j-- > 0;) {
		struct memhp_change *u = &p->changes[j];

		if (u->result == MEMHP_RESULT_PLANNED)
			u->result = MEMHP_RESULT_SKIPPED;
		if (!u->changed)
			continue;
		report_progress(p, u, 0);
		if (undo(p, u)) {
			u->changed = false;
			if (u->result != MEMHP_RESULT_FAILED)
				u->result = MEMHP_RESULT_ROLLED_BACK;
		}
	}
	p->restore = restore;
	p->progress.rolling_back = false;
}

static bool lock_holder_alive(const char *pid)
{
	char *end;
	long n = strtol(pid, &end, 10);

	if (end == pid || n <= 0)
		return true;
	return kill((pid_t)n, 0) == 0 || errno == EPERM;
}

int memhp_lock(struct memhp_ctx *ctx, unsigned int timeout_ms)
{
	uint64_t deadline;
	char pid[32];
	int fd = ctx->lock_fd;

	if (ctx->lock_depth++)
		return 0;
	deadline = memhp_now_ms(ctx) + (timeout_ms ? timeout_ms :
					       DEFAULT_TIMEOUT_MS);
	if (fd < 0) {
		fd = memhp_open_lock_file(ctx);
		if (fd < 0) {
			err(ctx, "cannot create the lock %s/%s/lock: %s",
			    ctx->root, memhp_area_path(AREA_RUN),
			    memhp_strerror(fd));
			ctx->lock_depth = 0;
			return fd;
		}
		ctx->lock_fd = fd;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			ctx->lock_depth = 0;
			return -errno;
		}
		if (ctx->cancel) {
			ctx->lock_depth = 0;
			return -ECANCELED;
		}
		if (memhp_now_ms(ctx) >= deadline) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			err(ctx, "another memhp%s%s%s is changing memory state "
			    "(lock %s/%s/lock)", *pid ? " (pid " : "",
			    *pid ? pid : "", !*pid ? "" :
			    lock_holder_alive(pid) ? ")" :
			    ", no longer running: a process it started holds "
			    "the lock)", ctx->root, memhp_area_path(AREA_RUN));
			ctx->lock_depth = 0;
			return -EWOULDBLOCK;
		}
		memhp_sleep_ms(ctx, 50);
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(fd, pid, (size_t)n, 0) != n)
			dbg(ctx, "cannot record the pid in the lock file");
	}
	return 0;
}

void memhp_unlock(struct memhp_ctx *ctx)
{
	if (ctx->lock_depth == 0 || --ctx->lock_depth)
		return;
	flock(ctx->lock_fd, LOCK_UN);
}

/* The explicit blocks, in order; false when an atomic plan must stop. */
static bool run_explicit(struct memhp_plan *p)
{
	for (size_t i = 0; i < p->nr_explicit; i++) {
		struct memhp_change *c = &p->changes[i];

		if (p->ctx->cancel && !p->restore) {
			p->cancelled = true;
			return false;
		}
		do_change(p, c, p->timeout_ms, false);
		p->progress.done++;
		if (c->err == EINTR)
			p->cancelled = true;
		if (c->result == MEMHP_RESULT_FAILED && (p->atomic ||
							p->cancelled))
			return false;
	}
	return true;
}

struct size_run {
	uint64_t want, got;
	size_t first;		/* this size's changes start here */
};

/* First pass: each candidate once, moving past busy ones. */
static int try_candidate(struct memhp_plan *p, struct memhp_block *b,
			 void *data)
{
	struct size_run *s = data;
	unsigned int budget = p->timeout_ms && p->timeout_ms < FIRST_TRY_MS ?
			      p->timeout_ms : FIRST_TRY_MS;
	struct memhp_change *c;

	if (p->ctx->cancel)
		return 1;
	c = add_change(p, b);
	if (!c)
		return -ENOMEM;
	c->sized = true;
	p->progress.total++;
	do_change(p, c, budget, true);
	if (c->result == MEMHP_RESULT_OK) {
		s->got++;
		p->progress.done++;
	} else if (c->result == MEMHP_RESULT_FAILED) {
		c->retry = retryable(-c->err) && c->err != EINTR;
		/* busy, and the census saw what holds it: waiting out the
		 * whole timeout on it would only delay the answer */
		if (c->retry && held(p, b)) {
			c->retry = false;
			info(p->ctx, "offline by size: block %llu is busy and "
			     "the census says something holds it: not retried",
			     (unsigned long long)b->id);
		}
	} else {
		/* reached the state by another agent's hand: not ours */
		p->progress.done++;
	}
	if (c->err == EINTR)
		p->cancelled = true;
	return s->got >= s->want || p->cancelled;
}

/* One size request: enough candidates now (under the lock), every one
 * tried once, then the busy ones again with the whole timeout. */
static bool run_size(struct memhp_plan *p, uint64_t bytes)
{
	struct size_run s = { .want = bytes / p->ctx->block_size,
			      .first = p->nr };
	struct count_want w = { .want = s.want };

	if (foreach_candidate(p, count_or_add, &w) < 0 || w.got < w.want) {
		size_error(p, w.got, bytes);
		p->short_bytes += bytes;
		return false;
	}
	if (foreach_candidate(p, try_candidate, &s) < 0)
		return false;
	for (size_t i = s.first; i < p->nr && s.got < s.want; i++) {
		struct memhp_change *c = &p->changes[i];

		if (!c->retry || p->cancelled)
			continue;
		if (p->ctx->cancel) {
			p->cancelled = true;
			break;
		}
		c->retry = false;
		do_change(p, c, p->timeout_ms, false);
		if (c->result == MEMHP_RESULT_OK) {
			s.got++;
			p->progress.done++;
		}
		if (c->err == EINTR)
			p->cancelled = true;
	}
	for (size_t i = s.first; i < p->nr; i++) {
		struct memhp_change *c = &p->changes[i];

		if (c->result == MEMHP_RESULT_FAILED && s.got >= s.want) {
			char why[sizeof(c->error)];

			snprintf(why, sizeof(why), "%s", c->error);
			c->result = MEMHP_RESULT_PASSED_OVER;
			snprintf(c->error, sizeof(c->error), "%.150s; passed "
				 "over, other blocks met the request", why);
		}
	}
	if (s.got < s.want) {
		p->short_bytes += (s.want - s.got) * p->ctx->block_size;
		snprintf(p->error, sizeof(p->error), "%llu MiB of %llu MiB "
			 "asked could be %s",
			 (unsigned long long)(s.got * p->ctx->block_size >> 20),
			 (unsigned long long)(bytes >> 20),
			 p->action == MEMHP_ACTION_ONLINE ? "onlined" :
			 "offlined");
		return false;
	}
	return true;
}

MEMHP_EXPORT int memhp_plan_run(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	bool ok;
	int ret;

	if (p->ran)
		return -EALREADY;
	if (ctx->cancel && !p->restore)
		return -ECANCELED;
	ret = memhp_lock(ctx, p->timeout_ms);
	if (ret < 0)
		return ret;
	/* sizes are chosen from what the blocks are now, under the lock;
	 * the dry-run picks are dropped */
	p->nr = p->nr_explicit;
	p->ran = true;
	p->checked = false;
	if (p->nr_sizes) {
		ctx->attrs_read &= ~(unsigned int)(MEMHP_ATTR_STATE |
						   MEMHP_ATTR_ZONES |
						   MEMHP_ATTR_REMOVABLE);
		ret = memhp_blocks_scan(ctx, PLAN_ATTRS);
		if (ret < 0)
			goto out;
	}
	ret = resolve_blocks(p);
	if (ret < 0)
		goto out;
	ret = check_explicit(p);
	if (ret < 0)
		goto out;
	/* asked for: the page cache dropped and the nodes compacted first,
	 * so that the census ranks what is left; a write that fails is in
	 * the reclaim's report, and the offline still runs */
	ret = plan_reclaim(p);
	if (ret < 0)
		goto out;
	if (p->reclaim && !ctx->cancel)
		memhp_reclaim_run(p->reclaim);
	rank_offline(p);
	p->progress = (struct memhp_progress){ .total = p->nr_explicit };
	for (size_t i = 0; i < p->nr_sizes; i++)
		p->progress.bytes_total += p->sizes[i].bytes;
	p->progress.bytes_total += p->nr_explicit * ctx->block_size;
	ok = run_explicit(p);
	for (size_t i = 0; ok && i < p->nr_sizes; i++)
		ok = run_size(p, p->sizes[i].bytes);
	if (!ok && p->atomic)
		roll_back(p);
	for (size_t i = 0; i < p->nr; i++)
		if (p->changes[i].result == MEMHP_RESULT_PLANNED)
			p->changes[i].result = MEMHP_RESULT_SKIPPED;
	p->checked = true;
	ret = 0;
out:
	writer_stop(p, false);
	memhp_unlock(ctx);
	return ret;
}

MEMHP_EXPORT bool memhp_plan_was_cancelled(const struct memhp_plan *p)
{
	return p->cancelled;
}

MEMHP_EXPORT uint64_t memhp_plan_get_shortfall(const struct memhp_plan *p,
					       const char **why)
{
	if (why)
		*why = p->error[0] ? p->error : NULL;
	return p->short_bytes;
}

MEMHP_EXPORT size_t memhp_plan_get_count(const struct memhp_plan *p)
{
	return p->nr;
}

MEMHP_EXPORT const struct memhp_change *
memhp_plan_get(const struct memhp_plan *p, size_t i)
{
	return i < p->nr ? &p->changes[i] : NULL;
}

MEMHP_EXPORT uint64_t memhp_change_get_block(const struct memhp_change *c)
{
	return c->id;
}

MEMHP_EXPORT enum memhp_state memhp_change_get_from(const struct memhp_change *c)
{
	return c->from;
}

MEMHP_EXPORT enum memhp_state memhp_change_get_to(const struct memhp_change *c)
{
	return c->to;
}

MEMHP_EXPORT enum memhp_zone memhp_change_get_zone(const struct memhp_change *c)
{
	return c->zone >= 0 ? (enum memhp_zone)c->zone : MEMHP_ZONE_ANY;
}

MEMHP_EXPORT enum memhp_result
memhp_change_get_result(const struct memhp_change *c)
{
	return c->result;
}

MEMHP_EXPORT int memhp_change_get_errno(const struct memhp_change *c)
{
	return c->err;
}

MEMHP_EXPORT unsigned int memhp_change_get_attempts(const struct memhp_change *c)
{
	return c->attempts;
}

MEMHP_EXPORT const char *memhp_change_get_error(const struct memhp_change *c)
{
	return c->error[0] ? c->error : NULL;
}

MEMHP_EXPORT size_t memhp_change_get_kmsg_count(const struct memhp_change *c)
{
	return c->nr_kmsg;
}

MEMHP_EXPORT const char *memhp_change_get_kmsg(const struct memhp_change *c,
					       size_t i)
{
	return i < c->nr_kmsg ? c->kmsg[i] : NULL;
}

/* A plan that puts blocks back into the zones they were in: @zones[i] is
 * block @ids[i]'s zone (MEMHP_ZONE_UNKNOWN: the kernel's choice). */
int memhp_plan_new_restore(struct memhp_ctx *ctx, const uint64_t *ids,
			   const int *zones, size_t n, struct memhp_plan **out)
{
	struct memhp_plan *p;
	int ret = memhp_plan_new(ctx, MEMHP_ACTION_ONLINE, &p);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct memhp_change *c;

		ret = memhp_plan_add_blocks(p, ids[i], ids[i]);
		if (ret < 0 || p->nr == 0 || p->changes[p->nr - 1].id != ids[i])
			continue;
		c = &p->changes[p->nr - 1];
		c->target = zones[i] == MEMHP_ZONE_MOVABLE ? TARGET_MOVABLE :
			    is_kernel_zone(zones[i]) ? TARGET_ZONE : TARGET_AUTO;
		c->tzone = zones[i];
	}
	/* the way back: a cancel does not cut it short */
	p->restore = true;
	if (ret < 0) {
		memhp_plan_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

MEMHP_EXPORT size_t memhp_progress_get_done(const struct memhp_progress *pr)
{
	return pr->done;
}

MEMHP_EXPORT size_t memhp_progress_get_total(const struct memhp_progress *pr)
{
	return pr->total;
}

MEMHP_EXPORT uint64_t
memhp_progress_get_bytes_done(const struct memhp_progress *pr)
{
	return pr->bytes_done;
}

MEMHP_EXPORT uint64_t
memhp_progress_get_bytes_total(const struct memhp_progress *pr)
{
	return pr->bytes_total;
}

MEMHP_EXPORT uint64_t memhp_progress_get_block(const struct memhp_progress *pr)
{
	return pr->block;
}

MEMHP_EXPORT unsigned int
memhp_progress_get_attempts(const struct memhp_progress *pr)
{
	return pr->attempts;
}

MEMHP_EXPORT uint64_t
memhp_progress_get_waited_ms(const struct memhp_progress *pr)
{
	return pr->waited_ms;
}

MEMHP_EXPORT bool
memhp_progress_is_rolling_back(const struct memhp_progress *pr)
{
	return pr->rolling_back;
}
