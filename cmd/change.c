// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What memhp online and memhp offline share: the options, validating every
 * selector before anything is written, running the plan, and reporting
 * per block (table, JSON, one error line per failed block, one summary).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "selector.h"

static const struct argp_option change_options[] = {
	{ "atomic", OPT_ATOMIC, NULL, 0,
	  "All or nothing: at the first failure put every block changed so "
	  "far back", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Retry a busy block for up to SECONDS (default 30; 0: no limit)",
	  0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0,
	  "Print the blocks that would change; write nothing", 0 },
	{ "node", OPT_NODE, "N", 0, "Only blocks on NUMA node N", 0 },
	{ "owner", OPT_OWNER, "KIND", 0,
	  "Only blocks KIND added (boot, acpi-dimm, virtio-mem, dax-kmem, "
	  "memhp, unknown; memhp list -o +OWNER); with no selector, every "
	  "one of them", 0 },
	{ "blocks", 'b', NULL, 0,
	  "The selectors are block ids or lists (chmem's -b)", 0 },
	{ "block", 0, NULL, OPTION_ALIAS | OPTION_HIDDEN, NULL, 0 },
	{ 0 }
};

static error_t change_parse(int key, char *arg, struct argp_state *state)
{
	struct change_opts *o = state->input;

	switch (key) {
	case OPT_ATOMIC:
		o->atomic = true;
		break;
	case OPT_TIMEOUT:
		o->timeout_ms = (unsigned int)memhp_opt_uint(state, "timeout",
							     arg, 86400) * 1000;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_NODE:
		o->filter.node = (int)memhp_opt_uint(state, "node", arg,
						     INT32_MAX);
		break;
	case OPT_OWNER:
		memhp_opt_owner(state, arg, &o->filter);
		break;
	case 'b':
		o->blocks_only = true;
		break;
	case ARGP_KEY_ARG:
		if (o->nr_selectors == MAX_SELECTORS)
			argp_error(state, "too many selectors");
		o->selectors[o->nr_selectors++] = arg;
		break;
	case ARGP_KEY_END:
		if (!o->nr_selectors && o->filter.owner == MEMHP_OWNER_ANY)
			argp_error(state, "no blocks given: name block ids "
				   "(32-39), a range (0x100000000-0x13fffffff), "
				   "a size (1G) or an --owner");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp change_argp = {
	.options = change_options,
	.parser = change_parse,
};

static const char *state_word(enum memhp_state s)
{
	const char *n = memhp_state_name(s);

	return n ? n : "unknown";
}

static void block_range(struct memhp_ctx *ctx, uint64_t id, char *buf,
			size_t size)
{
	uint64_t bs = memhp_get_block_size(ctx);

	snprintf(buf, size, "0x%016" PRIx64 "-0x%016" PRIx64, id * bs,
		 id * bs + bs - 1);
}

static int print_table(struct memhp_ctx *ctx, const struct memhp_plan *plan)
{
	static const char *const cols[] = { "BLOCK", "RANGE", "FROM", "TO",
		"ZONE", "RESULT", "ATTEMPTS" };
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++)
		scols_table_new_column(tb, cols[i], 0,
				       i == 0 || i == 6 ? SCOLS_FL_RIGHT : 0);
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		enum memhp_zone z = memhp_change_get_zone(c);
		char buf[64];

		if (!ln)
			break;
		snprintf(buf, sizeof(buf), "%" PRIu64, memhp_change_get_block(c));
		scols_line_set_data(ln, 0, buf);
		block_range(ctx, memhp_change_get_block(c), buf, sizeof(buf));
		scols_line_set_data(ln, 1, buf);
		scols_line_set_data(ln, 2, state_word(memhp_change_get_from(c)));
		scols_line_set_data(ln, 3, state_word(memhp_change_get_to(c)));
		scols_line_set_data(ln, 4, z == MEMHP_ZONE_ANY ? "" :
				    memhp_zone_name(z));
		scols_line_set_data(ln, 5, memhp_result_name(
				    memhp_change_get_result(c)));
		snprintf(buf, sizeof(buf), "%u", memhp_change_get_attempts(c));
		scols_line_set_data(ln, 6, buf);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
}

struct totals {
	size_t n[MEMHP_NR_RESULTS];
};

static void count(const struct memhp_plan *plan, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++)
		t->n[memhp_change_get_result(memhp_plan_get(plan, i))]++;
}

