#!/usr/bin/env bats
# memhp probe / remove on fixture trees, with the fake memhp.ko
# (tests/fakekernel) standing in for the module's probe and remove files.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	# module-loaded: blocks 0-7 online, 8-15 offline, /sys/kernel/memhp
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/module-loaded" "$T"
	M=$T/sys/devices/system/memory
}

@test "probe adds offline blocks through memhp.ko; list marks them probed" {
	run fmemhp probe 0x100000000 512M
	assert_success
	assert_output --partial "blocks 32-35"
	for b in 32 33 34 35; do
		assert_equal "$(cat "$M/memory$b/state")" offline
	done
	run --separate-stderr "$MEMHP" --sysfs-root "$T" list --json
	assert_success
	run jq -c '[.ranges[] | [.first_block, .last_block, .probed]]' <<<"$output"
	assert_output '[[0,7,false],[8,15,false],[32,35,true]]'
}

@test "probe --online=movable onlines the new blocks into Movable" {
	run --separate-stderr fmemhp --json probe --online=movable 0x100000000 256M
	assert_success
	run jq -e '.action == "probe" and .method == "memhp.ko"
		and .first_block == 32 and .last_block == 33
		and .online.totals.ok == 2 and .exit == 0' <<<"$output"
	assert_success
	assert_equal "$(cat "$M/memory33/valid_zones")" Movable
}

@test "probe --online=movable where the kernel onlines what it adds: Movable, policy put back" {
	# the kernel would online the new blocks itself, into Normal
	echo online >"$M/auto_online_blocks"
	run --separate-stderr fmemhp --json probe --online=movable 0x100000000 256M
	assert_success
	run jq -e '.online.totals.ok == 2 and .exit == 0
		and .policy == {"key": "auto_online_blocks", "was": "online",
				"set": "offline", "restored": true}' <<<"$output"
	assert_success
	for b in 32 33; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
	assert_equal "$(cat "$M/auto_online_blocks")" online
	# the same policy already onlining into Movable is left alone
	echo online_movable >"$M/auto_online_blocks"
	run --separate-stderr fmemhp --json probe --online=movable 0x200000000 128M
	assert_success
	run jq -e '.policy == null and .exit == 0' <<<"$output"
	assert_success
	assert_equal "$(cat "$M/memory64/valid_zones")" Movable
}

@test "probe without --online leaves the kernel's auto-online policy alone" {
	echo online >"$M/auto_online_blocks"
	run --separate-stderr fmemhp --json probe 0x100000000 128M
	assert_success
	run jq -e '.policy == null and .exit == 0' <<<"$output"
	assert_success
	assert_equal "$(cat "$M/memory32/state")" online
	assert_equal "$(cat "$M/memory32/valid_zones")" Normal
}

@test "probe --online=movable adds nothing when auto_online_blocks cannot be set" {
	echo online >"$M/auto_online_blocks"
	chattr +i "$M/auto_online_blocks"
	run fmemhp probe --online=movable 0x100000000 128M
	chattr -i "$M/auto_online_blocks"
	assert_failure 1
	assert_output --partial "cannot set auto_online_blocks to 'offline'"
	assert_output --partial "nothing was added"
	assert [ ! -e "$M/memory32" ]
	assert_equal "$(cat "$M/auto_online_blocks")" online
}

@test "probe --online=movable leaves a policy another agent set meanwhile alone" {
	echo online >"$M/auto_online_blocks"
	echo online_kernel >"$M/fake-kernel-policy"
	run --separate-stderr fmemhp --json probe --online=movable 0x100000000 128M
	assert_failure 64
	assert_equal "$(cat "$M/auto_online_blocks")" online_kernel
	run jq -e '.policy == {"key": "auto_online_blocks", "was": "online",
				"set": "offline", "restored": false}' <<<"$output"
	assert_success
	assert_equal "$(cat "$M/memory32/valid_zones")" Movable
	[[ $stderr == *"auto_online_blocks changed since memhp set it; left as it is"* ]]
}

@test "remove offlines online blocks first, then removes" {
	fmemhp probe --online 0x100000000 256M
	run --separate-stderr fmemhp --json remove 0x100000000 256M
	assert_success
	run jq -e '.ranges[0].result == "ok" and .ranges[0].offline.totals.ok == 2' <<<"$output"
	assert_success
	[ ! -e "$M/memory32" ]
	[ ! -e "$T/sys/kernel/memhp/ranges/0x100000000" ]
}

