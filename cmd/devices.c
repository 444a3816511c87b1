// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp devices: the ACPI memory devices (PNP0C80, DIMMs on a VM) with the
 * memory they hold and whether they can be ejected now.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"

static const struct argp_option options[] = {
	{ "bytes", 'b', NULL, 0, "Print sizes in bytes", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct memhp_cli *cli = memhp_parsing_cli();

	(void)arg;
	switch (key) {
	case 'b':
		cli->bytes = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp devices_argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "List the ACPI memory devices (PNP0C80: a DIMM on a VM, a "
	       "memory board on a server) with the memory they hold.\v"
	       "RANGE, SIZE, NODE and BLOCKS are those of the memory blocks "
	       "the kernel bound to the device. STATE is online, offline or "
	       "mixed; ZONES the zones of its online blocks. EJECT says "
	       "whether 'memhp eject DEVICE' can unplug it now: every online "
	       "block must be in ZONE_MOVABLE (other zones hold memory the "
	       "kernel cannot move away) and the firmware must offer an "
	       "eject method (_EJ0).\n"
	       "Examples:\n"
	       "  memhp devices\n"
	       "  memhp devices --json | jq '.devices[] | select(.ejectable)'",
};

/* The last index of the run of consecutive block ids starting at @i. */
static size_t run_end(const uint64_t *blocks, size_t nr, size_t i)
{
	while (i + 1 < nr && blocks[i + 1] == blocks[i] + 1)
		i++;
	return i;
}

void memhp_device_status(struct memhp_ctx *ctx,
			 const struct memhp_acpi_device *dev,
			 struct device_status *st)
{
	const uint64_t *blocks;
	size_t nr = memhp_acpi_device_get_blocks(dev, &blocks);
	int status = memhp_acpi_device_get_status(dev);

	memset(st, 0, sizeof(*st));
	st->node = -2;
	for (size_t i = 0; i < nr; i++) {
		struct memhp_block *b = memhp_block_get_by_id(ctx, blocks[i]);
		const uint8_t *z;
		int node;

		if (!b) {
			st->missing++;
			continue;
		}
		node = memhp_block_get_node(b);
		st->node = st->node == -2 || st->node == node ? node : -3;
		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE) {
			st->offline++;
			continue;
		}
		st->online++;
		if (memhp_block_get_zones(b, &z) > 0 && z[0] < MEMHP_NR_ZONES) {
			st->zone_mask |= 1u << z[0];
			if (z[0] != MEMHP_ZONE_MOVABLE)
				st->unmovable++;
		} else {
			st->unmovable++;	/* zone unknown: cannot vouch */
		}
	}
	if (st->node < -1)
		st->node = -1;
	if (!memhp_acpi_device_is_ejectable(dev))
		st->blocker = "the firmware has no eject method (_EJ0)";
	else if (st->unmovable)
		st->blocker = "online blocks outside ZONE_MOVABLE";
	else if (status >= 0 && !(status & 1))
		st->blocker = "not present (_STA)";
}

const char *memhp_device_state_name(const struct device_status *st)
{
	if (st->online && st->offline)
		return "mixed";
	if (st->online)
		return "online";
	return st->offline ? "offline" : "none";
}

/* "32-35,40": the block ids as runs */
void memhp_device_blocks_text(const struct memhp_acpi_device *dev, char *buf,
			      size_t size)
{
	const uint64_t *blocks;
	size_t nr = memhp_acpi_device_get_blocks(dev, &blocks), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nr && len < size;) {
		size_t j = run_end(blocks, nr, i);

		if (j == i)
			len += (size_t)snprintf(buf + len, size - len,
						"%s%" PRIu64, i ? "," : "",
						blocks[i]);
		else
			len += (size_t)snprintf(buf + len, size - len,
						"%s%" PRIu64 "-%" PRIu64,
						i ? "," : "", blocks[i],
						blocks[j]);
		i = j + 1;
	}
}

static void zones_text(unsigned int mask, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int z = 0; z < MEMHP_NR_ZONES && len < size; z++)
		if (mask & (1u << z))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? "," : "",
						memhp_zone_name((enum memhp_zone)z));
}

/* the physical ranges: runs of consecutive blocks */
static void ranges_text(const struct memhp_acpi_device *dev, uint64_t bs,
			char *buf, size_t size)
{
	const uint64_t *blocks;
	size_t nr = memhp_acpi_device_get_blocks(dev, &blocks), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nr && len < size;) {
		size_t j = run_end(blocks, nr, i);

		len += (size_t)snprintf(buf + len, size - len,
					"%s0x%016" PRIx64 "-0x%016" PRIx64,
					i ? "," : "", blocks[i] * bs,
					(blocks[j] + 1) * bs - 1);
		i = j + 1;
	}
}

