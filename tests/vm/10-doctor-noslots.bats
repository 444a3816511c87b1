#!/usr/bin/env bats
# memhp doctor in a guest started without slots= and maxmem= (issue 9):
# there is nowhere to plug a DIMM, and doctor must say so.  Also the
# kernel's default onlining: Debian's 6.12 onlines hot-added memory into a
# zone it cannot be unplugged from, and doctor warns until the policy
# changes.  Last, sharing the boot: the kernel parameters memhp policy
# --persist writes, booted in a second guest, give that guest the policy.

load vm_helper
load checks

setup_file() {
	vm_boot -m 1G --
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

check() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }

@test "no slots, no maxmem: no DIMM can be plugged" {
	# QEMU made no device memory region
	run hmp 'info mtree'
	refute_output --partial device-memory
	guest memhp doctor --json
	assert_success
	jq -e '.hotplug.windows == [] and .hotplug.window_bytes == 0 and .hotplug.slots == 0' <<<"$stdout"
	assert_equal "$(check hotplug-window status <<<"$stdout")" warn
	check hotplug-window summary <<<"$stdout" | grep -q "no DIMM can be plugged"
	check hotplug-window advice <<<"$stdout" | grep -q "maxmem"
}

@test "the kernel's default onlining is judged, and the warning goes with the policy" {
	local a
	a=$(guest_out cat /sys/devices/system/memory/auto_online_blocks)
	if [ "$MEMHP_VM_KERNEL" = 6.12 ]; then
		# Debian's 6.12: CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO
		assert_equal "$a" online
	fi
	guest memhp doctor --json
	if [ "$a" = online ]; then
		assert_equal "$(check auto-online status <<<"$stdout")" warn
		check auto-online summary <<<"$stdout" | grep -q "cannot be unplugged"
		check auto-online "evidence[]" <<<"$stdout" | grep -qx "built-in default online type: online"
	else
		assert_equal "$(check auto-online status <<<"$stdout")" ok
	fi
	# either way: online into the kernel's zone warns, online_movable does not
	guest memhp policy auto_online_blocks=online
	assert_success
	guest memhp doctor --json
	assert_equal "$(check auto-online status <<<"$stdout")" warn
	check auto-online advice <<<"$stdout" | grep -q "auto_online_blocks=online_movable"
	guest memhp policy auto_online_blocks=online_movable
	assert_success
	guest memhp doctor --json
	assert_equal "$(check auto-online status <<<"$stdout")" ok
	guest memhp policy "auto_online_blocks=$a"
	assert_success
}

@test "policy --persist: a guest booted with the parameters it wrote has that policy" {
	local params
	guest 'mkdir -p /etc/default && echo "GRUB_CMDLINE_LINUX=\"quiet\"" >/etc/default/grub'
	assert_success
	guest memhp policy --persist auto_online_blocks=online_movable \
		online_policy=auto-movable auto_movable_ratio=250 memmap_on_memory=yes
	assert_success
	# GRUB_CMDLINE_LINUX as update-grub sources the defaults and the drop-in
	params=$(guest_ok '. /etc/default/grub && . /etc/default/grub.d/memhp.cfg && echo "$GRUB_CMDLINE_LINUX"')
	assert_equal "$params" "quiet memhp_default_state=online_movable memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_ratio=250 memory_hotplug.memmap_on_memory=Y"
	vm_shutdown
	# shellcheck disable=SC2086
	vm_boot -m 1G -- ${params#quiet }
	vm_require
	guest memhp --json policy
	assert_success
	run jq -c '.policy | [.auto_online_blocks, .online_policy, .auto_movable_ratio, .memmap_on_memory]' <<<"$stdout"
	assert_output '["online_movable","auto-movable",250,true]'
}
