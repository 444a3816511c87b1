/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MEMHP_CMD_H
#define MEMHP_CMD_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include <libmemhp.h>

#include "text.h"

/* exit codes (memhp(8)) */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* failed, nothing changed */
	EXIT_USAGE = 2,		/* usage or invalid input, nothing touched */
	EXIT_PARTIAL = 64,	/* partial success */
};

/* What every command shares: the options any of them accepts, the
 * library context made from them, and how errors were reported. */
struct memhp_cli {
	const char *sysfs_root;
	bool json;
	bool json_lsmem;	/* --json=lsmem: lsmem -J's document (list) */
	bool json_lsmem_ok;	/* set by a command that can print it */
	int json_at;		/* argv index just after the command's last
				   --json, 0 when given before the command */
	bool bytes;
	int verbosity;		/* -1 quiet, 0 normal, >0 verbose */
	struct memhp_ctx *ctx;
	bool chmem;		/* called as chmem's -e/-d */
	bool reported;		/* the library logged an error since the
				   last memhp_cli_error() */
	int color;		/* --color: -1 never, 0 auto, 1 always */
};

/* argp child with --sysfs-root/--sysroot, --json, -v, -q, -h */
extern const struct argp memhp_common_argp;

/* Parse a command's options: @argv[0] is the command name. */
int memhp_parse(const struct argp *argp, int argc, char **argv,
		struct memhp_cli *cli, void *input);
/* A whole number from option --@name's @arg, at most @max; anything else
 * is a usage error (exit 2) that names the option. */
unsigned long long memhp_opt_uint(struct argp_state *state, const char *name,
				  const char *arg, unsigned long long max);
/* "START SIZE" of a physical range: an address (decimal or 0x-hex, no
 * leading zero) and a size with a unit (512M) or in bytes; 0, or -EINVAL
 * after a one-line message that names command @cmd. */
int memhp_parse_range_args(const char *cmd, const char *start,
			   const char *size, uint64_t *start_out,
			   uint64_t *size_out);

/* The shared state, from inside a command's argp parser. */
struct memhp_cli *memhp_parsing_cli(void);
/* The library context for the sysfs root in effect; NULL after an error
 * has been printed. */
struct memhp_ctx *memhp_cli_ctx(struct memhp_cli *cli);
/* The context with its blocks listed and @attrs read; NULL after an
 * error has been printed. */
struct memhp_ctx *memhp_cli_blocks(struct memhp_cli *cli, unsigned int attrs);
/* Print "memhp: <msg>: <strerror(-err)>" unless the library did already. */
void memhp_cli_error(struct memhp_cli *cli, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --node, --state and --zone as typed, until a library filter is made of
 * them (memhp_cli_filter_new) */
struct memhp_cli_filter {
	int node;		/* -1: any */
	enum memhp_state state;	/* MEMHP_STATE_UNKNOWN: any */
	enum memhp_zone zone;	/* MEMHP_ZONE_ANY: any */
	enum memhp_owner owner;	/* MEMHP_OWNER_ANY: any */
};
#define MEMHP_CLI_FILTER_INIT { .node = -1, .state = MEMHP_STATE_UNKNOWN, \
				.zone = MEMHP_ZONE_ANY, .owner = MEMHP_OWNER_ANY }
/* --owner=KIND into @f, or an argp error naming the kinds */
void memhp_opt_owner(struct argp_state *state, const char *arg,
		     struct memhp_cli_filter *f);
/* the library's filter, or NULL (out of memory, said on stderr) */
struct memhp_filter *memhp_cli_filter_new(const struct memhp_cli_filter *f);

/* format.c */
/* lsmem's human size ("128M", "1.5G", "0B"), or bytes with @bytes */
void memhp_format_size(char *buf, size_t size, uint64_t bytes, bool raw);
/* --color: whether tables colour their status words (auto: standard
 * output is a terminal, NO_COLOR is unset or empty, TERM is not dumb) */
bool memhp_cli_color(const struct memhp_cli *cli);
/* the columns of the terminal standard output is, 0 when it is none */
size_t memhp_term_width(void);
/* @text with its words wrapped at @width columns (0: not wrapped), each
 * later line indented by @indent spaces; allocated, NULL without memory */
char *memhp_word_wrap(const char *text, size_t width, size_t indent);

/* json.c */
struct json_object *memhp_json_document(struct memhp_ctx *ctx);
struct json_object *memhp_json_u64(uint64_t v);
int memhp_json_print(struct json_object *doc);
/* the policy knobs, typed: strings, a number, booleans */
struct json_object *memhp_json_policy(struct memhp_ctx *ctx);

/* prometheus.c: summary --format=prometheus */
int memhp_prometheus_print(struct memhp_ctx *ctx, const struct memhp_usage *us);

/* transaction.c: around every library transaction that changes memory.
 * Start traps SIGINT/SIGTERM/SIGHUP (they cancel it: memhp_cancel) and
 * shows progress on a terminal; end stops the progress line. */
void memhp_cli_start_transaction(struct memhp_cli *cli, const char *name);
void memhp_cli_end_transaction(struct memhp_cli *cli);
/* the signal that cancelled, 0 if none; and its name ("SIGTERM") */
int memhp_cli_signal(void);
const char *memhp_cli_signal_name(void);
/* one line to the system log (daemon.notice): what changed, who */
void memhp_audit(struct memhp_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct memhp_plan;
void memhp_audit_plan(struct memhp_cli *cli, const char *name,
		      const struct memhp_plan *plan, int status);
struct json_object;
/* probe.c: why memhp.ko (or the kernel) refused, for people */
const char *memhp_probe_errno_text(int err);

/* the commands */
int cmd_list(int argc, char **argv, struct memhp_cli *cli);
int cmd_summary(int argc, char **argv, struct memhp_cli *cli);
int cmd_online(int argc, char **argv, struct memhp_cli *cli);
int cmd_offline(int argc, char **argv, struct memhp_cli *cli);
int cmd_probe(int argc, char **argv, struct memhp_cli *cli);
int cmd_remove(int argc, char **argv, struct memhp_cli *cli);
int cmd_policy(int argc, char **argv, struct memhp_cli *cli);
int cmd_watch(int argc, char **argv, struct memhp_cli *cli);
int cmd_devices(int argc, char **argv, struct memhp_cli *cli);
int cmd_eject(int argc, char **argv, struct memhp_cli *cli);
int cmd_doctor(int argc, char **argv, struct memhp_cli *cli);
int cmd_why(int argc, char **argv, struct memhp_cli *cli);

/* why.c: a census rendered, for memhp why and offline --explain.  The
 * census object (NULL when not available); verdict, why, census and
 * census_errno added to @obj; the table of @n censuses; the one line that
 * says a census could not be read, and why. */
struct memhp_census;
struct json_object *memhp_census_json(const struct memhp_census *c);
void memhp_census_json_add(struct json_object *obj,
			   const struct memhp_census *c);
int memhp_census_table(struct memhp_ctx *ctx, struct memhp_census *const *cs,
		       size_t n);
void memhp_census_warn(const struct memhp_census *c);
/* a page kind's table heading: its name in capitals ("SLAB") */
void memhp_page_kind_header(int kind, char *buf, size_t size);

#endif
