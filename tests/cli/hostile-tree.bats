#!/usr/bin/env bats
# Hostile trees (memhp(8), HOSTILE TREES): FIFOs and devices where sysfs has
# regular files, links out of the root, with and without openat2, absurd
# block sizes and ranges, non-canonical block names.  Every run is bounded
# (timeout 20: a hang fails the test, not the tier), ends with a clean
# one-line error or the documented result, and leaves the tree as it was
# where the command should not write.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/module-loaded" "$T"
	MEM=$T/sys/devices/system/memory
}

# memhp with the fake kernel on $T, killed after 20 seconds (exit 124)
hmemhp() {
	timeout 20 env LD_PRELOAD="$FAKEKERNEL" MEMHP_FAKE_ROOT="$T" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$MEMHP" --sysfs-root "$T" "$@"
}

# the same with openat2 gone (the preload shim answers ENOSYS) and no
# io_uring: every lookup goes through libmemhp's component walk
nmemhp() {
	MEMHP_FAKE_NO_OPENAT2=1 MEMHP_NO_IO_URING=1 hmemhp "$@"
}

# Names, types, modes, link targets and regular files' contents of $1
# (FIFOs and devices are named, never read).  The lock file that a
# transaction creates (run/memhp) is left out.
tree_sum() {
	(cd "$1" && find . -path ./run/memhp -prune -o -printf '%p %y %m %l\n' |
		sort && find . -path ./run/memhp -prune -o -type f -print0 |
		sort -z | xargs -0 -r sha256sum) | sha256sum
}

# run_one WANT-EXIT PATTERN ARGS...: memhp exits WANT-EXIT with exactly
# one stderr line matching PATTERN, nothing on stdout, the tree unchanged
run_one() {
	local want=$1 pattern=$2 before
	shift 2
	before=$(tree_sum "$T")
	run --separate-stderr hmemhp "$@"
	[ "$status" -ne 124 ] || fail "memhp $* hung"
	[ "$status" -eq "$want" ] ||
		fail "memhp $*: exit $status, want $want (stderr: $stderr)"
	[ -z "$output" ] || fail "memhp $*: stdout: $output"
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ] && [ -n "$stderr" ] ||
		fail "memhp $*: stderr is not one line: $stderr"
	grep -qE -- "$pattern" <<<"$stderr" ||
		fail "memhp $*: stderr '$stderr' does not match /$pattern/"
	[ "$(tree_sum "$T")" = "$before" ] || fail "memhp $*: the tree changed"
}

# run_ok ARGS...: memhp succeeds in bounded time and leaves the tree as it
# was; $output holds stdout
run_ok() {
	local before
	before=$(tree_sum "$T")
	run --separate-stderr hmemhp "$@"
	[ "$status" -ne 124 ] || fail "memhp $* hung"
	[ "$status" -eq 0 ] || fail "memhp $*: exit $status (stderr: $stderr)"
	[ "$(tree_sum "$T")" = "$before" ] || fail "memhp $*: the tree changed"
}

STATE_UNREADABLE='^memhp: block 8: its state cannot be read'

@test "a FIFO as a block's state: list and summary end, online and offline refuse" {
	rm "$MEM/memory8/state"
	mkfifo "$MEM/memory8/state"
	run_ok list -o BLOCK,STATE
	assert_line --regexp '^ +8 +\?$'
	run_ok summary
	run_one 2 "$STATE_UNREADABLE" online 8
	run_one 2 "$STATE_UNREADABLE" offline 8
	MEMHP_NO_IO_URING=1 run_ok list -o BLOCK,STATE
	assert_line --regexp '^ +8 +\?$'
}

@test "a character device as a block's state: refused, never read" {
	rm "$MEM/memory8/state"
	mknod "$MEM/memory8/state" c 1 5	# /dev/zero
	run_ok list -o BLOCK,STATE
	assert_line --regexp '^ +8 +\?$'
	run_one 2 "$STATE_UNREADABLE" online 8
	run_one 2 "$STATE_UNREADABLE" offline 8
}

@test "a FIFO or a device as block_size_bytes: every command says so in one line" {
	local cmd
	for kind in fifo chr; do
		rm "$MEM/block_size_bytes"
		if [ "$kind" = fifo ]; then
			mkfifo "$MEM/block_size_bytes"
		else
			mknod "$MEM/block_size_bytes" c 1 5
		fi
		for cmd in list summary "online 8" "offline 8" "online --dry-run 8"; do
			# shellcheck disable=SC2086
			run_one 1 'block_size_bytes: not a regular file$' $cmd
		done
	done
}

@test "block_size_bytes must be a power of two from 4K to 64G" {
	local v
	for v in ffffffffffffffff 8000000000000000 3 1 800 2000000000 0x3; do
		printf '%s\n' "$v" >"$MEM/block_size_bytes"
		run_one 1 "block_size_bytes: invalid value '$v' \(not a power of two" list
		run_one 1 "block_size_bytes: invalid value '$v'" summary
	done
	for v in 1000 1000000000; do
		printf '%s\n' "$v" >"$MEM/block_size_bytes"
		run_ok list -o BLOCK
	done
}

