// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The running kernel's build configuration: /proc/config.gz (with
 * CONFIG_IKCONFIG_PROC) or /boot/config-<release>, as Debian ships it, both
 * below the sysfs root.  Lines are "CONFIG_X=VALUE" or
 * "# CONFIG_X is not set"; everything else is a comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "private.h"

#define KCONFIG_MAX_BYTES (8u << 20)

struct kconfig_entry {
	char *name;
	char *value;
};

struct memhp_kconfig {
	char source[128];
	size_t nr, alloc;
	struct kconfig_entry *entries;
};

static int add_entry(struct memhp_kconfig *kc, const char *name, size_t nlen,
		     const char *value, size_t vlen)
{
	struct kconfig_entry *e;

	if (kc->nr == kc->alloc) {
		size_t n = kc->alloc ? kc->alloc * 2 : 256;

		e = realloc(kc->entries, n * sizeof(*e));
		if (!e)
			return -ENOMEM;
		kc->entries = e;
		kc->alloc = n;
	}
	e = &kc->entries[kc->nr];
	e->name = strndup(name, nlen);
	e->value = strndup(value, vlen);
	if (!e->name || !e->value) {
		free(e->name);
		free(e->value);
		return -ENOMEM;
	}
	kc->nr++;
	return 0;
}

static bool is_symbol_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* One line (no newline): an entry, nothing (a comment), or -EINVAL. */
static int parse_line(struct memhp_kconfig *kc, const char *l, size_t n)
{
	static const char not_set[] = " is not set";
	size_t i = 0, name_len;

	/* the line is not NUL-terminated: compare within its @n bytes */
	if (n >= 9 && !memcmp(l, "# CONFIG_", 9)) {
		/* "# CONFIG_X is not set" */
		const char *name = l + 2;

		while (name + i < l + n && is_symbol_char(name[i]))
			i++;
		if (i > 7 && /* a name after CONFIG_ */
		    (size_t)(l + n - (name + i)) == sizeof(not_set) - 1 &&
		    !memcmp(name + i, not_set, sizeof(not_set) - 1))
			return add_entry(kc, name, i, "n", 1);
		return 0;
	}
	if (n == 0 || l[0] == '#')
		return 0;
	if (n < 8 || memcmp(l, "CONFIG_", 7))
		return -EINVAL;
	while (i < n && is_symbol_char(l[i]))
		i++;
	name_len = i;
	if (i == 7 || i >= n || l[i] != '=')
		return -EINVAL;
	i++;
	/* a string value: its quotes go, as the kernel's Kconfig reads it */
	if (n - i >= 2 && l[i] == '"' && l[n - 1] == '"')
		return add_entry(kc, l, name_len, l + i + 1, n - i - 2);
	return add_entry(kc, l, name_len, l + i, n - i);
}

MEMHP_EXPORT int memhp_kconfig_parse(const char *text, size_t len,
				     const char *source,
				     struct memhp_kconfig **out)
{
	struct memhp_kconfig *kc = calloc(1, sizeof(*kc));
	int err = 0;

	*out = NULL;
	if (!kc)
		return -ENOMEM;
	snprintf(kc->source, sizeof(kc->source), "%s", source ? source : "");
	while (len && !err) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;

		if (memchr(text, '\0', n))
			err = -EINVAL;
		else
			err = parse_line(kc, text, n);
		text += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	if (!err && kc->nr == 0)
		err = -EINVAL;	/* not a kernel config at all */
	if (err) {
		memhp_kconfig_free(kc);
		return err;
	}
	*out = kc;
	return 0;
}

MEMHP_EXPORT void memhp_kconfig_free(struct memhp_kconfig *kc)
{
	if (!kc)
		return;
	for (size_t i = 0; i < kc->nr; i++) {
		free(kc->entries[i].name);
		free(kc->entries[i].value);
	}
	free(kc->entries);
	free(kc);
}

MEMHP_EXPORT const char *memhp_kconfig_get(const struct memhp_kconfig *kc,
					   const char *name)
{
	const char *value = NULL;

	/* the last assignment wins, as in Kconfig */
	for (size_t i = 0; kc && i < kc->nr; i++)
		if (!strcmp(kc->entries[i].name, name))
			value = kc->entries[i].value;
	return value;
}

MEMHP_EXPORT const char *memhp_kconfig_source(const struct memhp_kconfig *kc)
{
	return kc->source;
}

/* All of @fd (gzip-compressed or not: zlib reads both), at most
 * KCONFIG_MAX_BYTES; @fd is closed. */
static int read_all(int fd, char **text, size_t *len)
{
	gzFile gz = gzdopen(fd, "rb");
	size_t alloc = 1u << 16;
	char *buf = malloc(alloc);
	int n, err = 0;

	*len = 0;
	if (!gz || !buf) {
		if (gz)
			gzclose(gz);
		else
			close(fd);
		free(buf);
		return -ENOMEM;
	}
	while ((n = gzread(gz, buf + *len, (unsigned int)(alloc - *len))) > 0) {
		*len += (size_t)n;
		if (*len == alloc) {
			char *p;

			if (alloc >= KCONFIG_MAX_BYTES) {
				err = -EFBIG;
				break;
			}
			p = realloc(buf, alloc * 2);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
			alloc *= 2;
		}
	}
	if (n < 0)
		err = -EIO;
	gzclose(gz);
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	return 0;
}

static int read_source(struct memhp_ctx *ctx, int fd, const char *source,
		       struct memhp_kconfig **kc)
{
	char *text;
	size_t len;
	int err = read_all(fd, &text, &len);

	if (err)
		return err;
	err = memhp_kconfig_parse(text, len, source, kc);
	free(text);
	if (err)
		err(ctx, "%s: not a kernel configuration\n", source);
	return err;
}

MEMHP_EXPORT int memhp_kconfig_read(struct memhp_ctx *ctx,
				    struct memhp_kconfig **kc)
{
	char release[128], path[192];
	int fd;

	*kc = NULL;
	fd = memhp_open_regular(ctx, AREA_PROC, "config.gz", O_RDONLY);
	if (fd >= 0)
		return read_source(ctx, fd, "/proc/config.gz", kc);
	if (memhp_kernel_release(ctx, release, sizeof(release)) < 0 ||
	    strchr(release, '/'))
		return -ENOENT;
	snprintf(path, sizeof(path), "boot/config-%s", release);
	fd = memhp_open_regular(ctx, NR_AREAS, path, O_RDONLY);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	return read_source(ctx, fd, path, kc);
}

MEMHP_EXPORT int memhp_kernel_release(struct memhp_ctx *ctx, char *buf,
				      size_t size)
{
	int fd = memhp_open_regular(ctx, NR_AREAS, "proc/sys/kernel/osrelease",
				    O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	n = memhp_attr_finish(buf, n, size);
	return n < 0 ? (int)n : n == 0 ? -ENODATA : 0;
}
