// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memhp doctor: will memory hotplug work on this machine, and if not, why.
 * Each check reads what the kernel and the firmware say below the sysfs
 * root (the build configuration, sysfs, the SRAT, /proc/zoneinfo and
 * /proc/cmdline, the onlining policy and the udev rules) and turns it into
 * ok / warn / fail, with the evidence and what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define MIB (1024 * 1024)

struct facts {
	struct memhp_kconfig *kc;
	int kc_err;
	char release[128];
	bool have_memory;	/* sys/devices/system/memory */
	struct memhp_acpi_devices *devs;	/* NULL: devs_err */
	int devs_err;
	char *cmdline;
	char *zoneinfo;
	char auto_online[32];
	char online_policy[32];
	char ratio[32];
};

static struct memhp_check *new_check(struct memhp_doctor *d, const char *id)
{
	struct memhp_check *c = realloc(d->checks,
					(d->nr_checks + 1) * sizeof(*c));

	if (!c)
		return NULL;
	d->checks = c;
	c = &d->checks[d->nr_checks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	return c;
}

__attribute__((format(printf, 3, 4)))
static void set(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

#define summary(c, ...) set((c)->summary, sizeof((c)->summary), __VA_ARGS__)
#define advice(c, ...) set((c)->advice, sizeof((c)->advice), __VA_ARGS__)

__attribute__((format(printf, 2, 3)))
static void evidence(struct memhp_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nr_evidence == MEMHP_CHECK_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(c->evidence[c->nr_evidence++], sizeof(c->evidence[0]), fmt, ap);
	va_end(ap);
}

/* A whole /proc file, NUL-terminated; NULL when it cannot be read. */
static char *read_proc(struct memhp_ctx *ctx, const char *name)
{
	char *buf = NULL;
	size_t len;

	if (memhp_read_file(ctx, AREA_PROC, name, 4u << 20, &buf, &len) < 0)
		return NULL;
	return buf;
}

static void read_knob(struct memhp_ctx *ctx, const char *key, char *buf,
		      size_t size)
{
	char *v = NULL;

	if (memhp_policy_read(ctx, key, &v) == 0 && v)
		snprintf(buf, size, "%s", v);
	else
		buf[0] = '\0';
	free(v);
}

static void gather(struct memhp_ctx *ctx, struct facts *f)
{
	f->kc_err = memhp_kconfig_read(ctx, &f->kc);
	if (memhp_kernel_release(ctx, f->release, sizeof(f->release)) < 0)
		f->release[0] = '\0';
	f->have_memory = memhp_area_exists(ctx, AREA_MEMORY);
	f->devs_err = memhp_acpi_devices_new(ctx, &f->devs);
	f->cmdline = read_proc(ctx, "cmdline");
	f->zoneinfo = read_proc(ctx, "zoneinfo");
	read_knob(ctx, "auto_online_blocks", f->auto_online, sizeof(f->auto_online));
	read_knob(ctx, "online_policy", f->online_policy, sizeof(f->online_policy));
	read_knob(ctx, "auto_movable_ratio", f->ratio, sizeof(f->ratio));
}

static void release_facts(struct facts *f)
{
	memhp_kconfig_free(f->kc);
	memhp_acpi_devices_free(f->devs);
	free(f->cmdline);
	free(f->zoneinfo);
}

/* CONFIG_X's value for evidence: "y", "n", "(not in the config)" */
static const char *kval(const struct facts *f, const char *name)
{
	const char *v = memhp_kconfig_get(f->kc, name);

	return v ? v : "(not in the config)";
}

static bool kset(const struct facts *f, const char *name)
{
	const char *v = memhp_kconfig_get(f->kc, name);

	return v && (!strcmp(v, "y") || !strcmp(v, "m"));
}

static int check_kernel_config(struct memhp_doctor *d, const struct facts *f)
{
	struct memhp_check *c = new_check(d, "kernel-config");

	if (!c)
		return -ENOMEM;
	if (f->kc) {
		summary(c, "kernel configuration read from %s",
			memhp_kconfig_source(f->kc));
		evidence(c, "%s", memhp_kconfig_source(f->kc));
		return 0;
	}
	c->status = MEMHP_CHECK_WARN;
	summary(c, "no kernel configuration: neither /proc/config.gz nor "
		"/boot/config-%s", f->release[0] ? f->release : "<release>");
	evidence(c, "/proc/config.gz: %s", f->kc_err == -ENOENT ?
		 "not there" : strerror(-f->kc_err));
	if (f->release[0])
		evidence(c, "/boot/config-%s: not there", f->release);
	else
		evidence(c, "/proc/sys/kernel/osrelease: not there (which "
			 "/boot/config-<release>?)");
	advice(c, "the checks below rely on what the running system shows; "
	       "install the kernel's config (Debian: it is in the linux-image "
	       "package) or load the configs module for /proc/config.gz");
	return 0;
}

/* CONFIG_MEMORY_HOTPLUG / CONFIG_MEMORY_HOTREMOVE: fail when the config
 * says no, or (no config) when sysfs lacks the memory directory. */
static int check_hotplug(struct memhp_doctor *d, const struct facts *f,
			 const char *id, const char *option, const char *what)
{
	struct memhp_check *c = new_check(d, id);
	const char *v = memhp_kconfig_get(f->kc, option);

	if (!c)
		return -ENOMEM;
	evidence(c, "%s=%s", option, kval(f, option));
	evidence(c, "/%s: %s", memhp_area_path(AREA_MEMORY),
		 f->have_memory ? "present" : "absent");
	if (kset(f, option) || (!v && f->have_memory)) {
		summary(c, "the kernel supports memory %s", what);
		return 0;
	}
	c->status = MEMHP_CHECK_FAIL;
	summary(c, "the kernel cannot %s memory", what);
	advice(c, "boot a kernel built with %s=y (Debian's kernels are)", option);
	return 0;
}

static int check_acpi(struct memhp_doctor *d, struct memhp_ctx *ctx,
		      const struct facts *f)
{
	struct memhp_check *c = new_check(d, "acpi-memory-hotplug");
	const char *opt = "CONFIG_ACPI_HOTPLUG_MEMORY";
	int enabled = memhp_acpi_hotplug_enabled(ctx);

	if (!c)
		return -ENOMEM;
	evidence(c, "%s=%s", opt, kval(f, opt));
	evidence(c, "/%s/memory/enabled: %s", memhp_area_path(AREA_ACPI_HOTPLUG),
		 enabled == 1 ? "1" : enabled == 0 ? "0" : "not there");
	evidence(c, "/%s: %zu memory devices present (PNP0C80)", memhp_area_path(AREA_ACPI_DEVICES),
		 f->devs_err ? 0 : f->devs->nr);
	if (memhp_kconfig_get(f->kc, opt) && !kset(f, opt)) {
		c->status = MEMHP_CHECK_FAIL;
		summary(c, "the kernel has no ACPI memory hotplug driver: a "
			"plugged DIMM is not seen (acpi PNP0C80:00: "
			"Enumeration failure)");
		advice(c, "boot a kernel built with %s=y", opt);
	} else if (enabled == 0) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "ACPI memory hotplug is disabled: plugged DIMMs are "
			"ignored");
		advice(c, "echo 1 > /sys/firmware/acpi/hotplug/memory/enabled");
	} else {
		summary(c, "ACPI memory hotplug is available");
	}
	return 0;
}

