// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp watch: memory uevents (add, online, offline, remove) as the kernel
 * sends them, and memhp.ko's event log when the module is loaded, one JSON
 * object a line, each naming who added the memory (the owner, as memhp list
 * shows it).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memhp.h"

enum { OPT_COUNT = 'n', OPT_TIMEOUT = 't' };

struct watch_opts {
	unsigned long long count;	/* 0: no limit */
	unsigned long long timeout_s;	/* 0: no limit */
};

static const struct argp_option options[] = {
	{ "count", OPT_COUNT, "N", 0, "Stop after N events", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Stop after SECONDS (exit 0 all the same)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct watch_opts *o = state->input;
	unsigned long long n;
	char *end;

	switch (key) {
	case OPT_COUNT:
	case OPT_TIMEOUT:
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || n == 0 ||
		    (key == OPT_TIMEOUT && n > 86400 * 365))
			argp_error(state, "invalid --%s '%s' (a whole number "
				   "above 0)", key == OPT_COUNT ? "count" :
				   "timeout", arg);
		if (key == OPT_COUNT)
			o->count = n;
		else
			o->timeout_s = n;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp watch_argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Print memory events as they happen, one JSON object a line: "
	       "the kernel's uevents for memory blocks (add, online, offline, "
	       "remove) and, when memhp.ko is loaded, its event log "
	       "(/dev/memhp: adds, removes and every onlining step).  Runs "
	       "until interrupted, --count events or --timeout.\v"
	       "Examples:\n"
	       "  memhp watch\n"
	       "  memhp watch --count 8 --timeout 60 > events &  "
	       "# then plug a DIMM\n"
	       "  memhp watch | jq -r 'select(.action == \"online\") | "
	       ".block'\n"
	       "Each line is {\"source\":\"uevent\",\"action\":...,\"block\":N,"
	       "\"devpath\":...,\"seqnum\":N,\"owner\":...,"
	       "\"owner_device\":...,\"time\":NS} or "
	       "{\"source\":\"memhp.ko\",\"event\":...,\"start\":...,"
	       "\"size\":...,\"node\":N,\"errno\":N,\"owner\":\"memhp\","
	       "\"owner_device\":...,\"time\":NS}; times are "
	       "nanoseconds since the epoch (memhp-json(7)).  The owner is who "
	       "added the block (boot, acpi-dimm, virtio-mem, dax-kmem, memhp, "
	       "unknown; memhp list -o +OWNER), read when the event arrives; "
	       "a removed block keeps the owner it had.  No root needed "
	       "for uevents (but /proc/iomem shows its addresses only to root, "
	       "so most owners are unknown without it); /dev/memhp is root's.",
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Prints one object as a line; false when stdout is gone. */
static bool emit(struct json_object *o)
{
	bool ok;

	ok = puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE)) >= 0 &&
	     fflush(stdout) == 0;
	json_object_put(o);
	return ok;
}

/* The blocks as memhp last read them, with their owners: read again when
 * an event names a block not among them, or one whose owner is not known
 * for sure, or after a block went away (its id may come back with another
 * owner).  A removed block is reported with the owner it had. */
struct owners {
	struct memhp_ctx *ctx;
	bool stale;
};

static const struct memhp_block *event_block(struct owners *w, int64_t id,
					     const char *action)
{
	const struct memhp_block *b = memhp_block_get_by_id(w->ctx,
							    (uint64_t)id);

	/* plain System RAM (boot) may be an ACPI DIMM's not bound to its
	 * device yet: the kernel binds the blocks just after it announced
	 * them, so such a block is asked again at its next event */
	if (b && strcmp(action, "remove") != 0 &&
	    (memhp_block_get_owner(b) == MEMHP_OWNER_BOOT ||
	     memhp_block_get_owner(b) == MEMHP_OWNER_UNKNOWN))
		w->stale = true;
	if (!b || (w->stale && strcmp(action, "remove") != 0)) {
		if (memhp_refresh(w->ctx) < 0 ||
		    memhp_blocks_scan(w->ctx, MEMHP_ATTR_OWNER) < 0)
			return NULL;
		w->stale = false;
		b = memhp_block_get_by_id(w->ctx, (uint64_t)id);
	}
	if (!strcmp(action, "remove"))
		w->stale = true;
	return b;
}

