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

#include "devices.h"

struct eject_opts {
	const char *device;
	unsigned int timeout_ms;
	unsigned int wait_ms;
};

enum { OPT_TIMEOUT = 0x500, OPT_WAIT };

static const struct argp_option options[] = {
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Retry busy blocks while offlining for up to SECONDS each "
	  "(default 30, 0: no limit)", 0 },
	{ "wait", OPT_WAIT, "SECONDS", 0,
	  "Wait up to SECONDS for the firmware to remove the device "
	  "(default 30)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct eject_opts *o = state->input;

	switch (key) {
	case OPT_TIMEOUT:
		o->timeout_ms = (unsigned int)memhp_opt_uint(state, "timeout",
							     arg, 86400) * 1000;
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
	       "Exit status: 0 ejected, 1 failed with the memory as it was, "
	       "2 invalid input (nothing touched), 64 failed and the memory "
	       "could not all be put back.\n"
	       "Examples:\n"
	       "  memhp eject PNP0C80:00\n"
	       "  memhp eject --timeout 120 --json '\\_SB_.MHPC.MP01'",
};

/* By name or by ACPI path; 0, -ENOENT or another negative errno. */
static int find_device(struct memhp_ctx *ctx, const char *want,
		       struct memhp_acpi_device *out)
{
	struct memhp_acpi_device *devs;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!strncmp(want, "PNP0C80:", 8)) {
		ret = memhp_acpi_device_get(ctx, want, out);
		return ret == -EINVAL ? -ENOENT : ret;
	}
	ret = memhp_acpi_devices(ctx, &devs, &n);
	if (ret < 0)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(devs[i].path, want) != 0)
			continue;
		*out = devs[i];
		devs[i].blocks = NULL;	/* now out's */
		ret = 0;
		break;
	}
	memhp_acpi_devices_free(devs, n);
	return ret;
}

struct was_online {
	uint64_t id;
	enum memhp_zone zone;
};

/* The blocks that are online, and their zones, for putting them back. */
static size_t remember_online(struct memhp_ctx *ctx,
			      const struct memhp_acpi_device *dev,
			      struct was_online *w)
{
	size_t n = 0;

	for (size_t i = 0; i < dev->nr_blocks; i++) {
		struct memhp_block *b = memhp_block_get_by_id(ctx, dev->blocks[i]);
		const uint8_t *z;

		if (!b || memhp_block_get_state(b) != MEMHP_STATE_ONLINE)
			continue;
		w[n].id = dev->blocks[i];
		w[n].zone = memhp_block_get_zones(b, &z) > 0 ?
			    (enum memhp_zone)z[0] : MEMHP_ZONE_UNKNOWN;
		n++;
	}
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Until the device is gone or not present (ejected): 0, or -ETIMEDOUT. */
static int wait_gone(struct memhp_ctx *ctx, const char *name,
		     unsigned int wait_ms)
{
	uint64_t deadline = now_ms() + wait_ms;

	for (;;) {
		struct memhp_acpi_device d;
		int ret = memhp_acpi_device_get(ctx, name, &d);

		if (ret == -ENOENT)
			return 0;
		if (ret == 0) {
			free(d.blocks);
			if (!memhp_acpi_device_present(&d))
				return 0;
		}
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(50 * 1000);
	}
}

/* Online again what was online, zone by zone; true when all went back. */
static bool put_back(struct memhp_cli *cli, const struct was_online *w,
		     size_t n, unsigned int timeout_ms,
		     struct json_object *reports)
{
	bool ok = true;

