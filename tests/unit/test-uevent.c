// SPDX-License-Identifier: GPL-2.0-or-later
/* The uevent and memhp.ko event-log parsers. */
#include <errno.h>

#include "harness.h"
#include "private.h"

/* a message as the kernel sends it: NUL-separated, the last one too */
#define MSG(s) s, sizeof(s) - 1

/* parse() into *@ev, freeing the event it held */
static int parse(const char *msg, size_t len, struct memhp_uevent **ev)
{
	memhp_uevent_free(*ev);
	*ev = NULL;
	return memhp_uevent_parse(msg, len, ev);
}

static int parse_line(const char *line, struct memhp_module_event **ev)
{
	memhp_module_event_free(*ev);
	*ev = NULL;
	return memhp_module_event_parse(line, ev);
}

TEST(uevent_memory_online)
{
	static const char m[] = "online@/devices/system/memory/memory37\0"
		"ACTION=online\0DEVPATH=/devices/system/memory/memory37\0"
		"SUBSYSTEM=memory\0SEQNUM=4242\0";
	struct memhp_uevent *ev = NULL;

	CHECK(parse(MSG(m), &ev) == 0);
	CHECK_STR(memhp_uevent_get_action(ev), "online");
	CHECK_STR(memhp_uevent_get_devpath(ev), "/devices/system/memory/memory37");
	CHECK_STR(memhp_uevent_get_subsystem(ev), "memory");
	CHECK_EQ_U64(memhp_uevent_get_seqnum(ev), 4242);
	CHECK(memhp_uevent_get_block(ev) == 37);
	memhp_uevent_free(ev);
}

TEST(uevent_header_only_and_no_trailing_nul)
{
	static const char m[] = "add@/devices/system/memory/memory8192";
	static const char k[] = "remove@/devices/system/memory/memory3\0"
		"SUBSYSTEM=memory";
	struct memhp_uevent *ev = NULL;

	CHECK(parse(MSG(m), &ev) == 0);
	CHECK_STR(memhp_uevent_get_action(ev), "add");
	CHECK(memhp_uevent_get_block(ev) == 8192);
	CHECK_STR(memhp_uevent_get_subsystem(ev), "");
	CHECK_EQ_U64(memhp_uevent_get_seqnum(ev), 0);
	CHECK(parse(MSG(k), &ev) == 0);
	CHECK_STR(memhp_uevent_get_action(ev), "remove");
	CHECK_STR(memhp_uevent_get_subsystem(ev), "memory");
	CHECK(memhp_uevent_get_block(ev) == 3);
	memhp_uevent_free(ev);
}

TEST(uevent_not_a_block)
{
	static const char cpu[] = "online@/devices/system/cpu/cpu1\0"
		"ACTION=online\0SUBSYSTEM=cpu\0";
	static const char mem[] = "change@/devices/system/memory\0"
		"SUBSYSTEM=memory\0";
	static const char odd[] = "add@/devices/system/memory/memory_failure\0";
	struct memhp_uevent *ev = NULL;

	CHECK(parse(MSG(cpu), &ev) == 0);
	CHECK_STR(memhp_uevent_get_subsystem(ev), "cpu");
	CHECK(memhp_uevent_get_block(ev) == -1);
	CHECK(parse(MSG(mem), &ev) == 0);
	CHECK(memhp_uevent_get_block(ev) == -1);
	CHECK(parse(MSG(odd), &ev) == 0);
	CHECK(memhp_uevent_get_block(ev) == -1);
	memhp_uevent_free(ev);
}

TEST(uevent_rejects_what_the_kernel_does_not_send)
{
	/* udev's re-broadcast starts with "libudev" and binary data */
	static const char udev[] = "libudev\0\xfe\xed\xca\xfe";
	struct memhp_uevent *ev = NULL;
	char longpath[400];
	int n;

	CHECK(parse(MSG(udev), &ev) == -EINVAL);
	CHECK(parse(MSG("@/devices/x\0"), &ev) == -EINVAL);
	CHECK(parse(MSG("add@\0"), &ev) == -EINVAL);
	CHECK(parse(MSG("add@devices\0"), &ev) == -EINVAL);
	CHECK(parse(MSG("\0ACTION=add\0"), &ev) == -EINVAL);
	CHECK(parse("", 0, &ev) == -EINVAL);
	CHECK(parse(NULL, 4, &ev) == -EINVAL);
	CHECK(parse(MSG("add@/x\0SEQNUM=12z\0"), &ev) == -EINVAL);
	CHECK(parse(MSG("averyveryverylongaction@/x\0"), &ev) == -EOVERFLOW);
	n = snprintf(longpath, sizeof(longpath), "add@/%0300d", 0);
	CHECK(parse(longpath, (size_t)n, &ev) == -EOVERFLOW);
	memhp_uevent_free(ev);
}

TEST(uevent_keys_override_the_header)
{
	static const char m[] = "add@/devices/system/memory/memory1\0"
		"ACTION=online\0DEVPATH=/devices/system/memory/memory2\0"
		"NOEQUALS\0SUBSYSTEM=memory\0";
	struct memhp_uevent *ev = NULL;

	CHECK(parse(MSG(m), &ev) == 0);
	CHECK_STR(memhp_uevent_get_action(ev), "online");
	CHECK(memhp_uevent_get_block(ev) == 2);
	memhp_uevent_free(ev);
}

TEST(module_event_lines)
{
	struct memhp_module_event *ev = NULL;

	CHECK(parse_line("123456789 add 0x140000000 0x20000000 0 0\n", &ev) == 0);
	CHECK_EQ_U64(memhp_module_event_get_ns(ev), 123456789);
	CHECK_STR(memhp_module_event_get_event(ev), "add");
	CHECK_EQ_U64(memhp_module_event_get_start(ev), 0x140000000ULL);
	CHECK_EQ_U64(memhp_module_event_get_size(ev), 0x20000000);
	CHECK(memhp_module_event_get_node(ev) == 0);
	CHECK(memhp_module_event_get_errno(ev) == 0);
	CHECK(parse_line("5 cancel-online 0x8000000 0x8000000 -1 16", &ev) == 0);
	CHECK_STR(memhp_module_event_get_event(ev), "cancel-online");
	CHECK(memhp_module_event_get_node(ev) == -1);
	CHECK(memhp_module_event_get_errno(ev) == 16);
	CHECK(parse_line("lost 12\n", &ev) == 0);
	CHECK_STR(memhp_module_event_get_event(ev), "lost");
	CHECK_EQ_U64(memhp_module_event_get_lost(ev), 12);
	memhp_module_event_free(ev);
}

TEST(module_event_rejects_garbage)
{
	struct memhp_module_event *ev = NULL;

	CHECK(parse_line("", &ev) == -EINVAL);
	/* found by fuzz-module-event: signs scanf took where the module
	 * never writes one */
	CHECK(parse_line("74 n-o 11 0  0 -16", &ev) == -EINVAL);
	CHECK(parse_line("-5 add 0 0 0 0", &ev) == -EINVAL);
	CHECK(parse_line("5 add 0 0 -2 0", &ev) == -EINVAL);
	CHECK(parse_line("1 add 0x1 0x2 0", &ev) == -EINVAL);
	CHECK(parse_line("1 add 0x1 0x2 0 0 extra", &ev) == -EINVAL);
	CHECK(parse_line("1 averyveryverylongeventname 0x1 0x2 0 0", &ev) ==
	      -EINVAL);
	CHECK(parse_line("lost", &ev) == -EINVAL);
	CHECK(parse_line(NULL, &ev) == -EINVAL);
	memhp_module_event_free(ev);
}
