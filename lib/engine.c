// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state-change engine: plan, check, act, read back, roll back.
 *
 * Nothing is written until the whole plan has been checked.  Each block is
 * then read fresh, written, and read back; the kernel answers a redundant
 * write with EINVAL, so the state is looked at first and "already there"
 * is success.  Offline writes can block in the kernel for as long as page
 * migration keeps failing, and newer kernels stop only for a fatal signal,
 * so each offline write runs in a short-lived child that is killed at the
 * deadline: the kernel then aborts the offlining and the block stays
 * online.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <strings.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

enum target {
	TARGET_AUTO,	/* "online": the kernel's policy picks the zone */
	TARGET_KERNEL,	/* "online_kernel": the default kernel zone */
	TARGET_MOVABLE,	/* "online_movable" */
	TARGET_ZONE,	/* a named zone: online_kernel or online_movable */
};

struct memhp_change {
	struct memhp_block *block;
	enum memhp_state from, to;
	int zone;		/* enum memhp_zone, or -1 unknown */
	enum memhp_result result;
	int err;
	unsigned int attempts;
	bool changed;		/* written and verified: rollback undoes it */
	char error[256];
};

struct memhp_plan {
	struct memhp_ctx *ctx;
	enum memhp_action action;
	enum target target;
	enum memhp_zone zone;	/* TARGET_ZONE */
	struct memhp_filter filter;
	unsigned int timeout_ms;	/* 0: no limit */
	bool atomic, checked;
	uint64_t *sizes;	/* SIZE selectors, resolved in check */
	size_t nr_sizes;
	struct memhp_change *changes;
	size_t nr, alloc;
};

#define DEFAULT_TIMEOUT_MS 30000
#define BACKOFF_FIRST_MS 20
#define BACKOFF_MAX_MS 1000

MEMHP_EXPORT const char *memhp_result_name(enum memhp_result r)
{
	static const char *const names[] = {
		[MEMHP_RESULT_PLANNED] = "planned",
		[MEMHP_RESULT_OK] = "ok",
		[MEMHP_RESULT_UNCHANGED] = "unchanged",
		[MEMHP_RESULT_FAILED] = "failed",
		[MEMHP_RESULT_ROLLED_BACK] = "rolled-back",
		[MEMHP_RESULT_SKIPPED] = "skipped",
	};

	if ((unsigned int)r >= sizeof(names) / sizeof(*names))
		return NULL;
	return names[r];
}

MEMHP_EXPORT int memhp_plan_new(struct memhp_ctx *ctx,
				enum memhp_action action,
				struct memhp_plan **out)
{
	struct memhp_plan *p;
	int ret;

	if (action != MEMHP_ACTION_ONLINE && action != MEMHP_ACTION_OFFLINE)
		return -EINVAL;
	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_ALL);
	if (ret < 0)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ctx = memhp_ref(ctx);
	p->action = action;
	p->target = TARGET_AUTO;
	p->filter = (struct memhp_filter)MEMHP_FILTER_INIT;
	p->timeout_ms = DEFAULT_TIMEOUT_MS;
	*out = p;
	return 0;
}

MEMHP_EXPORT void memhp_plan_free(struct memhp_plan *p)
{
	if (!p)
		return;
	memhp_unref(p->ctx);
	free(p->sizes);
	free(p->changes);
	free(p);
}

MEMHP_EXPORT int memhp_plan_set_zone(struct memhp_plan *p, const char *zone)
{
	if (!strcasecmp(zone, "auto")) {
		p->target = TARGET_AUTO;
	} else if (!strcasecmp(zone, "movable")) {
		p->target = TARGET_MOVABLE;
	} else if (!strcasecmp(zone, "kernel")) {
		p->target = TARGET_KERNEL;
	} else {
		p->zone = memhp_zone_from_name(zone, strlen(zone));
		if (p->zone == MEMHP_ZONE_UNKNOWN || p->zone == MEMHP_ZONE_NONE ||
		    p->zone == MEMHP_ZONE_DEVICE)
			return -EINVAL;
		p->target = p->zone == MEMHP_ZONE_MOVABLE ? TARGET_MOVABLE :
							    TARGET_ZONE;
	}
	return 0;
}

