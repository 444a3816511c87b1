// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp online --udev: what the auto-online udev rule
 * (60-memhp-auto-online.rules) runs for each hot-added memory block.  It
 * reads the config, onlines the blocks into the configured zone with the
 * engine memhp online uses, leaves alone a block another onliner got to
 * first (and names that onliner: two onliners fight over the zone), and
 * writes one line per invocation to syslog.  Nothing goes to stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "change.h"

struct udev_run {
	struct memhp_ctx *ctx;
	const char *config;
	char line[2048];	/* the one syslog line, without its tail */
	size_t len;
	int prio;		/* the most severe part so far */
	char lib_error[512];	/* the library's first error */
	char onliner[320];	/* who else onlines memory; "" not looked yet */
	int failed, ok;
};

static void add(struct udev_run *r, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct udev_run *r, int prio, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (prio < r->prio)
		r->prio = prio;
	if (r->len >= sizeof(r->line))
		return;
	if (r->len)
		r->len += (size_t)snprintf(r->line + r->len,
					   sizeof(r->line) - r->len, "; ");
	if (r->len >= sizeof(r->line))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->line + r->len, sizeof(r->line) - r->len, fmt, ap);
	va_end(ap);
	r->len += n > 0 ? (size_t)n : 0;
}

/* The library's messages: the first error becomes part of the line. */
static void capture_log(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	struct udev_run *r = data;

	(void)file;
	(void)line;
	(void)fn;
	if (priority > LOG_ERR || r->lib_error[0])
		return;
	vsnprintf(r->lib_error, sizeof(r->lib_error), format, args);
}

static void finish(struct udev_run *r, const struct memhp_cli *cli)
{
	syslog(r->prio, "%s (auto-online, %s)", r->line, r->config);
	if (cli->verbosity > 0)
		fprintf(stderr, "memhp: %s (auto-online, %s)\n",
			memhp_tty(r->line), memhp_tty(r->config));
	closelog();
}

/* "memory32 memory33": the blocks as named, for whole-run outcomes */
static void names(const struct change_opts *o, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nr_selectors && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s%s",
					i ? " " : "",
					strncmp(o->selectors[i], "memory", 6) ?
					"memory" : "", o->selectors[i]);
}

/* Who else puts hot-added memory online here: the kernel, a udev rule. */
static const char *other_onliner(struct udev_run *r)
{
	struct memhp_onliners *on;

	if (r->onliner[0])
		return r->onliner;
	snprintf(r->onliner, sizeof(r->onliner), "another onliner");
	if (memhp_onliners_new(r->ctx, &on) < 0)
		return r->onliner;
	for (size_t i = 0; i < memhp_onliners_get_count(on); i++) {
		const struct memhp_onliner *a = memhp_onliners_get(on, i);
		enum memhp_onliner_kind kind = memhp_onliner_get_kind(a);

		if (kind == MEMHP_ONLINER_KERNEL) {
			snprintf(r->onliner, sizeof(r->onliner),
				 "the kernel (%s)", memhp_onliner_get_text(a));
			break;
		}
		if (kind == MEMHP_ONLINER_UDEV) {
			snprintf(r->onliner, sizeof(r->onliner),
				 "udev rule %s:%u", memhp_onliner_get_file(a),
				 memhp_onliner_get_line(a));
			break;
		}
	}
	memhp_onliners_free(on);
	return r->onliner;
}

/* the zone's name; "" for none or one this library does not name */
static const char *zone_word(enum memhp_zone zone)
{
	const char *name = memhp_zone_name(zone);

	return name ? name : "";
}

static void conflict(struct udev_run *r, uint64_t id, enum memhp_zone zone)
{
	add(r, LOG_WARNING, "memory%" PRIu64 ": already online %s, left as "
	    "is: %s got there first; two onliners fight, keep one", id,
	    zone_word(zone),
	    other_onliner(r));
}

static enum memhp_zone block_zone(const struct memhp_block *b)
{
	const uint8_t *zones;

	return memhp_block_get_zones(b, &zones) > 0 ?
	       (enum memhp_zone)zones[0] : MEMHP_ZONE_ANY;
}

