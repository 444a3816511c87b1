// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's own words on a failed offline: what it logs while it tries
 * (mm/memory_hotplug.c, mm/page_isolation.c) - "migrating pfn N failed",
 * "failed to isolate pfn N", the page dump of an unmovable page ("page:...
 * pfn:0xN" and its "flags:", "raw:", "page dumped because:" lines) and,
 * with dynamic debug, "memory offlining [mem A-B] failed due to ...".
 *
 * dev/kmsg below the root is opened at its end before an attempt, and the
 * records that arrived since are read after it: those that name a page of
 * the block, with the dump lines that follow them, are the block's.  On
 * the live system dev/kmsg is the kernel's character device (one record a
 * read); in a fixture tree a regular file of the same records.  A record
 * is "PRIO,SEQ,USEC,FLAGS;TEXT"; lines starting with a space carry its
 * dictionary and are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "private.h"

/* what one attempt may have logged: enough for a few page dumps */
#define KMSG_MAX_READ (256u << 10)

int memhp_kmsg_open(struct memhp_ctx *ctx)
{
	int fd = memhp_area_open(ctx, AREA_DEV, "kmsg",
				 O_RDONLY | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return fd;
	/* the kernel's log device (char 1:11), or a file in a fixture */
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) &&
	      major(st.st_rdev) == 1 && minor(st.st_rdev) == 11))) {
		close(fd);
		return -MEMHP_ENOTREG;
	}
	if (lseek(fd, 0, SEEK_END) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* The first "pfn" number of @text ("pfn 1a2b", "pfn:0x1a2b"); false when
 * it names none. */
static bool find_pfn(const char *text, uint64_t *pfn)
{
	for (const char *p = text; (p = strstr(p, "pfn")); p += 3) {
		const char *q = p + 3;
		char *end;

		if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
			continue;
		if (*q != ' ' && *q != ':' && *q != '=')
			continue;
		q++;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			q += 2;
		*pfn = strtoull(q, &end, 16);
		if (end != q)
			return true;
	}
	return false;
}

/* "[mem 0xA-0xB]": does it overlap [@start, @end]? */
static bool mem_overlaps(const char *text, uint64_t start, uint64_t end)
{
	const char *p = strstr(text, "[mem ");
	unsigned long long a, b;

	return p && sscanf(p, "[mem %llx-%llx]", &a, &b) == 2 &&
	       a <= end && b >= start;
}

/* the lines dump_page() prints after "page:... pfn:..." */
static bool dump_line(const char *text)
{
	static const char *const starts[] = {
		"flags:", "raw:", "page dumped because", "page_type:",
		"memcg:", "head:", "anon ", "aops:", "file ", "ksm ",
		"page_owner", "page last", "order:", "pgmap:",
	};

	while (*text == ' ')
		text++;
	for (size_t i = 0; i < sizeof(starts) / sizeof(*starts); i++)
		if (!strncmp(text, starts[i], strlen(starts[i])))
			return true;
	return false;
}

size_t memhp_kmsg_filter(const char *buf, uint64_t first_pfn,
			 uint64_t nr_pages, uint64_t page_size,
			 char (*lines)[MEMHP_KMSG_LINE], size_t nr,
			 size_t max)
{
	uint64_t start = first_pfn * page_size;
	uint64_t end = start + nr_pages * page_size - 1;
	bool in_dump = false;

	for (const char *line = buf; line && *line && nr < max;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char rec[512];
		const char *text;
		uint64_t pfn;
		bool keep = false;

		snprintf(rec, sizeof(rec), "%.*s", (int)len, line);
		line = nl ? nl + 1 : NULL;
		if (rec[0] == ' ' || !rec[0])
			continue;	/* a record's dictionary */
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		if (find_pfn(text, &pfn)) {
			in_dump = pfn >= first_pfn && pfn - first_pfn < nr_pages;
			keep = in_dump;
		} else if (mem_overlaps(text, start, end)) {
			keep = true;
			in_dump = false;
		} else if (in_dump && dump_line(text)) {
			keep = true;
		} else {
			in_dump = false;
		}
		if (keep) {
			/* cut to a line's room; a retry's repeat is kept
			 * once */
			size_t n = strnlen(text, MEMHP_KMSG_LINE - 1);
			bool seen = false;

			memcpy(lines[nr], text, n);
			lines[nr][n] = '\0';
			for (size_t i = 0; i < nr && !seen; i++)
				seen = !strcmp(lines[i], lines[nr]);
			nr += !seen;
		}
	}
	return nr;
}

size_t memhp_kmsg_collect(int fd, uint64_t first_pfn, uint64_t nr_pages,
			  uint64_t page_size, char (*lines)[MEMHP_KMSG_LINE],
			  size_t nr, size_t max)
{
	size_t size = KMSG_MAX_READ, len = 0;
	char *buf = malloc(size + 1);

	if (!buf)
		return nr;
	/* the device hands out one record a read (EPIPE: some were
	 * overwritten, read on); a file, what was appended */
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	nr = memhp_kmsg_filter(buf, first_pfn, nr_pages, page_size, lines,
			       nr, max);
	free(buf);
	return nr;
}
