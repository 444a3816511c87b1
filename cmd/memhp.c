// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp: the command table, the options every command shares, dispatch.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "memhp.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct memhp_cli *cli);
	const char *doc;
};

/* The only command table: dispatch, --help and --list-commands use it. */
static const struct command commands[] = {
	{ "list", cmd_list, "list memory blocks and ranges (lsmem compatible)" },
	{ "summary", cmd_summary,
	  "block size, totals per node and zone, policy, module status" },
	{ "online", cmd_online, "bring memory blocks online into a zone" },
	{ "offline", cmd_offline, "take memory blocks offline" },
	{ "probe", cmd_probe, "add a physical memory range (memhp.ko)" },
	{ "remove", cmd_remove, "remove a range memhp.ko added" },
	{ "policy", cmd_policy,
	  "show or set the kernel's onlining policy; find other onliners" },
	{ "devices", cmd_devices,
	  "ACPI memory devices (DIMMs), their memory, can they go now" },
	{ "eject", cmd_eject, "offline an ACPI memory device, then eject it" },
	{ "watch", cmd_watch,
	  "memory events as they happen, one JSON object a line" },
	{ "doctor", cmd_doctor,
	  "will memory hotplug work here, and if not, why" },
	{ "why", cmd_why, "what is in memory blocks; can they go offline" },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *argp_program_version = "memhp " MEMHP_VERSION;
const char *argp_program_bug_address = NULL;

enum {
	OPT_SYSFS_ROOT = 's',
	OPT_JSON = 'J',
	OPT_VERBOSE = 'v',
	OPT_QUIET = 'q',
	OPT_HELP_H = 'h',
	OPT_BYTES = 0x100,
	OPT_LIST_COMMANDS,
	OPT_COLOR,
	OPT_JSON_FORMAT,
};

static const struct argp_option common_options[] = {
	{ "sysfs-root", OPT_SYSFS_ROOT, "DIR", 0,
	  "Read and write sysfs below DIR instead of / (also MEMHP_SYSFS_ROOT)",
	  -1 },
	{ "sysroot", 0, NULL, OPTION_ALIAS, NULL, -1 },
	{ "json", OPT_JSON_FORMAT, "FORMAT", OPTION_ARG_OPTIONAL,
	  "Print one JSON document: memhp's (memhp-json(7)), or with FORMAT "
	  "lsmem what lsmem -J prints (list only)", -1 },
	{ NULL, OPT_JSON, NULL, 0, "Same as --json (memhp's document)", -1 },
	{ "verbose", OPT_VERBOSE, NULL, 0, "Say more (repeat for debug)", -1 },
	{ "quiet", OPT_QUIET, NULL, 0, "Print errors only", -1 },
	{ "color", OPT_COLOR, "WHEN", OPTION_ARG_OPTIONAL,
	  "Colour ok, warn and fail in tables: auto (the default: on a "
	  "terminal, unless NO_COLOR is set or TERM is dumb), always or "
	  "never; --color alone is always", -1 },
	{ NULL, OPT_HELP_H, NULL, OPTION_HIDDEN, "Give this help list", -1 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct memhp_cli *cli = state->input;
	struct stat st;
	int bad;

	switch (key) {
	case OPT_SYSFS_ROOT:
		if (!*arg)
			argp_error(state, "--sysfs-root needs a directory");
		/* a root that is not there is a usage error; one that cannot
		 * be looked at (EACCES) is left to the context to report */
		bad = stat(arg, &st) < 0 ? errno :
		      S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
		if (bad == ENOENT || bad == ENOTDIR)
			argp_error(state, "--sysfs-root '%s': %s", arg,
				   strerror(bad));
		cli->sysfs_root = arg;
		break;
	case OPT_JSON_FORMAT:
	case OPT_JSON:		/* -J takes no FORMAT: -Ja is -J -a */
		if (arg && strcmp(arg, "lsmem") != 0 && strcmp(arg, "memhp") != 0)
			argp_error(state, "unknown --json format '%s' (memhp or "
				   "lsmem)", arg);
		cli->json = true;
		cli->json_lsmem = arg && strcmp(arg, "lsmem") == 0;
		cli->json_at = state->next;
		break;
	case OPT_VERBOSE:
		cli->verbosity = cli->verbosity < 0 ? 1 : cli->verbosity + 1;
		break;
	case OPT_QUIET:
		cli->verbosity = -1;
		break;
	case OPT_COLOR:
		if (!arg || !strcmp(arg, "always"))
			cli->color = 1;
		else if (!strcmp(arg, "never"))
			cli->color = -1;
		else if (!strcmp(arg, "auto"))
			cli->color = 0;
		else
			argp_error(state, "--color: '%s' is not auto, always "
				   "or never", arg);
		break;
	case OPT_HELP_H:
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp memhp_common_argp = {
	.options = common_options,
	.parser = common_parse,
};

/*
 * Usage errors in one line.  argp follows its message with "Try `memhp
 * list --help' or `memhp list --usage' for more information." on a line
 * of its own; its error stream folds that into the message line as
 * "(try 'memhp list --help')", and drops it after getopt's messages,
 * which getopt prints to stderr itself.  The stream is unbuffered, so everything
 * argp wrote has arrived when it calls exit(); the newline still owed
 * then is written by an exit handler.
 */
static bool usage_newline_owed;
static char usage_line[1024];
static size_t usage_len;

static void usage_line_done(void)
{
	const char *l = usage_line, *q, *e;

	if (!strncmp(l, "Try ", 4) && (q = strpbrk(l, "`'")) &&
	    (e = strstr(q, " --help"))) {
		/* after getopt's own message (straight to stderr): dropped */
		if (usage_newline_owed)
			fprintf(stderr, " (try '%.*s --help')\n",
				(int)(e - q - 1), q + 1);
		usage_newline_owed = false;
	} else {
		if (usage_newline_owed)
			fputc('\n', stderr);
		fputs(l, stderr);
		usage_newline_owed = true;
	}
	usage_len = 0;
	usage_line[0] = '\0';
}

static ssize_t usage_write(void *cookie, const char *data, size_t n)
{
	(void)cookie;
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			usage_line_done();
			continue;
		}
		if (usage_len < sizeof(usage_line) - 1) {
			usage_line[usage_len++] = data[i];
			usage_line[usage_len] = '\0';
		}
	}
	return (ssize_t)n;
}

static void usage_flush(void)
{
	if (usage_len)
		usage_line_done();
	if (usage_newline_owed)
		fputc('\n', stderr);
	usage_newline_owed = false;
}

static FILE *usage_stream(void)
{
	static FILE *f;

	if (!f) {
		f = fopencookie(NULL, "w", (cookie_io_functions_t){
					.write = usage_write });
		if (!f)
			return stderr;
		setvbuf(f, NULL, _IONBF, 0);
		atexit(usage_flush);
	}
	return f;
}

/* The command being parsed: its parser, and the shared options' target. */
static const struct argp *parsing_argp;
static struct memhp_cli *parsing_cli;

static size_t parsing_nr_children;

struct memhp_cli *memhp_parsing_cli(void)
{
	return parsing_cli;
}

/* The command's own children get the command's input; the common options
 * (the last child) get the shared state. */
static error_t command_parse(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_INIT) {
		state->err_stream = usage_stream();
		for (size_t i = 0; i < parsing_nr_children; i++)
			state->child_inputs[i] = state->input;
		state->child_inputs[parsing_nr_children] = parsing_cli;
	}
	if (key == ARGP_KEY_END && parsing_cli->json_lsmem &&
	    !parsing_cli->json_lsmem_ok)
		argp_error(state, "--json=lsmem is for memhp list only");
	return parsing_argp->parser(key, arg, state);
}

int memhp_parse(const struct argp *argp, int argc, char **argv,
		struct memhp_cli *cli, void *input)
{
	struct argp_child children[8] = { 0 };
	struct argp with_common = *argp;
	char name[64];
	char *argv0 = argv[0];
	size_t n = 0;
	error_t ret;

	for (; argp->children && argp->children[n].argp; n++)
		children[n] = argp->children[n];
	children[n] = (struct argp_child){ &memhp_common_argp, 0,
					   "Common options:", 1 };
	/* "memhp list: ..." in messages and usage lines */
	snprintf(name, sizeof(name), "memhp %s", argv[0]);
	argv[0] = name;
	with_common.children = children;
	with_common.parser = command_parse;
	parsing_argp = argp;
	parsing_cli = cli;
	parsing_nr_children = n;
	cli->json_at = 0;	/* a --json before the command comes first */
	ret = argp_parse(&with_common, argc, argv, 0, NULL, input);
	argv[0] = argv0;
	return ret ? -ret : 0;
}

unsigned long long memhp_opt_uint(struct argp_state *state, const char *name,
				  const char *arg, unsigned long long max)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || n > max)
		argp_error(state, "invalid --%s '%s' (a whole number up to %llu)",
			   name, arg, max);
	return n;
}