/* offline --explain: the blocks it tells of are those that failed or
 * that a size moved past, and in a dry run those it would try */
static bool explained(const struct change_opts *o, enum memhp_result r)
{
	if (!o->explain)
		return false;
	return o->dry_run ? r == MEMHP_RESULT_PLANNED :
	       r == MEMHP_RESULT_FAILED || r == MEMHP_RESULT_PASSED_OVER;
}

/* The census of every change @o explains (NULL for the others), or NULL
 * when none is; a census that cannot be read is said once. */
static struct memhp_census **explain_censuses(struct memhp_cli *cli,
					      const struct memhp_plan *plan,
					      const struct change_opts *o)
{
	size_t n = memhp_plan_get_count(plan);
	struct memhp_census **cs;
	bool warned = false;

	if (!o->explain || !n || !(cs = calloc(n, sizeof(*cs))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		int ret;

		if (!explained(o, memhp_change_get_result(c)))
			continue;
		ret = memhp_census_new(memhp_cli_ctx(cli),
				       memhp_change_get_block(c), &cs[i]);
		if (ret < 0 && cs[i] && !warned && !cli->json) {
			memhp_census_warn(cs[i]);
			warned = true;
		}
	}
	return cs;
}

static void explain_free(const struct memhp_plan *plan,
			 struct memhp_census **cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++)
		memhp_census_free(cs[i]);
	free(cs);
}

/* the censuses as memhp why's table, after the report */
static void explain_table(struct memhp_ctx *ctx, const struct memhp_plan *plan,
			  struct memhp_census **cs, bool after_table)
{
	size_t n = 0, count = memhp_plan_get_count(plan);
	struct memhp_census **list;

	if (!cs || !(list = calloc(count, sizeof(*list))))
		return;
	for (size_t i = 0; i < count; i++)
		if (cs[i])
			list[n++] = cs[i];
	if (n) {
		if (after_table)
			putchar('\n');
		memhp_census_table(ctx, list, n);
	}
	free(list);
	/* and what the kernel said of them */
	for (size_t i = 0; i < count; i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);

		if (!cs[i] || !memhp_change_get_kmsg_count(c))
			continue;
		printf("block %" PRIu64 ", the kernel said:\n",
		       memhp_change_get_block(c));
		for (size_t j = 0; j < memhp_change_get_kmsg_count(c); j++)
			printf("  %s\n", memhp_tty(memhp_change_get_kmsg(c, j)));
	}
}

/* offline --reclaim: "node 1", or the whole machine without nodes */
static void reclaim_where(const struct memhp_reclaim *r, size_t i, char *buf,
			  size_t size)
{
	int node = memhp_reclaim_get_node(r, i);

	if (node >= 0)
		snprintf(buf, size, "node %d", node);
	else
		snprintf(buf, size, "all memory");
}

/* "FilePages 400M -> 100M" (or only the one known value) */
static void reclaim_counter(struct memhp_cli *cli,
			    const struct memhp_reclaim *r, size_t i,
			    enum memhp_reclaim_counter c, char *buf,
			    size_t size)
{
	uint64_t before = memhp_reclaim_get_before(r, i, c);
	uint64_t after = memhp_reclaim_get_after(r, i, c);
	char b[32] = "?", a[32] = "?";

	if (before != UINT64_MAX)
		memhp_format_size(b, sizeof(b), before, cli->bytes);
	if (after != UINT64_MAX)
		memhp_format_size(a, sizeof(a), after, cli->bytes);
	if (memhp_reclaim_has_run(r))
		snprintf(buf, size, "%s %s -> %s",
			 memhp_reclaim_counter_name(c), b, a);
	else
		snprintf(buf, size, "%s %s", memhp_reclaim_counter_name(c), b);
}

/* What --reclaim wrote (or, in a dry run, would write) and what changed:
 * on standard output, a failed write also on standard error. */