static int check_memmap(struct memhp_doctor *d, struct memhp_ctx *ctx,
			const struct facts *f)
{
	struct memhp_check *c = new_check(d, "memmap-on-memory");
	const char *opt = "CONFIG_MHP_MEMMAP_ON_MEMORY";
	char v[32];

	if (!c)
		return -ENOMEM;
	read_knob(ctx, "memmap_on_memory", v, sizeof(v));
	evidence(c, "%s=%s", opt, kval(f, opt));
	evidence(c, "memory_hotplug.memmap_on_memory: %s", v[0] ? v : "not there");
	if (!strcmp(v, "Y") || !strcmp(v, "y") || !strcmp(v, "1") ||
	    !strcmp(v, "force"))
		summary(c, "hot-added memory holds its own memmap");
	else
		summary(c, "the memmap of hot-added memory comes from memory "
			"already online (%s)", kset(f, opt) ?
			"memory_hotplug.memmap_on_memory=1 would change that" :
			"the kernel cannot do otherwise");
	return 0;
}

static int check_probe(struct memhp_doctor *d, struct memhp_ctx *ctx,
		       const struct facts *f)
{
	struct memhp_check *c = new_check(d, "probe-interface");
	enum memhp_probe_method m = memhp_probe_method(ctx);

	if (!c)
		return -ENOMEM;
	evidence(c, "CONFIG_ARCH_MEMORY_PROBE=%s", kval(f, "CONFIG_ARCH_MEMORY_PROBE"));
	evidence(c, "/%s/probe: %s", memhp_area_path(AREA_MEMORY),
		 m == MEMHP_PROBE_KERNEL ? "present" : "absent");
	evidence(c, "memhp.ko: %s", memhp_module_loaded(ctx) ? "loaded" :
		 "not loaded");
	if (m == MEMHP_PROBE_MODULE) {
		summary(c, "memhp probe/remove add and remove ranges through memhp.ko");
	} else if (m == MEMHP_PROBE_KERNEL) {
		summary(c, "only the kernel's probe interface: it validates "
			"nothing and cannot remove what it added");
		c->status = MEMHP_CHECK_WARN;
		advice(c, "load memhp.ko (package memhp-dkms): modprobe memhp");
	} else {
		summary(c, "no way to add a physical range by hand (memhp probe)");
		c->status = MEMHP_CHECK_WARN;
		advice(c, "load memhp.ko (package memhp-dkms) to add RAM the "
		       "firmware reported but the kernel does not use");
	}
	return 0;
}

static bool in_window(const struct memhp_doctor *d, uint64_t start)
{
	for (size_t i = 0; d->windows && i < d->windows->nr; i++)
		if (start >= d->windows->list[i].start &&
		    start - d->windows->list[i].start < d->windows->list[i].size)
			return true;
	return false;
}

struct slot_count {
	struct memhp_ctx *ctx;
	struct memhp_doctor *d;
};

static int count_slot(const char *name, unsigned char type, void *data)
{
	struct slot_count *sc = data;
	struct memhp_acpi_device *dev;

	(void)type;
	/* every slot has its device, plugged (_STA present) or empty */
	if (memhp_acpi_device_new(sc->ctx, name, &dev) < 0)
		return 0;
	sc->d->slots++;
	if (dev->status > 0 && memhp_acpi_device_is_present(dev))
		sc->d->slots_used++;
	memhp_acpi_device_free(dev);
	return 0;
}

/* The ACPI memory devices: QEMU makes one per slot of -m ...,slots=N. */
static void count_slots(struct memhp_ctx *ctx, struct memhp_doctor *d)
{
	struct slot_count sc = { ctx, d };
	int err;

	d->slots = d->slots_used = 0;
	err = memhp_walk_dir(ctx, AREA_ACPI_DEVICES, NULL, count_slot, &sc);
	if (err < 0 && err != -ENOENT)
		d->slots = -1;
}

