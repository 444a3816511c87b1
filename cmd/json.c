// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON documents (memhp-json(7)): numbers stay numbers, schema 1. */
#include <json-c/json.h>
#include <stdio.h>

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
