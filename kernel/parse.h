/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input of probe and remove: "START SIZE [NODE]", numbers in decimal
 * or 0x-hex, separated by blanks.  A decimal number has no leading zero:
 * kstrtou64() would read 01000000000 as octal, an address 8^10 apart from
 * what its writer most likely meant, so such a number is refused.  In a header of its own that uses only
 * string helpers (include it after <linux/kernel.h> and <linux/string.h>),
 * so the fuzz tier compiles this very code in user space (tests/fuzz).
 */
#ifndef MEMHP_PARSE_H
#define MEMHP_PARSE_H

#define MEMHP_MAX_INPUT_LEN 128

/* "0" followed by a digit (after an optional '+'): octal to kstrtou64() */
static inline bool memhp_leading_zero(const char *tok)
{
	if (*tok == '+')
		tok++;
	return tok[0] == '0' && tok[1] >= '0' && tok[1] <= '9';
}

/* Up to @max numbers from the @count bytes at @buf: the count, or -EINVAL */
static inline int memhp_parse_numbers(const char *buf, size_t count, u64 *v,
				      int max)
{
	char tmp[MEMHP_MAX_INPUT_LEN], *p, *tok;
	int n = 0;

	if (count >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, count);
	tmp[count] = '\0';
	p = strim(tmp);
	while ((tok = strsep(&p, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (n == max || memhp_leading_zero(tok) ||
		    kstrtou64(tok, 0, &v[n]))
			return -EINVAL;
		n++;
	}
	return n;
}

#endif
