// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memhp's own auto-online: the config that says whether hot-added memory
 * blocks are onlined by "memhp online --udev" (run by the udev rule
 * 60-memhp-auto-online.rules) and into which zone, and finding that rule
 * and its config below the root for memhp policy.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "private.h"

#define MAX_CONFIG_BYTES (64 * 1024)

static const char *const zone_words[] = { "movable", "normal", "auto", NULL };
#define ZONE_AUTO 2

/* owners= when the config does not say: ACPI DIMMs, memhp.ko's ranges and
 * memory from drivers memhp cannot name into zone=; virtio-mem into the
 * kernel's choice (online_policy=auto-movable puts as much of it into
 * ZONE_MOVABLE as it can keep safe, in whole device blocks, so the device
 * can shrink again: the kernel's memory-hotplug documentation); dax/kmem
 * left to daxctl, which onlines its own; boot memory is online already. */
#define DEFAULT_OWNERS "acpi-dimm,memhp,unknown,virtio-mem:auto"

static void set_error(struct memhp_autoonline *conf, const char *name,
		      unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct memhp_autoonline *conf, const char *name,
		      unsigned int line, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = (size_t)snprintf(conf->error, sizeof(conf->error), "%s:%u: ",
			       name, line);
	if (off >= sizeof(conf->error))
		return;
	va_start(ap, fmt);
	vsnprintf(conf->error + off, sizeof(conf->error) - off, fmt, ap);
	va_end(ap);
}

/* owners=: "OWNER[:ZONE],..."; 0 or -EINVAL with @bad the entry */
static int parse_owners(const char *v, struct memhp_autoonline *conf,
			char *bad, size_t size)
{
	int8_t zone[MEMHP_NR_OWNERS];

	for (int i = 0; i < MEMHP_NR_OWNERS; i++)
		zone[i] = MEMHP_AUTOONLINE_LEAVE;
	snprintf(bad, size, "%s", v);
	if (!*v)
		return -EINVAL;
	while (*v) {
		size_t n = strcspn(v, ","), c;
		char entry[64], *colon;
		int owner, z = MEMHP_AUTOONLINE_ZONE;

		if (!n || n >= sizeof(entry)) {
			snprintf(bad, size, "%.*s", (int)n, v);
			return -EINVAL;
		}
		memcpy(entry, v, n);
		entry[n] = '\0';
		snprintf(bad, size, "%s", entry);
		colon = strchr(entry, ':');
		if (colon) {
			*colon = '\0';
			for (z = 0; zone_words[z]; z++)
				if (!strcasecmp(colon + 1, zone_words[z]))
					break;
			if (!zone_words[z])
				return -EINVAL;
		}
		c = strlen(entry);
		while (c && isspace((unsigned char)entry[c - 1]))
			entry[--c] = '\0';
		owner = memhp_owner_from_name(entry + strspn(entry, " \t"));
		if (owner < 0)
			return -EINVAL;
		zone[owner] = (int8_t)z;
		v += n;
		if (*v == ',' && v[1])
			v++;
		else if (*v) {
			snprintf(bad, size, "%s", v);
			return -EINVAL;
		}
	}
	memcpy(conf->owner_zone, zone, sizeof(zone));
	return 0;
}

static bool has_bit(const struct memhp_autoonline *c, int node)
{
	return c->nodes[node / 8] & (1u << (node % 8));
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -EINVAL;
}

/* A node id at *@v; moves *@v past it.  0 or -EINVAL. */
static int parse_node_id(const char **v, uint64_t *out)
{
	size_t n = strspn(*v, "0123456789");
	char num[16];

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, *v, n);
	num[n] = '\0';
	*v += n;
	return memhp_parse_u64(num, 10, out);
}

