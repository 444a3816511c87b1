#!/usr/bin/env bats
# memhp devices and memhp eject in a guest: a DIMM hot-added over QMP is an
# ACPI PNP0C80 device bound to its blocks; onlined into Movable it can be
# ejected from inside the guest, and QEMU sees it go (DEVICE_DELETED). A
# block that cannot go offline keeps the DIMM plugged and online. With
# --reclaim the guest kernel drops its page cache and compacts the DIMM's
# node first.

load vm_helper
load checks

INJECT=/sys/kernel/debug/notifier-error-inject/memory/actions

setup_file() {
	vm_boot -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

# The device memhp lists for QEMU DIMM $1 (its blocks), as JSON.
device_of_dimm() { # ID
	local bs blocks
	bs=$(guest_block_size)
	blocks=$(dimm_blocks "$1" "$bs" | jq -s -c .)
	guest memhp devices --json
	[ "$status" -eq 0 ] || { echo "memhp devices failed: $output" >&2; return 1; }
	jq -e -c --argjson b "$blocks" '.devices[] | select(.blocks == $b)' <<<"$stdout"
}

# Hot-adds DIMM $1 of size $2 and onlines its blocks into Movable; their
# ids in BLOCKS.
plug_movable_dimm() { # ID SIZE
	local bs
	bs=$(guest_block_size)
	run vm_add_dimm "$1" "$2"
	assert_success
	BLOCKS=$(dimm_blocks "$1" "$bs")
	guest_wait_blocks $BLOCKS
	guest memhp online --zone=movable $(echo $BLOCKS | tr ' ' ,)
	assert_success
}

@test "before any DIMM: no ACPI memory devices" {
	guest memhp devices --json
	assert_success
	run jq -e '.devices == [] and .acpi_hotplug == true' <<<"$stdout"
	assert_success
}

@test "devices: a hot-added DIMM is one PNP0C80 device with QEMU's range and node" {
	local bs dev addr size node name
	bs=$(guest_block_size)
	run vm_add_dimm dimm1 512M
	assert_success
	guest_wait_blocks $(dimm_blocks dimm1 "$bs")
	read -r _ addr size node <<<"$(vm_dimms | awk '$1 == "dimm1"')"
	dev=$(device_of_dimm dimm1) || vm_fail "no device with dimm1's blocks: $stdout"
	run jq -e --argjson a "$addr" --argjson s "$size" --argjson n "$node" '
		(.device | startswith("PNP0C80:")) and .size == $s and
		.ranges == [{start: $a, end: ($a + $s - 1), size: $s}] and
		.node == $n and .state == "offline" and .eject_method and
		.ejectable' <<<"$dev"
	assert_success
	# path and uid are what the guest's ACPI says
	name=$(jq -r .device <<<"$dev")
	guest cat "/sys/bus/acpi/devices/$name/path"
	assert_equal "$(jq -r .path <<<"$dev")" "$stdout"
	guest cat "/sys/bus/acpi/devices/$name/uid"
	assert_equal "$(jq -r .uid <<<"$dev")" "$stdout"
}

@test "eject: online Movable, memhp eject, QEMU reports the DIMM deleted" {
	local bs blocks name mark
	bs=$(guest_block_size)
	blocks=$(dimm_blocks dimm1 "$bs")
	guest memhp online --zone=movable $(echo $blocks | tr ' ' ,)
	assert_success
	name=$(device_of_dimm dimm1 | jq -r 'select(.state == "online" and
		.zones == ["Movable"] and .ejectable) | .device')
	[ -n "$name" ] || vm_fail "dimm1 is not online Movable and ejectable: $stdout"
	mark=$(qmp_event_mark)
	guest memhp eject --json "$name"
	assert_success
	run jq -e --arg n "$name" '.device == $n and .result == "ejected" and
		.offline.totals.ok == (.blocks | length) and .exit == 0' <<<"$stdout"
	assert_success
	run qmp_wait_event DEVICE_DELETED '.data.device == "dimm1"' 30 "$mark"
	assert_success
	run vm_dimms
	refute_output --partial dimm1
	guest_wait_blocks_gone $blocks
	guest memhp devices --json
	run jq -e '.devices == []' <<<"$stdout"
	assert_success
	run hmp "object_del mem-dimm1"
	assert_success
}

@test "eject: a block that cannot go offline keeps the DIMM plugged and online" {
	local blocks name mark
	plug_movable_dimm dimm2 256M
	blocks=$BLOCKS
	name=$(device_of_dimm dimm2 | jq -r .device)
	guest_ok "modprobe memory-notifier-error-inject && echo -16 > $INJECT/MEM_GOING_OFFLINE/error"
	mark=$(qmp_event_mark)
	guest memhp eject --timeout 1 "$name"
	assert_failure 1
	assert_output --partial "could not all be taken offline; nothing ejected"
	guest_ok "echo 0 > $INJECT/MEM_GOING_OFFLINE/error"
	for b in $blocks; do
		guest cat /sys/devices/system/memory/memory$b/state /sys/devices/system/memory/memory$b/valid_zones
		assert_output $'online\nMovable'
	done
	guest test -d "/sys/bus/acpi/devices/$name"
	assert_success
	run vm_dimms
	assert_output --partial dimm2
	run qmp_wait_event DEVICE_DELETED '.data.device == "dimm2"' 2 "$mark"
	assert_failure
	# with the injection gone, the same command unplugs it
	guest memhp eject "$name"
	assert_success
	run qmp_wait_event DEVICE_DELETED '.data.device == "dimm2"' 30 "$mark"
	assert_success
	hmp "object_del mem-dimm2"
}

@test "eject --reclaim: drop_caches and the DIMM's node compacted, reported, then the DIMM ejected" {
	local name mark node
	plug_movable_dimm dimm3 256M
	node=$(vm_dimms | awk '$1 == "dimm3" { print $4 }')
	name=$(device_of_dimm dimm3 | jq -r .device)
	[ -n "$name" ] || vm_fail "no device for dimm3: $stdout"
	mark=$(qmp_event_mark)
	guest memhp eject --reclaim --json "$name"
	assert_success
	# the kernel took both writes, and the node's counters were read
	run jq -e --argjson n "$node" '.result == "ejected" and
		.offline.reclaim.done and
		[.offline.reclaim.writes[] | [.file, .errno]] ==
		 [["/proc/sys/vm/drop_caches", null],
		  ["/sys/devices/system/node/node\($n)/compact", null]] and
		(.offline.reclaim.nodes | length) == 1 and
		(.offline.reclaim.nodes[0] | .node == $n and
		 (.file_pages_before | type) == "number" and
		 (.file_pages_after | type) == "number" and
		 (.mem_free_after | type) == "number")' <<<"$stdout"
	assert_success
	# the kernel's own word that the page cache was dropped
	guest "dmesg | grep -c 'drop_caches: 1'"
	assert_success
	run qmp_wait_event DEVICE_DELETED '.data.device == "dimm3"' 30 "$mark"
	assert_success
	hmp "object_del mem-dimm3"
}

@test "eject: usage errors and a DIMM QEMU cannot see are refused in the guest" {
	guest memhp eject PNP0C80:7f
	assert_failure 2
	assert_output "memhp: eject: no ACPI memory device 'PNP0C80:7f' (memhp devices lists them)"
	guest memhp eject
	assert_failure 2
}
