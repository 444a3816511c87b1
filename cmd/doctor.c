// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp doctor: whether memory hotplug will work here, and if not, why;
 * every check with ok / warn / fail, its evidence and what to do.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhp.h"

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp doctor_argp = {
	.parser = parse_opt,
	.doc = "Check whether memory hotplug will work on this machine, and "
	       "say why not: kernel support (its build configuration and "
	       "sysfs), the hot-pluggable windows the firmware announced "
	       "(ACPI SRAT) and the slots (ACPI memory devices), ZONE_MOVABLE "
	       "and the boot parameters that shape it, the onlining policy, "
	       "the memory that could never be unplugged, virtio-mem devices "
	       "(driver, onlining policy) and dax devices (kmem, onliners "
	       "that race daxctl), and other agents that online memory.  "
	       "Only reads.\v"
	       "Each check is ok, warn or fail, with the evidence it used "
	       "and what to do.  Exit status 1 when a check fails, 0 "
	       "otherwise.  Reading the SRAT needs root.\n"
	       "Examples:\n"
	       "  memhp doctor\n"
	       "  memhp doctor --json | jq '.checks[] | select(.status != \"ok\")'\n"
	       "  memhp doctor --json | jq .hotplug.free_bytes",
};

static struct json_object *check_json(const struct memhp_check *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ev = json_object_new_array();

	for (size_t i = 0; i < memhp_check_get_evidence_count(c); i++)
		json_object_array_add(ev, memhp_json_str(
					      memhp_check_get_evidence(c, i)));
	json_object_object_add(o, "id", memhp_json_str(memhp_check_get_id(c)));
	json_object_object_add(o, "status", memhp_json_str(
		memhp_check_status_name(memhp_check_get_status(c))));
	json_object_object_add(o, "summary", memhp_json_str(
				       memhp_check_get_summary(c)));
	json_object_object_add(o, "evidence", ev);
	json_object_object_add(o, "advice", memhp_json_str(
				       memhp_check_get_advice(c)));
	return o;
}

static struct json_object *hotplug_json(const struct memhp_doctor *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *w = json_object_new_array();
	uint64_t window_bytes = memhp_doctor_get_window_bytes(d);
	uint64_t plugged_bytes = memhp_doctor_get_plugged_bytes(d);
	uint64_t free_bytes = window_bytes > plugged_bytes ?
			      window_bytes - plugged_bytes : 0;
	int slots = memhp_doctor_get_slots(d);

	for (size_t i = 0; i < memhp_doctor_get_window_count(d); i++) {
		struct json_object *r = json_object_new_object();
		const struct memhp_srat_memory *m = memhp_doctor_get_window(d, i);
		uint64_t start = memhp_srat_memory_get_start(m);
		uint64_t size = memhp_srat_memory_get_size(m);

		json_object_object_add(r, "start", memhp_json_u64(start));
		json_object_object_add(r, "end",
				       memhp_json_u64(start + size - 1));
		json_object_object_add(r, "size", memhp_json_u64(size));
		json_object_object_add(r, "proximity_domain", memhp_json_u64(
			memhp_srat_memory_get_proximity_domain(m)));
		json_object_array_add(w, r);
	}
	json_object_object_add(o, "windows", w);
	json_object_object_add(o, "window_bytes", memhp_json_u64(window_bytes));
	json_object_object_add(o, "plugged_bytes",
			       memhp_json_u64(plugged_bytes));
	json_object_object_add(o, "free_bytes", memhp_json_u64(free_bytes));
	json_object_object_add(o, "slots", slots >= 0 ?
			       json_object_new_int(slots) : NULL);
	json_object_object_add(o, "slots_used", slots >= 0 ?
			       json_object_new_int(
				       memhp_doctor_get_slots_used(d)) : NULL);
	json_object_object_add(o, "movable_bytes",
			       memhp_json_u64(memhp_doctor_get_movable_bytes(d)));
	return o;
}

/* ok green, warn yellow, fail red (libsmartcols' colour names) */
static const char *status_color(enum memhp_check_status st)
{
	return st == MEMHP_CHECK_OK ? "green" :
	       st == MEMHP_CHECK_WARN ? "yellow" : "red";
}

