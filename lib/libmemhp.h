/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemhp - access to the Linux memory hotplug sysfs interfaces.
 *
 * Every path the library opens is resolved below a sysfs root (default
 * "/"), so the whole API works on a copy of the tree as well as on the live
 * system.  Functions that can fail return 0 or a negative errno and report
 * details through the context's log function; the library never prints.
 *
 * Conventions, so that the ABI can grow:
 * - Objects are opaque: callers read them through getters,
 *   memhp_X_get_Y(const struct memhp_X *), and a later release can add
 *   fields without breaking programs built against this one.
 * - The context is refcounted: memhp_ref() and memhp_unref().  Every other
 *   object the library makes for the caller (memhp_X_new(), a transaction's
 *   result, a parsed file) belongs to the caller, who frees it with
 *   memhp_X_free(); a NULL object is a no-op.  Strings handed out through a
 *   char ** are freed with free(3).
 * - Constructors take the context first (where they need one), flags next,
 *   then their other inputs, and the new object last, as an
 *   out-parameter; they return 0 or a negative errno.
 * - A list's length is memhp_X_get_count(), its items memhp_X_get(X, i)
 *   (NULL past the end).
 */
#ifndef LIBMEMHP_H
#define LIBMEMHP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memhp_ctx;
struct memhp_block;
struct memhp_ranges;
struct memhp_range;

/* context */
int memhp_new(const char *sysfs_root, struct memhp_ctx **ctx);
struct memhp_ctx *memhp_ref(struct memhp_ctx *ctx);
struct memhp_ctx *memhp_unref(struct memhp_ctx *ctx);
const char *memhp_get_sysfs_root(const struct memhp_ctx *ctx);

typedef void (*memhp_log_fn)(void *data, int priority, const char *file,
			     int line, const char *fn, const char *format,
			     va_list args);
/* called from one thread at a time (it need not be thread-safe), and it
 * must not call back into the library */
void memhp_set_log_fn(struct memhp_ctx *ctx, memhp_log_fn fn, void *data);
int memhp_get_log_priority(const struct memhp_ctx *ctx);
void memhp_set_log_priority(struct memhp_ctx *ctx, int priority);

/* vocabulary */
enum memhp_state {
	MEMHP_STATE_UNKNOWN = 0,
	MEMHP_STATE_ONLINE,
	MEMHP_STATE_OFFLINE,
	MEMHP_STATE_GOING_OFFLINE,
};

enum memhp_zone {
	MEMHP_ZONE_DMA = 0,
	MEMHP_ZONE_DMA32,
	MEMHP_ZONE_NORMAL,
	MEMHP_ZONE_HIGHMEM,
	MEMHP_ZONE_MOVABLE,
	MEMHP_ZONE_DEVICE,
	MEMHP_ZONE_NONE,	/* an online block spanning zones */
	MEMHP_ZONE_UNKNOWN,	/* a name this library does not know */
	MEMHP_NR_ZONES,		/* the zones this header names; a later
				   library may name more */
	MEMHP_ZONE_ANY = -1,	/* no zone: any (filters), not known */
};

/* "512M", "1G", "4KiB" (binary units) into bytes; a unit is required and
 * zero is refused: 0, -EINVAL, -ERANGE */
int memhp_parse_size(const char *text, uint64_t *bytes);

/* sysfs spelling ("online", "going-offline"); NULL for UNKNOWN */
const char *memhp_state_name(enum memhp_state state);
enum memhp_state memhp_state_from_name(const char *name);
/* sysfs spelling ("Normal", "none") */
const char *memhp_zone_name(enum memhp_zone zone);
/* case-insensitive whole-name match; MEMHP_ZONE_UNKNOWN if none */
enum memhp_zone memhp_zone_from_name(const char *name, size_t len);

/*
 * Blocks.  memhp_blocks_scan() lists the memoryN directories once and reads
 * the attributes in @attrs that were not read before; blocks are kept in
 * ascending id order.
 */
enum memhp_attr {
	MEMHP_ATTR_STATE = 1u << 0,
	MEMHP_ATTR_REMOVABLE = 1u << 1,
	MEMHP_ATTR_NODE = 1u << 2,
	MEMHP_ATTR_ZONES = 1u << 3,
	MEMHP_ATTR_PROBED = 1u << 4,	/* inside a range memhp.ko added */
	MEMHP_ATTR_OWNER = 1u << 5,	/* who added it: memhp_block_get_owner */
	/* s390's memory configuration (sys/firmware/memory), read with the
	 * block list; as attributes they only split ranges */
	MEMHP_ATTR_CONFIGURED = 1u << 6,
	MEMHP_ATTR_MEMMAP_ON_MEMORY = 1u << 7,
	MEMHP_ATTR_ALL = (1u << 8) - 1,
};
int memhp_blocks_scan(struct memhp_ctx *ctx, unsigned int attrs);
uint64_t memhp_get_block_size(const struct memhp_ctx *ctx);
size_t memhp_block_get_count(const struct memhp_ctx *ctx);
/* true when any block has a node link / a valid_zones attribute */
bool memhp_have_nodes(const struct memhp_ctx *ctx);
bool memhp_have_zones(const struct memhp_ctx *ctx);
/* true when the firmware lists the memory configuration
 * (sys/firmware/memory/memory0, s390): then its memoryN are the blocks,
 * and a block it has not configured is offline with nothing else known */
bool memhp_have_memconfig(const struct memhp_ctx *ctx);

struct memhp_block *memhp_block_get_first(struct memhp_ctx *ctx);
struct memhp_block *memhp_block_get_next(struct memhp_block *block);
#define memhp_block_foreach(ctx, block)                                   \
	for ((block) = memhp_block_get_first(ctx); (block) != NULL;       \
	     (block) = memhp_block_get_next(block))
struct memhp_block *memhp_block_get_by_id(struct memhp_ctx *ctx, uint64_t id);

uint64_t memhp_block_get_id(const struct memhp_block *block);
uint64_t memhp_block_get_start(const struct memhp_block *block);
enum memhp_state memhp_block_get_state(const struct memhp_block *block);
/* node id, or -1 when the block has no node link */
int memhp_block_get_node(const struct memhp_block *block);
/* 1 or 0; -1 when the attribute is missing or unreadable */
int memhp_block_get_removable(const struct memhp_block *block);
/* number of valid_zones tokens (default first), -1 when not available */
int memhp_block_get_zones(const struct memhp_block *block,
			  const uint8_t **zones);
/* inside a range memhp.ko added (needs MEMHP_ATTR_PROBED scanned) */
bool memhp_block_is_probed(const struct memhp_block *block);
/* the firmware's config and memmap_on_memory for the block: 1 or 0; -1
 * without a memory configuration (memhp_have_memconfig) or unreadable */
int memhp_block_get_configured(const struct memhp_block *block);
int memhp_block_get_memmap_on_memory(const struct memhp_block *block);
/* whole-token match of @zone in the block's valid_zones */
bool memhp_block_has_zone(const struct memhp_block *block,
			  enum memhp_zone zone);

/*
 * Who added a block (MEMHP_ATTR_OWNER), from the kernel's own records: the
 * System RAM resource of /proc/iomem that covers it (its name says which
 * driver added the memory, its parent names the device), the ACPI memory
 * device bound to it, and memhp.ko's ranges.  Plain System RAM that no
 * ACPI device or memhp.ko range claims is boot memory (memory added
 * through the kernel's probe attribute looks the same).  /proc/iomem shows
 * addresses to root only: without them, only ACPI DIMMs and memhp.ko's
 * ranges are known and the rest is unknown.
 */
