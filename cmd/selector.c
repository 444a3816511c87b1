// SPDX-License-Identifier: GPL-2.0-or-later
/* Selectors (selector.h): parsed once, into typed spans and sizes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmemhp.h>

#include "selector.h"

static int parse_u64(const char *s, int base, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int add_span(struct memhp_selector *sel, uint64_t first, uint64_t last)
{
	struct memhp_span *s;

	/* the spans grow by doubling: any number of them */
	if (!(sel->nr_spans & (sel->nr_spans - 1)) || !sel->nr_spans) {
		size_t n = sel->nr_spans ? sel->nr_spans * 2 : 4;

		s = realloc(sel->spans, n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		sel->spans = s;
	}
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
	return parse_u64(buf, 10, id);
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
	return parse_u64(buf, 16, v);
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

void memhp_selector_free(struct memhp_selector *sel)
{
	free(sel->spans);
	sel->spans = NULL;
	sel->nr_spans = 0;
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
