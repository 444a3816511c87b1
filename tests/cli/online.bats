#!/usr/bin/env bats
# memhp online/offline on fixture trees.  Writes to memoryN/state go to the
# fake kernel (tests/fakekernel, preloaded), which changes state and
# valid_zones the way the kernel does and fails on demand.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	# a fresh copy of the two-node tree: node1's blocks 56-63 are offline
	# with valid_zones "Movable Normal"
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/nodes-2" "$T"
	M=$T/sys/devices/system/memory
	export MEMHP_FAKE_LOG=$BATS_TEST_TMPDIR/writes
	: >"$MEMHP_FAKE_LOG"
}

# memhp with the fake kernel under the copy; ASan must not insist on
# coming first when the shim is preloaded

tree_sum() {
	(cd "$1" && find . -path ./run -prune -o -type f -print0 | sort -z |
		xargs -0 md5sum)
}

@test "online --zone=movable writes online_movable to exactly the named blocks, lowest first" {
	run fmemhp online --zone=movable 57-59
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory57 online_movable 0
memory58 online_movable 0
memory59 online_movable 0"
	run "$MEMHP" --sysfs-root "$T" list --json -a
	assert_success
	run jq -c '[.ranges[] | select(.first_block >= 56 and .first_block <= 60) | [.first_block, .state, .zones]]' <<<"$output"
	assert_output '[[56,"offline",["Movable","Normal"]],[57,"online",["Movable"]],[58,"online",["Movable"]],[59,"online",["Movable"]],[60,"offline",["Movable","Normal"]]]'
}

@test "offline goes from the highest block down" {
	fmemhp online --zone=movable 56-58
	: >"$MEMHP_FAKE_LOG"
	run fmemhp offline 56-58
	assert_success
	assert_equal "$(cut -d' ' -f1,2 "$MEMHP_FAKE_LOG" | tr '\n' ' ')" "memory58 offline memory57 offline memory56 offline "
	for b in 56 57 58; do
		assert_equal "$(cat "$M/memory$b/state")" offline
	done
}

@test "already in the asked state: unchanged, exit 0, nothing written" {
	fmemhp online --zone=movable 60
	: >"$MEMHP_FAKE_LOG"
	run --separate-stderr fmemhp --json online --zone=movable 60
	assert_success
	assert_equal "$(jq -r '.blocks[0].result' <<<"$output")" unchanged
	assert_equal "$(jq -r '.totals.unchanged' <<<"$output")" 1
	run fmemhp offline 0-3 --dry-run
	run fmemhp offline 63
	assert_success
	[ ! -s "$MEMHP_FAKE_LOG" ] || { cat "$MEMHP_FAKE_LOG"; false; }
}

@test "every selector form names the same blocks" {
	bs=$(fixture_block_size nodes-2)
	start=$(printf '0x%x' $((56 * bs)))
	end=$(printf '0x%x' $((58 * bs - 1)))
	for sel in "56-57" "memory56 memory57" "56,57" "$start-$end" "256M" "-b 56-57" "--block 56,57"; do
		run --separate-stderr fmemhp --json online --dry-run $sel
		assert_success
		assert_equal "$(jq -c '[.blocks[].block]' <<<"$output")" "[56,57]"
	done
}

@test "a size takes the lowest offline blocks that can take the zone; --node narrows" {
	run --separate-stderr fmemhp --json online --zone=movable --dry-run 512M
	assert_success
	assert_equal "$(jq -c '[.blocks[].block]' <<<"$output")" "[56,57,58,59]"
	run --separate-stderr fmemhp --json offline --dry-run --node 0 256M
	assert_success
	assert_equal "$(jq -c '[.blocks[].block]' <<<"$output")" "[31,30]"
}

@test "--dry-run and bad input write nothing and leave the tree as it was" {
	before=$(tree_sum "$T")
	run fmemhp online --dry-run --zone=movable 56-63
	assert_success
	assert_output --partial planned
	while read -r args; do
		run fmemhp $args
		[ "$status" -eq 2 ] || { echo "'$args' exited $status: $output"; false; }
		[ "${#lines[@]}" -ge 1 ] || { echo "'$args' said nothing"; false; }
	done <<-'EOF'
	online 999
	online 60-999
	online 0x100-0x200
	online 1.5G
	online 100M
	online --zone=Highway 56
	online --zone=DMA 56
	online --zone=movable 56-64
	online --timeout=soon 56
	online --node=x 56
	online
	online -b 1G
	offline --zone=Sideways 56
	online 56,
	online memoryX
	EOF
	assert_equal "$(tree_sum "$T")" "$before"
	[ ! -s "$MEMHP_FAKE_LOG" ]
	[ ! -e "$T/run" ]
}

