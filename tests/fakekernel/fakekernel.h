/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for the kernel's memory block state_store() on a fixture
 * tree: a write to memoryN/state changes the files the way the kernel
 * changes what sysfs shows (state, online, valid_zones), refuses what the
 * kernel refuses with its errno, and fails on demand.
 *
 * Failure injection, one directive per line in memoryN/fake-kernel
 * (a file the real sysfs never has):
 *   online ERRNO [COUNT]    fail onlining with ERRNO, COUNT times (-1: always)
 *   offline ERRNO [COUNT]   the same for offlining
 *   online-zone ZONE        online "succeeds" into ZONE whatever was asked
 *   offline-delay MSEC      offlining takes MSEC before it succeeds
 *   online-delay MSEC       onlining takes MSEC before it succeeds
 *   online-foreign ZONE     another agent onlines the block into ZONE just
 *                           before the write, which the kernel then refuses
 *                           as redundant (EINVAL)
 * An injected offline failure appends memoryN/fake-kmsg (kernel log
 * records, "PRIO,SEQ,USEC,-;TEXT" a line) to dev/kmsg below the tree's
 * root when both files exist, as the kernel logs its page dumps.
 * Every write is appended to MEMHP_FAKE_LOG when set: "memoryN VALUE RC".
 */
#ifndef MEMHP_FAKEKERNEL_H
#define MEMHP_FAKEKERNEL_H

#include <stdbool.h>

/* memhp.ko's probe and remove on a fixture tree: probe creates offline
 * memoryN directories (valid_zones "Normal Movable") and
 * sys/kernel/memhp/ranges/<start>/; remove deletes them again, refusing
 * (EBUSY) while a block is online and (ENOENT) what probe did not add. */
int fake_module_write(const char *attr_path, const char *value);
/* does @path name sys/kernel/memhp/probe or remove? */
bool fake_module_is_attr(const char *path);

/* @state_path is the path of a memoryN/state file; returns 0 or -errno */
int fake_kernel_state_write(const char *state_path, const char *value);
/* does @path name a memoryN/state file? */
bool fake_kernel_is_state(const char *path);

/* An ACPI memory device's eject attribute (sys/devices/.../PNP0C80:NN/
 * eject): with every bound block offline, removes the blocks and their
 * links below @root and leaves the device unbound with status 0; otherwise leaves everything, as a refused
 * eject does.  Injection in the device's fake-kernel file:
 *   eject ERRNO [COUNT]     the write fails with ERRNO
 *   eject-ignore yes [COUNT] the write succeeds and nothing happens */
int fake_acpi_write(const char *root, const char *path, const char *value);
bool fake_acpi_is_eject(const char *path);

/* proc/sys/vm/drop_caches and compact_memory, and a node's compact
 * (memhp offline --reclaim): each write is logged ("drop_caches 1 0",
 * "node1/compact 1 0") and checked as 6.1 to 6.12 check it (drop_caches 1
 * to 4, compact_memory 1, else EINVAL).  drop_caches with bit 1 frees each
 * node's clean page cache: nodeN/fake-clean kB move from FilePages to
 * MemFree in nodeN/meminfo (proc/fake-clean: from Cached in
 * proc/meminfo), and fake-clean becomes 0.  ATTR.fake-errno beside an
 * attribute makes its writes fail with that errno. */
int fake_reclaim_write(const char *root, const char *path, const char *value);
bool fake_reclaim_is_attr(const char *path);

#endif
