/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LIBMEMHP_PRIVATE_H
#define LIBMEMHP_PRIVATE_H

#include <signal.h>
#include <sys/types.h>
#include <syslog.h>

#include "libmemhp.h"

#define MEMHP_EXPORT __attribute__((visibility("default")))

/* The sysfs areas the library reads, each a directory below the root. */
enum memhp_area {
	AREA_MEMORY,	/* sys/devices/system/memory */
	AREA_NODE,	/* sys/devices/system/node */
	AREA_MHP_PARAMS,	/* sys/module/memory_hotplug/parameters */
	AREA_MODULE,	/* sys/kernel/memhp */
	AREA_RUN,	/* run/memhp: the lock, created on demand */
	AREA_FIRMWARE_MEMMAP,	/* sys/firmware/memmap */
	AREA_PROC,	/* proc */
	AREA_DEV,	/* dev: memhp.ko's event log is dev/memhp */
	AREA_ACPI_DEVICES,	/* sys/bus/acpi/devices: links into sys/devices */
	AREA_ACPI_HOTPLUG,	/* sys/firmware/acpi/hotplug */
	AREA_ACPI_TABLES,	/* sys/firmware/acpi/tables: SRAT */
	AREA_VIRTIO_DEVICES,	/* sys/bus/virtio/devices: links into sys/devices */
	AREA_DAX_DEVICES,	/* sys/bus/dax/devices: links into sys/devices */
	AREA_FIRMWARE_MEMORY,	/* sys/firmware/memory: s390 memory config */
	AREA_VIRTIO_DRIVERS,	/* sys/bus/virtio/drivers */
	AREA_DAX_DRIVERS,	/* sys/bus/dax/drivers */
	AREA_DEBUG_CMA,		/* sys/kernel/debug/cma: CMA areas (debugfs) */
	NR_AREAS,
};

#define MEMHP_MAX_ZONES 8

typedef int (*memhp_write_hook)(void *data, const char *path,
				const char *value);

/* A clock a test injects (memhp_set_clock) so that retries and timeouts do
 * not depend on how loaded the machine is: sleeping advances it. */
struct memhp_clock {
	uint64_t (*now_ms)(void *data);
	void (*sleep_ms)(void *data, uint64_t ms);
	void *data;
};

struct memhp_block {
	struct memhp_ctx *ctx;
	uint64_t id;
	int node;
	int8_t state;		/* enum memhp_state */
	int8_t removable;	/* -1 unknown */
	int8_t nr_zones;	/* -1 unknown */
	uint8_t zones[MEMHP_MAX_ZONES];
	bool probed;		/* inside a range memhp.ko added */
	uint8_t owner;		/* enum memhp_owner */
	const char *owner_dev;	/* one of ctx->owner_devs, or NULL */
	int8_t configured;	/* sys/firmware/memory: 1, 0; -1 unknown */
	int8_t memmap_on_memory;	/* the same */
};

/* what memhp_block_match() checks; memhp_filter_new() passes everything */
struct memhp_filter {
	int node;		/* -1: any */
	enum memhp_state state;	/* UNKNOWN: any */
	enum memhp_zone zone;	/* MEMHP_ZONE_ANY: any */
	enum memhp_owner owner;	/* MEMHP_OWNER_ANY: any */
};
#define MEMHP_FILTER_INIT { .node = -1, .state = MEMHP_STATE_UNKNOWN, \
			    .zone = MEMHP_ZONE_ANY, .owner = MEMHP_OWNER_ANY }

/* The objects libmemhp.h declares opaque: their layout is the library's
 * own and may change in any release. */
#define MEMHP_AUTOONLINE_MAX_NODES 1024
struct memhp_autoonline {
	bool enabled;
	char zone[16];		/* "movable", "normal" or "auto" */
	bool any_node;		/* no nodes= restriction */
	uint8_t nodes[MEMHP_AUTOONLINE_MAX_NODES / 8];	/* bitmap */
	char nodes_text[128];	/* nodes= as written */
	/* owners=: per owner, the index of its zone word, or one of these */
#define MEMHP_AUTOONLINE_LEAVE (-2)	/* not in owners=: left alone */
#define MEMHP_AUTOONLINE_ZONE (-1)	/* follows zone= */
	int8_t owner_zone[MEMHP_NR_OWNERS];
	char owners_text[128];	/* owners= as written, or the default */
	char error[384];	/* why reading failed: "FILE:LINE: ..." */
};

