#!/usr/bin/env bats
# memhp online/offline against the real kernel (issue 4, scenarios 2-4):
# a hot-added DIMM onlined into ZONE_MOVABLE and back, failures injected
# with memory-notifier-error-inject, boot memory that cannot go offline,
# and device_del unplugging what memhp made removable.

load vm_helper
load checks

setup_file() {
	vm_boot --shared -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

INJECT=/sys/kernel/debug/notifier-error-inject/memory/actions

# run a memhp command in the guest and report its wall time on stderr
timed() { # CMD...
	guest --timeout 90 "s=\$(date +%s); $*; rc=\$?; echo elapsed=\$((\$(date +%s) - s)) >&2; exit \$rc"
	elapsed=$(sed -n 's/^elapsed=//p' <<<"$stderr")
}

@test "online --zone=movable: real blocks go Movable, MemTotal grows by the DIMM" {
	local range before after
	range=$(plug dimm1) || fail "could not plug dimm1"
	echo "$range" >"$BATS_FILE_TMPDIR/dimm1"
	before=$(memtotal_kb)
	guest memhp --json online --zone=movable "$range"
	assert_success
	run jq -e 'all(.blocks[]; .result == "ok" and .zone == "Movable" and .to == "online")
		and (.blocks | length) == 4 and .exit == 0' <<<"$stdout"
	assert_success
	after=$(memtotal_kb)
	assert_equal $((after - before)) $((512 * 1024))
	assert_equal "$(range_attr "$range" valid_zones)" Movable
	# memhp's own view agrees with the kernel's
	assert_list_json_matches_sysfs
}

@test "online again is 'unchanged' and exit 0; the kernel is not asked" {
	local range
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	guest memhp --json online --zone=movable "$range"
	assert_success
	run jq -e 'all(.blocks[]; .result == "unchanged" and .attempts == 0)' <<<"$stdout"
	assert_success
}

@test "offline takes the DIMM out of MemTotal, highest block first" {
	local range before after
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	before=$(memtotal_kb)
	guest memhp --json offline "$range"
	assert_success
	run jq -e '.blocks | (map(.block) == (map(.block) | sort | reverse)) and all(.result == "ok")' <<<"$stdout"
	assert_success
	after=$(memtotal_kb)
	assert_equal $((before - after)) $((512 * 1024))
	assert_equal "$(range_attr "$range" state)" offline
}

@test "injected MEM_GOING_ONLINE failure: reported per block, exit 1, all stay offline" {
	local range
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	guest_ok "modprobe memory-notifier-error-inject && echo -12 > $INJECT/MEM_GOING_ONLINE/error"
	guest memhp --json online --zone=movable "$range"
	assert_failure 1
	run jq -e 'all(.blocks[]; .result == "failed" and .errno == 12) and .exit == 1' <<<"$stdout"
	assert_success
	guest memhp online --zone=movable "${range%-*}"
	assert_output --partial "online failed: Cannot allocate memory"
	assert_equal "$(range_attr "$range" state)" offline
	guest_ok "echo 0 > $INJECT/MEM_GOING_ONLINE/error"
}

@test "injected MEM_GOING_OFFLINE failure: retried until --timeout, blocks stay online" {
	local range
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	guest_ok memhp online --zone=movable "$range" >/dev/null
	guest_ok "echo -16 > $INJECT/MEM_GOING_OFFLINE/error"
	timed memhp --json offline --timeout 2 "${range##*-}"
	assert_failure 1
	run jq -e '.blocks[0].result == "failed" and .blocks[0].errno == 16
		and .blocks[0].attempts > 1' <<<"$stdout"
	assert_success
	# bounded by --timeout (plus process start-up under TCG)
	# bounded by --timeout, not hanging: a generous bound, not a duration
	[ "$elapsed" -le 60 ] || fail "took ${elapsed}s"
	guest cat /sys/devices/system/memory/memory${range##*-}/state
	assert_output online
	guest_ok "echo 0 > $INJECT/MEM_GOING_OFFLINE/error"
}

@test "boot memory full of kernel pages fails cleanly within --timeout and stays online" {
	local b
	b=$(block_with_kernel_pages) || fail "no single-zone boot block with kernel pages"
	timed memhp --json offline --timeout 3 "$b"
	assert_failure 1
	run jq -e '.blocks[0].result == "failed" and (.blocks[0].errno == 16 or .blocks[0].errno == 22)' <<<"$stdout"
	assert_success
	[ "$elapsed" -le 60 ] || fail "took ${elapsed}s"
	guest cat /sys/devices/system/memory/memory$b/state
	assert_output online
	echo "$b" >"$BATS_FILE_TMPDIR/kernel-block"
}

@test "--atomic: a boot block that cannot go puts the DIMM's blocks back online in Movable" {
	local range b
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	b=$(cat "$BATS_FILE_TMPDIR/kernel-block")
	guest --timeout 90 memhp --json offline --atomic --timeout 3 "$range" "$b"
	assert_failure 1
	run jq -c '[.blocks[] | .result] | unique' <<<"$stdout"
	assert_output '["failed","rolled-back"]'
	assert_equal "$(range_attr "$range" state valid_zones)" $'Movable\nonline'
	# without --atomic the DIMM's blocks go and the exit says partial
	guest --timeout 90 memhp offline --timeout 3 "$range" "$b"
	assert_equal "$status" 64
	assert_equal "$(range_attr "$range" state)" offline
}

@test "after memhp offline, device_del unplugs the DIMM and its blocks disappear" {
	local range
	range=$(cat "$BATS_FILE_TMPDIR/dimm1")
	run vm_del_dimm dimm1 60
	assert_success
	guest_wait_blocks_gone $(seq "${range%-*}" "${range#*-}")
	run vm_dimms
	refute_output --partial dimm1
}

@test "memhp online --zone=movable, then device_del: the kernel unplugs it by itself" {
	local range before
	range=$(plug dimm2) || fail "could not plug dimm2"
	before=$(memtotal_kb)
	guest_ok memhp online --zone=movable "$range" >/dev/null
	run vm_del_dimm dimm2 90
	assert_success
	guest_wait_blocks_gone $(seq "${range%-*}" "${range#*-}")
	assert_equal "$(memtotal_kb)" $((before))
}
