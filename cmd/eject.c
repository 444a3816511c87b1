// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp eject: unplug an ACPI memory device.  Its blocks go offline first
 * with the state-change engine (atomically: one that cannot go puts the
 * others back), then the firmware is asked to eject it, and memhp waits
 * until the device is gone.  If the eject is refused or never happens, the
 * blocks that were online are put back into the zones they were in.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "change.h"
#include "devices.h"

struct eject_opts {
	const char *device;
	unsigned int timeout_ms;
	unsigned int wait_ms;
	bool reclaim;		/* --reclaim: before the offline */
};

enum { OPT_EJECT_TIMEOUT = 0x500, OPT_WAIT, OPT_EJECT_RECLAIM };

static const struct argp_option options[] = {
	{ "timeout", OPT_EJECT_TIMEOUT, "SECONDS", 0,
	  "Retry busy blocks while offlining for up to SECONDS each "
	  "(default 30, 0: no limit)", 0 },
	{ "wait", OPT_WAIT, "SECONDS", 0,
	  "Wait up to SECONDS for the firmware to remove the device "
	  "(default 30)", 0 },
	{ "reclaim", OPT_EJECT_RECLAIM, NULL, 0, RECLAIM_OPTION_HELP, 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct eject_opts *o = state->input;

	switch (key) {
	case OPT_EJECT_TIMEOUT:
		o->timeout_ms = (unsigned int)memhp_opt_uint(state, "timeout",
							     arg, 86400) * 1000;
		break;
	case OPT_EJECT_RECLAIM:
		o->reclaim = true;
		break;
	case OPT_WAIT:
		o->wait_ms = (unsigned int)memhp_opt_uint(state, "wait", arg,
							  3600) * 1000;
		if (!o->wait_ms)
			argp_error(state, "--wait needs at least 1 second");
		break;
	case ARGP_KEY_ARG:
		if (o->device)
			argp_error(state, "unexpected argument '%s': eject "
				   "takes one device", arg);
		o->device = arg;
		break;
	case ARGP_KEY_END:
		if (!o->device)
			argp_error(state, "which device? (memhp devices "
				   "lists them)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp eject_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "DEVICE",
	.doc = "Unplug an ACPI memory device (a DIMM): offline its memory, "
	       "then have the firmware eject it.\v"
	       "DEVICE is a name from 'memhp devices' (PNP0C80:00) or its "
	       "ACPI path (\\_SB_.MHPC.MP00). Its online blocks go offline "
	       "first, highest first; if one cannot go, the others are put "
	       "back online and nothing is ejected. Then 1 is written to the "
	       "device's eject attribute and memhp waits until the kernel "
	       "reports it not present. If the firmware refuses or takes longer than "
	       "--wait, the blocks that were online are put back into their "
	       "zones. Memory onlined into ZONE_MOVABLE (memhp online "
	       "--zone=movable) is what can be unplugged reliably.\n"
	       RECLAIM_UNPLUG_DOC("device's", "eject")
	       "Exit status: 0 ejected, 1 failed with the memory as it was, "
	       "2 invalid input (nothing touched), 64 failed and the memory "
	       "could not all be put back.\n"
	       "Examples:\n"
	       "  memhp eject PNP0C80:00\n"
	       "  memhp eject --timeout 120 --json '\\_SB_.MHPC.MP01'\n"
	       "  memhp eject --reclaim PNP0C80:00",
};

/* By name or by ACPI path; 0, -ENOENT or another negative errno. */
static int find_device(struct memhp_ctx *ctx, const char *want,
		       struct memhp_acpi_device **out)
{
	struct memhp_acpi_devices *devs;
	int ret;

	*out = NULL;
	if (!strncmp(want, "PNP0C80:", 8)) {
		ret = memhp_acpi_device_new(ctx, want, out);
		return ret == -EINVAL ? -ENOENT : ret;
	}
	ret = memhp_acpi_devices_new(ctx, &devs);
	if (ret < 0)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < memhp_acpi_devices_get_count(devs); i++) {
		const struct memhp_acpi_device *d = memhp_acpi_devices_get(devs,
									   i);
		const char *path = memhp_acpi_device_get_path(d);

		if (path && !strcmp(path, want)) {
			ret = memhp_acpi_device_new(ctx,
				memhp_acpi_device_get_name(d), out);
			break;
		}
	}
	memhp_acpi_devices_free(devs);
	return ret;
}

static const char *outcome_name(enum memhp_unplug_result r)
{
	switch (r) {
	case MEMHP_UNPLUG_DONE: return "ejected";
	case MEMHP_UNPLUG_NOT_OFFLINE: return "not-offline";
	case MEMHP_UNPLUG_REFUSED: return "refused";
	case MEMHP_UNPLUG_TIMEOUT: return "timeout";
	case MEMHP_UNPLUG_CANCELLED: return "interrupted";
	}
	return "?";
}

/* The transaction's story, for people. */
static void tell(struct memhp_cli *cli, const struct memhp_acpi_device *dev,
		 const struct memhp_unplug *u, const char *blocks,
		 const struct eject_opts *o)
{
	const char *name = memhp_tty(memhp_acpi_device_get_name(dev));
	const char *path = memhp_acpi_device_get_path(dev);
	int e = memhp_unplug_get_errno(u);

	switch (memhp_unplug_get_result(u)) {
	case MEMHP_UNPLUG_DONE:
		if (cli->verbosity >= 0 && !cli->json)
			fprintf(stderr, "memhp: ejected %s%s%s%s (blocks %s)\n",
				name, path ? " (" : "", path ? memhp_tty(path) : "",
				path ? ")" : "", blocks);
		return;
	case MEMHP_UNPLUG_NOT_OFFLINE:
		fprintf(stderr, "memhp: eject %s: blocks %s could not all be "
			"taken offline; nothing ejected\n", name,
			blocks);
		return;
	case MEMHP_UNPLUG_TIMEOUT:
		fprintf(stderr, "memhp: eject %s: the device was still there "
			"after %u s; the firmware or the kernel refused it "
			"(see dmesg)\n", name, o->wait_ms / 1000);
		break;
	case MEMHP_UNPLUG_REFUSED:
		fprintf(stderr, "memhp: eject %s: %s%s\n", name,
			strerror(e), e == ENODEV ? " (no ACPI hotplug handler "
			"or driver bound to it)" : "");
		break;
	case MEMHP_UNPLUG_CANCELLED:
		fprintf(stderr, "memhp: eject %s: interrupted by %s; nothing "
			"ejected\n", name, memhp_cli_signal_name() ?
			memhp_cli_signal_name() : "a signal");
		break;
	}
	if (!memhp_unplug_put_back_ok(u))
		fprintf(stderr, "memhp: eject %s: not every block could be put "
			"back online (memhp list)\n", name);
	else if (memhp_unplug_get_put_back(u) && cli->verbosity >= 0)
		fprintf(stderr, "memhp: eject %s: its blocks are back online\n",
			name);
}

int cmd_eject(int argc, char **argv, struct memhp_cli *cli)
{
	struct eject_opts o = { .timeout_ms = 30000, .wait_ms = 30000 };
	struct json_object *doc, *offline = NULL, *back, *arr;
	struct memhp_acpi_device *dev = NULL;
	struct memhp_unplug *u = NULL;
	const uint64_t *ids;
	const char *name;
	size_t nr;
	struct device_status st;
	struct memhp_ctx *ctx;
	char blocks[1024];
	int ret, status;

	if (memhp_parse(&eject_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES |
				    MEMHP_ATTR_NODE);
	if (!ctx)
		return EXIT_FAILED;
	ret = find_device(ctx, o.device, &dev);
	if (ret == 0 && !memhp_acpi_device_is_present(dev))
		ret = -ENOENT;	/* ejected already */
	if (ret == -ENOENT) {
		fprintf(stderr, "memhp: eject: no ACPI memory device '%s' "
			"(memhp devices lists them)\n", o.device);
		memhp_acpi_device_free(dev);
		return EXIT_USAGE;
	}
	if (ret < 0) {
		memhp_cli_error(cli, ret, "eject: cannot read %s", o.device);
		return EXIT_FAILED;
	}
	name = memhp_acpi_device_get_name(dev);
	nr = memhp_acpi_device_get_blocks(dev, &ids);
	memhp_device_status(ctx, dev, &st);
	memhp_device_blocks_text(dev, blocks, sizeof(blocks));
	status = EXIT_FAILED;
	if (!memhp_acpi_device_is_ejectable(dev)) {
		fprintf(stderr, "memhp: eject %s: the firmware has no eject "
			"method (_EJ0) for it; it cannot be unplugged from the "
			"guest\n", memhp_tty(name));
		goto out;
	}
	if (memhp_acpi_hotplug_enabled(ctx) == 0) {
		fprintf(stderr, "memhp: eject %s: the kernel's ACPI memory "
			"hotplug is disabled (/sys/firmware/acpi/hotplug/memory/"
			"enabled is 0)\n", memhp_tty(name));
		goto out;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memhp: eject changes memory and needs root\n");
		goto out;
	}
	memhp_cli_start_transaction(cli, "eject");
	ret = memhp_eject_run2(ctx, o.reclaim ? MEMHP_UNPLUG_RECLAIM : 0, name,
			       o.timeout_ms, o.wait_ms, &u);
	memhp_cli_end_transaction(cli);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "eject %s", name);
		goto out;
	}
	doc = memhp_json_document(ctx);
	json_object_object_add(doc, "action", memhp_json_str("eject"));
	json_object_object_add(doc, "device", memhp_json_str(name));
	json_object_object_add(doc, "path", memhp_json_str(
				       memhp_acpi_device_get_path(dev)));
	arr = json_object_new_array();
	for (size_t i = 0; i < nr; i++)
		json_object_array_add(arr, memhp_json_u64(ids[i]));
	json_object_object_add(doc, "blocks", arr);
	if (memhp_unplug_get_offline(u)) {
		struct change_opts off = CHANGE_OPTS_INIT(MEMHP_ACTION_OFFLINE);

		off.atomic = true;
		memhp_change_report(cli, memhp_unplug_get_offline(u), &off,
				    "offline", &offline);
	} else if (o.reclaim && !cli->json) {
		memhp_reclaim_text(cli, NULL, "eject");
	}
	tell(cli, dev, u, blocks, &o);
	back = json_object_new_array();
	if (memhp_unplug_get_put_back(u)) {
		struct change_opts on = CHANGE_OPTS_INIT(MEMHP_ACTION_ONLINE);
		struct json_object *rep = NULL;

		on.zone = "previous";
		memhp_change_report(cli, memhp_unplug_get_put_back(u), &on,
				    "online", &rep);
		if (rep)
			json_object_array_add(back, rep);
	}
	status = memhp_unplug_get_result(u) == MEMHP_UNPLUG_DONE ? EXIT_OK :
		 memhp_unplug_put_back_ok(u) ? EXIT_FAILED : EXIT_PARTIAL;
	memhp_audit(cli, "eject %s (blocks %s): %s, exit %d", name, blocks,
		    outcome_name(memhp_unplug_get_result(u)), status);
	json_object_object_add(doc, "offline", offline);
	json_object_object_add(doc, "put_back", back);
	json_object_object_add(doc, "result", memhp_json_str(
			       outcome_name(memhp_unplug_get_result(u))));
	json_object_object_add(doc, "exit", json_object_new_int(status));
	if (cli->json)
		memhp_json_print(doc);
	else
		json_object_put(doc);
	memhp_unplug_free(u);
out:
	memhp_acpi_device_free(dev);
	return status;
}