void memhp_reclaim_text(struct memhp_cli *cli, const struct memhp_reclaim *r,
			const char *name)
{
	bool ran;

	if (cli->verbosity < 0)
		return;
	if (!r || !memhp_reclaim_get_write_count(r)) {
		printf("reclaim: nothing to do: no block to offline is "
		       "online\n");
		return;
	}
	ran = memhp_reclaim_has_run(r);
	for (size_t i = 0; i < memhp_reclaim_get_write_count(r); i++) {
		const char *file = memhp_reclaim_get_write_file(r, i);
		int e = memhp_reclaim_get_write_errno(r, i);
		enum memhp_reclaim_action a =
			memhp_reclaim_get_write_action(r, i);

		if (e) {
			fprintf(stderr, "memhp: %s: reclaim: writing %s to "
				"/%s failed: %s\n", name,
				memhp_reclaim_get_write_value(r, i),
				memhp_tty(file), strerror(e));
			continue;
		}
		printf("reclaim: %s %s to /%s (%s)\n",
		       ran ? "wrote" : "would write",
		       memhp_reclaim_get_write_value(r, i), memhp_tty(file),
		       a == MEMHP_RECLAIM_DROP_CACHES ?
		       "clean page cache, on every node" :
		       a == MEMHP_RECLAIM_COMPACT_ALL ? "compaction, every node" :
		       "compaction");
	}
	for (size_t i = 0; i < memhp_reclaim_get_node_count(r); i++) {
		char where[32], fp[96], mf[96];

		reclaim_where(r, i, where, sizeof(where));
		reclaim_counter(cli, r, i, MEMHP_RECLAIM_FILE_PAGES, fp,
				sizeof(fp));
		reclaim_counter(cli, r, i, MEMHP_RECLAIM_MEM_FREE, mf,
				sizeof(mf));
		printf("reclaim: %s: %s, %s%s\n", where, fp, mf,
		       ran ? "" : " (now)");
	}
}

/* the same as "reclaim" in --json (memhp-json(7)) */
static struct json_object *reclaim_json(const struct memhp_plan *plan)
{
	const struct memhp_reclaim *r = memhp_plan_get_reclaim(plan);
	struct json_object *doc, *writes, *nodes;

	if (!r)
		return NULL;
	doc = json_object_new_object();
	writes = json_object_new_array();
	nodes = json_object_new_array();
	json_object_object_add(doc, "done", json_object_new_boolean(
			       memhp_reclaim_has_run(r)));
	for (size_t i = 0; i < memhp_reclaim_get_write_count(r); i++) {
		struct json_object *w = json_object_new_object();
		int e = memhp_reclaim_get_write_errno(r, i);
		char file[160];

		snprintf(file, sizeof(file), "/%s",
			 memhp_reclaim_get_write_file(r, i));
		json_object_object_add(w, "file", memhp_json_str(file));
		json_object_object_add(w, "value", memhp_json_str(
				memhp_reclaim_get_write_value(r, i)));
		json_object_object_add(w, "errno", e ? json_object_new_int(e) :
				       NULL);
		json_object_object_add(w, "error", e ?
				       memhp_json_str(strerror(e)) : NULL);
		json_object_array_add(writes, w);
	}
	for (size_t i = 0; i < memhp_reclaim_get_node_count(r); i++) {
		static const char *const keys[MEMHP_RECLAIM_NR_COUNTERS][2] = {
			[MEMHP_RECLAIM_FILE_PAGES] = { "file_pages_before",
						       "file_pages_after" },
			[MEMHP_RECLAIM_MEM_FREE] = { "mem_free_before",
						     "mem_free_after" },
		};
		struct json_object *n = json_object_new_object();
		int node = memhp_reclaim_get_node(r, i);

		json_object_object_add(n, "node", node >= 0 ?
				       json_object_new_int(node) : NULL);
		for (int c = 0; c < MEMHP_RECLAIM_NR_COUNTERS; c++) {
			uint64_t b = memhp_reclaim_get_before(r, i, c);
			uint64_t a = memhp_reclaim_get_after(r, i, c);

			json_object_object_add(n, keys[c][0], b == UINT64_MAX ?
					       NULL : memhp_json_u64(b));
			json_object_object_add(n, keys[c][1], a == UINT64_MAX ?
					       NULL : memhp_json_u64(a));
		}
		json_object_array_add(nodes, n);
	}
	json_object_object_add(doc, "writes", writes);
	json_object_object_add(doc, "nodes", nodes);
	return doc;
}

