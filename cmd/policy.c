// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp policy: show and set the kernel's onlining policy, and name the
 * other agents (the kernel's auto-onlining, udev rules) that online
 * hot-added memory on their own and so fight a manual memhp online.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memhp.h"

#define MAX_ARGS 16

struct policy_opts {
	const char *args[MAX_ARGS];
	int nargs;
	bool persist, reset;
};

enum { OPT_PERSIST = 0x100, OPT_RESET };

static const struct argp_option options[] = {
	{ "persist", OPT_PERSIST, NULL, 0,
	  "Also make it last: each KEY=VALUE (a bare KEY: its value now; no "
	  "KEY: the whole policy now) goes on the kernel command line from "
	  "the next boot, in a GRUB drop-in (/etc/default/grub.d/memhp.cfg) "
	  "that update-grub reads; memmap_on_memory can be set only so", 0 },
	{ "reset", OPT_RESET, NULL, 0,
	  "With --persist: remove that drop-in (the kernel's defaults from "
	  "the next boot); the policy in effect now stays", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct policy_opts *o = state->input;

	switch (key) {
	case OPT_PERSIST:
		o->persist = true;
		break;
	case OPT_RESET:
		o->reset = true;
		break;
	case ARGP_KEY_END:
		if (o->reset && !o->persist)
			argp_error(state, "--reset goes with --persist");
		if (o->reset && o->nargs)
			argp_error(state, "--persist --reset takes no KEY");
		break;
	case ARGP_KEY_ARG:
		if (o->nargs == MAX_ARGS)
			argp_error(state, "too many arguments");
		o->args[o->nargs++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp policy_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "[KEY[=VALUE]...]",
	.doc = "Show or set the kernel's memory onlining policy.\v"
	       "KEYS: auto_online_blocks (offline, online, online_kernel, "
	       "online_movable: what the kernel does with hot-added memory), "
	       "online_policy (contig-zones, auto-movable), auto_movable_ratio "
	       "(percent of Movable to kernel memory auto-movable allows), "
	       "auto_movable_numa_aware (yes, no), memmap_on_memory (shown "
	       "only: a boot parameter).\n"
	       "Every KEY=VALUE is checked before any is written; if a write "
	       "fails, the ones done are put back.\n"
	       "It also lists other agents that online memory on their own: "
	       "the kernel when auto_online_blocks is not offline, and udev "
	       "rules that write a memory block's state. Two onliners fight: "
	       "the first one to write wins the zone.\n"
	       "A change lasts until the next boot; --persist makes it last "
	       "(run update-grub afterwards).\n"
	       "Examples:\n"
	       "  memhp policy\n"
	       "  memhp policy auto_online_blocks=offline online_policy=auto-movable\n"
	       "  memhp policy --persist auto_online_blocks=online_movable "
	       "memmap_on_memory=yes\n"
	       "  memhp policy --persist --reset",
};

/* The owners an onliner takes: "every owner" for one that takes every
 * hot-added block (the kernel, a udev rule), else their names. */
static const char *owners_text(const struct memhp_onliner *a, char *buf,
			       size_t size)
{
	size_t len = 0;
	bool all = true;

	buf[0] = '\0';
	for (int i = 0; i < MEMHP_NR_OWNERS; i++) {
		bool takes = memhp_onliner_applies_to(a, (enum memhp_owner)i);

		if (i != MEMHP_OWNER_BOOT)
			all &= takes;
		if (takes && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "",
						memhp_owner_name(
							(enum memhp_owner)i));
	}
	return all ? "every owner" : buf;
}

static struct json_object *owners_json(const struct memhp_onliner *a)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < MEMHP_NR_OWNERS; i++)
		if (memhp_onliner_applies_to(a, (enum memhp_owner)i))
			json_object_array_add(arr, memhp_json_str(
				memhp_owner_name((enum memhp_owner)i)));
	return arr;
}

/* memhp's own auto-online: where its rule is, what its config says */
static struct json_object *auto_online_json(
	const struct memhp_autoonline_rule *r)
{
	const struct memhp_autoonline *conf = memhp_autoonline_rule_get_conf(r);
	int config_err = memhp_autoonline_rule_get_config_errno(r);
	struct json_object *o = json_object_new_object();
	struct json_object *nodes = NULL, *owners = NULL;
	size_t nr_nodes = memhp_autoonline_get_node_count(conf);

	json_object_object_add(o, "rule", memhp_json_str(
				       memhp_autoonline_rule_get_file(r)));
	json_object_object_add(o, "line", json_object_new_int(
				       (int)memhp_autoonline_rule_get_line(r)));
	json_object_object_add(o, "config", memhp_json_str(
				       memhp_autoonline_rule_get_config(r)));
	json_object_object_add(o, "enabled", json_object_new_boolean(
				       memhp_autoonline_is_enabled(conf)));
	json_object_object_add(o, "zone", config_err ? NULL :
			       memhp_json_str(memhp_autoonline_get_zone(conf)));
	if (!config_err && nr_nodes) {
		nodes = json_object_new_array();
		for (size_t i = 0; i < nr_nodes; i++)
			json_object_array_add(nodes, json_object_new_int(
				memhp_autoonline_get_node(conf, i)));
	}
	json_object_object_add(o, "nodes", nodes);
	if (!config_err) {
		/* each owner memhp onlines, with its zone */
		owners = json_object_new_array();
		for (int i = 0; i < MEMHP_NR_OWNERS; i++) {
			const char *zone = memhp_autoonline_get_owner_zone(
				conf, (enum memhp_owner)i);
			struct json_object *e;

			if (!zone)
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "owner", memhp_json_str(
				memhp_owner_name((enum memhp_owner)i)));
			json_object_object_add(e, "zone", memhp_json_str(zone));
			json_object_array_add(owners, e);
		}
	}
	json_object_object_add(o, "owners", owners);
	json_object_object_add(o, "error", config_err ?
			       memhp_json_str(memhp_autoonline_get_error(conf)) :
			       NULL);
	return o;
}

static void agents_json(struct json_object *arr,
			const struct memhp_onliners *on)
{
	for (size_t i = 0; i < memhp_onliners_get_count(on); i++) {
		const struct memhp_onliner *a = memhp_onliners_get(on, i);
		enum memhp_onliner_kind kind = memhp_onliner_get_kind(a);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", memhp_json_str(
			memhp_onliner_kind_name(kind)));
		if (kind == MEMHP_ONLINER_KERNEL) {
			json_object_object_add(o, "setting",
				memhp_json_str("auto_online_blocks"));
			json_object_object_add(o, "value", memhp_json_str(
				memhp_onliner_get_value(a)));
		} else {
			json_object_object_add(o, "file", memhp_json_str(
				memhp_onliner_get_file(a)));
			json_object_object_add(o, "line", json_object_new_int(
				(int)memhp_onliner_get_line(a)));
			json_object_object_add(o, "rule", memhp_json_str(
				memhp_onliner_get_text(a)));
		}
		if (kind == MEMHP_ONLINER_MEMHP)
			json_object_object_add(o, "config", memhp_json_str(
				memhp_autoonline_rule_get_config(
					memhp_onliners_get_rule(on))));
		json_object_object_add(o, "owners", owners_json(a));
		json_object_array_add(arr, o);
	}
}