static int check_windows(struct memhp_doctor *d, struct memhp_ctx *ctx)
{
	struct memhp_check *c = new_check(d, "hotplug-window");
	struct memhp_srat *srat = NULL;
	struct memhp_srat_memory *w = NULL;
	size_t nr = 0, nwin = 0;
	uint64_t bs = memhp_get_block_size(ctx);
	struct memhp_block *b;
	int err;
	char size[32];

	if (!c)
		return -ENOMEM;
	err = memhp_srat_read(ctx, &srat);
	if (srat) {
		w = srat->list;
		nr = srat->nr;
		for (size_t i = 0; i < nr; i++)
			if (w[i].enabled && w[i].hotpluggable && w[i].size)
				w[nwin++] = w[i];
		srat->nr = nwin;
	}
	d->windows = srat;
	for (size_t i = 0; i < nwin; i++) {
		d->window_bytes += w[i].size;
		evidence(c, "SRAT: hot-pluggable 0x%016" PRIx64 "-0x%016" PRIx64
			 " (%" PRIu64 " MiB), proximity domain %" PRIu32,
			 w[i].start,
			 w[i].start + w[i].size - 1,
			 w[i].size / MIB, w[i].proximity_domain);
	}
	if (bs)
		memhp_block_foreach(ctx, b)
			if (in_window(d, memhp_block_get_start(b)))
				d->plugged_bytes += bs;
	count_slots(ctx, d);
	if (err == -ENOENT)
		evidence(c, "/%s/SRAT: not there", memhp_area_path(AREA_ACPI_TABLES));
	else if (err)
		evidence(c, "/%s/SRAT: %s", memhp_area_path(AREA_ACPI_TABLES),
			 strerror(-err));
	else
		evidence(c, "SRAT: %zu memory affinity entries, %zu hot-pluggable",
			 nr, nwin);
	evidence(c, "ACPI memory devices (slots): %d, %d in use", d->slots,
		 d->slots_used);
	snprintf(size, sizeof(size), "%" PRIu64 " MiB",
		 (d->window_bytes - d->plugged_bytes) / MIB);
	if (err == -EACCES || err == -EPERM) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "cannot read the SRAT to find the hot-pluggable "
			"windows");
		advice(c, "run memhp doctor as root");
	} else if (!nwin) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "the firmware announced no hot-pluggable memory: no "
			"DIMM can be plugged");
		advice(c, "on a VM, start it with maximum memory and slots "
		       "(QEMU: -m 4G,slots=4,maxmem=16G); memhp.ko can still "
		       "add RAM the kernel left unused (memhp probe --scan)");
	} else if (d->slots == 0) {
		/* DIMMs plug into ACPI memory devices; a window without any
		 * is for other kinds (virtio-mem) or none at all */
		c->status = MEMHP_CHECK_WARN;
		summary(c, "%s of hot-pluggable memory but no slot (ACPI memory "
			"device): no DIMM can be plugged", size);
		advice(c, "on a VM, give it slots (QEMU: -m 4G,slots=4,"
		       "maxmem=16G); a virtio-mem device can use the window "
		       "without slots");
	} else if (d->window_bytes <= d->plugged_bytes ||
		   (d->slots > 0 && d->slots_used >= d->slots)) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "the hot-pluggable window is full: %" PRIu64
			" MiB, all in use%s", d->window_bytes / MIB,
			d->slots > 0 ? " or every slot taken" : "");
		advice(c, "unplug a DIMM first (memhp eject), or give the VM "
		       "more maxmem/slots");
	} else if (d->slots > 0) {
		summary(c, "%s can be plugged in %zu window%s, %d of %d slots "
			"free", size, nwin, nwin == 1 ? "" : "s",
			d->slots - d->slots_used, d->slots);
	} else {
		summary(c, "%s can be plugged in %zu window%s", size,
			nwin, nwin == 1 ? "" : "s");
	}
	return 0;
}

/* ZONE_MOVABLE's present pages over all nodes, from /proc/zoneinfo */
uint64_t memhp_zoneinfo_movable_pages(const char *zoneinfo, bool *found)
{
	const char *p = zoneinfo;
	bool in_movable = false;
	uint64_t pages = 0;

	*found = false;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[160];
		unsigned long long v;
		int node;
		char zone[32];

		snprintf(line, sizeof(line), "%.*s", (int)(n < 159 ? n : 159), p);
		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			in_movable = !strcmp(zone, "Movable");
			*found |= in_movable;
		} else if (in_movable && sscanf(line, " present %llu", &v) == 1) {
			pages += v;
		}
		p = nl ? nl + 1 : NULL;
	}
	return pages;
}

static int check_zones(struct memhp_doctor *d, const struct facts *f)
{
	struct memhp_check *c = new_check(d, "zone-movable");
	bool found;
	uint64_t pages;

	if (!c)
		return -ENOMEM;
	if (!f->zoneinfo) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "cannot read /proc/zoneinfo");
		evidence(c, "/proc/zoneinfo: not there");
		return 0;
	}
	pages = memhp_zoneinfo_movable_pages(f->zoneinfo, &found);
	d->movable_bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	evidence(c, "/proc/zoneinfo: %s", found ? "zone Movable listed" :
		 "no zone Movable");
	evidence(c, "/proc/zoneinfo: Movable present pages %" PRIu64, pages);
	if (pages) {
		summary(c, "ZONE_MOVABLE holds %" PRIu64 " MiB: that memory can "
			"be unplugged", d->movable_bytes / MIB);
		return 0;
	}
	c->status = MEMHP_CHECK_WARN;
	summary(c, "no memory in ZONE_MOVABLE yet: nothing online now can be "
		"unplugged reliably");
	advice(c, "online hot-added memory with memhp online --zone=movable "
	       "(or set memhp policy auto_online_blocks=online_movable)");
	return 0;
}

