// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp list: memory ranges as lsmem prints them (same options, columns,
 * merging and libsmartcols rendering), or memhp's JSON document.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memhp.h"

enum {
	COL_RANGE,
	COL_SIZE,
	COL_STATE,
	COL_REMOVABLE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONES,
	COL_CONFIGURED,
	COL_MEMMAP,
	NR_LSMEM_COLUMNS,	/* --output-all: lsmem's own (2.42) */
	COL_OWNER = NR_LSMEM_COLUMNS,
	COL_MOVABLE,
	NR_COLUMNS,
};

/* One table drives -o, --split, --help and the libsmartcols columns. */
static const struct coldesc {
	const char *name;
	double whint;
	int flags;
	unsigned int attr;	/* what the column needs read (and splits) */
	int json_type;		/* SCOLS_JSON_* with --json=lsmem */
	const char *help;
	bool memconfig;		/* left out (as lsmem does) unless the
				   firmware configures memory (s390) */
} coldescs[NR_COLUMNS] = {
	[COL_RANGE] = { "RANGE", 0, 0, 0, SCOLS_JSON_STRING,
			"start and end address of the memory range" },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, 0, SCOLS_JSON_NUMBER,
		       "size of the memory range" },
	[COL_STATE] = { "STATE", 0, SCOLS_FL_RIGHT, MEMHP_ATTR_STATE,
			SCOLS_JSON_STRING, "online status of the memory range" },
	[COL_REMOVABLE] = { "REMOVABLE", 0, SCOLS_FL_RIGHT,
			    MEMHP_ATTR_REMOVABLE, SCOLS_JSON_BOOLEAN,
			    "memory is removable" },
	[COL_BLOCK] = { "BLOCK", 0, SCOLS_FL_RIGHT, 0, SCOLS_JSON_STRING,
			"memory block number or blocks range" },
	[COL_NODE] = { "NODE", 0, SCOLS_FL_RIGHT, MEMHP_ATTR_NODE,
		       SCOLS_JSON_NUMBER, "numa node of memory" },
	[COL_ZONES] = { "ZONES", 0, SCOLS_FL_RIGHT, MEMHP_ATTR_ZONES,
			SCOLS_JSON_STRING, "valid zones for the memory range" },
	/* memhp's own: never among lsmem's defaults */
	[COL_CONFIGURED] = { "CONFIGURED", 0, SCOLS_FL_RIGHT,
			     MEMHP_ATTR_CONFIGURED, SCOLS_JSON_STRING,
			     "configuration status of the memory range",
			     .memconfig = true },
	[COL_MEMMAP] = { "MEMMAP-ON-MEMORY", 0, SCOLS_FL_RIGHT,
			 MEMHP_ATTR_MEMMAP_ON_MEMORY, SCOLS_JSON_STRING,
			 "memmap-on-memory status of the memory range",
			 .memconfig = true },
	[COL_OWNER] = { "OWNER", 0, 0, MEMHP_ATTR_OWNER, SCOLS_JSON_STRING,
			"who added the memory, KIND:DEVICE (memhp-list(8))" },
	[COL_MOVABLE] = { "MOVABLE%", 0, SCOLS_FL_RIGHT, 0, SCOLS_JSON_STRING,
			  "share of the pages in use or free that can move "
			  "(memhp why; root)" },
};

/* lsmem's spelling of zones in the table */
static const char *const zone_labels[MEMHP_NR_ZONES] = {
	[MEMHP_ZONE_DMA] = "DMA",
	[MEMHP_ZONE_DMA32] = "DMA32",
	[MEMHP_ZONE_NORMAL] = "Normal",
	[MEMHP_ZONE_HIGHMEM] = "Highmem",
	[MEMHP_ZONE_MOVABLE] = "Movable",
	[MEMHP_ZONE_DEVICE] = "Device",
	[MEMHP_ZONE_NONE] = "None",
	[MEMHP_ZONE_UNKNOWN] = "Unknown",
};

#define MAX_COLUMNS (NR_COLUMNS * 2)

struct list_opts {
	bool all, noheadings, raw, pairs, output_all;
	int always_at;		/* argv index after --summary=always */
	bool want_table, want_summary;
	const char *output, *split;
	int columns[MAX_COLUMNS];
	size_t ncolumns;
	int split_cols[MAX_COLUMNS];
	size_t nsplit_cols;
	struct memhp_cli_filter filter;
	/* -J -P -r and -S -a exclude each other, as in lsmem */
	const char *format_opt, *split_opt;
};

