#!/usr/bin/env bats
# `memhp list --sysroot FIX OPTS` must print what `lsmem --sysroot FIX OPTS`
# prints, byte for byte (stdout and exit status), for every generated
# fixture and every option set below; and `memhp list --json=lsmem OPTS`
# what `lsmem -J OPTS` prints (where lsmem refuses -J with OPTS, memhp must
# refuse too, exit 2).  One test per option set; each loops
# over all fixtures and, on a mismatch, names the fixture and the options
# and shows a unified diff (lsmem's output first).
#
# lsmem here is Debian 12's util-linux 2.38.1, which has two known bugs that
# memhp deliberately does not copy (fixed in util-linux 2.41/2.42):
#   #4055  ZONES only when memory0/valid_zones exists   -> bug "zones"
#   #3110  NODE only when the first block has a node link -> bug "nodes"
# For a fixture that triggers one, the comparison drops the affected column
# from -o/-S (an emptied -S becomes "none", --output-all becomes the explicit
# list without it), and "per-block values" below checks memhp's NODE and
# ZONES against the fixture's own files instead.

load fixture_helper
bats_require_minimum_version 1.5.0

ALL_COLS=RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES

setup_file() {
	fixtures_setup_file
	command -v lsmem >/dev/null || { echo "lsmem not installed" >&2; return 1; }
	# Only when memory0 is absent does a fixture trigger #4055; make sure
	# this lsmem really is the one these tests were written against.
	lsmem --version >&2
}

setup() {
	export LC_ALL=C
	# run_pair's outputs
	out_l=$BATS_TEST_TMPDIR/lsmem.out
	out_m=$BATS_TEST_TMPDIR/memhp.out
}

# The fixtures that trigger no lsmem 2.38 bug, one per word.
plain_fixtures() {
	local f
	for f in $(fixtures); do
		[ -z "$(lsmem_bugs "$f")" ] && echo "$f"
	done
	return 0
}

teardown() {
	# The unprivileged test's tree lives outside the 0700 Bats tmpdir.
	if [ -n "${NOBODY_DIR:-}" ]; then
		chmod -R u+rwX "$NOBODY_DIR"
		rm -rf "$NOBODY_DIR"
	fi
}

# Drops the columns listed in $1 (space-separated, e.g. "ZONES NODE") from a
# column list $2 ("+A,B" allowed); prints the result ("" if nothing left).
drop_cols() {
	local drop=$1 list=$2 plus="" out="" c u
	[ "${list:0:1}" = + ] && { plus=+; list=${list:1}; }
	IFS=, read -ra cols <<<"$list"
	for c in "${cols[@]}"; do
		u=${c^^}
		[[ " $drop " == *" $u "* ]] && continue
		out+=${out:+,}$c
	done
	[ -n "$out" ] && echo "$plus$out"
	return 0
}

# adjust_opts "BUGS" OPT...: the option set with the columns the bugs
# affect taken out; sets the array ADJ.
adjust_opts() {
	local bugs=$1 drop="" a l
	shift
	ADJ=()
	[[ $bugs == *zones* ]] && drop+=" ZONES"
	[[ $bugs == *nodes* ]] && drop+=" NODE"
	if [ -z "$drop" ]; then
		ADJ=("$@")
		return
	fi
	while [ $# -gt 0 ]; do
		a=$1
		shift
		case $a in
		-o | --output)
			l=$(drop_cols "$drop" "$1")
			shift
			if [ -n "$l" ] && [ "$l" != + ]; then ADJ+=("$a" "$l"); fi
			;;
		-S | --split)
			l=$(drop_cols "$drop" "$1")
			shift
			ADJ+=("$a" "${l:-none}")
			;;
		--output=*)
			l=$(drop_cols "$drop" "${a#--output=}")
			if [ -n "$l" ] && [ "$l" != + ]; then ADJ+=("--output=$l"); fi
			;;
		--split=*)
			l=$(drop_cols "$drop" "${a#--split=}")
			ADJ+=("--split=${l:-none}")
			;;
		--output-all)
			ADJ+=(-o "$(drop_cols "$drop" "$ALL_COLS")")
			;;
		*) ADJ+=("$a") ;;
		esac
	done
}

