// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state-change engine against the fake kernel (tests/fakekernel),
 * through the library's write hook: retries, timeouts, rollback, order,
 * size selection and the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakekernel.h"
#include "harness.h"
#include "private.h"
#include "selector.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"

static const char *root;

static int fake_write(void *data, const char *path, const char *value)
{
	char full[PATH_MAX];

	(void)data;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	return fake_kernel_state_write(full, value);
}

/* The injected clock: sleeping advances it at once, so retries and
 * timeouts come out the same however loaded the machine is.  The writes
 * that hang (offline-delay) still take real time: those tests assert the
 * outcome, never a duration. */
static uint64_t fake_now;

static uint64_t fake_now_ms(void *data)
{
	(void)data;
	return fake_now;
}

static void fake_sleep_ms(void *data, uint64_t ms)
{
	(void)data;
	fake_now += ms;
}

static const struct memhp_clock fake_clock = {
	.now_ms = fake_now_ms,
	.sleep_ms = fake_sleep_ms,
};

/* blocks 4-7 offline (Normal Movable), 0-3 online Normal, 8-9 online
 * Movable, 10 offline with only Normal */
static struct memhp_ctx *fixture(void)
{
	struct memhp_ctx *ctx = NULL;
	char log[PATH_MAX];

	root = tree_new();
	tree_put(root, MEM "block_size_bytes", "8000000\n");
	for (int i = 0; i < 4; i++)
		tree_block(root, i, "online", "Normal", 0);
	for (int i = 4; i < 8; i++)
		tree_block(root, i, "offline", "Normal Movable", 0);
	tree_block(root, 8, "online", "Movable", 0);
	tree_block(root, 9, "online", "Movable", 0);
	tree_block(root, 10, "offline", "Normal", 0);
	snprintf(log, sizeof(log), "%s/writes", root);
	setenv("MEMHP_FAKE_LOG", log, 1);
	CHECK(memhp_new(root, &ctx) == 0);
	memhp_set_write_hook(ctx, fake_write, NULL);
	fake_now = 1000;
	memhp_set_clock(ctx, &fake_clock);
	return ctx;
}

static void inject(uint64_t id, const char *directives)
{
	char path[128];

	snprintf(path, sizeof(path), MEM "memory%llu/fake-kernel",
		 (unsigned long long)id);
	tree_put(root, path, directives);
}

