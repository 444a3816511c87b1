// SPDX-License-Identifier: GPL-2.0-or-later
/* memhp doctor's parsers (kernel config, ACPI SRAT) and its checks on
 * small trees built here, the SRAT bytes included. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"
#define PARAMS "sys/module/memory_hotplug/parameters/"
#define GIB (1024ULL * 1024 * 1024)

static void tree_rm(const char *root, const char *path)
{
	char full[4096];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	CHECK(unlink(full) == 0);
}

/* ---- kernel config ------------------------------------------------------ */

static int kparse(const char *text, struct memhp_kconfig **kc)
{
	return memhp_kconfig_parse(text, strlen(text), "t", kc);
}

TEST(kconfig_values_as_written_and_not_set_as_n)
{
	struct memhp_kconfig *kc;

	CHECK(kparse("#\n# Automatically generated file; DO NOT EDIT.\n#\n"
		     "CONFIG_MEMORY_HOTPLUG=y\n"
		     "CONFIG_ACPI_HOTPLUG_MEMORY=m\n"
		     "# CONFIG_ARCH_MEMORY_PROBE is not set\n"
		     "CONFIG_LOCALVERSION=\"-memhp\"\n"
		     "CONFIG_NR_CPUS=8192\n"
		     "\n# a comment line\n"
		     "CONFIG_NR_CPUS=64", &kc) == 0);
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_MEMORY_HOTPLUG"), "y");
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_ACPI_HOTPLUG_MEMORY"), "m");
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_ARCH_MEMORY_PROBE"), "n");
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_LOCALVERSION"), "-memhp");
	/* the last assignment wins */
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_NR_CPUS"), "64");
	CHECK(memhp_kconfig_get(kc, "CONFIG_MEMORY_HOTREMOVE") == NULL);
	/* a name is whole: no prefix matches */
	CHECK(memhp_kconfig_get(kc, "CONFIG_MEMORY") == NULL);
	CHECK_STR(memhp_kconfig_source(kc), "t");
	memhp_kconfig_free(kc);
}

TEST(kconfig_refuses_what_is_not_a_config)
{
	struct memhp_kconfig *kc = (void *)1;

	CHECK(kparse("", &kc) == -EINVAL && kc == NULL);
	CHECK(kparse("# only comments\n", &kc) == -EINVAL);
	CHECK(kparse("hello world\n", &kc) == -EINVAL);
	CHECK(kparse("CONFIG_=y\n", &kc) == -EINVAL);
	CHECK(kparse("CONFIG_X\n", &kc) == -EINVAL);
	CHECK(kparse("CONFIG_X y\n", &kc) == -EINVAL);
	CHECK(memhp_kconfig_parse("CONFIG_X=y\n\0CONFIG_Y=y\n", 22, "t", &kc) ==
	      -EINVAL);
	/* lines are not NUL-terminated: a short "# CONF" at the very end of
	 * the buffer is read within its bytes (found by fuzz-kconfig) */
	{
		char *b = malloc(17);

		memcpy(b, "CONFIG_A=y\n# CONF", 17);
		CHECK(memhp_kconfig_parse(b, 17, "t", &kc) == 0);
		memhp_kconfig_free(kc);
		free(b);
	}
	/* no name, no entry (found by fuzz-kconfig) */
	CHECK(kparse("CONFIG_A=y\n# CONFIG_ is not set\n", &kc) == 0);
	CHECK(memhp_kconfig_get(kc, "CONFIG_") == NULL);
	memhp_kconfig_free(kc);
	/* "is not set" must be the whole rest of the line */
	CHECK(kparse("CONFIG_A=y\n# CONFIG_B is not set, really\n", &kc) == 0);
	CHECK(memhp_kconfig_get(kc, "CONFIG_B") == NULL);
	memhp_kconfig_free(kc);
}

static void put_gz(const char *root, const char *path, const char *text)
{
	char full[4096];
	gzFile gz;

	tree_put(root, path, "");
	snprintf(full, sizeof(full), "%s/%s", root, path);
	gz = gzopen(full, "wb");
	CHECK(gz != NULL);
	CHECK(gzwrite(gz, text, (unsigned int)strlen(text)) == (int)strlen(text));
	CHECK(gzclose(gz) == Z_OK);
}

