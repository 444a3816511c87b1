#!/usr/bin/env bats
# Two and eight memhp processes changing overlapping blocks at once, on a
# fixture with the fake kernel.  Every write the fake kernel sees is logged
# in order ("memoryN VALUE RC"), so each process's JSON report can be held
# against what really happened: the lock must serialise the writers, no
# block may be written by two processes for one change, and every "ok" in
# a report must be a successful write in the log.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	# nodes-2: blocks 56-63 offline "Movable Normal" on node1
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/nodes-2" "$T"
	M=$T/sys/devices/system/memory
	export MEMHP_FAKE_LOG=$BATS_TEST_TMPDIR/writes
	: >"$MEMHP_FAKE_LOG"
	# slow the offlining down so the processes really overlap
	for b in 56 57 58 59 60 61 62 63; do
		echo "offline-delay 30" >"$M/memory$b/fake-kernel"
	done
}

# start "$@" (memhp arguments) as N processes at once; reports in $R/i.json
race() { # N ARGS...
	local n=$1 i
	shift
	R=$BATS_TEST_TMPDIR/reports
	rm -rf "$R"
	mkdir -p "$R"
	for i in $(seq "$n"); do
		(rc=0; fmemhp --json "$@" --timeout 60 >"$R/$i.json" 2>"$R/$i.err" || rc=$?
		 echo $rc >"$R/$i.rc") &
	done
	wait
}

# successful writes in the log, as "block value" lines, sorted
log_ok() {
	awk '$3 == 0 { sub(/^memory/, "", $1); print $1, $2 }' "$MEMHP_FAKE_LOG" | sort
}

# "ok" results of all reports, as "block to" lines (kernel spelling), sorted
reports_ok() {
	cat "$R"/*.json | jq -r '.blocks[] | select(.result == "ok") |
		"\(.block) \(if .to == "online" then "online_movable" else .to end)"' | sort
}

@test "two concurrent onlines of the same blocks: each block written once, both succeed" {
	race 2 online --zone=movable 56-63
	for i in 1 2; do assert_equal "$(cat "$R/$i.rc")" 0; done
	# one of them did the work, the other found it done
	run jq -s '[.[].blocks[] | select(.result == "ok")] | length' "$R"/1.json "$R"/2.json
	assert_output 8
	run jq -s '[.[].blocks[] | select(.result == "unchanged")] | length' "$R"/1.json "$R"/2.json
	assert_output 8
	assert_equal "$(log_ok)" "$(reports_ok)"
	assert_equal "$(grep -c . "$MEMHP_FAKE_LOG")" 8
	for b in 56 57 58 59 60 61 62 63; do
		assert_equal "$(cat "$M/memory$b/state")" online
	done
}

@test "eight concurrent onlines over overlapping ranges: one ok per block, the rest unchanged" {
	local sel=(56-59 58-61 60-63 56-63 57 62-63 56,60 59-62)
	R=$BATS_TEST_TMPDIR/reports
	rm -rf "$R"
	mkdir -p "$R"
	for i in $(seq 0 7); do
		(rc=0; fmemhp --json online --zone=movable --timeout 60 "${sel[$i]}" \
			>"$R/$i.json" 2>"$R/$i.err" || rc=$?
		 echo $rc >"$R/$i.rc") &
	done
	wait
	for i in $(seq 0 7); do
		assert_equal "$(cat "$R/$i.rc")" 0
		# each report covers exactly its own selector's blocks
		run jq -r '[.blocks[].block] | sort | map(tostring) | join(",")' "$R/$i.json"
		assert_equal "$output" "$(fmemhp online --dry-run --json --zone=movable "${sel[$i]}" 2>/dev/null |
			jq -r '[.blocks[].block] | sort | map(tostring) | join(",")')"
	done
	run jq -s '[.[].blocks[] | select(.result == "ok") | .block] | sort | map(tostring) | join(" ")' "$R"/*.json
	assert_output '"56 57 58 59 60 61 62 63"'
	assert_equal "$(log_ok)" "$(reports_ok)"
	assert_equal "$(grep -c . "$MEMHP_FAKE_LOG")" 8
}

@test "eight processes onlining and offlining the same blocks: every report matches the log" {
	local i
	R=$BATS_TEST_TMPDIR/reports
	rm -rf "$R"
	mkdir -p "$R"
	for i in $(seq 1 8); do
		if [ $((i % 2)) = 1 ]; then
			set -- online --zone=movable 56-63
		else
			set -- offline 56-63
		fi
		(rc=0; fmemhp --json "$@" --timeout 60 >"$R/$i.json" 2>"$R/$i.err" || rc=$?
		 echo $rc >"$R/$i.rc") &
	done
	wait
	for i in $(seq 1 8); do
		assert_equal "$(cat "$R/$i.rc") $(cat "$R/$i.err")" "0 $(cat "$R/$i.err")"
	done
	# every ok in a report is a write that succeeded, and nothing else was
	assert_equal "$(log_ok)" "$(reports_ok)"
	# no write was refused as redundant: each process saw the state the
	# one before it left, because it read it under the lock
	run awk '$3 != 0' "$MEMHP_FAKE_LOG"
	assert_output ""
	# the last writer's state is what the tree holds
	last=$(tail -n 1 "$MEMHP_FAKE_LOG" | awk '{print $2}')
	for b in 56 57 58 59 60 61 62 63; do
		case $last in
		offline) assert_equal "$(cat "$M/memory$b/state")" offline ;;
		*) assert_equal "$(cat "$M/memory$b/state")" online ;;
		esac
	done
	# the log never interleaves two processes: changes come in runs of 8
	run awk '{ v = ($2 == "offline") } NR % 8 == 1 { first = v } v != first { print "interleaved at " NR }' "$MEMHP_FAKE_LOG"
	assert_output ""
}