static void check_file(uint64_t id, const char *attr, const char *want)
{
	char path[PATH_MAX], buf[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/" MEM "memory%llu/%s", root,
		 (unsigned long long)id, attr);
	f = fopen(path, "r");
	CHECK(f != NULL);
	CHECK(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	CHECK_STR(buf, want);
}

static char *writes(void)
{
	static char buf[4096];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/writes", root);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A selector as the CLI hands it over: typed blocks or a size. */
static int add(struct memhp_plan *p, const char *text)
{
	struct memhp_selector sel;
	int ret = memhp_selector_parse(text, 128ULL << 20, &sel);

	if (ret == 0 && sel.type == MEMHP_SELECT_SIZE)
		ret = memhp_plan_add_size(p, sel.size);
	for (size_t i = 0; ret == 0 && sel.type != MEMHP_SELECT_SIZE &&
			   i < sel.nr_spans; i++)
		ret = memhp_plan_add_blocks(p, sel.spans[i].first,
					    sel.spans[i].last);
	memhp_selector_free(&sel);
	return ret;
}

static struct memhp_plan *plan(struct memhp_ctx *ctx, enum memhp_action a,
			       const char *zone, const char *sel)
{
	struct memhp_plan *p = NULL;

	CHECK(memhp_plan_new(ctx, a, &p) == 0);
	if (zone)
		CHECK(memhp_plan_set_zone(p, zone) == 0);
	memhp_plan_set_timeout(p, 2000);
	CHECK(add(p, sel) == 0);
	return p;
}

static const struct memhp_change *change_of(struct memhp_plan *p,
					    uint64_t id)
{
	for (size_t i = 0; i < memhp_plan_get_count(p); i++)
		if (memhp_change_get_block(memhp_plan_get(p, i)) == id)
			return memhp_plan_get(p, i);
	CHECK(!"block not in plan");
	return NULL;
}

static enum memhp_result result_of(struct memhp_plan *p, uint64_t id)
{
	return memhp_change_get_result(change_of(p, id));
}

TEST(online_movable_writes_in_order_and_reads_back)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-6");

	CHECK(memhp_plan_run(p) == 0);
	for (uint64_t id = 4; id <= 6; id++) {
		CHECK(result_of(p, id) == MEMHP_RESULT_OK);
		CHECK(memhp_change_get_zone(change_of(p, id)) ==
		      MEMHP_ZONE_MOVABLE);
		check_file(id, "state", "online");
		check_file(id, "valid_zones", "Movable");
	}
	/* lowest first, and exactly online_movable */
	CHECK_STR(writes(), "memory4 online_movable 0\nmemory5 online_movable 0\n"
			    "memory6 online_movable 0\n");
	check_file(7, "state", "offline");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(offline_goes_highest_first)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "1-3");

	CHECK(memhp_plan_run(p) == 0);
	CHECK_STR(writes(), "memory3 offline 0\nmemory2 offline 0\n"
			    "memory1 offline 0\n");
	CHECK(result_of(p, 3) == MEMHP_RESULT_OK);
	check_file(1, "state", "offline");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(zone_names_pick_the_write)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "kernel", "4");

	CHECK(add(p, "memory5") == 0);
	CHECK(memhp_plan_run(p) == 0);
	CHECK_STR(writes(), "memory4 online_kernel 0\nmemory5 online_kernel 0\n");
	check_file(5, "valid_zones", "Normal");
	memhp_plan_free(p);
	p = plan(ctx, MEMHP_ACTION_ONLINE, "auto", "6");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(strstr(writes(), "memory6 online 0\n") != NULL);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(already_there_is_unchanged_and_not_written)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "8-9");

	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 8) == MEMHP_RESULT_UNCHANGED);
	CHECK(memhp_change_get_attempts(change_of(p, 8)) == 0);
	CHECK_STR(writes(), "");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(online_in_another_zone_is_a_failure_not_unchanged)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "3");

	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 3) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 3)) == EEXIST);
	CHECK(strstr(memhp_change_get_error(change_of(p, 3)), "Normal"));
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(impossible_zone_is_refused_before_any_write)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-5");

	CHECK(add(p, "10") == 0);	/* valid_zones: Normal */
	CHECK(memhp_plan_check(p) == -EINVAL);
	CHECK(memhp_plan_run(p) == -EINVAL);
	CHECK_STR(writes(), "");
	check_file(4, "state", "offline");
	memhp_plan_free(p);
	/* DMA is not DMA32, Normal is not Movable: whole names only */
	p = plan(ctx, MEMHP_ACTION_ONLINE, "DMA", "4");
	CHECK(memhp_plan_check(p) == -EINVAL);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(bad_selectors_are_refused)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = NULL;

	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_ONLINE, &p) == 0);
	CHECK(add(p, "11") == -ENOENT);
	CHECK(add(p, "3-12") == -ENOENT);
	CHECK(add(p, "0x1000-0x1fff") == -EDOM);
	CHECK(add(p, "100M") == -EDOM);
	CHECK(add(p, "4-") == -EINVAL);
	CHECK(memhp_plan_set_zone(p, "Highway") == -EINVAL);
	CHECK(memhp_plan_check(p) == -ENODATA);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(ebusy_is_retried_until_it_works)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "9");

	inject(9, "offline 16 2\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 9) == MEMHP_RESULT_OK);
	CHECK(memhp_change_get_attempts(change_of(p, 9)) == 3);
	check_file(9, "state", "offline");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(eagain_and_eintr_are_retried)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-5");

	inject(4, "online 11 1\n");
	inject(5, "online 4 2\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 4) == MEMHP_RESULT_OK);
	CHECK(memhp_change_get_attempts(change_of(p, 4)) == 2);
	CHECK(result_of(p, 5) == MEMHP_RESULT_OK);
	CHECK(memhp_change_get_attempts(change_of(p, 5)) == 3);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(einval_fails_at_once_with_a_reason)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "2");

	inject(2, "offline 22 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 2) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 2)) == EINVAL);
	CHECK(memhp_change_get_attempts(change_of(p, 2)) == 1);
	CHECK(strstr(memhp_change_get_error(change_of(p, 2)), "zone none"));
	check_file(2, "state", "online");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(busy_until_the_timeout_leaves_the_block_online)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "3");

	inject(3, "offline 16 -1\n");
	memhp_plan_set_timeout(p, 400);
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 3) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 3)) == EBUSY);
	/* backoff 20, 40, 80, 160 ms fit in 400 ms; 320 more would not */
	CHECK(memhp_change_get_attempts(change_of(p, 3)) == 5);
	check_file(3, "state", "online");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_hanging_offline_is_cut_at_the_timeout)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "8");

	/* the real clock here: the write hangs in real time */
	memhp_set_clock(ctx, NULL);
	inject(8, "offline-delay 600000\n");
	memhp_plan_set_timeout(p, 300);
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 8) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 8)) == ETIMEDOUT);
	check_file(8, "state", "online");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_slow_offline_within_the_timeout_succeeds)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "8");

	inject(8, "offline-delay 200\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 8) == MEMHP_RESULT_OK);
	check_file(8, "state", "offline");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(wrong_zone_after_online_is_reported)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4");

	inject(4, "online-zone Normal\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 4) == MEMHP_RESULT_FAILED);
	CHECK(strstr(memhp_change_get_error(change_of(p, 4)),
		     "onlined into zone Normal, not Movable"));
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(without_atomic_the_rest_goes_on)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-7");

	inject(6, "online 12 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 4) == MEMHP_RESULT_OK);
	CHECK(result_of(p, 5) == MEMHP_RESULT_OK);
	CHECK(result_of(p, 6) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 6)) == ENOMEM);
	CHECK(result_of(p, 7) == MEMHP_RESULT_OK);
	check_file(7, "state", "online");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(atomic_puts_everything_back)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-7");

	memhp_plan_set_atomic(p, true);
	inject(6, "online 12 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 4) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 5) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 6) == MEMHP_RESULT_FAILED);
	CHECK(result_of(p, 7) == MEMHP_RESULT_SKIPPED);
	for (uint64_t id = 4; id <= 7; id++) {
		check_file(id, "state", "offline");
		check_file(id, "valid_zones", "Normal Movable");
	}
	/* put back newest first */
	CHECK(strstr(writes(), "memory5 offline 0\nmemory4 offline 0\n"));
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(atomic_offline_restores_the_zone)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "3");

	CHECK(add(p, "8-9") == 0);
	memhp_plan_set_atomic(p, true);
	memhp_plan_set_timeout(p, 200);
	inject(3, "offline 16 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 9) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 8) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 3) == MEMHP_RESULT_FAILED);
	check_file(8, "state", "online");
	check_file(8, "valid_zones", "Movable");
	CHECK(strstr(writes(), "memory8 online_movable 0\n"));
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(sizes_pick_blocks_like_an_administrator)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "384M");

	/* Movable first (9, 8), then the highest other removable (3) */
	CHECK(memhp_plan_check(p) == 0);
	CHECK_EQ_U64(memhp_plan_get_count(p), 3);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 0)), 9);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 1)), 8);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 2)), 3);
	memhp_plan_free(p);
	/* online: the lowest offline blocks that can go Movable (not 10) */
	p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "256M");
	CHECK(memhp_plan_check(p) == 0);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 0)), 4);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 1)), 5);
	memhp_plan_free(p);
	p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "1G");
	CHECK(memhp_plan_check(p) == -ENOSPC);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(filters_narrow_selectors)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = NULL;
	struct memhp_filter *f = NULL;

	CHECK(memhp_filter_new(&f) == 0);
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	memhp_filter_set_zone(f, MEMHP_ZONE_MOVABLE);
	memhp_plan_set_filter(p, f);
	CHECK(add(p, "0-9") == 0);
	CHECK(memhp_plan_check(p) == 0);
	/* 8-9 online in Movable, 4-7 offline and able to take it */
	CHECK_EQ_U64(memhp_plan_get_count(p), 6);
	memhp_plan_free(p);
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	memhp_filter_set_zone(f, MEMHP_ZONE_ANY);
	memhp_filter_set_node(f, 1);
	memhp_plan_set_filter(p, f);
	/* the plan keeps its own copy */
	memhp_filter_free(f);
	CHECK(add(p, "0-9") == 0);
	CHECK(memhp_plan_check(p) == -ENODATA);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_held_lock_stops_the_run_before_any_write)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "1");
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/run", root);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/run/memhp", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/run/memhp/lock", root);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "4242\n", 5) == 5);
	CHECK(flock(fd, LOCK_EX) == 0);
	memhp_plan_set_timeout(p, 200);
	CHECK(memhp_plan_run(p) == -EWOULDBLOCK);
	CHECK_STR(writes(), "");
	flock(fd, LOCK_UN);
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 1) == MEMHP_RESULT_OK);
	close(fd);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(selector_grammar)
{
	struct memhp_selector s;
	uint64_t bs = 128ULL << 20, v = 0;

	CHECK(memhp_selector_parse("32", bs, &s) == 0);
	CHECK(s.type == MEMHP_SELECT_BLOCKS && s.nr_spans == 1);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("memory32", bs, &s) == 0);
	CHECK_EQ_U64(s.spans[0].first, 32);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("32-39,41", bs, &s) == 0);
	CHECK_EQ_U64(s.nr_spans, 2);
	CHECK_EQ_U64(s.spans[0].last, 39);
	CHECK_EQ_U64(s.spans[1].first, 41);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("0x100000000-0x13fffffff", bs, &s) == 0);
	CHECK(s.type == MEMHP_SELECT_RANGE);
	CHECK_EQ_U64(s.spans[0].first, 32);
	CHECK_EQ_U64(s.spans[0].last, 39);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("0x100000000-0x13bffffff", bs, &s) == -EDOM);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("0x100000001-0x13fffffff", bs, &s) == -EDOM);
	memhp_selector_free(&s);
	CHECK(memhp_selector_parse("1G", bs, &s) == 0);
	CHECK(s.type == MEMHP_SELECT_SIZE && s.size == 1ULL << 30);
	CHECK(memhp_selector_parse("1GiB", bs, &s) == 0);
	CHECK(memhp_selector_parse("64M", bs, &s) == -EDOM);
	static const char *const bad[] = {
		"", "-", "32-", "-32", "39-32", "32,", ",32", "32,,33",
		"0x", "0x-0x1", "0x10-", "0xg-0x10", "1.5G", "1Q", "G",
		"memory", "memoryx", "32x", "0x100000000", "1Gb",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (memhp_selector_parse(bad[i], bs, &s) == 0) {
			fprintf(stderr, "accepted '%s'\n", bad[i]);
			CHECK(0);
		}
		memhp_selector_free(&s);
	}
	CHECK(memhp_parse_size("99999999999999999999G", &v) < 0);
	CHECK(memhp_parse_size("17179869184G", &v) == -ERANGE);
	CHECK(memhp_parse_size("512m", &v) == 0 && v == 512ULL << 20);
	/* found by fuzz-size: zero with a unit passed for a size */
	CHECK(memhp_parse_size("0KiB", &v) == -EINVAL);
	CHECK(memhp_parse_size("00G", &v) == -EINVAL);
}

