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
	       "the memory that could never be unplugged, and other agents "
	       "that online memory.  Only reads.\v"
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

	for (size_t i = 0; i < c->nr_evidence; i++)
		json_object_array_add(ev, memhp_json_str(c->evidence[i]));
	json_object_object_add(o, "id", memhp_json_str(c->id));
	json_object_object_add(o, "status", memhp_json_str(
				       memhp_check_status_name(c->status)));
	json_object_object_add(o, "summary", memhp_json_str(c->summary));
	json_object_object_add(o, "evidence", ev);
	json_object_object_add(o, "advice", c->advice[0] ?
			       memhp_json_str(c->advice) : NULL);
	return o;
}

static struct json_object *hotplug_json(const struct memhp_doctor *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *w = json_object_new_array();
	uint64_t free_bytes = d->window_bytes > d->plugged_bytes ?
			      d->window_bytes - d->plugged_bytes : 0;

	for (size_t i = 0; i < d->nr_windows; i++) {
		struct json_object *r = json_object_new_object();
		const struct memhp_srat_memory *m = &d->windows[i];

		json_object_object_add(r, "start", memhp_json_u64(m->start));
		json_object_object_add(r, "end",
				       memhp_json_u64(m->start + m->size - 1));
		json_object_object_add(r, "size", memhp_json_u64(m->size));
		json_object_object_add(r, "proximity_domain",
				       memhp_json_u64(m->proximity_domain));
		json_object_array_add(w, r);
	}
	json_object_object_add(o, "windows", w);
	json_object_object_add(o, "window_bytes", memhp_json_u64(d->window_bytes));
	json_object_object_add(o, "plugged_bytes",
			       memhp_json_u64(d->plugged_bytes));
	json_object_object_add(o, "free_bytes", memhp_json_u64(free_bytes));
	json_object_object_add(o, "slots", d->slots >= 0 ?
			       json_object_new_int(d->slots) : NULL);
	json_object_object_add(o, "slots_used", d->slots >= 0 ?
			       json_object_new_int(d->slots_used) : NULL);
	json_object_object_add(o, "movable_bytes",
			       memhp_json_u64(d->movable_bytes));
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
	for (size_t i = 0; i < d->nr_checks; i++)
		if (strlen(d->checks[i].id) > idw)
			idw = strlen(d->checks[i].id);
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
	for (size_t i = 0; i < d->nr_checks; i++) {
		const struct memhp_check *c = &d->checks[i];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			break;
		scols_line_set_data(ln, 0, memhp_check_status_name(c->status));
		scols_cell_set_color(scols_line_get_cell(ln, 0),
				     status_color(c->status));
		scols_line_set_data(ln, 1, c->id);
		finding(ln, "", c->summary, width);
		/* the evidence of what is not ok, or of everything with -v */
		for (size_t e = 0; e < c->nr_evidence &&
		     (c->status != MEMHP_CHECK_OK || verbosity > 0); e++)
			finding(scols_table_new_line(tb, NULL), "  ",
				c->evidence[e], width);
		if (c->advice[0])
			finding(scols_table_new_line(tb, NULL), "  do: ",
				c->advice, width);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

int cmd_doctor(int argc, char **argv, struct memhp_cli *cli)
{
	struct memhp_doctor d;
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
	for (size_t i = 0; i < d.nr_checks; i++)
		failed |= d.checks[i].status == MEMHP_CHECK_FAIL;
	if (cli->json) {
		struct json_object *doc = memhp_json_document(ctx);
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < d.nr_checks; i++)
			json_object_array_add(arr, check_json(&d.checks[i]));
		json_object_object_add(doc, "status", memhp_json_str(
					       failed ? "fail" : "ok"));
		json_object_object_add(doc, "checks", arr);
		json_object_object_add(doc, "hotplug", hotplug_json(&d));
		memhp_json_print(doc);
	} else {
		print_table(cli, &d, cli->verbosity);
	}
	memhp_doctor_free(&d);
	return failed ? EXIT_FAILED : EXIT_OK;
}
