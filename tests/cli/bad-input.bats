#!/usr/bin/env bats
# Malformed and hostile invocations, one table row each: every one must end
# with the exit status in the table (2: invalid input, 1: the kernel, or
# the machine, said no), exactly one line on stderr that matches the
# table's pattern, nothing on stdout, and the fixture tree byte-identical
# afterwards.  memhp runs with the fake kernel preloaded, so a write that
# slipped through would change the tree.
#
# Columns, split on " | ":  GROUP | EXIT | SETUP | ARGS | PATTERN
#   SETUP   shell run in the tree copy before the baseline is taken (-: none)
#   ARGS    memhp's arguments, shell words (after --sysfs-root TREE);
#           (none): no arguments
#   PATTERN an extended regular expression for the stderr line

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

TABLE=$(cat <<'EOF'
list    | 2 | - | list -o FOO | ^memhp list: unknown column: FOO \(try 'memhp list --help'\)$
list    | 2 | - | list --output= | empty column list
list    | 2 | - | list --split=BAR | unknown column: BAR
list    | 2 | - | list --node=-1 | invalid --node '-1'
list    | 2 | - | list --node=99999999999999999999 | invalid --node '9+'
list    | 2 | - | list --state=sleeping | invalid state 'sleeping'
list    | 2 | - | list --zone=Foo | invalid zone 'Foo'
list    | 2 | - | list --summary=maybe | --summary argument: 'maybe'
list    | 2 | - | list --raw --pairs | mutually exclusive
list    | 2 | - | list --json --raw | mutually exclusive
list    | 2 | - | list extra | unexpected argument 'extra'
list    | 2 | - | list --bogus | unrecognized option '--bogus'
summary | 2 | - | summary --format=xml | 'xml' is neither table nor prometheus
summary | 2 | - | summary extra | unexpected argument 'extra'
online  | 2 | - | online | no blocks given
online  | 2 | - | online 99999 | block 99999 does not exist
online  | 2 | - | online 12-11 | '12-11' is not a block id
online  | 2 | - | online 0x100-0x200 | not aligned to the memory block size
online  | 2 | - | online 18446744073709551616 | is not a block id
online  | 2 | - | online 1X | '1X' is not a block id
online  | 2 | - | online 0G | '0G' is not a block id
online  | 1 | - | online 100000T | only 1024 MiB of offline memory
online  | 2 | - | online --zone=Foo 8 | invalid zone 'Foo'
online  | 2 | - | online --zone=DMA 8 | block 8 cannot be onlined into DMA
online  | 2 | - | online --zone 8 | no blocks given
online  | 2 | - | online --timeout=-1 8 | invalid --timeout '-1'
online  | 2 | - | online --timeout=abc 8 | invalid --timeout 'abc'
online  | 2 | - | online --timeout=99999999999 8 | invalid --timeout
online  | 2 | - | online --node=abc 8 | invalid --node 'abc'
online  | 2 | - | online memory | 'memory' is not a block id
online  | 2 | - | online ../memory8 | '\.\./memory8' is not a block id
online  | 2 | - | online 8,,9 | '8,,9' is not a block id
online  | 2 | - | online -- -8 | '-8' is not a block id
online  | 2 | - | online '' | '' is not a block id
online  | 2 | - | online 8-99999999999999999999 | is not a block id
online  | 2 | - | online 0x0-0xffffffffffffffffff | is not a block id
online  | 2 | - | online 8 9 10 11 12 13 14 15 16 | block 16 does not exist
online  | 1 | echo "online 12 -1" >sys/devices/system/memory/memory8/fake-kernel | online 8 | ^memhp: block 8 .*: online failed: Cannot allocate memory
offline | 1 | echo "offline 16 -1" >sys/devices/system/memory/memory0/fake-kernel | offline --timeout=1 0 | ^memhp: block 0 .*: offline failed: Device or resource busy
offline | 2 | - | offline --zone=Movable 0 | no memory block matches the selection
offline | 2 | - | offline 8 --atomic --timeout | option '--timeout' requires an argument
probe   | 2 | - | probe | give START and SIZE
probe   | 2 | - | probe 0x100000000 | give START and SIZE
probe   | 2 | - | probe 0x100000001 128M | not a whole number of memory blocks
probe   | 2 | - | probe 0x100000000 100M | not a whole number of memory blocks
probe   | 2 | - | probe zz 128M | 'zz 128M' is not START SIZE
probe   | 2 | - | probe 0x100000000 -128M | invalid option
probe   | 2 | - | probe 0x100000000 0 | not a whole number of memory blocks
probe   | 2 | - | probe --node=x 0x100000000 128M | invalid --node 'x'
probe   | 2 | - | probe --online=sideways 0x100000000 128M | invalid zone 'sideways'
probe   | 2 | - | probe 0xfffffffff8000000 256M | not a whole number of memory blocks|beyond|overflow
probe   | 2 | - | probe 0x1 2 3 | unexpected argument '3'
probe   | 2 | - | probe --scan 0x100000000 128M | --scan
remove  | 2 | - | remove | give START SIZE
remove  | 2 | - | remove 0x100000000 128M | is not a range memhp.ko added
remove  | 2 | - | remove --all 0x1 128M | give START SIZE
remove  | 2 | - | remove 0x100000000 | give START SIZE
policy  | 2 | - | policy auto_online_blocks=sometimes | 'sometimes' is not one of the accepted values
policy  | 2 | - | policy online_policy=random | 'random' is not one of the accepted values
policy  | 2 | - | policy auto_movable_ratio=-5 | '-5' is not a whole number
policy  | 2 | - | policy auto_movable_ratio=abc | 'abc' is not a whole number
policy  | 2 | - | policy auto_movable_ratio=99999999999999999999 | is not a whole number
policy  | 2 | - | policy auto_movable_numa_aware=maybe | 'maybe' is not yes or no
policy  | 2 | - | policy memmap_on_memory=1 | boot parameter
policy  | 2 | - | policy no_such_key=1 | unknown key 'no_such_key'
policy  | 2 | - | policy auto_online_blocks= | '' is not one of the accepted values
policy  | 2 | - | policy =online | unknown key ''
policy  | 2 | - | policy auto_online_blocks=online online_policy=random | 'random' is not one of the accepted values
watch   | 2 | - | watch --count=x | invalid --count 'x'
watch   | 2 | - | watch --timeout=-3 | invalid --timeout '-3'
watch   | 2 | - | watch extra | unexpected argument 'extra'
acpi    | 2 | - | devices extra | unexpected argument 'extra'
acpi    | 2 | - | eject | which device\?
acpi    | 2 | - | eject PNP0C80:99 | no ACPI memory device 'PNP0C80:99'
acpi    | 2 | - | eject ../../etc | no ACPI memory device '\.\./\.\./etc'
acpi    | 2 | - | eject PNP0C80:00/../PNP0C80:01 | no ACPI memory device
acpi    | 1 | - | eject PNP0C80:03 | has no eject method
acpi    | 2 | - | eject --wait=0 PNP0C80:00 | --wait needs at least 1 second
common  | 2 | - | --sysfs-root= list | --sysfs-root needs a directory
common  | 2 | - | list --sysfs-root | option '--sysfs-root' requires an argument
common  | 2 | - | --sysfs-root=/nonexistent list | '/nonexistent': No such file or directory
common  | 2 | - | --sysfs-root=/etc/passwd list | '/etc/passwd': Not a directory
common  | 2 | - | -e | no blocks given
common  | 2 | - | nosuch | unknown command 'nosuch'
common  | 2 | - | (none) | no command given
common  | 2 | - | --bogus | unrecognized option '--bogus'
path    | 2 | rm -r sys/devices/system/memory/memory8 && ln -s /sys/devices/system/memory/memory0 sys/devices/system/memory/memory8 | online 8 | block 8: its state cannot be read
path    | 2 | ln -sf ../../../../../etc/passwd sys/devices/system/memory/memory8/state | online 8 | block 8: its state cannot be read
path    | 2 | ln -sf /proc/self/environ sys/devices/system/memory/memory8/state | online 8 | block 8: its state cannot be read
file    | 1 | echo zz >sys/devices/system/memory/block_size_bytes | list | block_size_bytes: invalid value 'zz'
file    | 1 | : >sys/devices/system/memory/block_size_bytes | list | block_size_bytes: invalid value ''
file    | 1 | echo 0 >sys/devices/system/memory/block_size_bytes | summary | block_size_bytes: invalid value '0'
file    | 2 | : >sys/devices/system/memory/memory8/state | online 8 | block 8: its state cannot be read
file    | 2 | rm sys/devices/system/memory/memory8/state && mkdir sys/devices/system/memory/memory8/state | online 8 | block 8: its state cannot be read
file    | 2 | echo Mov >sys/devices/system/memory/memory8/valid_zones | online --zone=movable 8 | block 8 cannot be onlined into Movable
file    | 2 | printf 'Movable Normal' >sys/devices/system/memory/memory8/valid_zones && truncate -s 3 sys/devices/system/memory/memory8/valid_zones | online --zone=movable 8 | block 8 cannot be onlined into Movable
EOF
)

