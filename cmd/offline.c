// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp offline: take memory blocks offline, highest first. */
#include <stdio.h>
#include <string.h>

#include "change.h"

static const struct argp_option options[] = {
	{ "zone", 'z', "ZONE", 0,
	  "Only blocks in ZONE (Movable, Normal, ...; a whole name)", 0 },
	{ "explain", OPT_EXPLAIN, NULL, 0,
	  "Say what is in the blocks that failed (or, with --dry-run, would "
	  "be tried) and whether they can go: memhp why's census", 0 },
	{ "reclaim", OPT_RECLAIM, NULL, 0, RECLAIM_OPTION_HELP, 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct change_opts *o = state->input;

	switch (key) {
	case OPT_EXPLAIN:
		o->explain = true;
		break;
	case OPT_RECLAIM:
		o->reclaim = true;
		break;
	case 'z':
		o->filter.zone = memhp_zone_from_name(arg, strlen(arg));
		if (o->filter.zone == MEMHP_ZONE_UNKNOWN)
			argp_error(state, "invalid zone '%s' (DMA, DMA32, "
				   "Normal, HighMem, Movable, none)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &change_argp, 0, NULL, 0 },
	{ 0 }
};

static const struct argp offline_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "SELECTOR...\n--owner=KIND [SELECTOR...]",
	.doc = "Take memory blocks offline.\v"
	       "SELECTOR is a block id or list (32, 32-39,41, memory32), a "
	       "physical range aligned to the block size "
	       "(0x100000000-0x13fffffff) or a size with a unit (1G: "
	       "removable online blocks, Movable ones first, highest address "
	       "first).\n"
	       "Blocks go offline from the highest down. The kernel must "
	       "migrate every page away first; a block it cannot empty "
	       "(EBUSY) is retried with backoff until --timeout, then left "
	       "online. A block already offline is 'unchanged' and counts as "
	       "success.\n"
	       "Sizes are chosen under memhp's lock; a size moves past blocks "
	       "that fail before it retries any. SIGINT, SIGTERM or SIGHUP "
	       "stop the run cleanly: --atomic puts back what it changed, and "
	       "the report is printed. Each run that writes leaves one line "
	       "in the system log.\n"
	       "A size ranks its candidates by what is in them when "
	       "/proc/kpageflags can be read (memhp why): blocks that "
	       "something holds last, Movable before the others, then the "
	       "fewest pages that may not move, the fewest pages in use; -v "
	       "says which blocks it chose and why.\n"
	       "--reclaim prepares the ground under memhp's lock before any "
	       "block is written (and before a size ranks its candidates): "
	       "it writes 1 to /proc/sys/vm/drop_caches, which drops clean "
	       "page cache on EVERY node, not only theirs, and 1 to each "
	       "node's compact file (/proc/sys/vm/compact_memory without NUMA "
	       "nodes); explicit blocks and sizes alike. Never without "
	       "--reclaim; a dry run says what it would write.\n"
	       "Exit status: 0 done, 1 failed with nothing changed, 2 invalid "
	       "input (nothing written), 64 partial success.\n"
	       "Examples:\n"
	       "  memhp offline 32-39\n"
	       "  memhp offline --zone Movable --timeout 120 2G\n"
	       "  memhp offline --atomic --json 32-39\n"
	       "  memhp offline --dry-run --explain 1G\n"
	       "  memhp offline --reclaim --node 1 1G",
	.children = children,
};

int cmd_offline(int argc, char **argv, struct memhp_cli *cli)
{
	struct change_opts o = CHANGE_OPTS_INIT(MEMHP_ACTION_OFFLINE);

	return change_run(argc, argv, cli, &offline_argp, &o);
}
