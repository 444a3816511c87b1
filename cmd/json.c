// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON documents (memhp-json(7)): numbers stay numbers, schema 1. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhp.h"

#define MEMHP_JSON_SCHEMA 1

struct json_object *memhp_json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

struct json_object *memhp_json_document(struct memhp_ctx *ctx)
{
	struct json_object *doc = json_object_new_object();

	json_object_object_add(doc, "schema",
			       json_object_new_int(MEMHP_JSON_SCHEMA));
	if (ctx && memhp_get_block_size(ctx))
		json_object_object_add(doc, "block_size",
				       memhp_json_u64(memhp_get_block_size(ctx)));
	return doc;
}

int memhp_json_print(struct json_object *doc)
{
	const char *s = json_object_to_json_string_ext(doc,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			JSON_C_TO_STRING_NOSLASHESCAPE);

	fputs(s, stdout);
	fputc('\n', stdout);
	json_object_put(doc);
	return 0;
}

/* Policy values with their JSON types. */
enum ptype { P_STRING, P_NUMBER, P_BOOL };
static const struct {
	const char *key;
	enum ptype type;
} policy_types[] = {
	{ "auto_online_blocks", P_STRING },
	{ "online_policy", P_STRING },
	{ "auto_movable_ratio", P_NUMBER },
	{ "auto_movable_numa_aware", P_BOOL },
	{ "memmap_on_memory", P_BOOL },
};

static struct json_object *policy_value(const char *v, enum ptype t)
{
	char *end;
	long long n;

	switch (t) {
	case P_NUMBER:
		n = strtoll(v, &end, 10);
		if (end != v && !*end)
			return json_object_new_int64(n);
		break;
	case P_BOOL:
		/* kernel bools print Y or N; memmap_on_memory may say force */
		if (!strcmp(v, "Y") || !strcmp(v, "1") || !strcmp(v, "force"))
			return json_object_new_boolean(1);
		if (!strcmp(v, "N") || !strcmp(v, "0"))
			return json_object_new_boolean(0);
		break;
	case P_STRING:
		break;
	}
	return memhp_json_str(v);
}

struct json_object *memhp_json_policy(struct memhp_ctx *ctx)
{
	struct json_object *policy = json_object_new_object();

	for (size_t i = 0; i < sizeof(policy_types) / sizeof(*policy_types);
	     i++) {
		char *v = NULL;

		if (memhp_policy_read(ctx, policy_types[i].key, &v) < 0)
			continue;
		json_object_object_add(policy, policy_types[i].key,
				       policy_value(v, policy_types[i].type));
		free(v);
	}
	return policy;
}
