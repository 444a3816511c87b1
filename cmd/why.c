// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp why: what is in each block, page by page, and whether offline can
 * empty it (the library's census); read-only.  The census rendering is
 * shared with memhp offline --explain.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhp.h"
#include "selector.h"

#define MAX_WHY_SELECTORS 256

struct why_opts {
	const char *selectors[MAX_WHY_SELECTORS];
	size_t nr_selectors;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct why_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (o->nr_selectors == MAX_WHY_SELECTORS)
			argp_error(state, "too many selectors");
		o->selectors[o->nr_selectors++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp why_argp = {
	.parser = parse_opt,
	.args_doc = "[SELECTOR...]",
	.doc = "Say what is in memory blocks and whether they can go offline: "
	       "each block's pages by kind (free, page cache, anonymous, "
	       "slab, page tables, reserved, hugetlb, ...) from "
	       "/proc/kpageflags, and a verdict: will-go, may-retry (and "
	       "why) or will-not-go (and what holds it).  Only reads.\v"
	       "SELECTOR is a block id or list (32, 32-39,41, memory32) or a "
	       "physical range aligned to the block size; without one, every "
	       "online block.  Counts are in pages.  /proc/kpageflags is "
	       "root's only: without it there is no census (verdict "
	       "unknown), never a guess.\n"
	       "Exit status: 0 every census was read, 1 one could not be, 2 "
	       "invalid input.\n"
	       "Examples:\n"
	       "  memhp why 32-39\n"
	       "  memhp why --json 40 | jq .blocks[0].census.slab",
};

/* ---- shared with offline --explain --------------------------------- */

/* "cma": pages or null when unknown, "cma_source": where it came from */
static void add_overlap(struct json_object *o, const char *key, bool known,
			uint64_t pages, const char *source)
{
	char name[32];

	json_object_object_add(o, key, known ? memhp_json_u64(pages) : NULL);
	snprintf(name, sizeof(name), "%s_source", key);
	json_object_object_add(o, name, source ? memhp_json_str(source)
					       : NULL);
}

struct json_object *memhp_census_json(const struct memhp_census *c)
{
	struct json_object *o;
	uint64_t pages;
	bool known;

	if (!memhp_census_is_available(c))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "pages",
			       memhp_json_u64(memhp_census_get_total(c)));
	json_object_object_add(o, "in_use",
			       memhp_json_u64(memhp_census_get_in_use(c)));
	json_object_object_add(o, "unmovable",
			       memhp_json_u64(memhp_census_get_unmovable(c)));
	for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++)
		json_object_object_add(o, memhp_page_kind_name(k),
				       memhp_json_u64(memhp_census_get_pages(c, k)));
	known = memhp_census_get_cma(c, &pages) == 0;
	add_overlap(o, "cma", known, pages, memhp_census_get_cma_source(c));
	known = memhp_census_get_memory_hole(c, &pages) == 0;
	add_overlap(o, "memory_hole", known, pages,
		    memhp_census_get_memory_hole_source(c));
	return o;
}

void memhp_census_json_add(struct json_object *obj,
			   const struct memhp_census *c)
{
	int e = memhp_census_get_errno(c);

	json_object_object_add(obj, "verdict", memhp_json_str(
			memhp_verdict_name(memhp_census_get_verdict(c))));
	json_object_object_add(obj, "why",
			       memhp_json_str(memhp_census_get_why(c)));
	json_object_object_add(obj, "census", memhp_census_json(c));
	json_object_object_add(obj, "census_errno",
			       e ? json_object_new_int(e) : NULL);
}

static const char *zone_word(const struct memhp_block *b)
{
	const uint8_t *zones;

	if (!b || memhp_block_get_state(b) != MEMHP_STATE_ONLINE ||
	    memhp_block_get_zones(b, &zones) < 1)
		return "";
	return memhp_zone_name(zones[0]);
}

void memhp_page_kind_header(int k, char *buf, size_t size)
{
	snprintf(buf, size, "%s", memhp_page_kind_name(k));
	for (char *p = buf; *p; p++)
		*p = (char)(*p - 'a' + 'A');
}

/* What overlaps a block, for the table: CMA and MEMHOLE, each shown when
 * some listed block has such pages; "?" where no source says. */
typedef int (*overlap_fn)(const struct memhp_census *c, uint64_t *pages);
static const struct {
	const char *header;
	overlap_fn get;
} overlaps[] = {
	{ "CMA", memhp_census_get_cma },
	{ "MEMHOLE", memhp_census_get_memory_hole },
};
#define NR_OVERLAPS (sizeof(overlaps) / sizeof(*overlaps))

static void overlap_cell(const struct memhp_census *c, size_t i, char *buf,
			 size_t size)
{
	uint64_t pages;

	if (overlaps[i].get(c, &pages) == 0)
		snprintf(buf, size, "%" PRIu64, pages);
	else
		snprintf(buf, size, "?");
}

int memhp_census_table(struct memhp_ctx *ctx, struct memhp_census *const *cs,
		       size_t n)
{
	struct libscols_table *tb = scols_new_table();
	bool shown[MEMHP_NR_PAGE_KINDS] = { false };
	bool oshown[NR_OVERLAPS] = { false };
	int col[MEMHP_NR_PAGE_KINDS], ocol[NR_OVERLAPS], ncol = 3, why_col;
	char buf[64];

	if (!tb)
		return -ENOMEM;
	scols_table_new_column(tb, "BLOCK", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "ZONE", 0, 0);
	scols_table_new_column(tb, "VERDICT", 0, 0);
	/* the kinds some block has, in the library's order */
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++)
			shown[k] |= memhp_census_get_pages(cs[i], k) > 0;
	for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++) {
		if (!shown[k])
			continue;
		memhp_page_kind_header(k, buf, sizeof(buf));
		scols_table_new_column(tb, buf, 0, SCOLS_FL_RIGHT);
		col[k] = ncol++;
	}
	for (size_t o = 0; o < NR_OVERLAPS; o++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t pages;

			oshown[o] |= overlaps[o].get(cs[i], &pages) == 0 &&
				     pages > 0;
		}
		if (!oshown[o])
			continue;
		scols_table_new_column(tb, overlaps[o].header, 0,
				       SCOLS_FL_RIGHT);
		ocol[o] = ncol++;
	}
	why_col = ncol;
	scols_table_new_column(tb, "WHY", 0, SCOLS_FL_WRAP);
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		uint64_t id = memhp_census_get_block(cs[i]);

		if (!ln)
			break;
		snprintf(buf, sizeof(buf), "%" PRIu64, id);
		scols_line_set_data(ln, 0, buf);
		scols_line_set_data(ln, 1, zone_word(
				memhp_block_get_by_id(ctx, id)));
		scols_line_set_data(ln, 2, memhp_verdict_name(
				memhp_census_get_verdict(cs[i])));
		for (int k = 0; k < MEMHP_NR_PAGE_KINDS; k++) {
			if (!shown[k])
				continue;
			snprintf(buf, sizeof(buf), "%" PRIu64,
				 memhp_census_get_pages(cs[i], k));
			scols_line_set_data(ln, (size_t)col[k], buf);
		}
		for (size_t o = 0; o < NR_OVERLAPS; o++) {
			if (!oshown[o])
				continue;
			overlap_cell(cs[i], o, buf, sizeof(buf));
			scols_line_set_data(ln, (size_t)ocol[o], buf);
		}
		scols_line_set_data(ln, (size_t)why_col,
				    memhp_census_get_why(cs[i]));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
}