struct memhp_autoonline_rule {
	char file[256];		/* as seen from the root */
	unsigned int line;
	char text[256];
	char config[256];
	int config_err;		/* 0, -ENOENT, -EINVAL (see conf.error), ... */
	struct memhp_autoonline conf;	/* disabled unless config_err is 0 */
};

struct memhp_onliner {
	enum memhp_onliner_kind kind;
	char file[256];		/* udev, memhp: the rules file from the root */
	unsigned int line;
	char text[256];		/* the rule; kernel: auto_online_blocks=V */
	char value[32];		/* kernel: auto_online_blocks; memhp: zone */
	unsigned int owners;	/* 1 << enum memhp_owner it onlines */
};

struct memhp_onliners {
	size_t nr;
	struct memhp_onliner *list;
	bool have_rule;		/* memhp's rule is installed (even disabled) */
	struct memhp_autoonline_rule rule;
};

struct memhp_acpi_device {
	char name[32];		/* PNP0C80:00, as under sys/bus/acpi/devices */
	char path[128];		/* ACPI namespace path (\_SB_.MHPC.MP00); "" */
	char uid[32];		/* _UID (QEMU: the DIMM slot); "" */
	int status;		/* _STA (15: present, enabled, functional); -1 */
	bool ejectable;		/* has an eject attribute (firmware _EJ0) */
	size_t nr_blocks;
	uint64_t *blocks;	/* its memory blocks, ascending ids */
};

struct memhp_acpi_devices {
	size_t nr;
	struct memhp_acpi_device *list;
};

struct memhp_uevent {
	char action[16];	/* add, remove, online, offline, change, ... */
	char devpath[256];	/* /devices/system/memory/memory37 */
	char subsystem[32];	/* memory; empty when the message has none */
	uint64_t seqnum;	/* 0 when the message has none */
	int64_t block;		/* memoryN's N; -1 when not a memory block */
};

struct memhp_module_event {
	uint64_t ns;		/* CLOCK_BOOTTIME */
	char event[16];		/* add, remove, going-online, online, ...,
				   or "lost" (then @lost says how many) */
	uint64_t start, size;	/* bytes */
	int node;
	int err;		/* 0 or a positive errno */
	uint64_t lost;
};

struct memhp_srat_memory {
	uint64_t start, size;	/* bytes */
	uint32_t proximity_domain;
	bool enabled, hotpluggable, nonvolatile;
};

struct memhp_srat {
	size_t nr;
	struct memhp_srat_memory *list;
};

#define MEMHP_CHECK_MAX_EVIDENCE 12
struct memhp_check {
	char id[32];		/* "kernel-config", "hotplug-window", ... */
	enum memhp_check_status status;
	char summary[256];
	char advice[320];	/* "" when there is nothing to do */
	size_t nr_evidence;
	char evidence[MEMHP_CHECK_MAX_EVIDENCE][224];
};

struct memhp_doctor {
	struct memhp_check *checks;
	size_t nr_checks;
	/* the hot-pluggable windows of the SRAT (enabled entries) */
	struct memhp_srat *windows;
	uint64_t window_bytes;	/* their total size */
	uint64_t plugged_bytes;	/* memory blocks present inside them */
	int slots;		/* ACPI memory devices (PNP0C80); -1 unknown */
	int slots_used;		/* of those, present (_STA) */
	uint64_t movable_bytes;	/* ZONE_MOVABLE present, all nodes */
};

