#!/usr/bin/env bats
# State changes as library transactions against the real kernel
# (lib/README.md): a SIGTERM in the middle of a real offline --atomic puts
# the DIMM's blocks back and leaves nothing running, and a size offline
# meets its request while memory-notifier-error-inject makes offlining
# fail for a while, and offline --reclaim drops a DIMM's clean page cache
# and compacts its node before it takes the DIMM.  One guest for the file.

load vm_helper
load checks

setup_file() {
	vm_boot --shared -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

INJECT=/sys/kernel/debug/notifier-error-inject/memory/actions

# A boot block whose offlining the kernel refuses with EBUSY (unmovable
# pages: the range cannot be isolated), found by asking the kernel; one
# that goes offline after all is put back online.
busy_boot_block() {
	guest_ok '
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	for d in /sys/devices/system/memory/memory[1-9]; do
		case "$(cat $d/valid_zones)" in *" "*|none) continue;; esac
		[ "$(cat $d/state)" = online ] || continue
		if err=$( (echo offline > $d/state) 2>&1 ); then
			echo online > $d/state
			continue
		fi
		case "$err" in *busy*) echo ${d##*memory}; exit 0;; esac
	done
	exit 1'
}

# no memhp process (nor its write child) left in the guest
assert_no_memhp_running() {
	guest "ps | grep '[m]emhp ' || true"
	assert_output ""
}

