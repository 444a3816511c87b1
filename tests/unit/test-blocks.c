// SPDX-License-Identifier: GPL-2.0-or-later
/* Block enumeration, range merging, node usage and policy on small trees. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"

static struct memhp_ctx *open_tree(const char *root)
{
	struct memhp_ctx *ctx = NULL;

	CHECK(memhp_new(root, &ctx) == 0);
	return ctx;
}

/* blocks 0-3 online Normal node 0, hole at 4, 5-6 offline on node 1,
 * 7 online Movable on node 1 */
static const char *standard_tree(void)
{
	const char *root = tree_new();

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_put(root, MEM "auto_online_blocks", "offline\n");
	for (int i = 0; i < 4; i++)
		tree_block(root, i, "online", "Normal", 0);
	tree_block(root, 5, "offline", "Normal Movable", 1);
	tree_block(root, 6, "offline", "Normal Movable", 1);
	tree_block(root, 7, "online", "Movable", 1);
	return root;
}

TEST(blocks_sorted_by_id_with_attributes)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	struct memhp_block *b;
	uint64_t expect[] = { 0, 1, 2, 3, 5, 6, 7 };
	size_t i = 0;

	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK_EQ_U64(memhp_get_block_size(ctx), 128ULL << 20);
	CHECK_EQ_U64(memhp_block_get_count(ctx), 7);
	memhp_block_foreach(ctx, b)
		CHECK_EQ_U64(memhp_block_get_id(b), expect[i++]);
	b = memhp_block_get_by_id(ctx, 5);
	CHECK(b != NULL);
	CHECK(memhp_block_get_state(b) == MEMHP_STATE_OFFLINE);
	CHECK(memhp_block_get_node(b) == 1);
	CHECK(memhp_block_get_removable(b) == 1);
	CHECK(memhp_block_has_zone(b, MEMHP_ZONE_MOVABLE));
	CHECK(!memhp_block_has_zone(b, MEMHP_ZONE_DMA));
	CHECK_EQ_U64(memhp_block_get_start(b), 5ULL << 27);
	CHECK(memhp_block_get_by_id(ctx, 4) == NULL);
	CHECK(memhp_have_nodes(ctx) && memhp_have_zones(ctx));
	memhp_unref(ctx);
}

TEST(attributes_are_read_only_when_asked)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	struct memhp_block *b;

	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_STATE) == 0);
	b = memhp_block_get_first(ctx);
	CHECK(memhp_block_get_state(b) == MEMHP_STATE_ONLINE);
	CHECK(memhp_block_get_node(b) == -1);
	CHECK(memhp_block_get_zones(b, NULL) == -1);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_NODE) == 0);
	CHECK(memhp_block_get_node(b) == 0);
	memhp_unref(ctx);
}

static size_t count_ranges(struct memhp_ctx *ctx, unsigned int split,
			   bool each, const struct memhp_filter *f,
			   uint64_t *first_counts);

/* s390: sys/firmware/memory lists blocks 0-3; 0-1 configured (1 with
 * memmap on memory), 2-3 not (no memoryN directory, yet memory3 has a
 * stale one that must not be read) */