# run_pair FIXTURE LSMEM-ARGS -- MEMHP-ARGS: runs both below the fixture
# into $out_l/$out_m; fails (with a diff) unless stdout and exit status are
# the same.  Where lsmem refuses (exit 1, e.g. -J with -P), memhp must
# refuse too: exit 2 (usage, memhp(8)), nothing on stdout.  Sets RC_L to
# lsmem's exit status.
run_pair() {
	local f=$1 rc_l=0 rc_m=0 a=()
	shift
	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	lsmem --sysroot "$FIXDIR/$f" "${a[@]}" >"$out_l" 2>/dev/null || rc_l=$?
	RC_L=$rc_l
	"$MEMHP" list --sysroot "$FIXDIR/$f" "$@" >"$out_m" 2>"$out_m.err" || rc_m=$?
	if [ "$rc_l" -ne 0 ] && [ "$rc_m" -eq 2 ] && [ ! -s "$out_m" ]; then
		return 0
	fi
	if [ "$rc_l" -ne "$rc_m" ] || ! cmp -s "$out_l" "$out_m"; then
		echo "MISMATCH fixture=$f lsmem ${a[*]} / memhp list $*${bugs:+ (lsmem bug: $bugs, columns dropped)}"
		echo "  exit: lsmem $rc_l, memhp $rc_m"
		[ -s "$out_m.err" ] && sed 's/^/  memhp stderr: /' "$out_m.err" | head -5
		diff -u --label "lsmem $f" --label "memhp $f" "$out_l" "$out_m" | head -40
		return 1
	fi
}

# compat OPT...: compare memhp and lsmem on every fixture, as tables
# (lsmem OPT vs memhp list OPT) and as JSON (lsmem -J OPT vs memhp list
# --json=lsmem OPT; with -P/-r both must refuse).
compat() {
	local f bugs fails=0
	for f in $(fixtures); do
		bugs=$(lsmem_bugs "$f")
		[[ $bugs == *memconfig* ]] && continue
		adjust_opts "$bugs" "$@"
		run_pair "$f" "${ADJ[@]}" -- "${ADJ[@]}" || fails=$((fails + 1))
		if [ "$RC_L" -ne 0 ]; then
			# Every option set here is valid: lsmem failing means the
			# fixture or the test is wrong, not memhp.
			echo "lsmem itself failed (exit $RC_L) on $f with: ${ADJ[*]}"
			fails=$((fails + 1))
		fi
		run_pair "$f" -J "${ADJ[@]}" -- --json=lsmem "${ADJ[@]}" || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ]
}

@test "compat: no options" { compat; }
@test "compat: -o all7 --split STATE" { compat -o "$ALL_COLS" --split STATE; }
@test "compat: -o all7 --split REMOVABLE" { compat -o "$ALL_COLS" --split REMOVABLE; }
@test "compat: -o all7 --split NODE" { compat -o "$ALL_COLS" --split NODE; }
@test "compat: -o all7 --split ZONES" { compat -o "$ALL_COLS" --split ZONES; }
@test "compat: -o RANGE,SIZE --split none" { compat -o RANGE,SIZE --split none; }
@test "compat: -o RANGE,SIZE,BLOCK -S NODE (split by a column not shown)" { compat -o RANGE,SIZE,BLOCK -S NODE; }
@test "compat: --all" { compat --all; }
@test "compat: -r -o all7 -S all7" { compat -r -o "$ALL_COLS" -S "$ALL_COLS"; }
@test "compat: -o +ZONES" { compat -o +ZONES; }
@test "compat: --output-all" { compat --output-all; }
@test "compat: -P" { compat -P; }
@test "compat: -b" { compat -b; }
@test "compat: -n" { compat -n; }
@test "compat: -r" { compat -r; }
@test "compat: --summary=only" { compat --summary=only; }
@test "compat: --summary (bare means only)" { compat --summary; }
@test "compat: --summary=never" { compat --summary=never; }
@test "compat: --summary=always" { compat --summary=always; }
@test "compat: -b --summary=only" { compat -b --summary=only; }
@test "compat: -a -o +NODE,ZONES" { compat -a -o +NODE,ZONES; }
@test "compat: -P --output-all" { compat -P --output-all; }
@test "compat: -a -b -r --output-all" { compat -a -b -r --output-all; }
@test "compat: -n -P -o BLOCK,ZONES,NODE (reordered)" { compat -n -P -o BLOCK,ZONES,NODE; }
@test "compat: lower-case column names -o range,size,zones -S state" { compat -o range,size,zones -S state; }
@test "compat: long forms --bytes --noheadings --output= --split=" {
	compat --bytes --noheadings --output=RANGE,SIZE,STATE,NODE --split=STATE,NODE
}
@test "compat: bundled short options -bn" { compat -bn; }
@test "compat: --raw --all -o BLOCK,STATE,REMOVABLE" { compat --raw --all -o BLOCK,STATE,REMOVABLE; }
@test "compat: --pairs -b -o RANGE,SIZE,BLOCK" { compat --pairs -b -o RANGE,SIZE,BLOCK; }

