// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp_kconfig_parse: a kernel build configuration, as memhp doctor reads
 * /proc/config.gz or /boot/config-<release>. */
#include <errno.h>

#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_kconfig *kc = (void *)1;
	int err = memhp_kconfig_parse((const char *)data, size, "fuzz", &kc);

	if (err) {
		FUZZ_CHECK(err == -EINVAL && kc == NULL);
		return 0;
	}
	/* what it kept reads back: any name, a value or NULL, never a crash */
	FUZZ_CHECK(memhp_kconfig_get(kc, "CONFIG_") == NULL);
	(void)memhp_kconfig_get(kc, "CONFIG_MEMORY_HOTPLUG");
	FUZZ_CHECK(!strcmp(memhp_kconfig_source(kc), "fuzz"));
	memhp_kconfig_free(kc);
	return 0;
}