/* Decimal or 0x-hex, nothing else: a leading zero is refused, never read
 * as octal (memhp-probe(8)); -EDOM for a leading zero. */
static int parse_address(const char *s, uint64_t *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	char *end;

	if (!(hex ? isxdigit((unsigned char)*digits) :
		    isdigit((unsigned char)*digits)))
		return -EINVAL;
	if (!hex && s[0] == '0' && s[1])
		return -EDOM;
	errno = 0;
	*v = strtoull(digits, &end, hex ? 16 : 10);
	return errno || *end ? -EINVAL : 0;
}

int memhp_parse_range_args(const char *cmd, const char *start,
			   const char *size, uint64_t *start_out,
			   uint64_t *size_out)
{
	const char *bad = start;
	int ret = parse_address(start, start_out);

	if (!ret && memhp_parse_size(size, size_out) < 0) {
		bad = size;
		ret = parse_address(size, size_out);
	}
	if (ret == -EDOM)
		fprintf(stderr, "memhp: %s: '%s' has a leading zero; write "
			"numbers in decimal without one or in hex with 0x "
			"(octal is not read)\n", cmd, memhp_tty(bad));
	else if (ret < 0)
		fprintf(stderr, "memhp: %s: '%s %s' is not START SIZE (for "
			"example 0x40000000 512M)\n", cmd, memhp_tty(start),
			memhp_tty(size));
	return ret < 0 ? -EINVAL : 0;
}

