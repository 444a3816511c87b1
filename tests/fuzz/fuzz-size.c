// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp_parse_size: "512M", "1G", "4KiB"; a unit is required. */
#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint64_t bytes = 0;

	/* whatever it accepts is a size: more than zero bytes */
	if (memhp_parse_size(s, &bytes) == 0)
		FUZZ_CHECK(bytes > 0);
	free(s);
	return 0;
}
