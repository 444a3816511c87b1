// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's uevent messages ("ACTION@DEVPATH\0KEY=VALUE\0...") as they
 * come off the netlink socket: any bytes, NULs included.
 */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_uevent *ev = NULL;

	if (memhp_uevent_parse((const char *)data, size, &ev) == 0) {
		FUZZ_CHECK(memchr(ev->action, '\0', sizeof(ev->action)));
		FUZZ_CHECK(memchr(ev->devpath, '\0', sizeof(ev->devpath)));
		FUZZ_CHECK(memchr(ev->subsystem, '\0', sizeof(ev->subsystem)));
		/* what the getters hand out is that */
		FUZZ_CHECK(memhp_uevent_get_action(ev) == ev->action &&
			   memhp_uevent_get_devpath(ev) == ev->devpath &&
			   memhp_uevent_get_subsystem(ev) == ev->subsystem);
		FUZZ_CHECK(memhp_uevent_get_block(ev) >= -1);
	} else {
		FUZZ_CHECK(ev == NULL);
	}
	memhp_uevent_free(ev);
	return 0;
}