TEST(selectors_have_no_span_limit)
{
	struct memhp_selector s;
	char text[8192];
	size_t off = 0;

	/* 1000 single blocks: 0,2,4,... */
	for (int i = 0; i < 1000; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d",
					i ? "," : "", 2 * i);
	CHECK(memhp_selector_parse(text, 128ULL << 20, &s) == 0);
	CHECK_EQ_U64(s.nr_spans, 1000);
	CHECK_EQ_U64(s.spans[999].first, 1998);
	memhp_selector_free(&s);
}

TEST(size_offline_moves_past_busy_blocks)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "256M");

	/* Movable 9 is busy for good: 8 and then 3 meet the request */
	inject(9, "offline 16 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 9) == MEMHP_RESULT_PASSED_OVER);
	CHECK(result_of(p, 8) == MEMHP_RESULT_OK);
	CHECK(result_of(p, 3) == MEMHP_RESULT_OK);
	CHECK(memhp_plan_get_shortfall(p, NULL) == 0);
	check_file(9, "state", "online");
	check_file(8, "state", "offline");
	check_file(3, "state", "offline");
	/* 9 was tried once, and not again once the request was met */
	CHECK_EQ_U64(memhp_change_get_attempts(change_of(p, 9)), 1);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(size_offline_retries_busy_blocks_when_nothing_else_is_left)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "768M");

	/* every removable online block (0-3, 8, 9) is needed; 9 is busy
	 * three times, then goes */
	inject(9, "offline 16 3\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 9) == MEMHP_RESULT_OK);
	CHECK(memhp_change_get_attempts(change_of(p, 9)) == 4);
	CHECK(memhp_plan_get_shortfall(p, NULL) == 0);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_size_that_cannot_be_met_says_so_and_atomic_puts_back)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "768M");
	const char *why = NULL;

	memhp_plan_set_atomic(p, true);
	memhp_plan_set_timeout(p, 100);
	inject(0, "offline 16 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(memhp_plan_get_shortfall(p, &why) == 128ULL << 20);
	CHECK(why && strstr(why, "640 MiB of 768 MiB"));
	CHECK(result_of(p, 0) == MEMHP_RESULT_FAILED);
	for (uint64_t id = 0; id <= 3; id++)
		check_file(id, "state", "online");
	check_file(9, "state", "online");
	CHECK(result_of(p, 9) == MEMHP_RESULT_ROLLED_BACK);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(sizes_are_chosen_under_the_lock_from_fresh_states)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "256M");

	CHECK(memhp_plan_check(p) == 0);
	/* the dry run would take 4 and 5; another run onlines them first */
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 0)), 4);
	for (int id = 4; id <= 5; id++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/" MEM "memory%d/state", root,
			 id);
		CHECK(fake_kernel_state_write(path, "online_movable") == 0);
	}
	CHECK(memhp_plan_run(p) == 0);
	CHECK_EQ_U64(memhp_plan_get_count(p), 2);
	CHECK(result_of(p, 6) == MEMHP_RESULT_OK);
	CHECK(result_of(p, 7) == MEMHP_RESULT_OK);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