TEST(memconfig_lists_the_firmware_blocks)
{
	const char *root = tree_new();
	const char *fw = "sys/firmware/memory/memory";
	const char *vals[4][2] = { { "1", "0" }, { "1", "1" }, { "0", "0" },
				   { "0", "1" } };
	struct memhp_ctx *ctx;
	struct memhp_block *b;
	char path[128];

	tree_put(root, MEM "block_size_bytes", "10000000\n");
	tree_block(root, 0, "online", "Normal", -1);
	tree_block(root, 1, "online", "Normal", -1);
	tree_block(root, 3, "online", "Movable", -1);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%d/config", fw, i);
		tree_put(root, path, vals[i][0]);
		snprintf(path, sizeof(path), "%s%d/memmap_on_memory", fw, i);
		tree_put(root, path, vals[i][1]);
	}
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK(memhp_have_memconfig(ctx));
	CHECK_EQ_U64(memhp_block_get_count(ctx), 4);
	b = memhp_block_get_by_id(ctx, 1);
	CHECK(memhp_block_get_state(b) == MEMHP_STATE_ONLINE);
	CHECK(memhp_block_get_configured(b) == 1);
	CHECK(memhp_block_get_memmap_on_memory(b) == 1);
	for (uint64_t id = 2; id <= 3; id++) {
		b = memhp_block_get_by_id(ctx, id);
		CHECK(memhp_block_get_configured(b) == 0);
		CHECK(memhp_block_get_state(b) == MEMHP_STATE_OFFLINE);
		CHECK(memhp_block_get_zones(b, NULL) == -1);
		CHECK(memhp_block_get_removable(b) == -1);
	}
	CHECK(memhp_block_get_memmap_on_memory(b) == 1);
	CHECK(count_ranges(ctx, MEMHP_ATTR_CONFIGURED, false, NULL, NULL) == 2);
	CHECK(count_ranges(ctx, MEMHP_ATTR_MEMMAP_ON_MEMORY, false, NULL,
			   NULL) == 4);
	CHECK(count_ranges(ctx, MEMHP_ATTR_STATE, false, NULL, NULL) == 2);
	memhp_unref(ctx);
}

TEST(no_memconfig_without_firmware_memory0)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	struct memhp_block *b;

	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK(!memhp_have_memconfig(ctx));
	b = memhp_block_get_first(ctx);
	CHECK(memhp_block_get_configured(b) == -1);
	CHECK(memhp_block_get_memmap_on_memory(b) == -1);
	CHECK(memhp_block_get_state(b) == MEMHP_STATE_ONLINE);
	memhp_unref(ctx);
}

static size_t count_ranges(struct memhp_ctx *ctx, unsigned int split,
			   bool each, const struct memhp_filter *f,
			   uint64_t *first_counts)
{
	struct memhp_ranges *rs = NULL;
	size_t n;

	CHECK(memhp_ranges_new(ctx, split, each, f, &rs) == 0);
	n = memhp_ranges_get_count(rs);
	for (size_t i = 0; first_counts && i < n; i++)
		first_counts[i] = memhp_range_get_block_count(
			memhp_ranges_get(rs, i));
	memhp_ranges_free(rs);
	return n;
}

TEST(ranges_merge_by_split_policy)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	uint64_t counts[8];

	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	/* no split: the hole at 4 alone separates 0-3 and 5-7 */
	CHECK_EQ_U64(count_ranges(ctx, 0, false, NULL, counts), 2);
	CHECK_EQ_U64(counts[0], 4);
	CHECK_EQ_U64(counts[1], 3);
	/* state: 0-3, 5-6, 7 */
	CHECK_EQ_U64(count_ranges(ctx, MEMHP_ATTR_STATE, false, NULL, counts), 3);
	CHECK_EQ_U64(counts[1], 2);
	/* node alone: 0-3, 5-7 */
	CHECK_EQ_U64(count_ranges(ctx, MEMHP_ATTR_NODE, false, NULL, NULL), 2);
	/* zones: 0-3, 5-6 (Normal Movable), 7 (Movable) */
	CHECK_EQ_U64(count_ranges(ctx, MEMHP_ATTR_ZONES, false, NULL, NULL), 3);
	/* every block its own */
	CHECK_EQ_U64(count_ranges(ctx, 0, true, NULL, NULL), 7);
	memhp_unref(ctx);
}

TEST(unknown_zone_never_merges)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_block(root, 0, "online", "Weird", -1);
	tree_block(root, 1, "online", "Weird", -1);
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK_EQ_U64(count_ranges(ctx, MEMHP_ATTR_ZONES, false, NULL, NULL), 2);
	CHECK_EQ_U64(count_ranges(ctx, MEMHP_ATTR_STATE, false, NULL, NULL), 1);
	memhp_unref(ctx);
}