enum memhp_owner {
	MEMHP_OWNER_ANY = -1,	/* filters: any owner */
	MEMHP_OWNER_UNKNOWN,
	MEMHP_OWNER_BOOT,
	MEMHP_OWNER_ACPI_DIMM,	/* device: the ACPI device, PNP0C80:00 */
	MEMHP_OWNER_VIRTIO_MEM,	/* device: virtio0 */
	MEMHP_OWNER_DAX_KMEM,	/* device: dax0.0 */
	MEMHP_OWNER_MEMHP,	/* device: the range's start, 0x100000000 */
	MEMHP_NR_OWNERS,
};
/* "unknown", "boot", "acpi-dimm", "virtio-mem", "dax-kmem", "memhp" */
const char *memhp_owner_name(enum memhp_owner owner);
/* -EINVAL for a name that is none of them */
int memhp_owner_from_name(const char *name);
enum memhp_owner memhp_block_get_owner(const struct memhp_block *block);
/* the owning device, or NULL (boot memory; unknown: the driver that added
 * it when /proc/iomem names one that memhp does not know) */
const char *memhp_block_get_owner_device(const struct memhp_block *block);

/*
 * Which blocks a listing or a plan takes: an object, so that criteria can
 * be added later.  A new filter passes every block; each setter narrows it
 * (node -1, MEMHP_STATE_UNKNOWN and MEMHP_ZONE_ANY widen it again).  A
 * NULL filter passes every block too.
 */
struct memhp_filter;
int memhp_filter_new(struct memhp_filter **filter);
void memhp_filter_free(struct memhp_filter *filter);
void memhp_filter_set_node(struct memhp_filter *filter, int node);
void memhp_filter_set_state(struct memhp_filter *filter,
			    enum memhp_state state);
void memhp_filter_set_zone(struct memhp_filter *filter, enum memhp_zone zone);
/* blocks @owner added (MEMHP_OWNER_ANY: any); the blocks must have
 * MEMHP_ATTR_OWNER scanned */
void memhp_filter_set_owner(struct memhp_filter *filter,
			    enum memhp_owner owner);
bool memhp_block_match(const struct memhp_block *block,
		       const struct memhp_filter *filter);

/*
 * Ranges: runs of contiguous blocks that agree on every attribute named in
 * @split (MEMHP_ATTR_* bits).  With @each_block every block is its own
 * range.  A range reports the attributes of its first block.
 */
int memhp_ranges_new(struct memhp_ctx *ctx, unsigned int split,
		     bool each_block, const struct memhp_filter *filter,
		     struct memhp_ranges **ranges);
void memhp_ranges_free(struct memhp_ranges *ranges);
size_t memhp_ranges_get_count(const struct memhp_ranges *ranges);
const struct memhp_range *memhp_ranges_get(const struct memhp_ranges *ranges,
					   size_t i);
const struct memhp_block *memhp_range_get_first_block(
	const struct memhp_range *range);
uint64_t memhp_range_get_block_count(const struct memhp_range *range);

/* Usage per node, by node id: byte totals by state and online bytes by
 * zone. */
struct memhp_usage;
struct memhp_node_usage;
int memhp_usage_new(struct memhp_ctx *ctx, struct memhp_usage **usage);
void memhp_usage_free(struct memhp_usage *usage);
size_t memhp_usage_get_count(const struct memhp_usage *usage);
/* NULL past the end */
const struct memhp_node_usage *memhp_usage_get(const struct memhp_usage *usage,
					       size_t i);
/* -1: blocks without a node link */
int memhp_node_usage_get_node(const struct memhp_node_usage *u);
uint64_t memhp_node_usage_get_blocks(const struct memhp_node_usage *u);
/* bytes; going-offline and unknown count as offline */
uint64_t memhp_node_usage_get_online(const struct memhp_node_usage *u);
uint64_t memhp_node_usage_get_offline(const struct memhp_node_usage *u);
/* online bytes whose block's zone is @zone; 0 for a zone not named */
uint64_t memhp_node_usage_get_zone_online(const struct memhp_node_usage *u,
					  enum memhp_zone zone);
/* bytes online (or offline: going-offline and unknown count here) that
 * @owner added, over all nodes; 0 for an owner with none */
uint64_t memhp_usage_get_owner_bytes(const struct memhp_usage *usage,
				     enum memhp_owner owner, bool online);
/* Per-node memory from libnuma; only on the live system (root "/"). */
int memhp_node_meminfo(struct memhp_ctx *ctx, int node, uint64_t *total,
		       uint64_t *free);

/* Policy knobs, by their sysfs names (auto_online_blocks, online_policy,
 * auto_movable_ratio, auto_movable_numa_aware, memmap_on_memory). */
const char *const *memhp_policy_keys(void);
int memhp_policy_read(struct memhp_ctx *ctx, const char *key, char **value);

/* Sets a policy knob after checking the value: auto_online_blocks and
 * online_policy take the words memhp_policy_values() lists,
 * auto_movable_ratio a whole number, auto_movable_numa_aware yes/no;
 * memmap_on_memory is boot-only (-EPERM). */
int memhp_policy_write(struct memhp_ctx *ctx, const char *key,
		       const char *value);
/* the same checks, without writing */
int memhp_policy_check(struct memhp_ctx *ctx, const char *key,
		       const char *value);
/* NULL-terminated accepted values of a word-valued key, or NULL */
const char *const *memhp_policy_values(const char *key);
/*
 * Setting several knobs as one transaction: memhp_policy_set_add() checks
 * each value (-EINVAL unknown key, bad value or a key given twice; -EPERM
 * a boot parameter) and memhp_policy_set_run() takes the lock, reads every
 * old value (-ENOENT and friends: this kernel lacks a knob, nothing is
 * written), writes each and reads it back; at the first failed write it
 * puts back the knobs it set (those another agent changed since stay as
 * they are) and returns that errno.  "from" and "to" are as the kernel
 * prints them; "to" is NULL for a knob that is not (or no longer) set.
 */
struct memhp_policy_set;
int memhp_policy_set_new(struct memhp_ctx *ctx, struct memhp_policy_set **set);
int memhp_policy_set_add(struct memhp_policy_set *set, const char *key,
			 const char *value);
int memhp_policy_set_run(struct memhp_policy_set *set);
size_t memhp_policy_set_get_count(const struct memhp_policy_set *set);
const char *memhp_policy_set_get_key(const struct memhp_policy_set *set,
				     size_t i);
const char *memhp_policy_set_get_from(const struct memhp_policy_set *set,
				      size_t i);
const char *memhp_policy_set_get_to(const struct memhp_policy_set *set,
				    size_t i);
void memhp_policy_set_free(struct memhp_policy_set *set);

/*
 * The policy from the next boot on (memhp policy --persist): the kernel's
 * own parameters (memhp_default_state=, memory_hotplug.KEY=) in a GRUB
 * drop-in below the root, memhp_policy_persist_file(), which update-grub
 * adds to GRUB_CMDLINE_LINUX.  _new() reads what the drop-in holds (none
 * is not an error); _set() checks and adds a key (memmap_on_memory too:
 * yes, no or force), _get() is a key's value as the kernel takes it or
 * NULL, _get_cmdline() the parameters as one line.  _write() replaces the
 * drop-in whole (-ENOENT: no etc/default/grub below the root, GRUB is not
 * the boot loader); _reset() removes it (0 when there was none).
 */
struct memhp_policy_persist;
int memhp_policy_persist_new(struct memhp_ctx *ctx,
			     struct memhp_policy_persist **persist);
int memhp_policy_persist_set(struct memhp_policy_persist *persist,
			     const char *key, const char *value);
const char *memhp_policy_persist_get(const struct memhp_policy_persist *persist,
				     const char *key);
const char *memhp_policy_persist_get_cmdline(
	struct memhp_policy_persist *persist);
int memhp_policy_persist_write(struct memhp_policy_persist *persist);
int memhp_policy_persist_reset(struct memhp_ctx *ctx);
const char *memhp_policy_persist_file(void);
void memhp_policy_persist_free(struct memhp_policy_persist *persist);