/* one line in the system log for the writes --reclaim made */
static void reclaim_audit(struct memhp_cli *cli, const struct memhp_plan *plan,
			  const char *name)
{
	const struct memhp_reclaim *r = memhp_plan_get_reclaim(plan);
	char line[512] = "";
	size_t len = 0;

	if (!r || !memhp_reclaim_has_run(r) ||
	    !memhp_reclaim_get_write_count(r))
		return;
	for (size_t i = 0; i < memhp_reclaim_get_write_count(r) &&
	     len < sizeof(line); i++) {
		int e = memhp_reclaim_get_write_errno(r, i);

		len += (size_t)snprintf(line + len, sizeof(line) - len,
					"%s/%s=%s%s%s", i ? ", " : "",
					memhp_reclaim_get_write_file(r, i),
					memhp_reclaim_get_write_value(r, i),
					e ? " failed: " : "",
					e ? strerror(e) : "");
	}
	memhp_audit(cli, "%s: reclaim: %s", name, line);
}

static struct json_object *plan_json(struct memhp_ctx *ctx,
				     const struct memhp_plan *plan,
				     const struct change_opts *o,
				     const struct totals *t, int exit_code,
				     struct memhp_census **cs)
{
	struct json_object *doc = memhp_json_document(ctx);
	struct json_object *arr = json_object_new_array();
	struct json_object *tot = json_object_new_object();

	json_object_object_add(doc, "action", memhp_json_str(
			       o->action == MEMHP_ACTION_ONLINE ? "online" :
								  "offline"));
	if (o->action == MEMHP_ACTION_ONLINE)
		json_object_object_add(doc, "zone",
				       memhp_json_str(o->zone));
	json_object_object_add(doc, "dry_run",
			       json_object_new_boolean(o->dry_run));
	json_object_object_add(doc, "atomic",
			       json_object_new_boolean(o->atomic));
	if (o->action == MEMHP_ACTION_OFFLINE)
		json_object_object_add(doc, "reclaim", reclaim_json(plan));
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		struct json_object *b = json_object_new_object();
		enum memhp_zone z = memhp_change_get_zone(c);
		const char *from = memhp_state_name(memhp_change_get_from(c));
		const char *error = memhp_change_get_error(c);
		int e = memhp_change_get_errno(c);
		uint64_t id = memhp_change_get_block(c);

		json_object_object_add(b, "block", memhp_json_u64(id));
		json_object_object_add(b, "start", memhp_json_u64(
				id * memhp_get_block_size(ctx)));
		json_object_object_add(b, "from", from ?
				       memhp_json_str(from) : NULL);
		json_object_object_add(b, "to", memhp_json_str(
				state_word(memhp_change_get_to(c))));
		json_object_object_add(b, "zone", z == MEMHP_ZONE_ANY ? NULL :
				       memhp_json_str(memhp_zone_name(z)));
		json_object_object_add(b, "result", memhp_json_str(
				memhp_result_name(memhp_change_get_result(c))));
		json_object_object_add(b, "errno", e ? json_object_new_int(e) :
				       NULL);
		json_object_object_add(b, "error", error ?
				       memhp_json_str(error) : NULL);
		json_object_object_add(b, "attempts", json_object_new_int(
				(int)memhp_change_get_attempts(c)));
		if (cs && cs[i]) {
			struct json_object *k = json_object_new_array();

			memhp_census_json_add(b, cs[i]);
			for (size_t j = 0; j < memhp_change_get_kmsg_count(c);
			     j++)
				json_object_array_add(k, memhp_json_str(
						memhp_change_get_kmsg(c, j)));
			json_object_object_add(b, "kmsg", k);
		}
		json_object_array_add(arr, b);
	}
	json_object_object_add(doc, "blocks", arr);
	for (int r = 0; r < MEMHP_NR_RESULTS; r++) {
		char key[32];

		snprintf(key, sizeof(key), "%s", memhp_result_name(r));
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		json_object_object_add(tot, key, memhp_json_u64(t->n[r]));
	}
	json_object_object_add(doc, "totals", tot);
	json_object_object_add(doc, "interrupted", memhp_plan_was_cancelled(plan) ?
			       memhp_json_str(memhp_cli_signal_name() ?
				       memhp_cli_signal_name() : "cancel") :
			       NULL);
	json_object_object_add(doc, "exit", json_object_new_int(exit_code));
	return doc;
}

