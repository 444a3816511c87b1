// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp summary: block size, totals, usage per node and zone, the onlining
 * policy and whether memhp.ko is loaded.
 */
#include <errno.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memhp.h"

enum { OPT_FORMAT = 0x100, OPT_OUTPUT_FILE, OPT_CENSUS };

static const struct argp_option options[] = {
	{ "bytes", 'b', NULL, 0, "Print sizes in bytes", 0 },
	{ "format", OPT_FORMAT, "FORMAT", 0,
	  "table (the default) or prometheus (node_exporter's textfile "
	  "collector format)", 0 },
	{ "output-file", OPT_OUTPUT_FILE, "FILE", 0,
	  "Write to FILE instead of standard output, through a new file "
	  "beside it renamed over it at the end: a reader never sees half "
	  "a file, and a failure leaves FILE as it was", 0 },
	{ "census", OPT_CENSUS, NULL, 0,
	  "Add each zone's pages by kind and how much can move, from "
	  "/proc/kpageflags (memhp why; root); not with prometheus", 0 },
	{ 0 }
};

enum summary_format { FORMAT_TABLE, FORMAT_PROMETHEUS };

struct summary_opts {
	enum summary_format format;
	const char *output_file;
	bool census;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct memhp_cli *cli = memhp_parsing_cli();
	struct summary_opts *o = state->input;

	switch (key) {
	case 'b':
		cli->bytes = true;
		break;
	case OPT_CENSUS:
		o->census = true;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "table"))
			o->format = FORMAT_TABLE;
		else if (!strcmp(arg, "prometheus"))
			o->format = FORMAT_PROMETHEUS;
		else
			argp_error(state, "--format: '%s' is neither table "
				   "nor prometheus", arg);
		break;
	case OPT_OUTPUT_FILE:
		if (!*arg)
			argp_error(state, "--output-file: an empty name");
		o->output_file = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp summary_argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Summarise memory hotplug on this system: block size, online "
	       "and offline totals, usage per NUMA node and zone, the "
	       "onlining policy and whether memhp.ko is loaded.\v"
	       "Examples:\n  memhp summary\n  memhp summary --json | jq "
	       "'.summary.nodes[] | {node, online}'\n"
	       "  memhp summary --census\n"
	       "  memhp summary --format=prometheus \\\n"
	       "      --output-file=/var/lib/prometheus/node-exporter/memhp.prom"
	       "\n(node_exporter's textfile collector; the memhp-prometheus "
	       "timer does this every minute once enabled)",
};

static bool zone_used(const struct memhp_usage *us, int z)
{
	for (size_t i = 0; i < memhp_usage_get_count(us); i++)
		if (memhp_node_usage_get_zone_online(memhp_usage_get(us, i), z))
			return true;
	return false;
}

static void size_str(char *buf, size_t size, uint64_t v, bool bytes)
{
	memhp_format_size(buf, size, v, bytes);
}

static int print_nodes_table(struct memhp_ctx *ctx,
			     const struct memhp_usage *us, bool bytes)
{
	struct libscols_table *tb = scols_new_table();
	int zcol[MEMHP_NR_ZONES];
	size_t n = memhp_usage_get_count(us);
	int ncol = 0, ret = 0, node0;
	bool live_free = false;
	uint64_t total, free_b;

	if (!tb)
		return -ENOMEM;
	scols_table_new_column(tb, "NODE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "BLOCKS", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "ONLINE", 5, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "OFFLINE", 5, SCOLS_FL_RIGHT);
	ncol = 4;
	for (int z = 0; z < MEMHP_NR_ZONES; z++) {
		zcol[z] = -1;
		if (zone_used(us, z)) {
			scols_table_new_column(tb, memhp_zone_name(z), 5,
					       SCOLS_FL_RIGHT);
			zcol[z] = ncol++;
		}
	}
	node0 = n ? memhp_node_usage_get_node(memhp_usage_get(us, 0)) : -1;
	if (node0 >= 0 && memhp_node_meminfo(ctx, node0, &total, &free_b) == 0) {
		scols_table_new_column(tb, "FREE", 5, SCOLS_FL_RIGHT);
		live_free = true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct memhp_node_usage *u = memhp_usage_get(us, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		int node = memhp_node_usage_get_node(u);
		char buf[64];

		if (!ln) {
			ret = -ENOMEM;
			break;
		}
		if (node >= 0)
			snprintf(buf, sizeof(buf), "%d", node);
		else
			snprintf(buf, sizeof(buf), "-");
		scols_line_set_data(ln, 0, buf);
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)memhp_node_usage_get_blocks(u));
		scols_line_set_data(ln, 1, buf);
		size_str(buf, sizeof(buf), memhp_node_usage_get_online(u), bytes);
		scols_line_set_data(ln, 2, buf);
		size_str(buf, sizeof(buf), memhp_node_usage_get_offline(u),
			 bytes);
		scols_line_set_data(ln, 3, buf);
		for (int z = 0; z < MEMHP_NR_ZONES; z++) {
			if (zcol[z] < 0)
				continue;
			size_str(buf, sizeof(buf),
				 memhp_node_usage_get_zone_online(u, z), bytes);
			scols_line_set_data(ln, (size_t)zcol[z], buf);
		}
		if (live_free && node >= 0 &&
		    memhp_node_meminfo(ctx, node, &total, &free_b) == 0) {
			size_str(buf, sizeof(buf), free_b, bytes);
			scols_line_set_data(ln, (size_t)ncol, buf);
		}
	}
	if (!ret)
		scols_print_table(tb);
	scols_unref_table(tb);
	return ret;
}

