#!/usr/bin/env bats
# memhp.ko and memhp probe/remove against the real kernel (issue 5): a
# 2G pc guest whose RAM at 1G-1.5G is hidden with memmap=512M$0x40000000,
# so the module has RAM to add that the kernel does not use.

load vm_helper
load checks

HIDDEN=0x40000000
MODDIR=/sys/kernel/memhp

setup_file() {
	vm_boot -m 2G,slots=2,maxmem=4G -- 'memmap=512M$0x40000000' \
		memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

memtotal_kb() { guest_ok "awk '/^MemTotal:/ {print \$2}' /proc/meminfo"; }

# write "$2" to module file $1 in the guest; prints the shell's error text
module_write() {
	guest "echo '$2' > $MODDIR/$1"
}


@test "memhp.ko loads and shows its interface" {
	guest modprobe memhp
	assert_success
	guest "ls $MODDIR; stat -c '%a %n' $MODDIR/probe $MODDIR/remove; cat $MODDIR/block_size_bytes; cat $MODDIR/pluggable_range"
	assert_success
	assert_line "200 $MODDIR/probe"
	assert_line "200 $MODDIR/remove"
	assert_line "$(guest_out cat /sys/devices/system/memory/block_size_bytes)"
	guest memhp summary --json
	run jq -e '.module.loaded == true' <<<"$stdout"
	assert_success
}

@test "probe --scan finds the RAM memmap= hid, cut to whole blocks" {
	guest memhp --json probe --scan
	assert_success
	run jq -e --argjson s $((HIDDEN)) '[.hidden[] | select(.usable_start == $s and .usable_size == 536870912)] | length == 1' <<<"$stdout"
	assert_success
	guest memhp probe --scan
	assert_output --partial "memhp probe 0x40000000 512M"
}

@test "probe adds offline blocks, online Movable grows MemTotal, remove returns it and cleans /proc/iomem" {
	local before bs first
	before=$(memtotal_kb)
	bs=$(guest_block_size)
	first=$((HIDDEN / bs))
	guest memhp probe 0x40000000 256M
	assert_success
	guest "cat /sys/devices/system/memory/memory$first/state /sys/devices/system/memory/memory$((first + 1))/state"
	assert_output $'offline\noffline'
	guest 'grep "System RAM (memhp)" /proc/iomem'
	assert_output --partial "40000000-4fffffff : System RAM (memhp)"
	guest memhp list --json
	run jq -e --argjson f "$first" '[.ranges[] | select(.first_block == $f)][0] | .probed == true and .state == "offline" and .blocks == 2' <<<"$stdout"
	assert_success
	guest memhp online --zone=movable "$first-$((first + 1))"
	assert_success
	assert_equal $(( $(memtotal_kb) - before )) $((256 * 1024))
	guest memhp remove 0x40000000 256M
	assert_success
	assert_equal "$(memtotal_kb)" "$before"
	guest 'grep -c memhp /proc/iomem'
	assert_output 0
	guest "ls $MODDIR/ranges | wc -l"
	assert_output 0
	assert_no_kernel_splat
}

@test "probe --online=movable and remove, 50 times, without drift" {
	local before iomem
	before=$(memtotal_kb)
	iomem=$(guest_out cat /proc/iomem | md5sum)
	guest --timeout 400 '
		i=0
		while [ $i -lt 50 ]; do
			memhp -q probe --online=movable 0x40000000 512M || { echo "probe $i failed"; exit 1; }
			memhp -q remove 0x40000000 512M || { echo "remove $i failed"; exit 1; }
			i=$((i + 1))
		done'
	assert_success
	assert_equal "$(memtotal_kb)" "$before"
	assert_equal "$(guest_out cat /proc/iomem | md5sum)" "$iomem"
	assert_no_kernel_splat
}

@test "probe --online=movable where the kernel onlines what it adds: every block Movable, policy as it was" {
	local bs first
	bs=$(guest_block_size)
	first=$((HIDDEN / bs))
	guest 'echo online > /sys/devices/system/memory/auto_online_blocks'
	assert_success
	guest memhp --json probe --online=movable 0x40000000 512M
	assert_success
	run jq -e '.exit == 0 and .policy.was == "online" and .policy.set == "offline"
		and .policy.restored == true and .online.totals.failed == 0' <<<"$stdout"
	assert_success
	guest "for b in \$(seq $first $((first + 512 * 1024 * 1024 / bs - 1))); do
		echo \$(cat /sys/devices/system/memory/memory\$b/state) \$(cat /sys/devices/system/memory/memory\$b/valid_zones)
	done | sort -u"
	assert_output "online Movable"
	assert_equal "$(guest_out cat /sys/devices/system/memory/auto_online_blocks)" online
	guest memhp remove 0x40000000 512M
	assert_success
	guest 'echo offline > /sys/devices/system/memory/auto_online_blocks'
	assert_success
	assert_no_kernel_splat
}

@test "refusals: each with its errno, one log line, and no splat" {
	local bs
	bs=$(guest_block_size)
	guest 'dmesg -c >/dev/null'
	module_write probe "0x40000001 $bs"
	assert_output --partial "Invalid argument"
	module_write probe "0x40000000 0"
	assert_output --partial "Invalid argument"
	module_write probe "0xfffffffff8000000 0x10000000"
	assert_output --partial "Value too large"
	module_write probe "0x400000000000 $bs"
	assert_output --partial "Numerical result out of range"
	module_write probe "0xc0000000 $bs"
	assert_output --partial "No such device or address"
	module_write probe "0x10000000 $bs"
	assert_output --partial "File exists"
	module_write probe "0x40000000 $bs 7"
	assert_output --partial "No such device"
	module_write probe "0x40000000 $bs 99999"
	assert_output --partial "No such device"
	module_write probe "hello world"
	assert_output --partial "Invalid argument"
	module_write probe "0x40000000 $bs 0 1"
	assert_output --partial "Invalid argument"
	module_write probe "$(printf '1%.0s' $(seq 200))"
	assert_output --partial "Invalid argument"
	module_write remove "0x10000000 $bs"
	assert_output --partial "No such file or directory"
	# one line per refusal, and nothing added
	guest 'dmesg | grep -c "memhp: "'
	assert_output 12
	guest "ls $MODDIR/ranges | wc -l"
	assert_output 0
	assert_no_kernel_splat
}

@test "the CLI reports the module's refusals with the reason" {
	guest memhp probe 0xc0000000 128M
	assert_failure 1
	assert_output --partial "not RAM in the firmware memory map"
	guest memhp probe 0x10000000 128M
	assert_failure 1
	assert_output --partial "in use"
}

@test "an ACPI DIMM's range and boot memory cannot be removed or probed over" {
	local bs addr size
	bs=$(guest_block_size)
	run vm_add_dimm dimm1 512M
	assert_success
	read -r _ addr size _ < <(vm_dimms | awk '$1 == "dimm1"')
	guest_wait_blocks $(seq $((addr / bs)) $(((addr + size) / bs - 1)))
	module_write remove "$addr $size"
	assert_output --partial "No such file or directory"
	# hot-plugged DIMM memory is not firmware RAM, and is in use
	module_write probe "$addr $size"
	assert_output --regexp "File exists|No such device or address"
	module_write remove "0x0 0x40000000"
	assert_output --partial "No such file or directory"
	guest "cat /sys/devices/system/memory/memory$((addr / bs))/state"
	assert_output offline
	assert_no_kernel_splat
}

@test "only root with CAP_SYS_ADMIN can write to the module" {
	# not root: the files are root-only
	guest "grep -q ^nobody: /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
	       su nobody -c 'echo 0x40000000 0x8000000 > $MODDIR/probe'"
	assert_failure
	assert_output --partial "Permission denied"
	# root in a user namespace passes the file mode but lacks CAP_SYS_ADMIN
	guest "unshare -U -r sh -c 'echo 0x40000000 0x8000000 > $MODDIR/probe'"
	assert_failure
	assert_output --partial "Operation not permitted"
	guest "ls $MODDIR/ranges | wc -l"
	assert_output 0
}

@test "rmmod is refused while a range is added, then works, and leaves /proc/iomem clean" {
	guest memhp probe 0x40000000 128M
	assert_success
	guest rmmod memhp
	assert_failure
	guest "ls -d $MODDIR"
	assert_success
	guest memhp remove --all
	assert_success
	guest rmmod memhp
	assert_success
	guest "ls -d $MODDIR"
	assert_failure
	guest 'grep -c memhp /proc/iomem'
	assert_output 0
	guest modprobe memhp
	assert_success
	guest memhp summary --json
	run jq -e '.module.loaded == true' <<<"$stdout"
	assert_success
	assert_no_kernel_splat
}

@test "/dev/memhp logs the module's adds and removes and the kernel's online/offline" {
	guest --timeout 60 '
		cat /dev/memhp > /tmp/events & pid=$!
		memhp -q probe --online=movable 0x40000000 128M
		memhp -q remove 0x40000000 128M
		sleep 1; kill $pid
		awk "{print \$2, \$3}" /tmp/events | grep 0x40000000'
	assert_success
	# the module's add, the kernel's going-online/online, then offline and remove
	run grep -oE '^(add|going-online|online|going-offline|offline|remove) ' <<<"$stdout"
	assert_output $'add \ngoing-online \nonline \ngoing-offline \noffline \nremove '
}