TEST(kconfig_read_prefers_proc_config_gz_then_boot_config_of_the_release)
{
	const char *root = tree_new();
	struct memhp_ctx *ctx;
	struct memhp_kconfig *kc;

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_kconfig_read(ctx, &kc) == -ENOENT && kc == NULL);
	tree_put(root, "proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
	tree_put(root, "boot/config-6.1.0-56-amd64", "CONFIG_MEMORY_HOTPLUG=y\n");
	tree_put(root, "boot/config-6.12.0", "CONFIG_MEMORY_HOTPLUG=n\n");
	CHECK(memhp_kconfig_read(ctx, &kc) == 0);
	CHECK_STR(memhp_kconfig_source(kc), "/boot/config-6.1.0-56-amd64");
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_MEMORY_HOTPLUG"), "y");
	memhp_kconfig_free(kc);
	put_gz(root, "proc/config.gz", "# CONFIG_MEMORY_HOTPLUG is not set\n");
	CHECK(memhp_kconfig_read(ctx, &kc) == 0);
	CHECK_STR(memhp_kconfig_source(kc), "/proc/config.gz");
	CHECK_STR(memhp_kconfig_get(kc, "CONFIG_MEMORY_HOTPLUG"), "n");
	memhp_kconfig_free(kc);
	/* a release that would lead out of /boot is not followed */
	tree_rm(root, "proc/config.gz");
	tree_put(root, "proc/sys/kernel/osrelease", "../etc/passwd\n");
	CHECK(memhp_kconfig_read(ctx, &kc) == -ENOENT);
	memhp_unref(ctx);
}

/* ---- SRAT --------------------------------------------------------------- */

struct table {
	uint8_t b[1024];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void srat_begin(struct table *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "SRAT", 4);
	t->b[8] = 3;			/* revision */
	memcpy(t->b + 10, "BOCHS ", 6);	/* OEM id, as QEMU writes it */
	put32(t->b + 36, 1);		/* reserved, must be 1 */
	t->len = 48;
}

static void srat_cpu(struct table *t, uint8_t domain, uint8_t apic)
{
	uint8_t *s = t->b + t->len;

	s[0] = 0;			/* processor local APIC affinity */
	s[1] = 16;
	s[2] = domain;
	s[3] = apic;
	put32(s + 4, 1);		/* enabled */
	t->len += 16;
}

static void srat_mem(struct table *t, uint32_t domain, uint64_t base,
		     uint64_t len, uint32_t flags)
{
	uint8_t *s = t->b + t->len;

	s[0] = 1;			/* memory affinity */
	s[1] = 40;
	put32(s + 2, domain);
	put32(s + 8, (uint32_t)base);
	put32(s + 12, (uint32_t)(base >> 32));
	put32(s + 16, (uint32_t)len);
	put32(s + 20, (uint32_t)(len >> 32));
	put32(s + 28, flags);
	t->len += 40;
}

static void srat_end(struct table *t)
{
	put32(t->b + 4, (uint32_t)t->len);
}

/* What QEMU 7.2 builds for -m 1G,slots=4,maxmem=4G on one node. */
static void qemu_srat(struct table *t)
{
	srat_begin(t);
	srat_cpu(t, 0, 0);
	srat_cpu(t, 0, 1);
	srat_mem(t, 0, 0, 0xa0000, 1);
	srat_mem(t, 0, 0x100000, 0x3ff00000, 1);
	srat_mem(t, 0, 0x100000000ULL, 3 * GIB, 3);	/* enabled, hot-pluggable */
	srat_end(t);
}

