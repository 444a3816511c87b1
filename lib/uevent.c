// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events as they happen: the kernel's uevents (the NETLINK_KOBJECT_UEVENT
 * socket, multicast group 1: "ACTION@DEVPATH\0KEY=VALUE\0...") and the
 * event log memhp.ko keeps in /dev/memhp (one line per event:
 * "<ns> <event> <start> <size> <node> <errno>", or "lost N").  The parsers
 * are pure functions; the socket and the device are opened here because
 * the library owns every path.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "private.h"

#define MEMORY_DEVPATH "/devices/system/memory/memory"

/* Copies @len bytes of @src into @dst (size @size); -EOVERFLOW if long. */
static int copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -EOVERFLOW;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* memhp_uevent_parse() into an event the caller has */
static int uevent_parse(const char *msg, size_t len, struct memhp_uevent *ev)
{
	const char *end = msg + len, *p, *at, *nul;
	int ret;

	if (!msg || !ev || !len)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->block = -1;
	/* the header: "ACTION@DEVPATH", terminated by NUL (or the end) */
	nul = memchr(msg, '\0', len);
	if (!nul)
		nul = end;
	at = memchr(msg, '@', (size_t)(nul - msg));
	/* no '@' (udev's "libudev" messages, garbage): not a kernel uevent */
	if (!at || at == msg || at + 1 == nul || at[1] != '/')
		return -EINVAL;
	ret = copy_field(ev->action, sizeof(ev->action), msg,
			 (size_t)(at - msg));
	if (!ret)
		ret = copy_field(ev->devpath, sizeof(ev->devpath), at + 1,
				 (size_t)(nul - at - 1));
	if (ret)
		return ret;
	/* then KEY=VALUE strings; the keys, where present, have the say */
	for (p = nul + 1; p < end; p = nul + 1) {
		const char *eq;
		size_t n;

		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			nul = end;
		n = (size_t)(nul - p);
		eq = memchr(p, '=', n);
		if (!eq)
			continue;
		if (eq - p == 6 && !memcmp(p, "ACTION", 6))
			ret = copy_field(ev->action, sizeof(ev->action), eq + 1,
					 (size_t)(nul - eq - 1));
		else if (eq - p == 7 && !memcmp(p, "DEVPATH", 7))
			ret = copy_field(ev->devpath, sizeof(ev->devpath),
					 eq + 1, (size_t)(nul - eq - 1));
		else if (eq - p == 9 && !memcmp(p, "SUBSYSTEM", 9))
			ret = copy_field(ev->subsystem, sizeof(ev->subsystem),
					 eq + 1, (size_t)(nul - eq - 1));
		else if (eq - p == 6 && !memcmp(p, "SEQNUM", 6)) {
			char num[24];

			ret = copy_field(num, sizeof(num), eq + 1,
					 (size_t)(nul - eq - 1));
			if (!ret)
				ret = memhp_parse_u64(num, 10, &ev->seqnum);
		}
		if (ret)
			return ret;
	}
	if (!ev->action[0] || ev->devpath[0] != '/')
		return -EINVAL;
	/* a memory block: /devices/system/memory/memoryN */
	if (!strncmp(ev->devpath, MEMORY_DEVPATH, strlen(MEMORY_DEVPATH))) {
		uint64_t id;

		if (memhp_parse_indexed_name(ev->devpath +
					     strlen("/devices/system/memory/"),
					     "memory", &id) == 0 &&
		    id <= INT64_MAX)
			ev->block = (int64_t)id;
	}
	return 0;
}

MEMHP_EXPORT int memhp_uevent_parse(const char *msg, size_t len,
				    struct memhp_uevent **out)
{
	struct memhp_uevent *ev = malloc(sizeof(*ev));
	int ret;

	*out = NULL;
	if (!ev)
		return -ENOMEM;
	ret = uevent_parse(msg, len, ev);
	if (ret < 0) {
		free(ev);
		return ret;
	}
	*out = ev;
	return 0;
}

MEMHP_EXPORT void memhp_uevent_free(struct memhp_uevent *ev)
{
	free(ev);
}

MEMHP_EXPORT const char *memhp_uevent_get_action(const struct memhp_uevent *ev)
{
	return ev->action;
}

MEMHP_EXPORT const char *memhp_uevent_get_devpath(
	const struct memhp_uevent *ev)
{
	return ev->devpath;
}