static void add_owner(struct json_object *o, const char *kind,
		      const char *device)
{
	json_object_object_add(o, "owner", memhp_json_str(kind));
	json_object_object_add(o, "owner_device", memhp_json_str(device));
}

static struct json_object *uevent_json(struct owners *w,
				       const struct memhp_uevent *ev)
{
	struct json_object *o = json_object_new_object();
	int64_t block = memhp_uevent_get_block(ev);
	const struct memhp_block *b = block < 0 ? NULL :
		event_block(w, block, memhp_uevent_get_action(ev));
	uint64_t seqnum = memhp_uevent_get_seqnum(ev);

	json_object_object_add(o, "source", memhp_json_str("uevent"));
	json_object_object_add(o, "action", memhp_json_str(
				       memhp_uevent_get_action(ev)));
	json_object_object_add(o, "block", block >= 0 ?
			       json_object_new_int64(block) : NULL);
	json_object_object_add(o, "devpath", memhp_json_str(
				       memhp_uevent_get_devpath(ev)));
	if (seqnum)
		json_object_object_add(o, "seqnum", memhp_json_u64(seqnum));
	if (block >= 0)
		add_owner(o, b ? memhp_owner_name(memhp_block_get_owner(b)) :
			  NULL, b ? memhp_block_get_owner_device(b) : NULL);
	json_object_object_add(o, "time",
			       memhp_json_u64(clock_ns(CLOCK_REALTIME)));
	return o;
}

static struct json_object *module_json(const struct memhp_module_event *ev)
{
	struct json_object *o = json_object_new_object();
	/* the log's clock is CLOCK_BOOTTIME: shift it to the epoch */
	uint64_t boot = clock_ns(CLOCK_BOOTTIME);
	uint64_t now = clock_ns(CLOCK_REALTIME);
	const char *event = memhp_module_event_get_event(ev);
	char start[24];

	json_object_object_add(o, "source", memhp_json_str("memhp.ko"));
	json_object_object_add(o, "event", memhp_json_str(event));
	if (!strcmp(event, "lost")) {
		json_object_object_add(o, "lost", memhp_json_u64(
					       memhp_module_event_get_lost(ev)));
		json_object_object_add(o, "time", memhp_json_u64(now));
		return o;
	}
	json_object_object_add(o, "start", memhp_json_u64(
				       memhp_module_event_get_start(ev)));
	json_object_object_add(o, "size", memhp_json_u64(
				       memhp_module_event_get_size(ev)));
	json_object_object_add(o, "node", json_object_new_int(
				       memhp_module_event_get_node(ev)));
	json_object_object_add(o, "errno", json_object_new_int(
				       memhp_module_event_get_errno(ev)));
	/* memhp.ko's ranges are its own, named by their start as memhp list
	 * names them */
	snprintf(start, sizeof(start), "0x%" PRIx64,
		 memhp_module_event_get_start(ev));
	add_owner(o, memhp_owner_name(MEMHP_OWNER_MEMHP), start);
	json_object_object_add(o, "time", memhp_json_u64(
		now - (boot - memhp_module_event_get_ns(ev))));
	return o;
}

struct module_log {
	int fd;
	char buf[4096];
	size_t len;
	uint64_t since;		/* CLOCK_BOOTTIME when the watch began */
};

/* Reads what the log has; prints each event line. Returns the number of
 * events printed, or -1 when stdout is gone. */
