// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the cli tests: a write(2) to a memoryN/state file,
 * to memhp.ko's probe or remove, to an ACPI memory device's eject, or to
 * drop_caches, compact_memory or a node's compact,
 * below MEMHP_FAKE_ROOT goes to the fake
 * kernel instead of the file.  Any
 * other write, and every write when MEMHP_FAKE_ROOT is unset or "/", goes
 * through untouched: the shim can never act on the real /sys.
 * With MEMHP_FAKE_SYSLOG set, syslog(3) messages go to that file (below);
 * with MEMHP_FAKE_NO_OPENAT2 set, openat2() fails with ENOSYS; with
 * MEMHP_FAKE_UEVENTS set, the kernel's uevent socket hands out the
 * messages of that file (below).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakekernel.h"

typedef ssize_t (*write_fn)(int, const void *, size_t);

ssize_t write(int fd, const void *buf, size_t count)
{
	static write_fn real_write;
	const char *root = getenv("MEMHP_FAKE_ROOT");
	char link[64], path[PATH_MAX], value[64];
	ssize_t n;
	int ret;

	if (!real_write)
		real_write = (write_fn)dlsym(RTLD_NEXT, "write");
	if (!root || !*root || !strcmp(root, "/") || count >= sizeof(value))
		return real_write(fd, buf, count);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return real_write(fd, buf, count);
	path[n] = '\0';
	if (strncmp(path, root, strlen(root)) != 0 ||
	    strncmp(path, "/sys/", 5) == 0 ||
	    (!fake_kernel_is_state(path) && !fake_module_is_attr(path) &&
	     !fake_acpi_is_eject(path) && !fake_reclaim_is_attr(path)))
		return real_write(fd, buf, count);
	memcpy(value, buf, count);
	value[count] = '\0';
	if (fake_acpi_is_eject(path))
		ret = fake_acpi_write(root, path, value);
	else if (fake_reclaim_is_attr(path))
		ret = fake_reclaim_write(root, path, value);
	else if (fake_kernel_is_state(path))
		ret = fake_kernel_state_write(path, value);
	else
		ret = fake_module_write(path, value);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return (ssize_t)count;
}

typedef long (*syscall_fn)(long, ...);

/*
 * libmemhp opens attributes for writing with O_TRUNC, like the shell's >
 * (sysfs ignores it).  A file the fake kernel answers for must keep its
 * content until the fake kernel has looked at it, so O_TRUNC is dropped
 * from openat2() on state, probe and remove while MEMHP_FAKE_ROOT is set.
 */