@test "compat -J: --summary=always before or after -J (lsmem: the later one wins)" {
	local f fails=0
	for f in nodes-2 states; do
		run_pair "$f" --summary=always -J -- --summary=always --json=lsmem || fails=$((fails + 1))
		run_pair "$f" -J --summary=always -- --json=lsmem --summary=always || fails=$((fails + 1))
		run_pair "$f" -J -b --summary=always -- -J --json=lsmem -b --summary=always || fails=$((fails + 1))
		run_pair "$f" --summary=always -J -- --summary=always -J --json=lsmem || fails=$((fails + 1))
	done
	# the summary really is there after a later --summary=always
	"$MEMHP" list --sysroot "$FIXDIR/states" --json=lsmem --summary=always | grep -q '^Memory block size:'
	[ "$fails" -eq 0 ]
}

@test "per-block values (STATE REMOVABLE NODE ZONES) match the fixture files, every fixture" {
	local f fails=0
	for f in $(fixtures); do
		if ! diff -u --label "expected $f (from its files)" --label "memhp $f" \
			<(fixture_expected_pairs "$f") \
			<("$MEMHP" list --sysroot "$FIXDIR/$f" -a -P -o BLOCK,STATE,REMOVABLE,NODE,ZONES); then
			echo "MISMATCH fixture=$f"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "the two lsmem-bug fixtures exist and trigger the bugs (else the workaround hides nothing)" {
	local f seen_z=0 seen_n=0
	for f in $(fixtures); do
		case $(lsmem_bugs "$f") in
		*zones*) seen_z=1 ;;
		esac
		case $(lsmem_bugs "$f") in
		*nodes*) seen_n=1 ;;
		esac
	done
	[ "$seen_z" -eq 1 ]
	[ "$seen_n" -eq 1 ]
	# And the workaround is needed: lsmem 2.38.1 really shows no zones there.
	run lsmem --sysroot "$FIXDIR/high-ids" -a -P -o BLOCK,ZONES
	assert_success
	assert_line --index 0 'BLOCK="8192" ZONES=""'
}

@test "high-ids (no memory0): memhp prints ZONES (util-linux #4055 fixed)" {
	run "$MEMHP" list --sysroot "$FIXDIR/high-ids" -o BLOCK,ZONES -r -n
	assert_success
	assert_output "8192-8207 Normal
8208-8215 Movable
8216-8223 Movable/Normal
8226-8229 Normal/Movable"
}

@test "node-missing-first: memhp prints NODE and splits by it (util-linux #3110 fixed)" {
	run "$MEMHP" list --sysroot "$FIXDIR/node-missing-first" -o BLOCK,NODE -r -n
	assert_success
	assert_output "0 -1
1-15 0
16-23 1"
}

