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
	struct memhp_autoonline *conf = NULL;
	char *s = fuzz_string(data, size);
	const char *zone;
	size_t nr_nodes;
	int err;

	/* the bytes as they are (NULs included), not only up to a NUL */
	err = memhp_autoonline_parse((const char *)data, size, "fuzz.conf", &conf);
	if (err == -ENOMEM)
		abort();
	FUZZ_CHECK(terminated(conf->zone, sizeof(conf->zone)));
	FUZZ_CHECK(terminated(conf->nodes_text, sizeof(conf->nodes_text)));
	FUZZ_CHECK(terminated(conf->error, sizeof(conf->error)));
	zone = memhp_autoonline_get_zone(conf);
	nr_nodes = memhp_autoonline_get_node_count(conf);
	if (err == 0) {
		/* a config read is one memhp can act on */
		FUZZ_CHECK(!strcmp(zone, "movable") || !strcmp(zone, "normal") ||
			   !strcmp(zone, "auto"));
		FUZZ_CHECK(!memhp_autoonline_get_error(conf));
		FUZZ_CHECK(!memhp_autoonline_has_node(conf, -1) || !nr_nodes);
		FUZZ_CHECK(!memhp_autoonline_has_node(conf,
						      MEMHP_AUTOONLINE_MAX_NODES) ||
			   !nr_nodes);
		/* the listed nodes are the ones it lets through, ascending */
		for (size_t i = 0; i < nr_nodes && i < 8; i++) {
			int node = memhp_autoonline_get_node(conf, i);

			FUZZ_CHECK(node >= 0 &&
				   memhp_autoonline_has_node(conf, node));
			FUZZ_CHECK(!i || node > memhp_autoonline_get_node(conf,
									  i - 1));
		}
		FUZZ_CHECK(memhp_autoonline_get_node(conf, nr_nodes) == -1);
		/* every owner goes into a zone memhp can ask for, or nowhere */
		FUZZ_CHECK(terminated(conf->owners_text,
				      sizeof(conf->owners_text)));
		for (int i = 0; i < MEMHP_NR_OWNERS; i++) {
			const char *z = memhp_autoonline_get_owner_zone(
				conf, (enum memhp_owner)i);

			FUZZ_CHECK(!z || !strcmp(z, "movable") ||
				   !strcmp(z, "normal") || !strcmp(z, "auto"));
		}
	} else {
		/* a config that cannot be read enables nothing, and says why */
		FUZZ_CHECK(err == -EINVAL);
		FUZZ_CHECK(!memhp_autoonline_is_enabled(conf));
		FUZZ_CHECK(memhp_autoonline_get_error(conf) != NULL);
	}
	memhp_autoonline_free(conf);
	(void)memhp_is_autoonline_rule(s);
	free(s);
	return 0;
}
