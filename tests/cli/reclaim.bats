#!/usr/bin/env bats
# memhp offline --reclaim (lib/reclaim.c), and remove and eject --reclaim
# (lib/unplug.c: their offline plan reclaims): drop_caches and the nodes'
# compact are written only when asked, never in a dry run, before any
# block, for the right nodes; the report says what was written and the
# counters before -> after.  The fake kernel logs every write to
# drop_caches, compact_memory and nodeN/compact and frees each node's
# fake-clean kB of page cache on drop_caches (tests/fakekernel).

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() { fake_logs_setup; }

use() { # FIXTURE
	use_fixture "$1"
	N=$T/sys/devices/system/node
}

MiB=1048576

# the writes the fake kernel saw that were not to a block's state (nor
# an ACPI device's eject)
reclaim_writes() {
	grep -v -e '^memory' -e '^PNP0C80' "$MEMHP_FAKE_LOG" || true
}

@test "without --reclaim an offline writes neither drop_caches nor compact" {
	use reclaim
	run --separate-stderr fmemhp offline 256M
	assert_success
	assert_equal "$(reclaim_writes)" ""
	assert_equal "$(grep -c '^memory' "$MEMHP_FAKE_LOG")" 2
	assert_equal "$(cat "$T/proc/sys/vm/drop_caches")" 0
	refute_output --partial reclaim
	# and the page cache is where it was
	run grep FilePages "$N/node0/meminfo"
	assert_output --regexp ' 409600 kB$'
}

@test "--reclaim --dry-run says what it would write and writes nothing" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim --dry-run 256M
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" ""
	assert_equal "$(cat "$T/proc/sys/vm/drop_caches")" 0
	assert_line 'reclaim: would write 1 to /proc/sys/vm/drop_caches (clean page cache, on every node)'
	assert_line 'reclaim: would write 1 to /sys/devices/system/node/node0/compact (compaction)'
	assert_line 'reclaim: would write 1 to /sys/devices/system/node/node1/compact (compaction)'
	assert_line 'reclaim: node 0: FilePages 400M, MemFree 1G (now)'
	assert_line 'reclaim: node 1: FilePages 300M, MemFree 512M (now)'
	run --separate-stderr fmemhp --json offline --reclaim --dry-run 256M
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" ""
	jq -e --argjson m $MiB '.reclaim.done == false and
		([.reclaim.writes[].file] == ["/proc/sys/vm/drop_caches",
			"/sys/devices/system/node/node0/compact",
			"/sys/devices/system/node/node1/compact"]) and
		.reclaim.nodes[0].file_pages_before == 400 * $m and
		.reclaim.nodes[0].file_pages_after == null and
		.reclaim.nodes[1].mem_free_before == 512 * $m' <<<"$output"
}

@test "--reclaim drops the cache once, compacts every candidate's node, before any block, and reports before -> after" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim 256M
	assert_success
	# the order of the writes: the reclaim first, then the blocks
	run head -3 "$MEMHP_FAKE_LOG"
	assert_output "drop_caches 1 0
node0/compact 1 0
node1/compact 1 0"
	assert_equal "$(wc -l <"$MEMHP_FAKE_LOG")" 5
	# node 0 freed 256M of 400M page cache, node 1 200M of 300M
	run grep -h FilePages "$N/node0/meminfo" "$N/node1/meminfo"
	assert_line --index 0 --regexp ' 147456 kB$'
	assert_line --index 1 --regexp ' 102400 kB$'
}