/* memhp auto-online as a line: what it does, or why it does nothing */
static void print_auto_online(const struct memhp_autoonline_rule *r)
{
	const struct memhp_autoonline *conf = memhp_autoonline_rule_get_conf(r);
	const char *file = memhp_tty(memhp_autoonline_rule_get_file(r));
	const char *config = memhp_autoonline_rule_get_config(r);
	unsigned int line = memhp_autoonline_rule_get_line(r);

	if (memhp_autoonline_is_enabled(conf)) {
		const char *nodes = memhp_autoonline_get_nodes(conf);

		printf("  memhp auto-online: zone=%s", memhp_tty(
			       memhp_autoonline_get_zone(conf)));
		printf("%s%s", *nodes ? ", nodes=" : "", memhp_tty(nodes));
		printf(", owners=%s", memhp_tty(
			       memhp_autoonline_get_owners(conf)));
		printf(" (%s", memhp_tty(config));
		printf("; rule %s:%u)\n", file, line);
		return;
	}
	if (!memhp_autoonline_rule_get_config_errno(r)) {
		printf("\nmemhp auto-online: installed, disabled (enabled=no "
		       "in %s", memhp_tty(config));
		printf("; rule %s:%u)\n", file, line);
	} else {
		printf("\nmemhp auto-online: installed, does nothing: %s",
		       memhp_tty(memhp_autoonline_get_error(conf)));
		printf(" (rule %s:%u)\n", file, line);
	}
}