/* "block 32: no census: proc/kpageflags: ...", said once per run */
void memhp_census_warn(const struct memhp_census *c)
{
	int e = memhp_census_get_errno(c);

	fprintf(stderr, "memhp: block %" PRIu64 ": %s%s\n",
		memhp_census_get_block(c), memhp_census_get_why(c),
		e == EACCES || e == EPERM ? " (it needs root)" : "");
}

/* ---- memhp why ------------------------------------------------------ */

static int add_ids(struct memhp_ctx *ctx, const char *s, uint64_t **ids,
		   size_t *n)
{
	struct memhp_selector sel;
	int ret = memhp_selector_parse(s, memhp_get_block_size(ctx), &sel);

	if (ret == 0 && sel.type == MEMHP_SELECT_SIZE)
		ret = -EINVAL;
	if (ret < 0) {
		fprintf(stderr, "memhp: why: '%s' is not a block id, list or "
			"range (for example 32, 32-39,41, memory32 or "
			"0x100000000-0x13fffffff)\n", memhp_tty(s));
		memhp_selector_free(&sel);
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	for (size_t i = 0; i < sel.nr_spans && ret == 0; i++)
		for (uint64_t id = sel.spans[i].first; ret == 0; id++) {
			uint64_t *p;

			if (!memhp_block_get_by_id(ctx, id)) {
				fprintf(stderr, "memhp: why: no memory block "
					"%" PRIu64 "\n", id);
				ret = -EINVAL;
				break;
			}
			p = realloc(*ids, (*n + 1) * sizeof(**ids));
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			*ids = p;
			(*ids)[(*n)++] = id;
			if (id == sel.spans[i].last)
				break;
		}
	memhp_selector_free(&sel);
	return ret;
}

static int select_blocks(struct memhp_ctx *ctx, const struct why_opts *o,
			 uint64_t **ids, size_t *n)
{
	struct memhp_block *b;
	int ret = 0;

	for (size_t i = 0; i < o->nr_selectors && ret == 0; i++)
		ret = add_ids(ctx, o->selectors[i], ids, n);
	if (o->nr_selectors || ret < 0)
		return ret;
	memhp_block_foreach(ctx, b) {
		uint64_t *p;

		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE)
			continue;
		p = realloc(*ids, (*n + 1) * sizeof(**ids));
		if (!p)
			return -ENOMEM;
		*ids = p;
		(*ids)[(*n)++] = memhp_block_get_id(b);
	}
	return 0;
}

