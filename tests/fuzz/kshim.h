/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's string helpers, with the kernel's semantics,
 * to compile kernel/parse.h in user space: strim() and kstrtou64() as in
 * lib/string_helpers.c and lib/kstrtox.c (optional '+', base 0 picks 0x
 * hex, 0 octal or decimal, one trailing newline allowed, -ERANGE on
 * overflow, -EINVAL on anything else).
 */
#ifndef MEMHP_KSHIM_H
#define MEMHP_KSHIM_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t u64;

static inline char *strim(char *s)
{
	size_t size = strlen(s);
	char *end;

	if (!size)
		return s;
	end = s + size - 1;
	while (end >= s && isspace((unsigned char)*end))
		end--;
	*(end + 1) = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static inline int kstrtou64(const char *s, unsigned int base, u64 *res)
{
	u64 acc = 0;
	size_t digits = 0;

	if (*s == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		    isxdigit((unsigned char)s[2])) {
			base = 16;
			s += 2;
		} else {
			base = s[0] == '0' ? 8 : 10;
		}
	}
	for (;; s++, digits++) {
		unsigned int d;
		int c = tolower((unsigned char)*s);

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (acc > (UINT64_MAX - d) / base)
			return -ERANGE;
		acc = acc * base + d;
	}
	if (!digits)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = acc;
	return 0;
}

#endif