TEST(srat_memory_affinity_entries_with_their_flags)
{
	const struct memhp_srat_memory *m;
	struct memhp_srat *s;
	struct table t;

	qemu_srat(&t);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == 0);
	CHECK_EQ_U64(memhp_srat_get_count(s), 3);
	m = memhp_srat_get(s, 0);
	CHECK_EQ_U64(memhp_srat_memory_get_start(m), 0);
	CHECK_EQ_U64(memhp_srat_memory_get_size(m), 0xa0000);
	CHECK(memhp_srat_memory_is_enabled(m));
	CHECK(!memhp_srat_memory_is_hotpluggable(m));
	m = memhp_srat_get(s, 2);
	CHECK_EQ_U64(memhp_srat_memory_get_start(m), 0x100000000ULL);
	CHECK_EQ_U64(memhp_srat_memory_get_size(m), 3 * GIB);
	CHECK(memhp_srat_memory_is_enabled(m));
	CHECK(memhp_srat_memory_is_hotpluggable(m));
	CHECK(!memhp_srat_memory_is_nonvolatile(m));
	CHECK_EQ_U64(memhp_srat_memory_get_proximity_domain(m), 0);
	CHECK(memhp_srat_get(s, 3) == NULL);
	memhp_srat_free(s);
	/* a second node's window, non-volatile too; more than 32 bits */
	srat_begin(&t);
	srat_mem(&t, 7, 0x2000000000ULL, 0x1000000000ULL, 7);
	srat_end(&t);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == 0);
	CHECK_EQ_U64(memhp_srat_get_count(s), 1);
	m = memhp_srat_get(s, 0);
	CHECK_EQ_U64(memhp_srat_memory_get_start(m), 0x2000000000ULL);
	CHECK_EQ_U64(memhp_srat_memory_get_size(m), 0x1000000000ULL);
	CHECK(memhp_srat_memory_is_nonvolatile(m));
	CHECK(memhp_srat_memory_get_proximity_domain(m) == 7);
	memhp_srat_free(s);
	/* no memory entries at all is a valid table */
	srat_begin(&t);
	srat_cpu(&t, 0, 0);
	srat_end(&t);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == 0);
	CHECK_EQ_U64(memhp_srat_get_count(s), 0);
	memhp_srat_free(s);
}

TEST(srat_refuses_broken_tables_without_reading_past_them)
{
	struct memhp_srat *s;
	struct table t;

	qemu_srat(&t);
	CHECK(memhp_srat_parse(t.b, 47, &s) == -EINVAL);
	/* the table says it is longer than what was read */
	CHECK(memhp_srat_parse(t.b, t.len - 1, &s) == -EINVAL);
	/* a structure running past the table's end */
	put32(t.b + 4, (uint32_t)t.len - 8);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == -EINVAL);
	/* a zero-length structure would loop forever */
	qemu_srat(&t);
	t.b[48 + 1] = 0;
	CHECK(memhp_srat_parse(t.b, t.len, &s) == -EINVAL);
	/* a memory affinity structure shorter than 40 bytes */
	srat_begin(&t);
	t.b[48] = 1;
	t.b[49] = 24;
	t.len += 24;
	srat_end(&t);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == -EINVAL);
	/* another table; a range that wraps */
	qemu_srat(&t);
	memcpy(t.b, "SLIT", 4);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == -EINVAL);
	srat_begin(&t);
	srat_mem(&t, 0, 0xffffffff00000000ULL, 0x200000000ULL, 3);
	srat_end(&t);
	CHECK(memhp_srat_parse(t.b, t.len, &s) == -EINVAL);
}

/* ---- doctor --------------------------------------------------------------- */

static void put_bytes(const char *root, const char *path, const void *b,
		      size_t len)
{
	char full[4096];
	FILE *f;

	tree_put(root, path, "");
	snprintf(full, sizeof(full), "%s/%s", root, path);
	f = fopen(full, "wb");
	CHECK(f && fwrite(b, 1, len, f) == len && fclose(f) == 0);
}

/* A 1 GiB guest with 3 GiB of hot-pluggable window and 4 slots, one in use
 * by a 512 MiB DIMM at 4 GiB (blocks 32-35, offline). */
