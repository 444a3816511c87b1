// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp probe: add a physical range (memhp.ko, or the kernel's own probe
 * attribute), optionally online it; --scan shows what can be added.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"

struct probe_opts {
	const char *args[2];
	int nargs;
	int node;
	bool scan;
	const char *online;	/* NULL: leave offline */
	unsigned int timeout_ms;
};

enum { OPT_PROBE_NODE = 0x300, OPT_ONLINE, OPT_SCAN, OPT_PROBE_TIMEOUT };

static const struct argp_option options[] = {
	{ "node", OPT_PROBE_NODE, "N", 0, "Add the range to NUMA node N", 0 },
	{ "online", OPT_ONLINE, "ZONE", OPTION_ARG_OPTIONAL,
	  "Online the new blocks into ZONE (movable when not given; see "
	  "memhp online --zone)", 0 },
	{ "timeout", OPT_PROBE_TIMEOUT, "SECONDS", 0,
	  "With --online: retry busy blocks for up to SECONDS (default 30)",
	  0 },
	{ "scan", OPT_SCAN, NULL, 0,
	  "List RAM the firmware reported that the kernel does not use: the "
	  "ranges that can be probed", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct probe_opts *o = state->input;

	switch (key) {
	case OPT_PROBE_NODE:
		o->node = (int)memhp_opt_uint(state, "node", arg, INT32_MAX);
		break;
	case OPT_ONLINE:
		o->online = arg ? arg : "movable";
		break;
	case OPT_PROBE_TIMEOUT:
		o->timeout_ms = (unsigned int)memhp_opt_uint(state, "timeout",
							     arg, 86400) * 1000;
		break;
	case OPT_SCAN:
		o->scan = true;
		break;
	case ARGP_KEY_ARG:
		if (o->nargs == 2)
			argp_error(state, "unexpected argument '%s'", arg);
		o->args[o->nargs++] = arg;
		break;
	case ARGP_KEY_END:
		if (o->scan && (o->nargs || o->online || o->node >= 0))
			argp_error(state, "--scan takes no range");
		if (!o->scan && o->nargs != 2)
			argp_error(state, "give START and SIZE (for example "
				   "0x40000000 512M), or --scan");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp probe_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "START SIZE\n--scan",
	.doc = "Add (hot-plug) a physical memory range.\v"
	       "START is a physical address (0x40000000), SIZE a size with a "
	       "unit (512M) or a number of bytes; both are multiples of the "
	       "memory block size. Numbers are decimal or 0x-hex; a leading "
	       "zero is refused, never read as octal. The blocks come up offline unless "
	       "--online is given.\n"
	       "With memhp.ko loaded the range is checked (RAM in the firmware "
	       "map, not in use, a possible node) and can be removed again "
	       "with memhp remove. Without it, a kernel with the probe "
	       "attribute (CONFIG_ARCH_MEMORY_PROBE) can add it, but checks "
	       "nothing and cannot remove it.\n"
	       "Examples:\n"
	       "  memhp probe --scan\n"
	       "  memhp probe --online=movable 0x40000000 512M",
};

const char *memhp_probe_errno_text(int err)
{
	switch (err) {
	case ENXIO:
		return "not RAM in the firmware memory map (memhp probe --scan "
		       "lists what is)";
	case EEXIST:
		return "in use: it overlaps System RAM or another owner's "
		       "resource";
	case ERANGE:
	case E2BIG:
		return "outside the physical range the kernel can hot-plug";
	case ENODEV:
		return "that NUMA node is not possible on this machine, or "
		       "memhp.ko is being unloaded";
	case ENOENT:
		return "not a range memhp.ko added (memhp list --json shows "
		       "\"probed\": true)";
	case EBUSY:
		return "some of its memory is still in use";
	case EPERM:
	case EACCES:
		return "permission denied (needs root; or the kernel is locked "
		       "down)";
	case EOPNOTSUPP:
		return "this kernel has no probe interface and memhp.ko is not "
		       "loaded: load it with 'modprobe memhp' (package "
		       "memhp-dkms)";
	default:
		return NULL;
	}
}

static int scan(struct memhp_cli *cli, struct memhp_ctx *ctx)
{
	struct memhp_hidden_ram *hidden = NULL;
	size_t n;
	int ret = memhp_hidden_ram_new(ctx, &hidden);

	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot scan for hidden RAM");
		return EXIT_FAILED;
	}
	n = memhp_hidden_ram_get_count(hidden);
	if (cli->json) {
		struct json_object *doc = memhp_json_document(ctx);
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			const struct memhp_hidden_range *h =
				memhp_hidden_ram_get(hidden, i);
			struct json_object *o = json_object_new_object();
			uint64_t start = memhp_hidden_range_get_start(h);
			uint64_t end = memhp_hidden_range_get_end(h);
			uint64_t usable = memhp_hidden_range_get_usable_size(h);

			json_object_object_add(o, "start", memhp_json_u64(start));
			json_object_object_add(o, "end", memhp_json_u64(end));
			json_object_object_add(o, "size",
				memhp_json_u64(end - start + 1));
			json_object_object_add(o, "usable_start", usable ?
				memhp_json_u64(
				memhp_hidden_range_get_usable_start(h)) : NULL);
			json_object_object_add(o, "usable_size",
				memhp_json_u64(usable));
			json_object_array_add(arr, o);
		}
		json_object_object_add(doc, "method", memhp_json_str(
			memhp_probe_method(ctx) == MEMHP_PROBE_MODULE ? "memhp.ko" :
			memhp_probe_method(ctx) == MEMHP_PROBE_KERNEL ? "kernel" :
			"none"));
		json_object_object_add(doc, "hidden", arr);
		memhp_json_print(doc);
	} else {
		struct libscols_table *tb = scols_new_table();

		scols_table_new_column(tb, "RANGE", 0, 0);
		scols_table_new_column(tb, "SIZE", 5, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, "PROBE", 0, 0);
		for (size_t i = 0; i < n; i++) {
			const struct memhp_hidden_range *h =
				memhp_hidden_ram_get(hidden, i);
			struct libscols_line *ln = scols_table_new_line(tb, NULL);
			uint64_t start = memhp_hidden_range_get_start(h);
			uint64_t end = memhp_hidden_range_get_end(h);
			uint64_t usable = memhp_hidden_range_get_usable_size(h);
			char buf[96];

			snprintf(buf, sizeof(buf), "0x%016" PRIx64 "-0x%016" PRIx64,
				 start, end);
			scols_line_set_data(ln, 0, buf);
			memhp_format_size(buf, sizeof(buf), end - start + 1,
					  cli->bytes);
			scols_line_set_data(ln, 1, buf);
			if (usable) {
				char sz[32];

				memhp_format_size(sz, sizeof(sz), usable,
						  cli->bytes);
				snprintf(buf, sizeof(buf), "memhp probe 0x%" PRIx64
					 " %s", memhp_hidden_range_get_usable_start(h),
					 sz);
			} else {
				snprintf(buf, sizeof(buf), "(less than a memory "
					 "block once aligned)");
			}
			scols_line_set_data(ln, 2, buf);
		}
		if (n)
			scols_print_table(tb);
		else
			puts("No hidden RAM: every RAM range the firmware "
			     "reported is in use.");
		scols_unref_table(tb);
	}
	memhp_hidden_ram_free(hidden);
	return EXIT_OK;
}