@test "a value with a newline in it stays on one line of the error" {
	printf '1\n2\n' >"$MEM/block_size_bytes"
	run_one 1 "invalid value '1\\\\x0a2'" list
	printf '8\033]0;x\a000000\n' >"$MEM/block_size_bytes"
	run_one 1 "invalid value '8\\\\x1b]0;x\\\\x07000000'" list
}

@test "FIFOs and devices in the udev rules directories: policy and doctor end" {
	mkdir -p "$T/etc/udev/rules.d" "$T/run/udev/rules.d"
	mkfifo "$T/etc/udev/rules.d/50-fifo.rules"
	mknod "$T/etc/udev/rules.d/60-zero.rules" c 1 5
	mkfifo "$T/run/udev/rules.d/70-fifo.rules"
	run_ok policy
	run_ok doctor
	run_ok --json policy
	jq -e . <<<"$output" >/dev/null
}

iomem_scan_tree() {
	local mm=$T/sys/firmware/memmap
	mkdir -p "$mm/0" "$T/proc"
	printf '0x0\n' >"$mm/0/start"
	printf '0x7fffffff\n' >"$mm/0/end"
	echo "System RAM" >"$mm/0/type"
}

@test "proc/iomem as a device, a FIFO or a link to /dev/zero: probe --scan ends" {
	iomem_scan_tree
	mknod "$T/proc/iomem" c 1 5
	run_one 1 'proc/iomem: not a regular file$' probe --scan
	rm "$T/proc/iomem"
	mkfifo "$T/proc/iomem"
	run_one 1 'proc/iomem: not a regular file$' probe --scan
	rm "$T/proc/iomem"
	ln -s /dev/zero "$T/proc/iomem"
	run_one 1 'proc/iomem: a link that leads out of the sysfs root$' probe --scan
}

@test "a proc/iomem link out of the root is not followed" {
	iomem_scan_tree
	printf '00000000-7fffffff : Reserved\n' >"$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$T/proc/iomem"
	run_one 1 'proc/iomem: a link that leads out of the sysfs root$' probe --scan
	ln -sf "../../../../../../../../../../..$BATS_TEST_TMPDIR/outside" "$T/proc/iomem"
	run_one 1 'proc/iomem: a link that leads out of the sysfs root$' probe --scan
}

@test "run -> elsewhere: the lock is not created outside the root" {
	local out=$BATS_TEST_TMPDIR/elsewhere
	mkdir "$out"
	ln -s "$out" "$T/run"
	run_one 1 'cannot create the lock .*/run/memhp/lock' online 8
	[ ! -e "$out/memhp" ]
	rm "$T/run"
	ln -s "$out/new" "$T/run"
	run_one 1 'cannot create the lock' online 8
	[ ! -e "$out/new" ]
	rm "$T/run"
	mkdir "$T/run"
	ln -s "$out" "$T/run/memhp"
	run_one 1 'cannot create the lock' online 8
	[ -z "$(ls -A "$out")" ]
}

@test "without openat2, the walk lists the tree as openat2 does" {
	local want
	hmemhp --json list >"$BATS_TEST_TMPDIR/openat2.json"
	run --separate-stderr nmemhp --json list
	assert_success
	want=$(cat "$BATS_TEST_TMPDIR/openat2.json")
	assert_equal "$output" "$want"
	# a link that stays inside is followed
	ln -sf ../memory0/state "$MEM/memory8/state"
	run --separate-stderr nmemhp list -o BLOCK,STATE
	assert_success
	assert_line --regexp '^ +0-8 +online$'
}

@test "without openat2, links out of the root are refused all the same" {
	local before
	ln -sf /etc/hostname "$MEM/memory8/state"
	before=$(tree_sum "$T")
	run --separate-stderr nmemhp online 8
	assert_failure 2
	[[ $stderr =~ $STATE_UNREADABLE ]]
	ln -sf ../../../../../../../../../../../../etc/hostname "$MEM/memory8/state"
	run --separate-stderr nmemhp online 8
	assert_failure 2
	[[ $stderr =~ $STATE_UNREADABLE ]]
	rm -r "$MEM/memory9"
	ln -s /sys/devices/system/memory/memory0 "$MEM/memory9"
	run --separate-stderr nmemhp online 9
	assert_failure 2
	iomem_scan_tree
	ln -s "$BATS_TEST_TMPDIR" "$T/proc/iomem"
	run --separate-stderr nmemhp probe --scan
	assert_failure 1
	# the walk took the lock below the root, nowhere else
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$T/run"
	run --separate-stderr nmemhp online 10
	assert_failure 1
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere/memhp" ]
}