static const char *vm_tree(void)
{
	const char *root = tree_new();
	struct table t;

	tree_put(root, MEM "block_size_bytes", "8000000\n");
	for (int i = 0; i < 8; i++)
		tree_block(root, (uint64_t)i, "online", "Normal", 0);
	for (int i = 32; i < 36; i++)
		tree_block(root, (uint64_t)i, "offline", "Normal Movable", 0);
	tree_put(root, MEM "auto_online_blocks", "offline\n");
	tree_put(root, PARAMS "online_policy", "contig-zones\n");
	tree_put(root, PARAMS "auto_movable_ratio", "301\n");
	tree_put(root, "proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
	tree_put(root, "boot/config-6.1.0-56-amd64",
		 "CONFIG_MEMORY_HOTPLUG=y\nCONFIG_MEMORY_HOTREMOVE=y\n"
		 "CONFIG_ACPI_HOTPLUG_MEMORY=y\n"
		 "# CONFIG_ARCH_MEMORY_PROBE is not set\n"
		 "# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set\n");
	tree_put(root, "proc/cmdline", "console=ttyS0 quiet\n");
	tree_put(root, "proc/zoneinfo",
		 "Node 0, zone      DMA\n  pages free     3968\n"
		 "        present  3998\n"
		 "Node 0, zone   Normal\n        present  258048\n"
		 "Node 0, zone  Movable\n  pages free     0\n"
		 "        present  0\n");
	qemu_srat(&t);
	put_bytes(root, "sys/firmware/acpi/tables/SRAT", t.b, t.len);
	for (int i = 0; i < 4; i++) {
		char d[128];

		snprintf(d, sizeof(d), "sys/bus/acpi/devices/PNP0C80:%02d/status", i);
		tree_put(root, d, i == 0 ? "15\n" : "0\n");
	}
	return root;
}

static const struct memhp_check *find(const struct memhp_doctor *d,
				      const char *id)
{
	for (size_t i = 0; i < memhp_doctor_get_count(d); i++) {
		const struct memhp_check *c = memhp_doctor_get(d, i);

		if (!strcmp(memhp_check_get_id(c), id)) {
			/* shown when a check of it fails */
			fprintf(stderr, "# %s: %s: %s\n", id,
				memhp_check_status_name(
					memhp_check_get_status(c)),
				memhp_check_get_summary(c));
			return c;
		}
	}
	fprintf(stderr, "no check %s\n", id);
	exit(1);
}

static enum memhp_check_status status(const struct memhp_doctor *d,
				      const char *id)
{
	return memhp_check_get_status(find(d, id));
}

static bool has_evidence(const struct memhp_check *c, const char *part)
{
	for (size_t i = 0; i < memhp_check_get_evidence_count(c); i++)
		if (strstr(memhp_check_get_evidence(c, i), part))
			return true;
	return false;
}

static void run(const char *root, struct memhp_doctor **d)
{
	struct memhp_ctx *ctx;

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_doctor_run(ctx, d) == 0);
	memhp_unref(ctx);
}

TEST(doctor_reports_the_window_slots_and_kernel_support)
{
	const char *root = vm_tree();
	struct memhp_doctor *d;
	const struct memhp_check *c;

	run(root, &d);
	CHECK(status(d, "kernel-config") == MEMHP_CHECK_OK);
	CHECK(status(d, "memory-hotplug") == MEMHP_CHECK_OK);
	CHECK(status(d, "acpi-memory-hotplug") == MEMHP_CHECK_OK);
	c = find(d, "hotplug-window");
	CHECK(memhp_check_get_status(c) == MEMHP_CHECK_OK);
	CHECK_EQ_U64(memhp_doctor_get_window_count(d), 1);
	CHECK_EQ_U64(memhp_doctor_get_window_bytes(d), 3 * GIB);
	CHECK_EQ_U64(memhp_doctor_get_plugged_bytes(d), 512ULL << 20);
	CHECK(memhp_doctor_get_slots(d) == 4 && memhp_doctor_get_slots_used(d) == 1);
	CHECK(strstr(memhp_check_get_summary(c), "2560 MiB can be plugged") != NULL);
	CHECK(strstr(memhp_check_get_summary(c), "3 of 4 slots free") != NULL);
	CHECK(status(d, "zone-movable") == MEMHP_CHECK_WARN);
	CHECK_EQ_U64(memhp_doctor_get_movable_bytes(d), 0);
	CHECK(status(d, "auto-online") == MEMHP_CHECK_OK);
	CHECK(has_evidence(find(d, "auto-online"), "built-in default online type: offline"));
	CHECK(status(d, "other-onliners") == MEMHP_CHECK_OK);
	memhp_doctor_free(d);
}