/* The boot parameters that shape hotplug, as written on the command line. */
bool memhp_is_hotplug_param(const char *tok)
{
	static const char *const exact[] = { "movable_node" };
	static const char *const prefix[] = {
		"kernelcore=", "movablecore=", "memhp_default_state=",
		"memory_hotplug.", "mem=", "memmap=", "movable_node=",
	};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(tok, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(tok, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}

static int check_cmdline(struct memhp_doctor *d, const struct facts *f)
{
	struct memhp_check *c = new_check(d, "boot-parameters");
	char *copy, *tok, *save = NULL;
	size_t n = 0;
	bool movable_node = false;

	if (!c)
		return -ENOMEM;
	if (!f->cmdline) {
		summary(c, "cannot read /proc/cmdline");
		c->status = MEMHP_CHECK_WARN;
		return 0;
	}
	copy = strdup(f->cmdline);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (!memhp_is_hotplug_param(tok))
			continue;
		evidence(c, "/proc/cmdline: %s", tok);
		movable_node |= !strcmp(tok, "movable_node");
		n++;
	}
	free(copy);
	if (!n) {
		evidence(c, "/proc/cmdline: none of movable_node, kernelcore=, "
			 "movablecore=, memhp_default_state=, memory_hotplug.*");
		summary(c, "no boot parameter shapes memory hotplug");
	} else if (movable_node) {
		summary(c, "movable_node: memory the firmware marks hot-pluggable "
			"is kept in ZONE_MOVABLE from boot (%zu parameter%s)", n,
			n == 1 ? "" : "s");
	} else {
		summary(c, "%zu boot parameter%s shape memory hotplug", n,
			n == 1 ? "" : "s");
	}
	return 0;
}

/* The default online type the kernel was built with, for evidence. */
static const char *default_online_type(const struct facts *f)
{
	static const char *const types[][2] = {
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE", "offline" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO", "online" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL", "online_kernel" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE", "online_movable" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (kset(f, types[i][0]))
			return types[i][1];
	/* before 6.13: one boolean */
	if (kset(f, "CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE"))
		return "online";
	if (memhp_kconfig_get(f->kc, "CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE"))
		return "offline";
	return NULL;
}

/* Is @word one of the kernel command line's words? */
static bool cmdline_has(const struct facts *f, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = f->cmdline; p && (p = strstr(p, word)); p += n)
		if ((p == f->cmdline || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static int check_policy(struct memhp_doctor *d, const struct facts *f)
{
	struct memhp_check *c = new_check(d, "auto-online");
	const char *built = default_online_type(f);
	const char *a = f->auto_online;

	if (!c)
		return -ENOMEM;
	evidence(c, "built-in default online type: %s", built ? built : "unknown");
	evidence(c, "auto_online_blocks=%s", a[0] ? a : "(not there)");
	evidence(c, "online_policy=%s", f->online_policy[0] ? f->online_policy :
		 "(not there)");
	evidence(c, "auto_movable_ratio=%s", f->ratio[0] ? f->ratio : "(not there)");
	if (!a[0]) {
		summary(c, "the kernel's auto-online setting cannot be read");
		c->status = MEMHP_CHECK_WARN;
	} else if (!strcmp(a, "offline")) {
		summary(c, "hot-added memory stays offline until onlined "
			"(memhp online --zone=movable)");
	} else if (!strcmp(a, "online_movable")) {
		summary(c, "hot-added memory is onlined into ZONE_MOVABLE: it "
			"can be unplugged again");
	} else if (!strcmp(a, "online") && cmdline_has(f, "movable_node")) {
		summary(c, "hot-added memory is onlined; movable_node puts it in "
			"ZONE_MOVABLE, where it can be unplugged again");
	} else if (!strcmp(a, "online") && !strcmp(f->online_policy, "auto-movable")) {
		summary(c, "hot-added memory is onlined; the auto-movable policy "
			"puts it in ZONE_MOVABLE up to a ratio of %s%%",
			f->ratio[0] ? f->ratio : "?");
	} else {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "hot-added memory will be onlined into a zone it "
			"cannot be unplugged from (auto_online_blocks=%s%s%s)",
			a, !strcmp(a, "online") ? ", online_policy=" : "",
			!strcmp(a, "online") ? f->online_policy : "");
		advice(c, "memhp policy auto_online_blocks=online_movable (or "
		       "=offline, then memhp online --zone=movable), or boot "
		       "with memhp_default_state=online_movable");
	}
	return 0;
}

/* memory that was plugged in: a DIMM's (in an SRAT window or bound to an
 * ACPI memory device) or a range memhp.ko added */
static bool hot_added(const struct memhp_doctor *d, const struct facts *f,
		      const struct memhp_block *b)
{
	uint64_t id = memhp_block_get_id(b);

	enum memhp_owner owner = memhp_block_get_owner(b);

	if (memhp_block_is_probed(b) || in_window(d, memhp_block_get_start(b)))
		return true;
	if (owner == MEMHP_OWNER_ACPI_DIMM || owner == MEMHP_OWNER_VIRTIO_MEM ||
	    owner == MEMHP_OWNER_DAX_KMEM || owner == MEMHP_OWNER_MEMHP)
		return true;
	for (size_t i = 0; !f->devs_err && i < f->devs->nr; i++)
		for (size_t j = 0; j < f->devs->list[i].nr_blocks; j++)
			if (f->devs->list[i].blocks[j] == id)
				return true;
	return false;
}

static int check_blocks(struct memhp_doctor *d, struct memhp_ctx *ctx,
			const struct facts *f)
{
	struct memhp_check *c = new_check(d, "unpluggable-memory");
	size_t movable = 0, other = 0, spanning = 0, offline = 0, hot_pinned = 0;
	uint64_t bs = memhp_get_block_size(ctx);
	struct memhp_block *b;
	char pinned[96] = "";

	if (!c)
		return -ENOMEM;
	if (!f->have_memory) {
		summary(c, "no memory blocks: /sys/devices/system/memory is absent");
		c->status = MEMHP_CHECK_FAIL;
		return 0;
	}
	memhp_block_foreach(ctx, b) {
		const uint8_t *z;
		int nz;

		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE) {
			offline++;
			continue;
		}
		nz = memhp_block_get_zones(b, &z);
		if (nz > 0 && z[0] == MEMHP_ZONE_MOVABLE) {
			movable++;
			continue;
		}
		if (nz > 0 && z[0] == MEMHP_ZONE_NONE)
			spanning++;
		else
			other++;
		/* hot-added memory (a DIMM's or memhp.ko's) that cannot go */
		if (hot_added(d, f, b)) {
			if (!hot_pinned)
				snprintf(pinned, sizeof(pinned), "%" PRIu64,
					 memhp_block_get_id(b));
			hot_pinned++;
		}
	}
	evidence(c, "online in ZONE_MOVABLE: %zu blocks (%" PRIu64 " MiB)", movable,
		 movable * bs / MIB);
	evidence(c, "online in other zones: %zu blocks (%" PRIu64 " MiB)", other,
		 other * bs / MIB);
	evidence(c, "online spanning zones (zone none): %zu blocks", spanning);
	evidence(c, "offline: %zu blocks", offline);
	if (hot_pinned) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "%zu hot-added block%s online outside ZONE_MOVABLE (first: "
			"%s) cannot be unplugged reliably", hot_pinned,
			hot_pinned == 1 ? "" : "s", pinned);
		advice(c, "offline them and online them again with --zone=movable "
		       "(memhp offline B; memhp online --zone=movable B)");
	} else {
		summary(c, "%zu online block%s can be unplugged (Movable); %zu "
			"cannot (boot memory in other zones)", movable,
			movable == 1 ? "" : "s", other + spanning);
	}
	return 0;
}