enum {
	OPT_ALL = 'a',
	OPT_BYTES = 'b',
	OPT_NOHEADINGS = 'n',
	OPT_OUTPUT = 'o',
	OPT_PAIRS = 'P',
	OPT_RAW = 'r',
	OPT_SPLIT = 'S',
	OPT_OUTPUT_ALL = 0x100,
	OPT_SUMMARY,
	OPT_NODE,
	OPT_STATE,
	OPT_ZONE,
	OPT_OWNER,
};

static const struct argp_option options[] = {
	{ "all", OPT_ALL, NULL, 0, "List each individual memory block", 0 },
	{ "bytes", OPT_BYTES, NULL, 0, "Print SIZE in bytes", 0 },
	{ "noheadings", OPT_NOHEADINGS, NULL, 0, "Don't print headings", 0 },
	{ "output", OPT_OUTPUT, "LIST", 0,
	  "Output columns (a leading + appends to the default list)", 0 },
	{ "output-all", OPT_OUTPUT_ALL, NULL, 0,
	  "Output all of lsmem's columns (OWNER and MOVABLE% only by name; "
	  "CONFIGURED and MEMMAP-ON-MEMORY only where the firmware "
	  "configures memory)", 0 },
	{ "pairs", OPT_PAIRS, NULL, 0, "Use key=\"value\" output format", 0 },
	{ "raw", OPT_RAW, NULL, 0, "Use raw output format", 0 },
	{ "split", OPT_SPLIT, "LIST", 0,
	  "Split ranges by these columns (STATE, REMOVABLE, NODE, ZONES, "
	  "CONFIGURED, MEMMAP-ON-MEMORY, OWNER) or 'none'", 0 },
	{ "summary", OPT_SUMMARY, "WHEN", OPTION_ARG_OPTIONAL,
	  "Print the summary: never, always or only (the default without "
	  "WHEN)", 0 },
	{ NULL, 0, NULL, 0, "Filters:", 1 },
	{ "node", OPT_NODE, "N", 0, "Only blocks on NUMA node N", 1 },
	{ "state", OPT_STATE, "STATE", 0,
	  "Only blocks in STATE: online, offline or going-offline", 1 },
	{ "zone", OPT_ZONE, "ZONE", 0,
	  "Only blocks whose valid zones include ZONE (a whole name: DMA "
	  "is not DMA32)", 1 },
	{ "owner", OPT_OWNER, "KIND", 0,
	  "Only blocks KIND added: boot, acpi-dimm, virtio-mem, dax-kmem, "
	  "memhp or unknown (the OWNER column)", 1 },
	{ 0 }
};

static int column_by_name(const char *name, size_t len)
{
	for (int i = 0; i < NR_COLUMNS; i++)
		if (strlen(coldescs[i].name) == len &&
		    strncasecmp(name, coldescs[i].name, len) == 0)
			return i;
	return -1;
}

/* "A,B,C" into @ids after @pos (or from 0 unless @list starts with '+');
 * @origin prefixes the messages ("" or "LSMEM_COLUMNS: ") */