@test "no-node-dir (no sys/devices/system/node): NODE from each block's nodeN link, as lsmem" {
	[ ! -e "$FIXDIR/no-node-dir/sys/devices/system/node" ]
	run "$MEMHP" list --sysroot "$FIXDIR/no-node-dir" -o BLOCK,NODE -r -n
	assert_success
	assert_output "0-11 0
12 -1
13-15 0
16-23 1
24-31 0"
	run lsmem --sysroot "$FIXDIR/no-node-dir" -o BLOCK,NODE -r -n
	assert_output "0-11 0
12 -1
13-15 0
16-23 1
24-31 0"
	run "$MEMHP" list --sysroot "$FIXDIR/no-node-dir" --json -a
	assert_success
	[ "$(jq -c '[.ranges[] | .node]' <<<"$output")" = \
		'[0,0,0,0,0,0,0,0,0,0,0,0,null,0,0,0,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0]' ]
}

# s390-memconfig's values, checked against lsmem 2.42.2 built from
# util-linux's sources (Debian's 2.38.1 does not read sys/firmware/memory):
# with -P, -r and -J the bytes do not depend on libsmartcols' version.
@test "s390-memconfig: CONFIGURED and MEMMAP-ON-MEMORY as lsmem 2.42 prints them" {
	local F=$FIXDIR/s390-memconfig
	run "$MEMHP" list --sysroot "$F" -P --output-all
	assert_success
	assert_output 'RANGE="0x0000000000000000-0x000000003fffffff" SIZE="1G" STATE="online" REMOVABLE="yes" BLOCK="0-3" NODE="" ZONES="DMA" CONFIGURED="yes" MEMMAP-ON-MEMORY="no"
RANGE="0x0000000040000000-0x000000007fffffff" SIZE="1G" STATE="online" REMOVABLE="yes" BLOCK="4-7" NODE="" ZONES="Normal" CONFIGURED="yes" MEMMAP-ON-MEMORY="no"
RANGE="0x0000000080000000-0x000000009fffffff" SIZE="512M" STATE="offline" REMOVABLE="" BLOCK="8-9" NODE="" ZONES="Normal/Movable" CONFIGURED="yes" MEMMAP-ON-MEMORY="no"
RANGE="0x00000000a0000000-0x00000000bfffffff" SIZE="512M" STATE="online" REMOVABLE="yes" BLOCK="10-11" NODE="" ZONES="Movable" CONFIGURED="yes" MEMMAP-ON-MEMORY="yes"
RANGE="0x00000000c0000000-0x00000000ffffffff" SIZE="1G" STATE="offline" REMOVABLE="" BLOCK="12-15" NODE="" ZONES="" CONFIGURED="no" MEMMAP-ON-MEMORY="no"
RANGE="0x0000000100000000-0x000000011fffffff" SIZE="512M" STATE="online" REMOVABLE="yes" BLOCK="16-17" NODE="" ZONES="Movable" CONFIGURED="yes" MEMMAP-ON-MEMORY="yes"'
	# a split by CONFIGURED alone: the range shows its first block's state
	run "$MEMHP" list --sysroot "$F" -r -o BLOCK,STATE,CONFIGURED -S CONFIGURED
	assert_success
	assert_output 'BLOCK STATE CONFIGURED
0-11 online yes
12-15 offline no
16-17 online yes'
	run "$MEMHP" list --sysroot "$F" -r -n -o block,memmap-on-memory
	assert_success
	assert_output '0-9 no
10-11 yes
12-15 no
16-17 yes'
	run "$MEMHP" list --sysroot "$F" --json=lsmem -o BLOCK,CONFIGURED,MEMMAP-ON-MEMORY
	assert_success
	[ "$(jq -c . <<<"$output")" = '{"memory":[{"block":"0-9","configured":"yes","memmap-on-memory":"no"},{"block":"10-11","configured":"yes","memmap-on-memory":"yes"},{"block":"12-15","configured":"no","memmap-on-memory":"no"},{"block":"16-17","configured":"yes","memmap-on-memory":"yes"}]}' ]
	# deconfigured blocks count as offline memory
	run "$MEMHP" list --sysroot "$F" --summary=only
	assert_success
	assert_line 'Total offline memory:    1.5G'
	# memhp's document: booleans per range
	run "$MEMHP" list --sysroot "$F" --json
	assert_success
	[ "$(jq -c '[.ranges[] | [.first_block, .configured, .memmap_on_memory, .state]]' <<<"$output")" = \
		'[[0,true,false,"online"],[4,true,false,"online"],[8,true,false,"offline"],[10,true,true,"online"],[12,false,false,"offline"],[16,true,true,"online"]]' ]
}