/*
 * memhp's own auto-online: the udev rule 60-memhp-auto-online.rules runs
 * "memhp online --udev" for hot-added memory blocks, and a small config
 * says whether they are onlined and where.  One KEY=VALUE a line, blank
 * lines and lines starting with # ignored, a later key overriding an
 * earlier one:
 *   enabled=no      yes or no (true/false, on/off, 1/0); default no
 *   zone=movable    movable, normal or auto; default movable
 *   nodes=          only blocks on these NUMA nodes (0,2-3); empty: all
 *   owners=acpi-dimm,memhp,unknown,virtio-mem:auto
 *                   whose blocks (memhp_block_get_owner) are onlined, each
 *                   into zone= or the zone after its colon; the others'
 *                   are left alone.  The default leaves dax-kmem to daxctl
 *                   and lets the kernel's online_policy place virtio-mem.
 * Any other key or value makes the whole file invalid: nothing is onlined.
 */
#define MEMHP_AUTOONLINE_CONFIG "/etc/memhp/auto-online.conf"

struct memhp_autoonline;
/* Parses @len bytes of config text named @name (for messages): 0, or
 * -EINVAL (the config is disabled and memhp_autoonline_get_error() says
 * why), -ENOMEM.  *@conf is set on every return but -ENOMEM. */
int memhp_autoonline_parse(const char *text, size_t len, const char *name,
			   struct memhp_autoonline **conf);
/* The same from an open file (not closed): 0, -EINVAL, -EFBIG (over 64
 * KiB) or a read errno, with the error set on failure; *@conf is set on
 * every return but -ENOMEM. */
int memhp_autoonline_read(int fd, const char *name,
			  struct memhp_autoonline **conf);
void memhp_autoonline_free(struct memhp_autoonline *conf);
bool memhp_autoonline_is_enabled(const struct memhp_autoonline *conf);
/* "movable", "normal" or "auto" */
const char *memhp_autoonline_get_zone(const struct memhp_autoonline *conf);
/* nodes= as written; "" when there is no restriction */
const char *memhp_autoonline_get_nodes(const struct memhp_autoonline *conf);
/* the node ids nodes= names, ascending; 0 when there is no restriction,
 * memhp_autoonline_get_node() -1 past the end */
size_t memhp_autoonline_get_node_count(const struct memhp_autoonline *conf);
int memhp_autoonline_get_node(const struct memhp_autoonline *conf, size_t i);
/* Does nodes= let blocks of @node be onlined? */
bool memhp_autoonline_has_node(const struct memhp_autoonline *conf,
			       int node);
/* owners= as written, or the default */
const char *memhp_autoonline_get_owners(const struct memhp_autoonline *conf);
/* the zone ("movable", "normal", "auto") blocks @owner added go into;
 * NULL when memhp leaves them alone */
const char *memhp_autoonline_get_owner_zone(
	const struct memhp_autoonline *conf, enum memhp_owner owner);
/* why reading failed ("FILE:LINE: ..."); NULL when it did not */
const char *memhp_autoonline_get_error(const struct memhp_autoonline *conf);

/* memhp's rule as udev would read it below the root (a file of the same
 * name in etc/ or run/udev/rules.d overriding the packaged one), and the
 * config it names (--config=, or MEMHP_AUTOONLINE_CONFIG) read below the
 * root. */
struct memhp_autoonline_rule;
/* 0, or -ENOENT when no rule runs memhp online --udev. */
int memhp_autoonline_find(struct memhp_ctx *ctx,
			  struct memhp_autoonline_rule **rule);
void memhp_autoonline_rule_free(struct memhp_autoonline_rule *rule);
/* the rules file as seen from the root, the line and its text */
const char *memhp_autoonline_rule_get_file(
	const struct memhp_autoonline_rule *rule);
unsigned int memhp_autoonline_rule_get_line(
	const struct memhp_autoonline_rule *rule);
const char *memhp_autoonline_rule_get_text(
	const struct memhp_autoonline_rule *rule);
/* the config it names, as seen from the root */
const char *memhp_autoonline_rule_get_config(
	const struct memhp_autoonline_rule *rule);
/* 0, or why the config could not be read: -ENOENT, -EINVAL, ... */
int memhp_autoonline_rule_get_config_errno(
	const struct memhp_autoonline_rule *rule);
/* the config as read (never NULL): disabled unless the errno is 0, with
 * the reason in its error */
const struct memhp_autoonline *memhp_autoonline_rule_get_conf(
	const struct memhp_autoonline_rule *rule);

/*
 * Who onlines hot-added memory on its own, in the order they get to a new
 * block: the kernel (auto_online_blocks other than offline), udev rules
 * that write a memory block's state (read as udev reads them: a file in
 * etc/ or run/udev/rules.d overrides the packaged one of the same name,
 * and masks it as a link to /dev/null or an empty file), and memhp's own
 * rule when its config enables it.  memhp policy, memhp doctor and
 * memhp online --udev all ask this one call.
 */
enum memhp_onliner_kind {
	MEMHP_ONLINER_KERNEL,
	MEMHP_ONLINER_UDEV,
	MEMHP_ONLINER_MEMHP,
};
struct memhp_onliners;
struct memhp_onliner;
int memhp_onliners_new(struct memhp_ctx *ctx, struct memhp_onliners **o);
void memhp_onliners_free(struct memhp_onliners *o);
size_t memhp_onliners_get_count(const struct memhp_onliners *o);
/* NULL past the end */
const struct memhp_onliner *memhp_onliners_get(const struct memhp_onliners *o,
					       size_t i);
/* memhp's rule when it is installed (even disabled), else NULL */
const struct memhp_autoonline_rule *memhp_onliners_get_rule(
	const struct memhp_onliners *o);
enum memhp_onliner_kind memhp_onliner_get_kind(const struct memhp_onliner *a);
/* udev, memhp: the rules file as seen from the root and the line; the
 * kernel: "" and 0 */
const char *memhp_onliner_get_file(const struct memhp_onliner *a);
unsigned int memhp_onliner_get_line(const struct memhp_onliner *a);
/* the rule; the kernel: "auto_online_blocks=VALUE" */
const char *memhp_onliner_get_text(const struct memhp_onliner *a);
/* the kernel: auto_online_blocks' value; memhp: the zone; udev: "" */
const char *memhp_onliner_get_value(const struct memhp_onliner *a);
/* Does it online the blocks @owner adds?  The kernel and udev rules take
 * every hot-added block (boot memory is online before either runs); memhp
 * the owners of its config. */
bool memhp_onliner_applies_to(const struct memhp_onliner *a,
			      enum memhp_owner owner);
const char *memhp_onliner_kind_name(enum memhp_onliner_kind kind);

/* Is memhp.ko loaded (its sysfs directory present)? */
bool memhp_module_loaded(struct memhp_ctx *ctx);

/*
 * ACPI memory devices (PNP0C80; a DIMM on a VM): the memory blocks each one
 * holds, and asking the firmware to eject one.  Listed from
 * sys/bus/acpi/devices; an empty list on a machine without ACPI.  An
 * ejected device stays in sysfs with _STA "not present" until its slot is
 * plugged again: memhp_acpi_devices_new() leaves those out.
 */
struct memhp_acpi_devices;
struct memhp_acpi_device;
/* The present devices, by instance number (PNP0C80:9 before :10). */
int memhp_acpi_devices_new(struct memhp_ctx *ctx,
			   struct memhp_acpi_devices **devs);
void memhp_acpi_devices_free(struct memhp_acpi_devices *devs);
size_t memhp_acpi_devices_get_count(const struct memhp_acpi_devices *devs);
/* NULL past the end */
const struct memhp_acpi_device *memhp_acpi_devices_get(
	const struct memhp_acpi_devices *devs, size_t i);
/* One device by name, present or not: 0; -EINVAL not a PNP0C80 name;
 * -ENOENT not there. */
int memhp_acpi_device_new(struct memhp_ctx *ctx, const char *name,
			  struct memhp_acpi_device **dev);