/* Block @id's page flags in proc/kpageflags: @in_use of its 32768 pages
 * on the LRU (file), the rest free. */
static void put_census(uint64_t id, size_t in_use)
{
	enum { PAGES = 32768 };
	char path[PATH_MAX];
	uint64_t *w = calloc(PAGES, sizeof(*w));
	int fd;

	CHECK(w != NULL);
	for (size_t i = 0; i < PAGES; i++)
		w[i] = 1ull << (i < in_use ? MEMHP_KPF_LRU : MEMHP_KPF_BUDDY);
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/kpageflags", root);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, w, PAGES * sizeof(*w),
		     (off_t)(id * PAGES * sizeof(*w))) ==
	      (ssize_t)(PAGES * sizeof(*w)));
	close(fd);
	free(w);
}

/* The block a one-block offline by size takes when the census changes
 * between the plan's check and its run, @later ms after the check. */
static uint64_t size_pick_after_change(uint64_t later)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p;
	uint64_t id;

	put_census(8, 100);	/* 8 in use, 9 free: 9 ranks first */
	put_census(9, 0);
	p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "128M");
	CHECK(memhp_plan_check(p) == 0);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 0)), 9);
	put_census(8, 0);	/* now 9 is the one in use */
	put_census(9, 100);
	fake_now += later;
	CHECK(memhp_plan_run(p) == 0);
	CHECK_EQ_U64(memhp_plan_get_count(p), 1);
	id = memhp_change_get_block(memhp_plan_get(p, 0));
	CHECK(memhp_change_get_result(memhp_plan_get(p, 0)) ==
	      MEMHP_RESULT_OK);
	memhp_plan_free(p);
	memhp_unref(ctx);
	return id;
}

