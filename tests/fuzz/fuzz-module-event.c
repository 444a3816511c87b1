// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A line of memhp.ko's event log (/dev/memhp):
 * "<ns> <event> <start-hex> <size-hex> <node> <errno>" or "lost N".
 */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct memhp_module_event *ev = NULL;

	if (memhp_module_event_parse(s, &ev) == 0)
		FUZZ_CHECK(memchr(ev->event, '\0', sizeof(ev->event)) &&
			   memhp_module_event_get_errno(ev) >= 0 &&
			   memhp_module_event_get_node(ev) >= -1);
	else
		FUZZ_CHECK(ev == NULL);
	memhp_module_event_free(ev);
	free(s);
	return 0;
}
