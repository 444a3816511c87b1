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

#endif