struct memhp_ctx {
	int refcount;
	char *root;
	int root_fd;
	int area_fd[NR_AREAS];
#ifdef MEMHP_TEST_SEAMS
	memhp_write_hook write_hook;	/* tests only: see memhp_write_attr */
	void *write_hook_data;
#endif
	int lock_fd;
	unsigned int lock_depth;	/* memhp_lock() nesting */
	volatile sig_atomic_t cancel;	/* memhp_cancel() */
	const struct memhp_clock *clock;	/* tests only; NULL: real */
	memhp_progress_fn progress_fn;
	void *progress_data;
	memhp_log_fn log_fn;
	void *log_data;
	int log_priority;

	bool listed;		/* memoryN directories enumerated */
	unsigned int attrs_read;
	uint64_t block_size;
	struct memhp_block *blocks;
	size_t nr_blocks;
	bool have_nodes;
	bool have_zones;
	bool have_memconfig;	/* the blocks are sys/firmware/memory's */
	char **owner_devs;	/* the owner devices the blocks point to */
	size_t nr_owner_devs;
	/* what overlaps blocks, read once for a census batch (iomem.c's
	 * System RAM, cma.c's areas); memhp_overlaps_forget() drops them */
	struct memhp_ram_cache *ram;
	struct memhp_cma_cache *cma;
};