@test "--reclaim's text report: each write and each node's FilePages and MemFree" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim 256M
	assert_success
	assert_line 'reclaim: wrote 1 to /proc/sys/vm/drop_caches (clean page cache, on every node)'
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node0/compact (compaction)'
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node1/compact (compaction)'
	assert_line 'reclaim: node 0: FilePages 400M -> 144M, MemFree 1G -> 1.3G'
	assert_line 'reclaim: node 1: FilePages 300M -> 100M, MemFree 512M -> 712M'
	assert_equal "$stderr" "memhp: offline: 2 changed, 0 unchanged, 0 failed"
	# --bytes: the same in bytes
	use reclaim
	run --separate-stderr fmemhp --bytes offline --reclaim 256M
	assert_line "reclaim: node 1: FilePages $((300 * MiB)) -> $((100 * MiB)), MemFree $((512 * MiB)) -> $((712 * MiB))"
}

@test "--reclaim --json: done, the writes, and the counters in bytes" {
	use reclaim
	run --separate-stderr fmemhp --json offline --reclaim 256M
	assert_success
	jq -e --argjson m $MiB '.reclaim.done == true and
		([.reclaim.writes[] | [.file, .value, .errno, .error]] ==
		 [["/proc/sys/vm/drop_caches", "1", null, null],
		  ["/sys/devices/system/node/node0/compact", "1", null, null],
		  ["/sys/devices/system/node/node1/compact", "1", null, null]]) and
		(.reclaim.nodes | map([.node, .file_pages_before, .file_pages_after,
				     .mem_free_before, .mem_free_after])) ==
		 [[0, 400 * $m, 144 * $m, 1024 * $m, 1280 * $m],
		  [1, 300 * $m, 100 * $m, 512 * $m, 712 * $m]] and
		.totals.ok == 2' <<<"$output"
	# without --reclaim the key is there, null
	use reclaim
	run --separate-stderr fmemhp --json offline 8
	assert_success
	jq -e 'has("reclaim") and .reclaim == null' <<<"$output"
}

@test "--reclaim with --node compacts that node only; drop_caches is still global" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim --node 1 256M
	assert_success
	assert_equal "$(reclaim_writes)" "drop_caches 1 0
node1/compact 1 0"
	assert_line 'reclaim: node 1: FilePages 300M -> 100M, MemFree 512M -> 712M'
	refute_line --partial 'node 0'
	# the kernel drops every node's clean cache: node 0's went too
	run grep FilePages "$N/node0/meminfo"
	assert_output --regexp ' 147456 kB$'
}

@test "--reclaim on explicit blocks: the nodes of those that are online, not of those already offline" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim 20 9-10
	assert_success
	assert_equal "$(reclaim_writes)" "drop_caches 1 0
node0/compact 1 0"
	run head -2 "$MEMHP_FAKE_LOG"
	assert_line --index 0 'drop_caches 1 0'
	# and when no block is online there is nothing to do
	: >"$MEMHP_FAKE_LOG"
	run --separate-stderr fmemhp offline --reclaim 20
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" ""
	assert_line 'reclaim: nothing to do: no block to offline is online'
}

@test "--reclaim without NUMA nodes: compact_memory and proc/meminfo (Cached + Buffers + SwapCached)" {
	use reclaim-nonuma
	run --separate-stderr fmemhp offline --reclaim 9-11
	assert_success
	assert_equal "$(reclaim_writes)" "drop_caches 1 0
compact_memory 1 0"
	assert_line 'reclaim: wrote 1 to /proc/sys/vm/compact_memory (compaction, every node)'
	# 300 + 20 + 4 = 324M of file pages, 100M of them clean
	assert_line 'reclaim: all memory: FilePages 324M -> 224M, MemFree 800M -> 900M'
	use reclaim-nonuma
	: >"$MEMHP_FAKE_LOG"
	run --separate-stderr fmemhp --json offline --reclaim 9
	jq -e '.reclaim.nodes == [{"node": null,
		"file_pages_before": 339738624, "file_pages_after": 234881024,
		"mem_free_before": 838860800, "mem_free_after": 943718400}]' <<<"$output"
}