static int parse_columns(struct argp_state *state, const char *origin,
			 const char *list, int *ids, size_t max, size_t *pos)
{
	const char *p = list;

	if (*p == '+')
		p++;
	else
		*pos = 0;
	if (!*p)
		argp_error(state, "%sempty column list", origin);
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = column_by_name(p, len);

		if (id < 0)
			argp_error(state, "%sunknown column: %.*s", origin,
				   (int)len, p);
		if (*pos >= max)
			argp_error(state, "%stoo many columns specified, the "
				   "limit is %zu columns", origin, max);
		ids[(*pos)++] = id;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* LSMEM_COLUMNS, as in lsmem 2.42: the columns when -o is not given (a
 * leading + appends to the defaults or --output-all's); a bad list is a
 * usage error that names it.  Unset or empty: nothing. */
static void env_columns(struct argp_state *state, struct list_opts *o)
{
	const char *env = getenv("LSMEM_COLUMNS");

	if (env && *env)
		parse_columns(state, "LSMEM_COLUMNS: ", env, o->columns,
			      MAX_COLUMNS, &o->ncolumns);
}

static void exclusive(struct argp_state *state, const char **seen,
		      const char *opt)
{
	if (*seen && strcmp(*seen, opt) != 0)
		argp_error(state, "%s and %s are mutually exclusive", *seen, opt);
	*seen = opt;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct list_opts *o = state->input;
	struct memhp_cli *cli = memhp_parsing_cli();

	switch (key) {
	case OPT_ALL:
		exclusive(state, &o->split_opt, "--all");
		o->all = true;
		break;
	case OPT_BYTES:
		cli->bytes = true;
		break;
	case OPT_NOHEADINGS:
		o->noheadings = true;
		break;
	case OPT_OUTPUT:
		o->output = arg;
		break;
	case OPT_OUTPUT_ALL:
		o->output_all = true;
		for (o->ncolumns = 0; o->ncolumns < NR_LSMEM_COLUMNS;
		     o->ncolumns++)
			o->columns[o->ncolumns] = (int)o->ncolumns;
		break;
	case OPT_PAIRS:
		exclusive(state, &o->format_opt, "--pairs");
		o->pairs = true;
		o->want_summary = false;
		break;
	case OPT_RAW:
		exclusive(state, &o->format_opt, "--raw");
		o->raw = true;
		o->want_summary = false;
		break;
	case OPT_SPLIT:
		exclusive(state, &o->split_opt, "--split");
		o->split = arg;
		break;
	case OPT_SUMMARY:
		if (!arg || strcmp(arg, "only") == 0)
			o->want_table = false;
		else if (strcmp(arg, "never") == 0)
			o->want_summary = false;
		else if (strcmp(arg, "always") == 0) {
			o->want_summary = true;
			o->always_at = state->next;
		}
		else
			argp_error(state, "unsupported --summary argument: "
				   "'%s' (never, always or only)", arg);
		break;
	case OPT_NODE:
		o->filter.node = (int)memhp_opt_uint(state, "node", arg,
						     INT32_MAX);
		break;
	case OPT_STATE:
		o->filter.state = memhp_state_from_name(arg);
		if (o->filter.state == MEMHP_STATE_UNKNOWN)
			argp_error(state, "invalid state '%s' (online, offline "
				   "or going-offline)", arg);
		break;
	case OPT_OWNER:
		memhp_opt_owner(state, arg, &o->filter);
		break;
	case OPT_ZONE:
		o->filter.zone = memhp_zone_from_name(arg, strlen(arg));
		if (o->filter.zone == MEMHP_ZONE_UNKNOWN)
			argp_error(state, "invalid zone '%s' (DMA, DMA32, "
				   "Normal, HighMem, Movable, Device, none)",
				   arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "bad usage: unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (cli->json && (o->pairs || o->raw))
			argp_error(state, "--json, --pairs and --raw are "
				   "mutually exclusive");
		if (cli->json && !cli->json_lsmem && (o->output || o->output_all))
			argp_error(state, "--json prints memhp's document, which "
				   "has every key; --output and --output-all "
				   "choose columns for --json=lsmem");
		/* as lsmem: -J drops the summary unless a --summary=always
		 * after it brings it back */
		if (cli->json_lsmem && cli->json_at > o->always_at)
			o->want_summary = false;
		if (!o->ncolumns) {
			static const int defaults[] = { COL_RANGE, COL_SIZE,
				COL_STATE, COL_REMOVABLE, COL_BLOCK };

			memcpy(o->columns, defaults, sizeof(defaults));
			o->ncolumns = sizeof(defaults) / sizeof(*defaults);
		}
		if (o->output)
			parse_columns(state, "", o->output, o->columns,
				      MAX_COLUMNS, &o->ncolumns);
		else if (o->want_table && (!cli->json || cli->json_lsmem))
			env_columns(state, o);
		if (o->split && strcasecmp(o->split, "none") != 0)
			parse_columns(state, "", o->split, o->split_cols,
				      MAX_COLUMNS, &o->nsplit_cols);
		if (!o->want_table && !o->want_summary)
			argp_error(state, "options --{raw,json,pairs} and "
				   "--summary=only are mutually exclusive");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static char *help_filter(int key, const char *text, void *input)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	f = open_memstream(&buf, &len);
	if (!f)
		return (char *)text;
	fputs("Available output columns:\n", f);
	for (int i = 0; i < NR_COLUMNS; i++)
		fprintf(f, " %10s  %s\n", coldescs[i].name, coldescs[i].help);
	fputs("\nDefault columns: RANGE,SIZE,STATE,REMOVABLE,BLOCK, or "
	      "LSMEM_COLUMNS from the environment when -o is not given. "
	      "CONFIGURED and MEMMAP-ON-MEMORY are left out unless the "
	      "firmware configures memory (sys/firmware/memory, s390). "
	      "Table, raw and pairs output are those of lsmem(1) for the same "
	      "options, --json=lsmem that of lsmem -J; "
	      "--json prints memhp's own document (memhp-json(7)) with "
	      "numbers as numbers. Examples:\n"
	      "  memhp list -o +NODE,ZONES\n"
	      "  memhp list -o +OWNER      (who added each range; root "
	      "reads /proc/iomem)\n"
	      "  memhp list -a -o +MOVABLE%  (how much of each block can "
	      "move; root reads /proc/kpageflags)\n"
	      "  memhp list --state offline --zone Movable --json\n"
	      "  memhp list --sysfs-root /tmp/dump -a", f);
	fclose(f);
	return buf;
}

static const struct argp list_argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "List the ranges of memory with their online state, like "
	       "lsmem(1), with filters and JSON.\v",
	.help_filter = help_filter,
};

static unsigned int split_attrs(const int *cols, size_t ncols)
{
	unsigned int split = 0;

	for (size_t i = 0; i < ncols; i++)
		split |= coldescs[cols[i]].attr;
	return split;
}

static char *cell(const struct memhp_ctx *ctx, const struct memhp_range *r,
		  int col, bool bytes)
{
	const struct memhp_block *b = memhp_range_get_first_block(r);
	uint64_t bs = memhp_get_block_size(ctx);
	uint64_t count = memhp_range_get_block_count(r);
	uint64_t id = memhp_block_get_id(b);
	char buf[256];
	const uint8_t *zones;
	const char *dev;
	int nz;

	switch (col) {
	case COL_RANGE:
		snprintf(buf, sizeof(buf), "0x%016" PRIx64 "-0x%016" PRIx64,
			 id * bs, id * bs + count * bs - 1);
		break;
	case COL_SIZE:
		memhp_format_size(buf, sizeof(buf), count * bs, bytes);
		break;
	case COL_STATE:
		switch (memhp_block_get_state(b)) {
		case MEMHP_STATE_ONLINE: return strdup("online");
		case MEMHP_STATE_OFFLINE: return strdup("offline");
		case MEMHP_STATE_GOING_OFFLINE: return strdup("on->off");
		default: return strdup("?");
		}
	case COL_REMOVABLE:
		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE)
			return NULL;
		return strdup(memhp_block_get_removable(b) == 1 ? "yes" : "no");
	case COL_BLOCK:
		if (count == 1)
			snprintf(buf, sizeof(buf), "%" PRIu64, id);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 "-%" PRIu64, id,
				 id + count - 1);
		break;
	case COL_NODE:
		if (!memhp_have_nodes(ctx))
			return NULL;
		snprintf(buf, sizeof(buf), "%d", memhp_block_get_node(b));
		break;
	case COL_ZONES:
		if (!memhp_have_zones(ctx))
			return NULL;
		buf[0] = '\0';
		nz = memhp_block_get_zones(b, &zones);
		for (int i = 0; i < nz; i++) {
			if (i)
				strcat(buf, "/");
			strcat(buf, zone_labels[zones[i]]);
		}
		break;
	case COL_CONFIGURED:
		return strdup(memhp_block_get_configured(b) == 1 ? "yes" : "no");
	case COL_MEMMAP:
		return strdup(memhp_block_get_memmap_on_memory(b) == 1 ?
			      "yes" : "no");
	case COL_OWNER:
		dev = memhp_block_get_owner_device(b);
		snprintf(buf, sizeof(buf), "%s%s%s",
			 memhp_owner_name(memhp_block_get_owner(b)),
			 dev ? ":" : "", dev ? dev : "");
		break;
	default:
		return NULL;
	}
	return strdup(buf);
}

/* MOVABLE%: of a range's pages (holes left out), those that are not
 * slab, page tables, reserved, gigantic or other (memhp why), rounded
 * down; NULL for a range without pages or without a census, which is
 * said once. */
static char *movable_cell(struct memhp_ctx *ctx, const struct memhp_range *r,
			  bool *warned)
{
	uint64_t id = memhp_block_get_id(memhp_range_get_first_block(r));
	uint64_t n = memhp_range_get_block_count(r), have = 0, fixed = 0;
	char buf[32];

	for (uint64_t i = 0; i < n; i++) {
		struct memhp_census *c;
		int ret = memhp_census_new(ctx, id + i, &c);

		if (ret < 0) {
			if (c && !*warned)
				memhp_census_warn(c);
			*warned = true;
			memhp_census_free(c);
			return NULL;
		}
		have += memhp_census_get_total(c) -
			memhp_census_get_pages(c, MEMHP_PAGE_HOLE);
		fixed += memhp_census_get_unmovable(c);
		memhp_census_free(c);
	}
	if (!have)
		return NULL;
	snprintf(buf, sizeof(buf), "%" PRIu64 "%%",
		 (have - fixed) * 100 / have);
	return strdup(buf);
}

static int print_table(struct memhp_ctx *ctx, const struct list_opts *o,
		       const struct memhp_ranges *rs, const struct memhp_cli *cli)
{
	bool warned = false;

	struct libscols_table *tb = scols_new_table();
	bool bytes = cli->bytes;
	int cols[MAX_COLUMNS];
	size_t ncols = 0;
	int ret = 0;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_json(tb, cli->json_lsmem);
	scols_table_enable_noheadings(tb, o->noheadings);
	if (cli->json_lsmem && scols_table_set_name(tb, "memory") != 0) {
		ret = -ENOMEM;
		goto out;
	}
	/* as lsmem, the memory configuration's columns only where there is
	 * one: elsewhere the output is lsmem 2.38's, byte for byte */
	for (size_t i = 0; i < o->ncolumns; i++)
		if (!coldescs[o->columns[i]].memconfig ||
		    memhp_have_memconfig(ctx))
			cols[ncols++] = o->columns[i];
	for (size_t i = 0; i < ncols; i++) {
		const struct coldesc *cd = &coldescs[cols[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, cd->name, cd->whint, cd->flags);
		if (!cl) {
			ret = -ENOMEM;
			goto out;
		}
		/* lsmem -J's types: SIZE a number only in bytes */
		if (cli->json_lsmem && !(cols[i] == COL_SIZE && !bytes))
			scols_column_set_json_type(cl, cd->json_type);
	}
	for (size_t i = 0; i < memhp_ranges_get_count(rs); i++) {
		const struct memhp_range *r = memhp_ranges_get(rs, i);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t c = 0; c < ncols; c++) {
			char *s = cols[c] == COL_MOVABLE ?
				  movable_cell(ctx, r, &warned) :
				  cell(ctx, r, cols[c], bytes);

			if (s && scols_line_refer_data(ln, c, s) != 0) {
				free(s);
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	scols_print_table(tb);
out:
	scols_unref_table(tb);
	return ret;
}

static void print_summary(struct memhp_ctx *ctx, uint64_t online,
			  uint64_t offline, bool bytes)
{
	const struct {
		const char *label;
		uint64_t v;
	} lines[] = {
		{ "Memory block size:", memhp_get_block_size(ctx) },
		{ "Total online memory:", online },
		{ "Total offline memory:", offline },
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		char buf[64];

		memhp_format_size(buf, sizeof(buf), lines[i].v, bytes);
		printf(bytes ? "%-23s %15s\n" : "%-23s %5s\n", lines[i].label,
		       buf);
	}
}

static struct json_object *range_json(const struct memhp_ctx *ctx,
				      const struct memhp_range *r)
{
	const struct memhp_block *b = memhp_range_get_first_block(r);
	uint64_t bs = memhp_get_block_size(ctx);
	uint64_t n = memhp_range_get_block_count(r);
	uint64_t id = memhp_block_get_id(b);
	struct json_object *o = json_object_new_object();
	struct json_object *zarr;
	const char *state = memhp_state_name(memhp_block_get_state(b));
	const uint8_t *zones;
	int nz = memhp_block_get_zones(b, &zones);
	int removable = memhp_block_get_removable(b);
	int node = memhp_block_get_node(b);
	int configured = memhp_block_get_configured(b);
	int memmap = memhp_block_get_memmap_on_memory(b);
	const char *dev;

	json_object_object_add(o, "start", memhp_json_u64(id * bs));
	json_object_object_add(o, "end", memhp_json_u64(id * bs + n * bs - 1));
	json_object_object_add(o, "size", memhp_json_u64(n * bs));
	json_object_object_add(o, "first_block", memhp_json_u64(id));
	json_object_object_add(o, "last_block", memhp_json_u64(id + n - 1));
	json_object_object_add(o, "blocks", memhp_json_u64(n));
	json_object_object_add(o, "state",
			       state ? memhp_json_str(state) : NULL);
	json_object_object_add(o, "node",
			       node >= 0 ? json_object_new_int(node) : NULL);
	zarr = nz >= 0 ? json_object_new_array() : NULL;
	for (int i = 0; i < nz; i++)
		json_object_array_add(zarr, memhp_json_str(
				memhp_zone_name((enum memhp_zone)zones[i])));
	json_object_object_add(o, "zones", zarr);
	json_object_object_add(o, "removable", removable >= 0 ?
			       json_object_new_boolean(removable) : NULL);
	json_object_object_add(o, "configured", configured >= 0 ?
			       json_object_new_boolean(configured) : NULL);
	json_object_object_add(o, "memmap_on_memory", memmap >= 0 ?
			       json_object_new_boolean(memmap) : NULL);
	json_object_object_add(o, "probed",
			       json_object_new_boolean(memhp_block_is_probed(b)));
	json_object_object_add(o, "owner", memhp_json_str(memhp_owner_name(
				       memhp_block_get_owner(b))));
	dev = memhp_block_get_owner_device(b);
	json_object_object_add(o, "owner_device",
			       dev ? memhp_json_str(dev) : NULL);
	return o;
}

static int print_json(struct memhp_ctx *ctx, const struct memhp_ranges *rs,
		      uint64_t online, uint64_t offline)
{
	struct json_object *doc = memhp_json_document(ctx);
	struct json_object *arr = json_object_new_array();
	struct json_object *sum = json_object_new_object();

	for (size_t i = 0; i < memhp_ranges_get_count(rs); i++)
		json_object_array_add(arr, range_json(ctx,
						      memhp_ranges_get(rs, i)));
	json_object_object_add(doc, "ranges", arr);
	json_object_object_add(sum, "online", memhp_json_u64(online));
	json_object_object_add(sum, "offline", memhp_json_u64(offline));
	json_object_object_add(doc, "summary", sum);
	return memhp_json_print(doc);
}

int cmd_list(int argc, char **argv, struct memhp_cli *cli)
{
	struct list_opts o = {
		.want_table = true,
		.want_summary = true,
		.always_at = -1,
		.filter = MEMHP_CLI_FILTER_INIT,
	};
	struct memhp_ranges *rs = NULL;
	struct memhp_filter *filter;
	unsigned int split, need;
	uint64_t online = 0, offline = 0;
	struct memhp_block *b;
	struct memhp_ctx *ctx;
	bool doc;
	int ret;

	cli->json_lsmem_ok = true;
	if (memhp_parse(&list_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	/* memhp's document: --json alone; lsmem -J's is a table */
	doc = cli->json && !cli->json_lsmem;
	if (doc)
		o.want_summary = false;

	if (o.split) {
		split = split_attrs(o.split_cols, o.nsplit_cols);
	} else if (doc) {
		/* a JSON range is true for each of its blocks */
		split = MEMHP_ATTR_ALL;
	} else {
		split = split_attrs(o.columns, o.ncolumns);
	}

	need = MEMHP_ATTR_STATE | split;
	if (o.filter.owner != MEMHP_OWNER_ANY)
		need |= MEMHP_ATTR_OWNER;
	if (doc)
		need = MEMHP_ATTR_ALL;
	else if (o.want_table)
		need |= split_attrs(o.columns, o.ncolumns);
	ctx = memhp_cli_blocks(cli, need);
	if (!ctx)
		return EXIT_FAILED;
	filter = memhp_cli_filter_new(&o.filter);
	if (!filter)
		return EXIT_FAILED;
	ret = memhp_ranges_new(ctx, split, o.all, filter, &rs);
	if (ret < 0) {
		memhp_filter_free(filter);
		memhp_cli_error(cli, ret, "cannot read memory blocks");
		return EXIT_FAILED;
	}
	memhp_block_foreach(ctx, b) {
		if (!memhp_block_match(b, filter))
			continue;
		if (memhp_block_get_state(b) == MEMHP_STATE_ONLINE)
			online += memhp_get_block_size(ctx);
		else
			offline += memhp_get_block_size(ctx);
	}
	memhp_filter_free(filter);

	if (doc) {
		ret = print_json(ctx, rs, online, offline);
	} else {
		if (o.want_table) {
			ret = print_table(ctx, &o, rs, cli);
			if (o.want_summary)
				fputc('\n', stdout);
		}
		if (o.want_summary)
			print_summary(ctx, online, offline, cli->bytes);
	}
	memhp_ranges_free(rs);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot print the list");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
