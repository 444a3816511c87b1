// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp devices: the devices that hot-plug memory, by kind.  ACPI memory
 * devices (PNP0C80, DIMMs on a VM) with the memory they hold and whether
 * they can be ejected now; virtio-mem devices with their region and what
 * is plugged; dax devices with their mode and the blocks kmem added.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"

/* the kinds --kind picks (all without it) */
enum {
	KIND_ACPI_DIMM = 1u << 0,
	KIND_VIRTIO_MEM = 1u << 1,
	KIND_DAX = 1u << 2,
	KIND_ALL = (1u << 3) - 1,
};

enum { OPT_KIND = 0x100 };

static const struct argp_option options[] = {
	{ "bytes", 'b', NULL, 0, "Print sizes in bytes", 0 },
	{ "kind", OPT_KIND, "KIND", 0,
	  "Only devices of KIND: acpi-dimm, virtio-mem or dax (repeatable)",
	  0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct memhp_cli *cli = memhp_parsing_cli();
	unsigned int *kinds = state->input;

	(void)arg;
	switch (key) {
	case 'b':
		cli->bytes = true;
		break;
	case OPT_KIND:
		if (*kinds == KIND_ALL)
			*kinds = 0;
		if (!strcmp(arg, "acpi-dimm"))
			*kinds |= KIND_ACPI_DIMM;
		else if (!strcmp(arg, "virtio-mem"))
			*kinds |= KIND_VIRTIO_MEM;
		else if (!strcmp(arg, "dax"))
			*kinds |= KIND_DAX;
		else
			argp_error(state, "invalid kind '%s' (acpi-dimm, "
				   "virtio-mem, dax)", arg);
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
	.doc = "List the devices that hot-plug memory, one table a kind: "
	       "ACPI memory devices (PNP0C80: a DIMM on a VM, a memory board "
	       "on a server) with the memory they hold, virtio-mem devices and "
	       "dax devices.\v"
	       "ACPI memory devices: RANGE, SIZE, NODE and BLOCKS are those of "
	       "the memory blocks the kernel bound to the device. STATE is "
	       "online, offline or mixed; ZONES the zones of its online "
	       "blocks. EJECT says whether 'memhp eject DEVICE' can unplug it "
	       "now: every online block must be in ZONE_MOVABLE (other zones "
	       "hold memory the kernel cannot move away) and the firmware must "
	       "offer an eject method (_EJ0); why not is said under the table.\n"
	       "virtio-mem devices: REGION and SIZE are the device's region "
	       "(the most it can plug), PLUGGED the memory its driver added to "
	       "Linux (whole memory blocks), ONLINE how much of it is online, "
	       "NODE and BLOCKS those of its blocks. The kernel shows the "
	       "region to root only, and never the requested size.\n"
	       "dax devices: MODE is system-ram (bound to kmem), devdax or "
	       "unbound; REGION its dax region, RANGE and SIZE its memory, "
	       "NODE the node it joins as system RAM, ONLINE and BLOCKS the "
	       "memory blocks kmem added.\n"
	       "Examples:\n"
	       "  memhp devices\n"
	       "  memhp devices --kind=virtio-mem --json\n"
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

/* "32-35,40": block ids as runs */
static void ids_text(const uint64_t *ids, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size;) {
		size_t j = i;

		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		len += (size_t)snprintf(buf + len, size - len, "%s%" PRIu64,
					i ? "," : "", ids[i]);
		if (j > i && len < size)
			len += (size_t)snprintf(buf + len, size - len,
						"-%" PRIu64, ids[j]);
		i = j + 1;
	}
}

/* "32-35,40": the device's block ids as runs */
void memhp_device_blocks_text(const struct memhp_acpi_device *dev, char *buf,
			      size_t size)
{
	const uint64_t *blocks;
	size_t nr = memhp_acpi_device_get_blocks(dev, &blocks);

	ids_text(blocks, nr, buf, size);
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
					"%s0x%" PRIx64 "-0x%" PRIx64,
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
		scols_line_set_data(ln, 8, st.blocker ? "no" : "yes");
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	/* why not, under the table: the reasons would make it too wide */
	for (size_t i = 0; i < memhp_acpi_devices_get_count(devs); i++) {
		const struct memhp_acpi_device *dev =
			memhp_acpi_devices_get(devs, i);
		struct device_status st;

		memhp_device_status(ctx, dev, &st);
		if (st.blocker)
			printf("%s cannot be ejected: %s\n",
			       memhp_acpi_device_get_name(dev), st.blocker);
	}
}

/* "0x128000000-0x147ffffff", short enough for an 80-column table */
static void span_text(uint64_t start, uint64_t size, char *buf, size_t len)
{
	snprintf(buf, len, "%#" PRIx64 "-%#" PRIx64, start, start + size - 1);
}

static struct json_object *span_json(uint64_t start, uint64_t size)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "start", memhp_json_u64(start));
	json_object_object_add(o, "end", memhp_json_u64(start + size - 1));
	json_object_object_add(o, "size", memhp_json_u64(size));
	return o;
}

