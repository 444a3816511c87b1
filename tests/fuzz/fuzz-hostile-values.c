// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The validators that stand between a hostile tree and the arithmetic
 * (memhp(8), HOSTILE TREES): block_size_bytes, canonical memoryN names,
 * block ids whose addresses must fit in 64 bits, memhp.ko's range files
 * and the blocks a range touches, and the escaping of values shown in
 * one-line error messages.
 *
 * Input: the first 24 bytes, when there are that many, are three numbers
 * (an id, a start and a size, native byte order) for the arithmetic; the
 * whole input, as a string, goes to the text parsers.
 */
#include <stdio.h>

#include "fuzz.h"
#include "private.h"

static uint64_t word(const uint8_t *data, size_t size, size_t i)
{
	uint64_t v = 0;

	if (size >= (i + 1) * 8)
		memcpy(&v, data + i * 8, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint64_t bs, id, v, first, last;
	uint64_t w_id = word(data, size, 0), w_start = word(data, size, 1);
	uint64_t w_size = word(data, size, 2);
	char name[32], out[64];

	/* block_size_bytes: accepted means a power of two, 4K to 64G */
	if (memhp_parse_block_size(s, &bs) == 0) {
		FUZZ_CHECK(bs >= MEMHP_MIN_BLOCK_SIZE);
		FUZZ_CHECK(bs <= MEMHP_MAX_BLOCK_SIZE);
		FUZZ_CHECK((bs & (bs - 1)) == 0);
	} else {
		bs = 1ull << (12 + w_id % 25);	/* some valid size */
	}

	/* canonical names: accepted means "memory" + the id as %llu */
	if (memhp_parse_indexed_name(s, "memory", &id) == 0) {
		snprintf(name, sizeof(name), "memory%llu",
			 (unsigned long long)id);
		FUZZ_CHECK(strcmp(name, s) == 0);
	}

	/* a block id fits when its last byte is below 2^64 */
	{
		unsigned __int128 end = ((unsigned __int128)w_id + 1) * bs;

		FUZZ_CHECK(memhp_block_id_fits(w_id, bs) ==
			   (end <= ((unsigned __int128)1 << 64)));
	}

	/* range files: hex with or without one 0x; valid ranges hold a byte
	 * and end below 2^64; their blocks are computed, never walked */
	(void)memhp_parse_hex(s, &v);
	FUZZ_CHECK(memhp_range_valid(w_start, w_size) ==
		   (w_size && (unsigned __int128)w_start + w_size <=
				      ((unsigned __int128)1 << 64)));
	if (memhp_range_valid(w_start, w_size)) {
		memhp_range_blocks(w_start, w_size, bs, &first, &last);
		FUZZ_CHECK(first <= last);
		FUZZ_CHECK(first == w_start / bs);
		FUZZ_CHECK(last == (uint64_t)(((unsigned __int128)w_start +
					       w_size - 1) / bs));
	}

	/* escaping: one line, no control bytes, NUL-terminated in @size */
	for (size_t cap = 1; cap <= sizeof(out); cap += 21) {
		memhp_escape(s, out, cap);
		FUZZ_CHECK(strlen(out) < cap);
		for (const char *p = out; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	free(s);
	return 0;
}
