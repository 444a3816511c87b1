// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * All file system access of the library: one directory handle per sysfs
 * area, opened below the sysfs root, and attributes read relative to it.
 * Paths are resolved with openat2() so that nothing in a tree (a symlink
 * pointing to "/" or "..") can lead a read or write outside the root; where
 * openat2 is missing, open_walk() applies the same rules by hand.  Only
 * regular files are read or written, opened non-blocking: a FIFO or a
 * device in a hostile tree must not hang memhp.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "private.h"

static const char *const area_paths[NR_AREAS] = {
	[AREA_MEMORY] = "sys/devices/system/memory",
	[AREA_NODE] = "sys/devices/system/node",
	[AREA_MHP_PARAMS] = "sys/module/memory_hotplug/parameters",
	[AREA_MODULE] = "sys/kernel/memhp",
	[AREA_RUN] = "run/memhp",
	[AREA_FIRMWARE_MEMMAP] = "sys/firmware/memmap",
	[AREA_PROC] = "proc",
	[AREA_DEV] = "dev",
	[AREA_ACPI_DEVICES] = "sys/bus/acpi/devices",
	[AREA_ACPI_TABLES] = "sys/firmware/acpi/tables",
	[AREA_ACPI_HOTPLUG] = "sys/firmware/acpi/hotplug",
	[AREA_VIRTIO_DEVICES] = "sys/bus/virtio/devices",
	[AREA_DAX_DEVICES] = "sys/bus/dax/devices",
	[AREA_FIRMWARE_MEMORY] = "sys/firmware/memory",
	[AREA_VIRTIO_DRIVERS] = "sys/bus/virtio/drivers",
	[AREA_DAX_DRIVERS] = "sys/bus/dax/drivers",
	[AREA_DEBUG_CMA] = "sys/kernel/debug/cma",
};

const char *memhp_area_path(enum memhp_area area)
{
	return area_paths[area];
}

static bool have_openat2 = true;

/* symlinks followed in one lookup, as the kernel's MAXSYMLINKS */
#define WALK_MAX_LINKS 40
#define WALK_MAX_DEPTH 128

/*
 * openat2()'s RESOLVE_BENEATH and RESOLVE_IN_ROOT done by hand, for kernels
 * without openat2 (before 5.6) or where seccomp forbids it: one component
 * at a time, each opened O_NOFOLLOW below the directory before it.  A
 * symlink is read and its target spliced into the rest of the path; ".."
 * goes back one directory and never above @dirfd (refused with EXDEV below
 * an area, staying at the root for RESOLVE_IN_ROOT); an absolute target starts
 * again at @dirfd (RESOLVE_IN_ROOT) or is refused with EXDEV
 * (RESOLVE_BENEATH), as openat2 does.  Never an unconfined open.
 */