void memhp_acpi_device_free(struct memhp_acpi_device *dev);
/* PNP0C80:00, as under sys/bus/acpi/devices */
const char *memhp_acpi_device_get_name(const struct memhp_acpi_device *dev);
/* the ACPI namespace path (\_SB_.MHPC.MP00); NULL when not known */
const char *memhp_acpi_device_get_path(const struct memhp_acpi_device *dev);
/* _UID (QEMU: the DIMM slot); NULL when not known */
const char *memhp_acpi_device_get_uid(const struct memhp_acpi_device *dev);
/* _STA (15: present, enabled, functional); -1 when not known */
int memhp_acpi_device_get_status(const struct memhp_acpi_device *dev);
/* _STA says present (or the firmware has no _STA) */
bool memhp_acpi_device_is_present(const struct memhp_acpi_device *dev);
/* has an eject attribute (firmware _EJ0) */
bool memhp_acpi_device_is_ejectable(const struct memhp_acpi_device *dev);
/* its memory blocks, ascending ids, valid while @dev is: the count */
size_t memhp_acpi_device_get_blocks(const struct memhp_acpi_device *dev,
				    const uint64_t **blocks);
/* The kernel's ACPI memory hotplug handler (sys/firmware/acpi/hotplug/
 * memory/enabled): 1 enabled, 0 disabled, or a negative errno. */
int memhp_acpi_hotplug_enabled(struct memhp_ctx *ctx);
/* Writes 1 to the device's eject attribute.  The kernel queues the eject
 * and answers at once; when it is done, the device is unbound and not
 * present (or gone).  0;
 * -EINVAL; -ENOENT; -EOPNOTSUPP the firmware cannot eject it (no _EJ0);
 * or the kernel's errno (-ENODEV no driver or hotplug disabled). */
int memhp_acpi_eject(struct memhp_ctx *ctx, const char *name);

/*
 * virtio-mem devices (sys/bus/virtio/devices/virtioN, device id 0x18): the
 * memory the host resizes.  The kernel shows their region and what its
 * driver added in /proc/iomem only (to root): without it, only the name and
 * driver are known.  The requested size and the device block size are not
 * shown to user space.  Reads the blocks' state and node.
 */
struct memhp_virtio_mem_devices;
struct memhp_virtio_mem_device;
/* every virtio-mem device, by name; none (0) without a virtio bus */
int memhp_virtio_mem_devices_new(struct memhp_ctx *ctx,
				 struct memhp_virtio_mem_devices **devs);
void memhp_virtio_mem_devices_free(struct memhp_virtio_mem_devices *devs);
size_t memhp_virtio_mem_devices_get_count(
	const struct memhp_virtio_mem_devices *devs);
const struct memhp_virtio_mem_device *memhp_virtio_mem_devices_get(
	const struct memhp_virtio_mem_devices *devs, size_t i);
/* "virtio0" */
const char *memhp_virtio_mem_device_get_name(
	const struct memhp_virtio_mem_device *dev);
/* the driver bound to it ("virtio_mem"), NULL when none is */
const char *memhp_virtio_mem_device_get_driver(
	const struct memhp_virtio_mem_device *dev);
/* its device memory region (the most it can plug); false: not known */
bool memhp_virtio_mem_device_get_region(
	const struct memhp_virtio_mem_device *dev, uint64_t *start,
	uint64_t *size);
/* the memory its driver has added to Linux, in whole memory blocks ("System
 * RAM (virtio_mem)" under the region); in sub-block mode a block counts
 * whole even when the device plugged only part of it.  false: not known */
bool memhp_virtio_mem_device_get_plugged(
	const struct memhp_virtio_mem_device *dev, uint64_t *bytes);
/* the memory blocks inside its region, ascending ids; the count */
size_t memhp_virtio_mem_device_get_blocks(
	const struct memhp_virtio_mem_device *dev, const uint64_t **ids);
size_t memhp_virtio_mem_device_get_online_blocks(
	const struct memhp_virtio_mem_device *dev);
/* the node of its blocks; -1 when none, or they are on several */
int memhp_virtio_mem_device_get_node(
	const struct memhp_virtio_mem_device *dev);

/*
 * dax devices (sys/bus/dax/devices/daxX.Y): persistent, CXL or
 * soft-reserved memory handed out as a device, which daxctl turns into
 * system RAM by binding it to kmem.  Reads the blocks' state and node.
 */
enum memhp_dax_mode {
	MEMHP_DAX_MODE_UNBOUND = 0,	/* no driver */
	MEMHP_DAX_MODE_DEVDAX,		/* device_dax: a character device */
	MEMHP_DAX_MODE_SYSTEM_RAM,	/* kmem: memory blocks */
	MEMHP_DAX_MODE_OTHER,		/* a driver this library does not know */
};
/* "unbound", "devdax", "system-ram", "other" */
const char *memhp_dax_mode_name(enum memhp_dax_mode mode);
struct memhp_dax_devices;
struct memhp_dax_device;
/* every dax device, by region and id; none (0) without a dax bus */
int memhp_dax_devices_new(struct memhp_ctx *ctx,
			  struct memhp_dax_devices **devs);
void memhp_dax_devices_free(struct memhp_dax_devices *devs);
size_t memhp_dax_devices_get_count(const struct memhp_dax_devices *devs);
const struct memhp_dax_device *memhp_dax_devices_get(
	const struct memhp_dax_devices *devs, size_t i);
/* "dax0.0" */
const char *memhp_dax_device_get_name(const struct memhp_dax_device *dev);
/* X of daxX.Y: its dax region */
unsigned int memhp_dax_device_get_region(const struct memhp_dax_device *dev);
/* the driver bound to it ("kmem", "device_dax"), NULL when none is */
const char *memhp_dax_device_get_driver(const struct memhp_dax_device *dev);
enum memhp_dax_mode memhp_dax_device_get_mode(
	const struct memhp_dax_device *dev);
/* the node its memory joins as system RAM; -1 when none is said */
int memhp_dax_device_get_target_node(const struct memhp_dax_device *dev);
/* bytes */
uint64_t memhp_dax_device_get_size(const struct memhp_dax_device *dev);
/* its physical start (readable by root only); false: not known */
bool memhp_dax_device_get_start(const struct memhp_dax_device *dev,
				uint64_t *start);
/* in system-ram mode, the memory blocks kmem added for it (the whole
 * blocks inside its range), ascending ids; the count (0 in other modes) */
size_t memhp_dax_device_get_blocks(const struct memhp_dax_device *dev,
				   const uint64_t **ids);
size_t memhp_dax_device_get_online_blocks(const struct memhp_dax_device *dev);

/*
 * Adding and removing physical ranges.  memhp.ko does it safely; without
 * it, a kernel built with CONFIG_ARCH_MEMORY_PROBE can add (never remove)
 * one block at a time through /sys/devices/system/memory/probe.
 */
enum memhp_probe_method {
	MEMHP_PROBE_NONE,
	MEMHP_PROBE_MODULE,
	MEMHP_PROBE_KERNEL,
};
enum memhp_probe_method memhp_probe_method(struct memhp_ctx *ctx);
/* @node -1: the kernel's choice.  0 or a negative errno: -EDOM unaligned,
 * -EOPNOTSUPP no way to probe (or a node with the kernel's probe), and
 * what memhp.ko answers (-ENXIO not RAM, -EEXIST in use, -ERANGE, ...) */
int memhp_probe_range(struct memhp_ctx *ctx, uint64_t start, uint64_t size,
		      int node);
/* a range memhp.ko added, exactly; its blocks must be offline */
int memhp_remove_range(struct memhp_ctx *ctx, uint64_t start, uint64_t size);

/* The ranges memhp.ko added, by start; an empty list without it. */
struct memhp_probed_ranges;
struct memhp_probed_range;
int memhp_probed_ranges_new(struct memhp_ctx *ctx,
			    struct memhp_probed_ranges **ranges);
