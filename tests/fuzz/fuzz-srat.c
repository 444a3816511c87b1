// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp_srat_parse: the ACPI SRAT bytes memhp doctor reads from
 * sys/firmware/acpi/tables/SRAT (root only, firmware-made). */
#include <errno.h>

#include "fuzz.h"
#include "private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_srat_memory *mem = NULL;
	size_t nr = 99;
	/* a copy of exactly @size bytes: ASan sees any read past it */
	uint8_t *copy = malloc(size ? size : 1);
	int err;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	err = memhp_srat_parse(copy, size, &mem, &nr);
	if (err) {
		FUZZ_CHECK(err == -EINVAL && mem == NULL && nr == 0);
	} else {
		/* every entry took 40 bytes of the table after its header */
		FUZZ_CHECK(nr <= (size - 48) / 40);
		for (size_t i = 0; i < nr; i++)
			FUZZ_CHECK(!mem[i].size ||
				   mem[i].start + mem[i].size - 1 >= mem[i].start);
	}
	free(mem);
	free(copy);
	return 0;
}
