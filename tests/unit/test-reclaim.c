// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/reclaim.c through the library's write hook: what it writes, in
 * which order, the counters it reads from a node's meminfo and from
 * proc/meminfo, and that an offline plan reclaims only when asked, never
 * in a check, and before its first block; so do remove's and eject's
 * (memhp_remove_run2() with MEMHP_UNPLUG_RECLAIM).
 */
#include <errno.h>
#include <limits.h>

#include "fakekernel.h"
#include "harness.h"
#include "private.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"
#define NODE "sys/devices/system/node/"

static const char *root;
static char log_path[PATH_MAX];
/* the fake kernel's log (MEMHP_FAKE_LOG: offline writes run in a child
 * process), read back: "drop_caches 1 0", "memory1 offline 0", ... */
static char writes[16][96];
static size_t nr_writes;

static void read_writes(void)
{
	FILE *f = fopen(log_path, "r");

	nr_writes = 0;
	if (!f)
		return;
	while (nr_writes < 16 && fgets(writes[nr_writes], sizeof(writes[0]), f)) {
		writes[nr_writes][strcspn(writes[nr_writes], "\n")] = '\0';
		nr_writes++;
	}
	fclose(f);
}

static void clear_writes(void)
{
	FILE *f = fopen(log_path, "w");

	if (f)
		fclose(f);
	nr_writes = 0;
}

static int record(void *data, const char *path, const char *value)
{
	char full[PATH_MAX];

	(void)data;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (fake_kernel_is_state(full))
		return fake_kernel_state_write(full, value);
	if (fake_module_is_attr(full))
		return fake_module_write(full, value);
	return fake_reclaim_write(root, full, value);
}

/* blocks 0-1 online Movable on node 0, 2 on node 12, 3 offline on node 0;
 * node 12's meminfo in kB, with a prefix two digits long */
static struct memhp_ctx *fixture(void)
{
	struct memhp_ctx *ctx = NULL;

	root = tree_new();
	snprintf(log_path, sizeof(log_path), "%s/writes", root);
	setenv("MEMHP_FAKE_LOG", log_path, 1);
	clear_writes();
	tree_put(root, MEM "block_size_bytes", "8000000\n");
	tree_block(root, 0, "online", "Movable", 0);
	tree_block(root, 1, "online", "Movable", 0);
	tree_block(root, 2, "online", "Movable", 12);
	tree_block(root, 3, "offline", "Normal Movable", 0);
	tree_put(root, NODE "node0/meminfo",
		 "Node 0 MemTotal:  4000 kB\nNode 0 MemFree:  1000 kB\n"
		 "Node 0 FilePages:  3000 kB\n");
	tree_put(root, NODE "node0/fake-clean", "2000\n");
	tree_put(root, NODE "node12/meminfo",
		 "Node 12 MemFree:       10 kB\nNode 12 FilePages:     20 kB\n");
	tree_put(root, "proc/sys/vm/drop_caches", "");
	CHECK(memhp_new(root, &ctx) == 0);
	memhp_set_write_hook(ctx, record, NULL);
	return ctx;
}

/* a reclaim of @node, run (returning @want), with the writes read back */
static struct memhp_reclaim *run_node(struct memhp_ctx *ctx, int node,
				      int want)
{
	struct memhp_reclaim *r;

	CHECK(memhp_reclaim_new(ctx, &r) == 0);
	CHECK(memhp_reclaim_add_node(r, node) == 0);
	CHECK(memhp_reclaim_run(r) == want);
	read_writes();
	return r;
}

