#!/usr/bin/env bats
# memhp doctor in a guest with room for DIMMs (issue 9): -m 1G,slots=4,
# maxmem=4G and movable_node.  What doctor reads in the guest (the SRAT,
# the ACPI memory devices, /boot/config-<release>, /proc/cmdline) is held
# against what QEMU itself says about the machine it built.

load vm_helper
load checks

setup_file() {
	vm_boot -m 1G,slots=4,maxmem=4G -- movable_node
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

# one check's field from a doctor --json document on stdin
check() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }

# QEMU's device-memory region (where DIMMs go) as "START END", from its
# memory tree
qemu_device_memory() {
	local s e
	read -r s e < <(hmp 'info mtree' |
		sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) .*: device-memory$/\1 \2/p' | head -n1)
	[ -n "$s" ] && echo "$((16#$s)) $((16#$e))"
}

@test "the hot-pluggable window and the slots are QEMU's" {
	local start end qmem
	read -r start end < <(qemu_device_memory)
	[ -n "$start" ] && [ -n "$end" ]
	qmem=$(qmp '{"execute":"qom-get","arguments":{"path":"/machine","property":"memory"}}' | jq -c .return)
	guest memhp doctor --json
	assert_success
	json=$stdout
	# the SRAT's window is QEMU's device memory region
	jq -e --argjson s "$start" --argjson e "$end" \
		'.hotplug.windows | length == 1 and .[0].start == $s and .[0].end == $e' <<<"$json"
	# the slots are QEMU's slots=, none in use yet
	jq -e --argjson m "$qmem" '.hotplug.slots == $m.slots and .hotplug.slots_used == 0' <<<"$json"
	# what QEMU lets be plugged (maxmem less RAM) fits in the window
	jq -e --argjson m "$qmem" '.hotplug.free_bytes >= ($m["max-size"] - $m.size)' <<<"$json"
	assert_equal "$(check hotplug-window status <<<"$json")" ok
	check hotplug-window summary <<<"$json" | grep -q "4 of 4 slots free"
}

@test "a plugged DIMM takes a slot and its memory is counted in the window" {
	local id addr size bs
	bs=$(guest_block_size)
	run vm_add_dimm dimm1 1G
	assert_success
	read -r id addr size _ < <(vm_dimms | awk '$1 == "dimm1"')
	guest_wait_blocks $(seq $((addr / bs)) $(((addr + size) / bs - 1)))
	guest memhp doctor --json
	jq -e --argjson s "$size" '.hotplug.slots_used == 1 and .hotplug.plugged_bytes == $s and
		.hotplug.free_bytes == .hotplug.window_bytes - $s' <<<"$stdout"
	check hotplug-window summary <<<"$stdout" | grep -q "3 of 4 slots free"
	# with movable_node the kernel's own onlining goes to ZONE_MOVABLE,
	# and offline blocks are not pinned: nothing hot-added is stuck
	assert_equal "$(check unpluggable-memory status <<<"$stdout")" ok
}

@test "movable_node and the kernel config from /boot/config-<release>" {
	local rel
	rel=$(guest_out uname -r)
	guest memhp doctor --json
	assert_success
	check kernel-config summary <<<"$stdout" | grep -qF "/boot/config-$rel"
	run jq -r '.checks[] | select(.id == "boot-parameters") | .evidence[]' <<<"$stdout"
	assert_line "/proc/cmdline: movable_node"
	check boot-parameters summary <<<"$stdout" | grep -q movable_node
	# Debian's kernels support it all; what they say is what doctor says
	for opt in CONFIG_MEMORY_HOTPLUG CONFIG_MEMORY_HOTREMOVE CONFIG_ACPI_HOTPLUG_MEMORY; do
		v=$(guest_out "sed -n 's/^$opt=//p' /boot/config-$rel")
		assert_equal "$v" y
	done
	for id in memory-hotplug memory-hotremove acpi-memory-hotplug; do
		assert_equal "$(check "$id" status <<<"$stdout")" ok
	done
	# the table says the same
	guest memhp doctor
	assert_success
	assert_line --regexp '^ok +hotplug-window '
	assert_line --regexp '^ok +kernel-config +kernel configuration read from /boot/config-'
}