static int open_walk(int dirfd, const char *path, int flags, mode_t mode,
		     uint64_t resolve)
{
	char rest[PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	int stack[WALK_MAX_DEPTH];
	unsigned int depth = 0, links = 0;
	const char *p = rest;
	int fd = -1, e = 0;

	if (strlen(path) >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(rest, path);
	if (*p == '/' && !(resolve & RESOLVE_IN_ROOT)) {
		errno = EXDEV;
		return -1;
	}
	for (;;) {
		int cur = depth ? stack[depth - 1] : dirfd;
		size_t len;
		bool last;
		struct stat st;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len > NAME_MAX) {
			e = ENAMETOOLONG;
			break;
		}
		if (len == 0) {		/* "" or a trailing slash: this dir */
			strcpy(comp, ".");
		} else {
			memcpy(comp, p, len);
			comp[len] = '\0';
		}
		p += len;
		last = p[strspn(p, "/")] == '\0';
		if (!strcmp(comp, "..")) {
			/* at the top: RESOLVE_IN_ROOT stays there (as ".." in
			 * "/"), RESOLVE_BENEATH refuses */
			if (!depth && !(resolve & RESOLVE_IN_ROOT)) {
				e = EXDEV;
				break;
			}
			if (depth)
				close(stack[--depth]);
			if (!last)
				continue;
			strcpy(comp, ".");
			cur = depth ? stack[depth - 1] : dirfd;
		}
		if (strcmp(comp, ".") != 0 &&
		    fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(cur, comp, target,
					       sizeof(target) - 1);

			if (n <= 0 || ++links > WALK_MAX_LINKS) {
				e = n < 0 ? errno : ELOOP;
				break;
			}
			target[n] = '\0';
			if (target[0] == '/') {
				if (!(resolve & RESOLVE_IN_ROOT)) {
					e = EXDEV;
					break;
				}
				while (depth)
					close(stack[--depth]);
			}
			/* the link's target, then what followed the link */
			if ((size_t)n + 1 + strlen(p) >= sizeof(rest)) {
				e = ENAMETOOLONG;
				break;
			}
			memmove(rest + n + 1, p, strlen(p) + 1);
			memcpy(rest, target, (size_t)n);
			rest[n] = '/';
			p = rest;
			continue;
		}
		if (last) {
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC,
				    mode);
			if (fd < 0)
				e = errno;
			break;
		}
		if (depth == WALK_MAX_DEPTH) {
			e = ENAMETOOLONG;
			break;
		}
		if (!strcmp(comp, "."))
			continue;
		fd = openat(cur, comp,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			e = errno;
			break;
		}
		stack[depth++] = fd;
		fd = -1;
	}
	while (depth)
		close(stack[--depth]);
	if (fd < 0)
		errno = e;
	return fd;
}

static int open_confined_mode(int dirfd, const char *path, int flags,
			      mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (have_openat2) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd;
		/* ENOSYS: no openat2 in this kernel; EPERM: a seccomp filter
		 * that does not know it.  The walk gives the real error. */
		if (errno == ENOSYS)
			have_openat2 = false;
	}
	return open_walk(dirfd, path, flags, mode, resolve);
}

static int open_confined(int dirfd, const char *path, int flags,
			 uint64_t resolve)
{
	return open_confined_mode(dirfd, path, flags, 0, resolve);
}

int memhp_check_regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : -MEMHP_ENOTREG;
}

const char *memhp_strerror(int e)
{
	if (e < 0)
		e = -e;
	if (e == MEMHP_ENOTREG)
		return "not a regular file";
	/* what openat2 and the walk answer a path that leaves the root with */
	if (e == EXDEV)
		return "a link that leads out of the sysfs root";
	return strerror(e);
}

int memhp_open_regular(struct memhp_ctx *ctx, enum memhp_area area,
		       const char *path, int flags)
{
	int fd, ret;

	flags |= O_NONBLOCK | O_NOCTTY;
	fd = area == NR_AREAS ? memhp_root_open(ctx, path, flags)
			      : memhp_area_open(ctx, area, path, flags);
	if (fd < 0)
		return fd;
	ret = memhp_check_regular(fd);
	if (ret < 0) {
		close(fd);
		dbg(ctx, "%s: %s", path, memhp_strerror(ret));
		return ret;
	}
	return fd;
}

int memhp_area_fd(struct memhp_ctx *ctx, enum memhp_area area)
{
	int fd;

	if (ctx->area_fd[area] >= 0)
		return ctx->area_fd[area];
	fd = open_confined(ctx->root_fd, area_paths[area],
			   O_RDONLY | O_DIRECTORY, RESOLVE_IN_ROOT);
	if (fd < 0) {
		int e = errno;

		dbg(ctx, "%s/%s: %s", ctx->root, area_paths[area],
		    strerror(e));
		return -e;
	}
	ctx->area_fd[area] = fd;
	return fd;
}

bool memhp_area_exists(struct memhp_ctx *ctx, enum memhp_area area)
{
	return memhp_area_fd(ctx, area) >= 0;
}