void memhp_probed_ranges_free(struct memhp_probed_ranges *ranges);
size_t memhp_probed_ranges_get_count(const struct memhp_probed_ranges *ranges);
const struct memhp_probed_range *memhp_probed_ranges_get(
	const struct memhp_probed_ranges *ranges, size_t i);
uint64_t memhp_probed_range_get_start(const struct memhp_probed_range *r);
uint64_t memhp_probed_range_get_size(const struct memhp_probed_range *r);
/* -1 when memhp.ko does not say */
int memhp_probed_range_get_node(const struct memhp_probed_range *r);

/* RAM the firmware reported that no System RAM resource covers: memory
 * hidden with mem= or memmap=, which memhp.ko can add; a list of ranges
 * by start. */
struct memhp_hidden_ram;
struct memhp_hidden_range;
int memhp_hidden_ram_new(struct memhp_ctx *ctx,
			 struct memhp_hidden_ram **hidden);
void memhp_hidden_ram_free(struct memhp_hidden_ram *hidden);
size_t memhp_hidden_ram_get_count(const struct memhp_hidden_ram *hidden);
const struct memhp_hidden_range *memhp_hidden_ram_get(
	const struct memhp_hidden_ram *hidden, size_t i);
/* as found, end inclusive */
uint64_t memhp_hidden_range_get_start(const struct memhp_hidden_range *r);
uint64_t memhp_hidden_range_get_end(const struct memhp_hidden_range *r);
/* cut to whole blocks; both 0 when no whole block fits */
uint64_t memhp_hidden_range_get_usable_start(
	const struct memhp_hidden_range *r);
uint64_t memhp_hidden_range_get_usable_size(
	const struct memhp_hidden_range *r);

/*
 * State changes, as transactions (lib/README.md).  A plan takes typed
 * requests: explicit blocks (memhp_plan_add_blocks) and sizes
 * (memhp_plan_add_size).  It is checked as a whole before anything is
 * written (memhp_plan_check; a dry run stops there and shows the blocks a
 * run would try first), then run under memhp's state lock
 * (memhp_plan_run): sizes are resolved against the states read under the
 * lock, online goes from the lowest block up, offline from the highest
 * down, each write is read back, EBUSY and EAGAIN are retried with backoff
 * until the timeout, a size moves past busy blocks before it retries any,
 * and with atomic set everything this run changed (and nothing another
 * agent changed) is put back at the first failure.
 */
enum memhp_action {
	MEMHP_ACTION_ONLINE,
	MEMHP_ACTION_OFFLINE,
};

enum memhp_result {
	MEMHP_RESULT_PLANNED = 0,	/* not run (dry run) */
	MEMHP_RESULT_OK,
	MEMHP_RESULT_UNCHANGED,		/* already in the asked state */
	MEMHP_RESULT_FAILED,
	MEMHP_RESULT_ROLLED_BACK,	/* changed, then put back (atomic) */
	MEMHP_RESULT_SKIPPED,		/* not tried: the run stopped */
	MEMHP_RESULT_PASSED_OVER,	/* tried for a size, busy; other
					   blocks met the size instead */
};
#define MEMHP_NR_RESULTS (MEMHP_RESULT_PASSED_OVER + 1)
const char *memhp_result_name(enum memhp_result result);

struct memhp_plan;
struct memhp_change;

int memhp_plan_new(struct memhp_ctx *ctx, enum memhp_action action,
		   struct memhp_plan **plan);
void memhp_plan_free(struct memhp_plan *plan);
/* online only: "auto" (the kernel's policy), "movable", "normal"/"kernel"
 * (the default kernel zone) or a zone name (DMA, DMA32, Normal, ...) */
int memhp_plan_set_zone(struct memhp_plan *plan, const char *zone);
/* narrows what the requests select (node, zone, state); the plan keeps
 * a copy, @filter may be freed */
void memhp_plan_set_filter(struct memhp_plan *plan,
			   const struct memhp_filter *filter);
/* per block; 0: no limit */
void memhp_plan_set_timeout(struct memhp_plan *plan, unsigned int msec);
void memhp_plan_set_atomic(struct memhp_plan *plan, bool atomic);
/* Blocks @first to @last (ids, inclusive) that pass the filter; every id
 * must exist.  0; -EINVAL first > last; -ENOENT no such block. */
int memhp_plan_add_blocks(struct memhp_plan *plan, uint64_t first,
			  uint64_t last);
/* @bytes more memory into the asked state, chosen at run time: online
 * takes the lowest offline blocks that can go into the zone; offline takes
 * online removable blocks, Movable ones first, then the others, each
 * highest address first.  0; -EDOM not a whole number of blocks. */
int memhp_plan_add_size(struct memhp_plan *plan, uint64_t bytes);
/* every block the plan's filter matches (an owner, a node, ...), as runs
 * of explicit blocks; -ENOENT when none does */
int memhp_plan_add_matching(struct memhp_plan *plan);
/* Checks every block can go where asked and that every size can be met;
 * writes nothing.  0; -EINVAL a block cannot take the zone; -ENOSPC a size
 * cannot be met; -ENODATA nothing selected; -EBADMSG a block's state
 * cannot be read. */
int memhp_plan_check(struct memhp_plan *plan);
/* Takes the lock, runs the plan once.  0 when it ran (see the results), or
 * a negative errno when it could not start: -EWOULDBLOCK another memhp
 * holds the lock past the timeout; -ECANCELED memhp_cancel() came first;
 * the memhp_plan_check() errors. */
int memhp_plan_run(struct memhp_plan *plan);
/* Did memhp_cancel() stop the run? */
bool memhp_plan_was_cancelled(const struct memhp_plan *plan);
/* Bytes of the sizes asked that the run could not change, and why */
uint64_t memhp_plan_get_shortfall(const struct memhp_plan *plan,
				  const char **why);

/*
 * Preparing the ground for an offline, only when asked (memhp offline
 * --reclaim): drop the clean page cache (proc/sys/vm/drop_caches, 1: the
 * kernel has no per-node knob, it drops on EVERY node) and compact each
 * node asked for (sys/devices/system/node/nodeN/compact; where there are
 * no node directories proc/sys/vm/compact_memory, node -1), all below the
 * sysfs root, reading each node's FilePages and MemFree before and after
 * (nodeN/meminfo; proc/meminfo for node -1).
 */
struct memhp_reclaim;
enum memhp_reclaim_counter {
	MEMHP_RECLAIM_FILE_PAGES = 0,	/* page cache (and swap cache) */
	MEMHP_RECLAIM_MEM_FREE,
	MEMHP_RECLAIM_NR_COUNTERS,	/* the counters this header names */
};
/* "FilePages", "MemFree"; NULL for a counter this library does not know */
const char *memhp_reclaim_counter_name(enum memhp_reclaim_counter counter);
int memhp_reclaim_new(struct memhp_ctx *ctx, struct memhp_reclaim **reclaim);
void memhp_reclaim_free(struct memhp_reclaim *reclaim);
/* Node @node (-1: the whole machine, without node directories) once.
 * 0; -EINVAL it ran already or @node < -1; -ENOMEM. */
int memhp_reclaim_add_node(struct memhp_reclaim *reclaim, int node);
/* Under memhp's lock: reads the counters, writes "1" to drop_caches and
 * to each node's compact file, reads them again.  Every write is tried;
 * 0 when all went in, else the first one's negative errno (each one's in
 * memhp_reclaim_get_write_errno()); -EALREADY when it ran before; the
 * lock's errors (memhp_plan_run()). */
int memhp_reclaim_run(struct memhp_reclaim *reclaim);
/* false: nothing written yet (a dry run's plan: the writes it would make,
 * the counters as they were) */
bool memhp_reclaim_has_run(const struct memhp_reclaim *reclaim);
/* The writes, in order: the file below the root
 * (proc/sys/vm/drop_caches, sys/devices/system/node/node1/compact),
 * the value, and the positive errno it failed with (0: done, or not run);
 * NULL and 0 past the end. */