/* "0,2-3" into the node bitmap; "" clears the restriction. */
static int parse_nodes(const char *v, struct memhp_autoonline *conf)
{
	memset(conf->nodes, 0, sizeof(conf->nodes));
	conf->any_node = !*v;
	while (*v) {
		uint64_t first, last;

		if (parse_node_id(&v, &first) < 0)
			return -EINVAL;
		last = first;
		if (*v == '-' && (v++, parse_node_id(&v, &last) < 0))
			return -EINVAL;
		if (first > last || last >= MEMHP_AUTOONLINE_MAX_NODES)
			return -ERANGE;
		for (uint64_t i = first; i <= last; i++)
			conf->nodes[i / 8] |= (uint8_t)(1u << (i % 8));
		if (*v == ',' && v[1])
			v++;
		else if (*v)
			return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One KEY=VALUE line; 0 or -EINVAL with conf->error set. */
static int parse_line(char *line, const char *name, unsigned int lineno,
		      struct memhp_autoonline *conf)
{
	char *eq = strchr(line, '='), *key, *value;
	int b;

	if (!eq) {
		set_error(conf, name, lineno, "'%s' is not KEY=VALUE", line);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!strcmp(key, "enabled")) {
		b = parse_bool(value);
		if (b < 0) {
			set_error(conf, name, lineno, "enabled: '%s' is not "
				  "yes or no", value);
			return -EINVAL;
		}
		conf->enabled = b;
	} else if (!strcmp(key, "zone")) {
		for (const char *const *w = zone_words; *w; w++)
			if (!strcasecmp(value, *w)) {
				snprintf(conf->zone, sizeof(conf->zone), "%s",
					 *w);
				return 0;
			}
		set_error(conf, name, lineno, "zone: '%s' is not movable, "
			  "normal or auto", value);
		return -EINVAL;
	} else if (!strcmp(key, "nodes")) {
		if (strlen(value) >= sizeof(conf->nodes_text) ||
		    parse_nodes(value, conf) < 0) {
			set_error(conf, name, lineno, "nodes: '%s' is not a "
				  "list of node ids below %d (0,2-3) or empty",
				  value, MEMHP_AUTOONLINE_MAX_NODES);
			return -EINVAL;
		}
		snprintf(conf->nodes_text, sizeof(conf->nodes_text), "%s",
			 value);
	} else if (!strcmp(key, "owners")) {
		char bad[64];

		if (strlen(value) >= sizeof(conf->owners_text) ||
		    parse_owners(value, conf, bad, sizeof(bad)) < 0) {
			set_error(conf, name, lineno, "owners: '%s' is not "
				  "OWNER[:ZONE] (owners: unknown, boot, "
				  "acpi-dimm, virtio-mem, dax-kmem, memhp; "
				  "zones: movable, normal, auto)", bad);
			return -EINVAL;
		}
		snprintf(conf->owners_text, sizeof(conf->owners_text), "%s",
			 value);
	} else {
		set_error(conf, name, lineno, "unknown key '%s' (enabled, "
			  "zone, nodes, owners)", key);
		return -EINVAL;
	}
	return 0;
}

static void set_defaults(struct memhp_autoonline *conf)
{
	char bad[64];

	memset(conf, 0, sizeof(*conf));
	snprintf(conf->zone, sizeof(conf->zone), "movable");
	conf->any_node = true;
	(void)parse_owners(DEFAULT_OWNERS, conf, bad, sizeof(bad));
	snprintf(conf->owners_text, sizeof(conf->owners_text), "%s",
		 DEFAULT_OWNERS);
}

int memhp_autoonline_parse_into(const char *text, size_t len,
				const char *name, struct memhp_autoonline *conf)
{
	unsigned int lineno = 0;
	char line[512];

	set_defaults(conf);
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		char *l;

		lineno++;
		if (memchr(text, '\0', n)) {
			set_error(conf, name, lineno, "not a text file");
			goto invalid;
		}
		if (n >= sizeof(line)) {
			set_error(conf, name, lineno, "line longer than %zu "
				  "bytes", sizeof(line) - 1);
			goto invalid;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (nl != NULL);
		len -= n + (nl != NULL);
		l = trim(line);
		if (!*l || *l == '#')
			continue;
		if (parse_line(l, name, lineno, conf) < 0)
			goto invalid;
	}
	return 0;
invalid:
	/* a config that cannot be read enables nothing */
	conf->enabled = false;
	return -EINVAL;
}

int memhp_autoonline_read_into(int fd, const char *name,
			       struct memhp_autoonline *conf)
{
	size_t size = 4096, len = 0;
	char *buf = malloc(size);
	int ret;

	set_defaults(conf);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *grown = size < MAX_CONFIG_BYTES ?
				      realloc(buf, size * 2) : NULL;

			if (!grown) {
				free(buf);
				snprintf(conf->error, sizeof(conf->error),
					 "%s: larger than %d bytes", name,
					 MAX_CONFIG_BYTES);
				return size < MAX_CONFIG_BYTES ? -ENOMEM :
								 -EFBIG;
			}
			buf = grown;
			size *= 2;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			free(buf);
			snprintf(conf->error, sizeof(conf->error), "%s: %s",
				 name, strerror(-ret));
			return ret;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = memhp_autoonline_parse_into(buf, len, name, conf);
	free(buf);
	return ret;
}

MEMHP_EXPORT int memhp_autoonline_parse(const char *text, size_t len,
					const char *name,
					struct memhp_autoonline **conf)
{
	*conf = calloc(1, sizeof(**conf));
	if (!*conf)
		return -ENOMEM;
	return memhp_autoonline_parse_into(text, len, name, *conf);
}

MEMHP_EXPORT int memhp_autoonline_read(int fd, const char *name,
				       struct memhp_autoonline **conf)
{
	int ret;

	*conf = calloc(1, sizeof(**conf));
	if (!*conf)
		return -ENOMEM;
	ret = memhp_autoonline_read_into(fd, name, *conf);
	if (ret == -ENOMEM) {
		free(*conf);
		*conf = NULL;
	}
	return ret;
}

MEMHP_EXPORT void memhp_autoonline_free(struct memhp_autoonline *conf)
{
	free(conf);
}

MEMHP_EXPORT bool memhp_autoonline_is_enabled(const struct memhp_autoonline *c)
{
	return c->enabled;
}

MEMHP_EXPORT const char *memhp_autoonline_get_zone(
	const struct memhp_autoonline *c)
{
	return c->zone;
}

MEMHP_EXPORT const char *memhp_autoonline_get_nodes(
	const struct memhp_autoonline *c)
{
	return c->any_node ? "" : c->nodes_text;
}

MEMHP_EXPORT size_t memhp_autoonline_get_node_count(
	const struct memhp_autoonline *c)
{
	size_t n = 0;

	for (int i = 0; !c->any_node && i < MEMHP_AUTOONLINE_MAX_NODES; i++)
		n += has_bit(c, i);
	return n;
}

MEMHP_EXPORT int memhp_autoonline_get_node(const struct memhp_autoonline *c,
					   size_t i)
{
	for (int node = 0; !c->any_node && node < MEMHP_AUTOONLINE_MAX_NODES;
	     node++)
		if (has_bit(c, node) && i-- == 0)
			return node;
	return -1;
}

MEMHP_EXPORT const char *memhp_autoonline_get_owners(
	const struct memhp_autoonline *c)
{
	return c->owners_text;
}

MEMHP_EXPORT const char *memhp_autoonline_get_owner_zone(
	const struct memhp_autoonline *c, enum memhp_owner owner)
{
	int z;

	if ((unsigned int)owner >= MEMHP_NR_OWNERS)
		return NULL;
	z = c->owner_zone[owner];
	if (z == MEMHP_AUTOONLINE_LEAVE)
		return NULL;
	return z == MEMHP_AUTOONLINE_ZONE ? c->zone : zone_words[z];
}

MEMHP_EXPORT const char *memhp_autoonline_get_error(
	const struct memhp_autoonline *c)
{
	return c->error[0] ? c->error : NULL;
}

MEMHP_EXPORT bool memhp_autoonline_has_node(const struct memhp_autoonline *c,
					    int node)
{
	if (c->any_node)
		return true;
	if (node < 0 || node >= MEMHP_AUTOONLINE_MAX_NODES)
		return false;
	return has_bit(c, node);
}

/* --- memhp's rule below the root, for memhp policy ----------------------- */

bool memhp_is_autoonline_rule(const char *line)
{
	const char *run = strstr(line, "RUN");
	const char *m = run ? strstr(run, "memhp") : NULL;

	return m && strstr(m, " online") && strstr(m, "--udev");
}

/* The --config=PATH (or --config PATH) of the rule, or the default. */
void memhp_autoonline_rule_config(const char *line, char *buf, size_t size)
{
	const char *c = strstr(line, "--config");
	size_t n;

	snprintf(buf, size, "%s", MEMHP_AUTOONLINE_CONFIG);
	if (!c)
		return;
	c += strlen("--config");
	if (*c != '=' && *c != ' ')
		return;
	c += strspn(c + 1, " ") + 1;
	n = strcspn(c, " \"'\t");
	if (n && n < size)
		snprintf(buf, size, "%.*s", (int)n, c);
}

/* The config @rule names, as this root sees it, into @rule->conf. */
void memhp_autoonline_load_config(struct memhp_ctx *ctx,
				  struct memhp_autoonline_rule *rule)
{
	int fd = memhp_open_regular(ctx, NR_AREAS, rule->config[0] == '/' ?
				    rule->config + 1 : rule->config, O_RDONLY);

	if (fd < 0) {
		rule->config_err = fd;
		set_defaults(&rule->conf);
		snprintf(rule->conf.error, sizeof(rule->conf.error), "%s: %s",
			 rule->config, memhp_strerror(fd));
		dbg(ctx, "%s", rule->conf.error);
		return;
	}
	rule->config_err = memhp_autoonline_read_into(fd, rule->config,
						      &rule->conf);
	close(fd);
	if (rule->config_err < 0)
		dbg(ctx, "%s", rule->conf.error);
}

MEMHP_EXPORT int memhp_autoonline_find(struct memhp_ctx *ctx,
				       struct memhp_autoonline_rule **rule)
{
	struct memhp_onliners o = { 0 };
	int ret = memhp_scan_udev_rules(ctx, &o);

	free(o.list);
	*rule = NULL;
	if (ret < 0)
		return ret;
	if (!o.have_rule)
		return -ENOENT;
	*rule = malloc(sizeof(**rule));
	if (!*rule)
		return -ENOMEM;
	**rule = o.rule;
	memhp_autoonline_load_config(ctx, *rule);
	return 0;
}

MEMHP_EXPORT void memhp_autoonline_rule_free(struct memhp_autoonline_rule *r)
{
	free(r);
}

MEMHP_EXPORT const char *memhp_autoonline_rule_get_file(
	const struct memhp_autoonline_rule *r)
{
	return r->file;
}

MEMHP_EXPORT unsigned int memhp_autoonline_rule_get_line(
	const struct memhp_autoonline_rule *r)
{
	return r->line;
}

MEMHP_EXPORT const char *memhp_autoonline_rule_get_text(
	const struct memhp_autoonline_rule *r)
{
	return r->text;
}

MEMHP_EXPORT const char *memhp_autoonline_rule_get_config(
	const struct memhp_autoonline_rule *r)
{
	return r->config;
}

MEMHP_EXPORT int memhp_autoonline_rule_get_config_errno(
	const struct memhp_autoonline_rule *r)
{
	return r->config_err;
}

MEMHP_EXPORT const struct memhp_autoonline *memhp_autoonline_rule_get_conf(
	const struct memhp_autoonline_rule *r)
{
	return &r->conf;
}
