// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp_autoonline_parse: /etc/memhp/auto-online.conf as the udev entry
 * reads it (enabled=, zone=, nodes=), and the udev rule line detector. */
#include <errno.h>

#include "fuzz.h"
#include "private.h"

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_autoonline conf;
	char *s = fuzz_string(data, size);
	int err;

	/* the bytes as they are (NULs included), not only up to a NUL */
	err = memhp_autoonline_parse((const char *)data, size, "fuzz.conf", &conf);
	FUZZ_CHECK(terminated(conf.zone, sizeof(conf.zone)));
	FUZZ_CHECK(terminated(conf.nodes_text, sizeof(conf.nodes_text)));
	FUZZ_CHECK(terminated(conf.error, sizeof(conf.error)));
	if (err == 0) {
		/* a config read is one memhp can act on */
		FUZZ_CHECK(!strcmp(conf.zone, "movable") ||
			   !strcmp(conf.zone, "normal") ||
			   !strcmp(conf.zone, "auto"));
		FUZZ_CHECK(!memhp_autoonline_has_node(&conf, -1) || conf.any_node);
		FUZZ_CHECK(!memhp_autoonline_has_node(&conf,
						      MEMHP_AUTOONLINE_MAX_NODES) ||
			   conf.any_node);
	} else {
		/* a config that cannot be read enables nothing, and says why */
		FUZZ_CHECK(err == -EINVAL);
		FUZZ_CHECK(!conf.enabled);
		FUZZ_CHECK(conf.error[0] != '\0');
	}
	(void)memhp_is_autoonline_rule(s);
	free(s);
	return 0;
}