TEST(doctor_each_finding_follows_its_input)
{
	const char *root = vm_tree();
	struct memhp_doctor *d;
	const struct memhp_check *c;

	/* no ACPI memory hotplug driver: fail */
	tree_put(root, "boot/config-6.1.0-56-amd64",
		 "CONFIG_MEMORY_HOTPLUG=y\n# CONFIG_ACPI_HOTPLUG_MEMORY is not set\n");
	/* a 6.12 kernel onlining into Normal by default */
	tree_put(root, MEM "auto_online_blocks", "online\n");
	tree_put(root, "proc/cmdline", "quiet kernelcore=2G memory_hotplug.memmap_on_memory=1\n");
	tree_put(root, "proc/zoneinfo", "Node 0, zone  Movable\n  present 131072\n");
	tree_rm(root, "sys/firmware/acpi/tables/SRAT");
	run(root, &d);
	CHECK(status(d, "acpi-memory-hotplug") == MEMHP_CHECK_FAIL);
	CHECK(status(d, "memory-hotremove") == MEMHP_CHECK_OK);
	c = find(d, "auto-online");
	CHECK(memhp_check_get_status(c) == MEMHP_CHECK_WARN);
	CHECK(strstr(memhp_check_get_summary(c), "cannot be unplugged") != NULL);
	CHECK(memhp_check_get_advice(c) != NULL);
	c = find(d, "boot-parameters");
	CHECK(has_evidence(c, "/proc/cmdline: memory_hotplug.memmap_on_memory=1"));
	CHECK(has_evidence(c, "/proc/cmdline: kernelcore=2G"));
	CHECK(!has_evidence(c, "quiet"));
	CHECK(strstr(memhp_check_get_summary(c), "movable_node") == NULL);
	CHECK(status(d, "zone-movable") == MEMHP_CHECK_OK);
	CHECK_EQ_U64(memhp_doctor_get_movable_bytes(d),
		     131072ULL * (uint64_t)sysconf(_SC_PAGESIZE));
	/* movable_node: what is onlined by default goes to ZONE_MOVABLE */
	memhp_doctor_free(d);
	tree_put(root, "proc/cmdline", "quiet movable_node\n");
	run(root, &d);
	CHECK(status(d, "auto-online") == MEMHP_CHECK_OK);
	c = find(d, "boot-parameters");
	CHECK(has_evidence(c, "/proc/cmdline: movable_node"));
	CHECK(strstr(memhp_check_get_summary(c), "movable_node") != NULL);
	memhp_doctor_free(d);
	tree_put(root, "proc/cmdline", "quiet movable_nodes=1 kernelcore=2G\n");
	run(root, &d);
	CHECK(status(d, "auto-online") == MEMHP_CHECK_WARN);
	c = find(d, "hotplug-window");
	CHECK(memhp_check_get_status(c) == MEMHP_CHECK_WARN);
	CHECK(strstr(memhp_check_get_summary(c), "no DIMM can be plugged") != NULL);
	CHECK(has_evidence(c, "SRAT: not there"));
	/* the kernel and a udev rule both online: two agents */
	tree_put(root, "etc/udev/rules.d/40-online.rules",
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}=\"online\"\n");
	memhp_doctor_free(d);
	run(root, &d);
	CHECK(status(d, "other-onliners") == MEMHP_CHECK_WARN);
	CHECK(has_evidence(find(d, "other-onliners"), "40-online.rules"));
	memhp_doctor_free(d);
}

TEST(doctor_without_config_says_so_and_uses_sysfs)
{
	const char *root = vm_tree();
	struct memhp_doctor *d;

	tree_rm(root, "boot/config-6.1.0-56-amd64");
	run(root, &d);
	CHECK(status(d, "kernel-config") == MEMHP_CHECK_WARN);
	CHECK(strstr(memhp_check_get_summary(find(d, "kernel-config")),
		     "/boot/config-6.1.0-56-amd64") != NULL);
	/* the memory directory is there: hotplug is built in */
	CHECK(status(d, "memory-hotplug") == MEMHP_CHECK_OK);
	CHECK(status(d, "acpi-memory-hotplug") == MEMHP_CHECK_OK);
	memhp_doctor_free(d);
}
