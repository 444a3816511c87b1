// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who puts hot-added memory online here: the kernel (auto_online_blocks),
 * udev rules that write a memory block's state, and memhp's own rule.  One
 * scan of the rules directories, read the way udev reads them, serves
 * memhp policy, memhp doctor and memhp online --udev (lib/README.md,
 * "Who onlines memory").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

/* udev takes a rules file name from the first of these directories that
 * has it: a file in /etc or /run overrides the packaged one of the same
 * name, and a link to /dev/null (or an empty file) there masks it. */
static const char *const rules_dirs[] = {
	"etc/udev/rules.d", "run/udev/rules.d", "usr/lib/udev/rules.d",
	"lib/udev/rules.d",
};

#define NAME_MAX_LEN 128

struct rules_file {
	char name[NAME_MAX_LEN];
	unsigned int dir;	/* index into rules_dirs */
};

struct rules_scan {
	struct rules_file *files;
	size_t nr;
	unsigned int dir;
};

static int collect(const char *name, unsigned char type, void *data)
{
	struct rules_scan *s = data;
	size_t len = strlen(name);
	struct rules_file *grown;

	(void)type;
	if (len < 7 || len >= NAME_MAX_LEN ||
	    strcmp(name + len - 6, ".rules") != 0)
		return 0;
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->files[i].name, name))
			return 0;	/* overridden or masked higher up */
	grown = realloc(s->files, (s->nr + 1) * sizeof(*s->files));
	if (!grown)
		return -ENOMEM;
	s->files = grown;
	snprintf(s->files[s->nr].name, NAME_MAX_LEN, "%s", name);
	s->files[s->nr++].dir = s->dir;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct rules_file *)a)->name,
		      ((const struct rules_file *)b)->name);
}

/* Does a rules line put a memory block online (memhp's own rule aside)? */
static bool onlines_memory(const char *line)
{
	const char *state = strstr(line, "ATTR{state}");
	bool memory = strstr(line, "SUBSYSTEM==\"memory\"") ||
		      strstr(line, "memory_hotplug") ||
		      strstr(line, "/devices/system/memory");

	/* ATTR{state}="online..." is an assignment, ATTR{state}=="..." a match */
	while (state) {
		const char *op = state + strlen("ATTR{state}");

		if (op[0] == '=' && op[1] != '=')
			return true;
		state = strstr(op, "ATTR{state}");
	}
	return memory && strstr(line, "online") && strstr(line, "RUN");
}