static struct json_object *why_json(struct memhp_ctx *ctx,
				    struct memhp_census *const *cs, size_t n)
{
	struct json_object *doc = memhp_json_document(ctx);
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		uint64_t id = memhp_census_get_block(cs[i]);
		const struct memhp_block *b = memhp_block_get_by_id(ctx, id);
		const char *zone = zone_word(b);
		const char *state = b ? memhp_state_name(
				memhp_block_get_state(b)) : NULL;

		json_object_object_add(o, "block", memhp_json_u64(id));
		json_object_object_add(o, "start", memhp_json_u64(
				id * memhp_get_block_size(ctx)));
		json_object_object_add(o, "state", state ?
				       memhp_json_str(state) : NULL);
		json_object_object_add(o, "zone", *zone ?
				       memhp_json_str(zone) : NULL);
		memhp_census_json_add(o, cs[i]);
		json_object_array_add(arr, o);
	}
	json_object_object_add(doc, "blocks", arr);
	return doc;
}

int cmd_why(int argc, char **argv, struct memhp_cli *cli)
{
	struct why_opts o = { .nr_selectors = 0 };
	struct memhp_census **cs = NULL;
	struct memhp_ctx *ctx;
	uint64_t *ids = NULL;
	size_t n = 0, nc = 0;
	int status = EXIT_OK, ret;

	if (memhp_parse(&why_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_blocks(cli, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES);
	if (!ctx)
		return EXIT_FAILED;
	ret = select_blocks(ctx, &o, &ids, &n);
	if (ret < 0) {
		free(ids);
		if (ret == -ENOMEM)
			memhp_cli_error(cli, ret, "why");
		return ret == -ENOMEM ? EXIT_FAILED : EXIT_USAGE;
	}
	cs = calloc(n ? n : 1, sizeof(*cs));
	if (!cs) {
		free(ids);
		memhp_cli_error(cli, -ENOMEM, "why");
		return EXIT_FAILED;
	}
	for (; nc < n; nc++) {
		ret = memhp_census_new(ctx, ids[nc], &cs[nc]);
		if (!cs[nc]) {
			memhp_cli_error(cli, ret, "census of block %" PRIu64,
					ids[nc]);
			status = EXIT_FAILED;
			break;
		}
		if (ret < 0 && status == EXIT_OK) {
			memhp_census_warn(cs[nc]);
			status = EXIT_FAILED;
		}
	}
	if (cli->json)
		memhp_json_print(why_json(ctx, cs, nc));
	else
		memhp_census_table(ctx, cs, nc);
	for (size_t i = 0; i < nc; i++)
		memhp_census_free(cs[i]);
	free(cs);
	free(ids);
	return status;
}
