// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp online: bring memory blocks online, into the zone asked for. */
#include <string.h>

#include "change.h"

static const struct argp_option options[] = {
	{ "zone", 'z', "ZONE", 0,
	  "movable (online_movable), normal or kernel (online_kernel), auto "
	  "(online: the kernel's policy decides; the default) or a zone "
	  "name: DMA, DMA32, Normal, Movable", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct change_opts *o = state->input;

	switch (key) {
	case 'z':
		if (!strcasecmp(arg, "normal"))
			arg = "Normal";
		o->zone = arg;
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

static const struct argp online_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "SELECTOR...",
	.doc = "Bring memory blocks online.\v"
	       "SELECTOR is a block id or list (32, 32-39,41, memory32), a "
	       "physical range aligned to the block size "
	       "(0x100000000-0x13fffffff) or a size with a unit (1G, 512M: "
	       "the lowest offline blocks that can go into the zone).\n"
	       "Blocks go online from the lowest up; each is read back and "
	       "its zone checked. A block already online in the asked zone "
	       "is 'unchanged' and counts as success. Memory that should be "
	       "unpluggable later belongs in ZONE_MOVABLE: --zone=movable.\n"
	       "Exit status: 0 done, 1 failed with nothing changed, 2 invalid "
	       "input (nothing written), 64 partial success.\n"
	       "Examples:\n"
	       "  memhp online --zone=movable 32-39\n"
	       "  memhp online --zone=movable --node 1 1G\n"
	       "  memhp online --atomic --json 0x100000000-0x13fffffff",
	.children = children,
};

int cmd_online(int argc, char **argv, struct memhp_cli *cli)
{
	struct change_opts o = CHANGE_OPTS_INIT(MEMHP_ACTION_ONLINE);

	return change_run(argc, argv, cli, &online_argp, &o);
}
