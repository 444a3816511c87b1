// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp remove: take a range memhp.ko added offline with the state-change
 * engine (so --timeout and per-block reporting apply, and a block that
 * cannot go puts the others back), then remove it.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"

struct remove_opts {
	const char *args[2];
	int nargs;
	bool all;
	bool reclaim;		/* --reclaim: before the offline */
	unsigned int timeout_ms;
};

enum { OPT_ALL = 0x400, OPT_REMOVE_TIMEOUT, OPT_REMOVE_RECLAIM };

static const struct argp_option options[] = {
	{ "all", OPT_ALL, NULL, 0, "Remove every range memhp.ko added", 0 },
	{ "timeout", OPT_REMOVE_TIMEOUT, "SECONDS", 0,
	  "Retry busy blocks while offlining for up to SECONDS (default 30)",
	  0 },
	{ "reclaim", OPT_REMOVE_RECLAIM, NULL, 0, RECLAIM_OPTION_HELP, 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct remove_opts *o = state->input;

	switch (key) {
	case OPT_ALL:
		o->all = true;
		break;
	case OPT_REMOVE_RECLAIM:
		o->reclaim = true;
		break;
	case OPT_REMOVE_TIMEOUT:
		o->timeout_ms = (unsigned int)memhp_opt_uint(state, "timeout",
							     arg, 86400) * 1000;
		break;
	case ARGP_KEY_ARG:
		if (o->nargs == 2)
			argp_error(state, "unexpected argument '%s'", arg);
		o->args[o->nargs++] = arg;
		break;
	case ARGP_KEY_END:
		if (o->all ? o->nargs != 0 : o->nargs != 2)
			argp_error(state, "give START SIZE of a range memhp.ko "
				   "added, or --all");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp remove_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "START SIZE\n--all",
	.doc = "Remove (hot-unplug) a range memhp.ko added.\v"
	       "START SIZE name the range exactly as it was probed (memhp "
	       "list --json marks its blocks \"probed\": true), in decimal "
	       "or 0x-hex (a leading zero is refused). Online blocks "
	       "are taken offline first, highest first; if one cannot go, "
	       "the others are put back online and nothing is removed.\n"
	       RECLAIM_UNPLUG_DOC("range's", "remove")
	       "Examples:\n"
	       "  memhp remove 0x40000000 512M\n"
	       "  memhp remove --all --timeout 120\n"
	       "  memhp remove --reclaim 0x40000000 512M",
};

static int remove_one(struct memhp_cli *cli, const struct remove_opts *o,
		      uint64_t start, uint64_t size, struct json_object *arr)
{
	struct json_object *entry = json_object_new_object();
	struct json_object *offline = NULL, *back = NULL;
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);
	struct memhp_unplug *u = NULL;
	enum memhp_unplug_result r;
	int ret, status;

	json_object_object_add(entry, "start", memhp_json_u64(start));
	json_object_object_add(entry, "size", memhp_json_u64(size));
	json_object_array_add(arr, entry);
	memhp_cli_start_transaction(cli, "remove");
	ret = memhp_remove_run2(ctx, o->reclaim ? MEMHP_UNPLUG_RECLAIM : 0,
				start, size, o->timeout_ms, &u);
	memhp_cli_end_transaction(cli);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "remove 0x%" PRIx64 "-0x%" PRIx64,
				start, start + size - 1);
		json_object_object_add(entry, "result",
				       memhp_json_str("failed"));
		return EXIT_FAILED;
	}
	if (memhp_unplug_get_offline(u)) {
		struct change_opts off = CHANGE_OPTS_INIT(MEMHP_ACTION_OFFLINE);

		off.atomic = true;
		memhp_change_report(cli, memhp_unplug_get_offline(u), &off,
				    "offline", &offline);
	} else if (o->reclaim && !cli->json) {
		memhp_reclaim_text(cli, NULL, "remove");
	}
	if (memhp_unplug_get_put_back(u)) {
		struct change_opts on = CHANGE_OPTS_INIT(MEMHP_ACTION_ONLINE);

		on.zone = "previous";
		memhp_change_report(cli, memhp_unplug_get_put_back(u), &on,
				    "online", &back);
	}
	json_object_object_add(entry, "offline", offline);
	if (back)
		json_object_object_add(entry, "put_back", back);
	r = memhp_unplug_get_result(u);
	status = r == MEMHP_UNPLUG_DONE ? EXIT_OK :
		 memhp_unplug_put_back_ok(u) ? EXIT_FAILED : EXIT_PARTIAL;
	json_object_object_add(entry, "result", memhp_json_str(
			       r == MEMHP_UNPLUG_DONE ? "ok" :
			       r == MEMHP_UNPLUG_CANCELLED ? "interrupted" :
			       "failed"));
	if (r == MEMHP_UNPLUG_REFUSED) {
		int e = memhp_unplug_get_errno(u);
		const char *why = memhp_probe_errno_text(e);

		fprintf(stderr, "memhp: remove 0x%" PRIx64 "-0x%" PRIx64
			" failed: %s%s%s%s\n", start, start + size - 1,
			strerror(e), why ? " (" : "", why ? why : "",
			why ? ")" : "");
		json_object_object_add(entry, "errno", json_object_new_int(e));
	} else if (r == MEMHP_UNPLUG_NOT_OFFLINE) {
		fprintf(stderr, "memhp: remove 0x%" PRIx64 "-0x%" PRIx64 ": its "
			"blocks could not all be taken offline; nothing "
			"removed\n", start, start + size - 1);
	} else if (r == MEMHP_UNPLUG_CANCELLED) {
		fprintf(stderr, "memhp: remove 0x%" PRIx64 "-0x%" PRIx64 ": "
			"interrupted by %s; nothing removed\n", start,
			start + size - 1, memhp_cli_signal_name() ?
			memhp_cli_signal_name() : "a signal");
	} else if (cli->verbosity >= 0) {
		fprintf(stderr, "memhp: removed 0x%016" PRIx64 "-0x%016" PRIx64
			"\n", start, start + size - 1);
	}
	memhp_audit(cli, "remove 0x%" PRIx64 "-0x%" PRIx64 ": %s, exit %d",
		    start, start + size - 1, memhp_unplug_result_name(r),
		    status);
	memhp_unplug_free(u);
	return status;
}