@test "a reclaim write that fails is reported and the offline still runs" {
	use reclaim
	echo 13 >"$N/node1/compact.fake-errno"
	run --separate-stderr fmemhp offline --reclaim 256M
	assert_success
	assert_equal "$(grep -c '^memory.* offline 0$' "$MEMHP_FAKE_LOG")" 2
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node0/compact (compaction)'
	refute_line --partial 'to /sys/devices/system/node/node1/compact (compaction)'
	# said once, by the command (the library leaves it to the result)
	assert_equal "$(grep -c 'node1/compact' <<<"$stderr")" 1
	assert_equal "$(grep 'node1/compact' <<<"$stderr")" \
		"memhp: offline: reclaim: writing 1 to /sys/devices/system/node/node1/compact failed: Permission denied"
	use reclaim
	echo 13 >"$N/node1/compact.fake-errno"
	run --separate-stderr fmemhp --json offline --reclaim 256M
	jq -e '.reclaim.writes[2].errno == 13 and .reclaim.writes[2].error == "Permission denied" and
		.reclaim.writes[1].errno == null and .totals.ok == 2' <<<"$output"
}

@test "a run that reclaimed leaves a line in the system log; a dry run leaves none" {
	use reclaim
	run --separate-stderr fmemhp offline --reclaim --dry-run 256M
	assert_equal "$(cat "$MEMHP_FAKE_SYSLOG")" ""
	run --separate-stderr fmemhp offline --reclaim --node 1 256M
	assert_success
	run grep 'reclaim' "$MEMHP_FAKE_SYSLOG"
	assert_output --regexp "^daemon.notice memhp\[[0-9]+\]: offline: reclaim: /proc/sys/vm/drop_caches=1, /sys/devices/system/node/node1/compact=1 \(uid [0-9]+, sysfs root $T\)$"
}

@test "--reclaim is for taking memory away: online refuses it" {
	use reclaim
	run --separate-stderr fmemhp online --reclaim 20
	assert_failure 2
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" ""
}

# remove and eject --reclaim: the reclaim fixture's blocks 16-19 (node 1)
# are a range memhp.ko added, 8-11 (node 0) the ACPI device PNP0C80:00

@test "remove and eject without --reclaim write neither drop_caches nor compact" {
	use reclaim
	run --separate-stderr fmemhp --json remove 0x80000000 512M
	assert_success
	jq -e '.ranges[0].result == "ok" and .ranges[0].offline.totals.ok == 4 and
		(.ranges[0].offline | has("reclaim")) and
		.ranges[0].offline.reclaim == null' <<<"$output"
	run --separate-stderr fmemhp eject PNP0C80:00
	assert_success
	refute_output --partial reclaim
	assert_equal "$(reclaim_writes)" ""
	assert_equal "$(grep -c '^memory.* offline 0$' "$MEMHP_FAKE_LOG")" 8
	assert_equal "$(cat "$T/proc/sys/vm/drop_caches")" 0
	run grep -c reclaim "$MEMHP_FAKE_SYSLOG"
	assert_output 0
}

@test "remove --reclaim: the cache dropped and the range's node compacted before its first block, reported and logged" {
	use reclaim
	run --separate-stderr fmemhp remove --reclaim 0x80000000 512M
	assert_success
	run head -3 "$MEMHP_FAKE_LOG"
	assert_output "drop_caches 1 0
node1/compact 1 0
memory19 offline 0"
	assert_equal "$(reclaim_writes)" "drop_caches 1 0
node1/compact 1 0"
	[ ! -e "$T/sys/kernel/memhp/ranges/0x80000000" ]
	run grep 'reclaim' "$MEMHP_FAKE_SYSLOG"
	assert_output --regexp "^daemon.notice memhp\[[0-9]+\]: offline: reclaim: /proc/sys/vm/drop_caches=1, /sys/devices/system/node/node1/compact=1 \(uid [0-9]+, sysfs root $T\)$"
	# the text report, as offline --reclaim gives it
	use reclaim
	run --separate-stderr fmemhp remove --reclaim 0x80000000 512M
	assert_success
	assert_line 'reclaim: wrote 1 to /proc/sys/vm/drop_caches (clean page cache, on every node)'
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node1/compact (compaction)'
	assert_line 'reclaim: node 1: FilePages 300M -> 100M, MemFree 512M -> 712M'
	refute_line --partial 'node 0'
}

