// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: sysfs root, logging, reference count. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "private.h"

static void log_nowhere(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
	/* The library never prints: without a log function, messages go
	 * nowhere.  Callers install one with memhp_set_log_fn(). */
}

void memhp_log(const struct memhp_ctx *ctx, int priority, const char *file,
	       int line, const char *fn, const char *format, ...)
{
	/* one message at a time: the block scan and the census read on
	 * several threads, and a log function need not be thread-safe */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list args;

	va_start(args, format);
	pthread_mutex_lock(&lock);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	pthread_mutex_unlock(&lock);
	va_end(args);
}

static int log_priority_from_string(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} names[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	uint64_t n;

	if (memhp_parse_u64(s, 10, &n) == 0 && n <= LOG_DEBUG)
		return (int)n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].prio;
	return LOG_ERR;
}

MEMHP_EXPORT int memhp_new(const char *sysfs_root, struct memhp_ctx **out)
{
	struct memhp_ctx *ctx;
	const char *env;
	int err;

	if (!out)
		return -EINVAL;
	if (!sysfs_root || !*sysfs_root)
		sysfs_root = secure_getenv("MEMHP_SYSFS_ROOT");
	if (!sysfs_root || !*sysfs_root)
		sysfs_root = "/";

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_nowhere;
	ctx->log_priority = LOG_ERR;
	env = secure_getenv("MEMHP_LOG");
	if (env && *env)
		ctx->log_priority = log_priority_from_string(env);
	for (int i = 0; i < NR_AREAS; i++)
		ctx->area_fd[i] = -1;
	ctx->lock_fd = -1;

	ctx->root = strdup(sysfs_root);
	if (!ctx->root) {
		err = -ENOMEM;
		goto err_free;
	}
	ctx->root_fd = open(sysfs_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->root_fd < 0) {
		err = -errno;
		goto err_free;
	}
	*out = ctx;
	return 0;

err_free:
	free(ctx->root);
	free(ctx);
	return err;
}

MEMHP_EXPORT struct memhp_ctx *memhp_ref(struct memhp_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

MEMHP_EXPORT struct memhp_ctx *memhp_unref(struct memhp_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return ctx;
	memhp_close_areas(ctx);
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	close(ctx->root_fd);
	memhp_free_owners(ctx);
	memhp_overlaps_forget(ctx);
	free(ctx->blocks);
	free(ctx->root);
	free(ctx);
	return NULL;
}

MEMHP_EXPORT const char *memhp_get_sysfs_root(const struct memhp_ctx *ctx)
{
	return ctx->root;
}

MEMHP_EXPORT void memhp_set_log_fn(struct memhp_ctx *ctx, memhp_log_fn fn,
				   void *data)
{
	ctx->log_fn = fn ? fn : log_nowhere;
	ctx->log_data = data;
}

MEMHP_EXPORT int memhp_get_log_priority(const struct memhp_ctx *ctx)
{
	return ctx->log_priority;
}

MEMHP_EXPORT void memhp_set_log_priority(struct memhp_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

void memhp_set_clock(struct memhp_ctx *ctx, const struct memhp_clock *clock)
{
	ctx->clock = clock;
}

MEMHP_EXPORT void memhp_set_progress_fn(struct memhp_ctx *ctx,
					memhp_progress_fn fn, void *data)
{
	ctx->progress_fn = fn;
	ctx->progress_data = data;
}

void memhp_overlaps_forget(struct memhp_ctx *ctx)
{
	memhp_ram_cache_free(ctx->ram);
	memhp_cma_cache_free(ctx->cma);
	ctx->ram = NULL;
	ctx->cma = NULL;
}

MEMHP_EXPORT int memhp_refresh(struct memhp_ctx *ctx)
{
	unsigned int attrs = ctx->attrs_read;

	if (!ctx->listed)
		return 0;
	memhp_free_owners(ctx);
	free(ctx->blocks);
	ctx->blocks = NULL;
	ctx->nr_blocks = 0;
	ctx->listed = false;
	ctx->attrs_read = 0;
	ctx->have_nodes = false;
	ctx->have_zones = false;
	return memhp_blocks_scan(ctx, attrs);
}
