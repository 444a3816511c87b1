// SPDX-License-Identifier: GPL-2.0-or-later
/* The auto-online config and finding memhp's udev rule below the root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

/* memhp_autoonline_parse() into *@conf, freeing the config it held */
static int parse(const char *text, struct memhp_autoonline **conf)
{
	memhp_autoonline_free(*conf);
	*conf = NULL;
	return memhp_autoonline_parse(text, strlen(text), "t.conf", conf);
}

static int read_fd(int fd, const char *name, struct memhp_autoonline **conf)
{
	memhp_autoonline_free(*conf);
	*conf = NULL;
	return memhp_autoonline_read(fd, name, conf);
}

static int find(struct memhp_ctx *ctx, struct memhp_autoonline_rule **r)
{
	memhp_autoonline_rule_free(*r);
	*r = NULL;
	return memhp_autoonline_find(ctx, r);
}

static const struct memhp_autoonline *rule_conf(
	const struct memhp_autoonline_rule *r)
{
	return memhp_autoonline_rule_get_conf(r);
}

static bool rule_enabled(const struct memhp_autoonline_rule *r)
{
	return memhp_autoonline_is_enabled(rule_conf(r));
}

static const char *rule_error(const struct memhp_autoonline_rule *r)
{
	return memhp_autoonline_get_error(rule_conf(r));
}

static int rule_errno(const struct memhp_autoonline_rule *r)
{
	return memhp_autoonline_rule_get_config_errno(r);
}

/* the udev rules memhp_onliners_new() names, by file */
static size_t udev_onliners(struct memhp_ctx *ctx, const char **first)
{
	static char file[256];
	struct memhp_onliners *o;
	size_t n = 0;

	CHECK(memhp_onliners_new(ctx, &o) == 0);
	for (size_t i = 0; i < memhp_onliners_get_count(o); i++) {
		const struct memhp_onliner *a = memhp_onliners_get(o, i);

		if (memhp_onliner_get_kind(a) != MEMHP_ONLINER_UDEV)
			continue;
		if (!n++)
			snprintf(file, sizeof(file), "%s",
				 memhp_onliner_get_file(a));
	}
	memhp_onliners_free(o);
	*first = n ? file : NULL;
	return n;
}

TEST(autoonline_empty_config_is_disabled_movable_all_nodes)
{
	struct memhp_autoonline *c = NULL;

	CHECK(parse("", &c) == 0);
	CHECK(!memhp_autoonline_is_enabled(c));
	CHECK_STR(memhp_autoonline_get_zone(c), "movable");
	CHECK(memhp_autoonline_get_node_count(c) == 0);
	CHECK_STR(memhp_autoonline_get_nodes(c), "");
	CHECK(memhp_autoonline_has_node(c, 0));
	CHECK(memhp_autoonline_has_node(c, 1023));
	CHECK(parse("# comments only\n\n   \n", &c) == 0);
	CHECK(!memhp_autoonline_is_enabled(c));
	memhp_autoonline_free(c);
}

TEST(autoonline_keys_values_comments_and_spaces)
{
	struct memhp_autoonline *c = NULL;

	CHECK(parse("# memhp\n enabled = Yes \r\n\nzone=NORMAL\n"
		    "\tnodes=0,2-3\n# enabled=no\n", &c) == 0);
	CHECK(memhp_autoonline_is_enabled(c));
	CHECK_STR(memhp_autoonline_get_zone(c), "normal");
	CHECK(memhp_autoonline_get_node_count(c) == 3);
	CHECK(memhp_autoonline_get_node(c, 0) == 0);
	CHECK(memhp_autoonline_get_node(c, 1) == 2);
	CHECK(memhp_autoonline_get_node(c, 2) == 3);
	CHECK(memhp_autoonline_get_node(c, 3) == -1);
	CHECK_STR(memhp_autoonline_get_nodes(c), "0,2-3");
	CHECK(memhp_autoonline_has_node(c, 0));
	CHECK(!memhp_autoonline_has_node(c, 1));
	CHECK(memhp_autoonline_has_node(c, 2));
	CHECK(memhp_autoonline_has_node(c, 3));
	CHECK(!memhp_autoonline_has_node(c, 4));
	CHECK(!memhp_autoonline_has_node(c, -1));
	/* later keys override earlier ones; no final newline needed */
	CHECK(parse("enabled=on\nzone=auto\nenabled=0\nnodes=1\nnodes=", &c) == 0);
	CHECK(!memhp_autoonline_is_enabled(c));
	CHECK_STR(memhp_autoonline_get_zone(c), "auto");
	CHECK(memhp_autoonline_get_node_count(c) == 0);
	CHECK_STR(memhp_autoonline_get_nodes(c), "");
	for (const char *const *v = (const char *const[]){ "1", "true", "on",
		"yes", NULL }; *v; v++) {
		char text[32];

		snprintf(text, sizeof(text), "enabled=%s", *v);
		CHECK(parse(text, &c) == 0 && memhp_autoonline_is_enabled(c));
	}
	memhp_autoonline_free(c);
}

