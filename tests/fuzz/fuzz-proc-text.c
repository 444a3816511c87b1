// SPDX-License-Identifier: GPL-2.0-or-later
/* The /proc texts memhp doctor reads: /proc/zoneinfo (ZONE_MOVABLE's
 * present pages) and the words of /proc/cmdline. */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	bool found = true;
	uint64_t pages = memhp_zoneinfo_movable_pages(s, &found);

	/* pages only ever come from a Movable zone */
	FUZZ_CHECK(found || pages == 0);
	for (char *tok = strtok(s, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
		(void)memhp_is_hotplug_param(tok);
	free(s);
	return 0;
}