TEST(a_size_run_keeps_the_checks_census_only_while_it_is_fresh)
{
	/* right after the check: its census ranks the run */
	CHECK_EQ_U64(size_pick_after_change(0), 9);
	CHECK_EQ_U64(size_pick_after_change(1000), 9);
	/* a run that started later (it waited for the lock) reads again */
	CHECK_EQ_U64(size_pick_after_change(1001), 8);
}

TEST(rollback_leaves_a_foreign_change_alone)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-7");

	memhp_plan_set_atomic(p, true);
	/* another agent onlines 5 just before memhp's write; 7 fails */
	inject(5, "online-foreign Movable\n");
	inject(7, "online 12 -1\n");
	CHECK(memhp_plan_run(p) == 0);
	CHECK(result_of(p, 5) == MEMHP_RESULT_UNCHANGED);
	CHECK(strstr(memhp_change_get_error(change_of(p, 5)), "another agent"));
	CHECK(result_of(p, 4) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 6) == MEMHP_RESULT_ROLLED_BACK);
	check_file(5, "state", "online");
	check_file(4, "state", "offline");
	check_file(6, "state", "offline");
	CHECK(!strstr(writes(), "memory5 offline"));
	memhp_plan_free(p);
	memhp_unref(ctx);
}

/* cancels the run from inside it, as a signal handler would */
static void cancel_at(void *data, const struct memhp_progress *pr)
{
	struct memhp_ctx *ctx = data;

	if (memhp_progress_get_block(pr) == 6 &&
	    !memhp_progress_is_rolling_back(pr))
		memhp_cancel(ctx);
}

