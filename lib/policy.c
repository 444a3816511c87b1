// SPDX-License-Identifier: LGPL-2.1-or-later
/* The kernel's onlining policy knobs and the module's presence. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

enum policy_type { P_WORD, P_UINT, P_BOOL, P_BOOT_ONLY };

static const char *const online_types[] = {
	"offline", "online", "online_kernel", "online_movable", NULL
};
static const char *const online_policies[] = {
	"contig-zones", "auto-movable", NULL
};

static const struct policy_key {
	const char *name;
	enum memhp_area area;
	enum policy_type type;
	const char *const *words;	/* P_WORD: the accepted values */
} policy_keys[] = {
	{ "auto_online_blocks", AREA_MEMORY, P_WORD, online_types },
	{ "online_policy", AREA_MHP_PARAMS, P_WORD, online_policies },
	{ "auto_movable_ratio", AREA_MHP_PARAMS, P_UINT, NULL },
	{ "auto_movable_numa_aware", AREA_MHP_PARAMS, P_BOOL, NULL },
	/* the kernel reads it at boot: memory_hotplug.memmap_on_memory= */
	{ "memmap_on_memory", AREA_MHP_PARAMS, P_BOOT_ONLY, NULL },
};
#define NR_POLICY_KEYS (sizeof(policy_keys) / sizeof(policy_keys[0]))

MEMHP_EXPORT const char *const *memhp_policy_keys(void)
{
	static const char *names[NR_POLICY_KEYS + 1];

	if (!names[0])
		for (size_t i = 0; i < NR_POLICY_KEYS; i++)
			names[i] = policy_keys[i].name;
	return names;
}

MEMHP_EXPORT int memhp_policy_read(struct memhp_ctx *ctx, const char *key,
				   char **value)
{
	char buf[256];

	for (size_t i = 0; i < NR_POLICY_KEYS; i++) {
		ssize_t n;

		if (strcmp(key, policy_keys[i].name) != 0)
			continue;
		n = memhp_read_attr(ctx, policy_keys[i].area, key, buf,
				    sizeof(buf));
		if (n < 0)
			return (int)n;
		*value = strdup(buf);
		return *value ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

static const struct policy_key *find_key(const char *key)
{
	for (size_t i = 0; i < NR_POLICY_KEYS; i++)
		if (strcmp(key, policy_keys[i].name) == 0)
			return &policy_keys[i];
	return NULL;
}

/* A kernel boolean's word (Y, N) for what a user may write, or NULL. */
static const char *bool_word(const char *v)
{
	if (!strcasecmp(v, "y") || !strcmp(v, "1") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "true"))
		return "Y";
	if (!strcasecmp(v, "n") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "false"))
		return "N";
	return NULL;
}

/*
 * The value as the kernel takes it into @buf; 0 or -EINVAL/-EPERM.  With
 * @boot, for the kernel command line: memmap_on_memory is settable there
 * (yes, no or force).
 */
int memhp_policy_normalize(struct memhp_ctx *ctx, const char *key,
			   const char *value, bool boot, char *buf, size_t size)
{
	const struct policy_key *k = find_key(key);
	uint64_t n;

	if (!k) {
		err(ctx, "unknown policy key '%s'", key);
		return -EINVAL;
	}
	switch (k->type) {
	case P_WORD:
		for (const char *const *w = k->words; *w; w++)
			if (strcmp(value, *w) == 0)
				goto write;
		err(ctx, "%s: '%s' is not one of the accepted values", key,
		    value);
		return -EINVAL;
	case P_UINT:
		if (memhp_parse_u64(value, 10, &n) < 0 || n > UINT32_MAX) {
			err(ctx, "%s: '%s' is not a whole number", key, value);
			return -EINVAL;
		}
		break;
	case P_BOOL:
		if (!bool_word(value)) {
			err(ctx, "%s: '%s' is not yes or no", key, value);
			return -EINVAL;
		}
		value = bool_word(value);
		break;
	case P_BOOT_ONLY:
		if (boot && !strcasecmp(value, "force")) {
			value = "force";
			break;
		}
		if (boot && bool_word(value)) {
			value = bool_word(value);
			break;
		}
		if (boot) {
			err(ctx, "%s: '%s' is not yes, no or force", key,
			    value);
			return -EINVAL;
		}
		err(ctx, "%s can only be set at boot (memory_hotplug.%s= on "
		    "the kernel command line)", key, key);
		return -EPERM;
	}
write:
	snprintf(buf, size, "%s", value);
	return 0;
}

static int normalize(struct memhp_ctx *ctx, const char *key,
		     const char *value, char *buf, size_t size)
{
	return memhp_policy_normalize(ctx, key, value, false, buf, size);
}

MEMHP_EXPORT int memhp_policy_check(struct memhp_ctx *ctx, const char *key,
				    const char *value)
{
	char buf[32];

	return normalize(ctx, key, value, buf, sizeof(buf));
}