@test "without sys/firmware/memory, CONFIGURED and MEMMAP-ON-MEMORY are left out and split nothing (every fixture)" {
	local f fails=0
	for f in $(plain_fixtures); do
		run_pair "$f" -o RANGE,BLOCK -- -o RANGE,CONFIGURED,BLOCK,MEMMAP-ON-MEMORY || fails=$((fails + 1))
		run_pair "$f" -J -o RANGE,STATE -- --json=lsmem -o RANGE,MEMMAP-ON-MEMORY,STATE || fails=$((fails + 1))
		run_pair "$f" -P -S none -- -P -S CONFIGURED,MEMMAP-ON-MEMORY || fails=$((fails + 1))
	done
	run "$MEMHP" list --sysroot "$FIXDIR/states" --json
	[ "$(jq '[.ranges[] | .configured, .memmap_on_memory] | unique' <<<"$output" | jq -c .)" = '[null]' ]
	[ "$fails" -eq 0 ]
}

# lsmem 2.38 ignores LSMEM_COLUMNS, so it is set for both and memhp is
# compared with lsmem given the list as -o.
@test "LSMEM_COLUMNS: the columns when -o is not given, as -o would (every fixture)" {
	local f fails=0
	for f in $(plain_fixtures); do
		export LSMEM_COLUMNS=BLOCK,state,RANGE
		run_pair "$f" -o BLOCK,state,RANGE -- || fails=$((fails + 1))
		run_pair "$f" -J -o BLOCK,state,RANGE -- --json=lsmem || fails=$((fails + 1))
		run_pair "$f" -o RANGE,SIZE -- -o RANGE,SIZE || fails=$((fails + 1))
		run_pair "$f" -o BLOCK,state,RANGE -- --output-all || fails=$((fails + 1))
		export LSMEM_COLUMNS=+NODE,ZONES
		run_pair "$f" -P -o +NODE,ZONES -- -P || fails=$((fails + 1))
		run_pair "$f" -r --output-all -o +BLOCK -- -r --output-all -o +BLOCK || fails=$((fails + 1))
		export LSMEM_COLUMNS=+BLOCK
		run_pair "$f" -P --output-all -o +BLOCK -- -P --output-all || fails=$((fails + 1))
		export LSMEM_COLUMNS=
		run_pair "$f" -- || fails=$((fails + 1))
	done
	unset LSMEM_COLUMNS
	[ "$fails" -eq 0 ]
}

@test "LSMEM_COLUMNS: a bad list is a usage error naming it, unless unused" {
	local S=(--sysroot "$FIXDIR/states")
	LSMEM_COLUMNS=RANGE,BOGUS run "$MEMHP" list "${S[@]}"
	assert_failure 2
	assert_output --partial "LSMEM_COLUMNS: unknown column: BOGUS"
	LSMEM_COLUMNS=RANGE,BOGUS run "$MEMHP" list "${S[@]}" --json=lsmem
	assert_failure 2
	# -o wins; --summary=only has no table; memhp's document has no columns
	LSMEM_COLUMNS=BOGUS run "$MEMHP" list "${S[@]}" -o RANGE -n
	assert_success
	assert_output --partial 0x0000000000000000-
	LSMEM_COLUMNS=BOGUS run "$MEMHP" list "${S[@]}" --summary=only
	assert_success
	LSMEM_COLUMNS=RANGE run --separate-stderr "$MEMHP" list "${S[@]}" --json
	assert_success
	[ "$(jq -r .schema <<<"$output")" = 1 ]
}

