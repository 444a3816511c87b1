// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's uevent messages ("ACTION@DEVPATH\0KEY=VALUE\0...") as they
 * come off the netlink socket: any bytes, NULs included.
 */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_uevent ev;

	if (memhp_uevent_parse((const char *)data, size, &ev) == 0) {
		FUZZ_CHECK(memchr(ev.action, '\0', sizeof(ev.action)));
		FUZZ_CHECK(memchr(ev.devpath, '\0', sizeof(ev.devpath)));
		FUZZ_CHECK(memchr(ev.subsystem, '\0', sizeof(ev.subsystem)));
		FUZZ_CHECK(ev.block >= -1);
	}
	return 0;
}