TEST(reclaim_drops_once_then_compacts_each_node_and_reads_the_counters)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_reclaim *r;

	CHECK(memhp_reclaim_new(ctx, &r) == 0);
	CHECK(memhp_reclaim_add_node(r, 0) == 0);
	CHECK(memhp_reclaim_add_node(r, 12) == 0);
	CHECK(memhp_reclaim_add_node(r, 0) == 0);	/* once */
	CHECK(memhp_reclaim_add_node(r, -2) == -EINVAL);
	CHECK_EQ_U64(memhp_reclaim_get_write_count(r), 3);
	CHECK_EQ_U64(memhp_reclaim_get_node_count(r), 2);
	CHECK(!memhp_reclaim_has_run(r));
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     UINT64_MAX);
	CHECK(memhp_reclaim_run(r) == 0);
	CHECK(memhp_reclaim_has_run(r));
	read_writes();
	CHECK_EQ_U64(nr_writes, 3);
	CHECK_STR(writes[0], "drop_caches 1 0");
	CHECK_STR(writes[1], "node0/compact 1 0");
	CHECK_STR(writes[2], "node12/compact 1 0");
	CHECK_STR(memhp_reclaim_get_write_file(r, 1), NODE "node0/compact");
	CHECK_STR(memhp_reclaim_get_write_value(r, 1), "1");
	CHECK(memhp_reclaim_get_write_action(r, 0) == MEMHP_RECLAIM_DROP_CACHES);
	CHECK(memhp_reclaim_get_write_action(r, 2) == MEMHP_RECLAIM_COMPACT_NODE);
	CHECK(memhp_reclaim_get_write_file(r, 3) == NULL);
	CHECK_EQ_U64(memhp_reclaim_get_node(r, 1), 12);
	/* the fake kernel freed node 0's 2000 kB of clean cache */
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     3000 << 10);
	CHECK_EQ_U64(memhp_reclaim_get_after(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     1000 << 10);
	CHECK_EQ_U64(memhp_reclaim_get_after(r, 0, MEMHP_RECLAIM_MEM_FREE),
		     3000 << 10);
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 1, MEMHP_RECLAIM_MEM_FREE),
		     10 << 10);
	CHECK_EQ_U64(memhp_reclaim_get_after(r, 1, MEMHP_RECLAIM_FILE_PAGES),
		     20 << 10);
	CHECK_STR(memhp_reclaim_counter_name(MEMHP_RECLAIM_MEM_FREE), "MemFree");
	CHECK(memhp_reclaim_run(r) == -EALREADY);
	CHECK(memhp_reclaim_add_node(r, 1) == -EINVAL);
	memhp_reclaim_free(r);
	memhp_unref(ctx);
}

TEST(reclaim_without_nodes_uses_compact_memory_and_proc_meminfo)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_reclaim *r;

	tree_put(root, "proc/meminfo", "MemFree:  800 kB\nBuffers:  20 kB\n"
		 "Cached:  300 kB\nSwapCached:  4 kB\n");
	r = run_node(ctx, -1, 0);
	CHECK_EQ_U64(nr_writes, 2);
	CHECK_STR(writes[1], "compact_memory 1 0");
	CHECK(memhp_reclaim_get_write_action(r, 1) == MEMHP_RECLAIM_COMPACT_ALL);
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     324 << 10);
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 0, MEMHP_RECLAIM_MEM_FREE),
		     800 << 10);
	memhp_reclaim_free(r);
	memhp_unref(ctx);
}

TEST(a_failed_reclaim_write_is_kept_and_the_others_still_go)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_reclaim *r;

	tree_put(root, "proc/sys/vm/drop_caches.fake-errno", "13\n");
	r = run_node(ctx, 0, -EACCES);
	CHECK_EQ_U64(nr_writes, 2);
	CHECK_EQ_U64(memhp_reclaim_get_write_errno(r, 0), EACCES);
	CHECK_EQ_U64(memhp_reclaim_get_write_errno(r, 1), 0);
	/* nothing dropped: the counters stay */
	CHECK_EQ_U64(memhp_reclaim_get_after(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     3000 << 10);
	memhp_reclaim_free(r);
	memhp_unref(ctx);
}

/* record(), then memhp_cancel() as a signal handler would */
static int record_then_cancel(void *data, const char *path, const char *value)
{
	int ret = record(NULL, path, value);

	memhp_cancel(data);
	return ret;
}

TEST(a_cancel_stops_the_reclaim_before_its_next_write)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_reclaim *r;

	memhp_set_write_hook(ctx, record_then_cancel, ctx);
	r = run_node(ctx, 0, -ECANCELED);
	CHECK_EQ_U64(nr_writes, 1);
	CHECK_STR(writes[0], "drop_caches 1 0");
	CHECK_EQ_U64(memhp_reclaim_get_write_errno(r, 0), 0);
	CHECK_EQ_U64(memhp_reclaim_get_write_errno(r, 1), ECANCELED);
	memhp_reclaim_free(r);
	memhp_unref(ctx);
}

