/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text from outside memhp (sysfs values, /proc/cmdline, ACPI paths,
 * /dev/memhp events, udev rule text) on its way out (memhp-json(7),
 * OUTPUT ENCODING):
 *   JSON strings and Prometheus label values are valid UTF-8: a byte that
 *   is not part of a valid UTF-8 sequence becomes U+FFFD; json-c escapes
 *   control characters, and Prometheus labels escape \\, \" and \n.
 *   Tables and messages show control bytes (C0, DEL, C1) and bytes that
 *   are not UTF-8 as \xNN, so nothing reaches a terminal raw.
 */
#ifndef MEMHP_TEXT_H
#define MEMHP_TEXT_H

#include <stddef.h>

struct json_object;

/* A JSON string of @s as valid UTF-8; JSON null for NULL. */
struct json_object *memhp_json_str(const char *s);
/* @s as valid UTF-8 (invalid bytes as U+FFFD), newly allocated. */
char *memhp_utf8_clean(const char *s);
/* A Prometheus label value: valid UTF-8, \\ \" \n escaped; allocated. */
char *memhp_prom_label(const char *s);
/* @s for a terminal: control and non-UTF-8 bytes as \xNN.  The result
 * lives until eight more calls; NULL stays NULL. */
const char *memhp_tty(const char *s);

#endif