void memhp_log(const struct memhp_ctx *ctx, int priority, const char *file,
	       int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define memhp_log_cond(ctx, prio, ...)                                      \
	do {                                                                \
		if ((ctx)->log_priority >= (prio))                          \
			memhp_log((ctx), (prio), __FILE__, __LINE__,        \
				  __func__, __VA_ARGS__);                   \
	} while (0)
#define err(ctx, ...) memhp_log_cond(ctx, LOG_ERR, __VA_ARGS__)
#define info(ctx, ...) memhp_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define dbg(ctx, ...) memhp_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)

#ifdef MEMHP_TEST_SEAMS
/*
 * A test seam: when set, every attribute write goes to the hook instead
 * of write(2).  It gets the path below the sysfs root and returns 0 or a
 * negative errno.  Compiled only into memhp_internal (MEMHP_TEST_SEAMS),
 * the static copy the unit tests link; libmemhp.so has no such hook (the
 * cli tests' seam is the preload shim, tests/fakekernel/preload.c).
 */
void memhp_set_write_hook(struct memhp_ctx *ctx, memhp_write_hook hook,
			  void *data);
/* false: resolve every path with the component walk, as where the kernel
 * has no openat2 (true puts openat2 back; process-wide) */
void memhp_set_openat2(bool use);
#endif
/* The clock seam: NULL puts the real one back.  Not exported. */
void memhp_set_clock(struct memhp_ctx *ctx, const struct memhp_clock *clock);

/* engine.c: the clock (an injected one, or CLOCK_MONOTONIC), and a sleep
 * that a cancel cuts short */
uint64_t memhp_now_ms(struct memhp_ctx *ctx);
void memhp_sleep_ms(struct memhp_ctx *ctx, uint64_t ms);
/* engine.c: memhp's state lock (flock on run/memhp/lock below the root),
 * held by a whole transaction; nested calls only count.  0, -EWOULDBLOCK
 * (held elsewhere past @timeout_ms, 0: the default), -ECANCELED, or the
 * errno of creating the lock file. */
int memhp_lock(struct memhp_ctx *ctx, unsigned int timeout_ms);
void memhp_unlock(struct memhp_ctx *ctx);
/* block.c: the index of the first block whose id is >= @id */
size_t memhp_block_lower_bound(const struct memhp_ctx *ctx, uint64_t id);
/* owner.c: sets each block's owner (MEMHP_ATTR_OWNER); frees the devices */
void memhp_read_owners(struct memhp_ctx *ctx);
void memhp_free_owners(struct memhp_ctx *ctx);
/* iomem.c: calls @fn for each resource of proc/iomem, in file order, with
 * its name and its parent's (NULL at the top); stops at the first nonzero
 * return and returns it.  -EFBIG past 16 MiB; a file whose addresses are
 * all 0 (read without root) has no resources. */
typedef int (*memhp_iomem_fn)(void *data, uint64_t start, uint64_t end,
			      const char *name, const char *parent);
int memhp_iomem_walk(struct memhp_ctx *ctx, memhp_iomem_fn fn, void *data);
/* The same over the text of a proc/iomem (NUL-terminated). */
int memhp_iomem_parse(const char *text, memhp_iomem_fn fn, void *data);
/* How many of the @nr_pages page frames from @first_pfn some "System RAM"
 * resource of proc/iomem covers whole (what offline_pages() counts with
 * walk_system_ram_range() to refuse a block with holes), into *@ram.  0;
 * -ENODATA when proc/iomem names no System RAM at all (read without root);
 * or why it could not be read. */
int memhp_iomem_ram_pages(struct memhp_ctx *ctx, uint64_t first_pfn,
			  uint64_t nr_pages, uint64_t page_size,
			  uint64_t *ram);
/* cma.c: how many of the @nr_pages page frames from @first_pfn lie in a
 * CMA area, into *@pages, and the source that says so into *@source:
 * "meminfo" (proc/meminfo: the kernel has no CMA area) or "debugfs"
 * (sys/kernel/debug/cma: where each area is).  0; -ENODATA when the kernel
 * has CMA areas and no readable source places them all; or why
 * proc/meminfo could not be read. */
int memhp_cma_pages(struct memhp_ctx *ctx, uint64_t first_pfn,
		    uint64_t nr_pages, uint64_t page_size, uint64_t *pages,
		    const char **source);
/* Drops what memhp_iomem_ram_pages() and memhp_cma_pages() keep between
 * calls: at every scan of the blocks and at the start of a plan's check
 * and run, so that a census never counts memory hot-added since as a
 * hole. */
void memhp_overlaps_forget(struct memhp_ctx *ctx);
void memhp_ram_cache_free(struct memhp_ram_cache *r);
void memhp_cma_cache_free(struct memhp_cma_cache *c);
/* owner.c: what a "System RAM..." resource @name (under @parent, or NULL)
 * says of who added it: BOOT for plain System RAM, else the driver's
 * owner; @dev gets the device (the parent, or an unknown driver's name),
 * "" for none.  -1 for a resource that is not System RAM. */
int memhp_iomem_owner(const char *name, const char *parent, char *dev,
		      size_t size);
/* engine.c: where onlining into @zone (as memhp_plan_set_zone() takes it)
 * puts a block, as the auto_online_blocks value that would do the same:
 * "online" (the kernel picks), "online_kernel", "online_movable"; NULL for
 * a named kernel zone, which only memhp can check, or a bad name. */
const char *memhp_zone_online_type(const char *zone);
/* policy.c: puts back the knobs a memhp_policy_set_run() that returned 0
 * set, unless another agent changed them since (those are left alone and
 * logged); true when every one is back. */
bool memhp_policy_set_undo(struct memhp_policy_set *set);
/* A plan that puts blocks back online into the zones they were in:
 * @zones[i] (enum memhp_zone; MEMHP_ZONE_UNKNOWN: the kernel's choice) for
 * block @ids[i]. */
int memhp_plan_new_restore(struct memhp_ctx *ctx, const uint64_t *ids,
			   const int *zones, size_t n,
			   struct memhp_plan **plan);

/* reclaim.c: reads the counters into "before" without writing (what a
 * dry run reports) */
void memhp_reclaim_read_before(struct memhp_reclaim *reclaim);

/* path.c: all I/O below the sysfs root */
const char *memhp_area_path(enum memhp_area area);
int memhp_area_fd(struct memhp_ctx *ctx, enum memhp_area area);
void memhp_close_areas(struct memhp_ctx *ctx);
/* Reads a small attribute into @buf, strips the trailing newline; returns
 * its length or a negative errno. */
ssize_t memhp_read_attr(struct memhp_ctx *ctx, enum memhp_area area,
			const char *name, char *buf, size_t size);
/* Strips sysfs's trailing newline from @n bytes read into @buf and
 * terminates it; the length, or -EFBIG when it filled @size. */
ssize_t memhp_attr_finish(char *buf, ssize_t n, size_t size);

/* batch.c: many small reads at once */
struct memhp_read_req {
	char name[48];		/* relative to the area */
	char *buf;
	size_t size;
	ssize_t result;		/* length, or a negative errno */
};
void memhp_read_attrs(struct memhp_ctx *ctx, enum memhp_area area,
		      struct memhp_read_req *reqs, size_t nr);

typedef int (*memhp_dirent_fn)(const char *name, unsigned char type,
			       void *data);
/* Calls @fn for each entry of directory @name (NULL: the area itself). */
int memhp_walk_dir(struct memhp_ctx *ctx, enum memhp_area area,
		   const char *name, memhp_dirent_fn fn, void *data);
/* devblocks.c: lists the memory blocks (state and node), then calls @fn
 * for each entry of a bus's devices directory @area; 0 when there is no
 * such bus. */
int memhp_bus_walk(struct memhp_ctx *ctx, enum memhp_area area,
		   memhp_dirent_fn fn, void *data);
bool memhp_area_exists(struct memhp_ctx *ctx, enum memhp_area area);
/* Opens @name below @area (confined to it): an fd or a negative errno */
int memhp_area_open(struct memhp_ctx *ctx, enum memhp_area area,
		    const char *name, int flags);
/* Any path below the root (symlinks resolved inside it): an fd or -errno */
int memhp_root_open(struct memhp_ctx *ctx, const char *path, int flags);
int memhp_walk_root_dir(struct memhp_ctx *ctx, const char *path,
			memhp_dirent_fn fn, void *data);
/* Opens entry @name of @area with symlinks followed, inside the root (the
 * bus directories hold links into sys/devices): an fd or -errno */
int memhp_area_follow(struct memhp_ctx *ctx, enum memhp_area area,
		      const char *name, int flags);
/* Calls @fn for each entry of the open directory @fd, then closes it. */
int memhp_walk_fd(int fd, memhp_dirent_fn fn, void *data);
/* memhp_read_attr and memhp_write_attr on a directory opened by the
 * caller; @what names it for the write hook and the log
 * (the area path and the entry name: .../acpi/devices/PNP0C80:00) */
ssize_t memhp_read_at(struct memhp_ctx *ctx, int dirfd, const char *name,
		      char *buf, size_t size);
int memhp_write_at(struct memhp_ctx *ctx, int dirfd, const char *what,
		   const char *name, const char *value);
/* Writes @value to attribute @name; 0 or a negative errno. */
int memhp_write_attr(struct memhp_ctx *ctx, enum memhp_area area,
		     const char *name, const char *value);
/* What a read or write refuses a file that is not a regular one with (a
 * FIFO, a device, a socket where an attribute should be: sysfs attributes
 * are regular files).  Linux has no EFTYPE; memhp_strerror() says "not a
 * regular file" for it. */
#define MEMHP_ENOTREG EMEDIUMTYPE
const char *memhp_strerror(int e);
/* 0 when @fd is a regular file, -MEMHP_ENOTREG or a stat errno */
int memhp_check_regular(int fd);
/* Opens @path below @area (NR_AREAS: below the root, symlinks resolved
 * inside it) non-blocking, and only when it is a regular file: an fd or
 * -errno (-MEMHP_ENOTREG). */
int memhp_open_regular(struct memhp_ctx *ctx, enum memhp_area area,
		       const char *path, int flags);
/* Opens (creating) the lock file under the root's run/memhp, refusing a
 * symlink on the way (-ENOTDIR). */
int memhp_open_lock_file(struct memhp_ctx *ctx);
/* All of @fd, NUL-terminated (it may hold NULs too), in a buffer of at most
 * @max bytes that the caller frees: 0, -EFBIG, -ENOMEM or a read errno. */
int memhp_read_fd_all(int fd, size_t max, char **buf, size_t *len);
/* A policy value as the kernel takes it, into @buf (policy.c); with @boot
 * as the kernel command line takes it (memmap_on_memory is settable). */
int memhp_policy_normalize(struct memhp_ctx *ctx, const char *key,
			   const char *value, bool boot, char *buf, size_t size);
/* The same for a regular file below the root: memhp_open_regular()'s
 * errors, or memhp_read_fd_all()'s. */
int memhp_read_file(struct memhp_ctx *ctx, enum memhp_area area,
		    const char *path, size_t max, char **buf, size_t *len);

/* parse.c */
int memhp_parse_u64(const char *s, int base, uint64_t *out);
/* "<prefix><decimal digits>" -> the number; -EINVAL otherwise */
int memhp_parse_indexed_name(const char *name, const char *prefix,
			     uint64_t *out);

/* A hex number with or without one 0x (memhp.ko's range files) */
int memhp_parse_hex(const char *text, uint64_t *out);
/* A range that holds a byte and ends below 2^64 */
bool memhp_range_valid(uint64_t start, uint64_t size);
/* The first and last block a valid range touches */
void memhp_range_blocks(uint64_t start, uint64_t size, uint64_t block_size,
			uint64_t *first, uint64_t *last);
/* block_size_bytes (hex, as the kernel prints it) that is a power of two
 * between MEMHP_MIN_BLOCK_SIZE and MEMHP_MAX_BLOCK_SIZE; -EINVAL otherwise */
#define MEMHP_MIN_BLOCK_SIZE (4ull << 10)
#define MEMHP_MAX_BLOCK_SIZE (64ull << 30)
int memhp_parse_block_size(const char *text, uint64_t *out);
/* Does block @id of @block_size bytes end below 2^64? */
bool memhp_block_id_fits(uint64_t id, uint64_t block_size);
/* @in with control bytes and backslashes as \xNN, cut to @size (with
 * "..."): for values read from a tree that go into a one-line message */
const char *memhp_escape(const char *in, char *out, size_t size);

/* autoonline.c: is this udev rules line memhp's auto-online (RUN memhp
 * online --udev)? */
bool memhp_is_autoonline_rule(const char *line);
void memhp_autoonline_rule_config(const char *line, char *buf, size_t size);
void memhp_autoonline_load_config(struct memhp_ctx *ctx,
				  struct memhp_autoonline_rule *rule);
/* memhp_autoonline_parse() and _read() into a config the caller has */
int memhp_autoonline_parse_into(const char *text, size_t len,
				const char *name, struct memhp_autoonline *conf);
int memhp_autoonline_read_into(int fd, const char *name,
			       struct memhp_autoonline *conf);
/* lib/onliners.c: the udev rules as udev reads them (precedence, masking):
 * memhp's own rule into @o->rule (@o->have_rule), the other onlining
 * lines appended to @o->list. */
int memhp_scan_udev_rules(struct memhp_ctx *ctx, struct memhp_onliners *o);
/* doctor.c: /proc/zoneinfo's ZONE_MOVABLE present pages (all nodes), and
 * whether a kernel command line word shapes memory hotplug */
uint64_t memhp_zoneinfo_movable_pages(const char *zoneinfo, bool *found);
bool memhp_is_hotplug_param(const char *tok);

/* devblocks.c: the memory blocks inside a device's physical range (whole
 * blocks within [start, start + size)), with how many are online and the
 * node they share (-1: none known, or several).  Needs the blocks listed
 * with MEMHP_ATTR_STATE and MEMHP_ATTR_NODE read. */
struct memhp_dev_blocks {
	uint64_t *ids;		/* ascending */
	size_t nr, online;
	int node;
};
int memhp_dev_blocks_read(struct memhp_ctx *ctx, uint64_t start,
			  uint64_t size, struct memhp_dev_blocks *out);
void memhp_dev_blocks_clear(struct memhp_dev_blocks *b);
/* @arr (of @nr items of @size bytes, room for *@cap) with room for one
 * more: itself, or a larger copy (*@cap updated); NULL, @arr untouched,
 * when out of memory. */
void *memhp_grow(void *arr, size_t nr, size_t *cap, size_t size);
/* A device's readlink(@dirfd/@link) target's last component into @buf
 * ("kmem" for a driver link); "" when there is no such link. */
void memhp_link_base(int dirfd, const char *link, char *buf, size_t size);

/* block.c: re-read attributes of one block (state changes) */
void memhp_block_refresh(struct memhp_block *b, unsigned int attrs);
/* Online with valid_zones "none": the block spans two zones, and
 * memory_block_offline() refuses it (EINVAL) as it refuses a hole. */
static inline bool memhp_block_spans_zones(const struct memhp_block *b)
{
	return b->state == MEMHP_STATE_ONLINE && b->nr_zones == 1 &&
	       b->zones[0] == MEMHP_ZONE_NONE;
}

/* memconfig.c: s390's memory configuration (sys/firmware/memory) */
/* true when the firmware lists memory0 there: its memoryN are the blocks */
bool memhp_memconfig_present(struct memhp_ctx *ctx);
/* reads the block's config and memmap_on_memory */
void memhp_memconfig_read(struct memhp_block *b);
/* a block the firmware has not configured has no sysfs directory: it is
 * offline, with nothing else known (call after reading its attributes) */
void memhp_memconfig_apply(struct memhp_block *b);
/* valid_zones ("Normal Movable") into at most @max zone ids; the count */
int memhp_parse_zones(const char *text, uint8_t *zones, size_t max);

/* census.c: the bits of a proc/kpageflags word it reads (the kernel's
 * include/uapi/linux/kernel-page-flags.h; 32 and up are the kernel's
 * include/linux/kernel-page-flags.h) */
enum {
	MEMHP_KPF_LRU = 5,
	MEMHP_KPF_SLAB = 7,
	MEMHP_KPF_BUDDY = 10,
	MEMHP_KPF_MMAP = 11,
	MEMHP_KPF_ANON = 12,
	MEMHP_KPF_COMPOUND_HEAD = 15,
	MEMHP_KPF_COMPOUND_TAIL = 16,
	MEMHP_KPF_HUGE = 17,
	MEMHP_KPF_UNEVICTABLE = 18,
	MEMHP_KPF_HWPOISON = 19,
	MEMHP_KPF_NOPAGE = 20,
	MEMHP_KPF_THP = 22,
	MEMHP_KPF_OFFLINE = 23,
	MEMHP_KPF_ZERO_PAGE = 24,
	MEMHP_KPF_PGTABLE = 26,
	MEMHP_KPF_RESERVED = 32,
	MEMHP_KPF_MLOCKED = 33,
};
/* the kind of one page from its flags alone (a compound tail may take its
 * head's kind, and a long hugetlb run is gigantic: the census decides) */
enum memhp_page_kind memhp_kpf_kind(uint64_t flags);
/* sets the census's verdict and why from its counts */
void memhp_census_judge(struct memhp_census *census);
/* the census of each of @n blocks into @out[i] (as memhp_census_new()
 * leaves it), several at once; 0, or the error of one that failed */
int memhp_census_read_many(struct memhp_ctx *ctx, const uint64_t *blocks,
			   size_t n, struct memhp_census **out);

/* kmsg.c: the kernel's log around an offline attempt.  dev/kmsg below
 * the root (the kernel's device, or a regular file in a fixture), opened
 * at its end: an fd or -errno. */
#define MEMHP_KMSG_LINE 200
#define MEMHP_KMSG_MAX 16
int memhp_kmsg_open(struct memhp_ctx *ctx);
/* Appends to @lines (from @nr, at most @max) the text of the records in
 * @buf (NUL-terminated, "PRIO,SEQ,USEC,FLAGS;TEXT" a line) that name a
 * page of [@first_pfn, +@nr_pages) or overlap its bytes, with the page
 * dump lines after them, each line once; the new count. */
size_t memhp_kmsg_filter(const char *buf, uint64_t first_pfn,
			 uint64_t nr_pages, uint64_t page_size,
			 char (*lines)[MEMHP_KMSG_LINE], size_t nr,
			 size_t max);
/* The same over what arrived on @fd since it was opened (or last read). */
size_t memhp_kmsg_collect(int fd, uint64_t first_pfn, uint64_t nr_pages,
			  uint64_t page_size, char (*lines)[MEMHP_KMSG_LINE],
			  size_t nr, size_t max);

#endif