long syscall(long nr, ...)
{
	static syscall_fn real_syscall;
	const char *root = getenv("MEMHP_FAKE_ROOT");
	long a[6];
	va_list ap;

	if (!real_syscall)
		real_syscall = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* MEMHP_FAKE_NO_OPENAT2=1: a kernel without openat2 (before 5.6),
	 * so the cli tests reach libmemhp's confined walk (lib/path.c) */
	if (nr == SYS_openat2) {
		const char *no = getenv("MEMHP_FAKE_NO_OPENAT2");

		if (no && *no && strcmp(no, "0") != 0) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (nr == SYS_openat2 && root && *root && strcmp(root, "/") != 0) {
		const char *path = (const char *)a[1];
		const char *base = strrchr(path, '/');
		struct open_how how = *(const struct open_how *)a[2];

		base = base ? base + 1 : path;
		if ((how.flags & O_TRUNC) && (!strcmp(base, "state") ||
					     !strcmp(base, "probe") ||
					     !strcmp(base, "remove"))) {
			how.flags &= ~(unsigned long long)O_TRUNC;
			return real_syscall(nr, a[0], a[1], (long)&how, a[3]);
		}
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/*
 * syslog: with MEMHP_FAKE_SYSLOG set, every message is appended to that
 * file instead, one line each: "FACILITY.LEVEL IDENT[PID]: MESSAGE"
 * (daemon.info memhp[42]: ...), so the cli tests can read what memhp
 * online --udev logs.  Unset, the calls go to the C library.
 */
static const char *fake_ident = "";
static int fake_option, fake_facility = LOG_USER;

typedef void (*openlog_fn)(const char *, int, int);
typedef void (*vsyslog_fn)(int, const char *, va_list);
typedef void (*closelog_fn)(void);

void openlog(const char *ident, int option, int facility)
{
	static openlog_fn real_openlog;

	fake_ident = ident ? ident : "";
	fake_option = option;
	fake_facility = facility;
	if (getenv("MEMHP_FAKE_SYSLOG"))
		return;
	if (!real_openlog)
		real_openlog = (openlog_fn)dlsym(RTLD_NEXT, "openlog");
	real_openlog(ident, option, facility);
}

void closelog(void)
{
	static closelog_fn real_closelog;

	if (getenv("MEMHP_FAKE_SYSLOG"))
		return;
	if (!real_closelog)
		real_closelog = (closelog_fn)dlsym(RTLD_NEXT, "closelog");
	real_closelog();
}

static const char *level_name(int level)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
		"warning", "notice", "info", "debug" };

	return names[level & LOG_PRIMASK];
}

void vsyslog(int priority, const char *format, va_list ap)
{
	static vsyslog_fn real_vsyslog;
	const char *file = getenv("MEMHP_FAKE_SYSLOG");
	int facility = priority & LOG_FACMASK ? priority & LOG_FACMASK :
						fake_facility;
	FILE *f;

	if (!file) {
		if (!real_vsyslog)
			real_vsyslog = (vsyslog_fn)dlsym(RTLD_NEXT, "vsyslog");
		real_vsyslog(priority, format, ap);
		return;
	}
	f = fopen(file, "a");
	if (!f)
		return;
	fprintf(f, "%s.%s %s", facility == LOG_DAEMON ? "daemon" :
		facility == LOG_USER ? "user" : "other",
		level_name(priority), fake_ident);
	if (fake_option & LOG_PID)
		fprintf(f, "[%d]", (int)getpid());
	fputs(": ", f);
	vfprintf(f, format, ap);
	fputc('\n', f);
	fclose(f);
}

void syslog(int priority, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}

/* what _FORTIFY_SOURCE turns syslog() into */
void __syslog_chk(int priority, int flag, const char *format, ...);
void __syslog_chk(int priority, int flag, const char *format, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}

/*
 * Uevents: with MEMHP_FAKE_UEVENTS=FILE, a NETLINK_KOBJECT_UEVENT socket
 * is a datagram socket pair already holding one message for each line of
 * FILE, its spaces turned into the NULs between the message's strings
 * ("add@/devices/system/memory/memory42 ACTION=add SUBSYSTEM=memory"), and
 * each message seems to come from the kernel (netlink port 0).  The other
 * end stays open: once they are read, the socket has nothing waiting, as
 * a quiet kernel's.  Unset, socket(), bind() and recvmsg() are the C
 * library's.
 */
static int fake_uevent_fd = -1;

typedef int (*socket_fn)(int, int, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);

static int fake_uevent_socket(const char *file, int type)
{
	static socket_fn real_socket;
	char line[4096];
	int sv[2];
	FILE *f;

	if (!real_socket)
		real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	f = fopen(file, "r");
	if (!f)
		return -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM |
		       (type & (SOCK_CLOEXEC | SOCK_NONBLOCK)), 0, sv) < 0) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		for (size_t i = 0; i < n; i++)
			if (line[i] == ' ')
				line[i] = '\0';
		if (n && send(sv[1], line, n, 0) < 0)
			break;
	}
	fclose(f);
	fake_uevent_fd = sv[0];
	return sv[0];
}

int socket(int domain, int type, int protocol)
{
	static socket_fn real_socket;
	const char *file = getenv("MEMHP_FAKE_UEVENTS");

	if (!real_socket)
		real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	if (file && *file && domain == AF_NETLINK &&
	    protocol == NETLINK_KOBJECT_UEVENT)
		return fake_uevent_socket(file, type);
	return real_socket(domain, type, protocol);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	static bind_fn real_bind;

	if (!real_bind)
		real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
	if (fd >= 0 && fd == fake_uevent_fd)
		return 0;
	return real_bind(fd, addr, len);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static recvmsg_fn real_recvmsg;
	socklen_t room = msg->msg_namelen;
	ssize_t n;

	if (!real_recvmsg)
		real_recvmsg = (recvmsg_fn)dlsym(RTLD_NEXT, "recvmsg");
	n = real_recvmsg(fd, msg, flags);
	if (n >= 0 && fd >= 0 && fd == fake_uevent_fd && msg->msg_name &&
	    room >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		memcpy(msg->msg_name, &kernel, sizeof(kernel));
		msg->msg_namelen = sizeof(kernel);
	}
	return n;
}