/* Reads the config: 0 go on, or the exit status with the line written. */
static int read_config(struct udev_run *r, const char *blocks,
		       struct memhp_autoonline **conf)
{
	int fd = open(r->config, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0 && errno == ENOENT) {
		/* opt-in: no config, no auto-online */
		add(r, LOG_INFO, "%s: nothing done: auto-online is not "
		    "configured (no such file)", blocks);
		return EXIT_OK;
	}
	if (fd < 0) {
		add(r, LOG_ERR, "%s: nothing done: cannot read the config: %s",
		    blocks, strerror(errno));
		return EXIT_FAILED;
	}
	ret = memhp_autoonline_read(fd, r->config, conf);
	close(fd);
	if (ret < 0) {
		add(r, LOG_ERR, "%s: nothing done: %s", blocks, *conf ?
		    memhp_autoonline_get_error(*conf) : strerror(-ret));
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
	}
	if (!memhp_autoonline_is_enabled(*conf)) {
		add(r, LOG_INFO, "%s: nothing done: auto-online is disabled",
		    blocks);
		return EXIT_OK;
	}
	if (geteuid() != 0) {
		add(r, LOG_ERR, "%s: nothing done: onlining memory needs root",
		    blocks);
		return EXIT_FAILED;
	}
	return -1;
}

/* Runs one plan: @ids (of @n) online into the config's zone word @zone. */
static void run_plan(struct udev_run *r, const struct change_opts *o,
		     const char *zone, const uint64_t *ids, size_t n,
		     const char *blocks)
{
	struct memhp_plan *plan = NULL;
	size_t planned = 0;
	int ret;

	ret = memhp_plan_new(r->ctx, MEMHP_ACTION_ONLINE, &plan);
	if (ret < 0) {
		add(r, LOG_ERR, "%s: nothing done: cannot read memory "
		    "blocks: %s", blocks,
		    r->lib_error[0] ? r->lib_error : strerror(-ret));
		r->failed++;
		return;
	}
	/* the config's words as memhp online --zone takes them */
	memhp_plan_set_zone(plan, !strcmp(zone, "normal") ? "Normal" : zone);
	memhp_plan_set_timeout(plan, o->timeout_ms);
	for (size_t i = 0; i < n; i++) {
		if (memhp_plan_add_blocks(plan, ids[i], ids[i]) == 0) {
			planned++;
		} else {
			add(r, LOG_ERR, "memory%" PRIu64 ": %s", ids[i],
			    r->lib_error);
			r->failed++;
		}
	}
	if (!planned)
		goto out;
	ret = memhp_plan_run(plan);
	if (ret < 0) {
		add(r, LOG_ERR, "%s: online failed: %s", blocks,
		    r->lib_error[0] ? r->lib_error : strerror(-ret));
		r->failed++;
		goto out;
	}
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		enum memhp_result res = memhp_change_get_result(c);
		enum memhp_zone z = memhp_change_get_zone(c);
		uint64_t id = memhp_change_get_block(c);

		if (res == MEMHP_RESULT_OK) {
			add(r, LOG_INFO, "memory%" PRIu64 ": online %s", id,
			    zone_word(z));
			r->ok++;
		} else if (memhp_change_get_from(c) == MEMHP_STATE_ONLINE) {
			/* onlined by someone else between the scan and now */
			conflict(r, id, z);
		} else {
			add(r, LOG_ERR, "memory%" PRIu64 ": online failed: %s",
			    id, memhp_change_get_error(c) ?
			    memhp_change_get_error(c) : "unknown error");
			r->failed++;
		}
	}
out:
	memhp_plan_free(plan);
}

/* Is one of the blocks asked about plain System RAM (boot)? */
static bool any_plain_ram(struct udev_run *r, const struct change_opts *o)
{
	for (size_t i = 0; i < o->nr_selectors; i++) {
		const char *s = o->selectors[i];
		uint64_t id = strtoull(s + (strncmp(s, "memory", 6) ? 0 : 6),
				       NULL, 10);
		const struct memhp_block *b = memhp_block_get_by_id(r->ctx, id);

		if (b && memhp_block_get_owner(b) == MEMHP_OWNER_BOOT &&
		    memhp_block_get_state(b) != MEMHP_STATE_ONLINE)
			return true;
	}
	return false;
}

/* Sorts the blocks asked about: those memhp onlines by zone, the others
 * reported (another node, an owner memhp leaves alone, online already),
 * then one plan for each zone. */