/* What memhp did to auto_online_blocks for the add: JSON "policy", a line
 * on stderr; EXIT_PARTIAL when the old value could not be put back. */
static int report_policy(struct memhp_cli *cli, const struct memhp_hotadd *h,
			 struct json_object *doc)
{
	const char *set, *was;
	bool restored;
	struct json_object *p;

	was = memhp_hotadd_get_policy(h, &set, &restored);
	if (!set) {
		json_object_object_add(doc, "policy", NULL);
		return EXIT_OK;
	}
	p = json_object_new_object();
	json_object_object_add(p, "key",
			       memhp_json_str("auto_online_blocks"));
	json_object_object_add(p, "was", memhp_json_str(was));
	json_object_object_add(p, "set", memhp_json_str(set));
	json_object_object_add(p, "restored", json_object_new_boolean(restored));
	json_object_object_add(doc, "policy", p);
	if (restored) {
		if (cli->verbosity >= 0)
			fprintf(stderr, "memhp: auto_online_blocks was '%s': "
				"set to '%s' for the add so that the kernel "
				"did not online the blocks itself, then put "
				"back\n", was, set);
		memhp_audit(cli, "probe: auto_online_blocks '%s' -> '%s' for "
			    "the add, put back", was, set);
		return EXIT_OK;
	}
	fprintf(stderr, "memhp: auto_online_blocks is still '%s' (it was '%s'): "
		"put it back with 'memhp policy auto_online_blocks=%s'\n",
		set, was, was);
	memhp_audit(cli, "probe: auto_online_blocks '%s' -> '%s' for the add, "
		    "NOT put back", was, set);
	return EXIT_PARTIAL;
}

