#!/usr/bin/env bats
# memhp watch on a fixture tree: memhp.ko's event log read from dev/memhp
# below the sysfs root (a plain file standing for the device), and the
# options.  The uevents themselves are tested in the guest (tests/vm).

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	fixtures_setup_file
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
	assert_output '[{"source":"memhp.ko","event":"add","start":5368709120,"size":536870912,"node":1,"errno":0},{"source":"memhp.ko","event":"going-online","start":5368709120,"size":134217728,"node":1,"errno":0},{"source":"memhp.ko","event":"cancel-online","start":5368709120,"size":134217728,"node":1,"errno":12},{"source":"memhp.ko","event":"lost","lost":3}]'
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