/* Exit status from the results: 0 all done, 1 nothing changed and
 * something failed (or was cut short), 64 some changed and something
 * failed. */
static int exit_status(const struct memhp_plan *plan, const struct totals *t)
{
	bool cut = memhp_plan_was_cancelled(plan) ||
		   memhp_plan_get_shortfall(plan, NULL) > 0;

	if (!t->n[MEMHP_RESULT_FAILED] && !cut)
		return EXIT_OK;
	return t->n[MEMHP_RESULT_OK] ? EXIT_PARTIAL : EXIT_FAILED;
}

/* A bare number in chmem's -e/-d is a size in MiB, as chmem reads it. */
static bool chmem_size(const struct memhp_cli *cli, const struct change_opts *o,
		       const char *s)
{
	return cli->chmem && !o->blocks_only && *s &&
	       strspn(s, "0123456789") == strlen(s);
}

static int add_selector(struct memhp_cli *cli, struct memhp_plan *plan,
			const struct change_opts *o, const char *s)
{
	uint64_t bs = memhp_get_block_size(memhp_cli_ctx(cli));
	struct memhp_selector sel;
	char mib[32];
	int ret;

	if (chmem_size(cli, o, s) && strlen(s) < sizeof(mib) - 2) {
		snprintf(mib, sizeof(mib), "%sM", s);
		s = mib;
	}
	ret = memhp_selector_parse(s, bs, &sel);
	if (ret == -EDOM) {
		fprintf(stderr, "memhp: '%s' is not aligned to the memory block "
			"size (0x%" PRIx64 ", %" PRIu64 " MiB)\n", memhp_tty(s), bs, bs >> 20);
	} else if (ret == -ENOMEM) {
		memhp_cli_error(cli, ret, "selector '%s'", s);
	} else if (ret < 0) {
		fprintf(stderr, "memhp: '%s' is not a block id, list, range or "
			"size (for example 32, 32-39,41, memory32, "
			"0x100000000-0x13fffffff or 1G)\n", memhp_tty(s));
	} else if (o->blocks_only && sel.type != MEMHP_SELECT_BLOCKS) {
		fprintf(stderr, "memhp: -b/--blocks takes block ids, not '%s'\n",
			memhp_tty(s));
		ret = -EINVAL;
	} else if (sel.type == MEMHP_SELECT_SIZE) {
		ret = memhp_plan_add_size(plan, sel.size);
	} else {
		for (size_t i = 0; i < sel.nr_spans && ret == 0; i++)
			ret = memhp_plan_add_blocks(plan, sel.spans[i].first,
						    sel.spans[i].last);
		if (ret < 0)
			memhp_cli_error(cli, ret, "invalid selector '%s'", s);
	}
	memhp_selector_free(&sel);
	return ret;
}

/* --owner with no selector: every block of that owner (and node) */
static int add_owned(struct memhp_cli *cli, struct memhp_plan *plan,
		     const struct change_opts *o)
{
	int ret = memhp_plan_add_matching(plan);

	if (ret == -ENOENT)
		fprintf(stderr, "memhp: no block was added by %s%s\n",
			memhp_owner_name(o->filter.owner),
			o->filter.node >= 0 ? " on that node" : "");
	else if (ret < 0)
		memhp_cli_error(cli, ret, "cannot plan the blocks of %s",
				memhp_owner_name(o->filter.owner));
	return ret;
}

