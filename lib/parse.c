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

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
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
	/* the kernel names them with %u: memory07 is no block, and must not
	 * become a second block 7 */
	if (name[plen] == '0' && name[plen + 1])
		return -EINVAL;
	for (p = name + plen; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return memhp_parse_u64(name + plen, 10, out);
}

int memhp_parse_hex(const char *text, uint64_t *out)
{
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	/* "0x" at most once (strtoull would take "0x0x1" as 1) */
	if (strpbrk(text, "xX"))
		return -EINVAL;
	return memhp_parse_u64(text, 16, out);
}

bool memhp_range_valid(uint64_t start, uint64_t size)
{
	return size && start + (size - 1) >= start;
}

void memhp_range_blocks(uint64_t start, uint64_t size, uint64_t block_size,
			uint64_t *first, uint64_t *last)
{
	*first = start / block_size;
	*last = (start + (size - 1)) / block_size;
}

int memhp_parse_block_size(const char *text, uint64_t *out)
{
	uint64_t v;

	/* the kernel prints it as %lx, without 0x */
	if (memhp_parse_u64(text, 16, &v) < 0 ||
	    v < MEMHP_MIN_BLOCK_SIZE || v > MEMHP_MAX_BLOCK_SIZE ||
	    (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

bool memhp_block_id_fits(uint64_t id, uint64_t block_size)
{
	/* the block's last byte, id * size + size - 1, must not wrap */
	return block_size && id <= UINT64_MAX / block_size - 1 +
	       (UINT64_MAX % block_size == block_size - 1);
}

const char *memhp_escape(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *in && o + 5 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c == 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (*in && size >= 4) {		/* cut short: say so */
		o = o < size - 4 ? o : size - 4;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (size)
		out[o < size ? o : size - 1] = '\0';
	return out;
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
