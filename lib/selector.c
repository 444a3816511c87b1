// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Selectors: how an administrator names memory on the command line.
 *   32  memory32  32-39  32-39,41      block ids and lists
 *   0x100000000-0x13fffffff            a physical range, end inclusive
 *   1G  512M  2048K  1T                a size (a unit is required)
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static int add_span(struct memhp_selector *sel, uint64_t first, uint64_t last)
{
	struct memhp_span *s;

	if (sel->nr_spans == MEMHP_MAX_SPANS)
		return -E2BIG;
	s = &sel->spans[sel->nr_spans++];
	s->first = first;
	s->last = last;
	return 0;
}

/* "N" or "memoryN" */
static int parse_block_id(const char *s, size_t len, uint64_t *id)
{
	char buf[32];

	if (len > 6 && strncmp(s, "memory", 6) == 0) {
		s += 6;
		len -= 6;
	}
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return memhp_parse_u64(buf, 10, id);
}

static int parse_blocks(const char *text, struct memhp_selector *sel)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		uint64_t first, last;
		int ret;

		if (!len)
			return -EINVAL;
		if (dash) {
			ret = parse_block_id(p, (size_t)(dash - p), &first);
			if (!ret)
				ret = parse_block_id(dash + 1,
						     len - (size_t)(dash - p) - 1,
						     &last);
			if (ret)
				return ret;
			if (first > last)
				return -EINVAL;
		} else {
			ret = parse_block_id(p, len, &first);
			if (ret)
				return ret;
			last = first;
		}
		ret = add_span(sel, first, last);
		if (ret)
			return ret;
		p += len;
		if (*p == ',' && !*++p)
			return -EINVAL;
	}
	return 0;
}

static int parse_hex_address(const char *s, size_t len, uint64_t *v)
{
	char buf[24];

	if (len < 3 || len >= sizeof(buf) || s[0] != '0' ||
	    (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	for (size_t i = 2; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
	memcpy(buf, s + 2, len - 2);
	buf[len - 2] = '\0';
	return memhp_parse_u64(buf, 16, v);
}

static int parse_range(const char *text, uint64_t bs,
		       struct memhp_selector *sel)
{
	const char *dash = strchr(text, '-');
	uint64_t start, end;
	int ret;

	if (!dash)
		return -EINVAL;
	ret = parse_hex_address(text, (size_t)(dash - text), &start);
	if (!ret)
		ret = parse_hex_address(dash + 1, strlen(dash + 1), &end);
	if (ret)
		return ret;
	if (start > end || end == UINT64_MAX)
		return -EINVAL;
	if (start % bs || (end + 1) % bs)
		return -EDOM;	/* not aligned to the block size */
	sel->start = start;
	sel->end = end;
	return add_span(sel, start / bs, (end + 1) / bs - 1);
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

int memhp_selector_parse(const char *text, uint64_t bs,
			 struct memhp_selector *sel)
{
	size_t len = strlen(text);

	memset(sel, 0, sizeof(*sel));
	if (!len || !bs)
		return -EINVAL;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		sel->type = MEMHP_SELECT_RANGE;
		return parse_range(text, bs, sel);
	}
	if (isalpha((unsigned char)text[len - 1]) &&
	    strncmp(text, "memory", 6) != 0) {
		int ret;

		sel->type = MEMHP_SELECT_SIZE;
		ret = memhp_parse_size(text, &sel->size);
		if (ret)
			return ret;
		if (!sel->size)
			return -EINVAL;
		return sel->size % bs ? -EDOM : 0;
	}
	sel->type = MEMHP_SELECT_BLOCKS;
	return parse_blocks(text, sel);
}