int cmd_probe(int argc, char **argv, struct memhp_cli *cli)
{
	struct probe_opts o = { .node = -1, .timeout_ms = 30000 };
	struct json_object *doc, *online = NULL;
	enum memhp_probe_method method;
	int status = EXIT_OK;
	uint64_t start, size, bs;
	struct memhp_hotadd *h = NULL;
	struct memhp_ctx *ctx;
	int ret;

	if (memhp_parse(&probe_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	if (!o.scan && memhp_parse_range_args("probe", o.args[0], o.args[1],
					       &start, &size) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, 0);
	if (!ctx)
		return EXIT_FAILED;
	if (o.scan)
		return scan(cli, ctx);
	bs = memhp_get_block_size(ctx);
	if (!size || start % bs || size % bs || start + size < start) {
		fprintf(stderr, "memhp: probe: 0x%" PRIx64 " + 0x%" PRIx64 " is "
			"not a whole number of memory blocks (block size 0x%"
			PRIx64 ")\n", start, size, bs);
		return EXIT_USAGE;
	}
	if (o.online && strcmp(o.online, "auto") && strcmp(o.online, "movable") &&
	    strcmp(o.online, "kernel") && strcasecmp(o.online, "normal") &&
	    memhp_zone_from_name(o.online, strlen(o.online)) == MEMHP_ZONE_UNKNOWN) {
		fprintf(stderr, "memhp: probe: invalid zone '%s'\n", o.online);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memhp: probe adds memory and needs root\n");
		return EXIT_FAILED;
	}
	method = memhp_probe_method(ctx);
	if (method == MEMHP_PROBE_KERNEL && o.node >= 0) {
		fprintf(stderr, "memhp: probe: the kernel's probe interface "
			"cannot choose a node; load memhp.ko for --node\n");
		return EXIT_FAILED;
	}
	memhp_cli_start_transaction(cli, "probe");
	ret = memhp_hotadd_run(ctx, start, size, o.node, o.online,
			       o.timeout_ms, &h);
	memhp_cli_end_transaction(cli);
	if (ret < 0) {
		const char *why = memhp_probe_errno_text(-ret);

		fprintf(stderr, "memhp: probe 0x%" PRIx64 "-0x%" PRIx64
			" failed: %s%s%s%s\n", start, start + size - 1,
			strerror(-ret), why ? " (" : "", why ? why : "",
			why ? ")" : "");
		memhp_audit(cli, "probe 0x%" PRIx64 "-0x%" PRIx64 ": %s, "
			    "nothing added", start, start + size - 1,
			    strerror(-ret));
		return EXIT_FAILED;
	}
	if (cli->verbosity >= 0)
		fprintf(stderr, "memhp: added 0x%016" PRIx64 "-0x%016" PRIx64
			" (blocks %" PRIu64 "-%" PRIu64 ") with %s%s\n", start,
			start + size - 1, start / bs, (start + size) / bs - 1,
			method == MEMHP_PROBE_MODULE ? "memhp.ko" :
			"the kernel's probe interface",
			method == MEMHP_PROBE_MODULE ? "" :
			"; it cannot be removed again without memhp.ko");
	doc = memhp_json_document(ctx);
	json_object_object_add(doc, "action", memhp_json_str("probe"));
	json_object_object_add(doc, "method", memhp_json_str(
		method == MEMHP_PROBE_MODULE ? "memhp.ko" : "kernel"));
	json_object_object_add(doc, "start", memhp_json_u64(start));
	json_object_object_add(doc, "size", memhp_json_u64(size));
	json_object_object_add(doc, "first_block", memhp_json_u64(start / bs));
	json_object_object_add(doc, "last_block",
			       memhp_json_u64((start + size) / bs - 1));
	status = report_policy(cli, h, doc);
	if (o.online) {
		struct change_opts on = CHANGE_OPTS_INIT(MEMHP_ACTION_ONLINE);
		const struct memhp_plan *plan = memhp_hotadd_get_online(h);

		on.zone = o.online;
		on.timeout_ms = o.timeout_ms;
		if (plan) {
			ret = memhp_change_report(cli, plan, &on, "online",
						  &online);
		} else {
			memhp_cli_error(cli, -memhp_hotadd_get_online_errno(h),
					"added, but not online");
			ret = EXIT_FAILED;
		}
		json_object_object_add(doc, "online", online);
		/* added but not (all) online: partial */
		if (ret != EXIT_OK)
			status = EXIT_PARTIAL;
	}
	memhp_audit(cli, "probe 0x%" PRIx64 "-0x%" PRIx64 " (blocks %" PRIu64
		    "-%" PRIu64 "): added, exit %d", start, start + size - 1,
		    start / bs, (start + size) / bs - 1, status);
	memhp_hotadd_free(h);
	json_object_object_add(doc, "exit", json_object_new_int(status));
	if (cli->json)
		memhp_json_print(doc);
	else
		json_object_put(doc);
	return status;
}
