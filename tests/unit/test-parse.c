// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsers, names and size formatting. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "private.h"
#include "../../cmd/memhp.h"

TEST(parse_u64_accepts_hex_and_decimal)
{
	uint64_t v = 0;

	CHECK(memhp_parse_u64("8000000", 16, &v) == 0);
	CHECK_EQ_U64(v, 0x8000000);
	CHECK(memhp_parse_u64("80000000", 16, &v) == 0);
	CHECK_EQ_U64(v, 0x80000000ULL);
	CHECK(memhp_parse_u64("18446744073709551615", 10, &v) == 0);
	CHECK_EQ_U64(v, UINT64_MAX);
}

TEST(parse_u64_rejects_garbage)
{
	uint64_t v;

	CHECK(memhp_parse_u64("", 10, &v) == -EINVAL);
	CHECK(memhp_parse_u64("-1", 10, &v) == -EINVAL);
	CHECK(memhp_parse_u64(" 1", 10, &v) == -EINVAL);
	CHECK(memhp_parse_u64("12x", 10, &v) == -EINVAL);
	CHECK(memhp_parse_u64("18446744073709551616", 10, &v) == -ERANGE);
	CHECK(memhp_parse_u64(NULL, 10, &v) == -EINVAL);
}

TEST(indexed_names)
{
	uint64_t v = 0;

	CHECK(memhp_parse_indexed_name("memory8192", "memory", &v) == 0);
	CHECK_EQ_U64(v, 8192);
	CHECK(memhp_parse_indexed_name("memory", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("memory_failure", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("memory1a", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("node3", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("node3", "node", &v) == 0);
	CHECK_EQ_U64(v, 3);
	/* canonical only: the kernel prints ids with %u */
	CHECK(memhp_parse_indexed_name("memory0", "memory", &v) == 0);
	CHECK_EQ_U64(v, 0);
	CHECK(memhp_parse_indexed_name("memory07", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("memory00", "memory", &v) < 0);
	CHECK(memhp_parse_indexed_name("node01", "node", &v) < 0);
}

TEST(parse_u64_rejects_leading_whitespace)
{
	uint64_t v;

	CHECK(memhp_parse_u64("\t1", 10, &v) == -EINVAL);
	CHECK(memhp_parse_u64("\n1", 16, &v) == -EINVAL);
}

TEST(block_size_power_of_two_in_range)
{
	uint64_t v = 0;

	CHECK(memhp_parse_block_size("8000000", &v) == 0);
	CHECK_EQ_U64(v, 128ull << 20);
	CHECK(memhp_parse_block_size("1000", &v) == 0);
	CHECK(memhp_parse_block_size("1000000000", &v) == 0);
	CHECK_EQ_U64(v, 64ull << 30);
	CHECK(memhp_parse_block_size("ffffffffffffffff", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("8000000000000000", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("2000000000", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("800", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("3", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("1", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("0", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("", &v) == -EINVAL);
	CHECK(memhp_parse_block_size("8000001", &v) == -EINVAL);
}

TEST(block_ids_must_end_below_2_64)
{
	uint64_t bs = 128ull << 20;

	CHECK(memhp_block_id_fits(0, bs));
	CHECK(memhp_block_id_fits((1ull << 37) - 1, bs));
	CHECK(!memhp_block_id_fits(1ull << 37, bs));
	CHECK(!memhp_block_id_fits(UINT64_MAX, bs));
	CHECK(memhp_block_id_fits(UINT64_MAX, 1));
	CHECK(!memhp_block_id_fits(0, 0));
}

TEST(ranges_hold_a_byte_and_do_not_wrap)
{
	uint64_t first, last, v;

	CHECK(memhp_range_valid(0, 0xfffffffffffff000ull));
	CHECK(memhp_range_valid(0x1000, UINT64_MAX - 0xfff));
	CHECK(!memhp_range_valid(0x1000, UINT64_MAX - 0xffe));
	CHECK(!memhp_range_valid(0x100000000ull, 0xfffffffffffff000ull));
	CHECK(!memhp_range_valid(0x40000000, 0));
	memhp_range_blocks(0, 0xfffffffffffff000ull, 128ull << 20, &first,
			   &last);
	CHECK_EQ_U64(first, 0);
	CHECK_EQ_U64(last, (1ull << 37) - 1);
	memhp_range_blocks(0x140000000ull, 0x20000000, 128ull << 20, &first,
			   &last);
	CHECK_EQ_U64(first, 40);
	CHECK_EQ_U64(last, 43);
	CHECK(memhp_parse_hex("0x140000000", &v) == 0);
	CHECK_EQ_U64(v, 0x140000000ull);
	CHECK(memhp_parse_hex("140000000", &v) == 0);
	CHECK_EQ_U64(v, 0x140000000ull);
	CHECK(memhp_parse_hex("0x0x1", &v) < 0);
	CHECK(memhp_parse_hex("0x", &v) < 0);
}

TEST(escape_keeps_messages_on_one_line)
{
	char out[16];

	CHECK(strcmp(memhp_escape("1\n2", out, sizeof(out)), "1\\x0a2") == 0);
	CHECK(strcmp(memhp_escape("a\\b", out, sizeof(out)), "a\\x5cb") == 0);
	CHECK(strcmp(memhp_escape("\x1b[2J", out, sizeof(out)),
		     "\\x1b[2J") == 0);
	memhp_escape("0123456789abcdefghij", out, sizeof(out));
	CHECK(strlen(out) < sizeof(out));
	CHECK(strcmp(out + strlen(out) - 3, "...") == 0);
}

TEST(zone_names_match_whole_names_only)
{
	CHECK(memhp_zone_from_name("DMA", 3) == MEMHP_ZONE_DMA);
	CHECK(memhp_zone_from_name("DMA32", 5) == MEMHP_ZONE_DMA32);
	/* a prefix of a name is not the name */
	CHECK(memhp_zone_from_name("DMA32", 3) == MEMHP_ZONE_DMA);
	CHECK(memhp_zone_from_name("DMA3", 4) == MEMHP_ZONE_UNKNOWN);
	CHECK(memhp_zone_from_name("movable", 7) == MEMHP_ZONE_MOVABLE);
	CHECK(memhp_zone_from_name("none", 4) == MEMHP_ZONE_NONE);
	CHECK(memhp_zone_from_name("Highmem", 7) == MEMHP_ZONE_HIGHMEM);
	CHECK_STR(memhp_zone_name(MEMHP_ZONE_NONE), "none");
	CHECK(memhp_zone_name(MEMHP_NR_ZONES) == NULL);
	/* "any" is no zone */
	CHECK(memhp_zone_name(MEMHP_ZONE_ANY) == NULL);
}

TEST(state_names_round_trip)
{
	for (int s = MEMHP_STATE_ONLINE; s <= MEMHP_STATE_GOING_OFFLINE; s++)
		CHECK((int)memhp_state_from_name(memhp_state_name(s)) == s);
	CHECK(memhp_state_from_name("onlin") == MEMHP_STATE_UNKNOWN);
	CHECK(memhp_state_name(MEMHP_STATE_UNKNOWN) == NULL);
}

TEST(human_sizes_as_lsmem_prints_them)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0B" },
		{ 1023, "1023B" },
		{ 1024, "1K" },
		{ 128ULL << 20, "128M" },
		{ 3ULL << 30, "3G" },
		{ (3ULL << 30) - (128ULL << 20), "2.9G" },
		{ 1536ULL << 20, "1.5G" },
		/* 1.96G rounds up to 2G, not 1.10G */
		{ 2009ULL << 20, "2G" },
		{ 1ULL << 40, "1T" },
		{ (16ULL << 30) + (640ULL << 20), "16.6G" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		memhp_format_size(buf, sizeof(buf), cases[i].bytes, false);
		CHECK_STR(buf, cases[i].text);
	}
	memhp_format_size(buf, sizeof(buf), 134217728, true);
	CHECK_STR(buf, "134217728");
}
