// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp_srat_parse: the ACPI SRAT bytes memhp doctor reads from
 * sys/firmware/acpi/tables/SRAT (root only, firmware-made). */
#include <errno.h>

#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_srat *srat = NULL;
	size_t nr;
	/* a copy of exactly @size bytes: ASan sees any read past it */
	uint8_t *copy = malloc(size ? size : 1);
	int err;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	err = memhp_srat_parse(copy, size, &srat);
	if (err) {
		FUZZ_CHECK(err == -EINVAL && srat == NULL);
	} else {
		/* every entry took 40 bytes of the table after its header */
		nr = memhp_srat_get_count(srat);
		FUZZ_CHECK(nr <= (size - 48) / 40);
		FUZZ_CHECK(memhp_srat_get(srat, nr) == NULL);
		for (size_t i = 0; i < nr; i++) {
			const struct memhp_srat_memory *m =
				memhp_srat_get(srat, i);
			uint64_t start = memhp_srat_memory_get_start(m);
			uint64_t len = memhp_srat_memory_get_size(m);

			FUZZ_CHECK(!len || start + len - 1 >= start);
		}
	}
	memhp_srat_free(srat);
	free(copy);
	return 0;
}