# The tree's names, types, modes and file contents.
tree_sum() {
	(cd "$1" && find . -path ./run -prune -o -printf '%p %y %m %l\n' | sort &&
		find . -path ./run -prune -o -type f -perm -u=r -print0 | sort -z |
		xargs -0 -r cat 2>/dev/null) | sha256sum
}

# Runs the rows of GROUP; prints every row that went wrong, fails if any.
run_group() { # GROUP FIXTURE
	local group=$1 fixture=$2 row g want setup args pattern bad=0 n=0 before
	while IFS= read -r row; do
		g=$(sed -E 's/ *\| .*//' <<<"$row")
		[ "$g" = "$group" ] || continue
		n=$((n + 1))
		want=$(awk -F ' [|] ' '{print $2}' <<<"$row" | tr -d ' ')
		setup=$(awk -F ' [|] ' '{print $3}' <<<"$row")
		args=$(awk -F ' [|] ' '{print $4}' <<<"$row")
		pattern=$(awk -F ' [|] ' '{ for (i = 5; i < NF; i++) printf "%s | ", $i; print $NF }' <<<"$row")
		T=$BATS_TEST_TMPDIR/t$n
		cp -a "$FIXDIR/$fixture" "$T"
		[ "$setup" = - ] || (cd "$T" && eval "$setup") ||
			{ echo "row '$args': setup failed"; bad=1; continue; }
		[ "$args" = "(none)" ] && args=
		before=$(tree_sum "$T")
		eval "set -- $args"
		run --separate-stderr fmemhp "$@"
		if [ "$status" != "$want" ]; then
			echo "row '$args': exit $status, want $want (stderr: $stderr)"; bad=1
		elif [ -n "$output" ]; then
			echo "row '$args': stdout not empty: $output"; bad=1
		elif [ "$(printf '%s\n' "$stderr" | wc -l)" != 1 ] || [ -z "$stderr" ]; then
			echo "row '$args': stderr is not one line: $stderr"; bad=1
		elif ! grep -qE -- "$pattern" <<<"$stderr"; then
			echo "row '$args': stderr '$stderr' does not match /$pattern/"; bad=1
		elif [ "$(tree_sum "$T")" != "$before" ]; then
			echo "row '$args': the tree changed"; bad=1
		fi
	done <<<"$TABLE"
	[ "$n" -gt 0 ] || { echo "no rows in group $group"; return 1; }
	return "$bad"
}

@test "the table has at least 60 rows, all well formed" {
	local rows
	rows=$(grep -c . <<<"$TABLE")
	[ "$rows" -ge 60 ]
	run awk -F ' [|] ' 'NF < 5 || $2 !~ /^ *[12] *$/' <<<"$TABLE"
	assert_output ""
}

@test "bad input: list" { run_group list module-loaded; }
@test "bad input: summary" { run_group summary module-loaded; }
@test "bad input: online selectors, zones and options" { run_group online module-loaded; }
@test "bad input: offline" { run_group offline module-loaded; }
@test "bad input: probe" { run_group probe module-loaded; }
@test "bad input: remove" { run_group remove module-loaded; }
@test "bad input: policy" { run_group policy module-loaded; }
@test "bad input: watch" { run_group watch module-loaded; }
@test "bad input: devices and eject" { run_group acpi acpi-dimms; }
@test "bad input: common options and commands" { run_group common module-loaded; }
@test "bad input: links out of the sysfs root" { run_group path module-loaded; }
@test "bad input: truncated and unreadable files" { run_group file module-loaded; }