	for (int z = 0; z <= MEMHP_NR_ZONES && n; z++) {
		char sel[4096];
		size_t len = 0;

		for (size_t i = 0; i < n && len < sizeof(sel) - 32; i++)
			if ((int)w[i].zone == z)
				len += (size_t)snprintf(sel + len,
							sizeof(sel) - len,
							"%s%llu", len ? "," : "",
							(unsigned long long)w[i].id);
		if (!len)
			continue;
		struct json_object *rep = NULL;
		const char *zone = z == MEMHP_ZONE_MOVABLE ? "movable" :
				   z < MEMHP_ZONE_NONE ?
				   memhp_zone_name((enum memhp_zone)z) : "auto";

		/* each run sees the blocks as they are now */
		memhp_unref(cli->ctx);
		cli->ctx = NULL;
		if (memhp_change_blocks(cli, MEMHP_ACTION_ONLINE, zone, sel,
					timeout_ms, false, &rep) != EXIT_OK)
			ok = false;
		if (rep)
			json_object_array_add(reports, rep);
	}
	return ok;
}

int cmd_eject(int argc, char **argv, struct memhp_cli *cli)
{
	struct eject_opts o = { .timeout_ms = 30000, .wait_ms = 30000 };
	struct json_object *doc, *offline = NULL, *back;
	struct memhp_acpi_device dev;
	struct was_online *was = NULL;
	struct device_status st;
	struct memhp_ctx *ctx;
	const char *outcome;
	char blocks[1024];
	size_t nr_was = 0;
	int ret, status;

	if (memhp_parse(&eject_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES |
				    MEMHP_ATTR_NODE);
	if (!ctx)
		return EXIT_FAILED;
	ret = find_device(ctx, o.device, &dev);
	if (ret == 0 && !memhp_acpi_device_present(&dev))
		ret = -ENOENT;	/* ejected already */
	if (ret == -ENOENT) {
		fprintf(stderr, "memhp: eject: no ACPI memory device '%s' "
			"(memhp devices lists them)\n", o.device);
		return EXIT_USAGE;
	}
	if (ret < 0) {
		memhp_cli_error(cli, ret, "eject: cannot read %s", o.device);
		return EXIT_FAILED;
	}
	memhp_device_status(ctx, &dev, &st);
	memhp_device_blocks_text(&dev, blocks, sizeof(blocks));
	status = EXIT_FAILED;
	if (!dev.ejectable) {
		fprintf(stderr, "memhp: eject %s: the firmware has no eject "
			"method (_EJ0) for it; it cannot be unplugged from the "
			"guest\n", dev.name);
		goto out;
	}
	if (memhp_acpi_hotplug_enabled(ctx) == 0) {
		fprintf(stderr, "memhp: eject %s: the kernel's ACPI memory "
			"hotplug is disabled (/sys/firmware/acpi/hotplug/memory/"
			"enabled is 0)\n", dev.name);
		goto out;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memhp: eject changes memory and needs root\n");
		goto out;
	}
	was = calloc(dev.nr_blocks ? dev.nr_blocks : 1, sizeof(*was));
	if (!was) {
		memhp_cli_error(cli, -ENOMEM, "eject");
		goto out;
	}
	nr_was = remember_online(ctx, &dev, was);

	doc = memhp_json_document(ctx);
	back = json_object_new_array();
	json_object_object_add(doc, "action", json_object_new_string("eject"));
	json_object_object_add(doc, "device", json_object_new_string(dev.name));
	json_object_object_add(doc, "path", dev.path[0] ?
			       json_object_new_string(dev.path) : NULL);
	json_object_object_add(doc, "blocks", json_object_new_array());
	for (size_t i = 0; i < dev.nr_blocks; i++)
		json_object_array_add(json_object_object_get(doc, "blocks"),
				      memhp_json_u64(dev.blocks[i]));

	if (st.online) {
		/* atomic: one block that stays online puts the others back */
		ret = memhp_change_blocks(cli, MEMHP_ACTION_OFFLINE, NULL,
					  blocks, o.timeout_ms, true, &offline);
		if (ret != EXIT_OK) {
			fprintf(stderr, "memhp: eject %s: blocks %s could not "
				"all be taken offline; nothing ejected\n",
				dev.name, blocks);
			outcome = "not-offline";
			goto report;
		}
	}
	ret = memhp_acpi_eject(memhp_cli_ctx(cli), dev.name);
	if (ret == 0)
		ret = wait_gone(memhp_cli_ctx(cli), dev.name, o.wait_ms);
	if (ret == 0) {
		outcome = "ejected";
		status = EXIT_OK;
		if (cli->verbosity >= 0 && !cli->json)
			fprintf(stderr, "memhp: ejected %s%s%s%s (blocks %s)\n",
				dev.name, dev.path[0] ? " (" : "", dev.path,
				dev.path[0] ? ")" : "", blocks);
		goto report;
	}
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "memhp: eject %s: the device was still there "
			"after %u s; the firmware or the kernel refused it "
			"(see dmesg)\n", dev.name, o.wait_ms / 1000);
	else
		fprintf(stderr, "memhp: eject %s: %s%s\n", dev.name,
			strerror(-ret), ret == -ENODEV ? " (no ACPI hotplug "
			"handler or driver bound to it)" : "");
	outcome = ret == -ETIMEDOUT ? "timeout" : "refused";
	if (!put_back(cli, was, nr_was, o.timeout_ms, back)) {
		fprintf(stderr, "memhp: eject %s: not every block could be put "
			"back online (memhp list)\n", dev.name);
		status = EXIT_PARTIAL;
	} else if (nr_was && cli->verbosity >= 0) {
		fprintf(stderr, "memhp: eject %s: its blocks are back online\n",
			dev.name);
	}
report:
	json_object_object_add(doc, "offline", offline);
	json_object_object_add(doc, "put_back", back);
	json_object_object_add(doc, "result", json_object_new_string(outcome));
	json_object_object_add(doc, "exit", json_object_new_int(status));
	if (cli->json)
		memhp_json_print(doc);
	else
		json_object_put(doc);
out:
	free(was);
	free(dev.blocks);
	return status;
}