/* --census: the online blocks' pages by kind, summed per zone (a block
 * counts in its zone, the first of valid_zones) */
struct zone_census {
	uint64_t blocks, in_use, unmovable, hole;
	uint64_t pages[MEMHP_NR_PAGE_KINDS];
	uint64_t total;
};

/* 0, or the errno of the first census that could not be read (said) */
static int zone_censuses(struct memhp_ctx *ctx, struct zone_census *zc)
{
	struct memhp_block *b;

	memset(zc, 0, MEMHP_NR_ZONES * sizeof(*zc));
	memhp_block_foreach(ctx, b) {
		const uint8_t *zones;
		struct memhp_census *c;
		struct zone_census *z;
		int ret;

		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE ||
		    memhp_block_get_zones(b, &zones) < 1 ||
		    zones[0] >= MEMHP_NR_ZONES)
			continue;
		ret = memhp_census_new(ctx, memhp_block_get_id(b), &c);
		if (ret < 0) {
			if (c)
				memhp_census_warn(c);
			memhp_census_free(c);
			return ret;
		}
		z = &zc[zones[0]];
		z->blocks++;
		z->total += memhp_census_get_total(c);
		z->in_use += memhp_census_get_in_use(c);
		z->unmovable += memhp_census_get_unmovable(c);
		for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++)
			z->pages[k] += memhp_census_get_pages(c, k);
		memhp_census_free(c);
	}
	return 0;
}

/* of the zone's pages (holes left out), those that can move, rounded
 * down; -1 without pages */
static int movable_percent(const struct zone_census *z)
{
	uint64_t have = z->total - z->pages[MEMHP_PAGE_HOLE];

	return have ? (int)((have - z->unmovable) * 100 / have) : -1;
}

/* the kinds some zone has, as memhp why's table shows them */
static void print_zone_census(const struct zone_census *zc)
{
	struct libscols_table *tb = scols_new_table();
	int kinds[MEMHP_NR_PAGE_KINDS];
	size_t nk = 0;
	char buf[64];

	if (!tb)
		return;
	for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++)
		for (int z = 0; z < MEMHP_NR_ZONES; z++)
			if (zc[z].pages[k]) {
				kinds[nk++] = k;
				break;
			}
	scols_table_new_column(tb, "ZONE", 0, 0);
	scols_table_new_column(tb, "BLOCKS", 0, SCOLS_FL_RIGHT);
	for (size_t k = 0; k < nk; k++) {
		memhp_page_kind_header(kinds[k], buf, sizeof(buf));
		scols_table_new_column(tb, buf, 0, SCOLS_FL_RIGHT);
	}
	scols_table_new_column(tb, "MOVABLE%", 0, SCOLS_FL_RIGHT);
	for (int z = 0; z < MEMHP_NR_ZONES; z++) {
		struct libscols_line *ln;
		size_t col = 2;
		int pct;

		if (!zc[z].blocks || !(ln = scols_table_new_line(tb, NULL)))
			continue;
		scols_line_set_data(ln, 0, memhp_zone_name(z));
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)zc[z].blocks);
		scols_line_set_data(ln, 1, buf);
		for (size_t k = 0; k < nk; k++) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)
				 zc[z].pages[kinds[k]]);
			scols_line_set_data(ln, col++, buf);
		}
		pct = movable_percent(&zc[z]);
		if (pct >= 0) {
			snprintf(buf, sizeof(buf), "%d%%", pct);
			scols_line_set_data(ln, col, buf);
		}
	}
	putchar('\n');
	scols_print_table(tb);
	scols_unref_table(tb);
}