@test "remove leaves everything when a block cannot go offline" {
	fmemhp probe --online 0x100000000 384M
	echo "offline 16 -1" >"$M/memory33/fake-kernel"
	run fmemhp remove --timeout 1 0x100000000 384M
	assert_failure 1
	assert_output --partial "nothing removed"
	for b in 32 33 34; do
		assert_equal "$(cat "$M/memory$b/state")" online
	done
	[ -d "$T/sys/kernel/memhp/ranges/0x100000000" ]
}

@test "remove --all removes every probed range" {
	fmemhp probe 0x100000000 128M
	fmemhp probe 0x200000000 128M
	run fmemhp remove --all
	assert_success
	[ -z "$(ls "$T/sys/kernel/memhp/ranges")" ]
}

@test "bad input is refused with exit 2 before anything is written" {
	before=$(find "$T" -type f -print0 | sort -z | xargs -0 md5sum)
	while read -r args; do
		run fmemhp $args
		[ "$status" -eq 2 ] || { echo "'$args' exited $status: $output"; false; }
	done <<-'EOF'
	probe 0x100000001 128M
	probe 0x100000000 100M
	probe 0x100000000 0
	probe 0x100000000
	probe zzz 128M
	probe 0x100000000 128M extra
	probe --online=Sideways 0x100000000 128M
	probe --scan 0x100000000 128M
	remove 0x100000000 128M
	remove 0x100000000
	remove --all 0x100000000 128M
	EOF
	assert_equal "$(find "$T" -type f -print0 | sort -z | xargs -0 md5sum)" "$before"
}

@test "without memhp.ko or a probe attribute, one line says how to get the module" {
	rm -rf "$T/sys/kernel/memhp"
	run fmemhp probe 0x100000000 128M
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	assert_output --partial "modprobe memhp"
	run fmemhp remove 0x100000000 128M
	assert_failure 1
	assert_output --partial "needs memhp.ko"
}

@test "with the kernel's own probe attribute, probe adds block by block and warns" {
	rm -rf "$T/sys/kernel/memhp"
	touch "$M/probe"
	run "$MEMHP" --sysfs-root "$T" probe 0x100000000 256M
	assert_success
	assert_output --partial "cannot be removed again without memhp.ko"
	# the kernel gets one block address per write; the last one stays
	assert_equal "$(cat "$M/probe")" 0x108000000
	run "$MEMHP" --sysfs-root "$T" probe --node 1 0x100000000 128M
	assert_failure 1
	assert_output --partial "cannot choose a node"
}

@test "probe --scan: firmware RAM that no System RAM covers, cut to whole blocks" {
	mm=$T/sys/firmware/memmap
	mkdir -p "$mm/0" "$mm/1" "$mm/2" "$T/proc"
	printf '0x0\n' >"$mm/0/start"; printf '0x9fbff\n' >"$mm/0/end"; echo "System RAM" >"$mm/0/type"
	printf '0x100000\n' >"$mm/1/start"; printf '0x7ffdffff\n' >"$mm/1/end"; echo "System RAM" >"$mm/1/type"
	printf '0x7ffe0000\n' >"$mm/2/start"; printf '0x7fffffff\n' >"$mm/2/end"; echo "Reserved" >"$mm/2/type"
	cat >"$T/proc/iomem" <<-'EOF'
	00000000-00000fff : Reserved
	00001000-0009fbff : System RAM
	00100000-3fffffff : System RAM
	  01000000-01ffffff : Kernel code
	40000000-5fffffff : Reserved
	60000000-7ffdffff : System RAM
	EOF
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json probe --scan
	assert_success
	run jq -c '[.hidden[] | [.start, .end, .usable_start, .usable_size]]' <<<"$output"
	# 0x0-0xfff is hidden but less than a block; 0x40000000-0x5fffffff is usable
	assert_output "[[0,4095,null,0],[1073741824,1610612735,1073741824,536870912]]"
	run "$MEMHP" --sysfs-root "$T" probe --scan
	assert_success
	assert_output --partial "memhp probe 0x40000000 512M"
}

@test "summary counts memhp.ko's ranges" {
	fmemhp probe 0x100000000 256M
	fmemhp probe 0x200000000 128M
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json summary
	assert_success
	run jq -c '.module' <<<"$output"
	assert_output '{"loaded":true,"ranges":[{"start":4294967296,"size":268435456,"node":0},{"start":8589934592,"size":134217728,"node":0}]}'
	run "$MEMHP" --sysfs-root "$T" summary
	assert_output --partial "loaded, 2 ranges added (384M)"
}