/* blocks, online_blocks, offline_blocks and state of a device's blocks */
static void blocks_json(struct json_object *o, const uint64_t *ids, size_t n,
			size_t online)
{
	struct json_object *arr = json_object_new_array();
	struct device_status st = { .online = online, .offline = n - online };

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, memhp_json_u64(ids[i]));
	json_object_object_add(o, "blocks", arr);
	json_object_object_add(o, "online_blocks", memhp_json_u64(online));
	json_object_object_add(o, "offline_blocks",
			       memhp_json_u64(n - online));
	json_object_object_add(o, "state", memhp_json_str(
				       memhp_device_state_name(&st)));
}

static struct json_object *node_json(int node)
{
	return node >= 0 ? json_object_new_int(node) : NULL;
}

static struct json_object *virtio_mem_json(
	const struct memhp_virtio_mem_device *dev, uint64_t bs)
{
	struct json_object *o = json_object_new_object();
	uint64_t start, size, plugged;
	const uint64_t *ids;
	size_t n = memhp_virtio_mem_device_get_blocks(dev, &ids);
	size_t online = memhp_virtio_mem_device_get_online_blocks(dev);
	bool known = memhp_virtio_mem_device_get_region(dev, &start, &size);

	json_object_object_add(o, "device", memhp_json_str(
				       memhp_virtio_mem_device_get_name(dev)));
	json_object_object_add(o, "driver", memhp_json_str(
				       memhp_virtio_mem_device_get_driver(dev)));
	json_object_object_add(o, "region",
			       known ? span_json(start, size) : NULL);
	json_object_object_add(o, "plugged",
			       memhp_virtio_mem_device_get_plugged(dev, &plugged) ?
				       memhp_json_u64(plugged) : NULL);
	json_object_object_add(o, "online", known ?
			       memhp_json_u64(online * bs) : NULL);
	json_object_object_add(o, "node", node_json(
				       memhp_virtio_mem_device_get_node(dev)));
	blocks_json(o, ids, n, online);
	return o;
}

static struct json_object *dax_json(const struct memhp_dax_device *dev)
{
	struct json_object *o = json_object_new_object();
	uint64_t start, size = memhp_dax_device_get_size(dev);
	const uint64_t *ids;
	size_t n = memhp_dax_device_get_blocks(dev, &ids);

	json_object_object_add(o, "device", memhp_json_str(
				       memhp_dax_device_get_name(dev)));
	json_object_object_add(o, "dax_region", json_object_new_int64(
				       memhp_dax_device_get_region(dev)));
	json_object_object_add(o, "mode", memhp_json_str(memhp_dax_mode_name(
				       memhp_dax_device_get_mode(dev))));
	json_object_object_add(o, "driver", memhp_json_str(
				       memhp_dax_device_get_driver(dev)));
	json_object_object_add(o, "target_node", node_json(
				       memhp_dax_device_get_target_node(dev)));
	json_object_object_add(o, "size", memhp_json_u64(size));
	json_object_object_add(o, "range",
			       memhp_dax_device_get_start(dev, &start) && size ?
				       span_json(start, size) : NULL);
	blocks_json(o, ids, n, memhp_dax_device_get_online_blocks(dev));
	return o;
}

/* a table's cell: the text, or "-" for none */
static void cell(struct libscols_line *ln, size_t col, const char *text)
{
	scols_line_set_data(ln, col, text && text[0] ? text : "-");
}

static void size_cell(struct libscols_line *ln, size_t col, bool known,
		      uint64_t bytes, bool raw)
{
	char buf[32];

	if (known)
		memhp_format_size(buf, sizeof(buf), bytes, raw);
	cell(ln, col, known ? buf : NULL);
}

