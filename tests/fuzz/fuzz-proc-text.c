// SPDX-License-Identifier: GPL-2.0-or-later
/* The /proc texts memhp reads: /proc/zoneinfo (ZONE_MOVABLE's present
 * pages) and the words of /proc/cmdline for doctor, and /proc/iomem's
 * resources with what each System RAM name says of its owner. */
#include "fuzz.h"
#include "private.h"

static int resource(void *data, uint64_t start, uint64_t end,
		    const char *name, const char *parent)
{
	char dev[64];
	int owner;

	(void)data;
	FUZZ_CHECK(start <= end);
	FUZZ_CHECK(strlen(name) < 64 && !strchr(name, '\n'));
	FUZZ_CHECK(!parent || (parent[0] && !strchr(parent, '\n')));
	owner = memhp_iomem_owner(name, parent, dev, sizeof(dev));
	/* only System RAM has an owner; a device only with a driver's name */
	FUZZ_CHECK((owner >= 0) == (strncmp(name, "System RAM", 10) == 0));
	FUZZ_CHECK(owner < MEMHP_NR_OWNERS);
	FUZZ_CHECK(owner != MEMHP_OWNER_BOOT || !dev[0]);
	FUZZ_CHECK(strlen(dev) < sizeof(dev));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	bool found = true;
	uint64_t pages = memhp_zoneinfo_movable_pages(s, &found);

	FUZZ_CHECK(memhp_iomem_parse(s, resource, NULL) == 0);

	/* pages only ever come from a Movable zone */
	FUZZ_CHECK(found || pages == 0);
	for (char *tok = strtok(s, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
		(void)memhp_is_hotplug_param(tok);
	free(s);
	return 0;
}
