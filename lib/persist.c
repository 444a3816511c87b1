// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The onlining policy from the next boot on: a GRUB drop-in below the root
 * (etc/default/grub.d/memhp.cfg) that adds the kernel's own parameters to
 * GRUB_CMDLINE_LINUX, which Debian's update-grub reads.  The kernel
 * command line is where the kernel documentation sets these knobs for a
 * boot (memhp_default_state=, memory_hotplug.*=), and the only place for
 * memmap_on_memory; it also covers memory the kernel finds before any
 * user space runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define GRUB_DEFAULTS "etc/default/grub"
#define DROPIN_DIR "etc/default/grub.d"
#define DROPIN_NAME "memhp.cfg"
#define CMDLINE_VAR "GRUB_CMDLINE_LINUX"
/* a drop-in is a few lines; anything larger is not memhp's */
#define DROPIN_MAX 4096

/* policy key -> kernel parameter */
static const struct {
	const char *key, *param;
} params[] = {
	{ "auto_online_blocks", "memhp_default_state" },
	{ "online_policy", "memory_hotplug.online_policy" },
	{ "auto_movable_ratio", "memory_hotplug.auto_movable_ratio" },
	{ "auto_movable_numa_aware", "memory_hotplug.auto_movable_numa_aware" },
	{ "memmap_on_memory", "memory_hotplug.memmap_on_memory" },
};
#define NR_PARAMS (sizeof(params) / sizeof(params[0]))

struct memhp_policy_persist {
	struct memhp_ctx *ctx;
	char *value[NR_PARAMS];	/* NULL: not persisted */
	char *cmdline;		/* memhp_policy_persist_get_cmdline() */
};

static int param_index(const char *key)
{
	for (size_t i = 0; i < NR_PARAMS; i++)
		if (!strcmp(params[i].key, key))
			return (int)i;
	return -1;
}

/*
 * Reads the drop-in memhp wrote: its GRUB_CMDLINE_LINUX line, parameter
 * by parameter.  Parameters that are not memhp's are left out (logged).
 */
static int parse_dropin(struct memhp_policy_persist *p, char *text)
{
	static const char prefix[] = CMDLINE_VAR "=\"$" CMDLINE_VAR;

	for (char *line = strtok(text, "\n"); line;
	     line = strtok(NULL, "\n")) {
		char *end, *tok, *save = NULL;

		if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
			continue;
		line += sizeof(prefix) - 1;
		end = strchr(line, '"');
		if (!end)
			return -EINVAL;
		*end = '\0';
		for (tok = strtok_r(line, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');
			size_t i;

			for (i = 0; eq && i < NR_PARAMS; i++)
				if (strlen(params[i].param) == (size_t)(eq - tok) &&
				    !strncmp(tok, params[i].param,
					     (size_t)(eq - tok)))
					break;
			if (!eq || i == NR_PARAMS) {
				dbg(p->ctx, "%s/%s: '%s' is not memhp's; left out",
				    DROPIN_DIR, DROPIN_NAME, tok);
				continue;
			}
			free(p->value[i]);
			p->value[i] = strdup(eq + 1);
			if (!p->value[i])
				return -ENOMEM;
		}
		return 0;
	}
	return 0;
}

MEMHP_EXPORT int memhp_policy_persist_new(struct memhp_ctx *ctx,
					  struct memhp_policy_persist **out)
{
	struct memhp_policy_persist *p = calloc(1, sizeof(*p));
	char *text = NULL;
	size_t len;
	int fd, ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	fd = memhp_root_open(ctx, DROPIN_DIR "/" DROPIN_NAME,
			     O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		ret = memhp_check_regular(fd);
		if (ret == 0)
			ret = memhp_read_fd_all(fd, DROPIN_MAX, &text, &len);
		close(fd);
		if (ret == 0)
			ret = parse_dropin(p, text);
		free(text);
		if (ret < 0) {
			err(ctx, "%s/%s: cannot read it: %s", DROPIN_DIR,
			    DROPIN_NAME, memhp_strerror(-ret));
			memhp_policy_persist_free(p);
			return ret;
		}
	} else if (fd != -ENOENT) {
		err(ctx, "%s/%s: %s", DROPIN_DIR, DROPIN_NAME,
		    memhp_strerror(-fd));
		memhp_policy_persist_free(p);
		return fd;
	}
	*out = p;
	return 0;
}

MEMHP_EXPORT void memhp_policy_persist_free(struct memhp_policy_persist *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < NR_PARAMS; i++)
		free(p->value[i]);
	free(p->cmdline);
	free(p);
}

MEMHP_EXPORT const char *memhp_policy_persist_get(
	const struct memhp_policy_persist *p, const char *key)
{
	int i = param_index(key);

	return i < 0 ? NULL : p->value[i];
}