static void cancel_at_8(void *data, const struct memhp_progress *pr)
{
	if (memhp_progress_get_block(pr) == 8 &&
	    !memhp_progress_is_rolling_back(pr))
		memhp_cancel(data);
}

TEST(a_cancelled_atomic_run_puts_everything_back)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4-7");

	memhp_plan_set_atomic(p, true);
	memhp_set_progress_fn(ctx, cancel_at, ctx);
	CHECK(memhp_plan_run(p) == 0);
	CHECK(memhp_plan_was_cancelled(p));
	CHECK(result_of(p, 4) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 5) == MEMHP_RESULT_ROLLED_BACK);
	CHECK(result_of(p, 7) == MEMHP_RESULT_SKIPPED);
	for (uint64_t id = 4; id <= 7; id++)
		check_file(id, "state", "offline");
	memhp_plan_free(p);
	/* a cancelled context starts nothing more */
	p = plan(ctx, MEMHP_ACTION_ONLINE, "movable", "4");
	CHECK(memhp_plan_run(p) == -ECANCELED);
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_cancel_kills_a_hanging_offline_write)
{
	struct memhp_ctx *ctx = fixture();
	struct memhp_plan *p = plan(ctx, MEMHP_ACTION_OFFLINE, NULL, "8-9");

	/* 9 goes, 8 hangs until the cancel; no timeout would end it */
	memhp_set_clock(ctx, NULL);
	memhp_plan_set_atomic(p, true);
	memhp_plan_set_timeout(p, 0);
	inject(8, "offline-delay 600000\n");
	memhp_set_progress_fn(ctx, cancel_at_8, ctx);
	CHECK(memhp_plan_run(p) == 0);
	CHECK(memhp_plan_was_cancelled(p));
	CHECK(result_of(p, 8) == MEMHP_RESULT_FAILED);
	CHECK(memhp_change_get_errno(change_of(p, 8)) == EINTR);
	CHECK(result_of(p, 9) == MEMHP_RESULT_ROLLED_BACK);
	check_file(8, "state", "online");
	check_file(9, "state", "online");
	memhp_plan_free(p);
	memhp_unref(ctx);
}

TEST(a_whole_machine_plan_takes_blocks_and_a_size)
{
	struct memhp_ctx *ctx = NULL;
	struct memhp_plan *p = NULL;
	const char *r = tree_new();

	/* (bench/state-change measures the speed of this at scale) */
	tree_put(r, MEM "block_size_bytes", "8000000\n");
	for (int i = 0; i < 2000; i++)
		tree_block(r, i, "online", "Movable", 0);
	CHECK(memhp_new(r, &ctx) == 0);
	CHECK(memhp_plan_new(ctx, MEMHP_ACTION_OFFLINE, &p) == 0);
	CHECK(memhp_plan_add_blocks(p, 0, 999) == 0);
	CHECK(memhp_plan_add_blocks(p, 500, 1000) == 0);	/* overlap */
	CHECK(memhp_plan_add_size(p, 999ULL << 27) == 0);
	CHECK(memhp_plan_check(p) == 0);
	CHECK_EQ_U64(memhp_plan_get_count(p), 2000);
	/* explicit ones highest first, then the size's, highest first */
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 0)), 1000);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 1001)), 1999);
	CHECK_EQ_U64(memhp_change_get_block(memhp_plan_get(p, 1999)), 1001);
	memhp_plan_free(p);
	memhp_unref(ctx);
}