static void node_cell(struct libscols_line *ln, size_t col, int node)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", node);
	cell(ln, col, node >= 0 ? buf : NULL);
}

/* The first column names the kind: VIRTIO-MEM, DAX.  Bit i of @right:
 * column i is a number, aligned right. */
static struct libscols_table *kind_table(const char *const *cols, size_t n,
					 unsigned int right)
{
	struct libscols_table *tb = scols_new_table();

	for (size_t i = 0; tb && i < n; i++)
		scols_table_new_column(tb, cols[i], 0, (right >> i) & 1 ?
				       SCOLS_FL_RIGHT : 0);
	return tb;
}

static void print_virtio_mem_table(const struct memhp_virtio_mem_devices *l,
				   uint64_t bs, bool bytes)
{
	static const char *const cols[] = { "VIRTIO-MEM", "REGION", "SIZE",
		"PLUGGED", "ONLINE", "NODE", "BLOCKS" };
	struct libscols_table *tb = kind_table(cols, 7, 0x3c);

	for (size_t i = 0; tb && i < memhp_virtio_mem_devices_get_count(l); i++) {
		const struct memhp_virtio_mem_device *d =
			memhp_virtio_mem_devices_get(l, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		uint64_t start, size, plugged;
		bool known = memhp_virtio_mem_device_get_region(d, &start,
								&size), have;
		const uint64_t *ids;
		size_t n = memhp_virtio_mem_device_get_blocks(d, &ids);
		char buf[512];

		if (!ln)
			break;
		cell(ln, 0, memhp_virtio_mem_device_get_name(d));
		if (known)
			span_text(start, size, buf, sizeof(buf));
		cell(ln, 1, known ? buf : NULL);
		size_cell(ln, 2, known, size, bytes);
		have = memhp_virtio_mem_device_get_plugged(d, &plugged);
		size_cell(ln, 3, have, plugged, bytes);
		size_cell(ln, 4, known,
			  memhp_virtio_mem_device_get_online_blocks(d) * bs,
			  bytes);
		node_cell(ln, 5, memhp_virtio_mem_device_get_node(d));
		ids_text(ids, n, buf, sizeof(buf));
		cell(ln, 6, buf);
	}
	if (tb)
		scols_print_table(tb);
	scols_unref_table(tb);
}

static void print_dax_table(const struct memhp_dax_devices *l, uint64_t bs,
			    bool bytes)
{
	static const char *const cols[] = { "DAX", "MODE", "REGION", "RANGE",
		"SIZE", "NODE", "ONLINE", "BLOCKS" };
	struct libscols_table *tb = kind_table(cols, 8, 0x74);

	for (size_t i = 0; tb && i < memhp_dax_devices_get_count(l); i++) {
		const struct memhp_dax_device *d = memhp_dax_devices_get(l, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		uint64_t start, size = memhp_dax_device_get_size(d);
		bool known = memhp_dax_device_get_start(d, &start) && size;
		enum memhp_dax_mode mode = memhp_dax_device_get_mode(d);
		const uint64_t *ids;
		size_t n = memhp_dax_device_get_blocks(d, &ids);
		char buf[512];

		if (!ln)
			break;
		cell(ln, 0, memhp_dax_device_get_name(d));
		cell(ln, 1, memhp_dax_mode_name(mode));
		snprintf(buf, sizeof(buf), "%u", memhp_dax_device_get_region(d));
		cell(ln, 2, buf);
		if (known)
			span_text(start, size, buf, sizeof(buf));
		cell(ln, 3, known ? buf : NULL);
		size_cell(ln, 4, true, size, bytes);
		node_cell(ln, 5, memhp_dax_device_get_target_node(d));
		size_cell(ln, 6, mode == MEMHP_DAX_MODE_SYSTEM_RAM && known,
			  memhp_dax_device_get_online_blocks(d) * bs, bytes);
		ids_text(ids, n, buf, sizeof(buf));
		cell(ln, 7, buf);
	}
	if (tb)
		scols_print_table(tb);
	scols_unref_table(tb);
}

/* The devices of every kind asked for; NULL for a kind not asked for. */
struct all_devices {
	struct memhp_acpi_devices *acpi;
	struct memhp_virtio_mem_devices *virtio;
	struct memhp_dax_devices *dax;
};

static int read_all(struct memhp_cli *cli, struct memhp_ctx *ctx,
		    unsigned int kinds, struct all_devices *all)
{
	int ret = 0;

	memset(all, 0, sizeof(*all));
	if ((kinds & KIND_ACPI_DIMM) &&
	    (ret = memhp_acpi_devices_new(ctx, &all->acpi)) < 0)
		memhp_cli_error(cli, ret, "cannot list the ACPI memory devices");
	else if ((kinds & KIND_VIRTIO_MEM) &&
		 (ret = memhp_virtio_mem_devices_new(ctx, &all->virtio)) < 0)
		memhp_cli_error(cli, ret, "cannot list the virtio-mem devices");
	else if ((kinds & KIND_DAX) &&
		 (ret = memhp_dax_devices_new(ctx, &all->dax)) < 0)
		memhp_cli_error(cli, ret, "cannot list the dax devices");
	return ret;
}

static void free_all(struct all_devices *all)
{
	memhp_acpi_devices_free(all->acpi);
	memhp_virtio_mem_devices_free(all->virtio);
	memhp_dax_devices_free(all->dax);
}

static void print_all_json(struct memhp_ctx *ctx, unsigned int kinds,
			   const struct all_devices *all)
{
	struct json_object *doc = memhp_json_document(ctx);
	uint64_t bs = memhp_get_block_size(ctx);

	if (kinds & KIND_ACPI_DIMM) {
		struct json_object *arr = json_object_new_array();
		int en = memhp_acpi_hotplug_enabled(ctx);

		for (size_t i = 0; i < memhp_acpi_devices_get_count(all->acpi);
		     i++)
			json_object_array_add(arr, device_json(ctx,
				memhp_acpi_devices_get(all->acpi, i)));
		json_object_object_add(doc, "acpi_hotplug", en >= 0 ?
				       json_object_new_boolean(en) : NULL);
		json_object_object_add(doc, "devices", arr);
	}
	if (kinds & KIND_VIRTIO_MEM) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0;
		     i < memhp_virtio_mem_devices_get_count(all->virtio); i++)
			json_object_array_add(arr, virtio_mem_json(
				memhp_virtio_mem_devices_get(all->virtio, i),
				bs));
		json_object_object_add(doc, "virtio_mem_devices", arr);
	}
	if (kinds & KIND_DAX) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < memhp_dax_devices_get_count(all->dax);
		     i++)
			json_object_array_add(arr, dax_json(
				memhp_dax_devices_get(all->dax, i)));
		json_object_object_add(doc, "dax_devices", arr);
	}
	memhp_json_print(doc);
}