MEMHP_EXPORT int memhp_policy_persist_set(struct memhp_policy_persist *p,
					  const char *key, const char *value)
{
	char buf[32], *v;
	int i = param_index(key), ret;

	if (i < 0) {
		err(p->ctx, "unknown policy key '%s'", key);
		return -EINVAL;
	}
	ret = memhp_policy_normalize(p->ctx, key, value, true, buf,
				     sizeof(buf));
	if (ret < 0)
		return ret;
	v = strdup(buf);
	if (!v)
		return -ENOMEM;
	free(p->value[i]);
	p->value[i] = v;
	return 0;
}

MEMHP_EXPORT const char *memhp_policy_persist_get_cmdline(
	struct memhp_policy_persist *p)
{
	size_t len = 1, off = 0;

	for (size_t i = 0; i < NR_PARAMS; i++)
		if (p->value[i])
			len += strlen(params[i].param) + strlen(p->value[i]) + 2;
	free(p->cmdline);
	p->cmdline = malloc(len);
	if (!p->cmdline)
		return NULL;
	p->cmdline[0] = '\0';
	for (size_t i = 0; i < NR_PARAMS; i++)
		if (p->value[i])
			off += (size_t)snprintf(p->cmdline + off, len - off,
						"%s%s=%s", off ? " " : "",
						params[i].param, p->value[i]);
	return p->cmdline;
}

/* etc/default/grub.d below the root, created when GRUB's defaults are there */
static int dropin_dir(struct memhp_ctx *ctx)
{
	int fd, dflt;

	fd = memhp_root_open(ctx, GRUB_DEFAULTS, O_RDONLY | O_NONBLOCK |
			     O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err(ctx, "no %s below the root: GRUB is not the boot loader "
		    "here; add the parameters to the kernel command line by "
		    "hand", GRUB_DEFAULTS);
		return fd;
	}
	close(fd);
	dflt = memhp_root_open(ctx, "etc/default", O_PATH | O_DIRECTORY |
			       O_CLOEXEC);
	if (dflt < 0)
		return dflt;
	if (mkdirat(dflt, "grub.d", 0755) < 0 && errno != EEXIST) {
		int e = -errno;

		close(dflt);
		return e;
	}
	close(dflt);
	return memhp_root_open(ctx, DROPIN_DIR, O_PATH | O_DIRECTORY |
			       O_CLOEXEC);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

MEMHP_EXPORT int memhp_policy_persist_write(struct memhp_policy_persist *p)
{
	static const char tmp[] = "." DROPIN_NAME ".new";
	const char *cmdline = memhp_policy_persist_get_cmdline(p);
	char *text = NULL;
	int dir, fd, ret, len;

	if (!cmdline)
		return -ENOMEM;
	if (!*cmdline)
		return memhp_policy_persist_reset(p->ctx);
	len = asprintf(&text, "# Written by memhp policy --persist: the memory "
		       "onlining policy from the next\n# boot on.  It takes "
		       "effect once update-grub has run; memhp policy "
		       "--persist\n# --reset removes it.\n%s=\"$%s %s\"\n",
		       CMDLINE_VAR, CMDLINE_VAR, cmdline);
	if (len < 0)
		return -ENOMEM;
	dir = dropin_dir(p->ctx);
	if (dir < 0) {
		free(text);
		return dir;
	}
	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
	} else {
		/* a config file GRUB's tooling reads, whatever the umask */
		ret = fchmod(fd, 0644) < 0 ? -errno : 0;
		if (!ret)
			ret = write_all(fd, text, (size_t)len);
		if (!ret && fsync(fd) < 0)
			ret = -errno;
		if (close(fd) < 0 && !ret)
			ret = -errno;
		if (!ret && renameat(dir, tmp, dir, DROPIN_NAME) < 0)
			ret = -errno;
		if (ret < 0)
			unlinkat(dir, tmp, 0);
	}
	if (ret < 0)
		err(p->ctx, "%s/%s: cannot write it: %s", DROPIN_DIR,
		    DROPIN_NAME, memhp_strerror(-ret));
	free(text);
	close(dir);
	return ret;
}

MEMHP_EXPORT int memhp_policy_persist_reset(struct memhp_ctx *ctx)
{
	int dir = memhp_root_open(ctx, DROPIN_DIR, O_PATH | O_DIRECTORY |
				  O_CLOEXEC);
	int ret = 0;

	if (dir == -ENOENT)
		return 0;
	if (dir < 0)
		return dir;
	if (unlinkat(dir, DROPIN_NAME, 0) < 0 && errno != ENOENT)
		ret = -errno;
	close(dir);
	return ret;
}

MEMHP_EXPORT const char *memhp_policy_persist_file(void)
{
	return DROPIN_DIR "/" DROPIN_NAME;
}