size_t memhp_reclaim_get_write_count(const struct memhp_reclaim *reclaim);
/* what a write does: drops the clean page cache (every node), compacts
 * one node, or compacts every node (compact_memory) */
enum memhp_reclaim_action {
	MEMHP_RECLAIM_DROP_CACHES = 0,
	MEMHP_RECLAIM_COMPACT_NODE,
	MEMHP_RECLAIM_COMPACT_ALL,
};
enum memhp_reclaim_action memhp_reclaim_get_write_action(
	const struct memhp_reclaim *reclaim, size_t i);
const char *memhp_reclaim_get_write_file(const struct memhp_reclaim *reclaim,
					 size_t i);
const char *memhp_reclaim_get_write_value(const struct memhp_reclaim *reclaim,
					  size_t i);
int memhp_reclaim_get_write_errno(const struct memhp_reclaim *reclaim,
				  size_t i);
/* The nodes (-1: the whole machine), and their counters in bytes before
 * and after the writes; UINT64_MAX when not known (not run, or the
 * meminfo file does not say). */
size_t memhp_reclaim_get_node_count(const struct memhp_reclaim *reclaim);
int memhp_reclaim_get_node(const struct memhp_reclaim *reclaim, size_t i);
uint64_t memhp_reclaim_get_before(const struct memhp_reclaim *reclaim,
				  size_t i, enum memhp_reclaim_counter counter);
uint64_t memhp_reclaim_get_after(const struct memhp_reclaim *reclaim,
				 size_t i, enum memhp_reclaim_counter counter);
/* Offline plans: with @reclaim, the run reclaims under its lock before it
 * changes any block, and before it ranks a size's candidates (so the
 * ranking sees the result): the nodes of the explicit blocks that are
 * online, and for a size the nodes of its candidates (every node holding
 * removable online memory that passes the filter).  memhp_plan_check()
 * then plans the same without writing.  Online plans ignore it. */
void memhp_plan_set_reclaim(struct memhp_plan *plan, bool reclaim);
/* What the plan's reclaim wrote and changed (or, checked and not run,
 * would write); NULL when it was not asked for or not yet checked. */
const struct memhp_reclaim *memhp_plan_get_reclaim(
	const struct memhp_plan *plan);

/*
 * Stopping a transaction: memhp_cancel() only sets a flag, so a signal
 * handler may call it.  A running transaction then kills its write in
 * progress (the kernel aborts the offlining; the block stays online),
 * rolls back if it is atomic (to the end: further cancels do not cut the
 * rollback short, each of its writes bounded by the timeout), and returns
 * with its results.  Transactions started later return -ECANCELED.
 */
void memhp_cancel(struct memhp_ctx *ctx);
bool memhp_cancelled(const struct memhp_ctx *ctx);

/* Progress of the transaction running on @ctx, for a progress display:
 * called before each write attempt and while waiting between them, with
 * a progress valid during the call. */
struct memhp_progress;
typedef void (*memhp_progress_fn)(void *data,
				  const struct memhp_progress *progress);
void memhp_set_progress_fn(struct memhp_ctx *ctx, memhp_progress_fn fn,
			   void *data);
/* blocks done, of the total */
size_t memhp_progress_get_done(const struct memhp_progress *progress);
size_t memhp_progress_get_total(const struct memhp_progress *progress);
uint64_t memhp_progress_get_bytes_done(const struct memhp_progress *progress);
uint64_t memhp_progress_get_bytes_total(const struct memhp_progress *progress);
/* the block being written (0 between blocks), the attempts on it and how
 * long it has waited so far */
uint64_t memhp_progress_get_block(const struct memhp_progress *progress);
unsigned int memhp_progress_get_attempts(
	const struct memhp_progress *progress);
uint64_t memhp_progress_get_waited_ms(const struct memhp_progress *progress);
bool memhp_progress_is_rolling_back(const struct memhp_progress *progress);

/* Re-lists the memory blocks and re-reads what was read before (blocks
 * come and go with probe, remove and eject); plans made before it must be
 * checked again.  0 or a negative errno. */
int memhp_refresh(struct memhp_ctx *ctx);

size_t memhp_plan_get_count(const struct memhp_plan *plan);
const struct memhp_change *memhp_plan_get(const struct memhp_plan *plan,
					  size_t i);
uint64_t memhp_change_get_block(const struct memhp_change *c);
enum memhp_state memhp_change_get_from(const struct memhp_change *c);
enum memhp_state memhp_change_get_to(const struct memhp_change *c);
/* the block's zone after the change (or before, for offline);
 * MEMHP_ZONE_ANY when not known */
enum memhp_zone memhp_change_get_zone(const struct memhp_change *c);
enum memhp_result memhp_change_get_result(const struct memhp_change *c);
int memhp_change_get_errno(const struct memhp_change *c);
unsigned int memhp_change_get_attempts(const struct memhp_change *c);
/* why it failed, for people; NULL when it did not */
const char *memhp_change_get_error(const struct memhp_change *c);

/*
 * Unplug transactions: the memory of a memhp.ko range or of an ACPI memory
 * device goes offline (atomically), then it is removed or ejected; if that
 * fails or times out, the blocks that were online go back into the zones
 * they were in.  The lock is held throughout.  A negative errno means
 * nothing was started; otherwise the result says how it ended.
 */
enum memhp_unplug_result {
	MEMHP_UNPLUG_DONE = 0,		/* removed / ejected */
	MEMHP_UNPLUG_NOT_OFFLINE,	/* blocks stayed online; put back */
	MEMHP_UNPLUG_REFUSED,		/* the kernel or firmware said no */
	MEMHP_UNPLUG_TIMEOUT,		/* eject: still there after the wait */
	MEMHP_UNPLUG_CANCELLED,		/* memhp_cancel(); put back */
};
const char *memhp_unplug_result_name(enum memhp_unplug_result result);
struct memhp_unplug;
/* @timeout_ms per block while offlining; @wait_ms for the eject. */
int memhp_eject_run(struct memhp_ctx *ctx, const char *device,
		    unsigned int timeout_ms, unsigned int wait_ms,
		    struct memhp_unplug **unplug);
int memhp_remove_run(struct memhp_ctx *ctx, uint64_t start, uint64_t size,
		     unsigned int timeout_ms, struct memhp_unplug **unplug);
/* The same with @flags (0: as above); -EINVAL for a flag this library
 * does not know.  MEMHP_UNPLUG_RECLAIM: the offline plan reclaims first
 * (memhp_plan_set_reclaim(): under the lock, before its first block);
 * memhp_plan_get_reclaim() on memhp_unplug_get_offline() says what it
 * wrote and changed, also when the unplug then failed.  Without an online
 * block there is no offline plan and nothing to reclaim. */
enum memhp_unplug_flag {
	MEMHP_UNPLUG_RECLAIM = 1u << 0,
};
int memhp_eject_run2(struct memhp_ctx *ctx, unsigned int flags,
		     const char *device, unsigned int timeout_ms,
		     unsigned int wait_ms, struct memhp_unplug **unplug);
int memhp_remove_run2(struct memhp_ctx *ctx, unsigned int flags,
		      uint64_t start, uint64_t size, unsigned int timeout_ms,
		      struct memhp_unplug **unplug);
enum memhp_unplug_result memhp_unplug_get_result(
	const struct memhp_unplug *unplug);
/* the remove or eject errno (positive), 0 when it was not refused */
int memhp_unplug_get_errno(const struct memhp_unplug *unplug);
/* the offline plan; NULL when no block was online */
const struct memhp_plan *memhp_unplug_get_offline(
	const struct memhp_unplug *unplug);
/* the plan that put blocks back; NULL when none had to go back */
const struct memhp_plan *memhp_unplug_get_put_back(
	const struct memhp_unplug *unplug);
/* every block that had to go back is back */
bool memhp_unplug_put_back_ok(const struct memhp_unplug *unplug);
void memhp_unplug_free(struct memhp_unplug *unplug);

