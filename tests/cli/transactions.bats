#!/usr/bin/env bats
# State changes as library transactions (lib/README.md), on fixture trees
# with the fake kernel: rollback at scale, sizes that move past busy
# blocks, signals in the middle of a run, concurrent size requests, foreign
# writes, and what a run leaves behind (the system log line, the progress
# line on a terminal).

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() { fake_logs_setup; }

use() { # FIXTURE
	use_fixture "$1"
	M=$T/sys/devices/system/memory
	A=$T/sys/bus/acpi/devices
}

# blocks FIRST..LAST whose state is not STATE, as a count
count_not() { # STATE FIRST LAST
	local n=0 b
	for b in $(seq "$2" "$3"); do
		[ "$(cat "$M/memory$b/state")" = "$1" ] || n=$((n + 1))
	done
	echo $n
}

# waits (bounded, generously) until the fake kernel logged N writes
wait_writes() { # N
	local i
	for i in $(seq 600); do
		[ "$(wc -l <"$MEMHP_FAKE_LOG")" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "fewer than $1 writes after 60 s" >&2
	return 1
}

# no process of this test's memhp left (the write child included)
assert_no_memhp_left() {
	run pgrep -f "$T"
	assert_failure 1
}

@test "eject of a 1024-block DIMM the firmware ignores: every block back online in Movable" {
	use big-dimm
	echo "eject-ignore yes" >"$A/PNP0C80:00/fake-kernel"
	run --separate-stderr fmemhp --json eject --wait 1 PNP0C80:00
	assert_failure 1
	run jq -e '.result == "timeout" and .offline.totals.ok == 1024 and
		.put_back[0].totals.ok == 1024 and
		([.put_back[0].blocks[] | select(.zone != "Movable")] | length) == 0' \
		<<<"$output"
	assert_success
	assert_equal "$(count_not online 32 1055)" 0
	run grep -c '^Movable$' "$M"/memory{32..1055}/valid_zones
	refute_output --partial ":0"
}

@test "size offline moves past 104 busy blocks to the 4 that can go, and exits 0" {
	use movable-108
	# the 4 free ones are the lowest: every busy one is tried first
	for b in $(seq 36 139); do echo "offline 16 -1" >"$M/memory$b/fake-kernel"; done
	run --separate-stderr fmemhp --json offline --timeout 1 512M
	assert_success
	run jq -e '.totals.ok == 4 and .totals.failed == 0 and
		.totals.passed_over == 104 and .exit == 0 and
		([.blocks[] | select(.result == "ok") | .block] | sort) == [32, 33, 34, 35]' \
		<<<"$output"
	assert_success
	for b in 32 33 34 35; do
		assert_equal "$(cat "$M/memory$b/state")" offline
	done
	# the busy ones were tried once each and are as they were
	assert_equal "$(count_not online 36 139)" 0
	assert_equal "$(grep -c ' offline -16$' "$MEMHP_FAKE_LOG")" 104
	# Normal memory was not touched: Movable could meet the request
	assert_equal "$(count_not online 8 15)" 0
}

@test "size offline with too few blocks able to go: partial, and says how much" {
	use movable-108
	for b in $(seq 32 139); do
		[ "$b" = 50 ] || echo "offline 16 -1" >"$M/memory$b/fake-kernel"
	done
	for b in $(seq 0 15); do echo "offline 16 -1" >"$M/memory$b/fake-kernel"; done
	run --separate-stderr fmemhp offline --timeout 1 256M
	assert_failure 64
	[[ $stderr == *"memhp: offline: 128 MiB of 256 MiB asked could be offlined"* ]]
	assert_equal "$(cat "$M/memory50/state")" offline
}

signal_mid_run() { # SIGNAL ACTION ARGS...: starts memhp, signals it mid-way
	local sig=$1
	shift
	(rc=0; fmemhp --json "$@" >"$BATS_TEST_TMPDIR/out.json" \
		2>"$BATS_TEST_TMPDIR/err" || rc=$?
	 echo $rc >"$BATS_TEST_TMPDIR/rc") &
	wait_writes 20
	# the oldest is memhp itself, not its write child
	pkill -o "-$sig" -f "memhp --sysfs-root $T" || true
	wait
	RC=$(cat "$BATS_TEST_TMPDIR/rc")
	OUT=$(cat "$BATS_TEST_TMPDIR/out.json")
	ERR=$(cat "$BATS_TEST_TMPDIR/err")
}

@test "SIGTERM in the middle of --atomic offline: every block back online, report printed" {
	use movable-108
	# each offline takes a while, so the signal lands mid-run
	for b in $(seq 32 139); do echo "offline-delay 200" >"$M/memory$b/fake-kernel"; done
	signal_mid_run TERM offline --atomic --timeout 60 32-139
	assert_equal "$RC" 1
	run jq -e '.interrupted == "SIGTERM" and .totals.ok == 0 and
		.totals.rolled_back >= 19 and .exit == 1' <<<"$OUT"
	assert_success
	[[ $ERR == *"memhp: offline: interrupted by "* ]]
	assert_equal "$(count_not online 32 139)" 0
	run grep -c '^Movable$' "$M"/memory{32..139}/valid_zones
	refute_output --partial ":0"
	assert_no_memhp_left
	# the audit line says what happened
	run grep -c 'offline: blocks changed: none; failed: .*rolled back: .*interrupted by SIGTERM' "$MEMHP_FAKE_SYSLOG"
	assert_output 1
}

@test "SIGINT in the middle of --atomic online: every block back offline" {
	use movable-108
	# a second each: the signal lands with seconds to spare
	for b in $(seq 140 147); do echo "online-delay 1000" >"$M/memory$b/fake-kernel"; done
	(rc=0; fmemhp --json online --atomic --zone=movable 140-147 \
		>"$BATS_TEST_TMPDIR/out.json" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	 echo $rc >"$BATS_TEST_TMPDIR/rc") &
	wait_writes 3
	pkill -o -INT -f "memhp --sysfs-root $T" || true
	wait
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rc")" 1
	run jq -e '.interrupted == "SIGINT" and .totals.ok == 0 and
		.totals.rolled_back >= 3 and .totals.skipped >= 1' "$BATS_TEST_TMPDIR/out.json"
	assert_success
	assert_equal "$(count_not offline 140 147)" 0
	assert_no_memhp_left
}

@test "SIGTERM without --atomic: what is done stays done, exit 64, nothing left running" {
	use movable-108
	for b in $(seq 32 139); do echo "offline-delay 200" >"$M/memory$b/fake-kernel"; done
	signal_mid_run TERM offline --timeout 60 32-139
	assert_equal "$RC" 64
	run jq -e '.interrupted == "SIGTERM" and .totals.ok >= 19 and
		.totals.skipped > 0 and .exit == 64' <<<"$OUT"
	assert_success
	done=$(jq '.totals.ok' <<<"$OUT")
	assert_equal "$(count_not online 32 139)" "$done"
	assert_no_memhp_left
	# the lock is free: the next run needs no wait
	run fmemhp online --zone=movable --timeout 1 32-139
	assert_success
}

@test "two and eight concurrent size requests each get their share" {
	use movable-108
	for n in 2 8; do
		rm -rf "$T"
		cp -a "$FIXDIR/movable-108" "$T"
		R=$BATS_TEST_TMPDIR/r$n
		mkdir -p "$R"
		for i in $(seq "$n"); do
			(rc=0; fmemhp --json offline --timeout 60 1G >"$R/$i.json" \
				2>"$R/$i.err" || rc=$?
			 echo $rc >"$R/$i.rc") &
		done
		wait
		for i in $(seq "$n"); do assert_equal "$(cat "$R/$i.rc")" 0; done
		# 8 blocks each, none taken twice
		run jq -s '[.[].blocks[] | select(.result == "ok") | .block] | length' "$R"/*.json
		assert_output $((8 * n))
		run jq -s '[.[].blocks[] | select(.result == "ok") | .block] | unique | length' "$R"/*.json
		assert_output $((8 * n))
		assert_equal "$(count_not online 32 139)" $((8 * n))
	done
}

@test "atomic rollback leaves another agent's change alone" {
	use movable-108
	# another agent onlines 142 into Movable just before memhp does;
	# 145 fails, and the rollback must not take 142 away from it
	echo "online-foreign Movable" >"$M/memory142/fake-kernel"
	echo "online 12 -1" >"$M/memory145/fake-kernel"
	run --separate-stderr fmemhp --json online --atomic --zone=movable 140-145
	assert_failure 1
	run jq -e '(.blocks[] | select(.block == 142) |
		.result == "unchanged" and (.error | test("another agent"))) and
		.totals.rolled_back == 4' <<<"$output"
	assert_success
	assert_equal "$(cat "$M/memory142/state")" online
	assert_equal "$(cat "$M/memory142/valid_zones")" Movable
	assert_equal "$(count_not offline 140 141)" 0
	assert_equal "$(count_not offline 143 145)" 0
	run grep -c '^memory142 offline' "$MEMHP_FAKE_LOG"
	assert_output 0
}

@test "a change leaves one line in the system log; a dry run leaves none" {
	use movable-108
	run fmemhp offline --dry-run 32-35
	assert_success
	assert_equal "$(wc -l <"$MEMHP_FAKE_SYSLOG")" 0
	run fmemhp offline 32-35
	assert_success
	run cat "$MEMHP_FAKE_SYSLOG"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^daemon.notice memhp\[[0-9]+\]: offline: blocks changed: 32-35; failed: none; rolled back: none; exit 0 \(uid [0-9]+, sysfs root $T\)$"
}

@test "a terminal gets a progress line; --json and a pipe do not" {
	use movable-108
	for b in 32 33 34 35; do echo "offline-delay 100" >"$M/memory$b/fake-kernel"; done
	export T FAKEKERNEL MEMHP
	script -qec 'LD_PRELOAD=$FAKEKERNEL MEMHP_FAKE_ROOT=$T ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$MEMHP" --sysfs-root "$T" offline 32-35' \
		"$BATS_TEST_TMPDIR/typescript" >/dev/null
	run grep -c 'memhp: offline: [0-9]/4 blocks' "$BATS_TEST_TMPDIR/typescript"
	refute_output 0
	run --separate-stderr fmemhp online --zone=movable 32-35
	assert_success
	[[ $stderr != *"blocks ("* ]]
}

@test "chmem's -d reads a bare number as MiB, as chmem does; -b makes it a block id" {
	use movable-108
	run --separate-stderr fmemhp --json -d 256
	assert_success
	run jq -e '.totals.ok == 2' <<<"$output"
	assert_success
	run --separate-stderr fmemhp --json -d -b 100
	assert_success
	run jq -e '[.blocks[].block] == [100]' <<<"$output"
	assert_success
}

@test "each failure is printed once: the library's line, not a second one" {
	use movable-108
	run --separate-stderr fmemhp offline 500
	assert_failure 2
	assert_equal "$(grep -c 'block 500 does not exist' <<<"$stderr")" 1
	assert_equal "$(wc -l <<<"$stderr")" 1
}

@test "the lock message names a holder that is gone, with its parenthesis closed" {
	use movable-108
	mkdir -p "$T/run/memhp"
	echo 999999 >"$T/run/memhp/lock"
	flock "$T/run/memhp/lock" sh -c ": >$BATS_TEST_TMPDIR/held; sleep 30" &
	holder=$!
	for i in $(seq 600); do [ -e "$BATS_TEST_TMPDIR/held" ] && break; sleep 0.1; done
	run --separate-stderr fmemhp offline --timeout 1 32
	kill "$holder"
	wait || true
	assert_failure 1
	[[ $stderr == *"(pid 999999, no longer running: a process it started holds the lock) is changing memory state"* ]]
}

@test "SIGTERM while eject waits for the firmware: the blocks go back, result interrupted" {
	use acpi-dimms
	echo "eject-ignore yes" >"$A/PNP0C80:00/fake-kernel"
	(rc=0; fmemhp --json eject --wait 600 PNP0C80:00 >"$BATS_TEST_TMPDIR/out.json" \
		2>"$BATS_TEST_TMPDIR/err" || rc=$?
	 echo $rc >"$BATS_TEST_TMPDIR/rc") &
	# the four offline writes are done: it is waiting for the firmware
	wait_writes 4
	for i in $(seq 600); do
		grep -q 'PNP0C80:00 eject' "$MEMHP_FAKE_LOG" && break
		sleep 0.1
	done
	pkill -o -TERM -f "memhp --sysfs-root $T" || true
	wait
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rc")" 1
	run jq -e '.result == "interrupted" and .offline.totals.ok == 4 and
		.put_back[0].totals.ok == 4' "$BATS_TEST_TMPDIR/out.json"
	assert_success
	for b in 32 33 34 35; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
	assert_no_memhp_left
}
