// SPDX-License-Identifier: GPL-2.0-or-later
/* The auto-online config and finding memhp's udev rule below the root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

static int parse(const char *text, struct memhp_autoonline *conf)
{
	return memhp_autoonline_parse(text, strlen(text), "t.conf", conf);
}

TEST(autoonline_empty_config_is_disabled_movable_all_nodes)
{
	struct memhp_autoonline c;

	CHECK(parse("", &c) == 0);
	CHECK(!c.enabled);
	CHECK_STR(c.zone, "movable");
	CHECK(c.any_node);
	CHECK(memhp_autoonline_has_node(&c, 0));
	CHECK(memhp_autoonline_has_node(&c, 1023));
	CHECK(parse("# comments only\n\n   \n", &c) == 0 && !c.enabled);
}

TEST(autoonline_keys_values_comments_and_spaces)
{
	struct memhp_autoonline c;

	CHECK(parse("# memhp\n enabled = Yes \r\n\nzone=NORMAL\n"
		    "\tnodes=0,2-3\n# enabled=no\n", &c) == 0);
	CHECK(c.enabled);
	CHECK_STR(c.zone, "normal");
	CHECK(!c.any_node);
	CHECK_STR(c.nodes_text, "0,2-3");
	CHECK(memhp_autoonline_has_node(&c, 0));
	CHECK(!memhp_autoonline_has_node(&c, 1));
	CHECK(memhp_autoonline_has_node(&c, 2));
	CHECK(memhp_autoonline_has_node(&c, 3));
	CHECK(!memhp_autoonline_has_node(&c, 4));
	CHECK(!memhp_autoonline_has_node(&c, -1));
	/* later keys override earlier ones; no final newline needed */
	CHECK(parse("enabled=on\nzone=auto\nenabled=0\nnodes=1\nnodes=", &c) == 0);
	CHECK(!c.enabled);
	CHECK_STR(c.zone, "auto");
	CHECK(c.any_node);
	for (const char *const *v = (const char *const[]){ "1", "true", "on",
		"yes", NULL }; *v; v++) {
		char text[32];

		snprintf(text, sizeof(text), "enabled=%s", *v);
		CHECK(parse(text, &c) == 0 && c.enabled);
	}
}

TEST(autoonline_errors_name_file_and_line_and_enable_nothing)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "enabled=yes\n# x\nzon=movable\n",
		  "t.conf:3: unknown key 'zon' (enabled, zone, nodes)" },
		{ "enabled=yes\nenabled=maybe\n",
		  "t.conf:2: enabled: 'maybe' is not yes or no" },
		{ "enabled=yes\nzone=sideways\n",
		  "t.conf:2: zone: 'sideways' is not movable, normal or auto" },
		{ "zone=Movable # comment\nenabled=yes\n",
		  "t.conf:1: zone: 'Movable # comment' is not movable, normal "
		  "or auto" },
		{ "enabled=yes\nonline\n", "t.conf:2: 'online' is not KEY=VALUE" },
		{ "enabled=yes\nnodes=3-1\n", NULL },
		{ "enabled=yes\nnodes=1,,2\n", NULL },
		{ "enabled=yes\nnodes=1,\n", NULL },
		{ "enabled=yes\nnodes=-1\n", NULL },
		{ "enabled=yes\nnodes=1024\n", NULL },
		{ "enabled=yes\nnodes=0-99999999999999999999\n", NULL },
		{ "enabled=yes\nnodes=a\n", NULL },
	};
	struct memhp_autoonline c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CHECK(parse(cases[i].text, &c) == -EINVAL);
		CHECK(!c.enabled);
		if (cases[i].error)
			CHECK_STR(c.error, cases[i].error);
		else
			CHECK(!strncmp(c.error, "t.conf:2: nodes: ", 17));
	}
	CHECK(memhp_autoonline_parse("enabled=yes\0x", 13, "t.conf", &c) ==
	      -EINVAL);
	CHECK_STR(c.error, "t.conf:1: not a text file");
}

TEST(autoonline_read_from_a_file)
{
	const char *root = tree_new();
	struct memhp_autoonline c;
	char path[512], *big;
	size_t n = 70 * 1024;
	int fd;

	tree_put(root, "a.conf", "enabled=yes\nzone=auto\n");
	snprintf(path, sizeof(path), "%s/a.conf", root);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(memhp_autoonline_read(fd, path, &c) == 0);
	close(fd);
	CHECK(c.enabled);
	CHECK_STR(c.zone, "auto");
	/* comments past 64 KiB: too big to be a config */
	big = malloc(n + 1);
	CHECK(big != NULL);
	memset(big, '#', n);
	big[n] = '\0';
	tree_put(root, "big.conf", big);
	free(big);
	snprintf(path, sizeof(path), "%s/big.conf", root);
	fd = open(path, O_RDONLY);
	CHECK(memhp_autoonline_read(fd, "big.conf", &c) == -EFBIG);
	close(fd);
	CHECK_STR(c.error, "big.conf: larger than 65536 bytes");
	CHECK(memhp_autoonline_read(-1, "bad", &c) == -EBADF);
	CHECK(!c.enabled);
}

