// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp online: bring memory blocks online, into the zone asked for. */
#include <string.h>

#include "change.h"

static const struct argp_option options[] = {
	{ "zone", 'z', "ZONE", 0,
	  "movable (online_movable), normal or kernel (online_kernel), auto "
	  "(online: the kernel's policy decides; the default) or a zone "
	  "name: DMA, DMA32, Normal, Movable", 0 },
	{ "udev", OPT_UDEV, NULL, 0,
	  "The auto-online udev rule's entry: online the hot-added BLOCKs "
	  "(memory32) as the config says, or leave them; one line to "
	  "syslog, nothing on stdout", 0 },
	{ "config", OPT_CONFIG, "FILE", 0,
	  "The auto-online config for --udev (default "
	  MEMHP_AUTOONLINE_CONFIG ")", 0 },
	{ 0 }
};

/* memory32 or 32: what udev's %k and a person name a block by */
static bool is_block_name(const char *s)
{
	if (!strncmp(s, "memory", 6))
		s += 6;
	return *s && strspn(s, "0123456789") == strlen(s);
}

static void check_udev(struct change_opts *o, struct argp_state *state)
{
	if (o->config && !o->udev)
		argp_error(state, "--config goes with --udev");
	if (!o->udev)
		return;
	if (o->zone_set || o->filter.node >= 0)
		argp_error(state, "--udev takes the zone and nodes from the "
			   "config, not --zone or --node");
	if (o->dry_run || o->atomic || memhp_parsing_cli()->json)
		argp_error(state, "--udev reports to syslog only: no --dry-run, "
			   "--atomic or --json");
	for (size_t i = 0; i < o->nr_selectors; i++)
		if (!is_block_name(o->selectors[i]))
			argp_error(state, "--udev takes memory block names "
				   "(memory32) or ids, not '%s'",
				   o->selectors[i]);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct change_opts *o = state->input;

	switch (key) {
	case 'z':
		if (!strcasecmp(arg, "normal"))
			arg = "Normal";
		o->zone = arg;
		o->zone_set = true;
		break;
	case OPT_UDEV:
		o->udev = true;
		break;
	case OPT_CONFIG:
		o->config = arg;
		break;
	case ARGP_KEY_END:
		check_udev(o, state);
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &change_argp, 0, NULL, 0 },
	{ 0 }
};

static const struct argp online_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "SELECTOR...\n--owner=KIND [SELECTOR...]",
	.doc = "Bring memory blocks online.\v"
	       "SELECTOR is a block id or list (32, 32-39,41, memory32), a "
	       "physical range aligned to the block size "
	       "(0x100000000-0x13fffffff) or a size with a unit (1G, 512M: "
	       "the lowest offline blocks that can go into the zone).\n"
	       "Blocks go online from the lowest up; each is read back and "
	       "its zone checked. A block already online in the asked zone "
	       "is 'unchanged' and counts as success. Memory that should be "
	       "unpluggable later belongs in ZONE_MOVABLE: --zone=movable.\n"
	       "Sizes are chosen under memhp's lock; a size moves past blocks "
	       "that fail before it retries any. SIGINT, SIGTERM or SIGHUP "
	       "stop the run cleanly: --atomic puts back what it changed, and "
	       "the report is printed. Each run that writes leaves one line "
	       "in the system log.\n"
	       "Exit status: 0 done, 1 failed with nothing changed, 2 invalid "
	       "input (nothing written), 64 partial success.\n"
	       "Examples:\n"
	       "  memhp online --zone=movable 32-39\n"
	       "  memhp online --zone=movable --node 1 1G\n"
	       "  memhp online --atomic --json 0x100000000-0x13fffffff\n"
	       "Auto-online: the udev rule 60-memhp-auto-online.rules runs "
	       "'memhp online --udev memoryN' for each hot-added block; "
	       MEMHP_AUTOONLINE_CONFIG " (enabled=no as shipped, zone=movable, "
	       "nodes=) says whether and where it goes (memhp-online(8)).",
	.children = children,
};

int cmd_online(int argc, char **argv, struct memhp_cli *cli)
{
	struct change_opts o = CHANGE_OPTS_INIT(MEMHP_ACTION_ONLINE);

	return change_run(argc, argv, cli, &online_argp, &o);
}
