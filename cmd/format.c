// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * For people at a terminal: sizes in the form lsmem prints them, colour
 * (--color, NO_COLOR) and words wrapped to the terminal's width.
 */
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "memhp.h"

void memhp_format_size(char *buf, size_t size, uint64_t bytes, bool raw)
{
	static const char units[] = "BKMGTPE";
	unsigned int shift = 0;
	uint64_t whole, rest, tenths;
	const struct lconv *lc;
	const char *dp;

	if (raw) {
		snprintf(buf, size, "%" PRIu64, bytes);
		return;
	}
	while (shift < 60 && bytes >= (UINT64_C(1) << (shift + 10)))
		shift += 10;
	whole = bytes >> shift;
	rest = shift ? bytes & ((UINT64_C(1) << shift) - 1) : 0;
	/* thousandths of the unit, rounded to tenths, half up */
	tenths = (uint64_t)(((unsigned __int128)rest * 1000 >> shift) + 50) / 100;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (!tenths) {
		snprintf(buf, size, "%" PRIu64 "%c", whole, units[shift / 10]);
		return;
	}
	lc = localeconv();
	dp = lc && lc->decimal_point && *lc->decimal_point ?
		lc->decimal_point : ".";
	snprintf(buf, size, "%" PRIu64 "%s%" PRIu64 "%c", whole, dp, tenths,
		 units[shift / 10]);
}

bool memhp_cli_color(const struct memhp_cli *cli)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (cli->color)
		return cli->color > 0;
	return isatty(STDOUT_FILENO) && !(no && *no) &&
	       !(term && !strcmp(term, "dumb"));
}

size_t memhp_term_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (cols && strtoul(cols, NULL, 10) > 0)
		return strtoul(cols, NULL, 10);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 80;
}

char *memhp_word_wrap(const char *text, size_t width, size_t indent)
{
	size_t len = strlen(text), col = 0, o = 0;
	/* at worst every space becomes a newline and an indent */
	char *out = malloc(len * (indent + 2) + 1);
	const char *p = text;

	if (!out)
		return NULL;
	while (*p) {
		size_t spaces = strspn(p, " "), word;

		p += spaces;
		word = strcspn(p, " ");
		if (!word)
			break;
		if (col && width && col + 1 + word > width) {
			out[o++] = '\n';
			memset(out + o, ' ', indent);
			o += indent;
			col = indent;
		} else if (col || spaces) {
			/* the text's own leading indent is kept */
			size_t n = col ? 1 : spaces;

			memset(out + o, ' ', n);
			o += n;
			col += n;
		}
		memcpy(out + o, p, word);
		o += word;
		col += word;
		p += word;
	}
	out[o] = '\0';
	return out;
}