/*
 * One FINDING cell, wrapped between words to the terminal's width (the
 * column's own wrapping would cut words), later lines under the first
 * word after @prefix.
 */
static void finding(struct libscols_line *ln, const char *prefix,
		    const char *text, size_t width)
{
	char *joined = NULL, *wrapped;
	size_t indent = strlen(prefix);

	/* control bytes from the tree escaped first: the only newlines are
	 * the wrap's */
	if (!ln || asprintf(&joined, "%s%s", prefix, memhp_tty(text)) < 0)
		return;
	/* "  do: " is followed by its text's first word */
	wrapped = memhp_word_wrap(joined, width, indent);
	scols_line_set_data(ln, 2, wrapped ? wrapped : joined);
	free(wrapped);
	free(joined);
}

static void print_table(const struct memhp_cli *cli,
			const struct memhp_doctor *d, int verbosity)
{
	struct libscols_table *tb = scols_new_table();
	struct libscols_column *cl;
	size_t idw = strlen("CHECK"), width = memhp_term_width();

	if (!tb)
		return;
	scols_table_enable_colors(tb, memhp_cli_color(cli));
	for (size_t i = 0; i < memhp_doctor_get_count(d); i++)
		if (strlen(memhp_check_get_id(memhp_doctor_get(d, i))) > idw)
			idw = strlen(memhp_check_get_id(memhp_doctor_get(d, i)));
	/* what STATUS and CHECK leave of the terminal, never too narrow */
	if (width)
		width = width > idw + 8 + 30 ? width - idw - 8 : 30;
	scols_table_new_column(tb, "STATUS", 0, 0);
	scols_table_new_column(tb, "CHECK", 0, 0);
	cl = scols_table_new_column(tb, "FINDING", 0, SCOLS_FL_WRAP);
	if (cl) {
		/* the newlines memhp_word_wrap() put in start new lines */
		scols_column_set_safechars(cl, "\n");
		scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
					  scols_wrapnl_nextchunk, NULL);
	}
	for (size_t i = 0; i < memhp_doctor_get_count(d); i++) {
		const struct memhp_check *c = memhp_doctor_get(d, i);
		enum memhp_check_status status = memhp_check_get_status(c);
		const char *advice = memhp_check_get_advice(c);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			break;
		scols_line_set_data(ln, 0, memhp_check_status_name(status));
		scols_cell_set_color(scols_line_get_cell(ln, 0),
				     status_color(status));
		scols_line_set_data(ln, 1, memhp_check_get_id(c));
		finding(ln, "", memhp_check_get_summary(c), width);
		/* the evidence of what is not ok, or of everything with -v */
		for (size_t e = 0; e < memhp_check_get_evidence_count(c) &&
		     (status != MEMHP_CHECK_OK || verbosity > 0); e++)
			finding(scols_table_new_line(tb, NULL), "  ",
				memhp_check_get_evidence(c, e), width);
		if (advice)
			finding(scols_table_new_line(tb, NULL), "  do: ",
				advice, width);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

int cmd_doctor(int argc, char **argv, struct memhp_cli *cli)
{
	struct memhp_doctor *d;
	struct memhp_ctx *ctx;
	bool failed = false;
	int err;

	if (memhp_parse(&doctor_argp, argc, argv, cli, NULL) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_ctx(cli);
	if (!ctx)
		return EXIT_FAILED;
	err = memhp_doctor_run(ctx, &d);
	if (err < 0) {
		memhp_cli_error(cli, err, "doctor");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < memhp_doctor_get_count(d); i++)
		failed |= memhp_check_get_status(memhp_doctor_get(d, i)) ==
			  MEMHP_CHECK_FAIL;
	if (cli->json) {
		struct json_object *doc = memhp_json_document(ctx);
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < memhp_doctor_get_count(d); i++)
			json_object_array_add(arr, check_json(
						      memhp_doctor_get(d, i)));
		json_object_object_add(doc, "status", memhp_json_str(
					       failed ? "fail" : "ok"));
		json_object_object_add(doc, "checks", arr);
		json_object_object_add(doc, "hotplug", hotplug_json(d));
		memhp_json_print(doc);
	} else {
		print_table(cli, d, cli->verbosity);
	}
	memhp_doctor_free(d);
	return failed ? EXIT_FAILED : EXIT_OK;
}
