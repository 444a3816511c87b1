/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build small sysfs trees in a temporary directory for the unit tests. */
#ifndef MEMHP_TEST_TREE_H
#define MEMHP_TEST_TREE_H

#include <stdint.h>

/* a fresh empty root; removed when the test process exits */
const char *tree_new(void);
void tree_put(const char *root, const char *path, const char *content);
void tree_link(const char *root, const char *path, const char *target);
/* memoryN with state, removable, valid_zones (NULL: none), node link
 * (node < 0: none) and the node directory's back link */
void tree_block(const char *root, uint64_t id, const char *state,
		const char *zones, int node);

#endif