MEMHP_EXPORT const char *memhp_uevent_get_subsystem(
	const struct memhp_uevent *ev)
{
	return ev->subsystem;
}

MEMHP_EXPORT uint64_t memhp_uevent_get_seqnum(const struct memhp_uevent *ev)
{
	return ev->seqnum;
}

MEMHP_EXPORT int64_t memhp_uevent_get_block(const struct memhp_uevent *ev)
{
	return ev->block;
}

MEMHP_EXPORT int memhp_uevent_open(struct memhp_ctx *ctx)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,	/* the kernel's own uevents */
	};
	int rcvbuf = 1024 * 1024;
	int fd, e;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0) {
		e = errno;
		err(ctx, "uevent socket: %s", strerror(e));
		return -e;
	}
	/* a burst (a DIMM of many blocks) must not overflow the queue */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		err(ctx, "uevent socket: bind: %s", strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

MEMHP_EXPORT int memhp_uevent_receive(struct memhp_ctx *ctx, int fd,
				      struct memhp_uevent **ev)
{
	char buf[8192];
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;
	int ret;

	*ev = NULL;
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0) {
		int e = errno;

		if (e == ENOBUFS)
			info(ctx, "uevent socket: events were lost");
		return -e;
	}
	/* only the kernel speaks from port 0 */
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0 ||
	    (msg.msg_flags & MSG_TRUNC))
		return -ENOMSG;
	ret = memhp_uevent_parse(buf, (size_t)n, ev);
	return ret == -ENOMEM ? ret : ret < 0 ? -ENOMSG : 0;
}

static int module_event_parse(const char *line, struct memhp_module_event *ev)
{
	char name[sizeof(ev->event)], tail;
	unsigned long long ns, start, size, lost;
	int node, e;

	if (!line || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	if (sscanf(line, "lost %llu %c", &lost, &tail) == 1) {
		strcpy(ev->event, "lost");
		ev->lost = lost;
		ev->node = -1;
		return 0;
	}
	/* "%15s": the event name's field is 16 bytes */
	if (sscanf(line, "%llu %15s %llx %llx %d %d %c", &ns, name, &start,
		   &size, &node, &e, &tail) != 6)
		return -EINVAL;
	/* the module writes errno positive and the node as -1 or more;
	 * scanf would take a sign anywhere */
	if (!isdigit((unsigned char)line[0]) || e < 0 || node < -1)
		return -EINVAL;
	ev->ns = ns;
	strcpy(ev->event, name);
	ev->start = start;
	ev->size = size;
	ev->node = node;
	ev->err = e;
	return 0;
}

MEMHP_EXPORT int memhp_module_event_parse(const char *line,
					  struct memhp_module_event **out)
{
	struct memhp_module_event *ev = malloc(sizeof(*ev));
	int ret;

	*out = NULL;
	if (!ev)
		return -ENOMEM;
	ret = module_event_parse(line, ev);
	if (ret < 0) {
		free(ev);
		return ret;
	}
	*out = ev;
	return 0;
}

MEMHP_EXPORT void memhp_module_event_free(struct memhp_module_event *ev)
{
	free(ev);
}

MEMHP_EXPORT uint64_t memhp_module_event_get_ns(
	const struct memhp_module_event *ev)
{
	return ev->ns;
}

MEMHP_EXPORT const char *memhp_module_event_get_event(
	const struct memhp_module_event *ev)
{
	return ev->event;
}

MEMHP_EXPORT uint64_t memhp_module_event_get_start(
	const struct memhp_module_event *ev)
{
	return ev->start;
}

MEMHP_EXPORT uint64_t memhp_module_event_get_size(
	const struct memhp_module_event *ev)
{
	return ev->size;
}

MEMHP_EXPORT int memhp_module_event_get_node(
	const struct memhp_module_event *ev)
{
	return ev->node;
}

MEMHP_EXPORT int memhp_module_event_get_errno(
	const struct memhp_module_event *ev)
{
	return ev->err;
}

MEMHP_EXPORT uint64_t memhp_module_event_get_lost(
	const struct memhp_module_event *ev)
{
	return ev->lost;
}

MEMHP_EXPORT int memhp_module_events_open(struct memhp_ctx *ctx)
{
	int fd = memhp_area_open(ctx, AREA_DEV, "memhp",
				 O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		dbg(ctx, "%s/%s/memhp: %s", ctx->root,
		    memhp_area_path(AREA_DEV), strerror(-fd));
	return fd;
}