static int read_module_log(struct memhp_cli *cli, struct module_log *m,
			   unsigned long long room)
{
	int printed = 0;
	ssize_t n;
	char *nl;

	n = read(m->fd, m->buf + m->len, sizeof(m->buf) - 1 - m->len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			memhp_cli_error(cli, errno, "/dev/memhp");
			close(m->fd);
			m->fd = -1;
		}
		return 0;
	}
	if (n == 0) {
		close(m->fd);
		m->fd = -1;
		return 0;
	}
	m->len += (size_t)n;
	m->buf[m->len] = '\0';
	while ((nl = strchr(m->buf, '\n'))) {
		struct memhp_module_event *ev = NULL;
		uint64_t ns;

		*nl = '\0';
		/* the log starts at the oldest record it keeps: only news */
		if (room && memhp_module_event_parse(m->buf, &ev) == 0 &&
		    (!(ns = memhp_module_event_get_ns(ev)) || ns >= m->since)) {
			bool ok = emit(module_json(ev));

			memhp_module_event_free(ev);
			if (!ok)
				return -1;
			printed++;
			room--;
		} else {
			memhp_module_event_free(ev);
		}
		m->len -= (size_t)(nl + 1 - m->buf);
		memmove(m->buf, nl + 1, m->len + 1);
	}
	/* the device hands out whole lines and wants room for one (128
	 * bytes); a partial line this long is no record: drop it */
	if (sizeof(m->buf) - 1 - m->len < 128)
		m->len = 0;
	return printed;
}

int cmd_watch(int argc, char **argv, struct memhp_cli *cli)
{
	struct watch_opts o = { 0 };
	struct module_log mlog = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long seen = 0;
	struct memhp_ctx *ctx;
	struct owners owners;
	uint64_t deadline = 0;
	int ufd, ret = EXIT_OK;

	if (memhp_parse(&watch_argp, argc, argv, cli, &o) < 0)
		return EXIT_USAGE;
	ctx = memhp_cli_ctx(cli);
	if (!ctx)
		return EXIT_FAILED;
	/* the owners as they are now; a tree without memory blocks is no
	 * reason not to watch */
	owners = (struct owners){ .ctx = ctx };
	(void)memhp_blocks_scan(ctx, MEMHP_ATTR_OWNER);
	ufd = memhp_uevent_open(ctx);
	if (ufd < 0) {
		memhp_cli_error(cli, ufd, "cannot listen to uevents");
		return EXIT_FAILED;
	}
	mlog.since = clock_ns(CLOCK_BOOTTIME);
	if (memhp_module_loaded(ctx)) {
		mlog.fd = memhp_module_events_open(ctx);
		if (mlog.fd < 0 && cli->verbosity >= 0)
			fprintf(stderr, "memhp: memhp.ko is loaded but "
				"/dev/memhp cannot be read (%s); uevents "
				"only\n", strerror(-mlog.fd));
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o.timeout_s)
		deadline = clock_ns(CLOCK_MONOTONIC) + o.timeout_s * 1000000000ULL;

	while (!stop && (!o.count || seen < o.count)) {
		struct pollfd pfd[2] = {
			{ .fd = ufd, .events = POLLIN },
			{ .fd = mlog.fd, .events = POLLIN },
		};
		int wait_ms = -1, r;

		if (deadline) {
			uint64_t now = clock_ns(CLOCK_MONOTONIC);

			if (now >= deadline)
				break;
			wait_ms = (int)((deadline - now + 999999) / 1000000);
		}
		r = poll(pfd, mlog.fd >= 0 ? 2 : 1, wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			memhp_cli_error(cli, errno, "poll");
			ret = EXIT_FAILED;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			/* drain the socket: a DIMM sends a burst */
			while (!o.count || seen < o.count) {
				struct memhp_uevent *ev;
				bool memory, ok;

				r = memhp_uevent_receive(ctx, ufd, &ev);
				if (r == -EAGAIN || r == -EINTR)
					break;
				if (r == -ENOBUFS) {
					if (cli->verbosity >= 0)
						fputs("memhp: uevents were "
						      "lost (receive queue "
						      "full)\n", stderr);
					continue;
				}
				if (r < 0)
					continue;
				memory = !strcmp(memhp_uevent_get_subsystem(ev),
						 "memory");
				ok = !memory || emit(uevent_json(&owners, ev));
				memhp_uevent_free(ev);
				if (!ok)
					goto out;
				seen += memory;
			}
		}
		if (mlog.fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = read_module_log(cli, &mlog,
					    o.count ? o.count - seen : ~0ULL);
			if (r < 0)
				break;
			seen += (unsigned long long)r;
		}
	}
out:
	close(ufd);
	if (mlog.fd >= 0)
		close(mlog.fd);
	return ret;
}
