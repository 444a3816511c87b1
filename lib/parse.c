// SPDX-License-Identifier: LGPL-2.1-or-later
/* Parsers for the numbers and names sysfs hands out. */
#include <ctype.h>
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

MEMHP_EXPORT int memhp_parse_size(const char *text, uint64_t *bytes)
{
	static const char units[] = "KMGTPE";
	char num[32];
	const char *u;
	size_t len = strspn(text, "0123456789");
	unsigned int shift;
	uint64_t v;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	u = strchr(units, toupper((unsigned char)text[len]));
	if (!text[len] || !u)
		return -EINVAL;
	/* "1G", "1GiB" and "1GB" all mean 2^30 bytes, as lsmem prints */
	if (text[len + 1] && strcmp(text + len + 1, "iB") != 0 &&
	    strcmp(text + len + 1, "B") != 0)
		return -EINVAL;
	memcpy(num, text, len);
	num[len] = '\0';
	if (memhp_parse_u64(num, 10, &v) < 0)
		return -EINVAL;
	shift = 10 * (unsigned int)(u - units + 1);
	if (!v)
		return -EINVAL;		/* "0K" is no size */
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}
