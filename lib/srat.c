// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ACPI System Resource Affinity Table (SRAT) the firmware hands the
 * kernel, as sysfs exposes it (sys/firmware/acpi/tables/SRAT, root only).
 * Its memory affinity structures (type 1) name physical ranges, their
 * proximity domain and whether memory may be hot-plugged there: QEMU
 * describes the whole window -m ...,maxmem= leaves for DIMMs with one.
 *
 * Layout (ACPI 6.5, 5.2.16): a 36-byte table header ("SRAT", u32 length,
 * ...), 12 reserved bytes, then structures of { u8 type, u8 length, ... }.
 * Memory affinity, 40 bytes: u32 proximity domain at 2, u64 base at 8
 * (two u32 halves), u64 length at 16, u32 flags at 28 (bit 0 enabled,
 * bit 1 hot-pluggable, bit 2 non-volatile).  All little-endian.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define SRAT_HEADER 48
#define SRAT_MEMORY_AFFINITY 1
#define SRAT_MEMORY_AFFINITY_LEN 40
#define SRAT_MAX_BYTES (1u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

MEMHP_EXPORT int memhp_srat_parse(const void *table, size_t len,
				  struct memhp_srat **out)
{
	const uint8_t *t = table;
	struct memhp_srat_memory *mem = NULL;
	size_t n = 0, off, total;

	*out = NULL;
	if (len < SRAT_HEADER || memcmp(t, "SRAT", 4))
		return -EINVAL;
	/* the table's own length: never past what was read */
	total = le32(t + 4);
	if (total < SRAT_HEADER || total > len)
		return -EINVAL;
	for (off = SRAT_HEADER; off < total;) {
		uint8_t type, slen;

		if (total - off < 2)
			goto invalid;
		type = t[off];
		slen = t[off + 1];
		if (slen < 2 || slen > total - off)
			goto invalid;
		if (type == SRAT_MEMORY_AFFINITY) {
			const uint8_t *s = t + off;
			struct memhp_srat_memory *m;
			uint32_t flags;

			if (slen < SRAT_MEMORY_AFFINITY_LEN)
				goto invalid;
			m = realloc(mem, (n + 1) * sizeof(*mem));
			if (!m) {
				free(mem);
				return -ENOMEM;
			}
			mem = m;
			flags = le32(s + 28);
			mem[n] = (struct memhp_srat_memory){
				.start = le64(s + 8),
				.size = le64(s + 16),
				.proximity_domain = le32(s + 2),
				.enabled = flags & 1,
				.hotpluggable = flags & 2,
				.nonvolatile = flags & 4,
			};
			/* a range that wraps is not one */
			if (mem[n].size && mem[n].start + mem[n].size - 1 < mem[n].start)
				goto invalid;
			n++;
		}
		off += slen;
	}
	*out = malloc(sizeof(**out));
	if (!*out) {
		free(mem);
		return -ENOMEM;
	}
	(*out)->list = mem;
	(*out)->nr = n;
	return 0;
invalid:
	free(mem);
	return -EINVAL;
}

MEMHP_EXPORT int memhp_srat_read(struct memhp_ctx *ctx,
				 struct memhp_srat **srat)
{
	char *buf;
	size_t len;
	int err;

	*srat = NULL;
	err = memhp_read_file(ctx, AREA_ACPI_TABLES, "SRAT", SRAT_MAX_BYTES,
			      &buf, &len);
	if (err)
		return err;
	err = memhp_srat_parse(buf, len, srat);
	free(buf);
	if (err == -EINVAL)
		err(ctx, "SRAT: not a valid ACPI SRAT table (%zu bytes)", len);
	return err;
}

MEMHP_EXPORT void memhp_srat_free(struct memhp_srat *srat)
{
	if (!srat)
		return;
	free(srat->list);
	free(srat);
}

MEMHP_EXPORT size_t memhp_srat_get_count(const struct memhp_srat *srat)
{
	return srat->nr;
}

MEMHP_EXPORT const struct memhp_srat_memory *memhp_srat_get(
	const struct memhp_srat *srat, size_t i)
{
	return i < srat->nr ? &srat->list[i] : NULL;
}

MEMHP_EXPORT uint64_t memhp_srat_memory_get_start(
	const struct memhp_srat_memory *m)
{
	return m->start;
}

MEMHP_EXPORT uint64_t memhp_srat_memory_get_size(
	const struct memhp_srat_memory *m)
{
	return m->size;
}

MEMHP_EXPORT uint32_t memhp_srat_memory_get_proximity_domain(
	const struct memhp_srat_memory *m)
{
	return m->proximity_domain;
}

MEMHP_EXPORT bool memhp_srat_memory_is_enabled(
	const struct memhp_srat_memory *m)
{
	return m->enabled;
}

MEMHP_EXPORT bool memhp_srat_memory_is_hotpluggable(
	const struct memhp_srat_memory *m)
{
	return m->hotpluggable;
}

MEMHP_EXPORT bool memhp_srat_memory_is_nonvolatile(
	const struct memhp_srat_memory *m)
{
	return m->nonvolatile;
}
