// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every command that changes memory does around a library
 * transaction (lib/README.md): SIGINT, SIGTERM and SIGHUP cancel it
 * cleanly instead of killing memhp mid-way, a progress line on a terminal,
 * and one line in the system log for what was changed.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "change.h"

static struct memhp_ctx *volatile trapped_ctx;
static volatile sig_atomic_t trapped_sig;

static void on_signal(int sig)
{
	struct memhp_ctx *ctx = trapped_ctx;

	/* the first signal cancels; the library ignores the rest while it
	 * rolls back, so that memory is never left half-changed */
	if (!trapped_sig)
		trapped_sig = sig;
	if (ctx)
		memhp_cancel(ctx);
}

int memhp_cli_signal(void)
{
	return trapped_sig;
}

const char *memhp_cli_signal_name(void)
{
	switch (trapped_sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return NULL;
	}
}

struct progress_line {
	const char *name;
	bool shown;
};

static struct progress_line progress;

static void show_progress(void *data, const struct memhp_progress *p)
{
	struct progress_line *pl = data;
	uint64_t block = memhp_progress_get_block(p);
	unsigned int attempts = memhp_progress_get_attempts(p);
	char done[32], total[32];

	memhp_format_size(done, sizeof(done), memhp_progress_get_bytes_done(p),
			  false);
	memhp_format_size(total, sizeof(total),
			  memhp_progress_get_bytes_total(p), false);
	fprintf(stderr, "\r\033[Kmemhp: %s%s: %zu/%zu blocks (%s of %s)",
		pl->name,
		memhp_progress_is_rolling_back(p) ? ", rolling back" : "",
		memhp_progress_get_done(p), memhp_progress_get_total(p), done,
		total);
	if (attempts > 1)
		fprintf(stderr, ", block %" PRIu64 ": attempt %u, %.1f s",
			block, attempts,
			(double)memhp_progress_get_waited_ms(p) / 1000);
	else if (block)
		fprintf(stderr, ", block %" PRIu64, block);
	fflush(stderr);
	pl->shown = true;
}

void memhp_cli_start_transaction(struct memhp_cli *cli, const char *name)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct memhp_ctx *ctx = memhp_cli_ctx(cli);

	if (!ctx)
		return;
	/* no SA_RESTART: a wait in progress returns to look at the flag */
	sigemptyset(&sa.sa_mask);
	trapped_ctx = ctx;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (trapped_sig)
		memhp_cancel(ctx);
	/* a person watching: a terminal, not --json or --quiet */
	if (!cli->json && cli->verbosity >= 0 && isatty(STDOUT_FILENO) &&
	    isatty(STDERR_FILENO)) {
		progress = (struct progress_line){ .name = name };
		memhp_set_progress_fn(ctx, show_progress, &progress);
	}
}

void memhp_cli_end_transaction(struct memhp_cli *cli)
{
	if (cli->ctx)
		memhp_set_progress_fn(cli->ctx, NULL, NULL);
	if (progress.shown)
		fputs("\r\033[K", stderr);
	progress.shown = false;
}

void memhp_audit(struct memhp_cli *cli, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	openlog("memhp", LOG_PID, LOG_DAEMON);
	syslog(LOG_NOTICE, "%s (uid %u%s%s)", msg, (unsigned int)getuid(),
	       strcmp(memhp_get_sysfs_root(cli->ctx), "/") ? ", sysfs root " :
	       "", strcmp(memhp_get_sysfs_root(cli->ctx), "/") ?
	       memhp_get_sysfs_root(cli->ctx) : "");
	closelog();
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* "32-35,37" of the blocks with @result, at most @size bytes. */
static void block_list(const struct memhp_plan *plan, enum memhp_result result,
		       char *buf, size_t size)
{
	size_t off = 0, n = memhp_plan_get_count(plan);
	uint64_t *ids = calloc(n ? n : 1, sizeof(*ids));
	size_t k = 0;

	buf[0] = '\0';
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		if (memhp_change_get_result(memhp_plan_get(plan, i)) == result)
			ids[k++] = memhp_change_get_block(memhp_plan_get(plan, i));
	qsort(ids, k, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < k && off + 24 < size;) {
		size_t j = i;

		while (j + 1 < k && ids[j + 1] == ids[j] + 1)
			j++;
		off += (size_t)snprintf(buf + off, size - off, "%s%" PRIu64,
					off ? "," : "", ids[i]);
		if (j > i)
			off += (size_t)snprintf(buf + off, size - off, "-%" PRIu64,
						ids[j]);
		i = j + 1;
		if (i < k && off + 24 >= size)
			snprintf(buf + off, size - off, ",...");
	}
	free(ids);
}

void memhp_audit_plan(struct memhp_cli *cli, const char *name,
		      const struct memhp_plan *plan, int status)
{
	static const enum memhp_result shown[] = {
		MEMHP_RESULT_OK, MEMHP_RESULT_FAILED, MEMHP_RESULT_ROLLED_BACK,
	};
	char part[3][300];
	bool any = false;

	for (size_t i = 0; i < 3; i++) {
		block_list(plan, shown[i], part[i], sizeof(part[i]));
		any |= part[i][0] != '\0';
	}
	if (!any)
		return;		/* nothing was written */
	memhp_audit(cli, "%s: blocks changed: %s; failed: %s; rolled back: %s; "
		    "exit %d%s%s", name, part[0][0] ? part[0] : "none",
		    part[1][0] ? part[1] : "none", part[2][0] ? part[2] : "none",
		    status, memhp_plan_was_cancelled(plan) ? ", interrupted by " :
		    "", memhp_plan_was_cancelled(plan) ?
		    (memhp_cli_signal_name() ? memhp_cli_signal_name() :
		     "a signal") : "");
}