/* the zone each owner's blocks go into, "-" for left alone, in enum order
 * (unknown, boot, acpi-dimm, virtio-mem, dax-kmem, memhp) */
static void owner_zones(const struct memhp_autoonline *c, char *buf,
			size_t size)
{
	size_t len = 0;

	for (int i = 0; i < MEMHP_NR_OWNERS; i++) {
		const char *z = memhp_autoonline_get_owner_zone(c,
							(enum memhp_owner)i);

		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i ? " " : "", z ? z : "-");
	}
}

TEST(autoonline_owners_choose_whose_blocks_and_their_zone)
{
	struct memhp_autoonline *c = NULL;
	char zones[128];

	/* the default: dax-kmem left to daxctl, virtio-mem to the kernel's
	 * online_policy, the others into zone= */
	CHECK(parse("enabled=yes\n", &c) == 0);
	CHECK_STR(memhp_autoonline_get_owners(c),
		  "acpi-dimm,memhp,unknown,virtio-mem:auto");
	owner_zones(c, zones, sizeof(zones));
	CHECK_STR(zones, "movable - movable auto - movable");
	/* zone= applies to the owners without their own, wherever it is */
	CHECK(parse("owners=dax-kmem, acpi-dimm:normal,memhp\nzone=auto\n",
		    &c) == 0);
	CHECK_STR(memhp_autoonline_get_owners(c),
		  "dax-kmem, acpi-dimm:normal,memhp");
	owner_zones(c, zones, sizeof(zones));
	CHECK_STR(zones, "- - normal - auto auto");
	/* a later owners= replaces the earlier one; zones in any case */
	CHECK(parse("owners=boot\nowners=virtio-mem:Movable\n", &c) == 0);
	owner_zones(c, zones, sizeof(zones));
	CHECK_STR(zones, "- - - movable - -");
	CHECK(memhp_autoonline_get_owner_zone(c, MEMHP_OWNER_ANY) == NULL);
	CHECK(memhp_autoonline_get_owner_zone(c, MEMHP_NR_OWNERS) == NULL);
	memhp_autoonline_free(c);
}

TEST(autoonline_errors_name_file_and_line_and_enable_nothing)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "enabled=yes\n# x\nzon=movable\n",
		  "t.conf:3: unknown key 'zon' (enabled, zone, nodes, owners)" },
		{ "enabled=yes\nowners=acpi-dimm,floppy\n",
		  "t.conf:2: owners: 'floppy' is not OWNER[:ZONE] (owners: "
		  "unknown, boot, acpi-dimm, virtio-mem, dax-kmem, memhp; "
		  "zones: movable, normal, auto)" },
		{ "owners=virtio-mem:sideways\n",
		  "t.conf:1: owners: 'virtio-mem:sideways' is not OWNER[:ZONE] "
		  "(owners: unknown, boot, acpi-dimm, virtio-mem, dax-kmem, "
		  "memhp; zones: movable, normal, auto)" },
		{ "owners=\n", "t.conf:1: owners: '' is not OWNER[:ZONE] "
		  "(owners: unknown, boot, acpi-dimm, virtio-mem, dax-kmem, "
		  "memhp; zones: movable, normal, auto)" },
		{ "owners=memhp,,boot\n", "t.conf:1: owners: '' is not "
		  "OWNER[:ZONE] (owners: unknown, boot, acpi-dimm, virtio-mem, "
		  "dax-kmem, memhp; zones: movable, normal, auto)" },
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
	struct memhp_autoonline *c = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CHECK(parse(cases[i].text, &c) == -EINVAL);
		CHECK(!memhp_autoonline_is_enabled(c));
		if (cases[i].error)
			CHECK_STR(memhp_autoonline_get_error(c), cases[i].error);
		else if (!strncmp(cases[i].text, "enabled=yes\nnodes=", 18))
			CHECK(!strncmp(memhp_autoonline_get_error(c), "t.conf:2: nodes: ", 17));
	}
	memhp_autoonline_free(c);
	CHECK(memhp_autoonline_parse("enabled=yes\0x", 13, "t.conf", &c) ==
	      -EINVAL);
	CHECK_STR(memhp_autoonline_get_error(c), "t.conf:1: not a text file");
	memhp_autoonline_free(c);
}