TEST(an_offline_plan_reclaims_only_when_asked_and_never_in_a_check)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p;
	const struct memhp_reclaim *r;

	/* not asked: no reclaim */
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	CHECK(memhp_plan_add_blocks(p, 1, 1) == 0);
	CHECK(memhp_plan_check(p) == 0);
	CHECK(memhp_plan_get_reclaim(p) == NULL);
	CHECK(memhp_plan_run(p) == 0);
	read_writes();
	CHECK_EQ_U64(nr_writes, 1);
	CHECK_STR(writes[0], "memory1 offline 0");
	memhp_plan_free(p);

	/* asked: the check plans node 0 only (block 3 is offline already)
	 * and writes nothing; the run reclaims before the block */
	clear_writes();
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	memhp_plan_set_reclaim(p, true);
	CHECK(memhp_plan_add_blocks(p, 0, 0) == 0);
	CHECK(memhp_plan_add_blocks(p, 3, 3) == 0);
	CHECK(memhp_plan_check(p) == 0);
	r = memhp_plan_get_reclaim(p);
	CHECK(r != NULL && !memhp_reclaim_has_run(r));
	CHECK_EQ_U64(memhp_reclaim_get_node_count(r), 1);
	CHECK_EQ_U64(memhp_reclaim_get_before(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     3000 << 10);
	read_writes();
	CHECK_EQ_U64(nr_writes, 0);
	CHECK(memhp_plan_run(p) == 0);
	r = memhp_plan_get_reclaim(p);
	CHECK(r != NULL && memhp_reclaim_has_run(r));
	read_writes();
	CHECK_EQ_U64(nr_writes, 3);
	CHECK_STR(writes[0], "drop_caches 1 0");
	CHECK_STR(writes[1], "node0/compact 1 0");
	CHECK_STR(writes[2], "memory0 offline 0");
	memhp_plan_free(p);

	/* a size without a node filter: every candidate's node */
	clear_writes();
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	memhp_plan_set_reclaim(p, true);
	CHECK(memhp_plan_add_size(p, 128 << 20) == 0);
	CHECK(memhp_plan_run(p) == 0);
	read_writes();
	CHECK_STR(writes[1], "node12/compact 1 0");
	CHECK_EQ_U64(memhp_reclaim_get_node_count(memhp_plan_get_reclaim(p)), 1);
	memhp_plan_free(p);

	/* online plans ignore it */
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_ONLINE, &p) == 0);
	memhp_plan_set_reclaim(p, true);
	CHECK(memhp_plan_add_blocks(p, 3, 3) == 0);
	CHECK(memhp_plan_check(p) == 0);
	CHECK(memhp_plan_get_reclaim(p) == NULL);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(an_unplug_reclaims_only_with_its_flag_and_reports_it_when_refused)
{
	struct memhp_ctx *ctx = fixture();
	const struct memhp_reclaim *r;
	struct memhp_unplug *u = NULL;

	/* memhp.ko is loaded, but blocks 0-1 are not a range it added: the
	 * remove is refused (ENOENT) after the offline, and they go back */
	tree_put(root, "sys/kernel/memhp/remove", "");
	CHECK(memhp_remove_run2(ctx, 1u << 31, 0, 256 << 20, 0, &u) ==
	      -EINVAL);
	read_writes();
	CHECK_EQ_U64(nr_writes, 0);

	/* without the flag: no reclaim, the offline first */
	CHECK(memhp_remove_run2(ctx, 0, 0, 256 << 20, 0, &u) == 0);
	CHECK(memhp_unplug_get_result(u) == MEMHP_UNPLUG_REFUSED);
	CHECK(memhp_plan_get_reclaim(memhp_unplug_get_offline(u)) == NULL);
	read_writes();
	CHECK_STR(writes[0], "memory1 offline 0");
	memhp_unplug_free(u);

	/* with it: the reclaim before the first block, kept in the offline
	 * plan though the remove was refused */
	clear_writes();
	CHECK(memhp_remove_run2(ctx, MEMHP_UNPLUG_RECLAIM, 0, 256 << 20, 0,
				&u) == 0);
	CHECK(memhp_unplug_get_result(u) == MEMHP_UNPLUG_REFUSED);
	CHECK_EQ_U64(memhp_unplug_get_errno(u), ENOENT);
	CHECK(memhp_unplug_get_put_back(u) != NULL);
	read_writes();
	CHECK_STR(writes[0], "drop_caches 1 0");
	CHECK_STR(writes[1], "node0/compact 1 0");
	CHECK_STR(writes[2], "memory1 offline 0");
	r = memhp_plan_get_reclaim(memhp_unplug_get_offline(u));
	CHECK(r != NULL && memhp_reclaim_has_run(r));
	CHECK_EQ_U64(memhp_reclaim_get_node_count(r), 1);
	CHECK_EQ_U64(memhp_reclaim_get_after(r, 0, MEMHP_RECLAIM_FILE_PAGES),
		     1000 << 10);
	memhp_unplug_free(u);
	memhp_unref(ctx);
}
