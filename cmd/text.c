// SPDX-License-Identifier: GPL-2.0-or-later
/* Output encoding (text.h): one place that decides what leaves memhp. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* The length of the valid UTF-8 sequence at @s (1-4), or 0 when the byte
 * at @s does not start one.  Overlong forms, surrogates and code points
 * above U+10FFFF are invalid, as RFC 3629 says. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the terminating NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Worst case: every byte becomes 4 (\xNN) or 3 (U+FFFD) or 2 (\n). */
static char *alloc_for(const char *s)
{
	return malloc(strlen(s) * 4 + 1);
}

static char *clean(const char *s, bool prom)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = alloc_for(s), *o = out;
	uint32_t cp;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = utf8_len(p, &cp);

		if (!n) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			p++;
			continue;
		}
		if (prom && (*p == '\\' || *p == '"')) {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (prom && *p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

char *memhp_utf8_clean(const char *s)
{
	return clean(s ? s : "", false);
}

char *memhp_prom_label(const char *s)
{
	return clean(s ? s : "", true);
}

struct json_object *memhp_json_str(const char *s)
{
	struct json_object *o;
	char *c;

	if (!s)
		return NULL;
	c = memhp_utf8_clean(s);
	if (!c)
		return NULL;
	o = json_object_new_string(c);
	free(c);
	return o;
}

const char *memhp_tty(const char *s)
{
	static char *ring[8];
	static unsigned int next;
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	uint32_t cp;

	if (!s)
		return NULL;
	out = alloc_for(s);
	if (!out)
		return "?";
	o = out;
	while (*p) {
		size_t n = utf8_len(p, &cp);

		/* C0 controls, DEL and C1 controls (U+0080-U+009F, which
		 * some terminals obey) are shown, never sent */
		if (!n || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f)) {
			if (!n)
				n = 1;
			for (size_t i = 0; i < n; i++)
				o += sprintf(o, "\\x%02x", p[i]);
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	free(ring[next]);
	ring[next] = out;
	next = (next + 1) % 8;
	return out;
}