#define RULE "SUBSYSTEM!=\"memory\", GOTO=\"end\"\n" \
	"RUN+=\"/usr/bin/memhp online --udev --config=/etc/x/ao.conf %k\"\n" \
	"LABEL=\"end\"\n"

TEST(autoonline_find_rule_and_config_below_the_root)
{
	const char *root = tree_new();
	struct memhp_autoonline_rule r;
	struct memhp_agent *a = NULL;
	struct memhp_ctx *ctx;
	char path[512];
	size_t n = 9;

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_autoonline_find(ctx, &r) == -ENOENT);
	tree_put(root, "usr/lib/udev/rules.d/60-memhp-auto-online.rules",
		 "# memhp online --udev in a comment\n" RULE);
	tree_put(root, "usr/lib/udev/rules.d/10-other.rules",
		 "ACTION==\"add\", RUN+=\"/bin/true\"\n");
	/* the config is missing: found, and disabled */
	CHECK(memhp_autoonline_find(ctx, &r) == 0);
	CHECK_STR(r.file, "/usr/lib/udev/rules.d/60-memhp-auto-online.rules");
	CHECK_EQ_U64(r.line, 3);
	CHECK_STR(r.config, "/etc/x/ao.conf");
	CHECK(r.config_err == -ENOENT && !r.conf.enabled);
	tree_put(root, "etc/x/ao.conf", "enabled=yes\nnodes=1\n");
	CHECK(memhp_autoonline_find(ctx, &r) == 0);
	CHECK(r.config_err == 0 && r.conf.enabled);
	CHECK(!memhp_autoonline_has_node(&r.conf, 0));
	tree_put(root, "etc/x/ao.conf", "enabled=yes\nzone=up\n");
	CHECK(memhp_autoonline_find(ctx, &r) == 0);
	CHECK(r.config_err == -EINVAL && !r.conf.enabled);
	CHECK_STR(r.conf.error, "/etc/x/ao.conf:2: zone: 'up' is not movable, "
		  "normal or auto");
	/* memhp's own rule is not one of the "other" onliners, but a rule
	 * that runs memhp online by itself is */
	CHECK(memhp_onlining_agents(ctx, &a, &n) == 0);
	CHECK_EQ_U64(n, 0);
	free(a);
	tree_put(root, "etc/udev/rules.d/70-local.rules",
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", "
		 "RUN+=\"/usr/bin/memhp online --zone=normal %k\"\n");
	CHECK(memhp_onlining_agents(ctx, &a, &n) == 0);
	CHECK_EQ_U64(n, 1);
	CHECK_STR(a[0].file, "/etc/udev/rules.d/70-local.rules");
	free(a);
	snprintf(path, sizeof(path), "%s/etc/udev/rules.d/70-local.rules",
		 root);
	CHECK(unlink(path) == 0);
	/* a file of the same name in /etc overrides (here: masks) it */
	tree_put(root, "etc/udev/rules.d/60-memhp-auto-online.rules", "");
	CHECK(memhp_autoonline_find(ctx, &r) == -ENOENT);
	/* ... and a copy there is the one udev reads */
	tree_put(root, "etc/udev/rules.d/60-memhp-auto-online.rules",
		 RULE);
	CHECK(memhp_autoonline_find(ctx, &r) == 0);
	CHECK_STR(r.file, "/etc/udev/rules.d/60-memhp-auto-online.rules");
	CHECK_EQ_U64(r.line, 2);
	memhp_unref(ctx);
}

TEST(autoonline_rule_without_config_names_the_default)
{
	const char *root = tree_new();
	struct memhp_autoonline_rule r;
	struct memhp_ctx *ctx;

	CHECK(memhp_new(root, &ctx) == 0);
	tree_put(root, "lib/udev/rules.d/99-local.rules",
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", "
		 "RUN+=\"/usr/local/bin/memhp online --udev %k\"\n");
	tree_put(root, "etc/memhp/auto-online.conf", "enabled=true\n");
	CHECK(memhp_autoonline_find(ctx, &r) == 0);
	CHECK_STR(r.config, MEMHP_AUTOONLINE_CONFIG);
	CHECK(r.config_err == 0 && r.conf.enabled);
	memhp_unref(ctx);
}