/*
 * The hot-add transaction: memhp_probe_range() of @start/@size on @node
 * (-1: the module's choice), then, when @zone is not NULL, its blocks
 * online into @zone (as memhp_plan_set_zone() takes it), all under the
 * lock.  Where auto_online_blocks would have the kernel online the new
 * blocks itself into another zone, it is set to "offline" for the add and
 * put back right after it, before the online.  A negative errno means
 * nothing was added: -EDOM not whole blocks, -EINVAL no such zone,
 * -EWOULDBLOCK the lock, -ECANCELED, the errno of setting
 * auto_online_blocks, or the probe's (memhp_probe_range).  Otherwise the
 * range was added and @hotadd says the rest.
 */
struct memhp_hotadd;
int memhp_hotadd_run(struct memhp_ctx *ctx, uint64_t start, uint64_t size,
		     int node, const char *zone, unsigned int timeout_ms,
		     struct memhp_hotadd **hotadd);
/* the online plan that ran; NULL without a zone, or when it could not run
 * (memhp_hotadd_get_online_errno() says why: a positive errno) */
const struct memhp_plan *memhp_hotadd_get_online(
	const struct memhp_hotadd *hotadd);
int memhp_hotadd_get_online_errno(const struct memhp_hotadd *hotadd);
/* auto_online_blocks as it was (NULL: not read, no online asked or no such
 * knob); @set: what memhp wrote for the add (NULL: untouched); @restored:
 * the old value is back */
const char *memhp_hotadd_get_policy(const struct memhp_hotadd *hotadd,
				    const char **set, bool *restored);
void memhp_hotadd_free(struct memhp_hotadd *hotadd);

/*
 * Events as they happen.  The kernel's uevents come from a netlink socket
 * (NETLINK_KOBJECT_UEVENT, group 1); memhp.ko's event log from its device
 * (dev/memhp below the sysfs root).  Both descriptors are non-blocking:
 * poll(2) them.
 */
struct memhp_uevent;
/* Parses one message "ACTION@DEVPATH\0KEY=VALUE\0..." of @len bytes:
 * 0; -EINVAL not a kernel uevent; -EOVERFLOW a field too long; -ENOMEM. */
int memhp_uevent_parse(const char *msg, size_t len, struct memhp_uevent **ev);
/* The socket, bound to the kernel's uevents: an fd or a negative errno. */
int memhp_uevent_open(struct memhp_ctx *ctx);
/* Receives one message: 0 and @ev; -EAGAIN nothing waiting; -ENOMSG a
 * message that is not a kernel uevent (skip it); -ENOBUFS some were lost. */
int memhp_uevent_receive(struct memhp_ctx *ctx, int fd,
			 struct memhp_uevent **ev);
void memhp_uevent_free(struct memhp_uevent *ev);
/* add, remove, online, offline, change, ... */
const char *memhp_uevent_get_action(const struct memhp_uevent *ev);
/* /devices/system/memory/memory37 */
const char *memhp_uevent_get_devpath(const struct memhp_uevent *ev);
/* memory; "" when the message has none */
const char *memhp_uevent_get_subsystem(const struct memhp_uevent *ev);
/* 0 when the message has none */
uint64_t memhp_uevent_get_seqnum(const struct memhp_uevent *ev);
/* memoryN's N; -1 when not a memory block */
int64_t memhp_uevent_get_block(const struct memhp_uevent *ev);

struct memhp_module_event;
/* Parses one line of the event log (without or with its newline):
 * "<ns> <event> <start-hex> <size-hex> <node> <errno>" or "lost N".
 * 0, -EINVAL or -ENOMEM. */
int memhp_module_event_parse(const char *line,
			     struct memhp_module_event **ev);
void memhp_module_event_free(struct memhp_module_event *ev);
/* CLOCK_BOOTTIME; 0 for "lost" */
uint64_t memhp_module_event_get_ns(const struct memhp_module_event *ev);
/* add, remove, going-online, online, ..., or "lost" */
const char *memhp_module_event_get_event(const struct memhp_module_event *ev);
/* the range, in bytes */
uint64_t memhp_module_event_get_start(const struct memhp_module_event *ev);
uint64_t memhp_module_event_get_size(const struct memhp_module_event *ev);
/* -1: none */
int memhp_module_event_get_node(const struct memhp_module_event *ev);
/* 0 or a positive errno */
int memhp_module_event_get_errno(const struct memhp_module_event *ev);
/* "lost": how many events were lost */
uint64_t memhp_module_event_get_lost(const struct memhp_module_event *ev);
/* memhp.ko's event log, opened non-blocking: an fd or a negative errno
 * (-ENOENT: the module is not loaded). Each read(2) hands out whole lines
 * and needs a buffer of at least 128 bytes. */
int memhp_module_events_open(struct memhp_ctx *ctx);

/*
 * The running kernel's build configuration: /proc/config.gz, or else
 * /boot/config-<release> (release from /proc/sys/kernel/osrelease), both
 * below the sysfs root.  memhp_kconfig_get() gives an option's value as
 * written ("y", "m", a number, a string without its quotes), "n" for
 * "# CONFIG_X is not set", or NULL when the file does not mention it.
 */
struct memhp_kconfig;
/* 0, or -EINVAL (not a kernel config), -ENOMEM */
int memhp_kconfig_parse(const char *text, size_t len, const char *source,
			struct memhp_kconfig **kc);
/* 0, or -ENOENT (neither file), -EINVAL, -EFBIG, a read errno */
int memhp_kconfig_read(struct memhp_ctx *ctx, struct memhp_kconfig **kc);
const char *memhp_kconfig_get(const struct memhp_kconfig *kc,
			      const char *name);
/* the file it was read from, as seen from the root ("/proc/config.gz") */
const char *memhp_kconfig_source(const struct memhp_kconfig *kc);
void memhp_kconfig_free(struct memhp_kconfig *kc);
/* /proc/sys/kernel/osrelease: 0 or a negative errno */
int memhp_kernel_release(struct memhp_ctx *ctx, char *buf, size_t size);

/*
 * The memory affinity entries of the ACPI SRAT (sys/firmware/acpi/tables/
 * SRAT): the physical ranges the firmware describes, with the proximity
 * domain (the NUMA node, as the firmware numbers it) and whether memory
 * can be hot-plugged there, as a list in table order.
 */
struct memhp_srat;
struct memhp_srat_memory;
/* a table's bytes: 0, or -EINVAL (not a valid SRAT), -ENOMEM */
int memhp_srat_parse(const void *table, size_t len, struct memhp_srat **srat);
/* 0, or -ENOENT (no SRAT: no NUMA or hotplug description), -EACCES
 * (reading it needs root), -EINVAL */
int memhp_srat_read(struct memhp_ctx *ctx, struct memhp_srat **srat);
void memhp_srat_free(struct memhp_srat *srat);
size_t memhp_srat_get_count(const struct memhp_srat *srat);
/* NULL past the end */
const struct memhp_srat_memory *memhp_srat_get(const struct memhp_srat *srat,
					       size_t i);
/* bytes */
uint64_t memhp_srat_memory_get_start(const struct memhp_srat_memory *m);
uint64_t memhp_srat_memory_get_size(const struct memhp_srat_memory *m);
uint32_t memhp_srat_memory_get_proximity_domain(
	const struct memhp_srat_memory *m);
bool memhp_srat_memory_is_enabled(const struct memhp_srat_memory *m);
bool memhp_srat_memory_is_hotpluggable(const struct memhp_srat_memory *m);
bool memhp_srat_memory_is_nonvolatile(const struct memhp_srat_memory *m);

/*
 * memhp doctor: whether memory hotplug will work here, and why not.  Each
 * check has a status, a one-line finding, the evidence it used (files and
 * what they said) and what to do; memhp_doctor_run() also sums up how much
 * memory the firmware lets be plugged, and where.
 */