MEMHP_EXPORT void memhp_plan_set_filter(struct memhp_plan *p,
					const struct memhp_filter *f)
{
	p->filter = f ? *f : (struct memhp_filter)MEMHP_FILTER_INIT;
}

MEMHP_EXPORT void memhp_plan_set_timeout(struct memhp_plan *p,
					 unsigned int msec)
{
	p->timeout_ms = msec;
}

MEMHP_EXPORT void memhp_plan_set_atomic(struct memhp_plan *p, bool atomic)
{
	p->atomic = atomic;
}

static const char *target_name(const struct memhp_plan *p)
{
	switch (p->target) {
	case TARGET_AUTO: return "auto";
	case TARGET_KERNEL: return "a kernel zone";
	case TARGET_MOVABLE: return "Movable";
	case TARGET_ZONE: return memhp_zone_name(p->zone);
	}
	return "?";
}

static const char *online_value(const struct memhp_plan *p)
{
	switch (p->target) {
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

/* Can an offline block go where the plan asks (its valid_zones)? */
static bool can_take(const struct memhp_plan *p, const struct memhp_block *b)
{
	if (b->nr_zones < 0)
		return true;	/* a kernel without valid_zones: try it */
	switch (p->target) {
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
				return b->zones[i] == p->zone;
		return false;
	}
	return false;
}

/* Is an online block's zone the one asked for? */
static bool zone_ok(const struct memhp_plan *p, int zone)
{
	switch (p->target) {
	case TARGET_AUTO: return true;
	case TARGET_MOVABLE: return zone == MEMHP_ZONE_MOVABLE;
	case TARGET_KERNEL: return is_kernel_zone(zone);
	case TARGET_ZONE: return zone == (int)p->zone;
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

static struct memhp_change *find_change(struct memhp_plan *p, uint64_t id)
{
	for (size_t i = 0; i < p->nr; i++)
		if (p->changes[i].block->id == id)
			return &p->changes[i];
	return NULL;
}

static int add_change(struct memhp_plan *p, struct memhp_block *b)
{
	if (find_change(p, b->id))
		return 0;
	if (p->nr == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 32;
		struct memhp_change *c = realloc(p->changes, n * sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->changes = c;
		p->alloc = n;
	}
	p->changes[p->nr++] = (struct memhp_change){
		.block = b,
		.from = (enum memhp_state)b->state,
		.to = p->action == MEMHP_ACTION_ONLINE ? MEMHP_STATE_ONLINE :
							 MEMHP_STATE_OFFLINE,
		/* offline: the zone it leaves, known before the run */
		.zone = p->action == MEMHP_ACTION_OFFLINE &&
			b->state == MEMHP_STATE_ONLINE && b->nr_zones > 0 ?
			b->zones[0] : -1,
	};
	p->checked = false;
	return 0;
}

MEMHP_EXPORT int memhp_plan_add(struct memhp_plan *p, const char *text)
{
	struct memhp_ctx *ctx = p->ctx;
	struct memhp_selector sel;
	uint64_t bs = ctx->block_size;
	int ret = memhp_selector_parse(text, bs, &sel);

	if (ret == -EDOM) {
		err(ctx, "'%s' is not aligned to the memory block size "
		    "(0x%llx, %llu MiB)", text, (unsigned long long)bs,
		    (unsigned long long)(bs >> 20));
		return ret;
	}
	if (ret < 0) {
		err(ctx, "'%s' is not a block id, list, range or size (for "
		    "example 32, 32-39,41, memory32, 0x100000000-0x13fffffff "
		    "or 1G)", text);
		return -EINVAL;
	}
	if (sel.type == MEMHP_SELECT_SIZE) {
		uint64_t *s = realloc(p->sizes, (p->nr_sizes + 1) * sizeof(*s));

		if (!s)
			return -ENOMEM;
		p->sizes = s;
		p->sizes[p->nr_sizes++] = sel.size;
		p->checked = false;
		return 0;
	}
	/* every block must exist before any joins the plan */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sel.nr_spans; i++) {
			for (uint64_t id = sel.spans[i].first;; id++) {
				struct memhp_block *b =
					memhp_block_get_by_id(ctx, id);

				if (!b) {
					err(ctx, "block %llu does not exist (no "
					    "memory%llu in %s/%s)",
					    (unsigned long long)id,
					    (unsigned long long)id, ctx->root,
					    memhp_area_path(AREA_MEMORY));
					return -ENOENT;
				}
				if (pass && memhp_block_match(b, &p->filter)) {
					ret = add_change(p, b);
					if (ret < 0)
						return ret;
				}
				if (id == sel.spans[i].last)
					break;
			}
		}
	}
	return 0;
}

static int cmp_change_up(const void *a, const void *b)
{
	const struct memhp_change *x = a, *y = b;

	return (x->block->id > y->block->id) - (x->block->id < y->block->id);
}

static int cmp_change_down(const void *a, const void *b)
{
	return cmp_change_up(b, a);
}

/* A size: the blocks an administrator would pick.  Online takes the lowest
 * offline blocks that can go into the zone; offline takes removable online
 * blocks, Movable ones first, highest address first. */
static int resolve_size(struct memhp_plan *p, uint64_t size)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t want = size / ctx->block_size, got = 0;
	bool online = p->action == MEMHP_ACTION_ONLINE;
	int ret;

	for (int pass = 0; pass < (online ? 1 : 2) && got < want; pass++) {
		for (size_t k = 0; k < ctx->nr_blocks && got < want; k++) {
			struct memhp_block *b = &ctx->blocks[online ? k :
						ctx->nr_blocks - 1 - k];
			bool movable = b->nr_zones > 0 &&
				       b->zones[0] == MEMHP_ZONE_MOVABLE;

			if (!memhp_block_match(b, &p->filter) ||
			    find_change(p, b->id))
				continue;
			if (online) {
				if (b->state != MEMHP_STATE_OFFLINE ||
				    !can_take(p, b))
					continue;
			} else {
				if (b->state != MEMHP_STATE_ONLINE ||
				    b->removable != 1 ||
				    (pass == 0) != movable)
					continue;
			}
			ret = add_change(p, b);
			if (ret < 0)
				return ret;
			got++;
		}
	}
	if (got < want) {
		err(ctx, "only %llu MiB of %s memory%s%s can be %s; %llu MiB "
		    "asked", (unsigned long long)(got * ctx->block_size >> 20),
		    online ? "offline" : "removable online",
		    online ? " that can go into " : "",
		    online ? target_name(p) : "",
		    online ? "onlined" : "offlined",
		    (unsigned long long)(size >> 20));
		return -ENOSPC;
	}
	return 0;
}

MEMHP_EXPORT int memhp_plan_check(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	int ret;

	if (p->checked)
		return 0;
	/* sizes pick among the blocks not named explicitly */
	for (size_t i = 0; i < p->nr_sizes; i++) {
		ret = resolve_size(p, p->sizes[i]);
		if (ret < 0)
			return ret;
	}
	p->nr_sizes = 0;
	if (!p->nr) {
		err(ctx, "no memory block matches the selection");
		return -ENODATA;
	}
	for (size_t i = 0; i < p->nr; i++) {
		const struct memhp_block *b = p->changes[i].block;
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
		    b->state == MEMHP_STATE_ONLINE || can_take(p, b))
			continue;
		zones_text(b, zones, sizeof(zones));
		err(ctx, "block %llu cannot be onlined into %s (its valid "
		    "zones: %s)", (unsigned long long)b->id, target_name(p),
		    zones);
		return -EINVAL;
	}
	qsort(p->changes, p->nr, sizeof(*p->changes),
	      p->action == MEMHP_ACTION_ONLINE ? cmp_change_up :
						 cmp_change_down);
	p->checked = true;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One write, in a child killed at @deadline (0: none). */
static int write_bounded(struct memhp_ctx *ctx, const char *name,
			 const char *value, uint64_t deadline)
{
	int pfd[2], status, e = 0, ret;
	struct pollfd pollfd;
	uint64_t now;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return ret;
	}
	if (pid == 0) {
		e = -memhp_write_attr(ctx, AREA_MEMORY, name, value);
		if (write(pfd[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	pollfd = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	for (;;) {
		int wait_ms = -1;

		if (deadline) {
			now = now_ms();
			wait_ms = now >= deadline ? 0 : (int)(deadline - now);
		}
		ret = poll(&pollfd, 1, wait_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		break;
	}
	if (ret == 0) {
		/* a fatal signal makes the kernel abort the offlining */
		kill(pid, SIGKILL);
		e = ETIMEDOUT;
	} else if (read(pfd[0], &e, sizeof(e)) != sizeof(e)) {
		e = EIO;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -e;
}

static const char *reason(enum memhp_action a, int err)
{
	bool off = a == MEMHP_ACTION_OFFLINE;

	switch (err) {
	case EBUSY:
	case EAGAIN:
		return off ? "unmovable or pinned pages; try another block or "
			     "a longer --timeout" :
			     "the kernel is busy with this block";
	case ETIMEDOUT:
		return off ? "page migration did not finish; the block stays "
			     "online" : "gave up at the timeout";
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

static void set_failed(struct memhp_change *c, enum memhp_action a, int err,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_failed(struct memhp_change *c, enum memhp_action a, int err,
		       const char *fmt, ...)
{
	c->result = MEMHP_RESULT_FAILED;
	c->err = err;
	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	} else if (reason(a, err)) {
		snprintf(c->error, sizeof(c->error), "%s (%s)", strerror(err),
			 reason(a, err));
	} else {
		snprintf(c->error, sizeof(c->error), "%s", strerror(err));
	}
}

/* Writes @value to the block's state, retrying EBUSY/EAGAIN with backoff
 * and EINTR at once, until the plan's timeout. */
static int write_state(struct memhp_plan *p, struct memhp_change *c,
		       const char *value, bool bounded)
{
	uint64_t deadline = p->timeout_ms ? now_ms() + p->timeout_ms : 0;
	uint64_t backoff = BACKOFF_FIRST_MS;
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "memory%llu/state",
		 (unsigned long long)c->block->id);
	for (;;) {
		c->attempts++;
		if (bounded)
			ret = write_bounded(p->ctx, name, value, deadline);
		else
			ret = memhp_write_attr(p->ctx, AREA_MEMORY, name, value);
		dbg(p->ctx, "%s <- %s: %s (attempt %u)", name, value,
		    ret ? strerror(-ret) : "ok", c->attempts);
		if (ret == -EINTR && (!deadline || now_ms() < deadline))
			continue;
		if (ret != -EBUSY && ret != -EAGAIN)
			return ret;
		if (deadline && now_ms() + backoff >= deadline)
			return ret;
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
							 backoff * 2;
	}
}

static int first_zone(const struct memhp_block *b)
{
	return b->nr_zones > 0 ? b->zones[0] : -1;
}

static void do_online(struct memhp_plan *p, struct memhp_change *c)
{
	struct memhp_block *b = c->block;
	int ret;

	if (b->state == MEMHP_STATE_ONLINE) {
		c->zone = first_zone(b);
		if (zone_ok(p, c->zone)) {
			c->result = MEMHP_RESULT_UNCHANGED;
			return;
		}
		set_failed(c, p->action, EEXIST, "already online in zone %s, "
			   "not %s; offline it first to move it",
			   c->zone >= 0 ? memhp_zone_name(c->zone) : "?",
			   target_name(p));
		return;
	}
	if (!can_take(p, b)) {
		char zones[128];

		zones_text(b, zones, sizeof(zones));
		set_failed(c, p->action, EINVAL, "cannot go into %s (valid "
			   "zones: %s)", target_name(p), zones);
		return;
	}
	ret = write_state(p, c, online_value(p), false);
	memhp_block_refresh(b, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
	c->zone = b->state == MEMHP_STATE_ONLINE ? first_zone(b) : -1;
	if (b->state != MEMHP_STATE_ONLINE) {
		set_failed(c, p->action, ret ? -ret : EIO,
			   ret ? NULL : "the write succeeded but the block "
			   "is not online");
		return;
	}
	/* online now, whoever did it: count it as changed by us */
	c->changed = true;
	if (!zone_ok(p, c->zone)) {
		set_failed(c, p->action, 0, "onlined into zone %s, not %s "
			   "(another agent raced, or the kernel chose)",
			   c->zone >= 0 ? memhp_zone_name(c->zone) : "?",
			   target_name(p));
		return;
	}
	c->result = MEMHP_RESULT_OK;
}

static void do_offline(struct memhp_plan *p, struct memhp_change *c)
{
	struct memhp_block *b = c->block;
	int ret;

	if (b->state == MEMHP_STATE_OFFLINE) {
		c->result = MEMHP_RESULT_UNCHANGED;
		return;
	}
	c->zone = first_zone(b);
	ret = write_state(p, c, "offline", true);
	memhp_block_refresh(b, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
	if (b->state != MEMHP_STATE_OFFLINE) {
		set_failed(c, p->action, ret ? -ret : EIO,
			   ret ? NULL : "the write succeeded but the block "
			   "is still online");
		return;
	}
	c->changed = true;
	c->result = MEMHP_RESULT_OK;
}

/* Puts a changed block back where it was. */
static bool undo(struct memhp_plan *p, struct memhp_change *c)
{
	struct memhp_block *b = c->block;
	bool offline = p->action == MEMHP_ACTION_ONLINE;
	const char *value = offline ? "offline" :
		c->zone == MEMHP_ZONE_MOVABLE ? "online_movable" :
		c->zone >= 0 && is_kernel_zone(c->zone) ? "online_kernel" :
		"online";
	int ret = write_state(p, c, value, offline);

	memhp_block_refresh(b, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
	if ((enum memhp_state)b->state == c->from &&
	    (offline || c->zone < 0 || first_zone(b) == c->zone))
		return true;
	snprintf(c->error, sizeof(c->error), "could not be put back: %s",
		 ret ? strerror(-ret) : "it ended in another state or zone");
	return false;
}

static int take_lock(struct memhp_plan *p)
{
	struct memhp_ctx *ctx = p->ctx;
	uint64_t deadline = now_ms() + (p->timeout_ms ? p->timeout_ms :
						       DEFAULT_TIMEOUT_MS);
	char pid[32];
	int fd = ctx->lock_fd;

	if (fd < 0) {
		fd = memhp_open_lock_file(ctx);
		if (fd < 0) {
			err(ctx, "cannot create the lock %s/%s/lock: %s",
			    ctx->root, memhp_area_path(AREA_RUN),
			    strerror(-fd));
			return fd;
		}
		ctx->lock_fd = fd;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			err(ctx, "another memhp%s%s is changing memory state "
			    "(lock %s/%s/lock)", *pid ? " (pid " : "",
			    *pid ? pid : "", ctx->root,
			    memhp_area_path(AREA_RUN));
			return -EWOULDBLOCK;
		}
		sleep_ms(50);
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(fd, pid, (size_t)n, 0) != n)
			dbg(ctx, "cannot record the pid in the lock file");
	}
	return 0;
}

MEMHP_EXPORT int memhp_plan_run(struct memhp_plan *p)
{
	int ret = memhp_plan_check(p);

	if (ret < 0)
		return ret;
	ret = take_lock(p);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < p->nr; i++) {
		struct memhp_change *c = &p->changes[i];

		memhp_block_refresh(c->block, MEMHP_ATTR_STATE |
					      MEMHP_ATTR_ZONES);
		c->from = (enum memhp_state)c->block->state;
		if (p->action == MEMHP_ACTION_ONLINE)
			do_online(p, c);
		else
			do_offline(p, c);
		if (c->result != MEMHP_RESULT_FAILED || !p->atomic)
			continue;
		/* atomic: put back everything changed, newest first */
		for (size_t j = i + 1; j-- > 0;) {
			struct memhp_change *u = &p->changes[j];

			if (u->changed && undo(p, u)) {
				u->changed = false;
				if (u->result != MEMHP_RESULT_FAILED)
					u->result = MEMHP_RESULT_ROLLED_BACK;
			}
		}
		for (size_t j = i + 1; j < p->nr; j++)
			p->changes[j].result = MEMHP_RESULT_SKIPPED;
		break;
	}
	flock(p->ctx->lock_fd, LOCK_UN);
	return 0;
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
	return c->block->id;
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