static struct json_object *device_json(struct memhp_ctx *ctx,
				       const struct memhp_acpi_device *dev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	struct json_object *ranges = json_object_new_array();
	struct json_object *zones = json_object_new_array();
	uint64_t bs = memhp_get_block_size(ctx);
	const uint64_t *blocks;
	size_t nr = memhp_acpi_device_get_blocks(dev, &blocks);
	int status = memhp_acpi_device_get_status(dev);
	struct device_status st;

	memhp_device_status(ctx, dev, &st);
	for (size_t i = 0; i < nr;) {
		struct json_object *r = json_object_new_object();
		size_t j = run_end(blocks, nr, i);

		json_object_object_add(r, "start",
				       memhp_json_u64(blocks[i] * bs));
		json_object_object_add(r, "end", memhp_json_u64(
					       (blocks[j] + 1) * bs - 1));
		json_object_object_add(r, "size", memhp_json_u64(
					       (j - i + 1) * bs));
		json_object_array_add(ranges, r);
		i = j + 1;
	}
	for (size_t i = 0; i < nr; i++)
		json_object_array_add(ids, memhp_json_u64(blocks[i]));
	for (int z = 0; z < MEMHP_NR_ZONES; z++)
		if (st.zone_mask & (1u << z))
			json_object_array_add(zones, memhp_json_str(
				memhp_zone_name((enum memhp_zone)z)));
	json_object_object_add(o, "device", memhp_json_str(
				       memhp_acpi_device_get_name(dev)));
	json_object_object_add(o, "path", memhp_json_str(
				       memhp_acpi_device_get_path(dev)));
	json_object_object_add(o, "uid", memhp_json_str(
				       memhp_acpi_device_get_uid(dev)));
	json_object_object_add(o, "status", status >= 0 ?
			       json_object_new_int(status) : NULL);
	json_object_object_add(o, "node", st.node >= 0 ?
			       json_object_new_int(st.node) : NULL);
	json_object_object_add(o, "size",
			       memhp_json_u64(nr * bs));
	json_object_object_add(o, "ranges", ranges);
	json_object_object_add(o, "blocks", ids);
	json_object_object_add(o, "online_blocks", memhp_json_u64(st.online));
	json_object_object_add(o, "offline_blocks",
			       memhp_json_u64(st.offline));
	json_object_object_add(o, "state", memhp_json_str(
				       memhp_device_state_name(&st)));
	json_object_object_add(o, "zones", zones);
	json_object_object_add(o, "eject_method",
			       json_object_new_boolean(
				       memhp_acpi_device_is_ejectable(dev)));
	json_object_object_add(o, "ejectable",
			       json_object_new_boolean(!st.blocker));
	json_object_object_add(o, "eject_blocker", st.blocker ?
			       memhp_json_str(st.blocker) : NULL);
	return o;
}

static void print_table(struct memhp_ctx *ctx,
			const struct memhp_acpi_devices *devs, bool bytes)
{
	struct libscols_table *tb = scols_new_table();
	uint64_t bs = memhp_get_block_size(ctx);

	if (!tb)
		return;
	scols_table_new_column(tb, "DEVICE", 0, 0);
	scols_table_new_column(tb, "SLOT", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "RANGE", 0, 0);
	scols_table_new_column(tb, "SIZE", 5, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "NODE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "BLOCKS", 0, 0);
	scols_table_new_column(tb, "STATE", 0, 0);
	scols_table_new_column(tb, "ZONES", 0, 0);
	scols_table_new_column(tb, "EJECT", 0, 0);
	for (size_t i = 0; i < memhp_acpi_devices_get_count(devs); i++) {
		const struct memhp_acpi_device *dev =
			memhp_acpi_devices_get(devs, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		const char *uid = memhp_acpi_device_get_uid(dev);
		const uint64_t *blocks;
		struct device_status st;
		char buf[512];

		if (!ln)
			break;
		memhp_device_status(ctx, dev, &st);
		scols_line_set_data(ln, 0, memhp_acpi_device_get_name(dev));
		scols_line_set_data(ln, 1, uid ? uid : "-");
		ranges_text(dev, bs, buf, sizeof(buf));
		scols_line_set_data(ln, 2, buf[0] ? buf : "-");
		memhp_format_size(buf, sizeof(buf),
				  memhp_acpi_device_get_blocks(dev, &blocks) *
				  bs, bytes);
		scols_line_set_data(ln, 3, buf);
		if (st.node >= 0)
			snprintf(buf, sizeof(buf), "%d", st.node);
		else
			snprintf(buf, sizeof(buf), "-");
		scols_line_set_data(ln, 4, buf);
		memhp_device_blocks_text(dev, buf, sizeof(buf));
		scols_line_set_data(ln, 5, buf[0] ? buf : "-");
		scols_line_set_data(ln, 6, memhp_device_state_name(&st));
		zones_text(st.zone_mask, buf, sizeof(buf));
		scols_line_set_data(ln, 7, buf[0] ? buf : "-");
		if (st.blocker)
			snprintf(buf, sizeof(buf), "no: %s", st.blocker);
		else
			snprintf(buf, sizeof(buf), "yes");
		scols_line_set_data(ln, 8, buf);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

int cmd_devices(int argc, char **argv, struct memhp_cli *cli)
{
	struct memhp_acpi_devices *devs;
	struct memhp_ctx *ctx;
	size_t n;
	int ret;

	if (memhp_parse(&devices_argp, argc, argv, cli, NULL) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE |
				    MEMHP_ATTR_ZONES);
	if (!ctx)
		return EXIT_FAILED;
	ret = memhp_acpi_devices_new(ctx, &devs);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot list the ACPI memory devices");
		return EXIT_FAILED;
	}
	n = memhp_acpi_devices_get_count(devs);
	if (cli->json) {
		struct json_object *doc = memhp_json_document(ctx);
		struct json_object *arr = json_object_new_array();
		int en = memhp_acpi_hotplug_enabled(ctx);

		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, device_json(ctx,
				memhp_acpi_devices_get(devs, i)));
		json_object_object_add(doc, "acpi_hotplug", en >= 0 ?
				       json_object_new_boolean(en) : NULL);
		json_object_object_add(doc, "devices", arr);
		memhp_json_print(doc);
	} else if (n) {
		print_table(ctx, devs, cli->bytes);
	} else if (cli->verbosity >= 0) {
		fprintf(stderr, "memhp: no ACPI memory devices (PNP0C80) below "
			"%s\n", memhp_get_sysfs_root(ctx));
	}
	memhp_acpi_devices_free(devs);
	return EXIT_OK;
}
