// SPDX-License-Identifier: LGPL-2.1-or-later
/* Parsers for the numbers and names sysfs hands out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

int memhp_parse_u64(const char *s, int base, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int memhp_parse_indexed_name(const char *name, const char *prefix,
			     uint64_t *out)
{
	size_t plen = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, plen) != 0 || !name[plen])
		return -EINVAL;
	for (p = name + plen; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return memhp_parse_u64(name + plen, 10, out);
}