int memhp_area_open(struct memhp_ctx *ctx, enum memhp_area area,
		    const char *name, int flags)
{
	int dirfd = memhp_area_fd(ctx, area);
	int fd;

	if (dirfd < 0)
		return dirfd;
	fd = open_confined(dirfd, name, flags, RESOLVE_BENEATH);
	return fd < 0 ? -errno : fd;
}

void memhp_close_areas(struct memhp_ctx *ctx)
{
	for (int i = 0; i < NR_AREAS; i++) {
		if (ctx->area_fd[i] >= 0)
			close(ctx->area_fd[i]);
		ctx->area_fd[i] = -1;
	}
}

ssize_t memhp_read_at(struct memhp_ctx *ctx, int dirfd, const char *name,
		      char *buf, size_t size)
{
	ssize_t n;
	int fd;

	/* non-blocking, and only a regular file: a FIFO or a device in a
	 * hostile tree must not hang or feed us forever (sysfs attributes
	 * are regular files) */
	fd = open_confined(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY,
			   RESOLVE_BENEATH);
	if (fd < 0)
		return -errno;
	n = memhp_check_regular(fd);
	if (n < 0) {
		close(fd);
		dbg(ctx, "%s: %s", name, memhp_strerror((int)n));
		return n;
	}
	/* sysfs hands out a whole attribute in one read */
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0) {
		dbg(ctx, "%s: %s", name, strerror((int)-n));
		return n;
	}
	return memhp_attr_finish(buf, n, size);
}

ssize_t memhp_read_attr(struct memhp_ctx *ctx, enum memhp_area area,
			const char *name, char *buf, size_t size)
{
	int dirfd = memhp_area_fd(ctx, area);

	if (dirfd < 0)
		return dirfd;
	return memhp_read_at(ctx, dirfd, name, buf, size);
}

ssize_t memhp_attr_finish(char *buf, ssize_t n, size_t size)
{
	if ((size_t)n >= size - 1)
		return -EFBIG;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

int memhp_walk_fd(int fd, memhp_dirent_fn fn, void *data)
{
	/* on the stack: walks nest (a node directory inside the node area) */
	char buf[32 * 1024] __attribute__((aligned(8)));
	int ret = 0;

	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			ret = fn(de->d_name, de->d_type, data);
			if (ret)
				goto out;
		}
	}
out:
	close(fd);
	return ret;
}

int memhp_walk_dir(struct memhp_ctx *ctx, enum memhp_area area,
		   const char *name, memhp_dirent_fn fn, void *data)
{
	int dirfd = memhp_area_fd(ctx, area);
	int fd;

	if (dirfd < 0)
		return dirfd;
	/* a fresh description even for the area: its offset stays put */
	fd = open_confined(dirfd, name ? name : ".", O_RDONLY | O_DIRECTORY,
			   RESOLVE_BENEATH);
	if (fd < 0)
		return -errno;
	return memhp_walk_fd(fd, fn, data);
}

int memhp_root_open(struct memhp_ctx *ctx, const char *path, int flags)
{
	int fd = open_confined(ctx->root_fd, path, flags, RESOLVE_IN_ROOT);

	return fd < 0 ? -errno : fd;
}

int memhp_walk_root_dir(struct memhp_ctx *ctx, const char *path,
			memhp_dirent_fn fn, void *data)
{
	int fd = memhp_root_open(ctx, path, O_RDONLY | O_DIRECTORY);

	return fd < 0 ? fd : memhp_walk_fd(fd, fn, data);
}

int memhp_area_follow(struct memhp_ctx *ctx, enum memhp_area area,
		      const char *name, int flags)
{
	char path[256];

	if (!*name || strchr(name, '/') || !strcmp(name, "..") ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", area_paths[area],
			     name) >= sizeof(path))
		return -EINVAL;
	return memhp_root_open(ctx, path, flags);
}

#ifdef MEMHP_TEST_SEAMS
void memhp_set_openat2(bool use)
{
	have_openat2 = use;
}

/* only in memhp_internal, the unit tests' static copy: the shared library
 * has no way to send its writes anywhere but the file they name */