/* --- the kinds of hot-pluggable memory: virtio-mem and dax/kmem ---------
 * What doctor needs of them it reads here through small helpers (the
 * devices' own listing is memhp devices'): the bus's devices, the driver
 * each is bound to, and the blocks the kernel's records give each owner. */

struct bus_device {
	char name[64];		/* virtio0, dax0.0 */
	char driver[64];	/* the bound driver; "" for none */
};

/* The first devices of a kind (evidence enough) and how many more, as
 * lib/virtio_mem.c and lib/dax.c list them. */
struct bus_scan {
	enum memhp_area bus;	/* AREA_VIRTIO_DEVICES or AREA_DAX_DEVICES */
	struct bus_device dev[16];
	size_t nr, more;
};

static void add_bus_device(struct bus_scan *s, const char *name,
			   const char *driver)
{
	if (s->nr == sizeof(s->dev) / sizeof(s->dev[0])) {
		s->more++;
		return;
	}
	snprintf(s->dev[s->nr].name, sizeof(s->dev[0].name), "%s", name);
	snprintf(s->dev[s->nr].driver, sizeof(s->dev[0].driver), "%s",
		 driver ? driver : "");
	s->nr++;
}

/* The virtio-mem or dax devices, by @owner; none when they cannot be read */
static void scan_bus(struct memhp_ctx *ctx, enum memhp_owner owner,
		     struct bus_scan *s)
{
	memset(s, 0, sizeof(*s));
	if (owner == MEMHP_OWNER_VIRTIO_MEM) {
		struct memhp_virtio_mem_devices *l = NULL;

		s->bus = AREA_VIRTIO_DEVICES;
		if (memhp_virtio_mem_devices_new(ctx, &l) < 0)
			return;
		for (size_t i = 0; i < memhp_virtio_mem_devices_get_count(l); i++) {
			const struct memhp_virtio_mem_device *d =
				memhp_virtio_mem_devices_get(l, i);

			add_bus_device(s, memhp_virtio_mem_device_get_name(d),
				       memhp_virtio_mem_device_get_driver(d));
		}
		memhp_virtio_mem_devices_free(l);
	} else {
		struct memhp_dax_devices *l = NULL;

		s->bus = AREA_DAX_DEVICES;
		if (memhp_dax_devices_new(ctx, &l) < 0)
			return;
		for (size_t i = 0; i < memhp_dax_devices_get_count(l); i++) {
			const struct memhp_dax_device *d =
				memhp_dax_devices_get(l, i);

			add_bus_device(s, memhp_dax_device_get_name(d),
				       memhp_dax_device_get_driver(d));
		}
		memhp_dax_devices_free(l);
	}
}