static void online_blocks(struct udev_run *r, const struct change_opts *o,
			  const struct memhp_autoonline *conf,
			  const char *blocks)
{
	static const char *const zones[] = { "movable", "normal", "auto" };
	size_t nr = o->nr_selectors ? o->nr_selectors : 1;
	uint64_t *ids = calloc(nr, sizeof(*ids));
	uint64_t *batch = calloc(nr, sizeof(*batch));
	const char **zone_of = calloc(nr, sizeof(*zone_of));
	int ret;

	ret = ids && batch && zone_of ?
	      memhp_blocks_scan(r->ctx, MEMHP_ATTR_ALL) : -ENOMEM;
	/* An ACPI DIMM's blocks are plain System RAM until the kernel binds
	 * them to their device, just after it announced them: an offline
	 * block that looks like boot memory is read again a few times
	 * before it counts as that (memory from the probe attribute does) */
	for (int tries = 0; ret == 0 && tries < 5 && any_plain_ram(r, o);
	     tries++) {
		usleep(100 * 1000);
		ret = memhp_refresh(r->ctx);
	}
	if (ret < 0) {
		add(r, LOG_ERR, "%s: nothing done: cannot read memory "
		    "blocks: %s", blocks,
		    r->lib_error[0] ? r->lib_error : strerror(-ret));
		r->failed++;
		goto out;
	}
	for (size_t i = 0; i < o->nr_selectors; i++) {
		const char *s = o->selectors[i];
		uint64_t id = strtoull(s + (strncmp(s, "memory", 6) ? 0 : 6),
				       NULL, 10);
		const struct memhp_block *b = memhp_block_get_by_id(r->ctx, id);
		enum memhp_owner owner;

		ids[i] = id;
		if (!b) {
			add(r, LOG_ERR, "memory%" PRIu64 ": no such block", id);
			r->failed++;
			continue;
		}
		owner = memhp_block_get_owner(b);
		if (!memhp_autoonline_has_node(conf, memhp_block_get_node(b))) {
			add(r, LOG_INFO, "memory%" PRIu64 ": left offline: node "
			    "%d is not in nodes=%s", id,
			    memhp_block_get_node(b),
			    memhp_autoonline_get_nodes(conf));
		} else if (!memhp_autoonline_get_owner_zone(conf, owner)) {
			const char *dev = memhp_block_get_owner_device(b);

			add(r, LOG_INFO, "memory%" PRIu64 ": left alone: its "
			    "owner %s%s%s%s is not in owners=%s", id,
			    memhp_owner_name(owner), dev ? " (" : "",
			    dev ? dev : "", dev ? ")" : "",
			    memhp_autoonline_get_owners(conf));
		} else if (memhp_block_get_state(b) == MEMHP_STATE_ONLINE) {
			conflict(r, id, block_zone(b));
		} else {
			zone_of[i] = memhp_autoonline_get_owner_zone(conf,
								     owner);
		}
	}
	for (size_t z = 0; z < sizeof(zones) / sizeof(*zones); z++) {
		size_t n = 0;

		for (size_t i = 0; i < o->nr_selectors; i++)
			if (zone_of[i] && !strcmp(zone_of[i], zones[z]))
				batch[n++] = ids[i];
		if (n)
			run_plan(r, o, zones[z], batch, n, blocks);
	}
out:
	free(ids);
	free(batch);
	free(zone_of);
}

int memhp_online_udev(struct memhp_cli *cli, const struct change_opts *o)
{
	struct udev_run r = {
		.config = o->config ? o->config : MEMHP_AUTOONLINE_CONFIG,
		.prio = LOG_INFO,
	};
	struct memhp_autoonline *conf = NULL;
	char blocks[512];
	int ret;

	openlog("memhp", LOG_PID, LOG_DAEMON);
	names(o, blocks, sizeof(blocks));
	ret = read_config(&r, blocks, &conf);
	if (ret >= 0)
		goto out;
	ret = memhp_new(cli->sysfs_root, &cli->ctx);
	if (ret < 0) {
		add(&r, LOG_ERR, "%s: nothing done: sysfs root: %s", blocks,
		    strerror(-ret));
		ret = EXIT_FAILED;
		goto out;
	}
	r.ctx = cli->ctx;
	memhp_set_log_fn(r.ctx, capture_log, &r);
	online_blocks(&r, o, conf, blocks);
	ret = !r.failed ? EXIT_OK : r.ok ? EXIT_PARTIAL : EXIT_FAILED;
out:
	memhp_autoonline_free(conf);
	finish(&r, cli);
	return ret;
}