/* The policy from the next boot: null when nothing is persisted. */
static struct json_object *persisted_json(struct memhp_policy_persist *p)
{
	struct json_object *o, *pol;
	char file[128];

	if (!p || !*memhp_policy_persist_get_cmdline(p))
		return NULL;
	o = json_object_new_object();
	pol = json_object_new_object();
	snprintf(file, sizeof(file), "/%s", memhp_policy_persist_file());
	json_object_object_add(o, "file", memhp_json_str(file));
	json_object_object_add(o, "cmdline", memhp_json_str(
		memhp_policy_persist_get_cmdline(p)));
	for (const char *const *k = memhp_policy_keys(); *k; k++)
		if (memhp_policy_persist_get(p, *k))
			json_object_object_add(pol, *k, memhp_json_str(
				memhp_policy_persist_get(p, *k)));
	json_object_object_add(o, "policy", pol);
	return o;
}

static void show(struct memhp_cli *cli, struct memhp_ctx *ctx,
		 const struct policy_opts *o, struct json_object *changed)
{
	struct memhp_policy_persist *persist = NULL;
	struct memhp_onliners *on = NULL;
	const struct memhp_autoonline_rule *rule;
	size_t nr;

	if (memhp_onliners_new(ctx, &on) < 0)
		on = NULL;
	nr = on ? memhp_onliners_get_count(on) : 0;
	rule = on ? memhp_onliners_get_rule(on) : NULL;
	if (memhp_policy_persist_new(ctx, &persist) < 0)
		persist = NULL;
	if (cli->json) {
		struct json_object *doc = memhp_json_document(NULL);
		struct json_object *agents = json_object_new_array();

		json_object_object_add(doc, "policy", memhp_json_policy(ctx));
		json_object_object_add(doc, "persisted", persisted_json(persist));
		if (on)
			agents_json(agents, on);
		json_object_object_add(doc, "agents", agents);
		json_object_object_add(doc, "auto_online", rule ?
				       auto_online_json(rule) : NULL);
		if (changed)
			json_object_object_add(doc, "changed", changed);
		memhp_json_print(doc);
	} else {
		for (const char *const *k = memhp_policy_keys(); *k; k++) {
			const char *next = persist ?
				memhp_policy_persist_get(persist, *k) : NULL;
			char *v = NULL;
			bool wanted = !o->nargs || changed || o->persist;

			for (int i = 0; i < o->nargs && !wanted; i++)
				wanted = !strcmp(o->args[i], *k);
			if (!wanted || memhp_policy_read(ctx, *k, &v) < 0)
				continue;
			printf("%-26s %s%s", *k, memhp_tty(v),
			       strcmp(*k, "memmap_on_memory") ? "" :
			       "   (boot parameter)");
			if (next && strcmp(next, v))
				printf("   (next boot: %s)", memhp_tty(next));
			putchar('\n');
			free(v);
		}
		if (persist && *memhp_policy_persist_get_cmdline(persist))
			printf("\nFrom the next boot (/%s, once update-grub "
			       "has run):\n  %s\n", memhp_policy_persist_file(),
			       memhp_tty(memhp_policy_persist_get_cmdline(
				       persist)));
		if (!o->nargs || changed) {
			bool memhp = false;
			char buf[128];

			if (nr)
				puts("\nOther agents that online hot-added memory:");
			for (size_t i = 0; i < nr; i++) {
				const struct memhp_onliner *a =
					memhp_onliners_get(on, i);
				enum memhp_onliner_kind kind =
					memhp_onliner_get_kind(a);

				if (kind == MEMHP_ONLINER_KERNEL)
					printf("  kernel: auto_online_blocks=%s "
					       "onlines it as it is added (%s)\n",
					       memhp_tty(memhp_onliner_get_value(a)),
					       owners_text(a, buf, sizeof(buf)));
				else if (kind == MEMHP_ONLINER_UDEV) {
					printf("  %s:%u: ", memhp_tty(
						memhp_onliner_get_file(a)),
					       memhp_onliner_get_line(a));
					printf("%s (%s)\n", memhp_tty(
						memhp_onliner_get_text(a)),
					       owners_text(a, buf, sizeof(buf)));
				} else
					memhp = true;
			}
			if (memhp)
				print_auto_online(rule);
			if (nr > 1)
				puts("  More than one: whichever writes a new "
				     "block's state first decides its zone; "
				     "keep one.");
			if (rule && !memhp)
				print_auto_online(rule);
		}
		json_object_put(changed);
	}
	memhp_policy_persist_free(persist);
	memhp_onliners_free(on);
}