range() { # NAME START SIZE
	mkdir -p "$T/sys/kernel/memhp/ranges/$1"
	printf '%s\n' "$2" >"$T/sys/kernel/memhp/ranges/$1/start"
	printf '%s\n' "$3" >"$T/sys/kernel/memhp/ranges/$1/size"
}

@test "a memhp.ko range of 16 EiB: list, doctor and online --dry-run end" {
	range r0 0x0 0xfffffffffffff000
	run_ok --json list
	run jq -c '[.ranges[].probed] | unique' <<<"$output"
	assert_output '[true]'
	run_ok doctor
	run_ok online --dry-run 8
	run_ok summary
}

@test "a memhp.ko range that wraps past 2^64 is left out" {
	range r1 0x100000000 0xfffffffffffff000
	range r2 0x40000000 0
	run_ok --json list
	run jq -c '[.ranges[].probed] | unique' <<<"$output"
	assert_output '[false]'
	run_ok doctor
	run_ok online --dry-run 8
}

@test "memory07 beside memory7 is no block: block 7 is listed once" {
	cp -a "$MEM/memory7" "$MEM/memory07"
	echo offline >"$MEM/memory07/state"
	cp -a "$MEM/memory7" "$MEM/memory0008"
	run_ok --json list
	run jq -c '[.ranges[] | [.first_block, .last_block, .state]]' <<<"$output"
	assert_output '[[0,7,"online"],[8,15,"offline"]]'
}

@test "block ids whose addresses do not fit in 64 bits are left out" {
	# 128M blocks: 2^37 blocks fill the address space
	cp -a "$MEM/memory7" "$MEM/memory137438953471"
	cp -a "$MEM/memory7" "$MEM/memory137438953472"
	cp -a "$MEM/memory7" "$MEM/memory18446744073709551615"
	run_ok --json list
	run jq -c '[.ranges[] | [.first_block, .last_block]]' <<<"$output"
	assert_output '[[0,7],[8,15],[137438953471,137438953471]]'
}

@test "no memoryN directories at all: list and summary end cleanly" {
	rm -r "$MEM"/memory[0-9]*
	run_ok list
	run_ok summary
	run_ok --json list
	jq -e . <<<"$output" >/dev/null
}

@test "a FIFO as the lock file is refused" {
	mkdir -p "$T/run/memhp"
	mkfifo "$T/run/memhp/lock"
	run --separate-stderr hmemhp online 8
	[ "$status" -ne 124 ]
	assert_failure 1
	[[ $stderr =~ "cannot create the lock" ]]
	[ -p "$T/run/memhp/lock" ]
}

@test "libmemhp.so has no test seam that redirects writes" {
	local so
	so=$(dirname "$MEMHP")/libmemhp.so
	[ -f "$so" ] || fail "no $so"
	command -v nm >/dev/null || skip "no nm"
	run nm "$so"
	assert_success
	refute_output --partial memhp_set_write_hook
	refute_output --partial memhp_set_openat2
	refute_output --partial write_hook
}

@test "virtio-mem and dax devices: FIFOs as their attributes and /proc/iomem, links out of the root" {
	T=$BATS_TEST_TMPDIR/owners
	cp -a "$FIXDIR/owners" "$T"
	local V=$T/sys/devices/pci0000:00/0000:00:04.0/virtio0
	local D=$T/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0/dax0.0
	rm "$D/size" "$D/target_node" "$T/proc/iomem"
	mkfifo "$D/size" "$T/proc/iomem"
	mknod "$D/target_node" c 1 5
	# a driver link out of the root names a driver all the same (it is
	# never followed); a bus entry out of the root is not followed
	ln -sfn /nonexistent/kmem "$D/driver"
	ln -s "$BATS_TEST_TMPDIR" "$T/sys/bus/dax/devices/dax7.0"
	ln -s "../../../../../../../../..$BATS_TEST_TMPDIR" "$T/sys/bus/virtio/devices/virtio7"
	local before
	before=$(tree_sum "$T")
	for m in hmemhp nmemhp; do
		run --separate-stderr $m devices --json --kind=virtio-mem --kind=dax
		assert_success
		run jq -e -c '[.virtio_mem_devices[].device] == ["virtio0"] and
			(.virtio_mem_devices[0] | .region == null and .plugged == null) and
			[.dax_devices[].device] == ["dax0.0", "dax1.0"] and
			(.dax_devices[0] | .size == 0 and .target_node == null and
			 .mode == "system-ram" and .range == null and .blocks == [])' <<<"$output"
		assert_success
	done
	assert_equal "$(tree_sum "$T")" "$before"
	# a virtio device whose id is a FIFO is no virtio-mem device
	rm "$V/device"
	mkfifo "$V/device"
	run --separate-stderr hmemhp devices --kind=virtio-mem
	assert_success
	assert_output ""
}