static int setup_plan(struct memhp_cli *cli, struct change_opts *o,
		      struct memhp_plan **planp)
{
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);
	struct memhp_filter *filter;
	struct memhp_plan *plan;
	int ret;

	if (!ctx)
		return EXIT_FAILED;
	ret = memhp_plan_new(ctx, o->action, &plan);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot read memory blocks");
		return EXIT_FAILED;
	}
	*planp = plan;
	if (o->action == MEMHP_ACTION_ONLINE &&
	    memhp_plan_set_zone(plan, o->zone) < 0) {
		fprintf(stderr, "memhp: invalid zone '%s' (auto, movable, "
			"normal, kernel, or DMA, DMA32, Normal, HighMem)\n",
			o->zone);
		return EXIT_USAGE;
	}
	filter = memhp_cli_filter_new(&o->filter);
	if (!filter)
		return EXIT_FAILED;
	memhp_plan_set_filter(plan, filter);
	memhp_plan_set_timeout(plan, o->timeout_ms);
	memhp_plan_set_atomic(plan, o->atomic);
	memhp_plan_set_reclaim(plan, o->reclaim);
	ret = o->nr_selectors ? 0 : add_owned(cli, plan, o);
	memhp_filter_free(filter);
	if (ret < 0)
		return ret == -ENOMEM ? EXIT_FAILED : EXIT_USAGE;
	for (size_t i = 0; i < o->nr_selectors; i++) {
		ret = add_selector(cli, plan, o, o->selectors[i]);
		if (ret < 0)
			return ret == -ENOMEM ? EXIT_FAILED : EXIT_USAGE;
	}
	ret = memhp_plan_check(plan);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot plan the change");
		return ret == -ENOSPC || ret == -ENOMEM ? EXIT_FAILED :
							  EXIT_USAGE;
	}
	return EXIT_OK;
}

static void report_errors(struct memhp_cli *cli, const struct memhp_plan *plan,
			  const char *name)
{
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);
	const char *why;

	for (size_t i = 0; i < memhp_plan_get_count(plan); i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		const char *error = memhp_change_get_error(c);
		enum memhp_result r = memhp_change_get_result(c);
		char range[64];

		/* the busy blocks a size moved past: counted, shown with -v */
		if (!error || (r == MEMHP_RESULT_PASSED_OVER &&
			       cli->verbosity <= 0))
			continue;
		block_range(ctx, memhp_change_get_block(c), range, sizeof(range));
		fprintf(stderr, "memhp: block %" PRIu64 " (%s): %s%s: %s\n",
			memhp_change_get_block(c), range, name,
			r == MEMHP_RESULT_FAILED ? " failed" : "", memhp_tty(error));
	}
	if (memhp_plan_get_shortfall(plan, &why) && why)
		fprintf(stderr, "memhp: %s: %s\n", name, memhp_tty(why));
}

/* Whether a selector asked for a size (1G, or chmem's MiB). */
static bool asks_size(struct memhp_cli *cli, const struct change_opts *o)
{
	uint64_t bs = memhp_get_block_size(memhp_cli_ctx(cli));

	for (size_t i = 0; i < o->nr_selectors; i++) {
		struct memhp_selector sel;
		bool size;

		if (chmem_size(cli, o, o->selectors[i]))
			return true;
		size = memhp_selector_parse(o->selectors[i], bs, &sel) == 0 &&
		       sel.type == MEMHP_SELECT_SIZE;
		memhp_selector_free(&sel);
		if (size)
			return true;
	}
	return false;
}

/*
 * An offline by size that took kernel memory says so, -v or not: Movable
 * blocks come first, so a block in another zone means Movable memory
 * alone could not meet the request (memhp why tells what is in them).
 */
static void say_kernel_memory(struct memhp_cli *cli,
			      const struct memhp_plan *plan,
			      const struct change_opts *o, const char *name)
{
	size_t n = 0, ok = 0;
	uint64_t first = 0;

	if (o->action != MEMHP_ACTION_OFFLINE || cli->verbosity < 0 ||
	    !asks_size(cli, o))
		return;
	for (size_t i = 0; i < memhp_plan_get_count(plan); i++) {
		const struct memhp_change *c = memhp_plan_get(plan, i);
		enum memhp_zone z = memhp_change_get_zone(c);

		if (memhp_change_get_result(c) != MEMHP_RESULT_OK)
			continue;
		ok++;
		if (z != MEMHP_ZONE_MOVABLE && z != MEMHP_ZONE_ANY && !n++)
			first = memhp_change_get_block(c);
	}
	if (n)
		fprintf(stderr, "memhp: %s: %zu of the %zu blocks taken (the "
			"first: %" PRIu64 ") were not in ZONE_MOVABLE: Movable "
			"memory alone could not meet the request\n", name, n,
			ok, first);
}

