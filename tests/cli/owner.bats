#!/usr/bin/env bats
# Who added each block (memhp list -o +OWNER, "owner" in --json): from the
# fixture's proc/iomem, its ACPI memory devices and memhp.ko's ranges.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

owners() { # FIXTURE [ARGS...]: "FIRST-LAST OWNER" lines from -o BLOCK,OWNER
	local f=$1
	shift
	"$MEMHP" --sysfs-root "$FIXDIR/$f" list -r -n -o BLOCK,OWNER "$@"
}

@test "OWNER names each kind and device from /proc/iomem, ACPI and memhp.ko" {
	run owners owners
	assert_success
	assert_output - <<-'EOF'
	0-15 boot
	32-35 acpi-dimm:PNP0C80:00
	37-38 virtio-mem:virtio0
	42-45 dax-kmem:dax0.0
	47-48 memhp:0x178000000
	50 unknown:hv_balloon
	EOF
}

@test "--json: owner and owner_device for each range, a range never mixes owners" {
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" --json list
	assert_success
	run jq -c '[.ranges[] | [.first_block, .last_block, .owner, .owner_device]]' <<<"$output"
	assert_output '[[0,7,"boot",null],[8,15,"boot",null],[32,35,"acpi-dimm","PNP0C80:00"],[37,38,"virtio-mem","virtio0"],[42,45,"dax-kmem","dax0.0"],[47,48,"memhp","0x178000000"],[50,50,"unknown","hv_balloon"]]'
}

@test "without /proc/iomem only ACPI DIMMs and memhp.ko ranges are known" {
	cp -a "$FIXDIR/owners" "$BATS_TEST_TMPDIR/t"
	rm "$BATS_TEST_TMPDIR/t/proc/iomem"
	run "$MEMHP" --sysfs-root "$BATS_TEST_TMPDIR/t" list -r -n -o BLOCK,OWNER
	assert_success
	assert_output - <<-'EOF'
	0-15 unknown
	32-35 acpi-dimm:PNP0C80:00
	37-38 unknown
	42-45 unknown
	47-48 memhp:0x178000000
	50 unknown
	EOF
}

@test "a /proc/iomem read without root (every address 0) is no record" {
	cp -a "$FIXDIR/owners" "$BATS_TEST_TMPDIR/t"
	sed -E 's/^( *)[0-9a-f]+-[0-9a-f]+ /\100000000-00000000 /' \
		"$FIXDIR/owners/proc/iomem" >"$BATS_TEST_TMPDIR/t/proc/iomem"
	run "$MEMHP" --sysfs-root "$BATS_TEST_TMPDIR/t" list -r -n -o BLOCK,OWNER
	assert_success
	assert_line --index 0 '0-15 unknown'
	assert_line --index 1 '32-35 acpi-dimm:PNP0C80:00'
}

@test "the default columns and --output-all stay lsmem's: no OWNER" {
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" list --output-all -n -r
	assert_success
	refute_output --partial virtio
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" list
	assert_success
	refute_output --partial OWNER
}

@test "--split OWNER merges across state and zone, not across owners" {
	run owners owners --split OWNER
	assert_success
	assert_line --index 0 '0-15 boot'
	run owners acpi-dimms --split OWNER
	assert_success
	assert_output - <<-'EOF'
	0-7 unknown
	32-35 acpi-dimm:PNP0C80:00
	36-39 acpi-dimm:PNP0C80:01
	40-43 acpi-dimm:PNP0C80:02
	44-47 acpi-dimm:PNP0C80:03
	EOF
}

@test "list --owner keeps the blocks of one kind; a bad kind is a usage error" {
	run owners owners --owner virtio-mem
	assert_success
	assert_output '37-38 virtio-mem:virtio0'
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" --json list --owner dax-kmem
	assert_success
	run jq -c '[.ranges[] | [.first_block, .last_block]]' <<<"$output"
	assert_output '[[42,45]]'
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" list --owner dimm
	assert_failure 2
	assert_output --partial "invalid owner 'dimm' (boot, acpi-dimm, virtio-mem, dax-kmem, memhp, unknown)"
}

@test "online --owner with no selector onlines every block of that owner, and only those" {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/owners" "$T"
	M=$T/sys/devices/system/memory
	run fmemhp online --owner dax-kmem --zone movable
	assert_success
	for b in 42 43 44 45; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
	# memhp.ko's and the unknown driver's blocks are left alone
	for b in 47 48 50; do
		assert_equal "$(cat "$M/memory$b/state")" offline
	done
	run fmemhp offline --owner virtio-mem
	assert_success
	assert_equal "$(cat "$M/memory37/state")" offline
	assert_equal "$(cat "$M/memory38/state")" offline
	assert_equal "$(cat "$M/memory32/state")" online
	# with selectors, --owner filters them
	run --separate-stderr fmemhp --json offline --owner acpi-dimm 8-15 32-35
	assert_success
	run jq -c '[.blocks[] | select(.result == "ok") | .block] | sort' <<<"$output"
	assert_output '[32,33,34,35]'
}

@test "online --owner of a kind with no block says so and writes nothing" {
	before=$(find "$FIXDIR/acpi-dimms" -type f -print0 | sort -z | xargs -0 md5sum)
	T=$FIXDIR/acpi-dimms
	run fmemhp online --owner virtio-mem
	assert_failure 2
	assert_output --partial "no block was added by virtio-mem"
	assert_equal "$(find "$FIXDIR/acpi-dimms" -type f -print0 | sort -z | xargs -0 md5sum)" "$before"
}

@test "summary: bytes by owner in the table, the JSON and the Prometheus text" {
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" --json summary
	assert_success
	run jq -c '[.summary.owners[] | select(.online + .offline > 0) | [.owner, .online / 134217728, .offline / 134217728]]' <<<"$output"
	assert_output '[["unknown",0,1],["boot",16,0],["acpi-dimm",4,0],["virtio-mem",2,0],["dax-kmem",0,4],["memhp",0,2]]'
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" summary
	assert_success
	assert_line --regexp '^Added by dax-kmem: +0B online, 512M offline$'
	run "$MEMHP" --sysfs-root "$FIXDIR/owners" summary --format=prometheus
	assert_success
	assert_line 'memhp_owner_memory_bytes{owner="virtio-mem",state="online"} 268435456'
	assert_line 'memhp_owner_memory_bytes{owner="dax-kmem",state="offline"} 536870912'
}