TEST(filters_narrow_and_split_ranges)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	struct memhp_filter *f = NULL;
	uint64_t counts[8];

	CHECK(memhp_filter_new(&f) == 0);
	memhp_filter_set_zone(f, MEMHP_ZONE_MOVABLE);
	CHECK_EQ_U64(count_ranges(ctx, 0, false, f, counts), 1);
	CHECK_EQ_U64(counts[0], 3);
	memhp_filter_set_zone(f, MEMHP_ZONE_ANY);
	memhp_filter_set_state(f, MEMHP_STATE_ONLINE);
	CHECK_EQ_U64(count_ranges(ctx, 0, false, f, counts), 2);
	CHECK_EQ_U64(counts[1], 1);
	memhp_filter_set_state(f, MEMHP_STATE_UNKNOWN);
	memhp_filter_set_node(f, 0);
	CHECK_EQ_U64(count_ranges(ctx, 0, false, f, counts), 1);
	CHECK_EQ_U64(counts[0], 4);
	memhp_filter_set_node(f, 9);
	CHECK_EQ_U64(count_ranges(ctx, 0, false, f, NULL), 0);
	memhp_filter_free(f);
	memhp_unref(ctx);
}

TEST(node_from_dangling_link_and_missing_link)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_block(root, 0, "online", "Normal", 0);
	/* block 1 links to node3, which does not exist */
	tree_block(root, 1, "online", "Normal", -1);
	tree_link(root, MEM "memory1/node3", "../../node/node3");
	tree_block(root, 2, "online", "Normal", -1);
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_NODE) == 0);
	CHECK(memhp_block_get_node(memhp_block_get_by_id(ctx, 0)) == 0);
	CHECK(memhp_block_get_node(memhp_block_get_by_id(ctx, 1)) == 3);
	CHECK(memhp_block_get_node(memhp_block_get_by_id(ctx, 2)) == -1);
	memhp_unref(ctx);
}

TEST(missing_and_unreadable_attributes)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;
	struct memhp_block *b;

	tree_put(root, MEM "block_size_bytes", "80000000\n");
	tree_put(root, MEM "memory0/state", "going-offline\n");
	/* a directory where a file should be cannot be read */
	tree_put(root, MEM "memory0/valid_zones/x", "");
	tree_put(root, MEM "memory1/state", "online\n");
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK_EQ_U64(memhp_get_block_size(ctx), 2ULL << 30);
	b = memhp_block_get_by_id(ctx, 0);
	CHECK(memhp_block_get_state(b) == MEMHP_STATE_GOING_OFFLINE);
	CHECK(memhp_block_get_zones(b, NULL) == 0);
	CHECK(memhp_block_get_removable(b) == -1);
	b = memhp_block_get_by_id(ctx, 1);
	CHECK(memhp_block_get_zones(b, NULL) == -1);
	CHECK(memhp_have_zones(ctx));
	CHECK(!memhp_have_nodes(ctx));
	memhp_unref(ctx);
}

static int logged_errors;

static void count_log(void *data, int prio, const char *file, int line,
		      const char *fn, const char *fmt, va_list ap)
{
	(void)data; (void)file; (void)line; (void)fn; (void)fmt; (void)ap;
	if (prio <= LOG_ERR)
		logged_errors++;
}

TEST(missing_tree_is_an_error_through_the_log_only)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx = open_tree(root);
	int pipefd[2];
	char c;

	/* the library never prints: stderr stays empty */
	CHECK(pipe(pipefd) == 0);
	CHECK(dup2(pipefd[1], 2) == 2);
	close(pipefd[1]);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == -ENOENT);
	memhp_set_log_fn(ctx, count_log, NULL);
	tree_put(root, MEM "memory0/state", "online\n");
	memhp_unref(ctx);
	ctx = open_tree(root);
	memhp_set_log_fn(ctx, count_log, NULL);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == -ENOENT);
	CHECK(logged_errors == 1);
	close(2);
	CHECK(read(pipefd[0], &c, 1) == 0);
	memhp_unref(ctx);
}

TEST(bad_block_size_is_rejected)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;

	tree_put(root, MEM "block_size_bytes", "0x8000000zz\n");
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, 0) == -EINVAL);
	memhp_unref(ctx);
}

TEST(symlinks_cannot_leave_the_root)
{
	const char *root = tree_new();
	const char *outside = "/tmp/memhp-unit-outside-state";
	struct memhp_ctx *ctx;
	FILE *f = fopen(outside, "w");

	CHECK(f != NULL);
	fputs("online\n", f);
	fclose(f);
	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_link(root, MEM "memory0/state", outside);
	tree_link(root, MEM "memory1/state", "../../../../../../../../../../tmp/memhp-unit-outside-state");
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_STATE) == 0);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 0)) ==
	      MEMHP_STATE_UNKNOWN);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 1)) ==
	      MEMHP_STATE_UNKNOWN);
	memhp_unref(ctx);
	unlink(outside);
}