/* Is the bus's driver @name there (registered, its module loaded)? */
static bool have_driver(struct memhp_ctx *ctx, enum memhp_area drivers,
			const char *name)
{
	int fd = memhp_area_open(ctx, drivers, name, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct owner_blocks {
	size_t movable, other, offline;	/* online by zone, and offline */
};

static void count_owner_blocks(struct memhp_ctx *ctx, enum memhp_owner owner,
			       struct owner_blocks *k)
{
	struct memhp_block *b;

	memset(k, 0, sizeof(*k));
	memhp_block_foreach(ctx, b) {
		const uint8_t *z;

		if (memhp_block_get_owner(b) != owner)
			continue;
		if (memhp_block_get_state(b) != MEMHP_STATE_ONLINE)
			k->offline++;
		else if (memhp_block_get_zones(b, &z) > 0 &&
			 z[0] == MEMHP_ZONE_MOVABLE)
			k->movable++;
		else
			k->other++;
	}
}

/* The onliners that take @owner's blocks, named for people, into @buf;
 * their number. */
static size_t owner_onliners(struct memhp_ctx *ctx, enum memhp_owner owner,
			     char *buf, size_t size)
{
	struct memhp_onliners *o;
	size_t n = 0, len = 0;

	buf[0] = '\0';
	if (memhp_onliners_new(ctx, &o) < 0)
		return 0;
	for (size_t i = 0; i < o->nr; i++) {
		const struct memhp_onliner *a = &o->list[i];

		if (!memhp_onliner_applies_to(a, owner) || len >= size)
			continue;
		n++;
		if (a->kind == MEMHP_ONLINER_KERNEL)
			len += (size_t)snprintf(buf + len, size - len,
						"%sthe kernel (%s)",
						len ? ", " : "", a->text);
		else if (a->kind == MEMHP_ONLINER_MEMHP)
			len += (size_t)snprintf(buf + len, size - len,
						"%smemhp's auto-online (zone "
						"%s)", len ? ", " : "",
						memhp_autoonline_get_owner_zone(
							&o->rule.conf, owner));
		else
			len += (size_t)snprintf(buf + len, size - len,
						"%sudev rule %s:%u",
						len ? ", " : "", a->file,
						a->line);
	}
	memhp_onliners_free(o);
	return n;
}

static void bus_evidence(struct memhp_check *c, const struct bus_scan *s,
			 const char *what)
{
	for (size_t i = 0; i < s->nr; i++)
		evidence(c, "/%s/%s: %s, driver %s", memhp_area_path(s->bus),
			 s->dev[i].name, what, s->dev[i].driver[0] ?
			 s->dev[i].driver : "none");
	if (s->more)
		evidence(c, "/%s: %zu more", memhp_area_path(s->bus), s->more);
}

static void blocks_evidence(struct memhp_check *c, struct memhp_ctx *ctx,
			    const char *owner, const struct owner_blocks *k)
{
	uint64_t bs = memhp_get_block_size(ctx);

	evidence(c, "%s blocks: %zu online in ZONE_MOVABLE, %zu online in "
		 "other zones, %zu offline (%" PRIu64 " MiB in all)", owner,
		 k->movable, k->other, k->offline,
		 (k->movable + k->other + k->offline) * bs / MIB);
}

/* What doctor knows of one kind: its bus's devices, whether its driver is
 * there, the blocks its owner has and the onliners that take them. */
struct kind {
	struct bus_scan s;
	bool driver;
	struct owner_blocks k;
	size_t onliners;
	char who[384];
};

static void read_kind(struct memhp_ctx *ctx, enum memhp_area drivers,
		      const char *driver, enum memhp_owner owner,
		      struct kind *kd)
{
	scan_bus(ctx, owner, &kd->s);
	kd->driver = have_driver(ctx, drivers, driver);
	count_owner_blocks(ctx, owner, &kd->k);
	kd->onliners = owner_onliners(ctx, owner, kd->who, sizeof(kd->who));
}

static int check_virtio_mem(struct memhp_doctor *d, struct memhp_ctx *ctx,
			    const struct facts *f)
{
	struct memhp_check *c = new_check(d, "virtio-mem");
	const struct owner_blocks *k;
	size_t unbound = 0;
	struct kind kd;

	if (!c)
		return -ENOMEM;
	read_kind(ctx, AREA_VIRTIO_DRIVERS, "virtio_mem",
		  MEMHP_OWNER_VIRTIO_MEM, &kd);
	k = &kd.k;
	evidence(c, "CONFIG_VIRTIO_MEM=%s", kval(f, "CONFIG_VIRTIO_MEM"));
	evidence(c, "/%s/virtio_mem: %s", memhp_area_path(AREA_VIRTIO_DRIVERS),
		 kd.driver ? "there" : "not there");
	bus_evidence(c, &kd.s, "virtio-mem");
	for (size_t i = 0; i < kd.s.nr; i++)
		unbound += strcmp(kd.s.dev[i].driver, "virtio_mem") != 0;
	blocks_evidence(c, ctx, "virtio-mem", k);
	evidence(c, "onlined by: %s", kd.onliners ? kd.who : "nothing");
	evidence(c, "online_policy=%s", f->online_policy[0] ?
		 f->online_policy : "(not there)");
	if (!kd.s.nr && !(k->movable + k->other + k->offline)) {
		summary(c, "no virtio-mem device");
	} else if (unbound) {
		c->status = MEMHP_CHECK_FAIL;
		summary(c, "%zu virtio-mem device%s without the virtio_mem "
			"driver: %s memory cannot be plugged", unbound,
			unbound == 1 ? "" : "s", unbound == 1 ? "its" : "their");
		advice(c, "load the virtio_mem module (modprobe virtio_mem; "
		       "CONFIG_VIRTIO_MEM)");
	} else if (!kd.onliners) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "nothing onlines virtio-mem memory: what the device "
			"plugs stays offline");
		advice(c, "memhp policy auto_online_blocks=online "
		       "online_policy=auto-movable, or memhp's auto-online with "
		       "virtio-mem:auto in owners=");
	} else if (strcmp(f->online_policy, "auto-movable") != 0) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "virtio-mem memory is onlined without the "
			"auto-movable policy: most of it lands in a kernel "
			"zone, and the device cannot shrink again");
		advice(c, "memhp policy online_policy=auto-movable (the "
		       "kernel's advice for virtio-mem: as much ZONE_MOVABLE "
		       "as auto_movable_ratio keeps safe, in whole device "
		       "blocks)");
	} else {
		summary(c, "%zu virtio-mem device%s, %" PRIu64 " MiB online "
			"(%" PRIu64 " MiB in ZONE_MOVABLE), onlined by the "
			"auto-movable policy", kd.s.nr, kd.s.nr == 1 ? "" : "s",
			(k->movable + k->other) * memhp_get_block_size(ctx) / MIB,
			k->movable * memhp_get_block_size(ctx) / MIB);
	}
	return 0;
}