/* One message line: what the library or a command formats may carry
 * values read from below the root, so control bytes are shown escaped
 * and a raw newline never splits the line (text.h). */
static void print_clean(const char *format, va_list args)
{
	char *msg = NULL;

	if (vasprintf(&msg, format, args) < 0) {
		fputs("(message lost: out of memory)\n", stderr);
		return;
	}
	fprintf(stderr, "%s\n", memhp_tty(msg));
	free(msg);
}

static void log_to_stderr(void *data, int priority, const char *file,
			  int line, const char *fn, const char *format,
			  va_list args)
{
	struct memhp_cli *cli = data;

	if (priority > LOG_DEBUG - 1 + (cli->verbosity > 1))
		return;
	if (priority <= LOG_ERR)
		cli->reported = true;
	if (cli->verbosity > 1)
		fprintf(stderr, "memhp: %s:%d %s: ", file, line, fn);
	else
		fputs("memhp: ", stderr);
	print_clean(format, args);
}

struct memhp_ctx *memhp_cli_ctx(struct memhp_cli *cli)
{
	int ret;

	if (cli->ctx)
		return cli->ctx;
	ret = memhp_new(cli->sysfs_root, &cli->ctx);
	if (ret < 0) {
		const char *root = cli->sysfs_root;

		if (!root || !*root)
			root = secure_getenv("MEMHP_SYSFS_ROOT");
		fprintf(stderr, "memhp: sysfs root %s: %s\n",
			root && *root ? root : "/", strerror(-ret));
		/* MEMHP_SYSFS_ROOT naming nothing is bad input, as the
		 * option is; nothing has been touched */
		if (ret == -ENOENT || ret == -ENOTDIR)
			exit(EXIT_USAGE);
		return NULL;
	}
	memhp_set_log_fn(cli->ctx, log_to_stderr, cli);
	if (cli->verbosity > 1)
		memhp_set_log_priority(cli->ctx, LOG_DEBUG);
	else if (cli->verbosity > 0 &&
		 memhp_get_log_priority(cli->ctx) < LOG_INFO)
		memhp_set_log_priority(cli->ctx, LOG_INFO);
	return cli->ctx;
}

struct memhp_ctx *memhp_cli_blocks(struct memhp_cli *cli, unsigned int attrs)
{
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);
	int ret;

	if (!ctx)
		return NULL;
	ret = memhp_blocks_scan(ctx, attrs);
	if (ret < 0) {
		memhp_cli_error(cli, ret, "cannot read memory blocks");
		return NULL;
	}
	return ctx;
}

struct memhp_filter *memhp_cli_filter_new(const struct memhp_cli_filter *f)
{
	struct memhp_filter *filter;

	if (memhp_filter_new(&filter) < 0) {
		fputs("memhp: out of memory\n", stderr);
		return NULL;
	}
	memhp_filter_set_node(filter, f->node);
	memhp_filter_set_state(filter, f->state);
	memhp_filter_set_zone(filter, f->zone);
	memhp_filter_set_owner(filter, f->owner);
	return filter;
}