/* The same links, and links that stay inside, through the component walk
 * that stands in for openat2 on kernels without it. */
TEST(symlinks_cannot_leave_the_root_without_openat2)
{
	const char *root = tree_new();
	const char *outside = "/tmp/memhp-unit-outside-walk";
	struct memhp_ctx *ctx;
	FILE *f = fopen(outside, "w");
	char buf[32];
	int fd;

	CHECK(f != NULL);
	fputs("online\n", f);
	fclose(f);
	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_link(root, MEM "memory0/state", outside);
	tree_link(root, MEM "memory1/state", "../../../../../../../../../../tmp/memhp-unit-outside-walk");
	tree_block(root, 2, "offline", "Normal", -1);
	tree_link(root, MEM "memory3/state", "../memory2/state");
	tree_link(root, MEM "memory4/state", "state");	/* a loop */
	tree_put(root, "etc/real", "inside\n");
	tree_link(root, "etc/abs", "/etc/real");	/* IN_ROOT: inside */
	tree_link(root, "etc/up", "../../../../etc/real");
	memhp_set_openat2(false);
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_STATE) == 0);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 0)) ==
	      MEMHP_STATE_UNKNOWN);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 1)) ==
	      MEMHP_STATE_UNKNOWN);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 2)) ==
	      MEMHP_STATE_OFFLINE);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 3)) ==
	      MEMHP_STATE_OFFLINE);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 4)) ==
	      MEMHP_STATE_UNKNOWN);
	/* below the root, absolute links and ".." stop at the root */
	fd = memhp_root_open(ctx, "etc/abs", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf)) == 7 && !memcmp(buf, "inside\n", 7));
	close(fd);
	fd = memhp_root_open(ctx, "etc/up", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	fd = memhp_root_open(ctx, "sys/../etc/./real", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	/* below an area, nothing leaves it */
	CHECK(memhp_area_open(ctx, AREA_MEMORY, "memory0/state", O_RDONLY) ==
	      -EXDEV);
	CHECK(memhp_area_open(ctx, AREA_MEMORY, "../memory/memory2/state",
			      O_RDONLY) == -EXDEV);
	CHECK(memhp_area_open(ctx, AREA_MEMORY, "/memory2/state", O_RDONLY) ==
	      -EXDEV);
	fd = memhp_area_open(ctx, AREA_MEMORY, "memory2/../memory3/state",
			     O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	CHECK(memhp_area_open(ctx, AREA_MEMORY, "memory4/state", O_RDONLY) ==
	      -ELOOP);
	memhp_unref(ctx);
	memhp_set_openat2(true);
	unlink(outside);
}

TEST(fifo_attributes_are_refused_not_read)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;
	char path[512], buf[16];

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_block(root, 0, "online", "Normal", -1);
	snprintf(path, sizeof(path), "%s/" MEM "memory0/state", root);
	CHECK(unlink(path) == 0 && mkfifo(path, 0644) == 0);
	ctx = open_tree(root);
	CHECK(memhp_read_attr(ctx, AREA_MEMORY, "memory0/state", buf,
			      sizeof(buf)) == -MEMHP_ENOTREG);
	/* no reader: ENXIO from the non-blocking open, before the check */
	CHECK(memhp_write_attr(ctx, AREA_MEMORY, "memory0/state", "x") < 0);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_STATE) == 0);
	CHECK(memhp_block_get_state(memhp_block_get_by_id(ctx, 0)) ==
	      MEMHP_STATE_UNKNOWN);
	memhp_unref(ctx);
	snprintf(path, sizeof(path), "%s/" MEM "block_size_bytes", root);
	CHECK(unlink(path) == 0 && mkfifo(path, 0644) == 0);
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, 0) == -MEMHP_ENOTREG);
	memhp_unref(ctx);
}