static int check_dax_kmem(struct memhp_doctor *d, struct memhp_ctx *ctx,
			  const struct facts *f)
{
	struct memhp_check *c = new_check(d, "dax-kmem");
	const struct owner_blocks *k;
	size_t ram = 0, n;
	struct kind kd;

	if (!c)
		return -ENOMEM;
	read_kind(ctx, AREA_DAX_DRIVERS, "kmem", MEMHP_OWNER_DAX_KMEM, &kd);
	k = &kd.k;
	n = kd.s.nr;
	for (size_t i = 0; i < n; i++)
		ram += !strcmp(kd.s.dev[i].driver, "kmem");
	evidence(c, "CONFIG_DEV_DAX_KMEM=%s", kval(f, "CONFIG_DEV_DAX_KMEM"));
	evidence(c, "/%s/kmem: %s", memhp_area_path(AREA_DAX_DRIVERS),
		 kd.driver ? "there" : "not there");
	bus_evidence(c, &kd.s, "dax device");
	blocks_evidence(c, ctx, "dax-kmem", k);
	evidence(c, "onlined besides daxctl by: %s", kd.onliners ? kd.who :
		 "nothing");
	if (!n && !(k->movable + k->other + k->offline)) {
		summary(c, "no dax device");
	} else if (n && !ram && !kd.driver) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "%zu dax device%s but no kmem driver: none can "
			"become System RAM", n, n == 1 ? "" : "s");
		advice(c, "load the kmem module (modprobe kmem; "
		       "CONFIG_DEV_DAX_KMEM), then daxctl reconfigure-device "
		       "--mode=system-ram");
	} else if (kd.onliners) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "dax/kmem memory is onlined by %zu agent%s besides "
			"daxctl: daxctl reconfigure-device --no-online cannot "
			"keep it offline", kd.onliners,
			kd.onliners == 1 ? "" : "s");
		advice(c, "leave dax/kmem to daxctl: auto_online_blocks="
		       "offline (memhp policy), no dax-kmem in memhp's "
		       "owners=, no udev rule onlining every block; then "
		       "daxctl online-memory when wanted");
	} else if (ram) {
		summary(c, "%zu dax device%s in system-ram mode, %zu of %zu "
			"block%s online; only daxctl onlines them", ram,
			ram == 1 ? "" : "s", k->movable + k->other,
			k->movable + k->other + k->offline,
			k->movable + k->other + k->offline == 1 ? "" : "s");
	} else {
		/* /proc/iomem names kmem memory the dax bus did not show */
		summary(c, "%zu dax/kmem block%s, %zu online; only daxctl "
			"onlines them", k->movable + k->other + k->offline,
			k->movable + k->other + k->offline == 1 ? "" : "s",
			k->movable + k->other);
	}
	return 0;
}

/* "every owner" when @mask holds every owner that hot-adds memory, else
 * the names of those it holds */
static const char *owner_names(unsigned int mask, char *buf, size_t size)
{
	unsigned int hotadd = ((1u << MEMHP_NR_OWNERS) - 1) &
			      ~(1u << MEMHP_OWNER_BOOT);
	size_t len = 0;

	if ((mask & hotadd) == hotadd)
		return "every owner";
	buf[0] = '\0';
	for (int i = 0; i < MEMHP_NR_OWNERS && len < size; i++)
		if (mask & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "",
						memhp_owner_name(
							(enum memhp_owner)i));
	return buf[0] ? buf : "no owner";
}

static int check_agents(struct memhp_doctor *d, struct memhp_ctx *ctx)
{
	unsigned int seen = 0, shared = 0;
	char owners[128];
	struct memhp_check *c = new_check(d, "other-onliners");
	struct memhp_onliners empty = { 0 }, *on = NULL, o;

	if (!c)
		return -ENOMEM;
	o = memhp_onliners_new(ctx, &on) == 0 ? *on : empty;
	for (size_t i = 0; i < o.nr; i++) {
		const struct memhp_onliner *a = &o.list[i];
		const char *who = owner_names(a->owners, owners,
					      sizeof(owners));

		shared |= seen & a->owners;
		seen |= a->owners;
		if (a->kind == MEMHP_ONLINER_KERNEL)
			evidence(c, "the kernel: %s (%s)", a->text, who);
		else if (a->kind == MEMHP_ONLINER_MEMHP)
			evidence(c, "memhp's auto-online: enabled (%s), "
				 "zone=%s, owners=%s", o.rule.config, a->value,
				 o.rule.conf.owners_text);
		else
			evidence(c, "%s:%u: %s (%s)", a->file, a->line,
				 a->text, who);
	}
	if (shared) {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "%zu agents online hot-added memory on their own "
			"(%s): they race, and the first one decides the zone",
			o.nr, owner_names(shared, owners, sizeof(owners)));
		advice(c, "keep one: memhp policy names them; disable the others "
		       "(a udev rule, memhp's auto-online.conf, or "
		       "auto_online_blocks=offline)");
	} else if (o.nr > 1) {
		summary(c, "%zu agents online hot-added memory, each its own "
			"owners'", o.nr);
	} else if (o.nr == 1) {
		summary(c, "one agent onlines hot-added memory: %s",
			o.list[0].kind == MEMHP_ONLINER_KERNEL ? "the kernel" :
			o.list[0].kind == MEMHP_ONLINER_MEMHP ?
			"memhp's auto-online" : "a udev rule");
	} else {
		summary(c, "nothing onlines hot-added memory behind your back");
	}
	memhp_onliners_free(on);
	return 0;
}

/*
 * memhp policy --persist: the policy from the next boot on.  Only when
 * there is one: it is worth a warning when it is not what runs now (a
 * reboot, or update-grub and a reboot, is pending, or the runtime policy
 * was changed since).
 */
