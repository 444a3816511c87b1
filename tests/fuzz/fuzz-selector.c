// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp_selector_parse: block ids and lists (32, 32-39,41, memory32),
 * physical ranges (0x100000000-0x13fffffff) and sizes (1G).  The first
 * byte picks the block size (4K to 32G).
 */
#include "fuzz.h"
#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_selector sel;
	uint64_t bs;
	char *s;

	if (!size)
		return 0;
	bs = 1ULL << (12 + data[0] % 24);
	s = fuzz_string(data + 1, size - 1);
	if (memhp_selector_parse(s, bs, &sel) == 0) {
		for (size_t i = 0; i < sel.nr_spans; i++)
			FUZZ_CHECK(sel.spans[i].first <= sel.spans[i].last);
		if (sel.type == MEMHP_SELECT_RANGE)
			FUZZ_CHECK(sel.start % bs == 0 && sel.start < sel.end);
		if (sel.type == MEMHP_SELECT_SIZE)
			FUZZ_CHECK(sel.size > 0);
	}
	memhp_selector_free(&sel);
	free(s);
	return 0;
}
