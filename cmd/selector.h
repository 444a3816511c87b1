/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Selectors: how an administrator names memory on the command line.  The
 * CLI parses them once, here, and hands the library typed requests.
 *   32  memory32  32-39  32-39,41      block ids and lists
 *   0x100000000-0x13fffffff            a physical range, end inclusive
 *   1G  512M  2048K  1T                a size (a unit is required)
 */
#ifndef MEMHP_SELECTOR_H
#define MEMHP_SELECTOR_H

#include <stddef.h>
#include <stdint.h>

enum memhp_select_type {
	MEMHP_SELECT_BLOCKS,
	MEMHP_SELECT_RANGE,
	MEMHP_SELECT_SIZE,
};

struct memhp_span {
	uint64_t first, last;	/* block ids, inclusive */
};

struct memhp_selector {
	enum memhp_select_type type;
	uint64_t start, end;	/* RANGE: the addresses given */
	uint64_t size;		/* SIZE: bytes */
	size_t nr_spans;	/* as many as the text has */
	struct memhp_span *spans;
};

/* 0; -EINVAL bad syntax; -EDOM not aligned to @block_size; -ERANGE a
 * number too large; -ENOMEM.  Free with memhp_selector_free() either way. */
int memhp_selector_parse(const char *text, uint64_t block_size,
			 struct memhp_selector *sel);
void memhp_selector_free(struct memhp_selector *sel);

#endif