static int check_persisted(struct memhp_doctor *d, struct memhp_ctx *ctx)
{
	struct memhp_policy_persist *p = NULL;
	struct memhp_check *c;
	char differ[256] = "";
	size_t off = 0;

	if (memhp_policy_persist_new(ctx, &p) < 0 ||
	    !*memhp_policy_persist_get_cmdline(p)) {
		memhp_policy_persist_free(p);
		return 0;
	}
	c = new_check(d, "persisted-policy");
	if (!c) {
		memhp_policy_persist_free(p);
		return -ENOMEM;
	}
	evidence(c, "%s: %s", memhp_policy_persist_file(),
		 memhp_policy_persist_get_cmdline(p));
	for (const char *const *k = memhp_policy_keys(); *k; k++) {
		const char *want = memhp_policy_persist_get(p, *k);
		char now[64];
		int n;

		if (!want)
			continue;
		read_knob(ctx, *k, now, sizeof(now));
		if (!strcmp(now, want))
			continue;
		n = snprintf(differ + off, sizeof(differ) - off,
			     "%s%s is %s now, %s from the next boot",
			     off ? "; " : "", *k, now[0] ? now : "(not there)",
			     want);
		if (n > 0 && (size_t)n < sizeof(differ) - off)
			off += (size_t)n;
	}
	if (!off) {
		summary(c, "the persisted policy is the one in effect");
	} else {
		c->status = MEMHP_CHECK_WARN;
		summary(c, "%s", differ);
		advice(c, "reboot (after update-grub) to apply it; memhp policy "
		       "--persist to keep what runs now instead; memhp policy "
		       "--persist --reset to drop it");
	}
	memhp_policy_persist_free(p);
	return 0;
}

MEMHP_EXPORT int memhp_doctor_run(struct memhp_ctx *ctx,
				  struct memhp_doctor **out)
{
	struct memhp_doctor *d = calloc(1, sizeof(*d));
	struct facts f = { 0 };
	int err;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	/* blocks as far as they can be read; a missing tree is a finding */
	(void)memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_ZONES |
				     MEMHP_ATTR_PROBED | MEMHP_ATTR_OWNER);
	gather(ctx, &f);
	err = check_kernel_config(d, &f);
	if (!err)
		err = check_hotplug(d, &f, "memory-hotplug",
				    "CONFIG_MEMORY_HOTPLUG", "hot-add");
	if (!err)
		err = check_hotplug(d, &f, "memory-hotremove",
				    "CONFIG_MEMORY_HOTREMOVE", "hot-remove");
	if (!err)
		err = check_acpi(d, ctx, &f);
	if (!err)
		err = check_memmap(d, ctx, &f);
	if (!err)
		err = check_probe(d, ctx, &f);
	if (!err)
		err = check_windows(d, ctx);
	if (!err)
		err = check_zones(d, &f);
	if (!err)
		err = check_cmdline(d, &f);
	if (!err)
		err = check_policy(d, &f);
	if (!err)
		err = check_persisted(d, ctx);
	if (!err)
		err = check_blocks(d, ctx, &f);
	if (!err)
		err = check_virtio_mem(d, ctx, &f);
	if (!err)
		err = check_dax_kmem(d, ctx, &f);
	if (!err)
		err = check_agents(d, ctx);
	release_facts(&f);
	if (err)
		memhp_doctor_free(d);
	else
		*out = d;
	return err;
}

MEMHP_EXPORT void memhp_doctor_free(struct memhp_doctor *d)
{
	if (!d)
		return;
	free(d->checks);
	memhp_srat_free(d->windows);
	free(d);
}

MEMHP_EXPORT size_t memhp_doctor_get_count(const struct memhp_doctor *d)
{
	return d->nr_checks;
}

MEMHP_EXPORT const struct memhp_check *memhp_doctor_get(
	const struct memhp_doctor *d, size_t i)
{
	return i < d->nr_checks ? &d->checks[i] : NULL;
}

MEMHP_EXPORT size_t memhp_doctor_get_window_count(const struct memhp_doctor *d)
{
	return d->windows ? d->windows->nr : 0;
}

MEMHP_EXPORT const struct memhp_srat_memory *memhp_doctor_get_window(
	const struct memhp_doctor *d, size_t i)
{
	return d->windows ? memhp_srat_get(d->windows, i) : NULL;
}

MEMHP_EXPORT uint64_t memhp_doctor_get_window_bytes(
	const struct memhp_doctor *d)
{
	return d->window_bytes;
}

MEMHP_EXPORT uint64_t memhp_doctor_get_plugged_bytes(
	const struct memhp_doctor *d)
{
	return d->plugged_bytes;
}

MEMHP_EXPORT int memhp_doctor_get_slots(const struct memhp_doctor *d)
{
	return d->slots;
}

MEMHP_EXPORT int memhp_doctor_get_slots_used(const struct memhp_doctor *d)
{
	return d->slots_used;
}

MEMHP_EXPORT uint64_t memhp_doctor_get_movable_bytes(
	const struct memhp_doctor *d)
{
	return d->movable_bytes;
}

MEMHP_EXPORT const char *memhp_check_get_id(const struct memhp_check *c)
{
	return c->id;
}

MEMHP_EXPORT enum memhp_check_status memhp_check_get_status(
	const struct memhp_check *c)
{
	return c->status;
}

MEMHP_EXPORT const char *memhp_check_get_summary(const struct memhp_check *c)
{
	return c->summary;
}

MEMHP_EXPORT const char *memhp_check_get_advice(const struct memhp_check *c)
{
	return c->advice[0] ? c->advice : NULL;
}

MEMHP_EXPORT size_t memhp_check_get_evidence_count(
	const struct memhp_check *c)
{
	return c->nr_evidence;
}

MEMHP_EXPORT const char *memhp_check_get_evidence(const struct memhp_check *c,
						  size_t i)
{
	return i < c->nr_evidence ? c->evidence[i] : NULL;
}

MEMHP_EXPORT const char *memhp_check_status_name(enum memhp_check_status s)
{
	switch (s) {
	case MEMHP_CHECK_OK:
		return "ok";
	case MEMHP_CHECK_WARN:
		return "warn";
	case MEMHP_CHECK_FAIL:
		return "fail";
	}
	return "?";
}
