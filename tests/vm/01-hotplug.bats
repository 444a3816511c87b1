#!/usr/bin/env bats
# Scenario 1: a two-node guest, 1G boot RAM, two 512M DIMMs hot-added over
# QMP (one per node). memhp must agree with the guest's sysfs and lsmem
# before and after. The kernel is booted with memhp_default_state=offline so
# both 6.1 and 6.12 (whose config auto-onlines) leave the new blocks offline.

load vm_helper
load checks

setup_file() {
	vm_boot -m 1G,slots=4,maxmem=4G \
		-object memory-backend-ram,id=ram0,size=512M \
		-object memory-backend-ram,id=ram1,size=512M \
		-numa node,nodeid=0,cpus=0,memdev=ram0 \
		-numa node,nodeid=1,cpus=1,memdev=ram1 \
		-- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

@test "guest runs the prepared kernel with two NUMA nodes and offline policy" {
	guest uname -r
	assert_success
	assert_output "$(cat "$VM_DIR/kver")"
	guest 'ls -d /sys/devices/system/node/node[0-9]* | sed "s,.*/,,"'
	assert_output $'node0\nnode1'
	guest cat /sys/devices/system/memory/auto_online_blocks
	assert_output offline
	guest memhp --version
	assert_success
}

@test "before hot-add: memhp list --json agrees with sysfs" {
	assert_list_json_matches_sysfs
	assert_list_json_matches_sysfs -a
	guest memhp list --json -a
	run jq -e '.ranges | all(.blocks == 1)' <<<"$stdout"
	assert_success
}

@test "before hot-add: memhp list prints what lsmem prints" {
	assert_list_equals_lsmem
}

@test "before hot-add: memhp summary agrees with lsmem and node sysfs" {
	assert_summary_matches
}

@test "hot-add two 512M DIMMs, one per node (QMP object_add + device_add)" {
	local bs id node b blocks
	bs=$(guest_block_size)
	for node in 0 1; do
		id=dimm$((node + 1))
		run vm_add_dimm "$id" 512M "$node"
		assert_success
		blocks=$(dimm_blocks "$id" "$bs")
		[ "$(wc -l <<<"$blocks")" -eq $((512 * 1024 * 1024 / bs)) ]
		echo "$blocks" >"$BATS_FILE_TMPDIR/$id.blocks"
		guest_wait_blocks $blocks
		# the kernel's own view: offline, on the requested node, Normal/Movable
		guest "for b in $(echo $blocks); do d=/sys/devices/system/memory/memory\$b
			echo \"\$b \$(cat \$d/state) \$(ls -d \$d/node* | sed 's,.*/,,') \$(cat \$d/valid_zones)\"; done"
		assert_success
		assert_output "$(for b in $blocks; do echo "$b offline node$node Normal Movable"; done)"
	done
}

@test "after hot-add: memhp list --json shows the new blocks offline on their node, Normal+Movable" {
	local node id b bad=""
	guest memhp list --json
	assert_success
	local json=$stdout
	for node in 0 1; do
		id=dimm$((node + 1))
		[ -s "$BATS_FILE_TMPDIR/$id.blocks" ] || fail "no blocks recorded for $id"
		for b in $(cat "$BATS_FILE_TMPDIR/$id.blocks"); do
			jq -e --argjson b "$b" --argjson n "$node" '
				[ .ranges[] | select(.first_block <= $b and .last_block >= $b) ] |
				length == 1 and .[0].state == "offline" and .[0].node == $n and
				.[0].zones == ["Normal", "Movable"] and .[0].probed == false' \
				<<<"$json" >/dev/null || bad+=" $b(node $node)"
		done
	done
	[ -z "$bad" ] || fail "blocks not offline/right node/Normal+Movable in memhp list --json:$bad"$'\n'"$json"
	jq -e '.summary.offline > 0' <<<"$json" >/dev/null || fail "summary.offline is 0: $json"
	assert_list_json_matches_sysfs
	assert_list_json_matches_sysfs -a
}

@test "after hot-add: memhp list --node/--state filter like sysfs" {
	local n1 off
	guest memhp list --json --node 1
	assert_success
	run jq -e 'all(.ranges[]; .node == 1)' <<<"$stdout"
	assert_success
	n1=$(jq '[.ranges[].blocks] | add' <<<"$stdout")
	assert_equal "$n1" "$(guest_out 'ls -d /sys/devices/system/node/node1/memory[0-9]* | wc -l')"
	guest memhp list --json --state offline
	assert_success
	off=$(jq '[.ranges[] | select(.state == "offline") | .blocks] | add' <<<"$stdout")
	assert_equal "$(jq '[.ranges[].blocks] | add' <<<"$stdout")" "$off"
	assert_equal "$off" "$(guest_out 'grep -l offline /sys/devices/system/memory/memory*/state | wc -l')"
}

@test "after hot-add: memhp list prints what lsmem prints" {
	assert_list_equals_lsmem
}

@test "after hot-add: memhp summary agrees with lsmem and node sysfs" {
	assert_summary_matches
	guest memhp summary --json
	run jq -e '.summary.offline == 1073741824 and
		([.summary.nodes[] | select(.node == 1) | .offline] == [536870912])' <<<"$stdout"
	assert_success
}

@test "harness: device_del releases the node-1 DIMM and the guest drops its blocks" {
	local blocks
	blocks=$(cat "$BATS_FILE_TMPDIR/dimm2.blocks")
	run vm_del_dimm dimm2 60
	assert_success
	guest_wait_blocks_gone $blocks
	run vm_dimms
	refute_output --partial dimm2
	assert_list_equals_lsmem
	assert_summary_matches
}

@test "harness: debugfs is mounted and memory-notifier-error-inject loads" {
	guest 'modprobe memory-notifier-error-inject && lsmod'
	assert_success
	assert_output --partial memory_notifier_error_inject
	guest ls /sys/kernel/debug/notifier-error-inject/memory/actions
	assert_success
	assert_output --partial MEM_GOING_ONLINE
	guest cat /sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_ONLINE/error
	assert_output 0
}