TEST(autoonline_read_from_a_file)
{
	const char *root = tree_new();
	struct memhp_autoonline *c = NULL;
	char path[512], *big;
	size_t n = 70 * 1024;
	int fd;

	tree_put(root, "a.conf", "enabled=yes\nzone=auto\n");
	snprintf(path, sizeof(path), "%s/a.conf", root);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read_fd(fd, path, &c) == 0);
	close(fd);
	CHECK(memhp_autoonline_is_enabled(c));
	CHECK_STR(memhp_autoonline_get_zone(c), "auto");
	/* comments past 64 KiB: too big to be a config */
	big = malloc(n + 1);
	CHECK(big != NULL);
	memset(big, '#', n);
	big[n] = '\0';
	tree_put(root, "big.conf", big);
	free(big);
	snprintf(path, sizeof(path), "%s/big.conf", root);
	fd = open(path, O_RDONLY);
	CHECK(read_fd(fd, "big.conf", &c) == -EFBIG);
	close(fd);
	CHECK_STR(memhp_autoonline_get_error(c), "big.conf: larger than 65536 bytes");
	CHECK(read_fd(-1, "bad", &c) == -EBADF);
	CHECK(!memhp_autoonline_is_enabled(c));
	memhp_autoonline_free(c);
}

#define RULE "SUBSYSTEM!=\"memory\", GOTO=\"end\"\n" \
	"RUN+=\"/usr/bin/memhp online --udev --config=/etc/x/ao.conf %k\"\n" \
	"LABEL=\"end\"\n"

TEST(autoonline_find_rule_and_config_below_the_root)
{
	const char *root = tree_new();
	struct memhp_autoonline_rule *r = NULL;
	const char *file;
	struct memhp_ctx *ctx;
	char path[512];

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(find(ctx, &r) == -ENOENT);
	tree_put(root, "usr/lib/udev/rules.d/60-memhp-auto-online.rules",
		 "# memhp online --udev in a comment\n" RULE);
	tree_put(root, "usr/lib/udev/rules.d/10-other.rules",
		 "ACTION==\"add\", RUN+=\"/bin/true\"\n");
	/* the config is missing: found, and disabled */
	CHECK(find(ctx, &r) == 0);
	CHECK_STR(memhp_autoonline_rule_get_file(r),
		  "/usr/lib/udev/rules.d/60-memhp-auto-online.rules");
	CHECK_EQ_U64(memhp_autoonline_rule_get_line(r), 3);
	CHECK_STR(memhp_autoonline_rule_get_config(r), "/etc/x/ao.conf");
	CHECK(rule_errno(r) == -ENOENT && !rule_enabled(r));
	tree_put(root, "etc/x/ao.conf", "enabled=yes\nnodes=1\n");
	CHECK(find(ctx, &r) == 0);
	CHECK(rule_errno(r) == 0 && rule_enabled(r));
	CHECK(!memhp_autoonline_has_node(rule_conf(r), 0));
	tree_put(root, "etc/x/ao.conf", "enabled=yes\nzone=up\n");
	CHECK(find(ctx, &r) == 0);
	CHECK(rule_errno(r) == -EINVAL && !rule_enabled(r));
	CHECK_STR(rule_error(r), "/etc/x/ao.conf:2: zone: 'up' is not movable, "
		  "normal or auto");
	/* memhp's own rule is not one of the "other" onliners, but a rule
	 * that runs memhp online by itself is */
	CHECK_EQ_U64(udev_onliners(ctx, &file), 0);
	tree_put(root, "etc/udev/rules.d/70-local.rules",
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", "
		 "RUN+=\"/usr/bin/memhp online --zone=normal %k\"\n");
	CHECK_EQ_U64(udev_onliners(ctx, &file), 1);
	CHECK_STR(file, "/etc/udev/rules.d/70-local.rules");
	snprintf(path, sizeof(path), "%s/etc/udev/rules.d/70-local.rules",
		 root);
	CHECK(unlink(path) == 0);
	/* a file of the same name in /etc overrides (here: masks) it */
	tree_put(root, "etc/udev/rules.d/60-memhp-auto-online.rules", "");
	CHECK(find(ctx, &r) == -ENOENT);
	/* ... and a copy there is the one udev reads */
	tree_put(root, "etc/udev/rules.d/60-memhp-auto-online.rules",
		 RULE);
	CHECK(find(ctx, &r) == 0);
	CHECK_STR(memhp_autoonline_rule_get_file(r),
		  "/etc/udev/rules.d/60-memhp-auto-online.rules");
	CHECK_EQ_U64(memhp_autoonline_rule_get_line(r), 2);
	memhp_unref(ctx);
	memhp_autoonline_rule_free(r);
}

TEST(autoonline_rule_without_config_names_the_default)
{
	const char *root = tree_new();
	struct memhp_autoonline_rule *r = NULL;
	struct memhp_ctx *ctx;

	CHECK(memhp_new(root, &ctx) == 0);
	tree_put(root, "lib/udev/rules.d/99-local.rules",
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", "
		 "RUN+=\"/usr/local/bin/memhp online --udev %k\"\n");
	tree_put(root, "etc/memhp/auto-online.conf", "enabled=true\n");
	CHECK(find(ctx, &r) == 0);
	CHECK_STR(memhp_autoonline_rule_get_config(r), MEMHP_AUTOONLINE_CONFIG);
	CHECK(rule_errno(r) == 0 && rule_enabled(r));
	memhp_unref(ctx);
	memhp_autoonline_rule_free(r);
}
