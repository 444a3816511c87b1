#!/usr/bin/env bats
# memhp watch on a fixture tree: memhp.ko's event log read from dev/memhp
# below the sysfs root (a plain file standing for the device), and the
# options.  Uevents come from the fake kernel's socket here (the preload
# shim, MEMHP_FAKE_UEVENTS); the kernel's own are tested in the guest
# (tests/vm).

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	fakekernel_setup_file
}

# a copy of the module-loaded tree with dev/memhp holding the lines given
module_tree() {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/module-loaded" "$T"
	mkdir -p "$T/dev"
	printf '%s\n' "$@" >"$T/dev/memhp"
}

@test "watch: memhp.ko's records as JSON lines; records from before the start are skipped" {
	# far in the future of CLOCK_BOOTTIME, and one from boot time
	local future=4611686018427387904
	module_tree "1 add 0x100000000 0x8000000 0 0" \
		"$future add 0x140000000 0x20000000 1 0" \
		"$((future + 1)) going-online 0x140000000 0x8000000 1 0" \
		"$((future + 2)) cancel-online 0x140000000 0x8000000 1 12" \
		"lost 3" \
		"not a record"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" watch --count 4 --timeout 10
	assert_success
	assert_equal "${#lines[@]}" 4
	run jq -c -s 'map(del(.time))' <<<"$output"
	assert_output '[{"source":"memhp.ko","event":"add","start":5368709120,"size":536870912,"node":1,"errno":0,"owner":"memhp","owner_device":"0x140000000"},{"source":"memhp.ko","event":"going-online","start":5368709120,"size":134217728,"node":1,"errno":0,"owner":"memhp","owner_device":"0x140000000"},{"source":"memhp.ko","event":"cancel-online","start":5368709120,"size":134217728,"node":1,"errno":12,"owner":"memhp","owner_device":"0x140000000"},{"source":"memhp.ko","event":"lost","lost":3}]'
}

@test "watch: a block's uevent names its owner and device; other devices' are skipped" {
	local m=/devices/system/memory ev=$BATS_TEST_TMPDIR/uevents
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/owners" "$T"
	# as the kernel sends them, one a line, spaces for the NULs
	cat >"$ev" <<-EOF
	online@$m/memory32 ACTION=online DEVPATH=$m/memory32 SUBSYSTEM=memory SEQNUM=11
	online@/devices/system/cpu/cpu1 ACTION=online SUBSYSTEM=cpu SEQNUM=12
	add@$m/memory42 ACTION=add SUBSYSTEM=memory SEQNUM=13
	online@$m/memory37 ACTION=online SUBSYSTEM=memory SEQNUM=14
	offline@$m/memory47 ACTION=offline SUBSYSTEM=memory SEQNUM=15
	online@$m/memory3 ACTION=online SUBSYSTEM=memory SEQNUM=16
	add@$m/memory50 ACTION=add SUBSYSTEM=memory SEQNUM=17
	remove@$m/memory45 ACTION=remove SUBSYSTEM=memory SEQNUM=18
	add@$m/memory99 ACTION=add SUBSYSTEM=memory SEQNUM=19
	EOF
	MEMHP_FAKE_UEVENTS=$ev run --separate-stderr fmemhp watch --count 8 --timeout 10
	assert_success
	run jq -c -s 'map([.seqnum, .action, .block, .owner, .owner_device])' <<<"$output"
	assert_output '[[11,"online",32,"acpi-dimm","PNP0C80:00"],[13,"add",42,"dax-kmem","dax0.0"],[14,"online",37,"virtio-mem","virtio0"],[15,"offline",47,"memhp","0x178000000"],[16,"online",3,"boot",null],[17,"add",50,"unknown","hv_balloon"],[18,"remove",45,"dax-kmem","dax0.0"],[19,"add",99,null,null]]'
}

@test "watch: every line is one plain JSON object with a time in ns since the epoch" {
	module_tree "4611686018427387904 remove 0x140000000 0x20000000 0 0"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" watch --count 1 --timeout 10
	assert_success
	[[ ${lines[0]} == '{"source":"memhp.ko",'* ]]
	run jq -e '(.time | type) == "number" and .time > 1500000000000000000' <<<"${lines[0]}"
	assert_success
}

@test "watch --timeout: stops after the time, exit 0, nothing printed on a quiet tree" {
	local f
	f=$(fixtures | cut -d' ' -f1)
	run --separate-stderr timeout 20 "$MEMHP" --sysfs-root "$FIXDIR/$f" watch --timeout 1
	assert_success
	# a real kernel may send memory uevents meanwhile; nothing else shows
	if [ -n "$output" ]; then
		run jq -e -s 'all(.[]; .source == "uevent")' <<<"$output"
		assert_success
	fi
}

@test "watch: --count and --timeout take whole numbers above 0; no arguments" {
	local bad
	for bad in "--count 0" "--count -1" "--count x" "--timeout 0" "--timeout 1.5"; do
		run "$MEMHP" watch $bad
		assert_failure 2
		assert_output --partial "invalid --"
	done
	run "$MEMHP" watch extra
	assert_failure 2
	assert_output --partial "unexpected argument 'extra'"
}
