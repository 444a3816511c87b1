/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by memhp online and memhp offline (cmd/change.c). */
#ifndef MEMHP_CHANGE_H
#define MEMHP_CHANGE_H

#include "memhp.h"

#define MAX_SELECTORS 256

enum {
	OPT_ATOMIC = 0x200,
	OPT_TIMEOUT,
	OPT_DRY_RUN,
	OPT_NODE,
	OPT_OWNER,
	OPT_UDEV,
	OPT_CONFIG,
	OPT_EXPLAIN,
	OPT_RECLAIM,
};

struct change_opts {
	enum memhp_action action;
	const char *zone;	/* online: the target ("auto" by default) */
	struct memhp_cli_filter filter;
	unsigned int timeout_ms;
	bool atomic, dry_run, blocks_only;
	bool explain;		/* offline --explain: census of the blocks
				   that failed or would be picked */
	bool reclaim;		/* offline --reclaim: drop the clean page
				   cache, compact the nodes, report it */
	bool zone_set;		/* --zone given */
	bool udev;		/* online --udev: the auto-online rule's entry */
	const char *config;	/* --config: the auto-online config */
	const char *selectors[MAX_SELECTORS];
	size_t nr_selectors;
};

#define CHANGE_OPTS_INIT(act) { .action = (act), .zone = "auto", \
	.filter = MEMHP_CLI_FILTER_INIT, .timeout_ms = 30000 }

/* argp child with --atomic --timeout --dry-run --node -b and SELECTORs */
extern const struct argp change_argp;

int change_run(int argc, char **argv, struct memhp_cli *cli,
	       const struct argp *argp, struct change_opts *o);
/* The report of a plan that ran, or of a dry run (@o says which, the
 * action, the zone as asked and --atomic): the table with -v or --dry-run,
 * JSON with --json (handed back in @report when it is not NULL), a line
 * per block with an error, the summary line and the system log line.
 * Returns the exit status (0, 1 or 64). */
int memhp_change_report(struct memhp_cli *cli, const struct memhp_plan *plan,
			const struct change_opts *o, const char *name,
			struct json_object **report);

/* What --reclaim wrote (or, in a dry run, would write) and each node's
 * FilePages and MemFree before -> after, as memhp_change_report() says it
 * for a plan's memhp_plan_get_reclaim(); NULL: nothing to do, no block to
 * offline was online (remove and eject: no offline plan). */
void memhp_reclaim_text(struct memhp_cli *cli, const struct memhp_reclaim *r,
			const char *name);

/* --reclaim's --help, the same for offline, remove and eject */
#define RECLAIM_OPTION_HELP \
	"First drop the clean page cache (GLOBAL: drop_caches has no " \
	"per-node knob, every node loses it) and compact the nodes of the " \
	"blocks; says what it wrote and FilePages/MemFree before -> after"

/* remove's and eject's --help on --reclaim: @whose blocks, @cmd fails */
#define RECLAIM_UNPLUG_DOC(whose, cmd) \
	"--reclaim prepares the ground as memhp offline --reclaim does, " \
	"under memhp's lock before the first block goes offline: 1 to " \
	"/proc/sys/vm/drop_caches (clean page cache, on EVERY node) and to " \
	"the compact file of each node the " whose " online blocks are on. " \
	"Never without --reclaim; the report says what it wrote, also when " \
	"the " cmd " then fails.\n"

/* autoonline.c: memhp online --udev */
int memhp_online_udev(struct memhp_cli *cli, const struct change_opts *o);

#endif