TEST(no_memory_blocks_is_an_empty_list)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	ctx = open_tree(root);
	CHECK(memhp_blocks_scan(ctx, MEMHP_ATTR_ALL) == 0);
	CHECK(memhp_block_get_count(ctx) == 0);
	CHECK(memhp_block_get_by_id(ctx, 0) == NULL);
	memhp_unref(ctx);
}

TEST(node_usage_by_state_and_zone)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	struct memhp_usage *us = NULL;
	const struct memhp_node_usage *u0, *u1;
	uint64_t bs = 128ULL << 20;

	CHECK(memhp_usage_new(ctx, &us) == 0);
	CHECK_EQ_U64(memhp_usage_get_count(us), 2);
	u0 = memhp_usage_get(us, 0);
	u1 = memhp_usage_get(us, 1);
	CHECK(memhp_usage_get(us, 2) == NULL);
	CHECK(memhp_node_usage_get_node(u0) == 0);
	CHECK(memhp_node_usage_get_node(u1) == 1);
	CHECK_EQ_U64(memhp_node_usage_get_online(u0), 4 * bs);
	CHECK_EQ_U64(memhp_node_usage_get_zone_online(u0, MEMHP_ZONE_NORMAL),
		     4 * bs);
	CHECK_EQ_U64(memhp_node_usage_get_online(u1), bs);
	CHECK_EQ_U64(memhp_node_usage_get_offline(u1), 2 * bs);
	CHECK_EQ_U64(memhp_node_usage_get_zone_online(u1, MEMHP_ZONE_MOVABLE),
		     bs);
	CHECK_EQ_U64(memhp_node_usage_get_zone_online(u1, MEMHP_ZONE_NORMAL),
		     0);
	/* a zone this header does not name, or none, is 0 */
	CHECK_EQ_U64(memhp_node_usage_get_zone_online(u1, MEMHP_ZONE_ANY), 0);
	CHECK_EQ_U64(memhp_node_usage_get_zone_online(u1, MEMHP_NR_ZONES + 3),
		     0);
	CHECK_EQ_U64(memhp_node_usage_get_blocks(u1), 3);
	memhp_usage_free(us);
	memhp_unref(ctx);
}

/* libnuma, opened at the first call (lib/usage.c): the live node 0's
 * sizes (read only), and no answer for a fixture root or a missing node */
TEST(node_meminfo_opens_libnuma_when_first_asked)
{
	struct memhp_ctx *live = NULL, *ctx = open_tree(standard_tree());
	uint64_t total = 0, free_b = 0;

	CHECK(memhp_node_meminfo(ctx, 0, &total, &free_b) == -EOPNOTSUPP);
	memhp_unref(ctx);
	CHECK(memhp_new("/", &live) == 0);
	CHECK(memhp_node_meminfo(live, 0, &total, &free_b) == 0);
	CHECK(total > 0);
	CHECK(free_b <= total);
	CHECK(memhp_node_meminfo(live, 1 << 20, &total, &free_b) == -ENODEV);
	CHECK(memhp_node_meminfo(live, -1, &total, &free_b) == -ENODEV);
	memhp_unref(live);
}

/* The log function sees one message at a time, whatever thread the
 * library logs from: it counts the calls inside it at once, and each
 * stays a while so that two unserialized calls would overlap. */
static atomic_int log_inside, log_most;

static void overlap_log(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	int now = atomic_fetch_add(&log_inside, 1) + 1;
	int most = atomic_load(&log_most);

	(void)data, (void)priority, (void)file, (void)line, (void)fn;
	(void)format, (void)args;
	while (now > most &&
	       !atomic_compare_exchange_weak(&log_most, &most, now))
		;
	nanosleep(&pause, NULL);
	atomic_fetch_sub(&log_inside, 1);
}

static void *log_a_lot(void *ctx)
{
	for (int i = 0; i < 20; i++)
		dbg((struct memhp_ctx *)ctx, "message %d", i);
	return NULL;
}

TEST(the_log_function_is_called_from_one_thread_at_a_time)
{
	struct memhp_ctx *ctx = open_tree(standard_tree());
	pthread_t t[4];

	memhp_set_log_fn(ctx, overlap_log, NULL);
	memhp_set_log_priority(ctx, LOG_DEBUG);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, log_a_lot, ctx) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&log_most) == 1);
	memhp_unref(ctx);
}

