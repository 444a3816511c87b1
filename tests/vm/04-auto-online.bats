#!/usr/bin/env bats
# The kernel's own online policy, left alone (no memhp_default_state=):
# Debian's 6.1 config leaves hot-added memory offline, 6.12's
# (CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO) onlines it at once.
# memhp must report the policy and the resulting blocks as the kernel does.

load vm_helper
load checks

setup_file() {
	vm_boot -m 1G,slots=4,maxmem=4G
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

expected_policy() {
	case "$MEMHP_VM_KERNEL" in
		6.1) echo offline ;;
		*) echo online ;;
	esac
}

@test "auto_online_blocks is the kernel's default and memhp reports it" {
	local pol
	pol=$(guest_ok cat /sys/devices/system/memory/auto_online_blocks)
	assert_equal "$pol" "$(expected_policy)"
	guest memhp summary --json
	assert_success
	assert_equal "$(jq -r '.policy.auto_online_blocks' <<<"$stdout")" "$pol"
}

@test "hot-added DIMM follows the kernel policy; memhp agrees with sysfs and lsmem" {
	local bs blocks pol want
	bs=$(guest_block_size)
	pol=$(guest_ok cat /sys/devices/system/memory/auto_online_blocks)
	run vm_add_dimm dimm1 512M
	assert_success
	blocks=$(dimm_blocks dimm1 "$bs")
	guest_wait_blocks $blocks
	case "$pol" in offline) want=offline ;; *) want=online ;; esac
	# wait (bounded) for auto-onlining to settle, then check every block
	guest --timeout 30 "i=0; while grep -qv '^$want\$' $(for b in $blocks; do printf '/sys/devices/system/memory/memory%s/state ' "$b"; done); do
		i=\$((i+1)); [ \$i -gt 200 ] && exit 1; sleep 0.1; done"
	assert_success
	guest memhp list --json
	assert_success
	run jq -e --argjson f "$(head -n1 <<<"$blocks")" --argjson l "$(tail -n1 <<<"$blocks")" --arg s "$want" '
		[ .ranges[] | select(.last_block >= $f and .first_block <= $l) ] |
		length > 0 and all(.state == $s)' <<<"$stdout"
	assert_success
	assert_list_json_matches_sysfs
	assert_list_json_matches_sysfs -a
	assert_list_equals_lsmem
	assert_summary_matches
}
