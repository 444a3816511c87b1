// SPDX-License-Identifier: GPL-2.0-or-later
/* The uevent and memhp.ko event-log parsers. */
#include <errno.h>

#include "harness.h"
#include "private.h"

/* a message as the kernel sends it: NUL-separated, the last one too */
#define MSG(s) s, sizeof(s) - 1

TEST(uevent_memory_online)
{
	static const char m[] = "online@/devices/system/memory/memory37\0"
		"ACTION=online\0DEVPATH=/devices/system/memory/memory37\0"
		"SUBSYSTEM=memory\0SEQNUM=4242\0";
	struct memhp_uevent ev;

	CHECK(memhp_uevent_parse(MSG(m), &ev) == 0);
	CHECK_STR(ev.action, "online");
	CHECK_STR(ev.devpath, "/devices/system/memory/memory37");
	CHECK_STR(ev.subsystem, "memory");
	CHECK_EQ_U64(ev.seqnum, 4242);
	CHECK(ev.block == 37);
}

TEST(uevent_header_only_and_no_trailing_nul)
{
	static const char m[] = "add@/devices/system/memory/memory8192";
	static const char k[] = "remove@/devices/system/memory/memory3\0"
		"SUBSYSTEM=memory";
	struct memhp_uevent ev;

	CHECK(memhp_uevent_parse(MSG(m), &ev) == 0);
	CHECK_STR(ev.action, "add");
	CHECK(ev.block == 8192);
	CHECK_STR(ev.subsystem, "");
	CHECK_EQ_U64(ev.seqnum, 0);
	CHECK(memhp_uevent_parse(MSG(k), &ev) == 0);
	CHECK_STR(ev.action, "remove");
	CHECK_STR(ev.subsystem, "memory");
	CHECK(ev.block == 3);
}

TEST(uevent_not_a_block)
{
	static const char cpu[] = "online@/devices/system/cpu/cpu1\0"
		"ACTION=online\0SUBSYSTEM=cpu\0";
	static const char mem[] = "change@/devices/system/memory\0"
		"SUBSYSTEM=memory\0";
	static const char odd[] = "add@/devices/system/memory/memory_failure\0";
	struct memhp_uevent ev;

	CHECK(memhp_uevent_parse(MSG(cpu), &ev) == 0);
	CHECK_STR(ev.subsystem, "cpu");
	CHECK(ev.block == -1);
	CHECK(memhp_uevent_parse(MSG(mem), &ev) == 0);
	CHECK(ev.block == -1);
	CHECK(memhp_uevent_parse(MSG(odd), &ev) == 0);
	CHECK(ev.block == -1);
}

TEST(uevent_rejects_what_the_kernel_does_not_send)
{
	/* udev's re-broadcast starts with "libudev" and binary data */
	static const char udev[] = "libudev\0\xfe\xed\xca\xfe";
	struct memhp_uevent ev;
	char longpath[400];
	int n;

	CHECK(memhp_uevent_parse(MSG(udev), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("@/devices/x\0"), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("add@\0"), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("add@devices\0"), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("\0ACTION=add\0"), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse("", 0, &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(NULL, 4, &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("add@/x\0SEQNUM=12z\0"), &ev) == -EINVAL);
	CHECK(memhp_uevent_parse(MSG("averyveryverylongaction@/x\0"), &ev) ==
	      -EOVERFLOW);
	n = snprintf(longpath, sizeof(longpath), "add@/%0300d", 0);
	CHECK(memhp_uevent_parse(longpath, (size_t)n, &ev) == -EOVERFLOW);
}

TEST(uevent_keys_override_the_header)
{
	static const char m[] = "add@/devices/system/memory/memory1\0"
		"ACTION=online\0DEVPATH=/devices/system/memory/memory2\0"
		"NOEQUALS\0SUBSYSTEM=memory\0";
	struct memhp_uevent ev;

	CHECK(memhp_uevent_parse(MSG(m), &ev) == 0);
	CHECK_STR(ev.action, "online");
	CHECK(ev.block == 2);
}

TEST(module_event_lines)
{
	struct memhp_module_event ev;

	CHECK(memhp_module_event_parse("123456789 add 0x140000000 0x20000000 0 0\n",
				       &ev) == 0);
	CHECK_EQ_U64(ev.ns, 123456789);
	CHECK_STR(ev.event, "add");
	CHECK_EQ_U64(ev.start, 0x140000000ULL);
	CHECK_EQ_U64(ev.size, 0x20000000);
	CHECK(ev.node == 0 && ev.err == 0);
	CHECK(memhp_module_event_parse("5 cancel-online 0x8000000 0x8000000 -1 16",
				       &ev) == 0);
	CHECK_STR(ev.event, "cancel-online");
	CHECK(ev.node == -1 && ev.err == 16);
	CHECK(memhp_module_event_parse("lost 12\n", &ev) == 0);
	CHECK_STR(ev.event, "lost");
	CHECK_EQ_U64(ev.lost, 12);
}

TEST(module_event_rejects_garbage)
{
	struct memhp_module_event ev;

	CHECK(memhp_module_event_parse("", &ev) == -EINVAL);
	/* found by fuzz-module-event: signs scanf took where the module
	 * never writes one */
	CHECK(memhp_module_event_parse("74 n-o 11 0  0 -16", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("-5 add 0 0 0 0", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("5 add 0 0 -2 0", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("1 add 0x1 0x2 0", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("1 add 0x1 0x2 0 0 extra", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("1 averyveryverylongeventname 0x1 0x2 0 0",
				       &ev) == -EINVAL);
	CHECK(memhp_module_event_parse("lost", &ev) == -EINVAL);
	CHECK(memhp_module_event_parse(NULL, &ev) == -EINVAL);
}
