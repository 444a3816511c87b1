// SPDX-License-Identifier: GPL-2.0
/*
 * memhp.ko's probe/remove input parser (kernel/parse.h), the very code the
 * module runs, compiled in user space: any bytes, any length.  It never
 * yields more numbers than asked for, and refuses what does not fit the
 * module's buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kshim.h"
#include "../../kernel/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 v[3] = { 0 };
	int max, n;

	/* the first byte picks how many numbers may come (1 to 3) */
	if (!size)
		return 0;
	max = data[0] % 3 + 1;
	n = memhp_parse_numbers((const char *)data + 1, size - 1, v, max);
	if (n != -EINVAL && (n < 0 || n > max))
		abort();
	if (size - 1 >= MEMHP_MAX_INPUT_LEN && n != -EINVAL)
		abort();
	return 0;
}