MEMHP_EXPORT int memhp_policy_write(struct memhp_ctx *ctx, const char *key,
				    const char *value)
{
	char buf[32];
	int ret = normalize(ctx, key, value, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	return memhp_write_attr(ctx, find_key(key)->area, key, buf);
}

MEMHP_EXPORT const char *const *memhp_policy_values(const char *key)
{
	const struct policy_key *k = find_key(key);

	return k && k->type == P_WORD ? k->words : NULL;
}

MEMHP_EXPORT bool memhp_module_loaded(struct memhp_ctx *ctx)
{
	return memhp_area_exists(ctx, AREA_MODULE);
}

/*
 * Setting knobs as one transaction: every value is checked and every old
 * value read before anything is written; each write is read back; at the
 * first failure the knobs this run set are put back, those another agent
 * changed since are left alone.
 */
struct policy_change {
	const struct policy_key *key;
	char value[32];		/* as the kernel takes it */
	char *from, *to;	/* as the kernel prints them */
	bool ours;		/* written by this run and read back */
};

struct memhp_policy_set {
	struct memhp_ctx *ctx;
	struct policy_change *c;
	size_t nr;
};

MEMHP_EXPORT int memhp_policy_set_new(struct memhp_ctx *ctx,
				      struct memhp_policy_set **set)
{
	*set = calloc(1, sizeof(**set));
	if (!*set)
		return -ENOMEM;
	(*set)->ctx = ctx;
	return 0;
}

MEMHP_EXPORT int memhp_policy_set_add(struct memhp_policy_set *s,
				      const char *key, const char *value)
{
	struct policy_change *c;
	int ret;

	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->c[i].key->name, key)) {
			err(s->ctx, "%s is given twice", key);
			return -EINVAL;
		}
	c = realloc(s->c, (s->nr + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	s->c = c;
	c = &s->c[s->nr];
	*c = (struct policy_change){ .key = find_key(key) };
	ret = normalize(s->ctx, key, value, c->value, sizeof(c->value));
	if (ret < 0)
		return ret;
	s->nr++;
	return 0;
}

static int read_value(struct memhp_ctx *ctx, const struct policy_key *k,
		      char **value)
{
	free(*value);
	*value = NULL;
	return memhp_policy_read(ctx, k->name, value);
}

/* Does the value read back after the write say what was written? */
static bool reads_as(const struct policy_change *c)
{
	uint64_t a, b;

	if (c->key->type != P_UINT)
		return strcmp(c->to, c->value) == 0;
	return memhp_parse_u64(c->to, 10, &a) == 0 &&
	       memhp_parse_u64(c->value, 10, &b) == 0 && a == b;
}

/* Puts back what this run set, newest first, unless it changed since. */
static void policy_roll_back(struct memhp_policy_set *s)
{
	for (size_t i = s->nr; i-- > 0;) {
		struct policy_change *c = &s->c[i];
		char *now = NULL;
		int ret;

		if (!c->ours)
			continue;
		if (read_value(s->ctx, c->key, &now) < 0 ||
		    strcmp(now, c->to) != 0) {
			err(s->ctx, "%s changed since memhp set it; left as it "
			    "is", c->key->name);
			free(now);
			continue;
		}
		free(now);
		ret = memhp_write_attr(s->ctx, c->key->area, c->key->name,
				       c->from);
		if (ret < 0)
			err(s->ctx, "cannot put %s back to '%s': %s",
			    c->key->name, c->from, strerror(-ret));
		else
			c->ours = false;
	}
}

MEMHP_EXPORT int memhp_policy_set_run(struct memhp_policy_set *s)
{
	struct memhp_ctx *ctx = s->ctx;
	size_t i;
	int ret;

	ret = memhp_lock(ctx, 0);
	if (ret < 0)
		return ret;
	for (i = 0; i < s->nr; i++) {
		ret = read_value(ctx, s->c[i].key, &s->c[i].from);
		if (ret < 0) {
			err(ctx, "this kernel has no %s: %s", s->c[i].key->name,
			    strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < s->nr; i++) {
		struct policy_change *c = &s->c[i];

		ret = memhp_write_attr(ctx, c->key->area, c->key->name,
				       c->value);
		if (ret == 0)
			ret = read_value(ctx, c->key, &c->to);
		/* our write went in: roll_back() puts it back if need be */
		c->ours = ret == 0;
		if (ret == 0 && !reads_as(c)) {
			err(ctx, "%s reads back '%s' after memhp wrote '%s'",
			    c->key->name, c->to, c->value);
			ret = -EIO;
		} else if (ret < 0) {
			err(ctx, "cannot set %s: %s", c->key->name,
			    strerror(-ret));
		}
		if (ret < 0) {
			policy_roll_back(s);
			goto out;
		}
	}
	ret = 0;
out:
	memhp_unlock(ctx);
	return ret;
}

bool memhp_policy_set_undo(struct memhp_policy_set *s)
{
	bool all = true;
	int ret = memhp_lock(s->ctx, 0);

	if (ret < 0) {
		err(s->ctx, "cannot take the lock to put the policy back: %s",
		    strerror(-ret));
		return false;
	}
	policy_roll_back(s);
	for (size_t i = 0; i < s->nr; i++)
		all = all && !s->c[i].ours;
	memhp_unlock(s->ctx);
	return all;
}

MEMHP_EXPORT size_t memhp_policy_set_get_count(const struct memhp_policy_set *s)
{
	return s->nr;
}

MEMHP_EXPORT const char *memhp_policy_set_get_key(
	const struct memhp_policy_set *s, size_t i)
{
	return i < s->nr ? s->c[i].key->name : NULL;
}

MEMHP_EXPORT const char *memhp_policy_set_get_from(
	const struct memhp_policy_set *s, size_t i)
{
	return i < s->nr ? s->c[i].from : NULL;
}

MEMHP_EXPORT const char *memhp_policy_set_get_to(
	const struct memhp_policy_set *s, size_t i)
{
	return i < s->nr && s->c[i].ours ? s->c[i].to : NULL;
}

MEMHP_EXPORT void memhp_policy_set_free(struct memhp_policy_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr; i++) {
		free(s->c[i].from);
		free(s->c[i].to);
	}
	free(s->c);
	free(s);
}