void memhp_set_write_hook(struct memhp_ctx *ctx, memhp_write_hook hook,
			  void *data)
{
	ctx->write_hook = hook;
	ctx->write_hook_data = data;
}
#endif

/* O_TRUNC as the shell's > does: sysfs ignores it, a copy of the tree
 * ends up holding exactly what was written */
static int write_value(int dirfd, const char *name, const char *value)
{
	size_t len = strlen(value);
	int fd, ret = 0;
	ssize_t n;

	fd = open_confined(dirfd, name, O_WRONLY | O_TRUNC | O_NONBLOCK |
			   O_NOCTTY, RESOLVE_BENEATH);
	if (fd < 0)
		return -errno;
	ret = memhp_check_regular(fd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	/* sysfs takes an attribute in one write; its errno is the answer */
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int memhp_write_at(struct memhp_ctx *ctx, int dirfd, const char *what,
		   const char *name, const char *value)
{
#ifdef MEMHP_TEST_SEAMS
	if (ctx->write_hook) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", what, name);
		return ctx->write_hook(ctx->write_hook_data, path, value);
	}
#else
	(void)ctx;
	(void)what;
#endif
	return write_value(dirfd, name, value);
}

int memhp_write_attr(struct memhp_ctx *ctx, enum memhp_area area,
		     const char *name, const char *value)
{
	int dirfd;

#ifdef MEMHP_TEST_SEAMS
	if (ctx->write_hook)
		return memhp_write_at(ctx, -1, area_paths[area], name, value);
#endif
	dirfd = memhp_area_fd(ctx, area);
	if (dirfd < 0)
		return dirfd;
	return write_value(dirfd, name, value);
}

int memhp_open_lock_file(struct memhp_ctx *ctx)
{
	int run, dir, fd;

	/* run/ and run/memhp/ below the root, then the lock file itself;
	 * each opened O_NOFOLLOW below the one before, so a symlink (run ->
	 * /elsewhere) is refused rather than followed out of the root */
	if (mkdirat(ctx->root_fd, "run", 0755) < 0 && errno != EEXIST)
		return -errno;
	run = openat(ctx->root_fd, "run",
		     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run < 0)
		return errno == ENOTDIR || errno == ELOOP ? -ENOTDIR : -errno;
	if (mkdirat(run, "memhp", 0700) < 0 && errno != EEXIST) {
		int e = errno;

		close(run);
		return -e;
	}
	dir = openat(run, "memhp", O_PATH | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	close(run);
	if (dir < 0)
		return errno == ENOTDIR || errno == ELOOP ? -ENOTDIR : -errno;
	fd = openat(dir, "lock", O_RDWR | O_CREAT | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
	close(dir);
	if (fd < 0)
		return -errno;
	if (memhp_check_regular(fd) < 0) {
		close(fd);
		return -MEMHP_ENOTREG;
	}
	return fd;
}

int memhp_read_fd_all(int fd, size_t max, char **buf, size_t *len)
{
	size_t alloc = 16384;
	char *b = malloc(alloc);
	ssize_t n;

	*len = 0;
	if (!b)
		return -ENOMEM;
	while ((n = read(fd, b + *len, alloc - *len - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return -errno;
		}
		*len += (size_t)n;
		if (*len == alloc - 1) {
			char *p = alloc < max ? realloc(b, alloc * 2) : NULL;

			if (!p) {
				free(b);
				return alloc < max ? -ENOMEM : -EFBIG;
			}
			b = p;
			alloc *= 2;
		}
	}
	b[*len] = '\0';
	*buf = b;
	return 0;
}

int memhp_read_file(struct memhp_ctx *ctx, enum memhp_area area,
		    const char *path, size_t max, char **buf, size_t *len)
{
	int fd = memhp_open_regular(ctx, area, path, O_RDONLY);
	int ret;

	if (fd < 0)
		return fd;
	ret = memhp_read_fd_all(fd, max, buf, len);
	close(fd);
	return ret;
}