@test "compat as an unprivileged user: chmod 000 attributes" {
	# As root, mode 000 does not stop a read, so this needs another user.
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local d opts fails=0 rc_l rc_m
	d=$(mktemp -d "${TMPDIR:-/tmp}/memhp-nobody.XXXXXX")
	NOBODY_DIR=$d
	chmod 755 "$d"
	"$REPO_ROOT/tests/fixtures/gen-sysfs" --only states,nodes-2 "$d"
	local m=$d/states/sys/devices/system/memory
	chmod 000 "$m/memory3/state" "$m/memory25/valid_zones" "$m/memory8/removable" "$m/memory40/state"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	as_nobody test -x "$MEMHP" || skip "nobody cannot run $MEMHP"
	for f in states nodes-2; do
		for opts in "" "-a -o +NODE,ZONES" "--output-all -P" "-b --summary=only"; do
			rc_l=0
			rc_m=0
			# shellcheck disable=SC2086 # $opts is a word list on purpose
			as_nobody lsmem --sysroot "$d/$f" $opts >"$BATS_TEST_TMPDIR/l" 2>"$BATS_TEST_TMPDIR/l.err" || rc_l=$?
			# shellcheck disable=SC2086
			as_nobody "$MEMHP" list --sysroot "$d/$f" $opts >"$BATS_TEST_TMPDIR/m" 2>"$BATS_TEST_TMPDIR/m.err" || rc_m=$?
			if [ "$rc_l" -ne "$rc_m" ] || ! cmp -s "$BATS_TEST_TMPDIR/l" "$BATS_TEST_TMPDIR/m"; then
				echo "MISMATCH (as nobody) fixture=$f options: ${opts:-(none)}; exit lsmem $rc_l memhp $rc_m"
				sed 's/^/  lsmem stderr: /' "$BATS_TEST_TMPDIR/l.err"
				sed 's/^/  memhp stderr: /' "$BATS_TEST_TMPDIR/m.err"
				diff -u "$BATS_TEST_TMPDIR/l" "$BATS_TEST_TMPDIR/m" | head -30
				fails=$((fails + 1))
			fi
		done
	done
	# A block directory that cannot be listed (mode 311, its files still
	# open by name): lsmem 2.38.1 gives up ("Failed to open memory40",
	# exit 1) since it readdir()s every block for its node link.  memhp
	# may do better; either it fails the same way (exit 1, one line) or it
	# prints the right values.
	chmod 311 "$d/nodes-2/sys/devices/system/memory/memory40"
	rc_m=0
	as_nobody "$MEMHP" list --sysroot "$d/nodes-2" -a -P -o BLOCK,STATE,NODE,ZONES \
		>"$BATS_TEST_TMPDIR/m" 2>"$BATS_TEST_TMPDIR/m.err" || rc_m=$?
	if [ "$rc_m" -eq 0 ]; then
		grep -qx 'BLOCK="40" STATE="online" NODE="1" ZONES="Normal"' "$BATS_TEST_TMPDIR/m" || {
			echo "unlistable memory40: memhp succeeded but printed:"
			grep 'BLOCK="40"' "$BATS_TEST_TMPDIR/m"
			fails=$((fails + 1))
		}
	elif [ "$rc_m" -ne 1 ] || [ "$(wc -l <"$BATS_TEST_TMPDIR/m.err")" -ne 1 ]; then
		echo "unlistable memory40: memhp exit $rc_m, stderr:"
		cat "$BATS_TEST_TMPDIR/m.err"
		fails=$((fails + 1))
	fi
	[ "$fails" -eq 0 ]
}

@test "this machine: memhp list prints what lsmem prints (read only)" {
	local o fails=0
	for o in "" "-a" "-o +NODE,ZONES" "-r --output-all" "-P -b" "--summary=only"; do
		if ! diff <(lsmem $o 2>&1; echo "exit $?") <("$MEMHP" list $o 2>&1; echo "exit $?") >"$BATS_TEST_TMPDIR/d"; then
			echo "live, options '$o':"
			cat "$BATS_TEST_TMPDIR/d"
			fails=$((fails + 1))
		fi
		[[ $o == -r* || $o == -P* || $o == --summary=only ]] && continue
		if ! diff <(lsmem -J $o 2>&1; echo "exit $?") <("$MEMHP" list --json=lsmem $o 2>&1; echo "exit $?") >"$BATS_TEST_TMPDIR/d"; then
			echo "live, options -J '$o':"
			cat "$BATS_TEST_TMPDIR/d"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}
