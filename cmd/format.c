// SPDX-License-Identifier: GPL-2.0-or-later
/* Sizes for people, in the form lsmem prints them. */
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>

#include "memhp.h"

void memhp_format_size(char *buf, size_t size, uint64_t bytes, bool raw)
{
	static const char units[] = "BKMGTPE";
	unsigned int shift = 0;
	uint64_t whole, rest, tenths;
	const struct lconv *lc;
	const char *dp;

	if (raw) {
		snprintf(buf, size, "%" PRIu64, bytes);
		return;
	}
	while (shift < 60 && bytes >= (UINT64_C(1) << (shift + 10)))
		shift += 10;
	whole = bytes >> shift;
	rest = shift ? bytes & ((UINT64_C(1) << shift) - 1) : 0;
	/* thousandths of the unit, rounded to tenths, half up */
	tenths = (uint64_t)(((unsigned __int128)rest * 1000 >> shift) + 50) / 100;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (!tenths) {
		snprintf(buf, size, "%" PRIu64 "%c", whole, units[shift / 10]);
		return;
	}
	lc = localeconv();
	dp = lc && lc->decimal_point && *lc->decimal_point ?
		lc->decimal_point : ".";
	snprintf(buf, size, "%" PRIu64 "%s%" PRIu64 "%c", whole, dp, tenths,
		 units[shift / 10]);
}