enum memhp_check_status {
	MEMHP_CHECK_OK = 0,
	MEMHP_CHECK_WARN,
	MEMHP_CHECK_FAIL,
};
struct memhp_doctor;
struct memhp_check;
/* 0, or -ENOMEM; every check runs, whatever it finds */
int memhp_doctor_run(struct memhp_ctx *ctx, struct memhp_doctor **doctor);
void memhp_doctor_free(struct memhp_doctor *doctor);
/* the checks, in the order they ran; NULL past the end */
size_t memhp_doctor_get_count(const struct memhp_doctor *doctor);
const struct memhp_check *memhp_doctor_get(const struct memhp_doctor *doctor,
					   size_t i);
/* the hot-pluggable windows of the SRAT (enabled entries); NULL past the
 * end */
size_t memhp_doctor_get_window_count(const struct memhp_doctor *doctor);
const struct memhp_srat_memory *memhp_doctor_get_window(
	const struct memhp_doctor *doctor, size_t i);
/* their total size, and the memory blocks present inside them (bytes) */
uint64_t memhp_doctor_get_window_bytes(const struct memhp_doctor *doctor);
uint64_t memhp_doctor_get_plugged_bytes(const struct memhp_doctor *doctor);
/* ACPI memory devices (PNP0C80), -1 unknown; of those, present (_STA) */
int memhp_doctor_get_slots(const struct memhp_doctor *doctor);
int memhp_doctor_get_slots_used(const struct memhp_doctor *doctor);
/* ZONE_MOVABLE present, all nodes (bytes) */
uint64_t memhp_doctor_get_movable_bytes(const struct memhp_doctor *doctor);
/* "kernel-config", "hotplug-window", ... */
const char *memhp_check_get_id(const struct memhp_check *check);
enum memhp_check_status memhp_check_get_status(
	const struct memhp_check *check);
/* the finding, one line */
const char *memhp_check_get_summary(const struct memhp_check *check);
/* what to do; NULL when there is nothing to do */
const char *memhp_check_get_advice(const struct memhp_check *check);
/* the files it read and what they said; NULL past the end */
size_t memhp_check_get_evidence_count(const struct memhp_check *check);
const char *memhp_check_get_evidence(const struct memhp_check *check,
				     size_t i);
const char *memhp_check_status_name(enum memhp_check_status status);

/*
 * What is in a block, and whether offline can empty it (memhp why).  A
 * census sorts the block's pages by kind from proc/kpageflags below the
 * root (one 64-bit word of page flags a page frame; pagemap.rst), read in
 * a few large reads, and judges the block: will go (free pages and pages
 * the kernel migrates), may need retries (pages that move only when memory
 * elsewhere takes them, or that the flags do not explain), will not go
 * (slab, page tables, reserved pages, gigantic hugetlb pages in use, from
 * proc/kpagecount; a CMA area or a memory hole overlapping the block).  The files are root's only: without them a census is
 * unavailable, never a guess.
 */
enum memhp_page_kind {
	MEMHP_PAGE_FREE = 0,	/* in the buddy allocator */
	MEMHP_PAGE_FILE,	/* on an LRU list, not anonymous: page cache,
				   shmem */
	MEMHP_PAGE_ANON,	/* anonymous (and KSM) */
	MEMHP_PAGE_UNEVICTABLE,	/* unevictable or mlocked */
	MEMHP_PAGE_HUGETLB,	/* hugetlb, the buddy allocator's size */
	MEMHP_PAGE_GIGANTIC,	/* hugetlb, larger (1G on x86) */
	MEMHP_PAGE_SLAB,
	MEMHP_PAGE_PAGETABLE,
	MEMHP_PAGE_RESERVED,	/* reserved, the zero page */
	MEMHP_PAGE_OTHER,	/* in use, and the flags do not say by what:
				   kernel allocations, per-cpu free lists */
	MEMHP_PAGE_DRIVER,	/* taken by a driver (PageOffline: balloon,
				   virtio-mem) */
	MEMHP_PAGE_HWPOISON,
	MEMHP_PAGE_HOLE,	/* no page: offline, or a hole */
	MEMHP_NR_PAGE_KINDS,	/* the kinds this header names */
};
/* "free", "file", "anon", "unevictable", "hugetlb", "gigantic", "slab",
 * "pagetable", "reserved", "other", "driver", "hwpoison", "hole"; NULL
 * for a kind this library does not know */
const char *memhp_page_kind_name(enum memhp_page_kind kind);

enum memhp_verdict {
	MEMHP_VERDICT_UNKNOWN = 0,	/* no census */
	MEMHP_VERDICT_WILL_GO,
	MEMHP_VERDICT_MAY_RETRY,
	MEMHP_VERDICT_WONT_GO,
	MEMHP_VERDICT_OFFLINE,		/* no online pages */
};
/* "unknown", "will-go", "may-retry", "will-not-go", "offline" */
const char *memhp_verdict_name(enum memhp_verdict verdict);

struct memhp_census;
/* The census of block @block (its frames from the id and the block size).
 * 0; -ERANGE a block past the end of memory; -ENOMEM; or why
 * proc/kpageflags could not be read (-EACCES not root, -ENOENT no such
 * file, ...): then *census is still set, to a census that is not
 * available (verdict unknown), and must be freed too. */
int memhp_census_new(struct memhp_ctx *ctx, uint64_t block,
		     struct memhp_census **census);
void memhp_census_free(struct memhp_census *census);
uint64_t memhp_census_get_block(const struct memhp_census *census);
bool memhp_census_is_available(const struct memhp_census *census);
/* why it is not available (a positive errno), 0 when it is */
int memhp_census_get_errno(const struct memhp_census *census);
/* pages in the block, and of them @kind; 0 when not available */
uint64_t memhp_census_get_total(const struct memhp_census *census);
uint64_t memhp_census_get_pages(const struct memhp_census *census,
				enum memhp_page_kind kind);
/* pages in use (not free, hole, hwpoison or driver-owned) */
uint64_t memhp_census_get_in_use(const struct memhp_census *census);
/* pages that may never move: slab, page tables, reserved, gigantic and
 * other */
uint64_t memhp_census_get_unmovable(const struct memhp_census *census);
enum memhp_verdict memhp_census_get_verdict(
	const struct memhp_census *census);
/* what decides the verdict, for people ("held by 1200 slab") */
const char *memhp_census_get_why(const struct memhp_census *census);
/* Pages of the block in a CMA area into *@pages (offline never empties
 * such a block: page isolation refuses CMA pageblocks): 0; -ENODATA when
 * no source says (no census; CMA areas that sys/kernel/debug/cma does not
 * place).  The source: "debugfs" (where each area is), "meminfo"
 * (proc/meminfo: the kernel has no CMA area), NULL when unknown. */
int memhp_census_get_cma(const struct memhp_census *census,
			 uint64_t *pages);
const char *memhp_census_get_cma_source(const struct memhp_census *census);
/* Pages of the block that are a memory hole (not System RAM; offline
 * refuses such a block with EINVAL) into *@pages: 0; -ENODATA when
 * unknown.  The source: "iomem" (proc/iomem's System RAM resources, as the
 * kernel counts them), "kpageflags" (frames without a page in an online
 * block, without proc/iomem: a lower bound), NULL when unknown. */
int memhp_census_get_memory_hole(const struct memhp_census *census,
				 uint64_t *pages);
const char *memhp_census_get_memory_hole_source(
	const struct memhp_census *census);
/* What the kernel logged (dev/kmsg below the root, read around each
 * attempt) about the pages of a block whose offline failed: "migrating
 * pfn N failed ret:-16", the page dump of an unmovable page, ...; at most
 * 16 lines, without the record prefix.  0 and NULL past the end for a
 * change without any (or where dev/kmsg cannot be read). */
size_t memhp_change_get_kmsg_count(const struct memhp_change *c);
const char *memhp_change_get_kmsg(const struct memhp_change *c, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* LIBMEMHP_H */