@test "eject --reclaim --json: the offline document's reclaim, before -> after in bytes" {
	use reclaim
	run --separate-stderr fmemhp --json eject --reclaim PNP0C80:00
	assert_success
	jq -e --argjson m $MiB '.result == "ejected" and .offline.totals.ok == 4 and
		.offline.reclaim.done == true and
		([.offline.reclaim.writes[] | [.file, .value, .errno]] ==
		 [["/proc/sys/vm/drop_caches", "1", null],
		  ["/sys/devices/system/node/node0/compact", "1", null]]) and
		(.offline.reclaim.nodes | map([.node, .file_pages_before,
			.file_pages_after, .mem_free_before, .mem_free_after])) ==
		 [[0, 400 * $m, 144 * $m, 1024 * $m, 1280 * $m]]' <<<"$output"
	run head -3 "$MEMHP_FAKE_LOG"
	assert_output "drop_caches 1 0
node0/compact 1 0
memory11 offline 0"
	run grep 'reclaim' "$MEMHP_FAKE_SYSLOG"
	assert_output --regexp "^daemon.notice memhp\[[0-9]+\]: offline: reclaim: /proc/sys/vm/drop_caches=1, /sys/devices/system/node/node0/compact=1 \(uid [0-9]+, sysfs root $T\)$"
}

@test "a failed unplug still reports what its reclaim did" {
	use reclaim
	# the firmware refuses the eject: the blocks go back, the reclaim stays
	echo "eject 19" >"$T/sys/bus/acpi/devices/PNP0C80:00/fake-kernel"
	run --separate-stderr fmemhp --json eject --reclaim PNP0C80:00
	assert_failure 1
	jq -e '.result == "refused" and .put_back[0].totals.ok == 4 and
		.offline.reclaim.done == true and
		[.offline.reclaim.writes[].file] == ["/proc/sys/vm/drop_caches",
			"/sys/devices/system/node/node0/compact"] and
		.offline.reclaim.nodes[0].file_pages_after == 144 * 1048576' <<<"$output"
	assert_equal "$(cat "$T/sys/devices/system/memory/memory8/state")" online
	# a block of the range cannot go offline: nothing removed, reclaim said
	use reclaim
	: >"$MEMHP_FAKE_LOG"
	echo "offline 16 -1" >"$T/sys/devices/system/memory/memory17/fake-kernel"
	run --separate-stderr fmemhp remove --reclaim --timeout 1 0x80000000 512M
	assert_failure 1
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node1/compact (compaction)'
	assert_line 'reclaim: node 1: FilePages 300M -> 100M, MemFree 512M -> 712M'
	[[ $stderr == *"could not all be taken offline; nothing removed"* ]]
	assert_equal "$(reclaim_writes)" "drop_caches 1 0
node1/compact 1 0"
	[ -d "$T/sys/kernel/memhp/ranges/0x80000000" ]
}

@test "remove and eject --reclaim with no block online: nothing to reclaim, and they say so" {
	use reclaim
	fmemhp offline 8-11 16-19 >/dev/null 2>&1
	: >"$MEMHP_FAKE_LOG"
	run --separate-stderr fmemhp eject --reclaim PNP0C80:00
	assert_success
	assert_line 'reclaim: nothing to do: no block to offline is online'
	run --separate-stderr fmemhp --json remove --reclaim 0x80000000 512M
	assert_success
	jq -e '.ranges[0].result == "ok" and .ranges[0].offline == null' <<<"$output"
	assert_equal "$(reclaim_writes)" ""
	assert_equal "$(cat "$T/proc/sys/vm/drop_caches")" 0
}