@test "SIGTERM during a real offline --atomic: the DIMM's blocks go back online in Movable" {
	local range kb
	range=$(plug dimm1) || fail "could not plug dimm1"
	echo "$range" >"$BATS_FILE_TMPDIR/dimm1"
	guest_ok memhp online --zone=movable "$range" >/dev/null
	kb=$(busy_boot_block) || fail "no boot block the kernel refuses with EBUSY"
	# highest first: the DIMM's blocks go offline, then the boot block is
	# retried (EBUSY) until the signal comes
	guest --timeout 150 "
		memhp --json offline --atomic --timeout 120 $range $kb >/tmp/o.json 2>/tmp/e &
		pid=\$!
		i=0
		until [ \"\$(cat /sys/devices/system/memory/memory${range%-*}/state)\" = offline ]; do
			i=\$((i + 1)); [ \$i -gt 600 ] && { kill -9 \$pid; exit 3; }
			sleep 0.1
		done
		sleep 1
		kill -TERM \$pid
		wait \$pid
		echo rc=\$?"
	assert_success
	assert_output --partial "rc=1"
	guest_ok cat /tmp/o.json >"$BATS_TEST_TMPDIR/o.json"
	run jq -e '.interrupted == "SIGTERM" and .totals.rolled_back == 4 and
		.totals.ok == 0 and .exit == 1 and
		(.blocks[] | select(.block == '"$kb"') | .result == "failed")' \
		"$BATS_TEST_TMPDIR/o.json"
	assert_success
	guest_ok cat /tmp/e | grep -q "interrupted by SIGTERM" ||
		fail "no 'interrupted by SIGTERM' line"
	assert_equal "$(range_attr "$range" state valid_zones)" $'Movable\nonline'
	guest cat "/sys/devices/system/memory/memory$kb/state"
	assert_output online
	assert_no_memhp_running
	assert_no_kernel_splat
}

@test "a size offline meets its request while injected failures make offlining fail for a while" {
	local range before
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	before=$(memtotal_kb)
	guest_ok "modprobe memory-notifier-error-inject && echo -16 > $INJECT/MEM_GOING_OFFLINE/error"
	# every offline fails until the injection is lifted 3 s in
	guest --timeout 150 "
		memhp --json offline --zone Movable --timeout 120 512M >/tmp/s.json 2>/tmp/e &
		pid=\$!
		sleep 3
		echo 0 > $INJECT/MEM_GOING_OFFLINE/error
		wait \$pid
		echo rc=\$?"
	assert_success
	assert_output --partial "rc=0"
	guest_ok cat /tmp/s.json >"$BATS_TEST_TMPDIR/s.json"
	run jq -e '.totals.ok == 4 and .totals.failed == 0 and .exit == 0 and
		all(.blocks[] | select(.result == "ok"); .attempts >= 2 and .zone == "Movable")' \
		"$BATS_TEST_TMPDIR/s.json"
	assert_success
	assert_equal "$(range_attr "$range" state)" offline
	assert_equal "$(memtotal_kb)" $((before - 512 * 1024))
	assert_no_memhp_running
}

# Self-contained (its own DIMM, rcl0, unplugged at the end): clean page
# cache of a real filesystem (ext2 on a brd RAM disk; tmpfs pages are not
# droppable cache) fills a Movable DIMM, then offline --reclaim drops it,
# compacts node 0, says so with the numbers, and the DIMM goes offline.
@test "offline --reclaim drops a DIMM's clean page cache, compacts its node, reports it, and the DIMM goes offline" {
	local range census
	range=$(plug rcl0) || fail "could not plug rcl0"
	guest_ok memhp online --zone=movable "$range" >/dev/null
	# brd's own pages are the kernel's (not Movable): they stay in boot
	# memory; the file's page cache is Movable and fills the DIMM first
	guest --timeout 120 "set -e; modprobe crc32c_generic; modprobe ext4
		modprobe brd rd_nr=1 rd_size=262144
		mke2fs /dev/ram0 >/dev/null
		mkdir -p /mnt/rcl
		mount -t ext4 /dev/ram0 /mnt/rcl || { grep ext /proc/filesystems; ls -la /mnt /dev/ram0; dmesg | tail -5; exit 1; }
		dd if=/dev/zero of=/mnt/rcl/f bs=1M count=160 2>/dev/null; sync
		cat /mnt/rcl/f >/dev/null"
	assert_success
	census=$(guest_ok memhp --json why "$range")
	# the DIMM holds the file's pages now (the census says so)
	jq -e '[.blocks[].census.file] | add > 16384' <<<"$census" >/dev/null ||
		fail "the DIMM holds no page cache: $census"
	guest --timeout 150 "memhp --json offline --reclaim --timeout 60 $range >/tmp/r.json 2>/tmp/r.err; echo rc=\$?"
	assert_output rc=0
	guest_ok cat /tmp/r.json >"$BATS_TEST_TMPDIR/r.json"
	# exactly what it wrote, each write taken, and at least 128M of the
	# 160M of clean cache gone from node 0 (FilePages before -> after)
	run jq -e '.reclaim.done and
		([.reclaim.writes[] | [.file, .value, .errno]] ==
		 [["/proc/sys/vm/drop_caches", "1", null],
		  ["/sys/devices/system/node/node0/compact", "1", null]]) and
		(.reclaim.nodes | length) == 1 and .reclaim.nodes[0].node == 0 and
		.reclaim.nodes[0].file_pages_before - .reclaim.nodes[0].file_pages_after >= 134217728 and
		.reclaim.nodes[0].mem_free_after > .reclaim.nodes[0].mem_free_before and
		.totals.ok == 4 and .exit == 0' "$BATS_TEST_TMPDIR/r.json"
	assert_success
	# the kernel saw the drop (it logs it once) and the blocks are offline
	guest_ok "dmesg | grep -c 'drop_caches: 1'" >/dev/null
	assert_equal "$(range_attr "$range" state)" offline
	# the text report says the same
	guest_ok memhp online --zone=movable "$range" >/dev/null
	guest_ok "cat /mnt/rcl/f >/dev/null"
	guest --timeout 150 memhp offline --reclaim --timeout 60 "$range"
	assert_success
	assert_line 'reclaim: wrote 1 to /proc/sys/vm/drop_caches (clean page cache, on every node)'
	assert_line 'reclaim: wrote 1 to /sys/devices/system/node/node0/compact (compaction)'
	assert_line --regexp '^reclaim: node 0: FilePages [0-9.]+[MG] -> [0-9.]+[MKG], MemFree [0-9.]+[MG] -> [0-9.]+[MG]$'
	assert_equal "$(range_attr "$range" state)" offline
	guest_ok "umount /mnt/rcl && rmmod brd" >/dev/null
	vm_del_dimm rcl0 || fail "rcl0 was not unplugged"
	assert_no_memhp_running
	assert_no_kernel_splat
}