/* One table a kind that has devices, a blank line between them. */
static bool print_all_tables(struct memhp_ctx *ctx,
			     const struct all_devices *all, bool bytes)
{
	uint64_t bs = memhp_get_block_size(ctx);
	bool any = false;

	if (memhp_acpi_devices_get_count(all->acpi)) {
		print_table(ctx, all->acpi, bytes);
		any = true;
	}
	if (memhp_virtio_mem_devices_get_count(all->virtio)) {
		if (any)
			putchar('\n');
		print_virtio_mem_table(all->virtio, bs, bytes);
		any = true;
	}
	if (memhp_dax_devices_get_count(all->dax)) {
		if (any)
			putchar('\n');
		print_dax_table(all->dax, bs, bytes);
		any = true;
	}
	return any;
}

int cmd_devices(int argc, char **argv, struct memhp_cli *cli)
{
	unsigned int kinds = KIND_ALL;
	struct all_devices all;
	struct memhp_ctx *ctx;

	if (memhp_parse(&devices_argp, argc, argv, cli, &kinds) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE |
				    MEMHP_ATTR_ZONES);
	if (!ctx)
		return EXIT_FAILED;
	if (read_all(cli, ctx, kinds, &all) < 0) {
		free_all(&all);
		return EXIT_FAILED;
	}
	if (cli->json)
		print_all_json(ctx, kinds, &all);
	else if (!print_all_tables(ctx, &all, cli->bytes) &&
		 cli->verbosity >= 0)
		fprintf(stderr, "memhp: no %s below %s\n",
			kinds == KIND_ACPI_DIMM ?
				"ACPI memory devices (PNP0C80)" :
				"memory devices (ACPI DIMMs, virtio-mem, dax)",
			memhp_get_sysfs_root(ctx));
	free_all(&all);
	return EXIT_OK;
}
