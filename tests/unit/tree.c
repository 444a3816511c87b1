// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "tree.h"

static char tree_root[PATH_MAX];

static void tree_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (!tree_root[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree_root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tree_root);
}

const char *tree_new(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tree_root, sizeof(tree_root), "%s/memhp-unit-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(tree_root) != NULL);
	atexit(tree_cleanup);
	return tree_root;
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
}

void tree_put(const char *root, const char *path, const char *content)
{
	char full[PATH_MAX];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	mkdirs(full);
	f = fopen(full, "w");
	CHECK(f != NULL);
	fputs(content, f);
	CHECK(fclose(f) == 0);
}

void tree_link(const char *root, const char *path, const char *target)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	mkdirs(full);
	CHECK(symlink(target, full) == 0);
}

void tree_block(const char *root, uint64_t id, const char *state,
		const char *zones, int node)
{
	char path[256], buf[128];
	unsigned long long n = (unsigned long long)id;

	snprintf(path, sizeof(path), "sys/devices/system/memory/memory%llu/state", n);
	snprintf(buf, sizeof(buf), "%s\n", state);
	tree_put(root, path, buf);
	snprintf(path, sizeof(path),
		 "sys/devices/system/memory/memory%llu/removable", n);
	tree_put(root, path, "1\n");
	if (zones) {
		snprintf(path, sizeof(path),
			 "sys/devices/system/memory/memory%llu/valid_zones", n);
		snprintf(buf, sizeof(buf), "%s\n", zones);
		tree_put(root, path, buf);
	}
	if (node >= 0) {
		char target[64];

		snprintf(path, sizeof(path),
			 "sys/devices/system/memory/memory%llu/node%d", n, node);
		snprintf(target, sizeof(target), "../../node/node%d", node);
		tree_link(root, path, target);
		snprintf(path, sizeof(path),
			 "sys/devices/system/node/node%d/memory%llu", node, n);
		snprintf(target, sizeof(target), "../../memory/memory%llu", n);
		tree_link(root, path, target);
	}
}