TEST(policy_values_and_module)
{
	const char *root = standard_tree();
	struct memhp_ctx *ctx;
	char *v = NULL;

	tree_put(root, "sys/module/memory_hotplug/parameters/online_policy",
		 "auto-movable\n");
	ctx = open_tree(root);
	CHECK(memhp_policy_read(ctx, "auto_online_blocks", &v) == 0);
	CHECK_STR(v, "offline");
	free(v);
	CHECK(memhp_policy_read(ctx, "online_policy", &v) == 0);
	CHECK_STR(v, "auto-movable");
	free(v);
	CHECK(memhp_policy_read(ctx, "auto_movable_ratio", &v) == -ENOENT);
	CHECK(memhp_policy_read(ctx, "no_such_key", &v) == -EINVAL);
	CHECK(!memhp_module_loaded(ctx));
	memhp_unref(ctx);
	tree_put(root, "sys/kernel/memhp/block_size_bytes", "8000000\n");
	ctx = open_tree(root);
	CHECK(memhp_module_loaded(ctx));
	memhp_unref(ctx);
}

TEST(root_from_environment)
{
	const char *root = standard_tree();
	struct memhp_ctx *ctx = NULL;

	setenv("MEMHP_SYSFS_ROOT", root, 1);
	CHECK(memhp_new(NULL, &ctx) == 0);
	CHECK_STR(memhp_get_sysfs_root(ctx), root);
	CHECK(memhp_blocks_scan(ctx, 0) == 0);
	CHECK_EQ_U64(memhp_block_get_count(ctx), 7);
	CHECK(memhp_ref(ctx) == ctx);
	CHECK(memhp_unref(ctx) == ctx);
	CHECK(memhp_unref(ctx) == NULL);
	CHECK(memhp_new("/nonexistent/memhp", &ctx) == -ENOENT);
}

/* Every attribute read in batches (io_uring, several threads) equals the
 * same read one file at a time. */
TEST(batched_reads_agree_with_plain_reads)
{
	static const char *const states[] = { "online", "offline",
					      "going-offline" };
	static const char *const zones[] = { "Normal", "Normal Movable",
					     "Movable", "none" };
	const char *root = tree_new();
	struct memhp_ctx *a = NULL, *b = NULL;
	struct memhp_block *x, *y;
	/* two threads' worth of blocks, in batches with a remainder */
	const int n = 8300;

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	for (int i = 0; i < n; i++)
		tree_block(root, (uint64_t)i, states[i % 3], zones[i % 4],
			   i % 5 ? 0 : -1);
	tree_put(root, MEM "memory77/removable", "0\n");
	CHECK(memhp_new(root, &a) == 0);
	CHECK(memhp_blocks_scan(a, MEMHP_ATTR_ALL) == 0);
	setenv("MEMHP_NO_IO_URING", "1", 1);
	CHECK(memhp_new(root, &b) == 0);
	CHECK(memhp_blocks_scan(b, MEMHP_ATTR_ALL) == 0);
	CHECK_EQ_U64(memhp_block_get_count(a), (uint64_t)n);
	for (x = memhp_block_get_first(a), y = memhp_block_get_first(b); x && y;
	     x = memhp_block_get_next(x), y = memhp_block_get_next(y)) {
		const uint8_t *zx, *zy;
		int nx = memhp_block_get_zones(x, &zx);

		CHECK(memhp_block_get_id(x) == memhp_block_get_id(y));
		CHECK(memhp_block_get_state(x) == memhp_block_get_state(y));
		CHECK(memhp_block_get_state(x) ==
		      memhp_state_from_name(states[memhp_block_get_id(x) % 3]));
		CHECK(memhp_block_get_removable(x) == memhp_block_get_removable(y));
		CHECK(nx == memhp_block_get_zones(y, &zy));
		CHECK(nx > 0 && memcmp(zx, zy, (size_t)nx) == 0);
	}
	CHECK(memhp_block_get_removable(memhp_block_get_by_id(a, 77)) == 0);
	memhp_unref(a);
	memhp_unref(b);
}