/* The report of a plan that ran (or a dry run): the table with -v or
 * --dry-run, JSON with --json (handed back in @report when asked), one
 * line per block with an error, one summary line.  The exit status. */
int memhp_change_report(struct memhp_cli *cli, const struct memhp_plan *plan,
			const struct change_opts *o, const char *name,
			struct json_object **report)
{
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);
	int status, sig = memhp_cli_signal();
	struct totals t;

	struct memhp_census **cs = explain_censuses(cli, plan, o);

	count(plan, &t);
	status = o->dry_run ? EXIT_OK : exit_status(plan, &t);
	if (!cli->json && memhp_plan_get_reclaim(plan))
		memhp_reclaim_text(cli, memhp_plan_get_reclaim(plan), name);
	if (!o->dry_run)
		reclaim_audit(cli, plan, name);
	if (cli->json && report) {
		*report = plan_json(ctx, plan, o, &t, status, cs);
	} else if (cli->json) {
		memhp_json_print(plan_json(ctx, plan, o, &t, status, cs));
	} else if (o->dry_run || cli->verbosity > 0) {
		print_table(ctx, plan);
	}
	if (!cli->json)
		explain_table(ctx, plan, cs,
			      o->dry_run || cli->verbosity > 0);
	explain_free(plan, cs);
	if (!cli->json)
		report_errors(cli, plan, name);
	if (o->dry_run)
		return status;
	if (memhp_plan_was_cancelled(plan))
		fprintf(stderr, "memhp: %s: interrupted by %s%s\n", name,
			sig ? memhp_cli_signal_name() : "a signal",
			o->atomic ? "; what it had changed is put back" : "");
	/* one block that failed: its own line above says it all */
	if (cli->verbosity >= 0 &&
	    !(memhp_plan_get_count(plan) == 1 && t.n[MEMHP_RESULT_FAILED]))
		fprintf(stderr, "memhp: %s: %zu changed, %zu unchanged, %zu "
			"failed%s%.0zu%s%.0zu%s%.0zu\n", name,
			t.n[MEMHP_RESULT_OK], t.n[MEMHP_RESULT_UNCHANGED],
			t.n[MEMHP_RESULT_FAILED],
			t.n[MEMHP_RESULT_ROLLED_BACK] ? ", rolled back " : "",
			t.n[MEMHP_RESULT_ROLLED_BACK],
			t.n[MEMHP_RESULT_PASSED_OVER] ? ", passed over " : "",
			t.n[MEMHP_RESULT_PASSED_OVER],
			t.n[MEMHP_RESULT_SKIPPED] ? ", skipped " : "",
			t.n[MEMHP_RESULT_SKIPPED]);
	if (!cli->json)
		say_kernel_memory(cli, plan, o, name);
	memhp_audit_plan(cli, name, plan, status);
	return status;
}

/* Plans, runs and reports; @name is "online" or "offline" for messages. */
static int change_execute(struct memhp_cli *cli, struct change_opts *o,
			  const char *name)
{
	struct memhp_plan *plan = NULL;
	int ret, status;

	if (!o->dry_run && geteuid() != 0) {
		fprintf(stderr, "memhp: %s changes memory state and needs root "
			"(try --dry-run to see the plan)\n", name);
		return EXIT_FAILED;
	}
	status = setup_plan(cli, o, &plan);
	if (status != EXIT_OK)
		goto out;
	if (!o->dry_run) {
		memhp_cli_start_transaction(cli, name);
		ret = memhp_plan_run(plan);
		memhp_cli_end_transaction(cli);
		if (ret < 0) {
			memhp_cli_error(cli, ret, "cannot %s", name);
			status = EXIT_FAILED;
			goto out;
		}
	}
	status = memhp_change_report(cli, plan, o, name, NULL);
out:
	memhp_plan_free(plan);
	return status;
}

int change_run(int argc, char **argv, struct memhp_cli *cli,
	       const struct argp *argp, struct change_opts *o)
{
	if (memhp_parse(argp, argc, argv, cli, o) < 0)
		return EXIT_USAGE;
	if (o->udev)
		return memhp_online_udev(cli, o);
	return change_execute(cli, o, argv[0]);
}