@test "a failing block: partial success (64) without --atomic" {
	echo "online 12 -1" >"$M/memory58/fake-kernel"
	run fmemhp online --zone=movable 56-59
	assert_equal "$status" 64
	assert_output --partial "block 58 (0x"
	assert_output --partial "online failed: Cannot allocate memory"
	assert_equal "$(cat "$M/memory57/state")" online
	assert_equal "$(cat "$M/memory58/state")" offline
	assert_equal "$(cat "$M/memory59/state")" online
}

@test "the fake kernel reads every directive of its file, not only the first" {
	# a directive for another operation first: the online failure on the
	# second line must still be seen
	printf 'offline 16 -1\nonline 12 -1\n' >"$M/memory58/fake-kernel"
	run fmemhp online --zone=movable 58
	assert_failure 1
	assert_output --partial "online failed: Cannot allocate memory"
	assert_equal "$(cat "$M/memory58/state")" offline
}

@test "--atomic puts every changed block back and exits 1" {
	echo "online 12 -1" >"$M/memory58/fake-kernel"
	run --separate-stderr fmemhp --json online --atomic --zone=movable 56-59
	assert_equal "$status" 1
	run jq -c '[.blocks[] | [.block, .result]]' <<<"$output"
	assert_output '[[56,"rolled-back"],[57,"rolled-back"],[58,"failed"],[59,"skipped"]]'
	for b in 56 57 58 59; do
		assert_equal "$(cat "$M/memory$b/state")" offline
		assert_equal "$(cat "$M/memory$b/valid_zones")" "Movable Normal"
	done
}

@test "a busy block is retried until --timeout, then left online" {
	fmemhp online --zone=movable 60
	echo "offline 16 -1" >"$M/memory60/fake-kernel"
	# no duration is asserted: on a loaded machine the last attempt may be
	# cut short by the deadline, and the kernel's EBUSY before it is what
	# the report says
	run --separate-stderr fmemhp --json offline --timeout 3 60
	assert_equal "$status" 1
	assert_equal "$(jq -r '.blocks[0].errno' <<<"$output")" 16
	[ "$(jq -r '.blocks[0].attempts' <<<"$output")" -ge 2 ]
	assert_equal "$(cat "$M/memory60/state")" online
	assert_equal "$(jq -r '.blocks[0].error' <<<"$output")" \
		"Device or resource busy (unmovable or pinned pages; try another block or a longer --timeout)"
}

@test "the JSON report carries every field with its type" {
	run --separate-stderr fmemhp --json online --zone=movable 56
	assert_success
	run jq -e '.schema == 1 and .action == "online" and .zone == "movable"
		and (.blocks[0] | .block == 56 and .from == "offline"
		     and .to == "online" and .zone == "Movable" and .result == "ok"
		     and .errno == null and .error == null and .attempts == 1
		     and (.start | type) == "number")
		and .totals.ok == 1 and .exit == 0' <<<"$output"
	assert_success
}

@test "chmem's spellings: -e/-d with -b/--blocks and -z" {
	run fmemhp -e -b 56-57 -z Movable
	assert_success
	assert_equal "$(cat "$M/memory57/valid_zones")" Movable
	run fmemhp -d --blocks 57
	assert_success
	assert_equal "$(cat "$M/memory57/state")" offline
}

@test "not root: one line, exit 1, nothing written" {
	command -v setpriv >/dev/null
	chmod -R a+rX "$T"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MEMHP" --sysfs-root "$T" online 56
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_output --partial "needs root"
	assert_equal "$(cat "$M/memory56/state")" offline
}

@test "the lock keeps two memhp from interleaving" {
	mkdir -p "$T/run/memhp"
	exec 9>"$T/run/memhp/lock"
	flock 9
	run fmemhp online --timeout 1 56
	exec 9>&-
	assert_equal "$status" 1
	assert_output --partial "another memhp"
	assert_equal "$(cat "$M/memory56/state")" offline
	run fmemhp online 56
	assert_success
}