static bool is_range(const struct memhp_probed_range *r, uint64_t start,
		     uint64_t size)
{
	return memhp_probed_range_get_start(r) == start &&
	       memhp_probed_range_get_size(r) == size;
}

int cmd_remove(int argc, char **argv, struct memhp_cli *cli)
{
	struct remove_opts o = { .timeout_ms = 30000 };
	struct memhp_probed_ranges *rs = NULL;
	struct json_object *doc, *arr;
	uint64_t start = 0, size = 0, bs;
	struct memhp_ctx *ctx;
	size_t n = 0, done = 0;
	int ret, status = EXIT_OK;
	bool found = false;

	if (memhp_parse(&remove_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	if (!o.all && memhp_parse_range_args("remove", o.args[0], o.args[1],
					       &start, &size) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, 0);
	if (!ctx)
		return EXIT_FAILED;
	bs = memhp_get_block_size(ctx);
	if (!o.all && (!size || start % bs || size % bs)) {
		fprintf(stderr, "memhp: remove: 0x%" PRIx64 " + 0x%" PRIx64
			" is not a whole number of memory blocks (block size "
			"0x%" PRIx64 ")\n", start, size, bs);
		return EXIT_USAGE;
	}
	if (!memhp_module_loaded(ctx)) {
		fprintf(stderr, "memhp: remove needs memhp.ko, which is not "
			"loaded (the kernel's probe interface cannot remove "
			"memory)\n");
		return EXIT_FAILED;
	}
	ret = memhp_probed_ranges_new(ctx, &rs);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot list memhp.ko's ranges");
		return EXIT_FAILED;
	}
	n = memhp_probed_ranges_get_count(rs);
	for (size_t i = 0; i < n; i++)
		if (o.all || is_range(memhp_probed_ranges_get(rs, i), start,
				      size))
			found = true;
	if (!o.all && !found) {
		fprintf(stderr, "memhp: remove: 0x%" PRIx64 "-0x%" PRIx64
			" is not a range memhp.ko added (memhp list --json shows "
			"\"probed\": true)\n", start, start + size - 1);
		memhp_probed_ranges_free(rs);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memhp: remove changes memory and needs root\n");
		memhp_probed_ranges_free(rs);
		return EXIT_FAILED;
	}
	doc = memhp_json_document(ctx);
	arr = json_object_new_array();
	json_object_object_add(doc, "action", memhp_json_str("remove"));
	json_object_object_add(doc, "ranges", arr);
	for (size_t i = 0; i < n; i++) {
		const struct memhp_probed_range *r = memhp_probed_ranges_get(rs, i);

		if (!o.all && !is_range(r, start, size))
			continue;
		if (memhp_cancelled(ctx))
			break;
		ret = remove_one(cli, &o, memhp_probed_range_get_start(r),
				 memhp_probed_range_get_size(r), arr);
		if (ret == EXIT_OK)
			done++;
		else
			status = ret == EXIT_PARTIAL || done ? EXIT_PARTIAL :
							       EXIT_FAILED;
	}
	if (status != EXIT_OK && done)
		status = EXIT_PARTIAL;
	json_object_object_add(doc, "exit", json_object_new_int(status));
	if (cli->json)
		memhp_json_print(doc);
	else
		json_object_put(doc);
	memhp_probed_ranges_free(rs);
	return status;
}
