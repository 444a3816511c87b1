// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What sysfs attributes hold, as memhp reads them: numbers (decimal, hex),
 * memoryN/nodeN names, valid_zones word lists, state names, and the
 * trailing-newline handling of a raw read.
 */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint8_t zones[MEMHP_MAX_ZONES];
	uint64_t v;
	int n;

	for (int base = 0; base <= 16; base += 8)
		(void)memhp_parse_u64(s, base ? base : 10, &v);
	(void)memhp_parse_indexed_name(s, "memory", &v);
	(void)memhp_parse_indexed_name(s, "node", &v);

	n = memhp_parse_zones(s, zones, MEMHP_MAX_ZONES);
	FUZZ_CHECK(n >= 0 && n <= MEMHP_MAX_ZONES);
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(zones[i] < MEMHP_NR_ZONES);
	FUZZ_CHECK(memhp_zone_from_name(s, strlen(s)) < MEMHP_NR_ZONES);
	(void)memhp_state_name(memhp_state_from_name(s));

	/* a raw read of @size bytes into a buffer one larger */
	{
		char *buf = malloc(size + 2);
		ssize_t len;

		if (!buf)
			abort();
		memcpy(buf, data, size);
		len = memhp_attr_finish(buf, (ssize_t)size, size + 2);
		FUZZ_CHECK(len >= 0 && (size_t)len <= size && buf[len] == '\0');
		free(buf);
	}
	free(s);
	return 0;
}