static struct json_object *zone_census_json(const struct zone_census *zc)
{
	struct json_object *arr = json_object_new_array();

	for (int z = 0; z < MEMHP_NR_ZONES; z++) {
		struct json_object *o, *c;
		int pct = movable_percent(&zc[z]);

		if (!zc[z].blocks)
			continue;
		o = json_object_new_object();
		c = json_object_new_object();
		json_object_object_add(o, "zone",
				       memhp_json_str(memhp_zone_name(z)));
		json_object_object_add(o, "blocks", memhp_json_u64(zc[z].blocks));
		json_object_object_add(c, "pages", memhp_json_u64(zc[z].total));
		json_object_object_add(c, "in_use", memhp_json_u64(zc[z].in_use));
		json_object_object_add(c, "unmovable",
				       memhp_json_u64(zc[z].unmovable));
		for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++)
			json_object_object_add(c, memhp_page_kind_name(k),
					       memhp_json_u64(zc[z].pages[k]));
		json_object_object_add(o, "census", c);
		json_object_object_add(o, "movable_percent", pct >= 0 ?
				       json_object_new_int(pct) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* one "Label:   value" line; the values right-aligned, as lsmem's
 * summary has them (libsmartcols escapes control bytes) */
static void print_line(struct libscols_table *kv, const char *label,
		       const char *value)
{
	struct libscols_line *ln = kv ? scols_table_new_line(kv, NULL) : NULL;

	if (!ln)
		return;
	scols_line_set_data(ln, 0, label);
	scols_line_set_data(ln, 1, value);
}

static int print_text(struct memhp_ctx *ctx, const struct memhp_usage *us,
		      bool bytes)
{
	struct libscols_table *kv = scols_new_table();
	uint64_t online = 0, offline = 0;
	char buf[64];
	int ret;

	if (!kv)
		return -ENOMEM;
	scols_table_enable_noheadings(kv, 1);
	scols_table_new_column(kv, "KEY", 0, 0);
	scols_table_new_column(kv, "VALUE", 0, SCOLS_FL_RIGHT);
	for (size_t i = 0; i < memhp_usage_get_count(us); i++) {
		online += memhp_node_usage_get_online(memhp_usage_get(us, i));
		offline += memhp_node_usage_get_offline(memhp_usage_get(us, i));
	}
	size_str(buf, sizeof(buf), memhp_get_block_size(ctx), bytes);
	print_line(kv, "Memory block size:", buf);
	size_str(buf, sizeof(buf), online, bytes);
	print_line(kv, "Total online memory:", buf);
	size_str(buf, sizeof(buf), offline, bytes);
	print_line(kv, "Total offline memory:", buf);
	snprintf(buf, sizeof(buf), "%zu", memhp_block_get_count(ctx));
	print_line(kv, "Memory blocks:", buf);
	for (const char *const *k = memhp_policy_keys(); *k; k++) {
		char *v = NULL;
		char label[64];

		if (memhp_policy_read(ctx, *k, &v) < 0)
			continue;
		snprintf(label, sizeof(label), "%s:", *k);
		print_line(kv, label, v);
		free(v);
	}
	if (memhp_module_loaded(ctx)) {
		struct memhp_probed_ranges *rs = NULL;
		uint64_t total = 0;
		size_t nr = 0;
		char sz[32], line[96];

		if (memhp_probed_ranges_new(ctx, &rs) == 0)
			nr = memhp_probed_ranges_get_count(rs);
		for (size_t i = 0; i < nr; i++)
			total += memhp_probed_range_get_size(
				memhp_probed_ranges_get(rs, i));
		memhp_probed_ranges_free(rs);
		size_str(sz, sizeof(sz), total, bytes);
		snprintf(line, sizeof(line), "loaded, %zu range%s added (%s)",
			 nr, nr == 1 ? "" : "s", sz);
		print_line(kv, "memhp.ko:", line);
	} else {
		print_line(kv, "memhp.ko:", "not loaded");
	}
	for (int o = 0; o < MEMHP_NR_OWNERS; o++) {
		uint64_t on = memhp_usage_get_owner_bytes(us, o, true);
		uint64_t off = memhp_usage_get_owner_bytes(us, o, false);
		char label[64], on_s[32], off_s[32], line[96];

		if (!on && !off)
			continue;
		snprintf(label, sizeof(label), "Added by %s:",
			 memhp_owner_name(o));
		size_str(on_s, sizeof(on_s), on, bytes);
		size_str(off_s, sizeof(off_s), off, bytes);
		snprintf(line, sizeof(line), "%s online, %s offline", on_s,
			 off_s);
		print_line(kv, label, line);
	}
	scols_print_table(kv);
	scols_unref_table(kv);
	putchar('\n');
	ret = print_nodes_table(ctx, us, bytes);
	return ret;
}

/* every owner, each with its online and offline bytes (0 when none) */
static struct json_object *owners_json(const struct memhp_usage *us)
{
	struct json_object *arr = json_object_new_array();

	for (int o = 0; o < MEMHP_NR_OWNERS; o++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "owner",
				       memhp_json_str(memhp_owner_name(o)));
		json_object_object_add(j, "online", memhp_json_u64(
			memhp_usage_get_owner_bytes(us, o, true)));
		json_object_object_add(j, "offline", memhp_json_u64(
			memhp_usage_get_owner_bytes(us, o, false)));
		json_object_array_add(arr, j);
	}
	return arr;
}

static int print_json(struct memhp_ctx *ctx, const struct memhp_usage *us,
		      const struct zone_census *zc, int census_err)
{
	struct json_object *doc = memhp_json_document(ctx);
	struct json_object *sum = json_object_new_object();
	struct json_object *nodes = json_object_new_array();
	struct json_object *module = json_object_new_object();
	uint64_t online = 0, offline = 0;

	for (size_t i = 0; i < memhp_usage_get_count(us); i++) {
		const struct memhp_node_usage *u = memhp_usage_get(us, i);
		struct json_object *o = json_object_new_object();
		struct json_object *zones = json_object_new_object();
		int node = memhp_node_usage_get_node(u);
		uint64_t total, free_b;

		online += memhp_node_usage_get_online(u);
		offline += memhp_node_usage_get_offline(u);
		json_object_object_add(o, "node", node >= 0 ?
				       json_object_new_int(node) : NULL);
		json_object_object_add(o, "online", memhp_json_u64(
				       memhp_node_usage_get_online(u)));
		json_object_object_add(o, "offline", memhp_json_u64(
				       memhp_node_usage_get_offline(u)));
		json_object_object_add(o, "blocks", memhp_json_u64(
				       memhp_node_usage_get_blocks(u)));
		for (int z = 0; z < MEMHP_NR_ZONES; z++) {
			uint64_t bytes = memhp_node_usage_get_zone_online(u, z);

			if (bytes)
				json_object_object_add(zones,
					memhp_zone_name(z),
					memhp_json_u64(bytes));
		}
		json_object_object_add(o, "zones", zones);
		if (node >= 0 &&
		    memhp_node_meminfo(ctx, node, &total, &free_b) == 0) {
			json_object_object_add(o, "total", memhp_json_u64(total));
			json_object_object_add(o, "free", memhp_json_u64(free_b));
		}
		json_object_array_add(nodes, o);
	}
	json_object_object_add(sum, "online", memhp_json_u64(online));
	json_object_object_add(sum, "offline", memhp_json_u64(offline));
	json_object_object_add(sum, "blocks",
			       memhp_json_u64(memhp_block_get_count(ctx)));
	json_object_object_add(sum, "nodes", nodes);
	json_object_object_add(sum, "owners", owners_json(us));
	if (zc)
		json_object_object_add(sum, "census", census_err ? NULL :
				       zone_census_json(zc));
	json_object_object_add(doc, "summary", sum);

	json_object_object_add(doc, "policy", memhp_json_policy(ctx));
	json_object_object_add(module, "loaded",
			       json_object_new_boolean(memhp_module_loaded(ctx)));
	if (memhp_module_loaded(ctx)) {
		struct memhp_probed_ranges *rs = NULL;
		struct json_object *ranges = json_object_new_array();
		size_t nr = 0;

		if (memhp_probed_ranges_new(ctx, &rs) == 0)
			nr = memhp_probed_ranges_get_count(rs);
		for (size_t i = 0; i < nr; i++) {
			const struct memhp_probed_range *r =
				memhp_probed_ranges_get(rs, i);
			struct json_object *o = json_object_new_object();
			int node = memhp_probed_range_get_node(r);

			json_object_object_add(o, "start", memhp_json_u64(
				memhp_probed_range_get_start(r)));
			json_object_object_add(o, "size", memhp_json_u64(
				memhp_probed_range_get_size(r)));
			json_object_object_add(o, "node", node >= 0 ?
					       json_object_new_int(node) : NULL);
			json_object_array_add(ranges, o);
		}
		memhp_probed_ranges_free(rs);
		json_object_object_add(module, "ranges", ranges);
	}
	json_object_object_add(doc, "module", module);
	return memhp_json_print(doc);
}

/*
 * --output-file: standard output goes to a new file beside the target
 * (FILE.XXXXXX, which the textfile collector does not read: it takes
 * *.prom only) and is renamed over it once everything is written and
 * synced.
 */
struct output_file {
	const char *path;
	char *tmp;
	int saved;	/* the original standard output */
};

static int output_begin(struct output_file *of)
{
	mode_t mask;
	int fd, err;

	if (asprintf(&of->tmp, "%s.XXXXXX", of->path) < 0) {
		of->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkstemp(of->tmp);
	if (fd < 0) {
		err = -errno;
		free(of->tmp);
		of->tmp = NULL;
		return err;
	}
	/* mkstemp makes 0600: give the file what a plain create would */
	mask = umask(0);
	umask(mask);
	fflush(stdout);
	of->saved = dup(STDOUT_FILENO);
	if (fchmod(fd, 0666 & ~mask) < 0 || of->saved < 0 ||
	    dup2(fd, STDOUT_FILENO) < 0) {
		err = -errno;
		if (of->saved >= 0)
			close(of->saved);
		close(fd);
		unlink(of->tmp);
		free(of->tmp);
		of->tmp = NULL;
		return err;
	}
	close(fd);
	return 0;
}

/* Puts standard output back; renames the new file over the target when
 * @keep and everything reached the disk, else removes it. */
static int output_end(struct output_file *of, bool keep)
{
	int ret = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		ret = errno ? -errno : -EIO;
	else if (fsync(STDOUT_FILENO) < 0)
		ret = -errno;
	dup2(of->saved, STDOUT_FILENO);
	close(of->saved);
	clearerr(stdout);
	if (keep && !ret && rename(of->tmp, of->path) < 0)
		ret = -errno;
	if (!keep || ret)
		unlink(of->tmp);
	free(of->tmp);
	of->tmp = NULL;
	return ret;
}

int cmd_summary(int argc, char **argv, struct memhp_cli *cli)
{
	struct summary_opts o = { .format = FORMAT_TABLE };
	struct zone_census zc[MEMHP_NR_ZONES];
	struct output_file of = { 0 };
	struct memhp_usage *us = NULL;
	struct memhp_ctx *ctx;
	int ret, end, census_err = 0;

	if (memhp_parse(&summary_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_ctx(cli);
	if (!ctx)
		return EXIT_FAILED;
	ret = memhp_usage_new(ctx, &us);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot read memory blocks");
		return EXIT_FAILED;
	}
	if (o.census && (cli->json || o.format == FORMAT_TABLE))
		census_err = zone_censuses(ctx, zc);
	if (o.output_file) {
		of.path = o.output_file;
		ret = output_begin(&of);
		if (ret < 0) {
			memhp_usage_free(us);
			memhp_cli_error(cli, ret, "cannot create a file beside %s",
					memhp_tty(of.path));
			return EXIT_FAILED;
		}
	}
	if (cli->json)
		ret = print_json(ctx, us, o.census ? zc : NULL, census_err);
	else if (o.format == FORMAT_PROMETHEUS)
		ret = memhp_prometheus_print(ctx, us);
	else
		ret = print_text(ctx, us, cli->bytes);
	if (!ret && !cli->json && o.format == FORMAT_TABLE && o.census &&
	    !census_err)
		print_zone_census(zc);
	memhp_usage_free(us);
	if (o.output_file) {
		end = output_end(&of, ret >= 0);
		if (ret >= 0 && end < 0) {
			memhp_cli_error(cli, end, "cannot write %s",
					memhp_tty(of.path));
			return EXIT_FAILED;
		}
	}
	if (!ret && census_err)
		return EXIT_FAILED;
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot print the summary");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