/* One system-log line for a policy change, done or put back. */
static void audit_set(struct memhp_cli *cli, const struct memhp_policy_set *set,
		      int ret)
{
	char msg[512];
	size_t off = 0;

	msg[0] = '\0';
	for (size_t i = 0; i < memhp_policy_set_get_count(set); i++) {
		const char *to = memhp_policy_set_get_to(set, i);
		int n = snprintf(msg + off, sizeof(msg) - off, "%s%s %s -> %s",
				 i ? ", " : "", memhp_policy_set_get_key(set, i),
				 memhp_policy_set_get_from(set, i) ?
				 memhp_policy_set_get_from(set, i) : "?",
				 to ? to : "(not set)");

		if (n < 0 || (size_t)n >= sizeof(msg) - off)
			break;
		off += (size_t)n;
	}
	memhp_audit(cli, "policy %s: %s", msg, ret < 0 ? strerror(-ret) :
		    "done");
}

/*
 * --persist: the drop-in first (the policy as it will be), then the
 * runtime change; when that fails, the drop-in goes back to what it was,
 * so that nothing is half-changed.
 */
static int persist_build(struct memhp_ctx *ctx, const struct policy_opts *o,
			 struct memhp_policy_persist **out)
{
	struct memhp_policy_persist *p = NULL;
	int ret = memhp_policy_persist_new(ctx, &p);