static int add_onliner(struct memhp_onliners *o, enum memhp_onliner_kind kind,
		       const char *file, unsigned int line, const char *text)
{
	struct memhp_onliner *grown = realloc(o->list, (o->nr + 1) *
					      sizeof(*o->list));
	struct memhp_onliner *n;

	if (!grown)
		return -ENOMEM;
	o->list = grown;
	n = &o->list[o->nr++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	/* the kernel and udev rules see every block that is hot-added */
	n->owners = ((1u << MEMHP_NR_OWNERS) - 1) & ~(1u << MEMHP_OWNER_BOOT);
	snprintf(n->file, sizeof(n->file), "%s", file);
	n->line = line;
	snprintf(n->text, sizeof(n->text), "%s", text);
	return 0;
}

static int scan_file(struct memhp_ctx *ctx, const struct rules_file *rf,
		     struct memhp_onliners *o)
{
	char path[256], shown[256], line[1024];
	unsigned int lineno = 0;
	bool memory_section = false;
	int fd, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", rules_dirs[rf->dir], rf->name);
	snprintf(shown, sizeof(shown), "/%.*s", (int)sizeof(shown) - 2, path);
	fd = memhp_open_regular(ctx, NR_AREAS, path, O_RDONLY);
	if (fd < 0)
		return 0;	/* masked (a link to /dev/null) or unreadable */
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (ret == 0 && fgets(line, sizeof(line), f)) {
		const char *l = line + strspn(line, " \t");

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (*l == '#')
			continue;
		if (memhp_is_autoonline_rule(l)) {
			struct memhp_autoonline_rule *r = &o->rule;

			if (o->have_rule)
				continue;
			o->have_rule = true;
			snprintf(r->file, sizeof(r->file), "%s", shown);
			r->line = lineno;
			snprintf(r->text, sizeof(r->text), "%.*s",
				 (int)sizeof(r->text) - 1, l);
			memhp_autoonline_rule_config(l, r->config,
						     sizeof(r->config));
			continue;
		}
		/* rules files often GOTO past the memory section elsewhere */
		if (strstr(l, "SUBSYSTEM==\"memory\"") ||
		    strstr(l, "SUBSYSTEM!=\"memory\""))
			memory_section = true;
		if (onlines_memory(l) && (memory_section || strstr(l, "memory")))
			ret = add_onliner(o, MEMHP_ONLINER_UDEV, shown, lineno, l);
	}
	fclose(f);
	return ret;
}

/* The rules as udev reads them: memhp's rule into @o->rule, the others'
 * onlining lines into @o->list, in udev's order (by file name). */
int memhp_scan_udev_rules(struct memhp_ctx *ctx, struct memhp_onliners *o)
{
	struct rules_scan s = { 0 };
	int ret = 0;

	for (s.dir = 0; s.dir < sizeof(rules_dirs) / sizeof(*rules_dirs);
	     s.dir++) {
		ret = memhp_walk_root_dir(ctx, rules_dirs[s.dir], collect, &s);
		if (ret < 0 && ret != -ENOENT && ret != -ENOTDIR)
			goto out;
		ret = 0;
	}
	if (s.nr)
		qsort(s.files, s.nr, sizeof(*s.files), by_name);
	for (size_t i = 0; i < s.nr && ret == 0; i++)
		ret = scan_file(ctx, &s.files[i], o);
out:
	free(s.files);
	return ret;
}

static int onliners_fill(struct memhp_ctx *ctx, struct memhp_onliners *o)
{
	char *v = NULL;
	int ret = 0;

	/* the kernel first: it gets to a new block before any rule runs */
	if (memhp_policy_read(ctx, "auto_online_blocks", &v) == 0 &&
	    strcmp(v, "offline") != 0) {
		char text[64];

		snprintf(text, sizeof(text), "auto_online_blocks=%s", v);
		ret = add_onliner(o, MEMHP_ONLINER_KERNEL, "", 0, text);
		if (ret < 0)
			goto out;
		snprintf(o->list[0].value, sizeof(o->list[0].value), "%s", v);
	}
	ret = memhp_scan_udev_rules(ctx, o);
	if (ret < 0 || !o->have_rule)
		goto out;
	memhp_autoonline_load_config(ctx, &o->rule);
	if (o->rule.config_err == 0 && o->rule.conf.enabled) {
		ret = add_onliner(o, MEMHP_ONLINER_MEMHP, o->rule.file,
				  o->rule.line, o->rule.text);
		if (ret < 0)
			goto out;
		snprintf(o->list[o->nr - 1].value,
			 sizeof(o->list[o->nr - 1].value), "%s",
			 o->rule.conf.zone);
		o->list[o->nr - 1].owners = 0;
		for (int i = 0; i < MEMHP_NR_OWNERS; i++)
			if (memhp_autoonline_get_owner_zone(&o->rule.conf,
							    (enum memhp_owner)i))
				o->list[o->nr - 1].owners |= 1u << i;
	}
out:
	free(v);
	return ret;
}

MEMHP_EXPORT int memhp_onliners_new(struct memhp_ctx *ctx,
				    struct memhp_onliners **out)
{
	struct memhp_onliners *o = calloc(1, sizeof(*o));
	int ret;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	ret = onliners_fill(ctx, o);
	if (ret < 0) {
		memhp_onliners_free(o);
		return ret;
	}
	*out = o;
	return 0;
}

MEMHP_EXPORT void memhp_onliners_free(struct memhp_onliners *o)
{
	if (!o)
		return;
	free(o->list);
	free(o);
}

MEMHP_EXPORT size_t memhp_onliners_get_count(const struct memhp_onliners *o)
{
	return o->nr;
}

MEMHP_EXPORT const struct memhp_onliner *memhp_onliners_get(
	const struct memhp_onliners *o, size_t i)
{
	return i < o->nr ? &o->list[i] : NULL;
}

MEMHP_EXPORT const struct memhp_autoonline_rule *memhp_onliners_get_rule(
	const struct memhp_onliners *o)
{
	return o->have_rule ? &o->rule : NULL;
}

MEMHP_EXPORT enum memhp_onliner_kind memhp_onliner_get_kind(
	const struct memhp_onliner *a)
{
	return a->kind;
}

MEMHP_EXPORT const char *memhp_onliner_get_file(const struct memhp_onliner *a)
{
	return a->file;
}

MEMHP_EXPORT unsigned int memhp_onliner_get_line(const struct memhp_onliner *a)
{
	return a->line;
}

MEMHP_EXPORT const char *memhp_onliner_get_text(const struct memhp_onliner *a)
{
	return a->text;
}

MEMHP_EXPORT const char *memhp_onliner_get_value(const struct memhp_onliner *a)
{
	return a->value;
}

MEMHP_EXPORT bool memhp_onliner_applies_to(const struct memhp_onliner *a,
					   enum memhp_owner owner)
{
	return (unsigned int)owner < MEMHP_NR_OWNERS &&
	       (a->owners & (1u << owner));
}

MEMHP_EXPORT const char *memhp_onliner_kind_name(enum memhp_onliner_kind k)
{
	switch (k) {
	case MEMHP_ONLINER_KERNEL:
		return "kernel";
	case MEMHP_ONLINER_UDEV:
		return "udev";
	case MEMHP_ONLINER_MEMHP:
		return "memhp";
	}
	return "unknown";
}