void memhp_opt_owner(struct argp_state *state, const char *arg,
		     struct memhp_cli_filter *f)
{
	int owner = memhp_owner_from_name(arg);

	if (owner < 0)
		argp_error(state, "invalid owner '%s' (boot, acpi-dimm, "
			   "virtio-mem, dax-kmem, memhp, unknown)", arg);
	f->owner = (enum memhp_owner)owner;
}

void memhp_cli_error(struct memhp_cli *cli, int err, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	/* the library's own line said it already; later errors are new */
	if (cli->reported) {
		cli->reported = false;
		return;
	}
	fputs("memhp: ", stderr);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fputs(msg ? memhp_tty(msg) : "(message lost: out of memory)", stderr);
	free(msg);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
}

/* main's own options: the common ones, --bytes and --list-commands */
struct main_args {
	struct memhp_cli *cli;
	int cmd;	/* index in argv of the command name */
};

static const struct argp_option main_options[] = {
	{ "bytes", OPT_BYTES, NULL, 0, "Print sizes in bytes", 0 },
	{ "list-commands", OPT_LIST_COMMANDS, NULL, OPTION_HIDDEN, NULL, 0 },
	{ "enable", 'e', NULL, 0,
	  "chmem's spelling: 'memhp -e ARGS' is 'memhp online ARGS'; as in "
	  "chmem, a bare number is MiB (-b: a block id)", 0 },
	{ "disable", 'd', NULL, 0,
	  "chmem's spelling: 'memhp -d ARGS' is 'memhp offline ARGS'; as in "
	  "chmem, a bare number is MiB (-b: a block id)", 0 },
	{ 0 }
};

static error_t main_parse(int key, char *arg, struct argp_state *state)
{
	struct main_args *a = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->err_stream = usage_stream();
		state->child_inputs[0] = a->cli;
		break;
	case OPT_BYTES:
		a->cli->bytes = true;
		break;
	case OPT_LIST_COMMANDS:
		for (size_t i = 0; i < NR_COMMANDS; i++)
			puts(commands[i].name);
		exit(EXIT_OK);
	case 'e':
	case 'd':
		/* chmem -e/-d: the rest are online/offline's arguments */
		a->cmd = state->next - 1;
		a->cli->chmem = true;
		state->argv[a->cmd] = key == 'e' ? "online" : "offline";
		state->next = state->argc;
		break;
	case ARGP_KEY_ARG:
		/* the command: what follows is its own */
		a->cmd = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_NO_ARGS:
		if (!a->cmd)
			argp_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static char *main_help_filter(int key, const char *text, void *input)
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
	fputs("Commands:\n", f);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].doc);
	fputs("\n'memhp COMMAND --help' shows a command's options; memhp(8) "
	      "and memhp-COMMAND(8) tell the rest.\n", f);
	fputs("Exit status: 0 done (or already so), 1 failed, 2 usage or "
	      "invalid input, 64 partial success.", f);
	fclose(f);
	return buf;
}

static const struct argp_child main_children[] = {
	{ &memhp_common_argp, 0, NULL, 0 },
	{ 0 }
};

static const struct argp main_argp = {
	.options = main_options,
	.parser = main_parse,
	.args_doc = "COMMAND [ARG...]",
	.doc = "Administer Linux memory hotplug: list memory blocks and "
	       "ranges, report totals and policy.\v",
	.children = main_children,
	.help_filter = main_help_filter,
};

static int finish(int ret)
{
	/* a full disk or closed pipe must not pass for success */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "memhp: write error: %s\n",
				strerror(errno));
		return ret ? ret : EXIT_FAILED;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct memhp_cli cli = { 0 };
	struct main_args a = { .cli = &cli };
	int ret;

	setlocale(LC_ALL, "");
	argp_err_exit_status = EXIT_USAGE;
	argv[0] = "memhp";	/* getopt's messages name the program so */
	argp_parse(&main_argp, argc, argv, ARGP_IN_ORDER, NULL, &a);

	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[a.cmd], commands[i].name) != 0)
			continue;
		ret = commands[i].fn(argc - a.cmd, argv + a.cmd, &cli);
		memhp_unref(cli.ctx);
		return finish(ret);
	}
	fprintf(stderr, "memhp: unknown command '%s' (try 'memhp --help')\n",
		argv[a.cmd]);
	return EXIT_USAGE;
}