	for (int i = 0; ret == 0 && i < o->nargs; i++) {
		const char *eq = strchr(o->args[i], '=');
		char key[64], *now = NULL;

		snprintf(key, sizeof(key), "%.*s", eq ?
			 (int)(eq - o->args[i]) : (int)strlen(o->args[i]),
			 o->args[i]);
		if (!eq && memhp_policy_read(ctx, key, &now) < 0) {
			fprintf(stderr, "memhp: policy: %s cannot be read, so "
				"it cannot be persisted as it is\n", key);
			ret = -ENOENT;
			break;
		}
		ret = memhp_policy_persist_set(p, key, eq ? eq + 1 : now);
		free(now);
	}
	/* no KEY: every knob that can be set at run time, as it is now */
	for (const char *const *k = memhp_policy_keys(); ret == 0 && !o->nargs &&
	     *k; k++) {
		char *now = NULL;

		if (!strcmp(*k, "memmap_on_memory") ||
		    memhp_policy_read(ctx, *k, &now) < 0)
			continue;
		ret = memhp_policy_persist_set(p, *k, now);
		free(now);
	}
	if (ret < 0) {
		memhp_policy_persist_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int cmd_policy(int argc, char **argv, struct memhp_cli *cli)
{
	struct policy_opts o = { 0 };
	struct json_object *changed = NULL;
	struct memhp_policy_set *set = NULL;
	struct memhp_policy_persist *before = NULL, *after = NULL;
	struct memhp_ctx *ctx;
	int ret, status = EXIT_OK;

	if (memhp_parse(&policy_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_ctx(cli);
	if (!ctx)
		return EXIT_FAILED;
	if (memhp_policy_set_new(ctx, &set) < 0) {
		memhp_cli_error(cli, -ENOMEM, "policy");
		return EXIT_FAILED;
	}
	/* check every argument before anything is written */
	for (int i = 0; i < o.nargs; i++) {
		const char *eq = strchr(o.args[i], '=');
		const char *const *k;
		size_t len = eq ? (size_t)(eq - o.args[i]) : strlen(o.args[i]);

		for (k = memhp_policy_keys(); *k; k++)
			if (strlen(*k) == len && !strncmp(*k, o.args[i], len))
				break;
		if (!*k) {
			fprintf(stderr, "memhp: policy: unknown key '%.*s'\n",
				(int)len, o.args[i]);
			status = EXIT_USAGE;
			goto out;
		}
		if (!eq)
			continue;
		if (!strcmp(*k, "memmap_on_memory")) {
			if (o.persist)
				continue;
			fprintf(stderr, "memhp: policy: memmap_on_memory is a "
				"boot parameter (memory_hotplug.memmap_on_memory="
				"); it cannot be changed at run time: "
				"--persist sets it from the next boot\n");
			status = EXIT_USAGE;
			goto out;
		}
		if (memhp_policy_set_add(set, *k, eq + 1) < 0) {
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (o.persist && !o.reset) {
		if (memhp_policy_persist_new(ctx, &before) < 0 ||
		    persist_build(ctx, &o, &after) < 0) {
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (memhp_policy_set_get_count(set) || o.persist) {
		if (geteuid() != 0) {
			fprintf(stderr, "memhp: policy changes need root\n");
			status = EXIT_FAILED;
			goto out;
		}
	}
	if (o.reset) {
		ret = memhp_policy_persist_reset(ctx);
		memhp_audit(cli, "policy --persist --reset: %s",
			    ret < 0 ? strerror(-ret) : "done");
		if (ret < 0) {
			memhp_cli_error(cli, ret, "policy: cannot remove /%s",
					memhp_policy_persist_file());
			status = EXIT_FAILED;
			goto out;
		}
	}
	if (after) {
		ret = memhp_policy_persist_write(after);
		memhp_audit(cli, "policy --persist %s: %s",
			    memhp_policy_persist_get_cmdline(after),
			    ret < 0 ? strerror(-ret) : "done");
		if (ret < 0) {
			memhp_cli_error(cli, ret, "policy: nothing changed");
			if (ret == -ENOENT)
				fprintf(stderr, "memhp: policy: the kernel "
					"parameters: %s\n", memhp_tty(
					memhp_policy_persist_get_cmdline(after)));
			status = EXIT_FAILED;
			goto out;
		}
	}
	if (memhp_policy_set_get_count(set)) {
		memhp_cli_start_transaction(cli, "policy");
		ret = memhp_policy_set_run(set);
		memhp_cli_end_transaction(cli);
		audit_set(cli, set, ret);
		if (ret < 0) {
			/* the drop-in back as it was */
			if (after && (*memhp_policy_persist_get_cmdline(before) ?
				      memhp_policy_persist_write(before) :
				      memhp_policy_persist_reset(ctx)) < 0)
				memhp_cli_error(cli, ret, "policy: the runtime "
						"change failed, and /%s could "
						"not be put back",
						memhp_policy_persist_file());
			else
				memhp_cli_error(cli, ret,
						"policy: nothing changed");
			status = EXIT_FAILED;
			goto out;
		}
		changed = json_object_new_array();
		for (size_t i = 0; i < memhp_policy_set_get_count(set); i++) {
			struct json_object *c = json_object_new_object();

			json_object_object_add(c, "key", memhp_json_str(
				memhp_policy_set_get_key(set, i)));
			json_object_object_add(c, "from", memhp_json_str(
				memhp_policy_set_get_from(set, i)));
			json_object_object_add(c, "to", memhp_json_str(
				memhp_policy_set_get_to(set, i)));
			json_object_array_add(changed, c);
		}
	}
	show(cli, ctx, &o, changed);
out:
	memhp_policy_persist_free(before);
	memhp_policy_persist_free(after);
	memhp_policy_set_free(set);
	return status;
}
